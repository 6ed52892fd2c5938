import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { MemoryReport } from './memory-child.js';
import type { ReceiverProcess } from './receiver-process.js';
import { formatNumber, type ResultRow } from './result-table.js';

/**
 * Memory (issue 6): resident memory after 1,000,000 monitored calls against
 * after 10,000, each size in a fresh process (memory-child.ts) with the
 * receiver up, measured after a final flush and two full GCs. Flat means the
 * library keeps nothing per call: queues drain, and its maps (series, streams,
 * timestamps) grow with label sets, which these calls do not add.
 *
 * RSS is measured with one malloc arena (see ONE_ARENA), and shown with the
 * default allocator too.
 */

export interface MemorySettings {
  readonly small: number;
  readonly large: number;
}

export const DEFAULT_MEMORY: MemorySettings = { small: 10_000, large: 1_000_000 };

/** RSS may grow this much from the small run to the large one and still count as flat. */
const FLAT_RATIO = 1.1;

/**
 * glibc gives each thread that allocates its own arena (up to 8 per core) and
 * keeps what those arenas once held: a longer run of any Node process leaves
 * more of that slack behind (measured here: 5-20 MB more after 1,000,000 calls,
 * with the JS heap flat). One arena, with fixed mmap and trim thresholds, makes
 * RSS follow what the process uses. Ignored by other C libraries.
 */
const ONE_ARENA = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' };

/**
 * V8 sizes its young generation by the allocation rate it has seen: a process
 * that has run 1,000,000 calls keeps semi-spaces several times larger than
 * one that ran 10,000, which is RSS the library does not hold (the JS heap row
 * shows what is live). A fixed young generation in both children takes that
 * out of the comparison, as one malloc arena takes out the allocator's slack.
 */
const FIXED_YOUNG_GENERATION = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

function measure(calls: number, receiver: ReceiverProcess, env: Readonly<Record<string, string>>, monitored = true): Promise<MemoryReport> {
  const args = [String(calls), receiver.metricsUrl, receiver.logsUrl, ...(monitored ? [] : ['unmonitored'])];
  const child = fork(join(__dirname, 'memory-child.js'), args, {
    execArgv: ['--expose-gc', ...FIXED_YOUNG_GENERATION],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let report: MemoryReport | undefined;
    child.on('message', (message: MemoryReport) => {
      report = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => (report !== undefined ? resolve(report) : reject(new Error(`memory child (${calls} calls) exited with ${String(code)}`))));
  });
}

const mib = (bytes: number): string => `${formatNumber(bytes / 1024 / 1024, 1)} MiB`;

/**
 * Runs both sizes (in parallel: each is its own process), monitored and then
 * the same calls unmonitored, with one malloc arena, then monitored with the
 * default allocator, and returns the RSS and heap rows.
 *
 * The target is on what monitoring adds: a Node process making 1,000,000
 * promise-heavy calls ends with more RSS than after 10,000 by itself (20 MB
 * here, with its JS heap flat: V8 and allocator slack), and that growth is not
 * the library's. Monitoring is flat when the monitored growth is within 10% of
 * the unmonitored one.
 *
 * @example
 * const rows = await runMemory(receiver, DEFAULT_MEMORY);
 */
export async function runMemory(receiver: ReceiverProcess, settings: MemorySettings = DEFAULT_MEMORY): Promise<ResultRow[]> {
  const [small, large] = await Promise.all([measure(settings.small, receiver, ONE_ARENA), measure(settings.large, receiver, ONE_ARENA)]);
  const [smallBare, largeBare] = await Promise.all([measure(settings.small, receiver, ONE_ARENA, false), measure(settings.large, receiver, ONE_ARENA, false)]);
  const [smallDefault, largeDefault] = await Promise.all([measure(settings.small, receiver, {}), measure(settings.large, receiver, {})]);
  const sizes = `after ${formatNumber(large.calls, 0)} calls vs after ${formatNumber(small.calls, 0)}`;
  const growth = large.rss / small.rss;
  const bareGrowth = largeBare.rss / smallBare.rss;
  return [
    { measurement: `RSS ${sizes}, monitored (one malloc arena)`, baseline: mib(small.rss), ours: mib(large.rss), ratio: growth, target: '', met: undefined },
    { measurement: `RSS ${sizes}, the same calls unmonitored (control, one malloc arena)`, baseline: mib(smallBare.rss), ours: mib(largeBare.rss), ratio: bareGrowth, target: '', met: undefined },
    {
      measurement: `RSS growth ${sizes}: monitored ÷ unmonitored (what monitoring adds)`,
      baseline: `${bareGrowth.toFixed(3)}×`,
      ours: `${growth.toFixed(3)}×`,
      ratio: growth / bareGrowth,
      target: `≤ ${FLAT_RATIO.toFixed(2)}× (flat)`,
      met: growth / bareGrowth <= FLAT_RATIO,
    },
    { measurement: `RSS ${sizes}, monitored (default malloc)`, baseline: mib(smallDefault.rss), ours: mib(largeDefault.rss), ratio: largeDefault.rss / smallDefault.rss, target: '', met: undefined },
    {
      measurement: `JS heap after full GC ${sizes}, monitored`,
      baseline: mib(small.heapUsed),
      ours: mib(large.heapUsed),
      ratio: large.heapUsed / small.heapUsed,
      target: `≤ ${FLAT_RATIO.toFixed(2)}× (flat)`,
      met: large.heapUsed / small.heapUsed <= FLAT_RATIO,
    },
  ];
}
