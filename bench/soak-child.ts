import { performance } from 'node:perf_hooks';
import { chat_v2 } from '../src/index.js';
import type { ExporterStats } from '../src/export/exporter.js';
import { acquireExporter, liveExporterCount } from '../src/export/exporter-registry.js';
import { USER_AGENT } from '../src/version.js';
import { createSoakClient, soakPrices, soakRequest } from './soak-stand-in.js';
import { failOnUnobservedCalls } from './stand-in-api-promise.js';

/**
 * The monitored process of the soak (soak.bench.ts forks it with one malloc
 * arena): N monitored calls while both endpoints answer 503, then, once the
 * parent has brought them up, the recovery.
 *
 * Down phase: calls go 100 at a time, each group followed by a turn of the
 * event loop (`setImmediate`), as the awaits of real SDK calls would give: the
 * exporter's flush timer (short, so that flushes and retries keep coming) and
 * its HTTP exchanges with the receiver run in between, on this thread, and
 * are charged to the group. After each group the same requests go through an
 * unmonitored stand-in client, CONTROL_REPEAT times over, timed apart: the
 * control. This machine is shared and its speed moves by tens of percent from
 * one second to the next; both move together, so "monitored time ÷ control
 * time" tells whether the monitored calls themselves got slower. Every `sampleEvery` calls a mark
 * records both times and the memory. After the warm-up's mark and at the end,
 * two full GCs (not timed) show what is retained.
 *
 * Recovery: `monitor.flush()` resolves when the push running (sleeping in
 * backoff after its last 503) and a follow-up taking everything still queued
 * are done; then `shutdown()`. No call is made meanwhile, so the newest data
 * is the down phase's last calls'.
 *
 * The exporter's counters come from `stats()`, through a lease on the shared
 * exporter taken from the registry (the public API has no such read; the
 * pushed self counters are the other source, read at the receiver).
 *
 * argv: one JSON SoakChildSettings. Messages: sends `down`, waits for `up`
 * from the parent, sends `done`.
 */

export interface SoakChildSettings {
  readonly calls: number;
  /** Calls between two marks. */
  readonly sampleEvery: number;
  /** Calls before the retained-memory baseline (a multiple of sampleEvery). */
  readonly warmup: number;
  readonly flushIntervalMs: number;
  readonly metricsUrl: string;
  readonly logsUrl: string;
}

