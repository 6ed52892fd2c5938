import { chat_v2, type Monitor, type MonitorOptions } from '../src/index.js';
import { loadOpenAI, type OpenAIClient, type OpenAIModule } from '../test/support/openai-sdk.js';
import { chatRequest, fakeOpenAIFetch } from './fake-openai-fetch.js';
import { LOGS_PATH, METRICS_PATH, type ReceiverProcess } from './receiver-process.js';

/**
 * The clients the benchmarks drive: the real `openai` SDK of this run
 * (`OPENAI_SDK`, else by Node version, as the tests choose it) answered by the
 * in-process fake fetch, unpatched or monitored.
 */

/** The `instance` label of every benchmark monitor: fixed, so runs are comparable. */
export const BENCH_INSTANCE = 'bench:1';

/**
 * A fresh, unpatched client answered by the fake fetch; of this run's SDK,
 * or of the class given (a separate copy of it, separate-sdk-copy.ts).
 *
 * @example
 * const plain = fakeClient();
 */
export function fakeClient(OpenAI: OpenAIModule['OpenAI'] = loadOpenAI().OpenAI): OpenAIClient {
  return new OpenAI({ apiKey: 'sk-bench-not-a-secret', baseURL: 'http://openai.invalid/v1', maxRetries: 0, fetch: fakeOpenAIFetch as never });
}

/**
 * Monitors a client's chat completions, pushing to the loopback receiver.
 * Without `flush_interval_ms` the timer is an hour: the benchmark flushes
 * itself, so that each flush's cost lands where it belongs. Monitors with the
 * same destination share one exporter (and one flush); a `pathPrefix` gives
 * this one its own.
 *
 * @example
 * const monitor = monitorChat(fakeClient(), receiver, { disable_content: true }, '/off');
 * const everyClient = monitorChat(OpenAI, receiver, {}, '/class'); // a client class: all its clients
 */
export function monitorChat(client: object, receiver: ReceiverProcess, extra: Partial<MonitorOptions> = {}, pathPrefix = ''): Monitor {
  return chat_v2.monitor(client, {
    metrics_url: pathPrefix === '' ? receiver.metricsUrl : `${receiver.origin}${pathPrefix}${METRICS_PATH}`,
    logs_url: pathPrefix === '' ? receiver.logsUrl : `${receiver.origin}${pathPrefix}${LOGS_PATH}`,
    instance: BENCH_INSTANCE,
    flush_interval_ms: 3_600_000,
    ...extra,
  });
}

/**
 * Makes `count` chat calls as an app would, `concurrency` at a time; a streamed
 * call is read to its end.
 *
 * @example
 * await chatCalls(client, 400, 1, false);
 */
export async function chatCalls(client: OpenAIClient, count: number, concurrency: number, stream: boolean): Promise<void> {
  const request = chatRequest(stream);
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      const result = (await client.chat.completions.create(request as never)) as unknown;
      if (stream) {
        for await (const chunk of result as AsyncIterable<unknown>) void chunk;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
