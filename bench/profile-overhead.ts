import { Session, type Profiler } from 'node:inspector';
import { chatCalls, fakeClient, monitorChat } from './bench-clients.js';
import { startReceiver } from './receiver-process.js';

/**
 * Where a monitored call's overhead goes, function by function:
 *
 *   node build/bench/profile-overhead.js [--stream] [--content-off] [--rounds 12] [--top 30]
 *
 * Profiles in separate processes cannot show this: two runs of the same
 * workload on this project's VM land 10-20% apart, so every SDK function
 * seems to change. Here an unpatched and a monitored client run in the same
 * process, interleaved in blocks of 10 calls as in overhead.bench.ts, with
 * V8's sampling profiler on, and each sample is charged to the block (or the
 * flush) running when it was taken. The profiler's timestamps and
 * `process.hrtime` read the same monotonic clock (checked at the start).
 *
 * It found that openai 7 spreads every stream chunk, which made our `delete`
 * of the added `usage` field cost 9% of all CPU (bench/README.md).
 *
 * Attribution notes: the profiler moves unattributed time between
 * `(program)` and `runMicrotasks` from one profile to the next, so the two are
 * summed here; a function's figure is its self time, with whatever V8
 * inlined into it; line numbers are the compiled JavaScript's. Figures of
 * ±1-2 µs move between runs: compare runs, not single rows.
 */

const CALLS_PER_BLOCK = 10;
const BLOCKS_PER_ROUND = 50;
type Label = 'unpatched' | 'monitored' | 'flush';
/** Flush samples charged to every function on their stack (each once): what a part of the flush costs with all it calls. */
type Inclusive = Map<string, number>;

interface Window {
  readonly start: number;
  readonly end: number;
  readonly label: Label;
}

function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}

function functionKey(node: Profiler.ProfileNode): string {
  const frame = node.callFrame;
  const name = frame.functionName === 'runMicrotasks' || frame.functionName === '(program)' ? '(program or microtasks)' : frame.functionName || '(anonymous)';
  const file = frame.url.replace(/.*node_modules\//, '').replace(/^.*\/(build|dist)\/(cjs\/|esm\/)?/, '');
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

/** Self µs per function for each label, from samples falling inside the windows. */
function attribute(profile: Profiler.Profile, windows: readonly Window[]): { self: Record<Label, Map<string, number>>; flushInclusive: Inclusive } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, Profiler.ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const out: Record<Label, Map<string, number>> = { unpatched: new Map(), monitored: new Map(), flush: new Map() };
  const flushInclusive: Inclusive = new Map();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  let w = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i];
    while (w < windows.length && windows[w].end < at) w++;
    if (w === windows.length) break;
    if (windows[w].start > at) continue;
    const node = byId.get(samples[i]);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    // A sample stands for the time until the next one.
    const micros = deltas[i + 1] ?? deltas[i];
    const totals = out[windows[w].label];
    const key = functionKey(node);
    totals.set(key, (totals.get(key) ?? 0) + micros);
    if (windows[w].label === 'flush') {
      const seen = new Set<string>();
      for (let n: Profiler.ProfileNode | undefined = node; n !== undefined; n = parentOf.get(n.id)) seen.add(functionKey(n));
      for (const k of seen) flushInclusive.set(k, (flushInclusive.get(k) ?? 0) + micros);
    }
  }
  return { self: out, flushInclusive };
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function line(micros: number): string {
  return micros.toFixed(2).padStart(8);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stream = args.includes('--stream');
  const contentOff = args.includes('--content-off');
  const option = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const value = Number(args[i + 1]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a whole number of at least 1, e.g. ${name} ${fallback}`);
    return value;
  };
  const rounds = option('--rounds', 12);
  const top = option('--top', 30);

  const receiver = await startReceiver();
  const unpatched = fakeClient();
  const client = fakeClient();
  const monitor = monitorChat(client, receiver, contentOff ? { disable_content: true } : {});
  const windows: Window[] = [];
  const contenders: { label: Label; run: () => Promise<void> }[] = [
    { label: 'unpatched', run: () => chatCalls(unpatched, CALLS_PER_BLOCK, 1, stream) },
    { label: 'monitored', run: () => chatCalls(client, CALLS_PER_BLOCK, 1, stream) },
  ];
  const round = async (record: boolean): Promise<void> => {
    for (let b = 0; b < BLOCKS_PER_ROUND; b++) {
      for (const contender of b % 2 === 0 ? contenders : [...contenders].reverse()) {
        const start = nowMicros();
        await contender.run();
        if (record) windows.push({ start, end: nowMicros(), label: contender.label });
      }
    }
    // Samples must be due before the flush sends them (see overhead.bench.ts).
    await new Promise((resolve) => setTimeout(resolve, CALLS_PER_BLOCK * BLOCKS_PER_ROUND + 1));
    const start = nowMicros();
    await monitor.flush();
    if (record) windows.push({ start, end: nowMicros(), label: 'flush' });
  };

  const session = new Session();
  session.connect();
  try {
    for (let i = 0; i < 3; i++) await round(false);
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
    const started = nowMicros();
    await post(session, 'Profiler.start');
    for (let i = 0; i < rounds; i++) await round(true);
    const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop');
    if (Math.abs(profile.startTime - started) > 1_000_000) throw new Error('the profiler and process.hrtime do not share a clock here: samples cannot be attributed');
    const { self, flushInclusive } = attribute(profile, windows);
    report(self, flushInclusive, rounds * BLOCKS_PER_ROUND * CALLS_PER_BLOCK, top, { stream, contentOff });
  } finally {
    session.disconnect();
    await monitor.shutdown();
    await receiver.stop();
  }
}

function report(totals: Record<Label, Map<string, number>>, flushInclusive: Inclusive, calls: number, top: number, variant: { stream: boolean; contentOff: boolean }): void {
  const perCall = (label: Label, key: string): number => (totals[label].get(key) ?? 0) / calls;
  const ours = (key: string): boolean => /^\S+ src\//.test(key);
  console.log(`${variant.stream ? 'streamed' : 'chat'} calls, content ${variant.contentOff ? 'off' : 'on'}, ${calls} per contender; sampled CPU µs per call (profiler on: slower than the benchmark)`);
  for (const label of ['unpatched', 'monitored', 'flush'] as const) console.log(`  ${label.padEnd(10)} ${line(sum(totals[label].values()) / calls)}`);
  const keys = new Set([...totals.unpatched.keys(), ...totals.monitored.keys()]);
  const rows = [...keys].map((key) => ({ key, before: perCall('unpatched', key), after: perCall('monitored', key) }));
  rows.sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before));
  console.log(`\nCall side, the ${top} largest differences (monitored − unpatched, µs per call):\n    diff  unpatched monitored`);
  for (const row of rows.slice(0, top)) console.log(`${line(row.after - row.before)} ${line(row.before)} ${line(row.after)}  ${row.key}`);
  console.log('\nOur functions on the call side (µs per call):');
  for (const row of rows.filter((r) => ours(r.key)).sort((a, b) => b.after - a.after).slice(0, top)) console.log(`${line(row.after)}  ${row.key}`);
  console.log('\nThe flush (µs per call):');
  for (const [key, micros] of [...totals.flush].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${line(micros / calls)}  ${key}`);
  console.log('\nThe flush, inclusive: each of our functions with all it calls (µs per call):');
  for (const [key, micros] of [...flushInclusive].filter(([key]) => ours(key)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${line(micros / calls)}  ${key}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
