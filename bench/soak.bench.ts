import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { DropReason } from '../src/export/self-metrics.js';
import { formatNumber, type ResultRow } from './result-table.js';
import { CONTROL_REPEAT, type SoakChildMessage, type SoakChildSettings, type SoakMark } from './soak-child.js';
import { startSoakReceiver } from './soak-receiver.js';
import type { SoakTally } from './soak-receiver-child.js';
import { SOAK_MODEL_COUNT } from './soak-stand-in.js';

/**
 * Soak (issue 5): "1,000,000 calls with the endpoints down, then up: RSS stays
 * within a fixed bound, the app's call rate does not change, and after
 * recovery the newest data arrives and the rest is counted as dropped."
 *
 * One process (soak-child.ts, one malloc arena) makes the calls while both
 * endpoints answer 503 (soak-receiver-child.ts, another process), with a
 * 200 ms flush interval, interleaved with an unmonitored control; then the
 * receiver answers 204, the exporter recovers and shuts down, and what the
 * receiver decoded is compared with what was made and with what the exporter
 * counted as dropped. bench/README.md, "Soak", says why each bound is what it is.
 */

export interface SoakSettings {
  /** Calls while the endpoints are down. */
  readonly calls: number;
  /** Calls before the RSS baseline and the first rate window (JIT, heap and queues filling). */
  readonly warmup: number;
  readonly flushIntervalMs: number;
}

export const DEFAULT_SOAK: SoakSettings = { calls: 1_000_000, warmup: 10_000, flushIntervalMs: 200 };

/** The exporter's default `max_queue`, per signal (the soak keeps the default). */
const MAX_QUEUE = 10_000;
/** Samples each call writes: the five compatible series (soak-stand-in.ts prices every model). */
const SAMPLES_PER_CALL = 5;

/**
 * RSS max over the down phase against RSS after the warm-up. V8 sizes its heap
 * from the live heap (it lets garbage reach a few times the live heap between
 * full collections, more when the machine is busy and its GC threads lag) and
 * gets there only after some 100,000 calls here: RSS goes from ~115 MiB after
 * 10,000 calls to 180-230 MiB and stays there (1.61-1.88× in 13 runs). That is
 * heap sizing, not retention: the two bounds below show that nothing grows
 * with the call count. 2.5× is the fixed bound the process must stay in; a
 * leak of ~100 bytes per call would break it by 1,000,000 calls.
 */
const RSS_BOUND_RATIO = 2.5;
/** RSS max over the second half against the first: no growth with the call count, beyond noise (0.96-1.04× in 13 runs). */
const RSS_FLAT_RATIO = 1.1;
/** JS heap after two full GCs, end of the down phase against after the warm-up: what stays behind (1.02-1.05× in 12 runs). */
const HEAP_FLAT_RATIO = 1.1;
/**
 * The app's call rate relative to the interleaved control may fall this far
 * from the first tenth to the last. Even so normalised, the tenths of one run
 * move by 3-10% (standard deviation) on this shared 2-vCPU VM, as other work
 * comes and goes, and last/first came out between 0.88× and 1.14× in ten runs
 * (unnormalised: 0.81× to 1.58×).
 * What a soak exists to catch (per-call work growing with the outage: scanning
 * a queue, a map that only grows) slows calls by far more than 20%.
 */
const RATE_FLOOR = 0.8;
/** The newest sample of every compatible series must be this close to the end of the last call. */
const NEWEST_WITHIN_MS = 1_000;

/** One malloc arena, fixed mmap and trim thresholds: as memory.bench.ts, so that RSS follows what the process uses. */
const ONE_ARENA = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' };

type Down = Extract<SoakChildMessage, { type: 'down' }>;
type Done = Extract<SoakChildMessage, { type: 'done' }>;

interface SoakRun {
  readonly down: Down;
  readonly done: Done;
  readonly tally: SoakTally;
}

