import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerResponses } from './demo-responses.js';

/**
 * A small OpenAI-compatible server on loopback for `npm run demo`: it answers
 * Chat Completions, legacy Completions and the Responses API (demo-responses.ts)
 * like the real API does (dated
 * snapshot in `model`, `usage` with cached and reasoning details, SSE streams
 * with a usage chunk when asked, a 429 now and then), so the real `openai` SDK
 * can be monitored end to end without an account.
 */
export interface DemoOpenAIServer {
  /** `baseURL` for the SDK, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  close(): Promise<void>;
}

/** What the real API reports as the model for an alias (fixtures README: "model in the response ≠ requested"). */
const SNAPSHOTS: Readonly<Record<string, string>> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
  'gpt-3.5-turbo-instruct': 'gpt-3.5-turbo-instruct',
};

const ANSWER = 'Grafana shows this call with its latency, tokens and cost.';

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch {
        resolve({});
      }
    });
  });
}

/** Roughly 4 characters a token, as OpenAI's rule of thumb; deterministic for a given prompt. */
function tokensOf(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

function usageFor(body: Record<string, unknown>, model: string) {
  const prompt = tokensOf(body.messages ?? body.prompt);
  const reasoning = model.startsWith('gpt-5') ? 64 : 0;
  const completion = tokensOf(ANSWER) + reasoning;
  const cached = prompt >= 32 ? Math.floor(prompt / 2) : 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_demo${Date.now().toString(16)}`, ...headers });
  res.end(JSON.stringify(body));
}

async function answer(req: IncomingMessage, res: ServerResponse, chat: boolean): Promise<void> {
  const body = await readJson(req);
  const requested = typeof body.model === 'string' ? body.model : 'gpt-4o-mini';
  const model = SNAPSHOTS[requested] ?? requested;
  // Latency like a small model's: 40-160 ms.
  await new Promise((resolve) => setTimeout(resolve, 40 + Math.floor(Math.random() * 120)));
  if (String(JSON.stringify(body.messages ?? body.prompt)).includes('rate limit me')) {
    send(res, 429, { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'x-should-retry': 'false' });
    return;
  }
  const usage = usageFor(body, model);
  const id = `${chat ? 'chatcmpl' : 'cmpl'}-demo${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const object = chat ? 'chat.completion' : 'text_completion';
  if (body.stream !== true) {
    const choice = chat
      ? { index: 0, message: { role: 'assistant', content: ANSWER, refusal: null }, finish_reason: 'stop', logprobs: null }
      : { index: 0, text: ANSWER, finish_reason: 'stop', logprobs: null };
    send(res, 200, { id, object, created, model, choices: [choice], usage, service_tier: 'default' }, {
      'x-ratelimit-remaining-requests': '4999',
      'x-ratelimit-remaining-tokens': '3999000',
    });
    return;
  }
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  const withUsage = streamOptions?.include_usage === true;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': `req_demo${Date.now().toString(16)}` });
  const chunkObject = chat ? 'chat.completion.chunk' : 'text_completion';
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: chunkObject, created, model, choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`;
  for (const word of ANSWER.split(/(?<= )/)) {
    const choice = chat ? { index: 0, delta: { content: word }, finish_reason: null } : { index: 0, text: word, finish_reason: null };
    res.write(frame([choice]));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  res.write(frame([chat ? { index: 0, delta: {}, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' }]));
  if (withUsage) res.write(frame([], { usage }));
  res.end('data: [DONE]\n\n');
}

/**
 * @example
 * const server = await startDemoOpenAIServer();
 * const openai = new OpenAI({ apiKey: 'demo', baseURL: server.url });
 */
export async function startDemoOpenAIServer(): Promise<DemoOpenAIServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path.endsWith('/chat/completions')) void answer(req, res, true);
    else if (req.method === 'POST' && path.endsWith('/completions')) void answer(req, res, false);
    else if (req.method === 'POST' && path.endsWith('/responses')) void readJson(req).then((body) => answerResponses(body, res));
    else send(res, 404, { error: { message: `Unknown path ${path}`, type: 'invalid_request_error', param: null, code: null } });
  });
  // The SDK keeps connections alive; Node 16 and 18 let server.close() wait for them to time out (5 s).
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
