import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The HTTP plumbing of the testing receivers: a server on 127.0.0.1, port 0
 * (so any number of tests run in parallel without port clashes), that reads
 * each request whole and answers what a handler decides. No wire rules live
 * here: they are in remote-write-rules.ts and loki-push-rules.ts.
 *
 * node:http only, on purpose: the helpers must work in a user's tests on
 * Node 16 (no global fetch) and must not touch a `fetch` the app has mocked.
 */

/** One HTTP request as it arrived at a testing receiver. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/api/v1/write`. */
  readonly path: string;
  /** The query string parsed, e.g. for `/api/v1/query?query=up`. */
  readonly query: URLSearchParams;
  /** Header names lower-cased, as node:http gives them. */
  readonly headers: IncomingHttpHeaders;
  /** Header name/value pairs exactly as sent (case and repeats kept), for "exactly once" checks. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** The decoded `Authorization: Basic …` credentials, when the request had them. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Wire-rule breaches found in this request (also listed in the receiver's `violations`). */
  readonly violations: string[];
  /** The status the receiver answered with; 0 until it has answered. */
  status: number;
}

/** What a receiver answers, or what a `respond` hook scripts. */
export interface ReceiverAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A running loopback server. */
export interface LoopbackHttpServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Stops listening and drops kept-alive connections (Node 16 lacks `closeAllConnections()`). */
  close(): Promise<void>;
}

function parseBasicAuth(authorization: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Starts a loopback server that hands every complete request to `handle`. A
 * handler that throws (or rejects) is answered with 500 naming the failure, so a bug in a
 * receiver is never mistaken for the client's.
 *
 * @example
 * const server = await startLoopbackHttpServer((req) => ({ status: req.method === 'POST' ? 204 : 405 }));
 * // … point a client at `${server.origin}/api/v1/write` …
 * await server.close();
 */
export async function startLoopbackHttpServer(
  handle: (request: ReceivedRequest) => ReceiverAnswer | Promise<ReceiverAnswer>,
): Promise<LoopbackHttpServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        basicAuth: parseBasicAuth(req.headers.authorization),
        violations: [],
        status: 0,
      };
      // A handler may answer later (a decoder that is async, a receiver that never answers).
      Promise.resolve()
        .then(() => handle(request))
        .then(
          (answer) => answer,
          (error: unknown): ReceiverAnswer => ({ status: 500, body: `testing receiver failed: ${error instanceof Error ? error.message : String(error)}` }),
        )
        .then((answer) => {
          request.status = answer.status;
          res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8', ...answer.headers });
          res.end(answer.body);
        });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Resolves `waitFor` calls once a condition over a receiver's state holds; the
 * receiver calls `check()` after every request it has answered.
 *
 * @example
 * const waiters = new ConditionWaiters();
 * await waiters.waitFor(() => requests.length > 0, 2000, () => 'no request yet');
 */
export class ConditionWaiters {
  private readonly pending = new Set<{ test: () => boolean; resolve: () => void }>();

  /**
   * @example
   * await waiters.waitFor(() => stored.size > 0, 5000, () => `${requests.length} requests so far`);
   */
  waitFor(test: () => boolean, timeoutMs: number, describeState: () => string): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.pending.delete(waiter);
        reject(new Error(`waitFor timed out: condition still false after ${timeoutMs} ms (${describeState()})`));
      }, timeoutMs);
      this.pending.add(waiter);
    });
  }

  /**
   * @example
   * waiters.check(); // after storing what a request carried
   */
  check(): void {
    for (const waiter of this.pending) {
      // A predicate that throws is the test's bug; keep waiting rather than crash the server.
      let ok = false;
      try {
        ok = waiter.test();
      } catch {
        ok = false;
      }
      if (ok) {
        this.pending.delete(waiter);
        waiter.resolve();
      }
    }
  }
}

/**
 * The answer a receiver with required credentials gives to a request without
 * them (Grafana Cloud answers 401 before looking at the path), or undefined
 * when the request may pass.
 *
 * @example
 * const denied = checkBasicAuth(request, { username: '123', password: 'token' });
 * if (denied) return denied;
 */
export function checkBasicAuth(
  request: ReceivedRequest,
  expected: { readonly username: string; readonly password: string } | undefined,
): ReceiverAnswer | undefined {
  if (expected === undefined) return undefined;
  const got = request.basicAuth;
  if (got !== undefined && got.username === expected.username && got.password === expected.password) return undefined;
  return { status: 401, body: got === undefined ? 'authentication required' : 'invalid authentication credentials' };
}
