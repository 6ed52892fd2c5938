import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LOKI_MAX_STRUCTURED_METADATA_BYTES, LOKI_MAX_STRUCTURED_METADATA_ENTRIES } from '../../src/export/log-entry.js';
import { createPricer } from '../../src/pricing/price-call.js';
import { buildLogLine, copyContent, structuredMetadataOf, type LineContent, type LogLine } from '../../src/record/log-line.js';
import type { Observation } from '../../src/record/observation.js';
import { serializeLogLine } from '../../src/record/serialize-log-line.js';
import { repoRoot } from '../support/paths.js';

/** One row of the table in docs/log-line.md. */
interface DocumentedField {
  field: string;
  type: string;
  when: string;
  example: unknown;
}

/** Reads the "Fields" table of docs/log-line.md: the schema the code is held to. */
function documentedFields(): DocumentedField[] {
  const lines = readFileSync(join(repoRoot, 'docs', 'log-line.md'), 'utf8').split('\n');
  const header = lines.findIndex((l) => /^\|\s*field\s*\|\s*type\s*\|\s*when present\s*\|\s*meaning\s*\|\s*example\s*\|\s*$/.test(l));
  assert.ok(header >= 0, 'docs/log-line.md has the table | field | type | when present | meaning | example |');
  const rows: DocumentedField[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.slice(1, -1).split(' | ').map((c) => c.trim());
    assert.equal(cells.length, 5, `a row has 5 cells: ${line}`);
    const unquote = (cell: string): string => cell.replace(/^`(.*)`$/, '$1');
    rows.push({ field: unquote(cells[0]), type: cells[1], when: cells[2], example: JSON.parse(unquote(cells[4])) });
  }
  return rows;
}

/** Whether a value is of a documented type (the vocabulary docs/log-line.md defines above its table). */
function conforms(type: string, value: unknown): boolean {
  const oneOf = /^one of (.+)$/.exec(type);
  if (oneOf) return (JSON.parse(`[${oneOf[1]}]`) as unknown[]).includes(value);
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value) && value >= 0;
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'boolean': return typeof value === 'boolean';
    case 'true': return value === true;
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'string[]': return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'JSON': return value !== undefined;
    default: throw new Error(`docs/log-line.md uses a type the test does not know: ${type}`);
  }
}

// Every field of LogLine, checked by the compiler: a field added to LogLine and
// not here (or the reverse) does not compile, so the doc comparison below is complete.
const LINE_FIELDS: Record<keyof LogLine, true> = {
  source: true, operation: true, provider: true, server_address: true, request_model: true, response_model: true,
  stream: true, outcome: true, status: true, error: true, finish_reason: true, finish_reasons: true, usage: true,
  usage_estimated: true, cost_usd: true, duration_s: true, time_to_first_chunk_s: true, request_id: true,
  service_tier: true, prompt: true, response: true, truncated: true, trace_id: true, span_id: true,
};
const ERROR_FIELDS: Record<keyof NonNullable<LogLine['error']>, true> = { type: true, status: true, code: true, message: true };
const USAGE_FIELDS: Record<keyof NonNullable<LogLine['usage']>, true> = {
  input_tokens: true, output_tokens: true, total_tokens: true, cached_input_tokens: true, cache_write_input_tokens: true, reasoning_tokens: true,
};
const CODE_FIELDS = [
  ...Object.keys(LINE_FIELDS),
  ...Object.keys(ERROR_FIELDS).map((k) => `error.${k}`),
  ...Object.keys(USAGE_FIELDS).map((k) => `usage.${k}`),
];

const START = Date.UTC(2025, 6, 24, 12, 0, 0);
const messages = [{ role: 'user', content: 'how many angels can dance on the head of a pin' }];

function observation(extra: Partial<Observation>): Observation {
  return {
    source: 'node_chatv2', operation: 'chat', provider: 'openai', serverAddress: 'api.openai.com', requestModel: 'gpt-4.1',
    stream: false, startMs: START, endMs: START + 1234, durationS: 1.2345678, outcome: 'ok', prompt: messages, ...extra,
  };
}

const pricer = createPricer();
const content = { disableContent: false, maxContentLength: 20_000 };

/** The line as Loki receives it: built, serialised, parsed back. */
function lineOf(obs: Observation, options = content): Record<string, unknown> {
  const cost = pricer.price({ provider: obs.provider, model: obs.responseModel ?? obs.requestModel, usage: obs.usage, serviceTier: obs.serviceTier, atMs: obs.endMs });
  return JSON.parse(serializeLogLine(buildLogLine(obs, cost, options))) as Record<string, unknown>;
}

