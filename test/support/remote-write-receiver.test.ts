import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'prometheus-remote-write';
// Typed by src/types/snappyjs.d.ts (snappyjs ships no declarations).
import SnappyJS from 'snappyjs';
import { RemoteWriteReceiver, startRemoteWriteReceiver } from './remote-write-receiver.js';
import { sendRequest } from './send-request.js';

// Requests here are built by hand with prometheus-remote-write's `serialize` and
// snappyjs, not with our encoder, so the receiver is checked independently of the
// code it will later judge. Each bad request must be caught, or tests relying on
// the receiver prove nothing.

type Labels = { name: string; value: string }[];
interface HandSeries {
  labels: Labels;
  samples: { value: number; timestamp: number }[];
}

const GOOD_HEADERS: [string, string][] = [
  ['Content-Encoding', 'snappy'],
  ['Content-Type', 'application/x-protobuf'],
  ['X-Prometheus-Remote-Write-Version', '0.1.0'],
  ['User-Agent', 'grafana-openai-monitoring/1.0.0'],
];

async function body(timeseries: HandSeries[], extra: Record<string, unknown> = {}): Promise<Uint8Array> {
  const proto = await serialize({ timeseries, ...extra } as never);
  return SnappyJS.compress(new Uint8Array(proto as ArrayBuffer));
}

const labels = (name: string, more: [string, string][] = []): Labels => [
  { name: '__name__', value: name },
  ...more.map(([n, v]) => ({ name: n, value: v })),
];

