import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { patchClassEndpoint } from '../../src/instrument/class-target';
import { chatCompletionsEndpoint, embeddingsEndpoint, responsesEndpoint, type EndpointSpec } from '../../src/instrument/endpoint-spec';
import { patchEndpoint } from '../../src/instrument/patch-endpoint';
import type { Observation } from '../../src/record/observation';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { loadOpenAI, newClient, type OpenAIClient } from '../support/openai-sdk';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const chatBody = { model: 'gpt-4.1', messages };

async function collect(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The prototype that holds `create` for chat completions in this SDK: where a class monitor patches. */
function chatPrototype(): { create: unknown } {
  return (sdk.OpenAI as unknown as { Chat: { Completions: { prototype: { create: unknown } } } }).Chat.Completions.prototype;
}

function azureClient(fake: FakeOpenAI): OpenAIClient {
  return new sdk.AzureOpenAI({ apiKey: 'azure-test-key', endpoint: fake.origin, apiVersion: '2024-10-21', maxRetries: 0 }) as unknown as OpenAIClient;
}

describe(`monitoring the openai ${sdk.version} OpenAI class`, () => {
  let fake: FakeOpenAI;
  let seen: Observation[];
  const unpatches: Array<() => void> = [];
  const sink = (o: Observation): void => void seen.push(o);

  function patchClass(clientClass: Function = sdk.OpenAI, spec: EndpointSpec = chatCompletionsEndpoint, key = 'test'): () => void {
    const unpatch = patchClassEndpoint(clientClass, spec, key, sink);
    unpatches.push(unpatch);
    return unpatch;
  }

  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.reset();
    seen = [];
  });
  afterEach(() => {
    for (const unpatch of unpatches.splice(0)) unpatch();
  });

  it('observes clients built before and after the class is patched, each call once', async () => {
    const built = newClient(fake);
    patchClass();
    const later = newClient(fake);
    await built.chat.completions.create(chatBody);
    await later.chat.completions.create(chatBody);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen.map((o) => [o.source, o.requestModel, o.serverAddress]), [
      ['node_chatv2', 'gpt-4.1', '127.0.0.1'],
      ['node_chatv2', 'gpt-4.1', '127.0.0.1'],
    ]);
  });

  it('observes the clients withOptions() returns', { skip: sdk.major === 4 ? 'openai 4 has no withOptions()' : false }, async () => {
    patchClass();
    const derived = (newClient(fake) as unknown as { withOptions(o: object): OpenAIClient }).withOptions({ timeout: 5000 });
    await derived.chat.completions.create(chatBody);
    assert.equal(seen.length, 1);
  });

  it('observes AzureOpenAI clients when OpenAI is monitored, as Azure calls', async () => {
    patchClass();
    await azureClient(fake).chat.completions.create({ model: 'gpt-5-nano', messages });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].provider, 'azure.ai.openai');
  });

  it('a monitor of AzureOpenAI leaves plain OpenAI clients alone', async () => {
    patchClass(sdk.AzureOpenAI);
    await newClient(fake).chat.completions.create(chatBody);
    assert.equal(seen.length, 0);
    await azureClient(fake).chat.completions.create({ model: 'gpt-5-nano', messages });
    assert.equal(seen.length, 1);
  });

  it('gives the app exactly what an unmonitored client gives', async () => {
    const expected = await newClient(fake).chat.completions.create(chatBody);
    patchClass();
    const actual = await newClient(fake).chat.completions.create(chatBody);
    assert.deepEqual(actual, expected);
    assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected));
    assert.equal((actual as { _request_id?: string })._request_id, (expected as { _request_id?: string })._request_id);
    assert.equal(seen.length, 1);
  });

  it('rethrows an API error as the very same class and message, and records it', async () => {
    fake.reply('errors.429.insufficient_quota', { times: 2 });
    const expected = await newClient(fake).chat.completions.create(chatBody).catch((e: unknown) => e);
    patchClass();
    const error = await newClient(fake).chat.completions.create(chatBody).catch((e: unknown) => e);
    assert.ok(error instanceof sdk.module.RateLimitError);
    assert.equal(Object.getPrototypeOf(error), Object.getPrototypeOf(expected));
    assert.equal((error as Error).message, (expected as Error).message);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'error');
    assert.equal(seen[0].status, 429);
  });

  it('copes with .withResponse() and .asResponse()', async () => {
    patchClass();
    const client = newClient(fake);
    const { data, response } = await client.chat.completions.create(chatBody).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(response.status, 200);
    const raw = await client.chat.completions.create(chatBody).asResponse();
    assert.equal(((await raw.json()) as { object: string }).object, 'chat.completion');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, 2);
    assert.equal(seen[0].usage?.input, JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8')).usage.prompt_tokens);
  });

  it('chat.completions.parse() still returns parsed structured output, recorded once', async () => {
    patchClass();
    const client = newClient(fake);
    fake.replyWith(() => ({
      body: {
        id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-2024-08-06',
        choices: [{ index: 0, message: { role: 'assistant', content: '{"greeting":"hello"}', refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
      },
    }));
    const completions = (sdk.major === 4 ? (client as unknown as { beta: { chat: { completions: unknown } } }).beta.chat.completions : client.chat.completions) as {
      parse(body: unknown): Promise<{ choices: { message: { parsed: unknown } }[] }>;
    };
    const result = await completions.parse({
      model: 'gpt-4o',
      messages,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'greeting', strict: true, schema: { type: 'object', properties: { greeting: { type: 'string' } }, required: ['greeting'], additionalProperties: false } },
      },
    });
    assert.deepEqual(result.choices[0].message.parsed, { greeting: 'hello' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].usage?.input, 20);
  });

  it('asks streams for usage, records it, and the app sees the chunks an unmonitored client sees', async () => {
    // Without include_usage the fake streams chat-stream.plain.gpt-5-nano; with it, the same
    // answer cannot be compared, so the server here answers each request as OpenAI would.
    const frames = (asked: boolean): object[] => {
      const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06', ...(asked ? { usage: null } : {}) };
      return [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      ];
    };
    fake.replyWith((req) => {
      const asked = (req.body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage === true;
      const usage = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } };
      return { sseFrames: [...frames(asked), ...(asked ? [usage] : []), 'data: [DONE]\n\n'] };
    });
    const expected = await collect(await newClient(fake).chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    patchClass();
    const actual = await collect(await newClient(fake).chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    assert.deepEqual(actual, expected);
    assert.deepEqual(actual.map((c) => Object.keys(c as object)), expected.map((c) => Object.keys(c as object)));
    assert.deepEqual((fake.requests[1].body as { stream_options?: unknown }).stream_options, { include_usage: true });
    assert.deepEqual(seen[0].usage, { input: 9, output: 3, total: 12 });
  });

  it('an early break aborts the request and records an aborted call; tee() gives both branches every chunk', async () => {
    patchClass();
    const client = newClient(fake);
    const stream = await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true });
    let n = 0;
    for await (const _chunk of stream) if (++n === 2) break;
    assert.equal(stream.controller.signal.aborted, true);
    const [left, right] = (await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true })).tee();
    const [a, b] = await Promise.all([collect(left), collect(right)]);
    assert.ok(a.length > 1);
    assert.deepEqual(a, b);
    assert.deepEqual(seen.map((o) => o.outcome), ['aborted', 'ok']);
  });

  it('observes responses and embeddings through their classes too', async () => {
    patchClass(sdk.OpenAI, embeddingsEndpoint);
    const client = newClient(fake);
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    patchClass(sdk.OpenAI, responsesEndpoint);
    await (client as unknown as { responses: { create(b: object): Promise<unknown> } }).responses.create({ model: 'gpt-5.1', input: 'hello' });
    assert.deepEqual(seen.map((o) => [o.source, o.operation]), [
      ['node_embeddings', 'embeddings'],
      ['node_responses', 'chat'],
    ]);
  });

  it('records a call once when an instance monitor of the same client applies too, whichever came first', async () => {
    const first = newClient(fake);
    const unpatchFirst = patchEndpoint(first, chatCompletionsEndpoint, 'test', sink);
    patchClass();
    const second = newClient(fake);
    const unpatchSecond = patchEndpoint(second, chatCompletionsEndpoint, 'test', sink);
    await first.chat.completions.create(chatBody);
    await second.chat.completions.create(chatBody);
    assert.equal(seen.length, 2);
    unpatchFirst();
    unpatchSecond();
    await first.chat.completions.create(chatBody);
    await second.chat.completions.create(chatBody);
    assert.equal(seen.length, 4, 'the class monitor still records both once the instance monitors are gone');
  });

  it('puts the prototype\'s original create back when unpatched, and observes nothing more', async () => {
    const original = chatPrototype().create;
    const client = newClient(fake);
    const unpatch = patchClass();
    assert.notEqual(chatPrototype().create, original);
    patchClass(sdk.OpenAI, chatCompletionsEndpoint, 'test')();
    assert.notEqual(chatPrototype().create, original, 'the same monitor twice: removing one leaves the other');
    unpatch();
    assert.equal(chatPrototype().create, original);
    assert.equal(client.chat.completions.create, original);
    assert.ok(!Object.prototype.hasOwnProperty.call(client.chat.completions, 'create'));
    await client.chat.completions.create(chatBody);
    assert.equal(seen.length, 0);
  });
});
