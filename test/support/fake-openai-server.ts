import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { endpointKind, fixtureIds, loadFixture, type EndpointKind } from './fixture-catalog.js';

export { endpointKind, fixtureIds, loadFixture, type EndpointKind, type Fixture, type FixtureRecord } from './fixture-catalog.js';

/** A request the fake received, as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Path with the query string, e.g. `/openai/deployments/d/chat/completions?api-version=2024-10-21`. */
  url: string;
  query: Record<string, string>;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  rawBody: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  /** The fixture that answered, when one did. */
  fixtureId: string | undefined;
  status: number;
  /** The client closed the connection before the whole response was written (e.g. a stream's early `break`). */
  aborted: boolean;
}

/** A hand-made answer for `replyWith`. */
export interface FakeReply {
  /** Default 200. */
  status?: number;
  /** Default content-type is JSON or SSE by the body given. */
  headers?: Record<string, string>;
  /** A string or bytes are sent verbatim; any other value is sent as JSON. */
  body?: string | Uint8Array | object;
  /** SSE frames: an object is sent as `data: <json>\n\n`, a string verbatim (e.g. `'data: [DONE]\n\n'`). */
  sseFrames?: Array<string | object>;
  /** Wait this long before answering (timeouts, slow servers). */
  delayMs?: number;
  /** Destroy the connection instead of answering (network errors). */
  hangUp?: boolean;
}

/** `replyWith`'s handler: a fixture id, a hand-made reply, or undefined for the default fixture. */
export type ReplyHandler = (req: RecordedRequest) => FakeReply | string | undefined | Promise<FakeReply | string | undefined>;

export interface FakeOpenAIOptions {
  /** SSE bodies are written in pieces of this many bytes (fixtures README "Serving" rule 3). Default 97. */
  sseChunkBytes?: number;
  /** Pause between SSE pieces; 0 (default) yields to the event loop only. */
  sseChunkDelayMs?: number;
  /** When false (default), error statuses carry `x-should-retry: false` so the SDK never retries (rule 5). */
  retryableErrors?: boolean;
}

export interface ReplyOptions {
  /** How many requests this fixture answers. Default 1. */
  times?: number;
  /** Leave out `x-should-retry: false` on this error reply, so the SDK's retry logic runs. */
  retryable?: boolean;
}

/** A running fake OpenAI API; see `startFakeOpenAI`. */
export interface FakeOpenAI {
  /** `baseURL` for the SDK: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, for Azure (`endpoint`) or third-party prefixes. */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Queue a fixture (FIFO) for the next request(s) that carry no `x-fixture` header. */
  reply(fixtureId: string, opts?: ReplyOptions): FakeOpenAI;
  /** Answer requests not covered by `x-fixture` or the queue; `undefined` clears it. */
  replyWith(handler: ReplyHandler | undefined): FakeOpenAI;
  /** Queued replies not yet used. */
  pending(): number;
  /** Forget requests, queue and handler. */
  reset(): void;
  close(): Promise<void>;
}

const SSE_TYPE = 'text/event-stream; charset=utf-8';

/** The fixture a request gets when nobody chose one: what a real server would send to that request. */
function defaultFixture(kind: EndpointKind | undefined, path: string, body: unknown): string | undefined {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const stream = b.stream === true;
  const opts = b.stream_options as Record<string, unknown> | undefined;
  // Usage chunks come only when asked for (fixtures README "Gotchas": include_usage).
  const usage = typeof opts === 'object' && opts !== null && opts.include_usage === true;
  switch (kind) {
    case 'chat':
      if (path.includes('/openai/deployments/')) return stream ? 'chat-stream.azure.prompt-filter.gpt-4o' : 'chat.azure.gpt-5-nano';
      if (path.startsWith('/openai/v1/')) return stream ? 'chat-stream.azure.v1.o4-mini' : 'chat.azure.v1.o4-mini';
      if (!stream) return 'chat.simple.gpt-4.1';
      return usage ? 'chat-stream.include-usage.gpt-4.1' : 'chat-stream.plain.gpt-5-nano';
    case 'completions':
      if (!stream) return 'completions.basic.babbage-002';
      return usage ? 'completions.stream-include-usage.babbage-002' : 'completions.stream.babbage-002';
    case 'embeddings':
      // The SDK asks for base64 unless the caller said float, and decodes it itself (rule 4).
      return b.encoding_format === 'float' ? 'embeddings.float.text-embedding-3-small' : 'embeddings.base64.text-embedding-3-small';
    case 'responses':
      return stream ? 'responses-stream.simple.gpt-5.1' : 'responses.simple.gpt-5.1';
    default:
      return undefined;
  }
}

function errorBody(message: string, code: string): string {
  return JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
}

