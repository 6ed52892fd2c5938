import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOKI_MAX_LINE_BYTES } from '../../src/export/log-entry.js';
import { buildLogLine, type LogLine } from '../../src/record/log-line.js';
import type { Observation } from '../../src/record/observation.js';
import { MAX_LINE_BYTES, serializeLogLine } from '../../src/record/serialize-log-line.js';

const LIMIT = 262_144; // Loki's max_line_size default (wire-protocols.md §4)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function observation(extra: Partial<Observation>): Observation {
  return {
    source: 'node_chatv2', operation: 'chat', provider: 'openai', requestModel: 'gpt-4.1', responseModel: 'gpt-4.1-2025-04-14',
    stream: false, startMs: 1_753_357_673_000, endMs: 1_753_357_674_000, durationS: 1, outcome: 'ok', status: 200,
    requestId: 'req_0d3c7f9e8b1a4c2d', finishReasons: ['stop'], usage: { input: 75_000, output: 12, total: 75_012 }, ...extra,
  };
}

/** A line as buildLogLine makes it when max_content_length lets everything through. */
function lineOf(obs: Observation): LogLine {
  return buildLogLine(obs, 0.150096, { disableContent: false, maxContentLength: 10_000_000 });
}

/** Every string anywhere in a parsed value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...stringsOf(v)]);
}

/** Serialises and checks what every line must be: within the limit, JSON, no lone surrogate. */
function fitted(line: LogLine): Record<string, unknown> {
  const json = serializeLogLine(line);
  const bytes = Buffer.byteLength(json, 'utf8');
  assert.ok(bytes <= LIMIT, `${bytes} bytes`);
  const parsed = JSON.parse(json) as Record<string, unknown>;
  for (const s of stringsOf(parsed)) assert.ok(!LONE_SURROGATE.test(s), 'no string ends or starts inside a surrogate pair');
  return parsed;
}

describe('serializeLogLine', () => {
  it("uses Loki's 262,144-byte line limit by default", () => {
    assert.equal(MAX_LINE_BYTES, LIMIT);
    assert.equal(LOKI_MAX_LINE_BYTES, LIMIT);
  });

  it('returns a line that fits as plain JSON, unchanged and not marked truncated', () => {
    const line = lineOf(observation({ prompt: [{ role: 'user', content: 'Say hello' }], responseText: 'Hello!' }));
    const json = serializeLogLine(line);
    assert.equal(json, JSON.stringify(line));
    assert.equal('truncated' in JSON.parse(json), false);
  });

  for (const [name, char] of [['3-byte', '€'], ['4-byte (surrogate pairs)', '😀'], ['mixed 1-4 byte', 'aé€😀']] as const) {
    it(`cuts a 300,000-byte prompt of ${name} characters to fit, on a character boundary (vector E11)`, () => {
      const text = char.repeat(Math.ceil(300_000 / Buffer.byteLength(char)));
      assert.ok(Buffer.byteLength(text) >= 300_000);
      const line = fitted(lineOf(observation({ prompt: text, responseText: 'Hi' })));
      assert.equal(line.truncated, true);
      const prompt = line.prompt as string;
      assert.ok(text.startsWith(prompt), 'the kept prompt is the start of the original');
      assert.ok(Buffer.byteLength(prompt) > 200_000, `only as much is cut as needed: ${Buffer.byteLength(prompt)} bytes kept`);
      assert.equal(line.response, 'Hi', 'a short response is kept whole');
      assert.deepEqual(line.usage, { input_tokens: 75_000, output_tokens: 12, total_tokens: 75_012 });
    });
  }

  it('fits a prompt of many messages: the start of their JSON text is kept', () => {
    const messages = Array.from({ length: 5_000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}: ${'é'.repeat(100)}` }));
    const line = fitted(lineOf(observation({ prompt: messages, responseText: 'done' })));
    assert.equal(line.truncated, true);
    assert.equal(typeof line.prompt, 'string');
    assert.ok(JSON.stringify(messages).startsWith(line.prompt as string));
    assert.ok((line.prompt as string).startsWith('[{"role":"user","content":"message 0: '));
  });

  it('shares the room between a huge prompt and a huge response', () => {
    const line = fitted(lineOf(observation({ prompt: 'p'.repeat(400_000), responseText: 'r'.repeat(400_000) })));
    const prompt = line.prompt as string;
    const response = line.response as string;
    assert.ok(prompt.length > 100_000 && response.length > 100_000, `${prompt.length} + ${response.length}`);
  });

  it('counts JSON escaping: 300,000 control characters (6 bytes each escaped) still fit', () => {
    const line = fitted(lineOf(observation({ prompt: '\u0001"\\'.repeat(100_000), responseText: '\n'.repeat(300_000) })));
    assert.equal(line.truncated, true);
  });

  it('cuts a huge error message and keeps usage, cost, ids and content', () => {
    const message = `upstream said: ${'boom '.repeat(200_000)}`;
    const line = fitted(lineOf(observation({
      outcome: 'error', status: 500, error: { type: 'InternalServerError', status: 500, message },
      prompt: [{ role: 'user', content: 'Say hello' }],
    })));
    assert.equal(line.truncated, true);
    const error = line.error as { type: string; status: number; message: string };
    assert.equal(error.type, 'InternalServerError');
    assert.equal(error.status, 500);
    assert.ok(message.startsWith(error.message) && error.message.length >= 1000);
    assert.equal(line.request_id, 'req_0d3c7f9e8b1a4c2d');
    assert.equal(line.cost_usd, 0.150096);
    assert.deepEqual(line.prompt, [{ role: 'user', content: 'Say hello' }]);
  });

  it('keeps the identifying fields when a redact() added more than any line can hold', () => {
    const base = lineOf(observation({ prompt: 'hi' }));
    const bloated = { ...base, notes: Array.from({ length: 200 }, () => '€'.repeat(10_000)) } as LogLine;
    const line = fitted(bloated);
    assert.equal(line.truncated, true);
    assert.equal(line.source, 'node_chatv2');
    assert.equal(line.outcome, 'ok');
    assert.equal(line.response_model, 'gpt-4.1-2025-04-14');
  });

  it('honours a smaller limit given as the second argument', () => {
    const json = serializeLogLine(lineOf(observation({ prompt: 'x'.repeat(10_000) })), 2_000);
    assert.ok(Buffer.byteLength(json) <= 2_000);
    assert.equal((JSON.parse(json) as { truncated: boolean }).truncated, true);
  });
});
