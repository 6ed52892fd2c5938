import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { basicAuthorization, describeUrl, HttpNetworkError, HttpTransport } from '../../../src/export/http/http-transport.js';
import { CapturedHttpRequest, startLoopbackServer, type LoopbackServer } from '../../support/loopback-server.js';
import { runNodeScript } from '../../support/run-node-script.js';

const TRANSPORT_MODULE = join(__dirname, '../../../src/export/http/http-transport.js');

/** A server that reads requests and never answers; counts connections. */
async function startSilentServer(): Promise<{ url: URL; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer(() => {
    // never answers
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/api/v1/write`),
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind one, then close it. */
async function refusedUrl(): Promise<URL> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return new URL(`http://127.0.0.1:${port}/api/v1/write`);
}

describe('basicAuthorization', () => {
  it('encodes id 123456 and token glc_example as Basic MTIzNDU2OmdsY19leGFtcGxl (B3)', () => {
    assert.equal(basicAuthorization('123456', 'glc_example'), 'Basic MTIzNDU2OmdsY19leGFtcGxl');
  });
});

describe('describeUrl', () => {
  it('leaves out user-info and the query string', () => {
    const text = describeUrl(new URL('https://123:glc_secret@logs.example:8443/loki/api/v1/push?token=glc_other'));
    assert.equal(text, 'https://logs.example:8443/loki/api/v1/push');
  });
});

describe('HttpTransport', () => {
  let server: LoopbackServer;
  const seen: CapturedHttpRequest[] = [];
  const transport = new HttpTransport();

  before(async () => {
    server = await startLoopbackServer((req) => {
      seen.push(req);
      if (req.path === '/big') return { status: 400, body: 'x'.repeat(10_000) };
      return { status: 429, headers: { 'Retry-After': '7' }, body: 'slow down' };
    });
  });
  after(async () => {
    transport.close();
    await server.close();
  });

  it('POSTs the body with the given headers and its Content-Length', async () => {
    const body = new Uint8Array([1, 2, 3, 250]);
    await transport.post(new URL(`${server.origin}/api/v1/write`), body, {
      headers: { Authorization: basicAuthorization('123456', 'glc_example'), 'Content-Type': 'application/x-protobuf' },
      timeoutMs: 2000,
    });
    const req = seen[seen.length - 1];
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/api/v1/write');
    assert.equal(req.authorization, 'Basic MTIzNDU2OmdsY19leGFtcGxl');
    assert.equal(req.headers['content-type'], 'application/x-protobuf');
    assert.equal(req.headers['content-length'], '4');
    assert.deepEqual([...req.body], [1, 2, 3, 250]);
  });

  it('resolves with status, headers and body whatever the status', async () => {
    const res = await transport.post(new URL(`${server.origin}/x`), 'hello', { headers: {}, timeoutMs: 2000 });
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(res.body, 'slow down');
  });

  it('keeps only the first 4 KiB of a long answer', async () => {
    const res = await transport.post(new URL(`${server.origin}/big`), 'x', { headers: {}, timeoutMs: 2000 });
    assert.equal(res.status, 400);
    assert.equal(res.body, 'x'.repeat(4096));
  });

  it('aborts a request the server never answers at the timeout (B14)', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      await assert.rejects(transport.post(silent.url, 'x', { headers: {}, timeoutMs: 200 }), (err: unknown) => {
        assert.ok(err instanceof HttpNetworkError);
        assert.equal(err.timedOut, true);
        assert.match(err.message, /timed out after 200 ms/);
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 190 && elapsed < 1500, `took ${elapsed} ms`);
    } finally {
      await silent.close();
    }
  });

  it('rejects with a network error naming the refused address, not a status', async () => {
    const url = await refusedUrl();
    await assert.rejects(transport.post(url, 'x', { headers: {}, timeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof HttpNetworkError);
      assert.equal(err.code, 'ECONNREFUSED');
      assert.equal(err.timedOut, false);
      return true;
    });
  });

  it('stops at once when the caller aborts', async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      const started = Date.now();
      const pending = transport.post(silent.url, 'x', { headers: {}, timeoutMs: 10_000, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(pending, (err: unknown) => err instanceof HttpNetworkError && !err.timedOut);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await silent.close();
    }
  });

  it('reuses one kept-alive connection for consecutive requests', async () => {
    let connections = 0;
    const sockets = new Set<Socket>();
    const counting = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(204);
        res.end();
      });
    });
    counting.on('connection', (socket: Socket) => {
      connections += 1;
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(counting.address() as AddressInfo).port}/`);
    const own = new HttpTransport();
    try {
      for (let i = 0; i < 3; i++) assert.equal((await own.post(url, 'x', { headers: {}, timeoutMs: 2000 })).status, 204);
      assert.equal(connections, 1);
    } finally {
      own.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => counting.close(() => resolve()));
    }
  });
});

describe('HttpTransport and process exit', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  before(async () => {
    silent = await startSilentServer();
  });
  after(async () => {
    await silent.close();
  });

  const script = `
    const { HttpTransport } = require(process.env.TRANSPORT_MODULE);
    const t = new HttpTransport();
    t.post(new URL(process.env.TARGET), 'x', { headers: {}, timeoutMs: 5000, ref: process.env.REF === '1' })
      .catch((err) => console.log('rejected', err.timedOut));
  `;

  it('lets an idle process exit while a request is still in flight', async () => {
    const result = await runNodeScript(script, { TRANSPORT_MODULE, TARGET: silent.url.href, REF: '0' }, 10_000);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.elapsedMs < 3000, `exited after ${result.elapsedMs} ms`);
    assert.equal(result.stdout, '', 'the request never settled: the process did not wait for it');
  });

  it('keeps the process alive until a ref request settles', async () => {
    const result = await runNodeScript(
      script.replace('timeoutMs: 5000', 'timeoutMs: 600'),
      { TRANSPORT_MODULE, TARGET: silent.url.href, REF: '1' },
      10_000,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'rejected true');
  });
});