const CASES: Record<string, Record<string, unknown>> = {
  'ok call': lineOf(observation({
    responseModel: 'gpt-4.1-2025-04-14', status: 200, requestId: 'req_0d3c7f9e8b1a4c2d', serviceTier: 'default',
    finishReasons: ['stop'], responseText: 'Nobody knows.',
    usage: { input: 2000, output: 300, total: 2300, cachedInput: 1536, cacheWriteInput: 0, reasoningOutput: 192 },
  })),
  'several choices': lineOf(observation({ responseModel: 'gpt-4o-2024-08-06', status: 200, finishReasons: ['stop', 'length'], responseText: 'a\nb', usage: { input: 9, output: 4, total: 13 } })),
  'error with status': lineOf(observation({
    status: 429, outcome: 'error', error: { type: 'RateLimitError', status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota' },
  })),
  'aborted stream': lineOf(observation({
    stream: true, status: 200, outcome: 'aborted', responseModel: 'gpt-4.1-2025-04-14', timeToFirstChunkS: 0.4123064, responseText: 'The question',
    error: { type: 'APIUserAbortError', message: 'Request was aborted.' },
  })),
  'usage estimated': lineOf(observation({
    stream: true, status: 200, responseModel: 'gpt-4.1-2025-04-14', timeToFirstChunkS: 0.2, responseText: 'Hello!', finishReasons: ['stop'],
    usage: { input: 18, output: 2, total: 20 }, usageEstimated: true,
  })),
  'truncated content': lineOf(observation({ responseText: 'x'.repeat(500), prompt: [{ role: 'user', content: 'y'.repeat(500) }] }), { disableContent: false, maxContentLength: 100 }),
  'inside a span': lineOf(observation({
    status: 200, responseModel: 'gpt-4.1-2025-04-14', trace: { traceId: '5b8aa5a2d2c872e8321cf37308d69df2', spanId: '051581bf3cb55c13', sampled: true },
  })),
  'disable_content': lineOf(observation({ responseText: 'secret answer', prompt: [{ role: 'user', content: 'secret question' }] }), { disableContent: true, maxContentLength: 100 }),
};

/** [path, value] of every field of a line, descending into the fields documented as `object`. */
function fieldsOf(line: Record<string, unknown>, objectFields: Set<string>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(line)) {
    out.push([key, value]);
    if (objectFields.has(key) && typeof value === 'object' && value !== null) {
      for (const [inner, innerValue] of Object.entries(value)) out.push([`${key}.${inner}`, innerValue]);
    }
  }
  return out;
}

