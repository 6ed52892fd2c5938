import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { chat_v1, chat_v2, embeddings, monitor, responses, type Monitor } from '../../src/index';
import { MonitoringError } from '../../src/monitoring-error';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { loadOpenAI, newClient, type OpenAIClient } from '../support/openai-sdk';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const chatBody = { model: 'gpt-4.1', messages };

/** Every resource prototype method a class monitor may replace, to compare before and after. */
function resourceMethods(): unknown[] {
  const OpenAI = sdk.OpenAI as unknown as Record<string, { prototype: { create: unknown } } & Record<string, { prototype: { create: unknown } }>>;
  return [OpenAI.Chat.Completions.prototype.create, OpenAI.Completions.prototype.create, OpenAI.Responses.prototype.create, OpenAI.Embeddings.prototype.create];
}

function createOf(client: OpenAIClient): unknown[] {
  const c = client as unknown as Record<string, { create: unknown } & Record<string, { create: unknown }>>;
  return [c.chat.completions.create, c.completions.create, c.responses.create, c.embeddings.create];
}

describe(`monitor(OpenAI) with openai ${sdk.version}, end to end`, () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let monitors: Monitor[] = [];

  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());
  beforeEach(async () => {
    fake.reset();
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.shutdown()));
    await prom.close();
    await loki.close();
  });

  function options(extra: Record<string, unknown> = {}) {
    return {
      metrics_url: prom.url,
      logs_url: loki.url,
      metrics_username: '123456',
      logs_username: '654321',
      access_token: 'glc_example',
      environment: 'test',
      instance: 'host-a:1',
      flush_interval_ms: 60_000,
      ...extra,
    };
  }

  function keep(m: Monitor): Monitor {
    monitors.push(m);
    return m;
  }

  /** A third client derived from another: withOptions() where the SDK has it (5+), else a subclass's client. */
  function derivedClient(from: OpenAIClient): OpenAIClient {
    const withOptions = (from as unknown as { withOptions?: (o: object) => OpenAIClient }).withOptions;
    if (typeof withOptions === 'function') return withOptions.call(from, { timeout: 10_000 });
    class AppOpenAI extends sdk.OpenAI {}
    return new AppOpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: fake.url, maxRetries: 0 });
  }

  it('records each call exactly once for three clients (built before, after, and derived) with an instance monitor on one; after shutdown nothing, and every method is the original', async () => {
    const originals = resourceMethods();
    const before = newClient(fake);
    const beforeOwn = createOf(before);
    const classMonitor = keep(monitor(sdk.OpenAI, options()));
    const later = newClient(fake);
    const derived = derivedClient(later);
    const instanceMonitor = keep(chat_v2.monitor(before, options()));
    for (const client of [before, later, derived]) await client.chat.completions.create(chatBody);
    await classMonitor.flush();
    const body = JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8')) as { model: string; usage: { total_tokens: number } };
    assert.deepEqual(prom.samplesOf('openai_totalTokens', { source: 'node_chatv2', model: body.model }).map((s) => s.value), [body.usage.total_tokens, body.usage.total_tokens, body.usage.total_tokens]);
    assert.equal(loki.entries().length, 3);
    await instanceMonitor.shutdown();
    await classMonitor.shutdown();
    const pushesBefore = prom.requests.length + loki.requests.length;
    for (const client of [before, later, derived]) await client.chat.completions.create(chatBody);
    await classMonitor.flush();
    assert.equal(prom.requests.length + loki.requests.length, pushesBefore, 'nothing pushed after shutdown');
    assert.deepEqual(resourceMethods(), originals);
    assert.deepEqual(createOf(before), beforeOwn);
    assert.deepEqual(createOf(later), originals);
    for (const client of [before, later, derived]) {
      assert.ok(!Object.prototype.hasOwnProperty.call(client.chat.completions, 'create'), 'no own create left on a client');
    }
  });

  it('every entry point takes the class, and records under its own source', async () => {
    for (const entry of [chat_v1, chat_v2, responses, embeddings]) keep(entry.monitor(sdk.OpenAI, options()));
    const client = newClient(fake);
    await client.chat.completions.create(chatBody);
    await client.completions.create({ model: 'babbage-002', prompt: 'Say this is a test' });
    await (client as unknown as { responses: { create(b: object): Promise<unknown> } }).responses.create({ model: 'gpt-5.1', input: 'hello' });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    await monitors[0].flush();
    assert.deepEqual(loki.entries().map((e) => e.labels.source).sort(), ['node_chatv1', 'node_chatv2', 'node_embeddings', 'node_responses']);
  });

  it('the same options twice (class and instance, or class twice) share the calls: recorded once', async () => {
    keep(monitor(sdk.OpenAI, options()));
    keep(chat_v2.monitor(sdk.OpenAI, options()));
    const client = newClient(fake);
    keep(chat_v2.monitor(client, options()));
    await client.chat.completions.create(chatBody);
    await monitors[0].flush();
    assert.equal(loki.entries().length, 1);
  });

  it('refuses a class monitor over an instance monitor with other options, naming the clash', async () => {
    const client = newClient(fake);
    keep(chat_v2.monitor(client, options()));
    assert.throws(
      () => keep(monitor(sdk.OpenAI, options({ environment: 'other' }))),
      (err: unknown) => err instanceof MonitoringError && err.code === 'GOM_CONFLICTING_MONITORS' && /node_chatv2 calls are already recorded by a monitor of one OpenAI client/.test(err.message),
    );
  });

  it('refuses an instance monitor with other options under a class monitor, and a subclass monitor with other options', async () => {
    keep(chat_v2.monitor(sdk.OpenAI, options()));
    const client = newClient(fake);
    assert.throws(() => keep(chat_v2.monitor(client, options({ environment: 'other' }))), { code: 'GOM_CONFLICTING_MONITORS' });
    assert.throws(() => keep(chat_v2.monitor(sdk.AzureOpenAI, options({ environment: 'other' }))), { code: 'GOM_CONFLICTING_MONITORS' });
    assert.doesNotThrow(() => keep(embeddings.monitor(client, options({ environment: 'other' }))), 'other endpoints are other calls');
    await client.chat.completions.create(chatBody);
    await monitors[0].flush();
    assert.deepEqual(loki.entries().map((e) => e.labels.environment), ['test'], 'the refused monitors left nothing patched');
  });

  it('takes a monitor with other options once the clashing one is shut down', async () => {
    const first = keep(chat_v2.monitor(sdk.OpenAI, options()));
    await first.shutdown();
    keep(chat_v2.monitor(newClient(fake), options({ environment: 'other' })));
  });
});
