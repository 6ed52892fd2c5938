import { chat_v2 } from '../src/index.js';
import { COMPLETION_BODY } from './fake-openai-fetch.js';
import { answeredWith, failOnUnobservedCalls, type StandInAPIPromise } from './stand-in-api-promise.js';

/**
 * One memory measurement, in a process of its own (memory.bench.ts forks one
 * per size, with `--expose-gc`): N monitored chat calls pushing to the
 * loopback receiver, then a flush, two full GCs, and `process.memoryUsage()`
 * sent to the parent.
 *
 * The calls go through the real patch (`chat_v2.monitor`) and everything
 * behind it (observation, records, queues, encoders, HTTP pushes), but the
 * client is a stand-in for the `openai` SDK (stand-in-api-promise.ts), answered
 * at once: a real SDK call costs ~250 µs of CPU here, so 1,000,000 of them
 * would take minutes; what could grow with the call count is ours, and that is
 * all here. The SDK's own per-call objects are garbage either way.
 *
 * A flush runs after every 1,000 calls, as the interval timer would at that
 * rate, so the queues drain as in a healthy service and nothing is dropped.
 *
 * argv: <calls> <metrics url> <logs url> [unmonitored]
 *
 * `unmonitored` makes the same calls on the bare stand-in: the control that
 * shows how much the process grows by itself over that many calls.
 */

/** What the parent receives. */
export interface MemoryReport {
  readonly calls: number;
  readonly rss: number;
  readonly heapUsed: number;
}

const parsed: unknown = JSON.parse(COMPLETION_BODY);
const standInClient = { chat: { completions: { create: (_body: unknown): StandInAPIPromise => answeredWith(parsed) } } };

async function main(): Promise<void> {
  const [callsArg, metricsUrl, logsUrl, mode] = process.argv.slice(2);
  const calls = Number(callsArg);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!Number.isInteger(calls) || calls <= 0 || gc === undefined) throw new Error('usage: node --expose-gc memory-child.js <calls> <metrics url> <logs url>');
  const monitored = mode !== 'unmonitored';
  if (monitored) failOnUnobservedCalls();
  const monitor = monitored
    ? chat_v2.monitor(standInClient, { metrics_url: metricsUrl, logs_url: logsUrl, instance: 'bench:1', flush_interval_ms: 3_600_000 })
    : { flush: async (): Promise<void> => undefined, shutdown: async (): Promise<void> => undefined };
  const request = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'how many angels can dance on the head of a pin\n' }] };
  const perFlush = 1_000;
  for (let done = 0; done < calls; done += perFlush) {
    const batch: PromiseLike<unknown>[] = [];
    for (let i = 0; i < Math.min(perFlush, calls - done); i++) batch.push(standInClient.chat.completions.create(request));
    await Promise.all(batch);
    await monitor.flush();
  }
  await monitor.flush();
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  const report: MemoryReport = { calls, rss, heapUsed };
  process.send?.(report);
  await monitor.shutdown();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
