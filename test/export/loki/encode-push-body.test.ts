import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLokiPushBody, encodeLokiPushBodySteps } from '../../../src/export/loki/encode-push-body.js';
import { runAtOnce } from '../../../src/export/sliced-work.js';
import { LogEntry, makeLokiStream } from '../../../src/export/log-entry.js';
import { LokiReceiver, startLokiReceiver } from '../../support/loki-receiver.js';
import { sendRequest } from '../../support/send-request.js';

const stream = makeLokiStream({ job: 'integrations/openai', model: 'gpt-4o', environment: 'default', level: 'info' });
const nowNs = (offset: number): string => `${Date.now()}${String(offset).padStart(6, '0')}`;

interface PushBody {
  streams: { stream: Record<string, string>; values: unknown[][] }[];
}

describe('encodeLokiPushBody', () => {
  it('writes one entry as vector E1, the timestamp a JSON string', () => {
    const body = encodeLokiPushBody([{ stream, timestampNs: '1700000000123000000', line: '{"status":200}' }]);
    assert.equal(
      body,
      '{"streams":[{"stream":{"environment":"default","job":"integrations/openai","level":"info","model":"gpt-4o"},' +
        '"values":[["1700000000123000000","{\\"status\\":200}"]]}]}',
    );
    const parsed = JSON.parse(body) as PushBody;
    assert.equal(typeof parsed.streams[0].values[0][0], 'string');
    assert.match(parsed.streams[0].values[0][0] as string, /^[0-9]{19}$/);
  });

  it('keeps lines with quotes, backslashes, newlines, control characters and emoji intact', () => {
    const line = 'say "hi"\\n\nnext\tline \u0001 日本 🚀 \u2028';
    const parsed = JSON.parse(encodeLokiPushBody([{ stream, timestampNs: '1', line }])) as PushBody;
    assert.equal(parsed.streams[0].values[0][1], line);
  });

  it('groups 5,000 calls with distinct prompts into one stream per label set, prompts only in lines (E9)', () => {
    const other = makeLokiStream({ job: 'integrations/openai', model: 'gpt-4o-mini', environment: 'default', level: 'info' });
    const entries: LogEntry[] = [];
    for (let i = 0; i < 5000; i++) {
      entries.push({
        stream: i % 2 === 0 ? stream : other,
        timestampNs: String(1700000000000000000n + BigInt(i)),
        line: JSON.stringify({ prompt: `prompt number ${i}` }),
      });
    }
    const parsed = JSON.parse(encodeLokiPushBody(entries)) as PushBody;
    assert.equal(parsed.streams.length, 2);
    assert.deepEqual(parsed.streams[0].stream, stream.labels);
    assert.deepEqual(parsed.streams[1].stream, other.labels);
    assert.equal(parsed.streams[0].values.length, 2500);
    // Values keep the order given within each stream.
    assert.deepEqual(
      parsed.streams[1].values.slice(0, 3).map((v) => JSON.parse(v[1] as string).prompt),
      ['prompt number 1', 'prompt number 3', 'prompt number 5'],
    );
    assert.ok(!JSON.stringify(parsed.streams.map((s) => s.stream)).includes('prompt'));
  });

  it('treats streams with equal labels as one stream even when they are different objects', () => {
    const twin = makeLokiStream({ level: 'info', model: 'gpt-4o', environment: 'default', job: 'integrations/openai' });
    const parsed = JSON.parse(
      encodeLokiPushBody([
        { stream, timestampNs: '1', line: 'a' },
        { stream: twin, timestampNs: '2', line: 'b' },
      ]),
    ) as PushBody;
    assert.equal(parsed.streams.length, 1);
    assert.deepEqual(parsed.streams[0].values, [
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });

  it('returns a body with no streams only when asked to encode nothing; exporters skip empty batches (E14)', () => {
    assert.equal(encodeLokiPushBody([]), '{"streams":[]}');
  });

  it('leaves out an entry whose timestamp is not a decimal string rather than sending a number', () => {
    const bad = { stream, timestampNs: 1700000000123000000 as unknown as string, line: 'numeric' };
    const parsed = JSON.parse(
      encodeLokiPushBody([bad, { stream, timestampNs: 'soon', line: 'word' }, { stream, timestampNs: '1700000000123000001', line: 'ok' }]),
    ) as PushBody;
    assert.deepEqual(parsed.streams[0].values, [['1700000000123000001', 'ok']]);
  });

  it('writes, in steps, byte for byte the body it writes at once: several streams, pieces, metadata, emoji and lone surrogates', () => {
    const other = makeLokiStream({ job: 'integrations/openai', model: 'modèle 🚀', level: 'error' });
    const entries: LogEntry[] = [];
    for (let i = 0; i < 300; i++) {
      const line = JSON.stringify({ i, text: `answer ${i} "quoted" \\ 日本 🚀 \u2028` }) + (i === 7 ? '\ud800 lone' : '');
      const base = { stream: i % 3 === 0 ? other : stream, timestampNs: String(1700000000000000000n + BigInt(i)), line };
      entries.push(i % 5 === 0 ? { ...base, structuredMetadata: { request_id: `req_${i}` } } : base);
    }
    let pauses = 0;
    const steps = encodeLokiPushBodySteps(entries);
    for (let step = steps.next(); step.done !== true; step = steps.next()) pauses += 1;
    assert.ok(pauses >= 4, `300 entries should be written in several pieces, paused ${pauses} times`);
    const atOnce = Buffer.from(encodeLokiPushBody(entries), 'utf8');
    assert.ok(Buffer.concat(runAtOnce(encodeLokiPushBodySteps(entries))).equals(atOnce));
    assert.ok(Buffer.concat(runAtOnce(encodeLokiPushBodySteps([]))).equals(Buffer.from('{"streams":[]}')));
  });

  describe('against the loopback Loki', () => {
    let loki: LokiReceiver;
    before(async () => {
      loki = await startLokiReceiver();
    });
    after(() => loki.close());

    it('is accepted with 204 and stored entry for entry', async () => {
      const entries: LogEntry[] = [
        { stream, timestampNs: nowNs(1), line: JSON.stringify({ status: 200, text: 'héllo "x"\n' }) },
        { stream: makeLokiStream({ job: 'integrations/openai', level: 'error' }), timestampNs: nowNs(2), line: 'plain' },
        { stream, timestampNs: nowNs(3), line: '{"status":201}' },
      ];
      const res = await sendRequest(loki.url, {
        headers: [['Content-Type', 'application/json']],
        body: encodeLokiPushBody(entries),
      });
      assert.equal(res.status, 204, res.body);
      assert.deepEqual(loki.violations, []);
      const stored = loki.entries();
      assert.deepEqual(
        stored.map((e) => [e.labels, e.timestampNs, e.line]),
        [entries[0], entries[2], entries[1]].map((e) => [e.stream.labels, e.timestampNs, e.line]),
      );
      assert.deepEqual(stored[0].json, { status: 200, text: 'héllo "x"\n' });
    });
  });
});
