import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { serialize } from 'prometheus-remote-write';
// Typed by src/types/snappyjs.d.ts (snappyjs ships no declarations).
import SnappyJS from 'snappyjs';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../../src/testing/remote-write-receiver';
import { sendRequest } from '../support/send-request';

// Bodies are made with prometheus-remote-write's `serialize` and snappyjs, not
// with the library's encoder, so the receiver is judged independently of the
// code it exists to check. Each bad request must be caught: a receiver that lets
// one through would make users' tests prove nothing.

type Labels = { name: string; value: string }[];
interface HandSeries {
  labels: Labels;
  samples: { value: number; timestamp: number }[];
  exemplars?: { labels: Labels; value: number; timestamp: number }[];
}

const GOOD_HEADERS: [string, string][] = [
  ['Content-Encoding', 'snappy'],
  ['Content-Type', 'application/x-protobuf'],
  ['X-Prometheus-Remote-Write-Version', '0.1.0'],
  ['User-Agent', 'my-app/2.3.4'],
];

async function body(timeseries: HandSeries[]): Promise<Uint8Array> {
  const proto = await serialize({ timeseries } as never);
  return SnappyJS.compress(new Uint8Array(proto as ArrayBuffer));
}

/** Labels in the order given: `__name__` first, which is sorted as long as the others start with a lower-case letter. */
const labels = (name: string, more: Record<string, string> = {}): Labels => [
  { name: '__name__', value: name },
  ...Object.entries(more).map(([n, v]) => ({ name: n, value: v })),
];

