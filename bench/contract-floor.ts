import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { makeSeries } from '../src/export/series.js';
import { encodeWriteRequest } from '../src/export/remote-write/encode-write-request.js';
import { compressSnappyBlock } from '../src/export/remote-write/snappy-block.js';
import type { OpenAIClient } from '../test/support/openai-sdk.js';
import { fakeClient } from './bench-clients.js';

/**
 * The least any monitor of this project's contract can do, as a reference
 * row: DESIGN §1 asks for one JSON Loki line per call and five compatible
 * samples per call, pushed once per flush interval. This client does that and
 * nothing else:
 * - `create` is wrapped with one `.then` on the SDK's promise, which keeps a
 *   small record of the parsed completion: no headers, no errors, no
 *   `.withResponse()` or `.asResponse()` care, no native histograms, no
 *   self-metrics, no queue bounds, no retries, no price table;
 * - a stream is asked for its usage and iterated through one `then` per
 *   chunk, which skips the usage-only last chunk;
 * - at the round's end each record becomes a line (`JSON.stringify` of the
 *   line's fields, with the prompt and the answer when content is on, neither
 *   copied nor cut) and five samples (this project's encoder and snappy, the
 *   fastest measured here), pushed in one Loki and one remote-write request.
 * What a real monitor costs beyond this row is the price of doing the job
 * right; what this row costs beyond 1.00× no implementation of the contract
 * can save on this machine.
 */

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

interface ChatCompletion {
  model?: string;
  service_tier?: string;
  _request_id?: string;
  choices?: { finish_reason?: string | null; message?: { content?: string | null } }[];
  usage?: Usage;
}

interface ChatChunk {
  model?: string;
  choices: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: Usage | null;
}

/** What the line and the samples need of one call, read from the completion or gathered from a stream. */
interface CallRecord {
  readonly request: { model?: string; messages?: unknown; stream?: boolean };
  readonly model?: string;
  readonly requestId?: string;
  readonly serviceTier?: string;
  readonly finishReason?: string | null;
  readonly usage?: Usage;
  readonly answer?: string | null;
  readonly durationS: number;
  readonly endMs: number;
}

/** A fake-fetch client monitored the least way the contract allows; `flush()` pushes what its calls made. */
export interface ContractFloorClient {
  readonly client: OpenAIClient;
  flush(): Promise<void>;
  close(): void;
}

const COMPATIBLE = ['openai_promptTokens', 'openai_completionTokens', 'openai_totalTokens', 'openai_usageCost', 'openai_requestDuration'];
/** gpt-4.1's list prices per token (USD): one multiplication per call stands in for a price lookup. */
const INPUT_PRICE = 2e-6;
const OUTPUT_PRICE = 8e-6;

/**
 * `client` is the SDK client it patches (by default a fake-fetch client of the
 * project's own SDK copy; the peers benchmark passes one of the SDK it pins).
 *
 * @example
 * const floor = contractFloorClient(receiver.origin + '/floor', { content: false });
 * await floor.client.chat.completions.create(chatRequest(false));
 * await floor.flush();
 * floor.close();
 */