describe('the Loki line schema (docs/log-line.md)', () => {
  const doc = documentedFields();
  const byName = new Map(doc.map((row) => [row.field, row]));
  const objectFields = new Set(doc.filter((row) => row.type === 'object').map((row) => row.field));

  it('documents every field of LogLine, and no field LogLine lacks', () => {
    assert.deepEqual([...byName.keys()].sort(), [...CODE_FIELDS].sort());
    assert.equal(byName.size, doc.length, 'no field is documented twice');
  });

  it('gives each documented field an example of its documented type', () => {
    for (const row of doc) assert.ok(conforms(row.type, row.example), `${row.field}: example ${JSON.stringify(row.example)} is not ${row.type}`);
  });

  for (const [name, line] of Object.entries(CASES)) {
    it(`writes only documented fields, each of its documented type, in the "${name}" line`, () => {
      for (const [path, value] of fieldsOf(line, objectFields)) {
        const row = byName.get(path);
        assert.ok(row, `${path} is in the line but not in docs/log-line.md`);
        assert.ok(conforms(row.type, value), `${path} = ${JSON.stringify(value)} is not ${row.type}`);
      }
      for (const row of doc.filter((r) => r.when === 'always')) assert.ok(row.field in line, `${row.field} is documented as always present`);
    });
  }

  it('exercises every documented field in at least one of the lines above', () => {
    const seen = new Set(Object.values(CASES).flatMap((line) => fieldsOf(line, objectFields).map(([path]) => path)));
    assert.deepEqual(doc.map((row) => row.field).filter((f) => !seen.has(f)), []);
  });

  it('says error, status and the error class for a failed call, and has no usage or cost', () => {
    const line = CASES['error with status'];
    assert.equal(line.outcome, 'error');
    assert.equal(line.status, 429);
    assert.deepEqual(line.error, { type: 'RateLimitError', status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota' });
    assert.equal('usage' in line, false);
    assert.equal('cost_usd' in line, false);
  });

  it('leaves usage and cost out, rather than writing 0, when the server reported no usage', () => {
    const line = CASES['aborted stream'];
    assert.equal(line.outcome, 'aborted');
    assert.equal(line.time_to_first_chunk_s, 0.412306);
    assert.equal('usage' in line, false);
    assert.equal('cost_usd' in line, false);
    assert.equal('usage_estimated' in line, false);
  });

  it('marks estimated usage and prices it', () => {
    const line = CASES['usage estimated'];
    assert.equal(line.usage_estimated, true);
    assert.deepEqual(line.usage, { input_tokens: 18, output_tokens: 2, total_tokens: 20 });
    // gpt-4.1: $2 input, $8 output per 1M tokens (shared/reference/openai-pricing.md).
    assert.ok(Math.abs((line.cost_usd as number) - (18 * 2 + 2 * 8) / 1e6) < 1e-12);
  });

  it('cuts content to max_content_length and says so', () => {
    const line = CASES['truncated content'];
    assert.equal(line.truncated, true);
    assert.equal(line.response, 'x'.repeat(100));
    assert.deepEqual(line.prompt, [{ role: 'user', content: 'y'.repeat(100) }]);
  });

  it('names the trace and span the call was made in, and nothing of either outside a span', () => {
    assert.equal(CASES['inside a span'].trace_id, '5b8aa5a2d2c872e8321cf37308d69df2');
    assert.equal(CASES['inside a span'].span_id, '051581bf3cb55c13');
    assert.equal('trace_id' in CASES['ok call'], false);
    assert.equal('span_id' in CASES['ok call'], false);
  });

  it('carries no prompt or response text with disable_content', () => {
    const line = CASES['disable_content'];
    assert.equal('prompt' in line, false);
    assert.equal('response' in line, false);
    assert.ok(!JSON.stringify(line).includes('secret'));
  });
});

describe('copyContent', () => {
  it('counts a cut string at the length it was cut to, a whole one at its own', () => {
    const copied = copyContent(observation({ prompt: [{ role: 'user', content: 'y'.repeat(500) }], responseText: 'short' }), 100);
    assert.deepEqual(copied.prompt, [{ role: 'user', content: 'y'.repeat(100) }]);
    assert.equal(copied.response, 'short');
    assert.equal(copied.truncated, true);
    // The cut copy is a string of its own (one spare code unit), not a view of the 500.
    assert.equal(copied.heldChars, 101 + 'user'.length + 'short'.length);
  });

  it("keeps no cut message's original alive (issue 18: what the byte budget counts is what is held)", () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const copies: LineContent[] = [];
    // 20 messages of 1 MB each, cut to 1,000 characters: 20 KB of copies, unless each keeps its 1 MB original.
    for (let i = 0; i < 20; i++) copies.push(copyContent(observation({ prompt: [{ role: 'user', content: `${i} ${'x'.repeat(1_000_000)}` }] }), 1_000));
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 5_000_000, `${grown} bytes still held for 20 copies of 1,000 characters`);
    assert.equal(copies.length, 20);
    assert.equal((copies[7].prompt as { content: string }[])[0].content, `7 ${'x'.repeat(998)}`);
  });
});

describe('structuredMetadataOf', () => {
  it('gives the documented keys as strings, only those present (vector E7)', () => {
    const line = buildLogLine(observation({
      responseModel: 'gpt-4.1-2025-04-14', requestId: 'req_1', finishReasons: ['stop'], usage: { input: 19, output: 238, total: 257 },
    }), 0.001942, content);
    assert.deepEqual(structuredMetadataOf(line), {
      request_id: 'req_1', response_model: 'gpt-4.1-2025-04-14', finish_reason: 'stop', input_tokens: '19', output_tokens: '238', cost_usd: '0.001942',
    });
    assert.deepEqual(structuredMetadataOf(buildLogLine(observation({ outcome: 'error', error: { type: 'APIConnectionError', message: 'down' } }), undefined, content)), {});
  });

  it('carries trace_id and span_id for a call made inside a span', () => {
    const trace = { traceId: '5b8aa5a2d2c872e8321cf37308d69df2', spanId: '051581bf3cb55c13', sampled: false };
    assert.deepEqual(structuredMetadataOf(buildLogLine(observation({ trace }), undefined, content)), { trace_id: trace.traceId, span_id: trace.spanId });
  });

  it('stays within Loki bounds whatever a server sends', () => {
    const huge = '€'.repeat(200_000);
    const metadata = structuredMetadataOf(buildLogLine(observation({ responseModel: huge, requestId: huge, finishReasons: [huge] }), undefined, content));
    const bytes = Object.entries(metadata).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    assert.ok(Object.keys(metadata).length <= LOKI_MAX_STRUCTURED_METADATA_ENTRIES);
    assert.ok(bytes <= LOKI_MAX_STRUCTURED_METADATA_BYTES, `${bytes} bytes`);
    assert.ok(metadata.request_id.length > 0 && huge.startsWith(metadata.request_id));
  });

  it('follows the line after redact: a field redact removed is not sent as metadata either', () => {
    const line = buildLogLine(observation({ requestId: 'req_1', responseModel: 'gpt-4.1-2025-04-14' }), undefined, content);
    const redacted: LogLine = { ...line, request_id: undefined };
    assert.deepEqual(structuredMetadataOf(redacted), { response_model: 'gpt-4.1-2025-04-14' });
  });
});
