import { pushTimeseries } from 'prometheus-remote-write';
import type { OpenAIClient } from '../test/support/openai-sdk.js';
import { fakeClient } from './bench-clients.js';

/**
 * The reference issue 6 measures us against: "a straightforward patch with
 * `prometheus-remote-write` adds about 140 µs" per call. It wraps `create`,
 * awaits the result, and pushes the call's five compatible series with
 * `pushTimeseries` (one remote-write request per call, over the global
 * fetch), not awaited, as such a patch does. It is not a fair product (it
 * breaks `.withResponse()` and streams, sends no logs) and is not ours: it
 * is here so the table shows, on this machine, how far below it we are.
 */

interface ChatResult {
  model?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
}

/** A fake-fetch client patched the straightforward way; `settle()` waits for its pushes in flight. */
export interface StraightforwardClient {
  readonly client: OpenAIClient;
  settle(): Promise<void>;
}

/**
 * @example
 * const { client, settle } = straightforwardClient(receiver.metricsUrl);
 * await client.chat.completions.create(chatRequest(false));
 * await settle();
 */
export function straightforwardClient(metricsUrl: string): StraightforwardClient {
  const client = fakeClient();
  const completions = client.chat.completions as unknown as { create(body: unknown, options?: unknown): Promise<unknown> };
  const create = completions.create.bind(completions);
  const pending = new Set<Promise<unknown>>();
  completions.create = async (body: unknown, options?: unknown): Promise<unknown> => {
    const started = Date.now();
    const result = (await create(body, options)) as ChatResult;
    const now = Date.now();
    const model = result.model ?? 'unknown';
    const sample = (name: string, value: number) => ({ labels: { __name__: name, model, job: 'integrations/openai' }, samples: [{ value, timestamp: now }] });
    const push = pushTimeseries(
      [
        sample('openai_promptTokens', result.usage?.prompt_tokens ?? 0),
        sample('openai_completionTokens', result.usage?.completion_tokens ?? 0),
        sample('openai_totalTokens', result.usage?.total_tokens ?? 0),
        sample('openai_requestDuration', (now - started) / 1000),
        sample('openai_usageCost', 0),
      ],
      { url: metricsUrl },
    ).catch(() => undefined);
    pending.add(push);
    void push.then(() => pending.delete(push));
    return result;
  };
  return {
    client,
    settle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
