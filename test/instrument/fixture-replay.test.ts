import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatCompletionsEndpoint, completionsEndpoint, embeddingsEndpoint, responsesEndpoint } from '../../src/instrument/endpoint-spec';
import { hasEndpoint, patchEndpoint } from '../../src/instrument/patch-endpoint';
import type { Observation } from '../../src/record/observation';
import { endpointKind, fixtureIds, loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { callEndpoint, clientFor, requestBody, sseEvents } from '../support/fixture-replay';
import { loadOpenAI } from '../support/openai-sdk';

const sdk = loadOpenAI();
const ENDPOINTS = [chatCompletionsEndpoint, completionsEndpoint, responsesEndpoint, embeddingsEndpoint];

/** Everything an app can observe of a call: the value (streams: every chunk) or the error, and how the stream ended. */
async function outcome(pending: Promise<unknown>): Promise<{ value?: unknown; chunks?: unknown[]; error?: unknown }> {
  let result: unknown;
  try {
    result = await pending;
  } catch (error) {
    return { error };
  }
  if (typeof result !== 'object' || result === null || !(Symbol.asyncIterator in result)) return { value: result };
  const chunks: unknown[] = [];
  try {
    for await (const chunk of result as AsyncIterable<unknown>) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks };
}

function sameError(actual: unknown, expected: unknown): void {
  assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected));
  assert.equal((actual as Error).message, (expected as Error).message);
  assert.equal((actual as { status?: number }).status, (expected as { status?: number }).status);
  assert.deepEqual((actual as { error?: unknown }).error, (expected as { error?: unknown }).error);
}

/** Whether the recorded payload says how many tokens were used. */
function payloadHasUsage(id: string): boolean {
  const f = loadFixture(id);
  const text = f.body.toString('utf8');
  const objects = f.record.stream ? sseEvents(text).filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as unknown) : [JSON.parse(text) as unknown];
  const has = (o: unknown): boolean => {
    if (typeof o !== 'object' || o === null) return false;
    const record = o as { usage?: unknown; response?: unknown };
    const usage = record.usage as Record<string, unknown> | null | undefined;
    if (usage && (typeof usage.prompt_tokens === 'number' || typeof usage.input_tokens === 'number')) return true;
    return has(record.response);
  };
  return objects.some(has);
}

describe(`every recorded fixture through a monitored and an unmonitored openai ${sdk.version} client`, () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());

  for (const id of fixtureIds()) {
    const f = loadFixture(id);
    const kind = endpointKind(f.record.endpoint);
    it(`${id}: the app sees the same result or error, and the call is recorded`, async () => {
      assert.ok(kind);
      const body = requestBody(f, kind);
      // A stream whose recording ends with a usage chunk was asked for it: send what produced it.
      if (f.record.stream && kind !== 'responses' && payloadHasUsage(id)) body.stream_options = { include_usage: true };
      const headers = { 'x-fixture': id };
      const plain = clientFor(fake, f.record, String(body.model)).client;
      const monitored = clientFor(fake, f.record, String(body.model)).client;
      const seen: Observation[] = [];
      for (const spec of ENDPOINTS) if (hasEndpoint(monitored, spec)) patchEndpoint(monitored, spec, 'replay', (o) => seen.push(o));

      const expected = await outcome(callEndpoint(plain, kind, { ...body }, headers));
      const actual = await outcome(callEndpoint(monitored, kind, { ...body }, headers));
      assert.deepEqual(actual.value, expected.value);
      assert.deepEqual(actual.chunks, expected.chunks);
      if (expected.error !== undefined) sameError(actual.error, expected.error);
      else assert.equal(actual.error, undefined);

      assert.equal(seen.length, 1, 'exactly one observation');
      const o = seen[0];
      assert.equal(o.outcome, expected.error === undefined ? 'ok' : 'error');
      if (f.record.status >= 400) assert.equal(o.status, f.record.status);
      if (expected.error === undefined && payloadHasUsage(id)) {
        assert.ok(o.usage !== undefined && (o.usage.input !== undefined || o.usage.total !== undefined), `usage not recorded: ${JSON.stringify(o.usage)}`);
      }
      if (expected.error === undefined && kind !== 'embeddings') assert.ok(o.responseModel !== undefined || f.record.stream, 'response model recorded');
    });
  }
});
