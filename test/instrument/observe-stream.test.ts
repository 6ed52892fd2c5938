import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { chatCompletionsEndpoint } from '../../src/instrument/endpoint-spec';
import { patchEndpoint } from '../../src/instrument/patch-endpoint';
import type { Observation } from '../../src/record/observation';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { loadOpenAI, newClient, type OpenAIClient } from '../support/openai-sdk';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];

async function collect(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe(`streams through the monitored openai ${sdk.version} client`, () => {
  let fake: FakeOpenAI;
  let seen: Observation[];
  let client: OpenAIClient;

  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.reset();
    seen = [];
    client = newClient(fake);
    patchEndpoint(client, chatCompletionsEndpoint, 'test', (o) => seen.push(o));
  });

  it('yields the same chunks as an unmonitored client and records the text and finish reason', async () => {
    const expected = await collect(await newClient(fake).chat.completions.create({ model: 'gpt-5-nano', messages, stream: true }));
    const actual = await collect(await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true }));
    assert.deepEqual(actual, expected);
    assert.equal(seen.length, 1);
    const text = expected
      .map((c) => (c as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
      .join('');
    assert.equal(seen[0].responseText, text);
    assert.equal(seen[0].stream, true);
    assert.equal(seen[0].outcome, 'ok');
    assert.deepEqual(seen[0].finishReasons, ['stop']);
    assert.ok(seen[0].timeToFirstChunkS !== undefined && seen[0].timeToFirstChunkS <= seen[0].durationS);
  });

  it('records usage when the app asked for include_usage, and the app still gets the usage chunk', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true, stream_options: { include_usage: true } }),
    );
    const last = chunks[chunks.length - 1] as { choices: unknown[]; usage: { prompt_tokens: number; completion_tokens: number } };
    assert.deepEqual(last.choices, []);
    assert.equal(seen[0].usage?.input, last.usage.prompt_tokens);
    assert.equal(seen[0].usage?.output, last.usage.completion_tokens);
  });

  it('records no usage (not zero) for a stream whose server reported none', async () => {
    await collect(await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true }));
    assert.equal(seen[0].usage, undefined);
  });

  it('break aborts the request and records an aborted call with what was seen', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true });
    let n = 0;
    for await (const _chunk of stream) {
      n += 1;
      if (n === 2) break;
    }
    assert.equal(stream.controller.signal.aborted, true);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'aborted');
  });

  it('tee gives both branches every chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true });
    const [left, right] = stream.tee();
    const [a, b] = await Promise.all([collect(left), collect(right)]);
    assert.ok(a.length > 1);
    assert.deepEqual(a, b);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'ok');
  });

  it('toReadableStream() still serialises every chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true });
    const readable = stream.toReadableStream() as unknown as { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } };
    const reader = readable.getReader();
    let lines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      lines += Buffer.from(value as Uint8Array).toString('utf8').split('\n').filter(Boolean).length;
    }
    assert.ok(lines > 1);
    assert.equal(seen.length, 1);
  });

  it('rethrows a mid-stream error frame to the app and records the call as an error', async () => {
    fake.replyWith(() => ({
      sseFrames: [
        { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] },
        { error: { message: 'The server had an error while processing your request.', type: 'server_error' } },
      ],
    }));
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    await assert.rejects(collect(stream), sdk.APIError);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'error');
    assert.equal(seen[0].responseText, 'Hel');
  });
});