/** The state after `calls` calls of the down phase. */
export interface SoakMark {
  readonly calls: number;
  /** performance.now() */
  readonly wallMs: number;
  /** Time in monitored groups so far, their event-loop turns (the exporter's work) included. */
  readonly monitoredMs: number;
  /** Time in the unmonitored control groups so far (CONTROL_REPEAT times as many calls as monitored). */
  readonly controlMs: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** Memory after two full GCs. */
export interface Retained {
  readonly rss: number;
  readonly heapUsed: number;
}

export type SoakChildMessage =
  | {
      readonly type: 'down';
      readonly marks: readonly SoakMark[];
      /** After the warm-up and at the end of the down phase. */
      readonly retained: { readonly warmup: Retained; readonly end: Retained };
      /** Date.now() when the last monitored call had resolved. */
      readonly lastCallEndMs: number;
      readonly stats: ExporterStats;
    }
  | {
      readonly type: 'done';
      /** From the endpoints' coming up to everything queued delivered (flush resolved). */
      readonly recoveryMs: number;
      /** After shutdown: every drop counted. */
      readonly stats: ExporterStats;
      /** on_error calls by error code. */
      readonly errors: Readonly<Record<string, number>>;
      /** The first on_error messages other than GOM_QUEUE_FULL (which says, once per push, how much was dropped). */
      readonly firstErrors: readonly string[];
      /** After shutdown, and after two full GCs then. */
      readonly rssAfter: number;
      readonly retainedAfter: Retained;
    };

/** Calls in flight at once, and between two turns of the event loop. */
const CONCURRENT = 100;
/**
 * Control calls per monitored call. An unmonitored stand-in call costs about
 * 1/25 of a monitored one here: ten of them make the control groups some 40%
 * of the monitored time, long enough that the machine's slow and fast moments
 * fall on both alike instead of landing whole in one or the other (twenty did
 * not make the comparison steadier, and cost a third more time).
 */
export const CONTROL_REPEAT = 10;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function retained(gc: () => void): Retained {
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

function send(message: SoakChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as SoakChildSettings;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!Number.isInteger(settings.calls) || settings.calls <= 0 || settings.calls % settings.sampleEvery !== 0 || settings.warmup % settings.sampleEvery !== 0 || gc === undefined) {
    throw new Error('usage: node --expose-gc soak-child.js \'{"calls":1000000,"sampleEvery":10000,"warmup":10000,"flushIntervalMs":200,"metricsUrl":…,"logsUrl":…}\'');
  }
  const errors: Record<string, number> = {};
  const firstErrors: string[] = [];
  failOnUnobservedCalls();
  const client = createSoakClient();
  const control = createSoakClient();
  const monitor = chat_v2.monitor(client, {
    metrics_url: settings.metricsUrl,
    logs_url: settings.logsUrl,
    instance: 'soak:1',
    flush_interval_ms: settings.flushIntervalMs,
    prices: soakPrices(),
    on_error: (err) => {
      errors[err.code] = (errors[err.code] ?? 0) + 1;
      if (err.code !== 'GOM_QUEUE_FULL' && firstErrors.length < 5) firstErrors.push(`${err.code}: ${err.message}`);
    },
  });
  // Same destination, so the registry hands out the monitor's exporter (checked below), not a second one.
  const lease = acquireExporter({ metrics: { url: settings.metricsUrl }, logs: { url: settings.logsUrl }, userAgent: USER_AGENT });
  if (liveExporterCount() !== 1) throw new Error('the lease did not get the monitor\'s exporter');

  let monitoredMs = 0;
  let controlMs = 0;
  const mark = (calls: number): SoakMark => {
    const { rss, heapUsed } = process.memoryUsage();
    return { calls, wallMs: performance.now(), monitoredMs, controlMs, rss, heapUsed };
  };
  const marks: SoakMark[] = [mark(0)];
  let atWarmup: Retained | undefined;
  let lastCallEndMs = Date.now();
  const pending: PromiseLike<unknown>[] = new Array<PromiseLike<unknown>>(CONCURRENT);
  for (let done = 0; done < settings.calls; ) {
    const n = Math.min(CONCURRENT, settings.calls - done);
    pending.length = n;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) pending[i] = client.chat.completions.create(soakRequest(done + i));
    await Promise.all(pending);
    lastCallEndMs = Date.now();
    await nextTurn();
    const t1 = performance.now();
    for (let r = 0; r < CONTROL_REPEAT; r++) {
      for (let i = 0; i < n; i++) pending[i] = control.chat.completions.create(soakRequest(done + i));
      await Promise.all(pending);
    }
    const t2 = performance.now();
    monitoredMs += t1 - t0;
    controlMs += t2 - t1;
    done += n;
    if (done % settings.sampleEvery === 0) marks.push(mark(done));
    if (done === settings.warmup) atWarmup = retained(gc);
  }
  const atEnd = retained(gc);

  // The listener stays until the end: it keeps the process alive while the exporter recovers, as a
  // service's server would. The exporter's timers and sockets are unref()ed; without it the process would
  // reach beforeExit, whose bounded exit delivery gives up a batch sleeping in backoff (README, Soak).
  let up: () => void = () => undefined;
  const upMessage = new Promise<void>((resolve) => (up = resolve));
  const onMessage = (): void => up();
  process.on('message', onMessage);
  send({ type: 'down', marks, retained: { warmup: atWarmup ?? atEnd, end: atEnd }, lastCallEndMs, stats: lease.exporter.stats() });
  await upMessage;
  const upAt = performance.now();
  await monitor.flush();
  const recoveryMs = performance.now() - upAt;
  await monitor.shutdown(); // the lease still holds the exporter: its release below is the last, and shuts it down
  await lease.release();
  process.removeListener('message', onMessage);
  const rssAfter = process.memoryUsage().rss;
  const retainedAfter = retained(gc);
  send({ type: 'done', recoveryMs, stats: lease.exporter.stats(), errors, firstErrors, rssAfter, retainedAfter });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
