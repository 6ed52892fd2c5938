import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { chatCompletionsEndpoint } from '../../src/instrument/endpoint-spec';
import { patchEndpoint } from '../../src/instrument/patch-endpoint';
import type { Observation } from '../../src/record/observation';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { loadOpenAI, newClient, type OpenAIClient } from '../support/openai-sdk';

/**
 * A stream the app aborts midway (issue 22 item 8). The SDK's iterator ends
 * quietly when its controller is aborted (`Stream` catches the AbortError and
 * returns), so without looking at the controller the call looked complete.
 */

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];

function frames(n: number): (object | string)[] {
  const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06' };
  const out: (object | string)[] = [];
  for (let i = 0; i < n; i++) out.push({ ...base, choices: [{ index: 0, delta: { content: `w${i} ` }, finish_reason: null }] });
  out.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }, 'data: [DONE]\n\n');
  return out;
}

describe(`a stream aborted midway (openai ${sdk.version})`, () => {
  let fake: FakeOpenAI;
  let client: OpenAIClient;
  let seen: Observation[];

  before(async () => {
    // Pieces of 40 bytes, 5 ms apart: the abort lands while the body is still arriving.
    fake = await startFakeOpenAI({ sseChunkBytes: 40, sseChunkDelayMs: 5 });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.replyWith(() => ({ sseFrames: frames(60) }));
    seen = [];
    client = newClient(fake);
    patchEndpoint(client, chatCompletionsEndpoint, 'test', (o) => seen.push(o));
  });

  it('is recorded as aborted when the app aborts the signal it passed', async () => {
    const abort = new AbortController();
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }, { signal: abort.signal });
    const chunks: unknown[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      if (chunks.length === 3) abort.abort();
    }
    assert.ok(chunks.length < 60, `the app got ${chunks.length} chunks: the abort came too late to test anything`);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'aborted');
    assert.match(seen[0].responseText ?? '', /^w0 w1 w2 /);
  });

  it('is recorded as aborted when the app calls stream.controller.abort()', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    let n = 0;
    for await (const _chunk of stream) if (++n === 2) stream.controller.abort();
    assert.ok(n < 60);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'aborted');
  });

  it('is still recorded as ok when read to the end', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    let n = 0;
    for await (const _chunk of stream) n += 1;
    assert.equal(n, 61);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'ok');
  });
});
