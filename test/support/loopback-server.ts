import { createServer, IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The HTTP plumbing shared by the test receivers (remote-write-receiver.ts,
 * loki-receiver.ts): a server on 127.0.0.1, port 0 (never a fixed port, so test
 * files can run in parallel), that reads each request whole and answers what a
 * handler decides, plus a small "wait until" helper. No wire rules live here.
 */

/** One HTTP request as it arrived. */
export interface CapturedHttpRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Name/value pairs exactly as sent (repeats and case kept), for "exactly once" checks. */
  rawHeaders: string[];
  body: Buffer;
  /** The `Authorization` header, verbatim. */
  authorization?: string;
  /** Decoded `Authorization: Basic …` credentials. */
  basicAuth?: { username: string; password: string };
}

/** What a receiver answers. */
export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Stops listening and drops kept-alive connections. */
  close(): Promise<void>;
}

function parseBasicAuth(authorization: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Starts a loopback server that hands every complete request to `handle`.
 *
 * @example
 * const server = await startLoopbackServer(async (req) => ({ status: req.method === 'POST' ? 204 : 405 }));
 * // ... point a client at server.origin + '/api/v1/write' ...
 * await server.close();
 */
export async function startLoopbackServer(
  handle: (req: CapturedHttpRequest) => Promise<HttpAnswer> | HttpAnswer,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const authorization = req.headers.authorization;
      const captured: CapturedHttpRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0],
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        authorization,
        basicAuth: parseBasicAuth(authorization),
      };
      Promise.resolve()
        .then(() => handle(captured))
        .then(
          (answer) => {
            res.writeHead(answer.status, answer.headers);
            res.end(answer.body);
          },
          (err: unknown) => {
            // A bug in a receiver itself: say so on stderr and in the answer, so it is not mistaken for the client's.
            console.error('test receiver failed:', err);
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`test receiver failed: ${String(err)}`);
          },
        );
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
        // Node 16 has no server.closeAllConnections(): keep-alive sockets are tracked and destroyed here.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Resolves `waitFor` calls when a condition over receiver state becomes true;
 * the receiver calls `check()` after every request it has finished handling.
 *
 * @example
 * const waiters = new ConditionWaiters();
 * await waiters.waitFor(() => requests.length > 0, 2000, 'a request');
 */
export class ConditionWaiters {
  private readonly pending = new Set<{ test: () => boolean; resolve: () => void }>();

  waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
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
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.pending.add(waiter);
    });
  }

  check(): void {
    for (const waiter of this.pending) {
      if (waiter.test()) {
        this.pending.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
