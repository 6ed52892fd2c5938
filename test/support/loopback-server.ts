import type { IncomingHttpHeaders } from 'node:http';
import {
  ConditionWaiters as SharedConditionWaiters,
  startLoopbackHttpServer,
  type LoopbackHttpServer,
  type ReceivedRequest,
} from '../../src/testing/loopback-http-server.js';

/**
 * The HTTP plumbing of the test receivers (remote-write-receiver.ts,
 * loki-receiver.ts) and of the scripted servers of the export tests: the
 * shipped testing module's loopback server (127.0.0.1, port 0, each request
 * read whole), seen through the request shape these tests use. Only the
 * plumbing is shared: the wire checks and decoders of test/support stay
 * independent of the library's own (`prometheus-remote-write`, snappyjs).
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

export type LoopbackServer = LoopbackHttpServer;

function captured(request: ReceivedRequest): CapturedHttpRequest {
  return {
    method: request.method,
    path: request.path,
    headers: request.headers,
    rawHeaders: [...request.rawHeaders],
    body: request.body,
    authorization: request.headers.authorization,
    basicAuth: request.basicAuth === undefined ? undefined : { ...request.basicAuth },
  };
}

/**
 * Starts a loopback server that hands every complete request to `handle`; a
 * handler may answer later, or never (a receiver that does not answer).
 *
 * @example
 * const server = await startLoopbackServer(async (req) => ({ status: req.method === 'POST' ? 204 : 405 }));
 * // ... point a client at server.origin + '/api/v1/write' ...
 * await server.close();
 */
export function startLoopbackServer(handle: (req: CapturedHttpRequest) => Promise<HttpAnswer> | HttpAnswer): Promise<LoopbackServer> {
  return startLoopbackHttpServer((request) => handle(captured(request)));
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
  private readonly shared = new SharedConditionWaiters();

  waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return this.shared.waitFor(test, timeoutMs, () => `waiting for ${what}`);
  }

  check(): void {
    this.shared.check();
  }
}