function sseBytes(frames: Array<string | object>): Buffer {
  return Buffer.from(frames.map((f) => (typeof f === 'string' ? f : `data: ${JSON.stringify(f)}\n\n`)).join(''), 'utf8');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

/**
 * Starts a loopback OpenAI-compatible server that answers with the recorded fixtures
 * of `test/fixtures/openai`, served byte for byte as the fixtures README says.
 *
 * Who answers a request, first match wins: its `x-fixture: <id>` header, then the
 * `reply()` queue (FIFO), then the `replyWith()` handler, then the endpoint's default
 * (`chat.simple.gpt-4.1`, `chat-stream.include-usage.gpt-4.1` when the stream asked for
 * usage, `chat-stream.plain.gpt-5-nano` otherwise, Azure shapes for Azure paths, …).
 * A chosen fixture is served whatever the path (third-party, Azure, another endpoint).
 *
 * @example
 * const fake = await startFakeOpenAI();
 * const client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
 * fake.reply('errors.429.insufficient_quota');
 * await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages: [] }), { status: 429 });
 * await client.chat.completions.create(body, { headers: { 'x-fixture': 'chat.refusal.gpt-4o' } });
 * await fake.close();
 */
export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const chunkBytes = Math.max(1, opts.sseChunkBytes ?? 97);
  const chunkDelay = opts.sseChunkDelayMs ?? 0;
  const requests: RecordedRequest[] = [];
  const queue: Array<{ id: string; retryable: boolean }> = [];
  let handler: ReplyHandler | undefined;
  const sockets = new Set<Socket>();

  async function send(res: ServerResponse, rec: RecordedRequest, status: number, headers: Record<string, string>, body: Buffer, sse: boolean, retryable: boolean): Promise<void> {
    const out: Record<string, string | number> = { ...headers };
    if (status >= 400 && !retryable && !('x-should-retry' in out)) out['x-should-retry'] = 'false';
    rec.status = status;
    if (!sse) {
      out['content-length'] = body.length;
      res.writeHead(status, out);
      res.end(body);
      return;
    }
    res.writeHead(status, out);
    for (let i = 0; i < body.length && !res.destroyed; i += chunkBytes) {
      res.write(body.subarray(i, i + chunkBytes));
      await pause(chunkDelay);
    }
    if (!res.destroyed) res.end();
  }

  async function serveFixture(res: ServerResponse, rec: RecordedRequest, id: string, retryable: boolean): Promise<void> {
    rec.fixtureId = id;
    const f = loadFixture(id);
    await send(res, rec, f.record.status, f.record.response_headers, f.body, f.record.response_file.endsWith('.sse'), retryable);
  }

  async function serveCustom(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, r: FakeReply): Promise<void> {
    if (r.delayMs) await pause(r.delayMs);
    if (r.hangUp) {
      rec.aborted = true;
      req.socket.destroy();
      return;
    }
    const sse = r.sseFrames !== undefined;
    let body: Buffer;
    if (sse) body = sseBytes(r.sseFrames ?? []);
    else if (typeof r.body === 'string') body = Buffer.from(r.body, 'utf8');
    else if (r.body instanceof Uint8Array) body = Buffer.from(r.body);
    else body = Buffer.from(r.body === undefined ? '' : JSON.stringify(r.body), 'utf8');
    const json = !sse && r.body !== undefined && typeof r.body !== 'string' && !(r.body instanceof Uint8Array);
    const type = sse ? SSE_TYPE : json ? 'application/json' : 'text/plain; charset=utf-8';
    const headers = { 'content-type': type, ...lowerKeys(r.headers ?? {}) };
    await send(res, rec, r.status ?? 200, headers, body, sse, opts.retryableErrors === true);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = req.url ?? '/';
    const parsedUrl = new URL(url, 'http://127.0.0.1');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const rec: RecordedRequest = {
      method: req.method ?? 'GET', path: parsedUrl.pathname, url, query: Object.fromEntries(parsedUrl.searchParams),
      headers, rawBody, body, fixtureId: undefined, status: 0, aborted: false,
    };
    requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.aborted = true;
    });

    const chosen = headers['x-fixture'];
    if (chosen !== undefined) {
      if (!fixtureIds().includes(chosen)) {
        await send(res, rec, 400, { 'content-type': 'application/json' }, Buffer.from(errorBody(`fake-openai: unknown fixture "${chosen}"`, 'fake_unknown_fixture')), false, false);
        return;
      }
      return serveFixture(res, rec, chosen, opts.retryableErrors === true);
    }
    const next = queue.shift();
    if (next) return serveFixture(res, rec, next.id, next.retryable);
    const custom = handler ? await handler(rec) : undefined;
    if (typeof custom === 'string') return serveFixture(res, rec, custom, opts.retryableErrors === true);
    if (custom) return serveCustom(req, res, rec, custom);
    const fallback = defaultFixture(endpointKind(parsedUrl.pathname), parsedUrl.pathname, body);
    if (fallback) return serveFixture(res, rec, fallback, opts.retryableErrors === true);
    const msg = `fake-openai: no fixture for ${rec.method} ${parsedUrl.pathname}; use reply(id), an x-fixture header or replyWith()`;
    await send(res, rec, 404, { 'content-type': 'application/json' }, Buffer.from(errorBody(msg, 'fake_no_fixture')), false, false);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A broken handler is a test bug: answer 500 without retries so the test fails loudly, not hangs.
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'application/json', 'x-should-retry': 'false' });
      res.end(errorBody(`fake-openai: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, 'fake_handler_error'));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeOpenAI = {
    url: `${origin}/v1`,
    origin,
    requests,
    reply(fixtureId, o = {}) {
      loadFixture(fixtureId); // fail at the call site on a typo
      for (let i = 0; i < (o.times ?? 1); i++) queue.push({ id: fixtureId, retryable: o.retryable ?? opts.retryableErrors === true });
      return fake;
    },
    replyWith(h) {
      handler = h;
      return fake;
    },
    pending: () => queue.length,
    reset() {
      requests.length = 0;
      queue.length = 0;
      handler = undefined;
    },
    close() {
      // Keep-alive sockets from the SDK's agent would hold server.close() open (Node 16 lacks closeAllConnections).
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
