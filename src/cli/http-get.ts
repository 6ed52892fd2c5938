import * as http from 'node:http';
import * as https from 'node:https';
import { describeUrl, HttpNetworkError, type HttpResponse } from '../export/http/http-transport.js';

/**
 * One GET for the check's read-back (Prometheus and Loki query APIs). The push
 * side has HttpTransport (POST only, keep-alive, unref'd sockets for a
 * background exporter); a CLI that makes a handful of queries wants the
 * opposite: no pool, sockets that keep the process alive until answered.
 * Failures without an answer are HttpNetworkError, as for pushes, so one set of
 * hints (hints.ts) covers both.
 */

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * GETs `url` with the given headers; resolves with any status, rejects only
 * with HttpNetworkError (timeout, refused, DNS, TLS).
 *
 * @example
 * const res = await httpGet(new URL('http://127.0.0.1:9090/api/v1/query?query=up'), { Authorization: auth }, 5000);
 * JSON.parse(res.body).status; // 'success'
 */
export function httpGet(url: URL, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<HttpResponse> {
  const target = describeUrl(url);
  return new Promise<HttpResponse>((resolve, reject) => {
    let timedOut = false;
    let settled = false;
    const finish = (error: Error | undefined, response?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined) reject(error);
      else resolve(response as HttpResponse);
    };
    const request = (url.protocol === 'https:' ? https : http).request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        agent: false,
        headers: { Accept: 'application/json', ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept >= MAX_BODY_BYTES) return;
          chunks.push(chunk);
          kept += chunk.length;
        });
        response.on('end', () =>
          finish(undefined, { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', (err: NodeJS.ErrnoException) => finish(failure(target, err, timedOut, timeoutMs)));
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(new Error('timed out'));
    }, Math.max(1, timeoutMs));
    request.on('error', (err: NodeJS.ErrnoException) => finish(failure(target, err, timedOut, timeoutMs)));
    request.end();
  });
}

function failure(target: string, err: NodeJS.ErrnoException, timedOut: boolean, timeoutMs: number): HttpNetworkError {
  if (timedOut) return new HttpNetworkError(target, `timed out after ${timeoutMs} ms`, { code: 'ETIMEDOUT', timedOut: true });
  return new HttpNetworkError(target, `failed: ${err.message}`, { code: err.code });
}
