import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * POSTs one body with `node:http`/`node:https` through a keep-alive Agent owned
 * by one exporter. One code path on Node 16–24, on purpose not undici nor the
 * global fetch: the application may have replaced or mocked `fetch` (test
 * doubles, APM agents), and we need the socket itself to `unref()` it, so that
 * an in-flight push never keeps an idle application alive. The final delivery
 * at exit passes `ref: true` instead, which is what keeps the process alive
 * until it is done.
 *
 * The timeout (AbortController, not a socket idle timeout) covers connect,
 * request and the whole response (vector B14). The response body is read but
 * only its first `maxResponseBytes` kept: error messages quote it verbatim
 * (wire-protocols.md §1.2 "on error log verbatim"), and the rest is consumed so
 * the socket can be reused.
 */

/**
 * What a POST sends: bytes, a string (sent as UTF-8), or bytes in pieces, sent
 * one after the other. Pieces spare the copy of a large body into one buffer:
 * the sliced Loki encoder (loki/encode-push-body.ts) writes a 4 MiB body as
 * 64 KB pieces, and joining them stalled the event loop for 10 ms and more.
 */
export type RequestBody = Uint8Array | string | readonly Uint8Array[];

/**
 * The bytes a body puts on the wire.
 *
 * @example
 * bodyByteLength([Buffer.from('{"a":'), Buffer.from('1}')]); // 6
 */
export function bodyByteLength(body: RequestBody): number {
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (body instanceof Uint8Array) return body.byteLength;
  let bytes = 0;
  for (const piece of body) bytes += piece.byteLength;
  return bytes;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The first `maxResponseBytes` of the body, as UTF-8. */
  readonly body: string;
}

export interface PostOptions {
  readonly headers: Readonly<Record<string, string>>;
  /** Abort connect + request + response after this long. */
  readonly timeoutMs: number;
  /** Keep the process alive while this request runs (final delivery at exit). Default false. */
  readonly ref?: boolean;
  /** Aborts the request from outside (e.g. the shutdown deadline). */
  readonly signal?: AbortSignal;
}

/**
 * The request failed without an HTTP answer: refused, reset, DNS, TLS, timeout, abort.
 *
 * @example
 * try {
 *   await transport.post(url, body, { headers, timeoutMs: 5000 });
 * } catch (err) {
 *   if (err instanceof HttpNetworkError && err.timedOut) retryLater();
 * }
 */
export class HttpNetworkError extends Error {
  /** Node's error code when there was one (`ECONNREFUSED`, `ECONNRESET`, …). */
  readonly code?: string;
  /** True when our own timeout aborted the request. */
  readonly timedOut: boolean;
  /** What went wrong without the URL, e.g. `connect ECONNREFUSED 127.0.0.1:9`, `timed out after 5000 ms`. */
  readonly reason: string;

  constructor(target: string, reason: string, details: { code?: string; timedOut?: boolean } = {}) {
    super(`POST ${target} ${reason}`);
    this.name = 'HttpNetworkError';
    this.reason = reason;
    this.code = details.code;
    this.timedOut = details.timedOut ?? false;
  }
}

/**
 * The `Authorization` value for basic auth (wire-protocols.md §3: Grafana Cloud
 * takes `base64("<instance id>:<token>")`, vector B3).
 *
 * @example
 * basicAuthorization('123456', 'glc_example'); // 'Basic MTIzNDU2OmdsY19leGFtcGxl'
 */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * A URL as it may appear in a message: scheme, host and path only — never the
 * user-info or the query string, where credentials sometimes hide.
 *
 * @example
 * describeUrl(new URL('https://u:secret@logs.example/loki/api/v1/push?token=x')); // 'https://logs.example/loki/api/v1/push'
 */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

const DEFAULT_MAX_RESPONSE_BYTES = 4096;

