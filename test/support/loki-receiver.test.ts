import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { LokiReceiver, startLokiReceiver } from './loki-receiver.js';
import { sendRequest } from './send-request.js';

// Bodies are written by hand (plain JSON.stringify), not by our encoder, so the
// receiver is checked independently of the code it will later judge.

const JSON_TYPE: [string, string][] = [['Content-Type', 'application/json']];
const LABELS = { job: 'integrations/openai', model: 'gpt-4o', level: 'info' };
let counter = 0;
/** A fresh, valid nanosecond timestamp string (unique per call). */
const ts = (offsetMs = 0): string => `${Date.now() + offsetMs}${String(++counter).padStart(6, '0')}`;
const push = (streams: unknown[]): string => JSON.stringify({ streams });

describe('startLokiReceiver', () => {
  let loki: LokiReceiver;
  before(async () => {
    loki = await startLokiReceiver();
  });
  after(() => loki.close());

  const send = async (body: string | Uint8Array, headers = JSON_TYPE) => {
    const before = loki.violations.length;
    const storedBefore = loki.entries().length;
    const res = await sendRequest(loki.url, { headers, body });
    return { res, violations: loki.violations.slice(before), stored: loki.entries().slice(storedBefore) };
  };

  it('stores a correct push, answers 204 and reports nothing (E1)', async () => {
    const t = ts();
    const { res, violations, stored } = await send(push([{ stream: LABELS, values: [[t, '{"status":200}']] }]));
    assert.equal(res.status, 204);
    assert.deepEqual(violations, []);
    assert.deepEqual(stored, [{ labels: LABELS, timestampNs: t, line: '{"status":200}', structuredMetadata: undefined, json: { status: 200 } }]);
    assert.match(loki.url, /^http:\/\/127\.0\.0\.1:\d+\/loki\/api\/v1\/push$/);
  });

  it('rejects a numeric timestamp with 400, stores nothing of the request and reports it (E3)', async () => {
    const body = `{"streams":[{"stream":{"job":"x"},"values":[["${ts()}","fine"],[1700000000123000000,"numeric"]]}]}`;
    const { res, violations, stored } = await send(body);
    assert.equal(res.status, 400);
    assert.match(violations.join('\n'), /JSON number/);
    assert.deepEqual(stored, []);
  });

  it('answers 400 to a missing or other Content-Type', async () => {
    const body = push([{ stream: LABELS, values: [[ts(), 'x']] }]);
    const missing = await send(body, []);
    const other = await send(body, [['Content-Type', 'text/plain']]);
    assert.deepEqual([missing.res.status, other.res.status], [400, 400]);
    assert.equal(missing.violations.length + other.violations.length, 2);
  });

  it('accepts Content-Type parameters and a gzip body (E4)', async () => {
    const { res, stored } = await send(gzipSync(push([{ stream: LABELS, values: [[ts(), 'zipped']] }])), [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Content-Encoding', 'gzip'],
    ]);
    assert.equal(res.status, 204);
    assert.deepEqual(
      stored.map((e) => e.line),
      ['zipped'],
    );
  });

  it('answers 422 to a push without streams and reports it (E14)', async () => {
    const { res, violations } = await send(push([]));
    assert.equal(res.status, 422);
    assert.match(violations.join('\n'), /empty push/);
  });

  it('rejects a stream with 16 labels or a 2049-byte value but stores the valid stream beside it (E10)', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 16; i++) many[`l${i}`] = 'v';
    const okTs = ts();
    const { res, violations, stored } = await send(
      push([
        { stream: many, values: [[ts(), 'too many labels']] },
        { stream: { job: 'x', prompt: 'p'.repeat(2049) }, values: [[ts(), 'prompt in a label']] },
        { stream: LABELS, values: [[okTs, 'kept']] },
      ]),
    );
    assert.equal(res.status, 400);
    assert.match(res.body, /16 label names; limit 15/);
    const text = violations.join('\n');
    assert.match(text, /16 label names/);
    assert.match(text, /label value too long \(2049 bytes\)/);
    assert.deepEqual(
      stored.map((e) => [e.timestampNs, e.line]),
      [[okTs, 'kept']],
    );
  });

  it('rejects a line over 262,144 bytes, too old or too new entries, and keeps the rest (E11, E12)', async () => {
    const okTs = ts();
    const { res, violations, stored } = await send(
      push([
        {
          stream: LABELS,
          values: [
            [ts(), 'é'.repeat(131073)], // 262,146 bytes in 131,073 characters
            [ts(-8 * 24 * 3600 * 1000), 'eight days old'],
            [ts(20 * 60 * 1000), 'twenty minutes ahead'],
            [okTs, 'kept'],
          ],
        },
      ]),
    );
    assert.equal(res.status, 400);
    assert.match(res.body, /Max entry size '262144' bytes exceeded/);
    assert.match(res.body, /timestamp too old/);
    assert.match(res.body, /timestamp too new/);
    assert.equal(violations.length, 3);
    assert.deepEqual(
      stored.map((e) => e.line),
      ['kept'],
    );
  });

  it('drops an entry equal (ts and line) to a stored one, counts it and reports it (E13)', async () => {
    const t = ts();
    const dropped = loki.duplicatesDropped;
    await send(push([{ stream: LABELS, values: [[t, 'once']] }]));
    const { res, violations, stored } = await send(push([{ stream: LABELS, values: [[t, 'once'], [t, 'same ts, other line']] }]));
    assert.equal(res.status, 204, 'Loki drops the repeat silently');
    assert.equal(loki.duplicatesDropped, dropped + 1);
    assert.match(violations.join('\n'), /duplicate entry/);
    assert.deepEqual(
      stored.map((e) => e.line),
      ['same ts, other line'],
    );
  });

  it('keeps structured metadata and captures basic auth', async () => {
    const { stored } = await send(push([{ stream: LABELS, values: [[ts(), 'with metadata', { request_id: 'r1' }]] }]), [
      ...JSON_TYPE,
      ['Authorization', 'Basic MTIzNDU2OmdsY19leGFtcGxl'],
    ]);
    assert.deepEqual(stored[0].structuredMetadata, { request_id: 'r1' });
    assert.deepEqual(loki.requests[loki.requests.length - 1].basicAuth, { username: '123456', password: 'glc_example' });
  });

  it('answers 404 to another path or method and reports it', async () => {
    const before = loki.violations.length;
    assert.equal((await sendRequest(loki.url.replace('/push', '/pushx'), { headers: JSON_TYPE, body: '{}' })).status, 404);
    assert.equal((await sendRequest(loki.url, { method: 'GET' })).status, 404);
    assert.equal(loki.violations.length - before, 2);
  });
});

describe('startLokiReceiver with respond', () => {
  it('answers as scripted and stores nothing from a request answered non-2xx', async () => {
    let calls = 0;
    const loki = await startLokiReceiver({ respond: () => (++calls === 1 ? { status: 429, body: 'Ingestion rate limit exceeded' } : undefined) });
    try {
      const body = push([{ stream: LABELS, values: [[ts(), 'retried']] }]);
      const first = await sendRequest(loki.url, { headers: JSON_TYPE, body });
      assert.deepEqual([first.status, first.body], [429, 'Ingestion rate limit exceeded']);
      assert.equal(loki.entries().length, 0);
      const waiting = loki.waitFor((r) => r.entries().length === 1, 2000);
      assert.equal((await sendRequest(loki.url, { headers: JSON_TYPE, body })).status, 204);
      await waiting;
      assert.deepEqual(loki.violations, []);
    } finally {
      await loki.close();
    }
  });
});
