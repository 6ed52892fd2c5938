import { COMPLETION_BODY } from './fake-openai-fetch.js';
import { answeredWith, type StandInAPIPromise } from './stand-in-api-promise.js';

/**
 * The client the soak monitors: like memory-child.ts's, a stand-in for the
 * `openai` SDK whose `create` answers at once with an `APIPromise` look-alike
 * (below), so that 1,000,000 calls take seconds and what could grow with the
 * call count is ours alone; with two changes the soak needs.
 *
 * - Models take turns, SOAK_MODEL_COUNT of them. The soak makes its calls
 *   about 100 times faster than a real SDK could, and every compatible series
 *   takes at most one sample per millisecond (timestamps strictly increase,
 *   README "Timestamps set a rate"): with one model its samples would be
 *   stamped minutes ahead of the clock, and "the newest data arrived" could
 *   not be read from timestamps. Spread over 64 models each series stays
 *   below one call per millisecond up to 64,000 calls/s.
 * - Each call's prompt carries its number (`soak call 123`), so the receiver
 *   can tell which calls' log lines arrived, and whether one arrived twice.
 */

/** Models in turn: enough that no compatible series gets more than one call per millisecond. */
export const SOAK_MODEL_COUNT = 64;

/** The prompt's words before the call number. */
const PROMPT_PREFIX = 'soak call ';

/**
 * The model of call `call` (0-based): `soak-model-00` … `soak-model-63` in turn.
 *
 * @example
 * soakModel(65); // 'soak-model-01'
 */
export function soakModel(call: number): string {
  return `soak-model-${String(call % SOAK_MODEL_COUNT).padStart(2, '0')}`;
}

/**
 * Prices for the soak's models (the `prices` option): every call then writes
 * all five compatible samples, cost included, so it produces exactly five.
 *
 * @example
 * chat_v2.monitor(client, { metrics_url, logs_url, prices: soakPrices() });
 */
export function soakPrices(): Record<string, { input: number; output: number }> {
  const prices: Record<string, { input: number; output: number }> = {};
  for (let i = 0; i < SOAK_MODEL_COUNT; i++) prices[soakModel(i)] = { input: 2, output: 8 };
  return prices;
}

/** A chat request of the soak. */
export interface SoakRequest {
  readonly model: string;
  readonly messages: readonly { readonly role: 'user'; readonly content: string }[];
}

/**
 * The request of call `call`: its model in turn, its number in the prompt.
 *
 * @example
 * soakRequest(7); // { model: 'soak-model-07', messages: [{ role: 'user', content: 'soak call 7' }] }
 */
export function soakRequest(call: number): SoakRequest {
  return { model: soakModel(call), messages: [{ role: 'user', content: PROMPT_PREFIX + String(call) }] };
}

/**
 * The call number a Loki line (the library's JSON line, content capture on)
 * carries in its prompt; undefined for a line that is not a soak call's.
 *
 * @example
 * callNumberOf('{"source":"chat_v2",…,"prompt":[{"role":"user","content":"soak call 7"}],…}'); // 7
 */
export function callNumberOf(line: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  const prompt = (parsed as { prompt?: unknown }).prompt;
  const first: unknown = Array.isArray(prompt) ? prompt[0] : undefined;
  const content = typeof first === 'object' && first !== null ? (first as { content?: unknown }).content : undefined;
  if (typeof content !== 'string' || !content.startsWith(PROMPT_PREFIX)) return undefined;
  const number = Number(content.slice(PROMPT_PREFIX.length));
  return Number.isInteger(number) && number >= 0 ? number : undefined;
}

/** The recorded completion with each model's name in `model` (the `model` label is the response's). */
const parsedByModel = new Map<string, unknown>();
for (let i = 0; i < SOAK_MODEL_COUNT; i++) {
  const model = soakModel(i);
  parsedByModel.set(model, { ...(JSON.parse(COMPLETION_BODY) as Record<string, unknown>), model });
}

/** The shape `chat_v2.monitor` patches. */
export interface SoakClient {
  readonly chat: { readonly completions: { create(body: SoakRequest): PromiseLike<unknown> } };
}

/**
 * A fresh stand-in client (monitor it, then call it).
 *
 * @example
 * const client = createSoakClient();
 * const monitor = chat_v2.monitor(client, { metrics_url, logs_url, prices: soakPrices() });
 * await client.chat.completions.create(soakRequest(0));
 */
export function createSoakClient(): SoakClient {
  return {
    chat: {
      completions: {
        create(body: SoakRequest): StandInAPIPromise {
          return answeredWith(parsedByModel.get(body.model));
        },
      },
    },
  };
}
