import { cpus } from 'node:os';
import { VERSION } from '../src/index.js';
import { loadOpenAI } from '../test/support/openai-sdk.js';
import { DEFAULT_ENCODING, runEncoding } from './encoding.bench.js';
import { DEFAULT_MEMORY, runMemory } from './memory.bench.js';
import { DEFAULT_OVERHEAD, runOverhead, runTracingOverhead } from './overhead.bench.js';
import { DEFAULT_PUSHES, runPushes } from './pushes.bench.js';
import { startReceiver, type ReceiverProcess } from './receiver-process.js';
import { renderTable, type ResultRow } from './result-table.js';
import { DEFAULT_SOAK, runSoak } from './soak.bench.js';

/**
 * `npm run bench`: every measurement of issue 6, and the soak of issue 5, in one table.
 *
 *   node build/bench/run-benchmarks.js                 # all of them (~3-4 min on 2 cores, 1 of them the soak)
 *   node build/bench/run-benchmarks.js overhead memory # some of them
 *   node build/bench/run-benchmarks.js tracing         # issue 21: calls in an app that traces
 *   node build/bench/run-benchmarks.js --quick         # fewer rounds and calls: a smoke run, not a result
 *
 * Exits 1 when a target is missed, so CI can run it as a check.
 */

type Measurement = 'overhead' | 'tracing' | 'encoding' | 'pushes' | 'memory' | 'soak';
const ALL: readonly Measurement[] = ['overhead', 'tracing', 'encoding', 'pushes', 'memory', 'soak'];

async function measure(name: Measurement, receiver: ReceiverProcess, quick: boolean): Promise<ResultRow[]> {
  switch (name) {
    case 'overhead':
      return runOverhead(receiver, quick ? { ...DEFAULT_OVERHEAD, rounds: 3, warmup: 1, blocksPerRound: 10 } : DEFAULT_OVERHEAD);
    case 'tracing':
      return runTracingOverhead(receiver, quick ? { ...DEFAULT_OVERHEAD, rounds: 3, warmup: 1, blocksPerRound: 10 } : DEFAULT_OVERHEAD);
    case 'encoding':
      return runEncoding(quick ? { rounds: 3, warmup: 1, batch: 10_000 } : DEFAULT_ENCODING);
    case 'pushes':
      return runPushes(receiver, quick ? { total: 200, perFlush: [10, 100] } : DEFAULT_PUSHES);
    case 'memory':
      return runMemory(receiver, quick ? { small: 1_000, large: 20_000 } : DEFAULT_MEMORY);
    case 'soak':
      // Its own receiver (one that can answer 503): the shared one always answers 204.
      return runSoak(quick ? { ...DEFAULT_SOAK, calls: 200_000 } : DEFAULT_SOAK);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const named = args.filter((a): a is Measurement => (ALL as readonly string[]).includes(a));
  const unknown = args.filter((a) => a !== '--quick' && !(ALL as readonly string[]).includes(a));
  if (unknown.length > 0) throw new Error(`unknown argument(s) ${unknown.join(', ')}; use ${ALL.join(', ')} or --quick`);
  const sdk = loadOpenAI();
  const cpu = cpus();
  console.log(`grafana-openai-monitoring ${VERSION} benchmarks${quick ? ' (--quick: smoke run, not a result)' : ''}`);
  console.log(`Node ${process.versions.node}, openai ${sdk.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}`);
  const receiver = await startReceiver();
  const rows: ResultRow[] = [];
  try {
    for (const name of named.length > 0 ? named : ALL) {
      const started = Date.now();
      rows.push(...(await measure(name, receiver, quick)));
      console.log(`  ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await receiver.stop();
  }
  console.log();
  console.log(renderTable(rows));
  if (rows.some((r) => r.met === false)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
