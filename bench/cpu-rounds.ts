/**
 * CPU time of competing workloads, measured the way the overhead benchmark
 * needs it: in one process, finely interleaved, so that what the machine does
 * meanwhile (other processes, a noisy neighbour VM, frequency steps, a late
 * JIT tier) hits every contender alike.
 *
 * A round is `blocksPerRound` cycles; each cycle runs one small block of every
 * contender (e.g. 10 calls) in a shuffled order, so no contender always
 * follows the same one and inherits its garbage; then each contender's
 * `after` runs once (e.g. the flush of what the round's calls queued). A
 * contender's round time is the sum of its blocks plus its `after`. Rounds are
 * summarised by medians, which one unlucky round cannot move, and compared by
 * the median of per-round ratios (pairedRatio).
 *
 * Why so fine: on this project's 2-core VM the same 500 SDK calls take from
 * 200 to 300 µs each from one tenth of a second to the next; blocks of 10
 * calls side by side cancel that drift, rounds of 500 in a row do not (two
 * identical clients then land up to 10% apart).
 *
 * `process.cpuUsage()` counts user + system time of the whole process (every
 * thread: GC helpers included), so garbage a contender makes is mostly charged
 * to it, and time spent waiting (timers, I/O) is not charged at all.
 */

/** One workload: `block` is one measured piece of it; `after`, when given, runs once per round and counts towards it. */
export interface Contender {
  readonly name: string;
  block(): Promise<void>;
  after?(): Promise<void>;
}

/** CPU microseconds per round of one contender: its blocks summed, and its `after`. */
export interface RoundTimes {
  readonly blocks: number[];
  readonly after: number[];
}

export interface RoundSettings {
  /** Measured rounds. */
  readonly rounds: number;
  /** Unmeasured rounds first (JIT tiers, caches, sockets). */
  readonly warmup: number;
  /** Blocks of each contender per round. */
  readonly blocksPerRound: number;
}

/**
 * CPU microseconds since `start`.
 *
 * @example
 * const start = process.cpuUsage();
 * work();
 * cpuMicros(start); // 1234
 */
export function cpuMicros(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/**
 * The median (mean of the two middle values for an even count).
 *
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The median of round-by-round ratios `numerator[i] / denominator[i]`. Both
 * ran in the same round, side by side, so what drifts from round to round
 * cancels out in each ratio.
 *
 * @example
 * pairedRatio([110, 220], [100, 200]); // 1.1
 */
export function pairedRatio(numerator: readonly number[], denominator: readonly number[]): number {
  return median(numerator.map((value, i) => value / denominator[i]));
}

/** A fixed-seed generator (LCG), so every run shuffles the same way. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Runs `warmup` unmeasured rounds, then `rounds` measured ones (see the file comment).
 *
 * @example
 * const times = await interleavedRounds(
 *   [{ name: 'baseline', block: () => calls(plain, 10) }, { name: 'monitored', block: () => calls(monitored, 10), after: () => monitor.flush() }],
 *   { rounds: 15, warmup: 3, blocksPerRound: 50 },
 * );
 * pairedRatio(times.get('monitored')!.blocks, times.get('baseline')!.blocks);
 */
export async function interleavedRounds(contenders: readonly Contender[], settings: RoundSettings): Promise<Map<string, RoundTimes>> {
  const times = new Map<string, RoundTimes>(contenders.map((c) => [c.name, { blocks: [], after: [] }]));
  const random = seededRandom(0x9e3779b9);
  for (let round = 0; round < settings.warmup + settings.rounds; round++) {
    const blocks = new Map<string, number>(contenders.map((c) => [c.name, 0]));
    const after = new Map<string, number>(contenders.map((c) => [c.name, 0]));
    for (let cycle = 0; cycle < settings.blocksPerRound; cycle++) {
      for (const contender of shuffled(contenders, random)) {
        const start = process.cpuUsage();
        await contender.block();
        blocks.set(contender.name, (blocks.get(contender.name) ?? 0) + cpuMicros(start));
      }
    }
    for (const contender of shuffled(contenders, random)) {
      if (contender.after === undefined) continue;
      const start = process.cpuUsage();
      await contender.after();
      after.set(contender.name, cpuMicros(start));
    }
    if (round < settings.warmup) continue;
    for (const contender of contenders) {
      const entry = times.get(contender.name) as RoundTimes;
      entry.blocks.push(blocks.get(contender.name) ?? 0);
      entry.after.push(after.get(contender.name) ?? 0);
    }
  }
  return times;
}
