/**
 * An in-process OpenAI: a `fetch` the SDK is given through its `fetch` client
 * option (openai 4: `ClientOptions.fetch`; 5-7: the same option), answering
 * every chat completion with a recorded one. No socket and no server, so the
 * benchmark's CPU time is the SDK's and ours, nothing else.
 *
 * The body and headers are a real capture, embedded so that a fresh clone
 * needs nothing beside the repository: `chat/simple.gpt-4.1.response.json` and
 * `headers/openai.chat.json-response.headers.json` of test/fixtures/openai
 * (byte-for-byte apart from JSON whitespace). Streams are that same answer cut
 * into chunks of the shape `chat-stream/include-usage.gpt-4.1.sse` has: with
 * `stream_options.include_usage` every chunk carries `"usage":null` and a last
 * chunk with `choices: []` carries the usage; without it, neither (fixtures
 * README, "Tokens / cost"). So an unpatched stream and a monitored one (which
 * asks for usage) get what a real server would send each of them.
 *
 * Needs the global `Response` and `ReadableStream` (Node 18+): benchmarks run
 * on the machine's Node, not on the Node 16 of the test matrix.
 */

const RESPONSE_TEXT =
  'The question "How many angels can dance on the head of a pin?" is a classic example of a rhetorical or philosophical question—*not* a real theological inquiry.\n\n' +
  '**Origin and Meaning:**\n- The phrase is used to lampoon or satirize overly subtle, speculative, or irrelevant philosophical debates, especially those attributed to medieval scholasticism.\n' +
  '- There is **no actual historical record** of medieval theologians debating this specific question.\n' +
  '- It **illustrates debates about the nature of angels**—whether they occupy physical space, for example—but not in such literal terms.\n\n' +
  '**If answered literally:**\n- If angels are considered non-corporeal and not limited by physical space, **an infinite number** could "dance" on the head of a pin.\n' +
  '- If taken as a joke, the answer is up to the storyteller!\n\n' +
  "**In summary:**  \nIt's a facetious question highlighting the limits or absurdities of some philosophical or theological arguments. There is no fixed answer.";

const USAGE = {
  prompt_tokens: 19,
  completion_tokens: 200,
  total_tokens: 219,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

/**
 * The recorded chat completion, as the server sent it.
 *
 * @example
 * new Response(COMPLETION_BODY, { status: 200, headers: { ...HEADERS, 'content-type': 'application/json' } });
 */
export const COMPLETION_BODY = JSON.stringify({
  id: 'chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N',
  object: 'chat.completion',
  created: 1753357765,
  model: 'gpt-4.1-2025-04-14',
  choices: [{ index: 0, message: { role: 'assistant', content: RESPONSE_TEXT, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: USAGE,
  service_tier: 'default',
  system_fingerprint: 'fp_b3f1157249',
});

/**
 * The recorded response headers (request id, rate-limit headers), without content-type.
 *
 * @example
 * HEADERS['x-ratelimit-remaining-requests']; // '499'
 */
export const HEADERS: Readonly<Record<string, string>> = {
  'access-control-expose-headers': 'X-Request-ID',
  'alt-svc': 'h3=":443"; ma=86400',
  'cf-cache-status': 'DYNAMIC',
  'cf-ray': '96ec92b78fe0e4fe-JHB',
  date: 'Thu, 14 Aug 2025 01:10:35 GMT',
  'openai-processing-ms': '2524',
  'openai-project': 'proj_KYenqYOfeZsnXEVK8dXVBhez',
  'openai-version': '2020-10-01',
  server: 'cloudflare',
  'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-envoy-upstream-service-time': '2601',
  'x-ratelimit-limit-requests': '500',
  'x-ratelimit-limit-tokens': '200000',
  'x-ratelimit-remaining-requests': '499',
  'x-ratelimit-remaining-tokens': '199996',
  'x-ratelimit-reset-requests': '120ms',
  'x-ratelimit-reset-tokens': '1ms',
  'x-request-id': 'req_ff7b0a8af7a14d1bbe00df50025271ca',
};
const JSON_HEADERS = { ...HEADERS, 'content-type': 'application/json' };
const SSE_HEADERS = { ...HEADERS, 'content-type': 'text/event-stream; charset=utf-8' };

/**
 * Content chunks per stream: the recorded answer split at spaces, as a server sends a few tokens per chunk.
 *
 * @example
 * console.log(`streams of ${STREAM_CONTENT_CHUNKS} chunks`);
 */
export const STREAM_CONTENT_CHUNKS = 40;

/** The SSE frames of one streamed answer, each its own network chunk, with or without the usage `include_usage` adds. */
function sseFrames(withUsage: boolean): Uint8Array[] {
  const words = RESPONSE_TEXT.split(/(?<= )/);
  const per = Math.ceil(words.length / STREAM_CONTENT_CHUNKS);
  const head = { id: 'chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N', object: 'chat.completion.chunk', created: 1753357673, model: 'gpt-4.1-2025-04-14', service_tier: 'default', system_fingerprint: 'fp_51e1070cf2' };
  const usageNull = withUsage ? { usage: null } : {};
  const chunk = (delta: object, finish: string | null): object => ({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...usageNull });
  const events: object[] = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
  for (let i = 0; i < words.length; i += per) events.push(chunk({ content: words.slice(i, i + per).join('') }, null));
  events.push(chunk({}, 'stop'));
  if (withUsage) events.push({ ...head, choices: [], usage: USAGE });
  const encoder = new TextEncoder();
  return [...events.map((e) => encoder.encode(`data: ${JSON.stringify(e)}\n\n`)), encoder.encode('data: [DONE]\n\n')];
}

const PLAIN_FRAMES = sseFrames(false);
const USAGE_FRAMES = sseFrames(true);

/**
 * What a `fetch` replacement receives: the SDKs pass a URL string and a RequestInit with a string body.
 *
 * @example
 * const fetch: FakeFetch = () => Promise.resolve(new Response('{}'));
 */
export type FakeFetch = (url: unknown, init?: { body?: unknown }) => Promise<Response>;

/**
 * The fake `fetch`: a recorded completion for every request, streamed when the
 * body says `"stream":true`, with usage chunks when it asks for them.
 *
 * @example
 * const client = new OpenAI({ apiKey: 'sk-bench', baseURL: 'http://openai.invalid/v1', fetch: fakeOpenAIFetch as never, maxRetries: 0 });
 * await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
 */
export const fakeOpenAIFetch: FakeFetch = (_url, init) => {
  const body = typeof init?.body === 'string' ? init.body : '';
  if (!body.includes('"stream":true')) return Promise.resolve(new Response(COMPLETION_BODY, { status: 200, headers: JSON_HEADERS }));
  const frames = body.includes('"include_usage":true') ? USAGE_FRAMES : PLAIN_FRAMES;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(frame);
      controller.close();
    },
  });
  return Promise.resolve(new Response(stream, { status: 200, headers: SSE_HEADERS }));
};

/**
 * The request every benchmark call sends (the recorded request of the same capture).
 *
 * @example
 * await client.chat.completions.create(chatRequest(false));
 */
export function chatRequest(stream: boolean): { model: string; messages: { role: string; content: string }[]; stream?: true } {
  const request = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'how many angels can dance on the head of a pin\n' }] };
  return stream ? { ...request, stream: true } : request;
}
