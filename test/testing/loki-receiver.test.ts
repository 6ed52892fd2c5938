import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startLokiReceiver, type LokiReceiver } from '../../src/testing/loki-receiver';
import { sendRequest } from '../support/send-request';

// Push bodies are written out by hand here (reference/wire-protocols.md §4), not
// with the library's encoder, so the receiver is judged on its own.

const JSON_TYPE: [string, string][] = [['Content-Type', 'application/json']];
const nowNs = (offsetMs = 0): string => `${Date.now() + offsetMs}000000`;

interface QueryAnswer {
  status: string;
  data: { resultType: string; result: { stream: Record<string, string>; values: [string, string][] }[] };
}

describe('the Loki testing receiver', () => {
  let loki: LokiReceiver;
  before(async () => {
    loki = await startLokiReceiver();
  });
  after(() => loki.close());
  beforeEach(() => loki.reset());

  const push = (body: unknown, headers = JSON_TYPE) => sendRequest(loki.url, { headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('stores a conforming push with each line parsed as JSON, and reports nothing', async () => {
    const ts = nowNs();
    const res = await push({
      streams: [
        { stream: { job: 'integrations/openai', level: 'info' }, values: [[ts, '{"status":200,"request_model":"gpt-4o"}']] },
        { stream: { job: 'integrations/openai', level: 'error' }, values: [[ts, 'not json']] },
      ],
    });
    assert.equal(res.status, 204);
    assert.deepEqual(loki.violations, []);
    assert.deepEqual(loki.lines({ level: 'info' }), [
      { labels: { job: 'integrations/openai', level: 'info' }, timestampNs: ts, line: '{"status":200,"request_model":"gpt-4o"}', json: { status: 200, request_model: 'gpt-4o' } },
    ]);
    assert.equal(loki.lines({ level: 'error' })[0].json, undefined);
    assert.equal(loki.count(), 2);
    assert.equal(loki.count({ level: /^err/ }), 1);
  });

  it('takes a gzip-encoded push', async () => {
    const body = gzipSync(JSON.stringify({ streams: [{ stream: { job: 'x' }, values: [[nowNs(), 'zipped']] }] }));
    const res = await sendRequest(loki.url, { headers: [...JSON_TYPE, ['Content-Encoding', 'gzip']], body });
    assert.equal(res.status, 204);
    assert.equal(loki.lines()[0].line, 'zipped');
  });

  it('refuses a timestamp sent as a JSON number, as Loki fails the whole push', async () => {
    const res = await push(`{"streams":[{"stream":{"job":"x"},"values":[[${Date.now()}000000,"a"],["${nowNs()}","b"]]}]}`);
    assert.equal(res.status, 400);
    assert.match(loki.violations[0], /^request #1: timestamp \d+ sent as a JSON number/);
    assert.equal(loki.count(), 0);
  });

  it('reports more than 15 labels, an over-long label value, an empty value and an over-long line', async () => {
    const many = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`l${i}`, 'v']));
    const res = await push({
      streams: [
        { stream: many, values: [[nowNs(), 'a']] },
        { stream: { job: 'x', prompt: 'p'.repeat(2049) }, values: [[nowNs(), 'b']] },
        { stream: { job: 'x', env: '' }, values: [[nowNs(), 'c']] },
        { stream: { job: 'x' }, values: [[nowNs(), 'd'.repeat(262145)]] },
      ],
    });
    assert.equal(res.status, 400);
    const all = loki.violations.join('\n');
    assert.match(all, /has 16 labels; Loki takes at most 15/);
    assert.match(all, /label prompt is 2049 bytes/);
    assert.match(all, /label env has an empty value/);
    assert.match(all, /a line of 262145 bytes/);
    assert.equal(loki.count(), 0);
  });

  it('reports timestamps more than 7 days old or 10 minutes ahead', async () => {
    await push({ streams: [{ stream: { job: 'x' }, values: [[nowNs(-8 * 24 * 3600_000), 'old'], [nowNs(11 * 60_000), 'new']] }] });
    const all = loki.violations.join('\n');
    assert.match(all, /more than 7 days old/);
    assert.match(all, /more than 10 minutes ahead/);
  });

  it('answers 422 to a push with no streams and 400 to a body that is not JSON or not labelled application/json', async () => {
    assert.equal((await push({ streams: [] })).status, 422);
    assert.equal((await push('{"streams":')).status, 400);
    assert.equal((await push({ streams: [{ stream: { job: 'x' }, values: [[nowNs(), 'a']] }] }, [['Content-Type', 'text/plain']])).status, 400);
    assert.equal(loki.violations.length, 3);
    assert.match(loki.violations[2], /Content-Type must be application\/json/);
  });

  it('drops an entry equal to a stored one silently, as Loki does with a retried push', async () => {
    const entry = { streams: [{ stream: { job: 'x' }, values: [[nowNs(), 'same']] }] };
    assert.equal((await push(entry)).status, 204);
    assert.equal((await push(entry)).status, 204);
    assert.equal(loki.count(), 1);
    assert.deepEqual(loki.violations, []);
  });

  it('answers a range query by stream selector and line filter, newest first, within start and end', async () => {
    const t = Date.now();
    await push({
      streams: [
        { stream: { job: 'check', level: 'info' }, values: [[`${t - 3000}000000`, 'first id-1'], [`${t - 2000}000000`, 'second id-2'], [`${t - 1000}000000`, 'third id-1']] },
        { stream: { job: 'other' }, values: [[`${t - 1000}000000`, 'id-1 elsewhere']] },
      ],
    });
    const query = (q: string, extra = '') => sendRequest(`${loki.queryUrl}/loki/api/v1/query_range?query=${encodeURIComponent(q)}${extra}`, { method: 'GET' });
    const res = await query('{job="check"} |= "id-1"');
    assert.equal(res.status, 200);
    const answer = JSON.parse(res.body) as QueryAnswer;
    assert.equal(answer.data.resultType, 'streams');
    assert.deepEqual(answer.data.result, [{ stream: { job: 'check', level: 'info' }, values: [[`${t - 1000}000000`, 'third id-1'], [`${t - 3000}000000`, 'first id-1']] }]);
    const windowed = JSON.parse((await query('{job=~"check|other"} != "second"', `&start=${t - 1500}000000&direction=forward`)).body) as QueryAnswer;
    assert.deepEqual(windowed.data.result.flatMap((s) => s.values.map((v) => v[1])).sort(), ['id-1 elsewhere', 'third id-1']);
    assert.equal((await query('sum(count_over_time({job="check"}[1m]))')).status, 400);
  });

  it('answers 401 to wrong credentials when basicAuth is set, queries included', async () => {
    const guarded = await startLokiReceiver({ basicAuth: { username: '654', password: 'tok' } });
    try {
      const body = JSON.stringify({ streams: [{ stream: { job: 'x' }, values: [[nowNs(), 'a']] }] });
      assert.equal((await sendRequest(guarded.url, { headers: JSON_TYPE, body })).status, 401);
      assert.equal((await sendRequest(`${guarded.queryUrl}/loki/api/v1/query_range?query=${encodeURIComponent('{job="x"}')}`, { method: 'GET' })).status, 401);
      const auth: [string, string] = ['Authorization', `Basic ${Buffer.from('654:tok').toString('base64')}`];
      assert.equal((await sendRequest(guarded.url, { headers: [...JSON_TYPE, auth], body })).status, 204);
      assert.equal(guarded.count(), 1);
    } finally {
      await guarded.close();
    }
  });

  it('resolves waitFor once a push arrives', async () => {
    const waiting = loki.waitFor((r) => r.count({ job: 'late' }) === 1, 2000);
    await push({ streams: [{ stream: { job: 'late' }, values: [[nowNs(), 'here']] }] });
    await waiting;
  });
});
