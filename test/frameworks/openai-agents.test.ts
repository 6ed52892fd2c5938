import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { monitor, type Monitor } from '../../src/index';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';
import { assertTelemetry, expectedCalls, framework, frameworkOpenAI } from './framework-harness';

// The Agents SDK's OpenAIProvider builds its own OpenAI client (from the copy of
// `openai` that @openai/agents-openai resolves) and calls the Responses API once
// per model turn. Tracing is off: it would send traces to api.openai.com.

const agents = framework('@openai/agents', '@openai/agents-openai');

interface RunResult {
  finalOutput: unknown;
  rawResponses: { usage: unknown; output: unknown; responseId?: string }[];
}
interface StreamedRunResult extends AsyncIterable<{ type: string; data?: { type?: string; delta?: string } }> {
  completed: Promise<void>;
  finalOutput: unknown;
}
interface AgentsModule {
  Agent: new (config: object) => object;
  Runner: new (config: object) => { run(agent: object, input: string, options?: object): Promise<RunResult & StreamedRunResult> };
  OpenAIProvider: new (options: object) => object;
  tool: (config: object) => object;
  setTracingDisabled(disabled: boolean): void;
}

describe(`the OpenAI Agents SDK ${agents.version} (openai ${agents.openaiVersion}) monitored through monitor(OpenAI)`, { skip: agents.skip }, () => {
  let sdk: AgentsModule;
  let z: typeof import('zod');
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let monitors: Monitor[] = [];

  before(async () => {
    sdk = require('@openai/agents') as AgentsModule;
    z = require('zod') as typeof import('zod');
    sdk.setTracingDisabled(true);
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

  function runner() {
    return new sdk.Runner({ modelProvider: new sdk.OpenAIProvider({ apiKey: 'sk-test-not-a-secret', baseURL: fake.url }) });
  }

  function startMonitor(): Monitor {
    const m = monitor(frameworkOpenAI(agents), { metrics_url: prom.url, logs_url: loki.url, environment: 'frameworks', instance: 'host-a:1', flush_interval_ms: 60_000 });
    monitors.push(m);
    return m;
  }

  /** Answers like the model would: a function call first, the answer once the tool's output came back. */
  function weatherModel(): void {
    fake.replyWith((req) => {
      const input = (req.body as { input?: { type?: string }[] }).input ?? [];
      return input.some((item) => item.type === 'function_call_output') ? 'responses.after-function-call.gpt-4.1.DERIVED' : 'responses.function-call.gpt-4.1.DERIVED';
    });
  }

  it('run() of an agent with a function tool: each Responses API call recorded once, the run unchanged', async () => {
    const calledWith: unknown[] = [];
    const agent = new sdk.Agent({
      name: 'Weather',
      instructions: 'You answer weather questions.',
      model: 'gpt-4.1',
      tools: [
        sdk.tool({
          name: 'get_current_weather',
          description: 'The weather in a city',
          parameters: z.object({ location: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }),
          execute: async (args: unknown) => {
            calledWith.push(args);
            return '72 and sunny';
          },
        }),
      ],
    });
    const run = async () => {
      const result = await runner().run(agent, 'What is the weather in Boston?');
      return { finalOutput: result.finalOutput, responses: result.rawResponses.map((r) => ({ usage: r.usage, output: r.output, responseId: r.responseId })) };
    };
    weatherModel();
    const unmonitored = await run();
    assert.equal(fake.requests.length, 2);
    fake.reset();
    weatherModel();
    const m = startMonitor();
    const monitored = await run();
    assert.deepEqual(monitored, unmonitored);
    assert.equal(monitored.finalOutput, 'It is 72°F and sunny in Boston.');
    assert.deepEqual(calledWith, [{ location: 'Boston, MA', unit: 'fahrenheit' }, { location: 'Boston, MA', unit: 'fahrenheit' }]);
    await m.flush();
    assertTelemetry(prom, loki, expectedCalls(fake.requests));
    assert.deepEqual(loki.entries().map((e) => e.labels.source), ['node_responses', 'node_responses']);
    assert.deepEqual([...prom.violations, ...loki.violations], []);
  });

  it('a streamed run gets every text delta and the final output, and its Responses API stream is recorded once with its usage', async () => {
    const agent = new sdk.Agent({ name: 'Parser', instructions: 'You are a text parser.', model: 'gpt-5.1' });
    const run = async () => {
      const stream = await runner().run(agent, 'How many letters are in "hello"?', { stream: true });
      const deltas: string[] = [];
      for await (const event of stream) if (event.type === 'raw_model_stream_event' && event.data?.type === 'output_text_delta') deltas.push(event.data.delta ?? '');
      await stream.completed;
      return { deltas, finalOutput: stream.finalOutput };
    };
    const unmonitored = await run();
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0].fixtureId, 'responses-stream.simple.gpt-5.1');
    fake.reset();
    const m = startMonitor();
    const monitored = await run();
    assert.deepEqual(monitored, unmonitored);
    assert.ok(monitored.deltas.length > 0);
    await m.flush();
    assertTelemetry(prom, loki, expectedCalls(fake.requests));
    assert.deepEqual(loki.entries().map((e) => e.labels.source), ['node_responses']);
  });
});
