import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { chat_v2 } from '../src/index.js';
import { COMPLETION_BODY } from './fake-openai-fetch.js';
import { answeredWith, failOnUnobservedCalls } from './stand-in-api-promise.js';

/**
 * The monitored process of the throughput benchmark (throughput.bench.ts forks
 * it): as many calls as it can make in `seconds`, spread over `models` models,
 * through a stand-in for the SDK (stand-in-api-promise.ts: a real SDK call
 * costs ~250 µs of CPU here, which would cap the rate far below what the
 * library must sustain), with default exporter options (10 s timer, 10,000
 * queues) pushing to the benchmark's receiver.
 *
 * Calls go 100 at a time at the offered rate (`rate` calls per wall second:
 * after each group the process waits until the next group is due, as a server
 * waits for its next requests), or as fast as one core allows (`rate` 0, each
 * group followed by a turn of the event loop). After each group the same 100 calls go
 * through an unmonitored stand-in, timed apart: the control. Both are timed
 * in CPU time (process.cpuUsage: every thread, GC included), so a rate is
 * calls per second of one core, whatever else the shared machine runs.
 *
 * The event loop's longest stall is read twice with
 * perf_hooks.monitorEventLoopDelay (1 ms resolution): over the whole run
 * (pushes that a full queue starts run in between the groups), and over a
 * `flush()` after the run with the app idle, when the flush carries every
 * cumulative series (about 55 per model) and what is queued; and, for
 * comparison, over a run of the unmonitored control alone (the stalls this
 * machine's other work causes).
 *
 * argv: one JSON ThroughputSettings; prints one JSON ThroughputReport.
 */

export interface ThroughputSettings {
  readonly models: number;
  /** Offered calls per wall second; 0: as fast as the process can. */
  readonly rate: number;
  /** `max_queue`, when not the default. */
  readonly maxQueue?: number;
  readonly seconds: number;
  readonly metricsUrl: string;
  readonly logsUrl: string;
}

export interface ThroughputReport {
  readonly calls: number;
  readonly wallSeconds: number;
  /** CPU time (user + system, all threads) of the unmonitored control groups, and of everything else over the run (the monitored calls, pushes, GC). */
  readonly monitoredMs: number;
  readonly controlMs: number;
  /** What the calls should have produced: tokens (total) and USD. */
  readonly expectedTokens: number;
  readonly expectedCostUsd: number;
  /** Longest event-loop stall over the run, and during the idle flush after it (ms). */
  readonly runStallMs: number;
  /** Longest event-loop stall over as long a run of the unmonitored control alone: the machine's own (ms). */
  readonly controlStallMs: number;
  readonly flushStallMs: number;
  readonly flushMs: number;
}

const GROUP = 100;
const PRICE = { input: 2, output: 8 };
const USAGE = (JSON.parse(COMPLETION_BODY) as { usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } }).usage;

interface StandInClient {
  readonly chat: { readonly completions: { create(body: { model: string; messages: unknown[] }): PromiseLike<unknown> } };
}

function standInClient(models: readonly string[]): StandInClient {
  const parsed = new Map(models.map((model) => [model, { ...(JSON.parse(COMPLETION_BODY) as Record<string, unknown>), model }]));
  return { chat: { completions: { create: (body) => answeredWith(parsed.get(body.model)) } } };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleepUntil = (due: number): Promise<void> => {
  const wait = due - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : nextTurn();
};

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as ThroughputSettings;
  failOnUnobservedCalls();
  const models = Array.from({ length: settings.models }, (_, i) => `tp-model-${i}`);
  const prices = Object.fromEntries(models.map((m) => [m, PRICE]));
  const client = standInClient(models);
  const control = standInClient(models);
  const monitor = chat_v2.monitor(client, { metrics_url: settings.metricsUrl, logs_url: settings.logsUrl, instance: 'throughput:1', prices, ...(settings.maxQueue === undefined ? {} : { max_queue: settings.maxQueue }) });
  const messages = [{ role: 'user', content: 'Say hello' }];
  const pending: PromiseLike<unknown>[] = new Array<PromiseLike<unknown>>(GROUP);
  let calls = 0;
  let monitoredMs = 0;
  let controlMs = 0;
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  stalls.enable();
  const start = performance.now();
  const end = start + settings.seconds * 1000;
  const cpuMs = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const cpuAtStart = cpuMs();
  while (performance.now() < end) {
    for (let i = 0; i < GROUP; i++) pending[i] = client.chat.completions.create({ model: models[(calls + i) % models.length], messages });
    await Promise.all(pending);
    if (settings.rate > 0) await sleepUntil(start + ((calls + GROUP) / settings.rate) * 1000);
    else await nextTurn();
    const t1 = cpuMs();
    for (let i = 0; i < GROUP; i++) pending[i] = control.chat.completions.create({ model: models[(calls + i) % models.length], messages });
    await Promise.all(pending); // microtasks only: no push runs in a control group
    controlMs += cpuMs() - t1;
    calls += GROUP;
  }
  // Everything else the process did over the run (the groups, their turns, pushes, GC) is monitoring's and the app's.
  monitoredMs = cpuMs() - cpuAtStart - controlMs;
  const wallSeconds = (performance.now() - start) / 1000;
  stalls.disable();
  const flushStalls = monitorEventLoopDelay({ resolution: 1 });
  flushStalls.enable();
  const f0 = performance.now();
  await monitor.flush();
  const flushMs = performance.now() - f0;
  flushStalls.disable();
  await monitor.shutdown();
  const controlStalls = monitorEventLoopDelay({ resolution: 1 });
  controlStalls.enable();
  const controlEnd = performance.now() + Math.min(5, settings.seconds) * 1000;
  for (let n = 0; performance.now() < controlEnd; n += GROUP) {
    for (let i = 0; i < GROUP; i++) pending[i] = control.chat.completions.create({ model: models[(n + i) % models.length], messages });
    await Promise.all(pending);
    await nextTurn();
  }
  controlStalls.disable();
  const report: ThroughputReport = {
    calls,
    wallSeconds,
    monitoredMs,
    controlMs,
    expectedTokens: calls * USAGE.total_tokens,
    expectedCostUsd: (calls * (USAGE.prompt_tokens * PRICE.input + USAGE.completion_tokens * PRICE.output)) / 1e6,
    runStallMs: stalls.max / 1e6,
    controlStallMs: controlStalls.max / 1e6,
    flushStallMs: flushStalls.max / 1e6,
    flushMs,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