describe('the remote-write testing receiver', () => {
  let prom: RemoteWriteReceiver;
  let t0: number;
  before(async () => {
    prom = await startRemoteWriteReceiver();
  });
  after(() => prom.close());
  beforeEach(() => {
    prom.reset();
    t0 = Date.now() - 60_000;
  });

  const send = async (timeseries: HandSeries[], headers = GOOD_HEADERS) => sendRequest(prom.url, { headers, body: await body(timeseries) });

  it('takes exemplars (TimeSeries field 3, as Prometheus sends with send_exemplars) as part of a conforming push', async () => {
    const res = await send([
      {
        labels: labels('d_bucket', { le: '1' }),
        samples: [{ value: 3, timestamp: t0 }],
        exemplars: [{ labels: [{ name: 'trace_id', value: '5b8aa5a2d2c872e8321cf37308d69df2' }], value: 0.7, timestamp: t0 - 5 }],
      },
    ]);
    assert.equal(res.status, 204);
    assert.deepEqual(prom.violations, []);
    assert.equal(prom.count('d_bucket'), 1);
  });

  it('stores a conforming push, answers 204 and reports no violation', async () => {
    const res = await send([
      { labels: labels('openai_totalTokens', { job: 'a', model: 'gpt-4o-2024-08-06' }), samples: [{ value: 30, timestamp: t0 }, { value: 12, timestamp: t0 + 5 }] },
      { labels: labels('openai_totalTokens', { job: 'a', model: 'gpt-4.1' }), samples: [{ value: 7, timestamp: t0 }] },
    ]);
    assert.equal(res.status, 204);
    assert.deepEqual(prom.violations, []);
    assert.deepEqual(prom.samples('openai_totalTokens', { model: 'gpt-4.1' }), [
      { labels: { __name__: 'openai_totalTokens', job: 'a', model: 'gpt-4.1' }, value: 7, timestampMs: t0 },
    ]);
    assert.equal(prom.count('openai_totalTokens'), 3);
    assert.equal(prom.sum('openai_totalTokens'), 49);
    assert.equal(prom.sum('openai_totalTokens', { model: /^gpt-4o/ }), 42);
    assert.equal(prom.count('openai_totalTokens', { model: 'no-such-model' }), 0);
    assert.equal(prom.series({ job: 'a' }).length, 2);
  });

  it('sums the newest value of each cumulative series with latest()', async () => {
    await send([
      { labels: labels('calls_total', { model: 'a' }), samples: [{ value: 1, timestamp: t0 }, { value: 3, timestamp: t0 + 1 }] },
      { labels: labels('calls_total', { model: 'b' }), samples: [{ value: 10, timestamp: t0 }] },
    ]);
    assert.equal(prom.latest('calls_total'), 13);
    assert.equal(prom.sum('calls_total'), 14);
  });

  it('refuses labels that are not sorted byte-wise, storing nothing', async () => {
    const res = await send([{ labels: [{ name: 'job', value: 'a' }, { name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: t0 }] }]);
    assert.equal(res.status, 400);
    assert.match(prom.violations.join('\n'), /^request #1: up: labels not sorted byte-wise: "job" before "__name__"/);
    assert.equal(prom.count('up'), 0);
  });

  it('reports a label with an empty value, a repeated label and a series without __name__', async () => {
    await send([
      { labels: labels('up', { env: '' }), samples: [{ value: 1, timestamp: t0 }] },
      { labels: labels('up', { a: '1' }).concat({ name: 'a', value: '2' }), samples: [{ value: 1, timestamp: t0 }] },
      { labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: t0 }] },
    ]);
    const all = prom.violations.join('\n');
    assert.match(all, /label "env" has an empty value/);
    assert.match(all, /label "a" appears twice/);
    assert.match(all, /no __name__ label/);
  });

  it('answers 415 to a wrong Content-Type and reports each missing or wrong header', async () => {
    const res = await send([{ labels: labels('up'), samples: [{ value: 1, timestamp: t0 }] }], [
      ['Content-Type', 'application/json'],
      ['Content-Encoding', 'snappy'],
      ['Content-Encoding', 'snappy'],
    ]);
    assert.equal(res.status, 415);
    const all = prom.violations.join('\n');
    assert.match(all, /Content-Type must be sent once as "application\/x-protobuf", got \["application\/json"\]/);
    assert.match(all, /Content-Encoding must be sent once as "snappy", got \["snappy","snappy"\]/);
    assert.match(all, /X-Prometheus-Remote-Write-Version must be sent once/);
    assert.match(all, /User-Agent must be sent once as name\/version, got \[\]/);
  });

  it('refuses a framed-snappy body, which Prometheus answers "snappy: corrupt input"', async () => {
    const framed = Buffer.concat([Buffer.from('ff060000734e61507059', 'hex'), Buffer.from(await body([{ labels: labels('up'), samples: [{ value: 1, timestamp: t0 }] }]))]);
    const res = await sendRequest(prom.url, { headers: GOOD_HEADERS, body: framed });
    assert.equal(res.status, 400);
    assert.match(prom.violations[0], /framed snappy/);
  });

  it('refuses a sample older than the newest stored one of its series, across requests', async () => {
    await send([{ labels: labels('up'), samples: [{ value: 1, timestamp: t0 + 10 }] }]);
    const res = await send([{ labels: labels('up'), samples: [{ value: 2, timestamp: t0 }] }]);
    assert.equal(res.status, 400);
    assert.match(prom.violations.join('\n'), /request #2: up: out of order sample/);
    assert.deepEqual(prom.samples('up').map((s) => s.value), [1]);
  });

  it('drops a resent identical sample silently (a retried push) but reports a different value at the same timestamp', async () => {
    const once = [{ labels: labels('up'), samples: [{ value: 1, timestamp: t0 }] }];
    assert.equal((await send(once)).status, 204);
    assert.equal((await send(once)).status, 204);
    assert.equal(prom.count('up'), 1);
    assert.deepEqual(prom.violations, []);
    assert.equal((await send([{ labels: labels('up'), samples: [{ value: 5, timestamp: t0 }] }])).status, 400);
    assert.match(prom.violations[0], /duplicate sample for timestamp/);
  });

  it('reports a timestamp in the future', async () => {
    const res = await send([{ labels: labels('up'), samples: [{ value: 1, timestamp: Date.now() + 60_000 }] }]);
    assert.equal(res.status, 400);
    assert.match(prom.violations[0], /in the future/);
  });

  it('answers 404 on another path, as Prometheus does, without calling it a violation of the client', async () => {
    const res = await sendRequest(`${prom.queryUrl}/api/v1/writ`, { headers: GOOD_HEADERS, body: await body([]) });
    assert.equal(res.status, 404);
    assert.equal(res.body, '404 page not found');
  });

  it('lets a respond hook script the answer, storing nothing on a non-2xx one', async () => {
    const scripted = await startRemoteWriteReceiver({ respond: (req) => (req.path === '/api/v1/write' ? { status: 503, body: 'overloaded' } : undefined) });
    try {
      const res = await sendRequest(scripted.url, { headers: GOOD_HEADERS, body: await body([{ labels: labels('up'), samples: [{ value: 1, timestamp: t0 }] }]) });
      assert.deepEqual([res.status, res.body], [503, 'overloaded']);
      assert.equal(scripted.requests[0].status, 503);
      assert.equal(scripted.count('up'), 0);
    } finally {
      await scripted.close();
    }
  });

  it('answers 401 to wrong credentials when basicAuth is set', async () => {
    const guarded = await startRemoteWriteReceiver({ basicAuth: { username: '123', password: 'tok' } });
    try {
      const payload = await body([{ labels: labels('up'), samples: [{ value: 1, timestamp: t0 }] }]);
      const wrong = `Basic ${Buffer.from('123:nope').toString('base64')}`;
      assert.equal((await sendRequest(guarded.url, { headers: [...GOOD_HEADERS, ['Authorization', wrong]], body: payload })).status, 401);
      assert.equal(guarded.count('up'), 0);
      const right = `Basic ${Buffer.from('123:tok').toString('base64')}`;
      assert.equal((await sendRequest(guarded.url, { headers: [...GOOD_HEADERS, ['Authorization', right]], body: payload })).status, 204);
      assert.deepEqual(guarded.requests[1].basicAuth, { username: '123', password: 'tok' });
    } finally {
      await guarded.close();
    }
  });

  it('resolves waitFor once a push makes the condition true, and rejects with the state when it never does', async () => {
    const waiting = prom.waitFor((r) => r.count('up') === 1, 2000);
    await send([{ labels: labels('up'), samples: [{ value: 1, timestamp: t0 }] }]);
    await waiting;
    await assert.rejects(prom.waitFor((r) => r.count('up') === 2, 50), /still false after 50 ms \(1 requests, 1 samples stored/);
  });

  it('answers an instant query with the newest sample per series within the 5-minute lookback', async () => {
    const now = Date.now();
    await send([
      { labels: labels('check', { id: 'a' }), samples: [{ value: 1, timestamp: now - 10 * 60_000 }, { value: 2, timestamp: now - 1000 }] },
      { labels: labels('check', { id: 'b' }), samples: [{ value: 3, timestamp: now - 10 * 60_000 }] },
    ]);
    const res = await sendRequest(`${prom.queryUrl}/api/v1/query?query=${encodeURIComponent('check{id=~"a|b"}')}`, { method: 'GET' });
    assert.equal(res.status, 200);
    const answer = JSON.parse(res.body) as { status: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    assert.equal(answer.status, 'success');
    assert.equal(answer.data.resultType, 'vector');
    assert.deepEqual(answer.data.result.map((r) => [r.metric.id, r.value[1]]), [['a', '2']]);
    const past = await sendRequest(`${prom.queryUrl}/api/prom/api/v1/query?query=check&time=${(now - 9 * 60_000) / 1000}`, { method: 'GET' });
    assert.deepEqual((JSON.parse(past.body) as typeof answer).data.result.map((r) => [r.metric.id, r.value[1]]).sort(), [['a', '1'], ['b', '3']]);
  });

  it('answers 400 bad_data to a query beyond a vector selector', async () => {
    const res = await sendRequest(`${prom.queryUrl}/api/v1/query?query=${encodeURIComponent('sum(rate(x[5m]))')}`, { method: 'GET' });
    assert.equal(res.status, 400);
    assert.equal((JSON.parse(res.body) as { errorType: string }).errorType, 'bad_data');
  });
});
