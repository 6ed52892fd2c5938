import { chat_v2 } from '../src/index.js';
import { COMPLETION_BODY, HEADERS } from './fake-openai-fetch.js';

/**
 * One memory measurement, in a process of its own (memory.bench.ts forks one
 * per size, with `--expose-gc`): N monitored chat calls pushing to the
 * loopback receiver, then a flush, two full GCs, and `process.memoryUsage()`
 * sent to the parent.
 *
 * The calls go through the real patch (`chat_v2.monitor`) and everything
 * behind it (observation, records, queues, encoders, HTTP pushes), but the
 * client is a stand-in for the `openai` SDK: a `create` that answers at once
 * with what observe-call.ts reads of an `APIPromise` (`responsePromise`,
 * `_thenUnwrap`). A real SDK call costs ~250 µs of CPU here, so 1,000,000 of
 * them would take minutes; what could grow with the call count is ours, and
 * that is all here. The SDK's own per-call objects are garbage either way.
 *
 * A flush runs after every 1,000 calls, as the interval timer would at that
 * rate, so the queues drain as in a healthy service and nothing is dropped.
 *
 * argv: <calls> <metrics url> <logs url>
 */

/** What the parent receives. */
export interface MemoryReport {
  readonly calls: number;
  readonly rss: number;
  readonly heapUsed: number;
}

interface ResponseProps {
  response: { status: number; headers: { get(name: string): string | null } };
}

const headers = new Map(Object.entries({ ...HEADERS, 'content-type': 'application/json' }));
const props: ResponseProps = { response: { status: 200, headers: { get: (name) => headers.get(name.toLowerCase()) ?? null } } };
const parsed: unknown = JSON.parse(COMPLETION_BODY);

/** The part of the SDK's APIPromise the patch uses: a thenable with `responsePromise` and `_thenUnwrap`. */
class StandInAPIPromise implements PromiseLike<unknown> {
  constructor(readonly responsePromise: Promise<ResponseProps>, private readonly parsedPromise: Promise<unknown>) {}

  _thenUnwrap(transform: (data: unknown, props: ResponseProps) => unknown): StandInAPIPromise {
    return new StandInAPIPromise(this.responsePromise, this.parsedPromise.then((data) => transform(data, props)));
  }

  then<A = unknown, B = never>(onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.parsedPromise.then(onFulfilled, onRejected);
  }
}

const standInClient = {
  chat: {
    completions: {
      create(_body: unknown): StandInAPIPromise {
        const response = Promise.resolve(props);
        return new StandInAPIPromise(response, response.then(() => parsed));
      },
    },
  },
};

async function main(): Promise<void> {
  const [callsArg, metricsUrl, logsUrl] = process.argv.slice(2);
  const calls = Number(callsArg);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!Number.isInteger(calls) || calls <= 0 || gc === undefined) throw new Error('usage: node --expose-gc memory-child.js <calls> <metrics url> <logs url>');
  const monitor = chat_v2.monitor(standInClient, { metrics_url: metricsUrl, logs_url: logsUrl, instance: 'bench:1', flush_interval_ms: 3_600_000 });
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