export function contractFloorClient(origin: string, settings: { content: boolean }, client: OpenAIClient = fakeClient()): ContractFloorClient {
  const agent = new http.Agent({ keepAlive: true });
  const completions = client.chat.completions as unknown as { create(this: unknown, body: unknown, options?: unknown): Promise<unknown> };
  const create = completions.create;
  let records: CallRecord[] = [];
  completions.create = function observed(this: unknown, body: unknown, options?: unknown): Promise<unknown> {
    const started = performance.now();
    const request = body as CallRecord['request'];
    // A stream reports usage only when asked (fixtures README, "Tokens / cost").
    const sent = request.stream === true ? { ...request, stream_options: { include_usage: true } } : request;
    const result = create.call(this, sent, options);
    void result.then(
      (value) => {
        if (request.stream === true) observeChunks(value as AsyncIterable<ChatChunk>, request, started);
        else {
          const completion = value as ChatCompletion;
          const choice = completion.choices?.[0];
          records.push({
            request,
            model: completion.model,
            requestId: completion._request_id,
            serviceTier: completion.service_tier,
            finishReason: choice?.finish_reason,
            usage: completion.usage,
            answer: choice?.message?.content,
            durationS: (performance.now() - started) / 1000,
            endMs: Date.now(),
          });
        }
      },
      () => undefined,
    );
    return result;
  };

  /**
   * The app iterates the SDK's Stream through this: one `then` per chunk; the
   * usage-only last chunk (which the app did not ask for) is skipped, the
   * answer gathered when content is on. The `usage: null` the other chunks now
   * carry is left in them: hiding it costs a copy per chunk.
   */
  function observeChunks(stream: AsyncIterable<ChatChunk>, request: CallRecord['request'], started: number): void {
    const inner = stream[Symbol.asyncIterator]();
    let usage: Usage | undefined;
    let model: string | undefined;
    let finishReason: string | null | undefined;
    let answer = '';
    const step = (next: IteratorResult<ChatChunk>): IteratorResult<ChatChunk> | Promise<IteratorResult<ChatChunk>> => {
      if (next.done === true) {
        records.push({ request, model, finishReason, usage, answer, durationS: (performance.now() - started) / 1000, endMs: Date.now() });
        return next;
      }
      const chunk = next.value;
      if (chunk.choices.length === 0 && chunk.usage != null) {
        usage = chunk.usage;
        return inner.next().then(step);
      }
      model = chunk.model;
      const choice = chunk.choices[0];
      if (choice?.finish_reason != null) finishReason = choice.finish_reason;
      if (settings.content) answer += choice?.delta?.content ?? '';
      return next;
    };
    const iterator: AsyncIterator<ChatChunk> = {
      next: () => inner.next().then(step),
      return: (value?: unknown) => inner.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    };
    (stream as { [Symbol.asyncIterator]: () => AsyncIterator<ChatChunk> })[Symbol.asyncIterator] = () => iterator;
  }

  const labels = { job: 'integrations/openai', source: 'node_chatv2', model: 'gpt-4.1-2025-04-14', instance: 'bench:floor' };
  const series = COMPATIBLE.map((name) => makeSeries(name, labels));
  let lastMs = 0;
  let lastNs = 0;
  let lastSampleMs = 0;

  const post = (path: string, body: Uint8Array, type: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const url = new URL(origin + path);
      const request = http.request(
        { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'Content-Type': type, 'Content-Length': String(body.byteLength) } },
        (response) => {
          response.resume();
          response.on('end', resolve);
        },
      );
      request.on('error', reject);
      request.end(body);
    });

  return {
    client,
    flush: async () => {
      const batch = records;
      records = [];
      if (batch.length === 0) return;
      const values: [string, string][] = [];
      const samples = [];
      for (const call of batch) {
        const input = call.usage?.prompt_tokens ?? 0;
        const output = call.usage?.completion_tokens ?? 0;
        const cost = input * INPUT_PRICE + output * OUTPUT_PRICE;
        const line: Record<string, unknown> = {
          source: 'node_chatv2',
          operation: 'chat',
          provider: 'openai',
          request_model: call.request.model,
          response_model: call.model,
          stream: call.request.stream === true,
          outcome: 'ok',
          status: 200,
          finish_reason: call.finishReason,
          usage: { input_tokens: input, output_tokens: output, total_tokens: call.usage?.total_tokens },
          cost_usd: cost,
          duration_s: call.durationS,
          request_id: call.requestId,
          service_tier: call.serviceTier,
        };
        if (settings.content) {
          line.prompt = call.request.messages;
          line.response = call.answer;
        }
        // Loki drops an entry equal in timestamp to the stream's last: one nanosecond apart at least.
        lastNs = call.endMs > lastMs ? 0 : lastNs + 1;
        lastMs = Math.max(lastMs, call.endMs);
        values.push([String(lastMs) + String(lastNs).padStart(6, '0'), JSON.stringify(line)]);
        // Each compatible sample takes a millisecond of its series to itself (wire-protocols.md §8 item 6).
        const at = (lastSampleMs = Math.max(lastSampleMs + 1, call.endMs));
        samples.push(
          { series: series[0], value: input, timestampMs: at },
          { series: series[1], value: output, timestampMs: at },
          { series: series[2], value: input + output, timestampMs: at },
          { series: series[3], value: cost, timestampMs: at },
          { series: series[4], value: call.durationS, timestampMs: at },
        );
      }
      const logs = Buffer.from(JSON.stringify({ streams: [{ stream: { ...labels, level: 'info' }, values }] }), 'utf8');
      await Promise.all([post('/loki/api/v1/push', logs, 'application/json'), post('/api/v1/write', compressSnappyBlock(encodeWriteRequest(samples)), 'application/x-protobuf')]);
    },
    close: () => agent.destroy(),
  };
}
