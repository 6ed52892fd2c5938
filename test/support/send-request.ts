import { request } from 'node:http';

/**
 * A bare HTTP client for tests that must put exact bytes and headers on the wire
 * (hand-made bad requests for the test receivers). node:http rather than fetch:
 * Node 16 has no global fetch, and fetch would add headers of its own.
 */

export interface SentResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends one request and reads the whole answer. `headers` is a list of pairs so a
 * test can repeat a header or leave one out; nothing is added except Host,
 * Content-Length and Connection.
 *
 * @example
 * const res = await sendRequest(receiver.url, { headers: [['Content-Type', 'application/json']], body: '{"streams":[]}' });
 * assert.equal(res.status, 422);
 */
export function sendRequest(
  url: string,
  opts: { method?: string; headers?: [string, string][]; body?: Uint8Array | string } = {},
): Promise<SentResponse> {
  const target = new URL(url);
  // An array value makes node:http send the header once per element (the array
  // form of `headers` is newer than Node 16).
  const headers: Record<string, string[]> = {};
  for (const [name, value] of opts.headers ?? []) (headers[name] ??= []).push(value);
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
  if (body !== undefined) headers['Content-Length'] = [String(body.byteLength)];
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: opts.method ?? 'POST', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