async function run(settings: SoakSettings): Promise<SoakRun> {
  const receiver = await startSoakReceiver();
  try {
    const childSettings: SoakChildSettings = {
      calls: settings.calls,
      sampleEvery: settings.calls / 100,
      warmup: settings.warmup,
      flushIntervalMs: settings.flushIntervalMs,
      metricsUrl: receiver.metricsUrl,
      logsUrl: receiver.logsUrl,
    };
    const child = fork(join(__dirname, 'soak-child.js'), [JSON.stringify(childSettings)], {
      execArgv: ['--expose-gc'],
      env: { ...process.env, ...ONE_ARENA },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { down, done } = await new Promise<{ down: Down; done: Done }>((resolve, reject) => {
      let down: Down | undefined;
      let done: Done | undefined;
      child.on('message', (message: SoakChildMessage) => {
        if (message.type === 'down') {
          down = message;
          // Bring the endpoints up, then tell the child to recover.
          receiver.setMode('up').then(() => child.send('up'), reject);
        } else done = message;
      });
      child.once('error', reject);
      child.once('exit', (code) =>
        down !== undefined && done !== undefined ? resolve({ down, done }) : reject(new Error(`soak child exited with ${String(code)}`)),
      );
    });
    return { down, done, tally: await receiver.tally(settings.calls, Math.min(MAX_QUEUE, settings.calls)) };
  } finally {
    await receiver.stop();
  }
}

const mib = (bytes: number): string => `${formatNumber(bytes / 1024 / 1024, 1)} MiB`;
const count = (n: number): string => formatNumber(n, 0);
const sum = (table: Readonly<Partial<Record<DropReason, number>>>): number => Object.values(table).reduce((a, b) => a + (b ?? 0), 0);
const byReason = (table: Readonly<Partial<Record<DropReason, number>>>): string =>
  Object.entries(table)
    .map(([reason, n]) => `${reason} ${count(n ?? 0)}`)
    .join(', ');

function markAt(marks: readonly SoakMark[], calls: number): SoakMark {
  const found = marks.find((m) => m.calls === calls);
  if (!found) throw new Error(`no mark at ${calls} calls`);
  return found;
}

function memoryRows(run: SoakRun, settings: SoakSettings): ResultRow[] {
  const marks = run.down.marks;
  const base = markAt(marks, settings.warmup);
  const peakOf = (from: number, to: number): SoakMark =>
    marks.filter((m) => m.calls >= from && m.calls <= to).reduce((max, m) => (m.rss > max.rss ? m : max));
  const peak = peakOf(settings.warmup, settings.calls);
  const half = settings.calls / 2;
  const firstHalf = peakOf(settings.warmup, half);
  const secondHalf = peakOf(half + settings.calls / 100, settings.calls);
  const { warmup, end } = run.down.retained;
  const label = `${count(settings.calls)} calls`;
  return [
    {
      measurement: `Soak, endpoints down (503): RSS max over ${label} vs after ${count(settings.warmup)} (one malloc arena)`,
      baseline: mib(base.rss),
      ours: `${mib(peak.rss)} (at ${count(peak.calls)}; ${mib(run.done.rssAfter)} after recovery)`,
      ratio: peak.rss / base.rss,
      target: `≤ ${RSS_BOUND_RATIO.toFixed(2)}×`,
      met: peak.rss / base.rss <= RSS_BOUND_RATIO,
    },
    {
      measurement: `Soak, endpoints down (503): RSS max, second half vs first half of ${label}`,
      baseline: `${mib(firstHalf.rss)} (at ${count(firstHalf.calls)})`,
      ours: `${mib(secondHalf.rss)} (at ${count(secondHalf.calls)})`,
      ratio: secondHalf.rss / firstHalf.rss,
      target: `≤ ${RSS_FLAT_RATIO.toFixed(2)}× (flat)`,
      met: secondHalf.rss / firstHalf.rss <= RSS_FLAT_RATIO,
    },
    {
      measurement: `Soak, endpoints down (503): JS heap after full GC, after ${label} vs after ${count(settings.warmup)}`,
      baseline: mib(warmup.heapUsed),
      ours: `${mib(end.heapUsed)} (${mib(run.done.retainedAfter.heapUsed)} after recovery)`,
      ratio: end.heapUsed / warmup.heapUsed,
      target: `≤ ${HEAP_FLAT_RATIO.toFixed(2)}× (flat)`,
      met: end.heapUsed / warmup.heapUsed <= HEAP_FLAT_RATIO,
    },
  ];
}

/** Monitored calls per second between two marks, and the control's (unmonitored stand-in calls per second). */
function rates(from: SoakMark, to: SoakMark): { monitored: number; control: number } {
  const calls = to.calls - from.calls;
  return {
    monitored: calls / ((to.monitoredMs - from.monitoredMs) / 1000),
    control: (calls * CONTROL_REPEAT) / ((to.controlMs - from.controlMs) / 1000),
  };
}

function rateRow(run: SoakRun, settings: SoakSettings): ResultRow {
  const tenth = settings.calls / 10;
  const marks = run.down.marks;
  const first = rates(markAt(marks, settings.warmup), markAt(marks, settings.warmup + tenth));
  const last = rates(markAt(marks, settings.calls - tenth), markAt(marks, settings.calls));
  const ratio = last.monitored / last.control / (first.monitored / first.control);
  const window = (from: number, r: { monitored: number; control: number }): string =>
    `${count(r.monitored)} calls/s, control ${count(r.control)}/s (calls ${count(from)}-${count(from + tenth)})`;
  return {
    measurement: 'Soak, endpoints down (503): app call rate ÷ interleaved unmonitored control, last tenth vs first tenth',
    baseline: window(settings.warmup, first),
    ours: `${window(settings.calls - tenth, last)}; raw ${(last.monitored / first.monitored).toFixed(2)}×`,
    ratio,
    target: `≥ ${RATE_FLOOR.toFixed(2)}×`,
    met: ratio >= RATE_FLOOR,
  };
}

function newestRow(run: SoakRun, settings: SoakSettings): ResultRow {
  const { logs, metrics } = run.tally;
  const end = run.down.lastCallEndMs;
  const newest = Object.values(metrics.newestCompatibleMs);
  const expectedSeries = SAMPLES_PER_CALL * SOAK_MODEL_COUNT;
  const latest = newest.length > 0 ? Math.max(...newest) - end : Number.NaN;
  const oldest = newest.length > 0 ? Math.min(...newest) - end : Number.NaN;
  const wanted = Math.min(MAX_QUEUE, settings.calls);
  const lastLine = logs.newestCall === settings.calls - 1;
  const met =
    lastLine &&
    logs.newestDelivered === wanted &&
    newest.length === expectedSeries &&
    Math.abs(latest) <= NEWEST_WITHIN_MS &&
    Math.abs(oldest) <= NEWEST_WITHIN_MS;
  const ms = (delta: number): string => `${delta >= 0 ? '+' : ''}${count(delta)} ms`;
  return {
    measurement: 'Soak, after recovery: the newest data arrived (last call\'s line, last 10,000 lines, newest sample of each compatible series)',
    baseline: `last call ${count(settings.calls - 1)}, ended at T`,
    ours:
      `last line: ${lastLine ? 'yes' : `NO (newest ${count(logs.newestCall)})`}; last ${count(wanted)} lines: ${count(logs.newestDelivered)}; ` +
      `${newest.length}/${expectedSeries} series, newest samples T${ms(oldest)} to T${ms(latest)}`,
    ratio: Number.NaN,
    target: `yes (within ±${count(NEWEST_WITHIN_MS)} ms)`,
    met,
  };
}

function accountsRow(run: SoakRun, settings: SoakSettings): ResultRow {
  const { metrics, logs } = run.tally;
  const { stats } = run.done;
  const droppedSamples = sum(stats.droppedSamples);
  const droppedLines = sum(stats.droppedLogEntries);
  // Flush-time samples (native series, self counters) exist only in pushes: the delivered ones, and those of refused bodies never delivered.
  const flushTime = metrics.otherDelivered + metrics.otherLost;
  const samplesMade = SAMPLES_PER_CALL * settings.calls + flushTime;
  const samplesDelivered = metrics.compatibleDelivered + metrics.otherDelivered;
  const pushed = (name: string): number =>
    Object.entries(metrics.selfCounters)
      .filter(([key]) => key.startsWith(`${name}{`))
      .reduce((a, [, value]) => a + value, 0);
  const pushedSamples = pushed('grafana_openai_monitoring_dropped_samples_total');
  const pushedLines = pushed('grafana_openai_monitoring_dropped_log_entries_total');
  const samplesBalance = samplesDelivered + droppedSamples === samplesMade;
  const linesBalance = logs.delivered + droppedLines === settings.calls;
  const clean =
    logs.distinctCalls === logs.delivered &&
    logs.unnumbered === 0 &&
    metrics.deliveredTwice === 0 &&
    metrics.problems.length === 0 &&
    logs.problems.length === 0;
  const pushedMatch = pushedSamples === droppedSamples && pushedLines === droppedLines;
  return {
    measurement: 'Soak, after recovery: made = delivered + counted as dropped (samples, lines; pushed self counters = exporter\'s count)',
    baseline: `samples ${count(samplesMade)} (${count(SAMPLES_PER_CALL * settings.calls)} by calls + ${count(flushTime)} at flushes); lines ${count(settings.calls)}`,
    ours:
      `samples ${count(samplesDelivered)} delivered + ${count(droppedSamples)} dropped (${byReason(stats.droppedSamples)})${samplesBalance ? '' : ' ≠ made'}; ` +
      `lines ${count(logs.delivered)} + ${count(droppedLines)} (${byReason(stats.droppedLogEntries)})${linesBalance ? '' : ' ≠ made'}; ` +
      `pushed counters ${count(pushedSamples)} / ${count(pushedLines)}` +
      (clean ? '' : `; duplicates or undecodable: ${count(logs.delivered - logs.distinctCalls)} lines, ${count(metrics.deliveredTwice)} bodies, ${[...metrics.problems, ...logs.problems].join('; ')}`),
    ratio: Number.NaN,
    target: 'equal',
    met: samplesBalance && linesBalance && clean && pushedMatch,
  };
}

function recoveryRow(run: SoakRun): ResultRow {
  const attempts = (path: string, status: string): number => run.tally.requests[path]?.[status] ?? 0;
  const refused = attempts('/api/v1/write', '503') + attempts('/loki/api/v1/push', '503');
  const seconds = (run.down.marks[run.down.marks.length - 1].wallMs - run.down.marks[0].wallMs) / 1000;
  const errors = Object.entries(run.done.errors)
    .map(([code, n]) => `${code} ×${count(n)}`)
    .join(', ');
  return {
    measurement: 'Soak: pushes refused while down, and time to recover once up (a retry may be sleeping: backoff ≤ 30 s)',
    baseline: `${formatNumber(seconds, 1)} s down`,
    ours:
      `${count(refused)} attempts answered 503 (${errors}); recovered in ${formatNumber(run.done.recoveryMs / 1000, 1)} s` +
      (run.done.firstErrors.length > 0 ? `; first: ${run.done.firstErrors[0]}` : ''),
    ratio: Number.NaN,
    target: '',
    met: undefined,
  };
}

/**
 * Runs the soak and returns its rows: RSS bound, call rate, newest data
 * delivered, accounts balanced, and how the outage went (informative).
 *
 * @example
 * const rows = await runSoak(DEFAULT_SOAK);
 */
export async function runSoak(settings: SoakSettings = DEFAULT_SOAK): Promise<ResultRow[]> {
  if (settings.calls % 100 !== 0 || settings.warmup % (settings.calls / 100) !== 0 || settings.warmup + settings.calls / 10 > settings.calls) {
    throw new Error('soak: calls must be a multiple of 100, warmup a multiple of calls/100 and below 90% of calls');
  }
  const result = await run(settings);
  return [...memoryRows(result, settings), rateRow(result, settings), newestRow(result, settings), accountsRow(result, settings), recoveryRow(result)];
}
