import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { chatCompletionsEndpoint, completionsEndpoint } from '../../src/instrument/endpoint-spec';
import { patchEndpoint } from '../../src/instrument/patch-endpoint';
import type { Observation } from '../../src/record/observation';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { loadOpenAI, newClient, type OpenAIClient } from '../support/openai-sdk';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];

describe(`patching the openai ${sdk.version} client`, () => {
  let fake: FakeOpenAI;
  let seen: Observation[];
  const sink = (o: Observation) => seen.push(o);

  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.reset();
    seen = [];
  });

  function monitored(): { client: OpenAIClient; unpatch: () => void } {
    const client = newClient(fake);
    return { client, unpatch: patchEndpoint(client, chatCompletionsEndpoint, 'test', sink) };
  }

  it('observes one call once, with the model, usage, finish reason and request id of the response', async () => {
    const { client } = monitored();
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    const body = JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8'));
    assert.equal(seen.length, 1);
    const o = seen[0];
    assert.equal(o.source, 'node_chatv2');
    assert.equal(o.operation, 'chat');
    assert.equal(o.requestModel, 'gpt-4.1');
    assert.equal(o.responseModel, body.model);
    assert.deepEqual(o.usage, {
      input: body.usage.prompt_tokens,
      output: body.usage.completion_tokens,
      total: body.usage.total_tokens,
      cachedInput: body.usage.prompt_tokens_details.cached_tokens,
      reasoningOutput: body.usage.completion_tokens_details.reasoning_tokens,
    });
    assert.deepEqual(o.finishReasons, [body.choices[0].finish_reason]);
    assert.equal(o.responseText, body.choices[0].message.content);
    assert.equal(o.requestId, loadFixture('chat.simple.gpt-4.1').record.response_headers['x-request-id']);
    assert.equal(o.status, 200);
    assert.equal(o.outcome, 'ok');
    assert.deepEqual(o.prompt, messages);
    assert.ok(o.durationS > 0 && o.durationS < 10);
    assert.equal(o.serverAddress, '127.0.0.1');
  });

  it('gives the app exactly what an unmonitored client gives', async () => {
    const plain = newClient(fake);
    const { client } = monitored();
    const expected = await plain.chat.completions.create({ model: 'gpt-4.1', messages });
    const actual = await client.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.deepEqual(actual, expected);
    assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected));
    assert.equal((actual as { _request_id?: string })._request_id, (expected as { _request_id?: string })._request_id);
  });

  it('copes with .withResponse()', async () => {
    const { client } = monitored();
    const { data, response, request_id } = await client.chat.completions.create({ model: 'gpt-4.1', messages }).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(response.status, 200);
    assert.equal(request_id, fake.requests[0].fixtureId && loadFixture('chat.simple.gpt-4.1').record.response_headers['x-request-id']);
    assert.equal(seen.length, 1);
  });

  it('copes with .asResponse(): the app reads the raw body itself, and the call is still recorded (without usage)', async () => {
    const { client } = monitored();
    const promise = client.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.ok(!Object.keys(promise).includes('asResponse'), 'no enumerable property added');
    const response = await promise.asResponse();
    const json = (await response.json()) as { object: string };
    assert.equal(json.object, 'chat.completion');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, 1);
    assert.equal(seen[0].status, 200);
    assert.equal(seen[0].usage, undefined);
  });

  it('records usage, model and cost inputs from the body when the app awaits the promise after .asResponse()', async () => {
    const plain = newClient(fake).chat.completions.create({ model: 'gpt-4.1', messages });
    const plainResponse = await plain.asResponse();
    const expected = await plain;
    const { client } = monitored();
    const promise = client.chat.completions.create({ model: 'gpt-4.1', messages });
    const response = await promise.asResponse();
    const data = await promise;
    assert.equal(response.status, plainResponse.status);
    assert.deepEqual(data, expected, 'the app gets what it gets unmonitored');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, 1, 'recorded once');
    assert.equal(seen[0].responseModel, expected.model);
    assert.equal(seen[0].usage?.input, expected.usage?.prompt_tokens);
    assert.equal(seen[0].usage?.output, expected.usage?.completion_tokens);
    assert.equal(seen[0].outcome, 'ok');
  });

  it('keeps the APIPromise: _thenUnwrap and parse() still work', async () => {
    const { client } = monitored();
    const promise = client.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.equal(typeof (promise as unknown as { _thenUnwrap: unknown })._thenUnwrap, 'function');
    assert.equal(typeof promise.withResponse, 'function');
    const plain = newClient(fake).chat.completions.create({ model: 'gpt-4.1', messages });
    assert.equal(Object.getPrototypeOf(promise), Object.getPrototypeOf(plain));
    await plain;
    await promise;
  });

  it('chat.completions.parse() still returns parsed structured output', async () => {
    const { client } = monitored();
    const content = JSON.stringify({ greeting: 'hello' });
    fake.replyWith(() => ({
      body: {
        id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-2024-08-06',
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
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

  it('rethrows an API error as the very same object and records it', async () => {
    const { client } = monitored();
    const plain = newClient(fake);
    fake.reply('errors.429.insufficient_quota', { times: 2 });
    const expected = await plain.chat.completions.create({ model: 'gpt-4.1', messages }).catch((e: unknown) => e);
    const error = await client.chat.completions.create({ model: 'gpt-4.1', messages }).catch((e: unknown) => e);
    assert.ok(error instanceof sdk.module.RateLimitError);
    assert.equal(Object.getPrototypeOf(error), Object.getPrototypeOf(expected));
    assert.equal((error as Error).message, (expected as Error).message);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'error');
    assert.equal(seen[0].error?.type, 'RateLimitError');
    assert.equal(seen[0].error?.status, 429);
    assert.equal(seen[0].status, 429);
  });

  it('records a connection error and rethrows it', async () => {
    const client = new sdk.OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 });
    patchEndpoint(client, chatCompletionsEndpoint, 'test', sink);
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4.1', messages }), sdk.module.APIConnectionError);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'error');
    assert.equal(seen[0].error?.type, 'APIConnectionError');
  });

  it('never lets an API key from an error message into the observation', async () => {
    const { client } = monitored();
    fake.replyWith(() => ({
      status: 401,
      headers: { 'x-should-retry': 'false' },
      body: { error: { message: 'Incorrect API key provided: sk-proj-abcdefghijklmnop1234. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    }));
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4.1', messages }), sdk.module.AuthenticationError);
    assert.equal(seen.length, 1);
    assert.ok(!JSON.stringify(seen[0]).includes('abcdefghijklmnop'), JSON.stringify(seen[0].error));
    assert.match(seen[0].error?.message ?? '', /Incorrect API key provided: \[redacted\]/);
  });

  it('restores the original create when unpatched', async () => {
    const client = newClient(fake);
    const original = client.chat.completions.create;
    const unpatch = patchEndpoint(client, chatCompletionsEndpoint, 'test', sink);
    assert.notEqual(client.chat.completions.create, original);
    unpatch();
    assert.equal(client.chat.completions.create, original);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.equal(seen.length, 0);
  });

  it('observes each call once when the same monitor is installed twice, and keeps observing until both are removed', async () => {
    const client = newClient(fake);
    const first = patchEndpoint(client, chatCompletionsEndpoint, 'same', sink);
    const second = patchEndpoint(client, chatCompletionsEndpoint, 'same', sink);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.equal(seen.length, 1);
    first();
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.equal(seen.length, 2);
    second();
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.equal(seen.length, 2);
  });

  it('leaves other clients alone', async () => {
    monitored();
    const other = newClient(fake);
    await other.chat.completions.create({ model: 'gpt-4.1', messages });
    assert.equal(seen.length, 0);
  });

  it('patches the legacy completions endpoint for chat_v1', async () => {
    const client = newClient(fake);
    patchEndpoint(client, completionsEndpoint, 'test', sink);
    const result = await client.completions.create({ model: 'babbage-002', prompt: 'Say this is a test' });
    const body = JSON.parse(loadFixture('completions.basic.babbage-002').body.toString('utf8'));
    assert.equal(result.choices[0].text, body.choices[0].text);
    assert.equal(seen[0].source, 'node_chatv1');
    assert.equal(seen[0].responseModel, body.model);
    assert.equal(seen[0].usage?.total, body.usage.total_tokens);
    assert.equal(seen[0].prompt, 'Say this is a test');
  });
});

describe('when the SDK does not look as expected', () => {
  it('lets the call through unobserved and warns once', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(String(w.code));
    process.on('warning', onWarning);
    try {
      const plainPromiseClient = { chat: { completions: { create: (body: { n: number }) => Promise.resolve({ echoed: body.n }) } } };
      const seen: Observation[] = [];
      patchEndpoint(plainPromiseClient, chatCompletionsEndpoint, 'odd', (o) => seen.push(o));
      assert.deepEqual(await plainPromiseClient.chat.completions.create({ n: 1 }), { echoed: 1 });
      assert.deepEqual(await plainPromiseClient.chat.completions.create({ n: 2 }), { echoed: 2 });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(seen.length, 0);
      assert.deepEqual(warnings.filter((c) => c === 'GOM_UNSUPPORTED_SDK'), ['GOM_UNSUPPORTED_SDK']);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('rethrows what create() throws synchronously, unchanged, and records it', () => {
    const boom = new TypeError('bad body');
    const throwingClient = { chat: { completions: { create: () => { throw boom; } } } };
    const seen: Observation[] = [];
    patchEndpoint(throwingClient, chatCompletionsEndpoint, 'throws', (o) => seen.push(o));
    assert.throws(() => throwingClient.chat.completions.create(), (err: unknown) => err === boom);
    assert.equal(seen[0].outcome, 'error');
    assert.equal(seen[0].error?.type, 'TypeError');
  });
});
