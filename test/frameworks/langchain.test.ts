import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { monitor, type Monitor } from '../../src/index';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';
import { assertTelemetry, expectedCalls, framework, frameworkOpenAI } from './framework-harness';

// LangChain builds its own OpenAI client from the `openai` it resolves (in this
// repository a nested copy, as `npm ls openai` shows), lazily on the first call,
// and keeps it. Each test runs the same LangChain object unmonitored, then
// monitored through monitor(OpenAI) of that copy: the client built before
// monitor() is the one monitored, and the app's result must not change.

const langchain = framework('@langchain/openai');

interface Runnable {
  invoke(input: unknown): Promise<unknown>;
  stream(input: unknown): Promise<AsyncIterable<unknown>>;
  withStructuredOutput(schema: unknown, options?: object): Runnable;
  bindTools(tools: unknown[]): Runnable;
}
interface Embeddings {
  embedQuery(text: string): Promise<number[]>;
  embedDocuments(texts: string[]): Promise<number[][]>;
}
interface LangChainModule {
  ChatOpenAI: new (fields: object) => Runnable;
  OpenAIEmbeddings: new (fields: object) => Embeddings;
}

describe(`LangChain.js ${langchain.version} (openai ${langchain.openaiVersion}) monitored through monitor(OpenAI)`, { skip: langchain.skip }, () => {
  let lc: LangChainModule;
  let z: typeof import('zod');
  let tool: (fn: (input: unknown) => unknown, fields: object) => unknown;
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let monitors: Monitor[] = [];

  before(async () => {
    lc = require('@langchain/openai') as LangChainModule;
    z = require('zod') as typeof import('zod');
    tool = (require('@langchain/core/tools') as { tool: typeof tool }).tool;
    fake = await startFakeOpenAI();
  });
  after(() => fake?.close());
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

  const connection = () => ({ apiKey: 'sk-test-not-a-secret', configuration: { baseURL: fake.url }, maxRetries: 0 });

  /** Runs `work` unmonitored, then monitored; checks the app got the same, and Grafana the calls made while monitored. */
  async function compareMonitored<T>(work: () => Promise<T>, queue: () => void = () => undefined): Promise<T> {
    queue();
    const unmonitored = await work();
    assert.ok(fake.requests.length > 0, 'the framework called the server');
    fake.reset();
    const m = monitor(frameworkOpenAI(langchain), {
      metrics_url: prom.url, logs_url: loki.url, environment: 'frameworks', instance: 'host-a:1', flush_interval_ms: 60_000,
    });
    monitors.push(m);
    queue();
    const monitored = await work();
    assert.deepEqual(monitored, unmonitored, 'the app gets what it gets unmonitored');
    await m.flush();
    assertTelemetry(prom, loki, expectedCalls(fake.requests));
    assert.deepEqual([...prom.violations, ...loki.violations], []);
    return monitored;
  }

  it('ChatOpenAI.invoke() is one chat call, recorded once with its tokens and cost', async () => {
    const model = new lc.ChatOpenAI({ model: 'gpt-4.1', ...connection() });
    const message = (await compareMonitored(() => model.invoke('Say hello'))) as { content: unknown };
    assert.equal(typeof message.content, 'string');
    assert.deepEqual(loki.entries().map((e) => e.labels.source), ['node_chatv2']);
  });

  it('ChatOpenAI.stream() gets every chunk and its usage (LangChain asks for it itself)', async () => {
    const model = new lc.ChatOpenAI({ model: 'gpt-4.1', ...connection() });
    const chunks = await compareMonitored(async () => {
      const seen: unknown[] = [];
      for await (const chunk of await model.stream('Say hello')) seen.push((chunk as { content: unknown; usage_metadata?: unknown }).content, (chunk as { usage_metadata?: unknown }).usage_metadata);
      return seen;
    });
    assert.ok(chunks.length > 2);
    assert.deepEqual((fake.requests[0].body as { stream_options?: unknown }).stream_options, { include_usage: true });
    assert.ok(chunks.some((c) => typeof c === 'object' && c !== null && 'input_tokens' in c), 'LangChain still sees the usage chunk it asked for');
  });

  it('withStructuredOutput() returns the parsed object', async () => {
    const model = new lc.ChatOpenAI({ model: 'gpt-4.1', ...connection() });
    const structured = model.withStructuredOutput(z.object({ city: z.string(), country: z.string() }), { name: 'place' });
    const place = await compareMonitored(() => structured.invoke('Where is the Eiffel Tower?'), () => fake.reply('chat.structured-output.gpt-4.1.DERIVED'));
    assert.deepEqual(place, { city: 'Paris', country: 'France' });
  });

  it('bindTools() gets the tool call the model asked for', async () => {
    const getWeather = tool(() => '72 and sunny', {
      name: 'get_current_weather',
      description: 'The weather in a city',
      schema: z.object({ location: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }),
    });
    const model = new lc.ChatOpenAI({ model: 'gpt-5-nano', ...connection() }).bindTools([getWeather]);
    const message = (await compareMonitored(() => model.invoke('What is the weather in Boston?'), () => fake.reply('chat.tool-calls.gpt-5-nano'))) as {
      tool_calls: { name: string; args: unknown }[];
    };
    assert.deepEqual(message.tool_calls.map((c) => [c.name, c.args]), [['get_current_weather', { location: 'Boston, MA', unit: 'fahrenheit' }]]);
  });

  it('useResponsesApi: true is one Responses API call, recorded as node_responses', async () => {
    const model = new lc.ChatOpenAI({ model: 'gpt-5.1', useResponsesApi: true, ...connection() });
    await compareMonitored(() => model.invoke('Say hello'));
    assert.equal(fake.requests[0].path, '/v1/responses');
    assert.deepEqual(loki.entries().map((e) => e.labels.source), ['node_responses']);
  });

  it('OpenAIEmbeddings.embedQuery() and embedDocuments() are embeddings calls with their input tokens and cost', async () => {
    const embedder = new lc.OpenAIEmbeddings({ model: 'text-embedding-3-small', ...connection() });
    const docs = ['one', 'two', 'three', 'four', 'five'];
    const vectors = await compareMonitored(
      async () => [await embedder.embedQuery('hello'), ...(await embedder.embedDocuments(docs))],
      () => fake.reply('embeddings.base64.text-embedding-3-small').reply('embeddings.batch5.base64.text-embedding-3-small'),
    );
    assert.equal(vectors.length, 6);
    assert.deepEqual(loki.entries().map((e) => e.labels.source), ['node_embeddings', 'node_embeddings']);
  });

  it('with its own nested copy of openai (npm ls openai), monitoring the app\'s copy sees none of its calls, and monitoring its copy sees them', async () => {
    const appOpenAI = (require('openai') as { OpenAI: Function }).OpenAI;
    assert.notEqual(appOpenAI, frameworkOpenAI(langchain), 'in this repository LangChain resolves its own copy of openai');
    const model = new lc.ChatOpenAI({ model: 'gpt-4.1', ...connection() });
    const options = { metrics_url: prom.url, logs_url: loki.url, instance: 'host-a:1', flush_interval_ms: 60_000 };
    const ofApp = monitor(appOpenAI, options);
    monitors.push(ofApp);
    await model.invoke('Say hello');
    await ofApp.flush();
    assert.equal(loki.entries().length, 0, 'the app\'s copy of openai never sees LangChain\'s calls');
    const ofFramework = monitor(frameworkOpenAI(langchain), options);
    monitors.push(ofFramework);
    fake.reset();
    await model.invoke('Say hello');
    await ofFramework.flush();
    assertTelemetry(prom, loki, expectedCalls(fake.requests));
  });
});