describe('startRemoteWriteReceiver', () => {
  let prom: RemoteWriteReceiver;
  let now: number;
  before(async () => {
    prom = await startRemoteWriteReceiver();
  });
  after(() => prom.close());

  const send = async (b: Uint8Array, headers = GOOD_HEADERS) => {
    const before = prom.violations.length;
    const res = await sendRequest(prom.url, { headers, body: b });
    return { res, violations: prom.violations.slice(before) };
  };

  it('stores a correct request, answers 204 and reports nothing', async () => {
    now = Date.now() - 60000;
    const { res, violations } = await send(
      await body([{ labels: labels('up_total', [['job', 'a'], ['model', 'gpt-4o']]), samples: [{ value: 42, timestamp: now }, { value: 43, timestamp: now + 1 }] }]),
    );
    assert.equal(res.status, 204);
    assert.deepEqual(violations, []);
    assert.deepEqual(prom.samplesOf('up_total', { model: 'gpt-4o' }), [
      { value: 42, timestampMs: now },
      { value: 43, timestampMs: now + 1 },
    ]);
    assert.deepEqual(prom.series()[0].labels, { __name__: 'up_total', job: 'a', model: 'gpt-4o' });
    assert.match(prom.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write$/);
  });

  it('reports unsorted labels', async () => {
    const { violations } = await send(await body([{ labels: [{ name: 'job', value: 'a' }, { name: '__name__', value: 'x' }], samples: [{ value: 1, timestamp: now }] }]));
    assert.match(violations.join('\n'), /not sorted/);
  });

  it('reports duplicate label names, empty values and invalid names', async () => {
    const { violations } = await send(
      await body([
        { labels: labels('dup', [['job', 'a'], ['job', 'b']]), samples: [{ value: 1, timestamp: now }] },
        { labels: labels('empty', [['env', '']]), samples: [{ value: 1, timestamp: now }] },
        { labels: labels('openai.tokens', [['model-name', 'x']]), samples: [{ value: 1, timestamp: now }] },
      ]),
    );
    const text = violations.join('\n');
    assert.match(text, /duplicate label name "job"/);
    assert.match(text, /empty value for label "env"/);
    assert.match(text, /invalid metric name "openai.tokens"/);
    assert.match(text, /invalid label name "model-name"/);
  });

  it('reports framed snappy and answers 400 like Prometheus', async () => {
    const framed = Buffer.concat([Buffer.from('ff060000734e61507059', 'hex'), Buffer.from(await body([{ labels: labels('f'), samples: [{ value: 1, timestamp: now }] }]))]);
    const { res, violations } = await send(framed);
    assert.equal(res.status, 400);
    assert.match(violations.join('\n'), /framed snappy/);
  });

  it('reports an uncompressed body', async () => {
    const proto = new Uint8Array((await serialize({ timeseries: [{ labels: labels('raw'), samples: [{ value: 1, timestamp: now }] }] } as never)) as ArrayBuffer);
    const { res, violations } = await send(proto);
    assert.equal(res.status, 400);
    assert.equal(violations.length, 1);
  });

  it('reports a missing header, a repeated one, a wrong value and a User-Agent without semver', async () => {
    const b = await body([{ labels: labels('h1'), samples: [{ value: 1, timestamp: now }] }]);
    const { res, violations } = await send(b, [
      ['Content-Type', 'application/x-protobuf'],
      ['Content-Type', 'application/x-protobuf'],
      ['X-Prometheus-Remote-Write-Version', '2.0.0'],
      ['User-Agent', 'node-fetch/1.0'],
    ]);
    assert.equal(res.status, 204, 'a lenient answer, as Prometheus 2.42 gives; the breach is in violations');
    const text = violations.join('\n');
    assert.match(text, /Content-Encoding/);
    assert.match(text, /Content-Type .*\["application\/x-protobuf","application\/x-protobuf"\]/);
    assert.match(text, /X-Prometheus-Remote-Write-Version .*2\.0\.0/);
    assert.match(text, /User-Agent .*node-fetch\/1\.0/);
  });

  it('reports samples out of order or repeated across requests, and does not store them', async () => {
    const s = labels('ordered_total', [['job', 'o']]);
    await send(await body([{ labels: s, samples: [{ value: 1, timestamp: now + 10 }] }]));
    const { violations } = await send(await body([{ labels: s, samples: [{ value: 2, timestamp: now + 5 }, { value: 3, timestamp: now + 10 }] }]));
    assert.match(violations[0], /out of order sample at/);
    assert.match(violations[1], /duplicate sample at/);
    assert.deepEqual(prom.samplesOf('ordered_total'), [{ value: 1, timestampMs: now + 10 }]);
  });

  it('reports samples out of order within one request', async () => {
    const { violations } = await send(
      await body([{ labels: labels('inner_total'), samples: [{ value: 1, timestamp: now + 2 }, { value: 2, timestamp: now + 1 }] }]),
    );
    assert.match(violations.join('\n'), /out of order/);
  });

  it('reports a timestamp later than now + maxFutureMs', async () => {
    const { violations } = await send(await body([{ labels: labels('future'), samples: [{ value: 1, timestamp: Date.now() + 60000 }] }]));
    assert.match(violations.join('\n'), /in the future/);
  });

  it('reports WriteRequest field 3 (metadata) and a series without samples', async () => {
    const { violations } = await send(
      await body([{ labels: labels('meta'), samples: [] }], { metadata: [{ type: 1, metricFamilyName: 'meta', help: 'h', unit: '' }] }),
    );
    const text = violations.join('\n');
    assert.match(text, /field 3/);
    assert.match(text, /no samples/);
  });

  it('answers GET with 405 and another path with 404, reporting both', async () => {
    const before = prom.violations.length;
    assert.equal((await sendRequest(prom.url, { method: 'GET' })).status, 405);
    assert.equal((await sendRequest(prom.url.replace('/api/v1/write', '/api/v1/push'), { headers: GOOD_HEADERS, body: 'x' })).status, 404);
    assert.equal(prom.violations.length - before, 2);
  });

  it('captures basic auth per request', async () => {
    const b = await body([{ labels: labels('auth_total'), samples: [{ value: 1, timestamp: now }] }]);
    await send(b, [...GOOD_HEADERS, ['Authorization', 'Basic MTIzNDU2OmdsY19leGFtcGxl']]);
    assert.deepEqual(prom.requests[prom.requests.length - 1].basicAuth, { username: '123456', password: 'glc_example' });
  });
});

describe('startRemoteWriteReceiver with respond', () => {
  it('answers as scripted and stores nothing from a request answered non-2xx', async () => {
    let calls = 0;
    const prom = await startRemoteWriteReceiver({
      respond: () => (++calls === 1 ? { status: 503, headers: { 'Retry-After': '1' }, body: 'busy' } : undefined),
    });
    try {
      const now = Date.now() - 1000;
      const b = await body([{ labels: labels('retry_total'), samples: [{ value: 7, timestamp: now }] }]);
      const first = await sendRequest(prom.url, { headers: GOOD_HEADERS, body: b });
      assert.deepEqual([first.status, first.headers['retry-after'], first.body], [503, '1', 'busy']);
      assert.deepEqual(prom.samplesOf('retry_total'), []);
      const waiting = prom.waitFor((r) => r.samplesOf('retry_total').length === 1, 2000);
      assert.equal((await sendRequest(prom.url, { headers: GOOD_HEADERS, body: b })).status, 204);
      await waiting;
      assert.deepEqual(prom.violations, [], 'the retried identical body is not a duplicate: the first was not stored');
    } finally {
      await prom.close();
    }
  });

  it('rejects waitFor after the timeout', async () => {
    const prom = await startRemoteWriteReceiver();
    try {
      await assert.rejects(prom.waitFor((r) => r.requests.length > 0, 20), /timed out/);
    } finally {
      await prom.close();
    }
  });
});
