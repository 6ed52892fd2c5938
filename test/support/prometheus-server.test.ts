import assert from 'node:assert/strict';
import { request } from 'node:http';
import { it } from 'node:test';
import { serialize } from 'prometheus-remote-write';
import { describeWithPrometheus } from './prometheus-server.js';

// snappyjs ships no types; the test compiles to CommonJS, so a typed require is enough.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const SnappyJS = require('snappyjs') as { compress(input: Uint8Array): Uint8Array };

/** The WriteRequest shape `serialize` really takes (its types.d.ts says Timeseries). */
interface WriteRequest {
  timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: number }> }>;
}

/** POSTs a remote-write 1.0 body with the four required headers (wire-protocols.md §1.2). */
function post(url: string, body: Uint8Array): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        'Content-Encoding': 'snappy',
        'Content-Type': 'application/x-protobuf',
        'User-Agent': 'grafana-openai-monitoring-tests/0',
        'X-Prometheus-Remote-Write-Version': '0.1.0',
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(Buffer.from(body));
  });
}

async function encode(write: WriteRequest): Promise<Uint8Array> {
  const proto = await serialize(write as unknown as Parameters<typeof serialize>[0]);
  return SnappyJS.compress(new Uint8Array(proto as ArrayBuffer));
}

describeWithPrometheus('a private Prometheus for tests', (prom) => {
  it('is ready and has no data of its own', async () => {
    const data = await prom.server.query('count({__name__=~".+"})');
    assert.equal(data.resultType, 'vector');
    assert.deepEqual(data.result, []);
  });

  it('stores a sample pushed by remote-write and returns it with PromQL', async () => {
    const ts = Date.now() - 1_000;
    const body = await encode({
      timeseries: [{
        labels: [
          { name: '__name__', value: 'gom_selftest_total' },
          { name: 'job', value: 'infra-selftest' },
          { name: 'model', value: 'gpt-4.1' },
        ],
        samples: [{ value: 42.5, timestamp: ts }],
      }],
    });
    const res = await post(prom.server.writeUrl, body);
    assert.equal(res.status, 204, res.text);

    const data = await prom.server.query('gom_selftest_total{job="infra-selftest"}[10m]');
    assert.equal(data.resultType, 'matrix');
    assert.deepEqual(data.result, [{
      metric: { __name__: 'gom_selftest_total', job: 'infra-selftest', model: 'gpt-4.1' },
      values: [[ts / 1000, '42.5']],
    }]);
  });

  it('answers a range query over pushed samples', async () => {
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const body = await encode({
      timeseries: [{
        labels: [{ name: '__name__', value: 'gom_selftest_range' }, { name: 'job', value: 'infra-selftest' }],
        samples: [{ value: 1, timestamp: t0 }, { value: 2, timestamp: t0 + 30_000 }],
      }],
    });
    assert.equal((await post(prom.server.writeUrl, body)).status, 204);
    const data = await prom.server.queryRange('gom_selftest_range', t0 / 1000, t0 / 1000 + 30, 30);
    assert.equal(data.resultType, 'matrix');
    assert.deepEqual(data.result.map((s) => ('values' in s ? s.values : [])), [[[t0 / 1000, '1'], [t0 / 1000 + 30, '2']]]);
  });

  it('rejects a sample older than the series last one with 400 (wire-protocols.md §1.4)', async () => {
    const ts = Date.now() - 2_000;
    const series = (t: number, v: number): WriteRequest => ({
      timeseries: [{ labels: [{ name: '__name__', value: 'gom_selftest_ooo' }], samples: [{ value: v, timestamp: t }] }],
    });
    assert.equal((await post(prom.server.writeUrl, await encode(series(ts, 1)))).status, 204);
    const res = await post(prom.server.writeUrl, await encode(series(ts - 1_000, 2)));
    assert.equal(res.status, 400);
    assert.match(res.text, /out of order/);
  });

  it('reports a bad PromQL expression as an error', async () => {
    await assert.rejects(prom.server.query('sum(('), /prometheus \/api\/v1\/query 400/);
  });
});