export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly maxResponseBytes: number;

  /**
   * @example
   * const transport = new HttpTransport();
   * const res = await transport.post(new URL('http://127.0.0.1:9090/api/v1/write'), body, { headers, timeoutMs: 5000 });
   * transport.close();
   */
  constructor(options: { maxSockets?: number; maxResponseBytes?: number } = {}) {
    // Idle sockets close after 4 s, before Node servers' default 5 s keepAliveTimeout,
    // which narrows the window where we reuse a socket the server is closing.
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 4, timeout: 4000 };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /**
   * Sends one POST and resolves with the answer, whatever its status; rejects
   * only with HttpNetworkError. A reset on a reused keep-alive socket (the
   * server closed it as we wrote) is retried once at once, as Node's docs advise
   * (`request.reusedSocket`), because nothing reached the server.
   *
   * @example
   * const { status, body } = await transport.post(url, bytes, { headers: { 'Content-Type': 'application/json' }, timeoutMs: 5000 });
   */
  async post(url: URL, body: RequestBody, options: PostOptions): Promise<HttpResponse> {
    try {
      return await this.send(url, body, options);
    } catch (err) {
      if (err instanceof StaleSocketError) return this.send(url, body, options);
      throw err;
    }
  }

  /**
   * Closes idle sockets and refuses nothing: a request still running finishes.
   *
   * @example
   * transport.close(); // at shutdown
   */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private send(url: URL, body: RequestBody, options: PostOptions): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      const target = describeUrl(url);
      if (options.signal?.aborted) {
        reject(new HttpNetworkError(target, 'aborted', { code: 'ABORT_ERR' }));
        return;
      }
      const isHttps = url.protocol === 'https:';
      const controller = new AbortController();
      let timedOut = false;
      let settled = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, Math.max(1, options.timeoutMs));
      if (!options.ref) timer.unref();
      const onOuterAbort = (): void => controller.abort();
      options.signal?.addEventListener('abort', onOuterAbort);
      const finish = (error: Error | undefined, response?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onOuterAbort);
        if (error) reject(error);
        else resolve(response as HttpResponse);
      };
      const payload: Uint8Array | readonly Uint8Array[] = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const request = (isHttps ? https : http).request(
        {
          protocol: url.protocol,
          // URL keeps IPv6 literals bracketed; node:http wants them bare.
          hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          agent: isHttps ? this.httpsAgent : this.httpAgent,
          headers: { ...options.headers, 'Content-Length': String(bodyByteLength(payload)) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          response.on('data', (chunk: Buffer) => {
            if (kept >= this.maxResponseBytes) return; // consume, keep nothing: the socket stays reusable
            const part = chunk.subarray(0, this.maxResponseBytes - kept);
            chunks.push(part);
            kept += part.length;
          });
          response.on('end', () =>
            finish(undefined, {
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('close', () => {
            // 'end' settles first on success; a close without it means the body was cut off.
            if (!settled) finish(networkError(target, new Error('response ended early'), timedOut, options));
          });
          response.on('error', (err) => finish(networkError(target, err, timedOut, options)));
        },
      );
      // Not http.request's own `signal` option: Node 16 ignores it when an agent
      // is given, so a never-answering receiver would hold the socket forever.
      const abortError = Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
      controller.signal.addEventListener('abort', () => request.destroy(abortError), { once: true });
      request.on('socket', (socket) => {
        // An agent re-refs a socket it reuses; set what this request needs every time.
        if (options.ref) socket.ref();
        else socket.unref();
      });
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (request.reusedSocket && err.code === 'ECONNRESET' && !timedOut && !controller.signal.aborted) {
          finish(new StaleSocketError());
          return;
        }
        finish(networkError(target, err, timedOut, options));
      });
      if (payload instanceof Uint8Array) request.end(payload);
      else {
        for (const piece of payload) request.write(piece);
        request.end();
      }
    });
  }
}

/** Internal: a reset on a reused socket, retried once by `post`. */
class StaleSocketError extends Error {}

function networkError(target: string, err: Error, timedOut: boolean, options: PostOptions): HttpNetworkError {
  const code = (err as NodeJS.ErrnoException).code;
  if (timedOut) return new HttpNetworkError(target, `timed out after ${options.timeoutMs} ms`, { code: 'ETIMEDOUT', timedOut: true });
  if (options.signal?.aborted) return new HttpNetworkError(target, 'aborted', { code: 'ABORT_ERR' });
  // Node's messages name the address and the errno (`connect ECONNREFUSED 127.0.0.1:9`), never headers.
  return new HttpNetworkError(target, `failed: ${err.message}`, { code });
}
