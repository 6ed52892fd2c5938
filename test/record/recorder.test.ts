import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DeferredLine, LokiStream } from '../../src/export/log-entry.js';
import type { Series } from '../../src/export/series.js';
import type { TelemetrySink } from '../../src/export/telemetry-sink.js';
import { chat_v2 } from '../../src/index.js';
import { createPricer } from '../../src/pricing/price-call.js';
import type { Observation } from '../../src/record/observation.js';
import { MAX_PENDING_CALLS, Recorder } from '../../src/record/recorder.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { newClient } from '../support/openai-sdk.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';

// Calls are recorded and lines serialised at the flush, seconds after the call
// (issue 6); what arrives must still be what the call sent and got.
describe('calls recorded at the flush, through the real SDK', () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  before(async () => {
    fake = await startFakeOpenAI();
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  after(async () => {
    await fake.close();
    await prom.close();
    await loki.close();
  });

  it('carries the messages as they were sent, even when the app changes them before the flush', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, { metrics_url: prom.url, logs_url: loki.url, instance: 'recorder-test:1', flush_interval_ms: 60_000 });
    try {
      // A chat app keeps one conversation array and edits it between turns.
      const messages: { role: string; content: string }[] = [{ role: 'user', content: 'first question' }];
      const reply = await client.chat.completions.create({ model: 'gpt-4.1', messages } as never);
      messages[0].content = 'edited afterwards';
      messages.push({ role: 'assistant', content: 'later turn' });
      await monitor.flush();
      const lines = loki.entries().map((e) => e.json as { prompt?: unknown; response?: unknown });
      assert.equal(lines.length, 1);
      assert.deepEqual(lines[0].prompt, [{ role: 'user', content: 'first question' }]);
      assert.equal(lines[0].response, (reply as { choices: { message: { content: string } }[] }).choices[0].message.content);
    } finally {
      await monitor.shutdown();
    }
  });

  it('gives two monitors of one client with different settings the whole call each, content included', async () => {
    const client = newClient(fake);
    const options = { metrics_url: prom.url, logs_url: loki.url, instance: 'recorder-test:3', flush_interval_ms: 60_000 };
    const staging = chat_v2.monitor(client, { ...options, environment: 'staging' });
    const audit = chat_v2.monitor(client, { ...options, environment: 'audit' });
    try {
      await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'seen by both' }] } as never);
      await staging.flush();
      const ours = loki.entries().filter((e) => e.labels.environment === 'staging' || e.labels.environment === 'audit');
      assert.deepEqual(ours.map((e) => e.labels.environment).sort(), ['audit', 'staging']);
      for (const entry of ours) {
        const line = entry.json as { prompt?: { content: string }[]; response?: string };
        assert.equal(line.prompt?.[0].content, 'seen by both', `${entry.labels.environment} has the prompt`);
        assert.ok((line.response ?? '').length > 0, `${entry.labels.environment} has the response`);
      }
    } finally {
      await staging.shutdown();
      await audit.shutdown();
    }
  });

  it('with two monitors sharing one exporter, delivers the calls of the one shut down first with the other\'s next flush', async () => {
    const options = { metrics_url: prom.url, logs_url: loki.url, instance: 'recorder-test:2', flush_interval_ms: 60_000 };
    const first = newClient(fake);
    const second = newClient(fake);
    const firstMonitor = chat_v2.monitor(first, options);
    const secondMonitor = chat_v2.monitor(second, options);
    try {
      await first.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'from the first client' }] } as never);
      await firstMonitor.shutdown();
      await secondMonitor.flush();
      const prompts = loki.entries().map((e) => JSON.stringify((e.json as { prompt?: unknown }).prompt));
      assert.ok(prompts.some((p) => p.includes('from the first client')), 'the first monitor\'s call arrived');
      assert.equal(prom.samplesOf('openai_totalTokens', { instance: 'recorder-test:2' }).length, 1);
    } finally {
      await firstMonitor.shutdown();
      await secondMonitor.shutdown();
    }
  });
});

/** What a Recorder handed to its sink, and the preparer it registered (the exporter runs it before each flush). */
class CountingSink implements TelemetrySink {
  samples = 0;
  lines: string[] = [];
  prepare: (() => void) | undefined;
  addSample(_series: Series, _value: number, _timestampMs: number): void {
    this.samples += 1;
  }
  addLogEntry(_stream: LokiStream, _timestampMs: number, line: string | DeferredLine): void {
    this.lines.push(typeof line === 'string' ? line : line.text());
  }
  addCollector(): () => void {
    return () => undefined;
  }
  addFlushPreparer(prepare: () => void): () => void {
    this.prepare = prepare;
    return () => {
      this.prepare = undefined;
    };
  }
}

function call(n: number): Observation {
  const now = Date.now();
  return {
    source: 'node_chatv2', operation: 'chat', provider: 'openai', requestModel: 'gpt-4.1', responseModel: 'gpt-4.1-2025-04-14', stream: false,
    startMs: now - 20, endMs: now, durationS: 0.02, outcome: 'ok', status: 200, requestId: `req_${n}`,
    usage: { input: 10, output: 5, total: 15 }, prompt: [{ role: 'user', content: `question ${n}` }], responseText: `answer ${n}`,
  };
}

const settings = { environment: 'test', instance: 'recorder-test:1', labels: {}, disableContent: false, maxContentLength: 1000 };

// Recording waits for the flush (issue 6: nothing on the request path that can wait).
describe('a Recorder batching calls until the flush', () => {
  it('hands its calls to the exporter when the exporter prepares a flush, in the order they ended', () => {
    const sink = new CountingSink();
    const recorder = new Recorder(sink, createPricer(), settings);
    for (let n = 1; n <= 3; n++) recorder.record(call(n));
    assert.equal(sink.lines.length, 0, 'nothing is queued on the call path');
    sink.prepare?.();
    assert.deepEqual(sink.lines.map((line) => (JSON.parse(line) as { request_id: string }).request_id), ['req_1', 'req_2', 'req_3']);
    assert.equal(sink.samples, 3 * 5, 'five compatible samples per call');
    recorder.release();
  });

  it(`keeps at most ${MAX_PENDING_CALLS} calls waiting: the call that completes a batch hands the batch over`, () => {
    const sink = new CountingSink();
    const recorder = new Recorder(sink, createPricer(), settings);
    for (let n = 1; n < MAX_PENDING_CALLS; n++) recorder.record(call(n));
    assert.equal(sink.lines.length, 0);
    recorder.record(call(MAX_PENDING_CALLS));
    assert.equal(sink.lines.length, MAX_PENDING_CALLS);
    recorder.release();
  });

  it('records what waits when released, and a call ending after that at once', () => {
    const sink = new CountingSink();
    const recorder = new Recorder(sink, createPricer(), settings);
    recorder.record(call(1));
    recorder.release();
    assert.equal(sink.lines.length, 1);
    assert.equal(sink.prepare, undefined, 'the preparer is unregistered');
    recorder.record(call(2));
    assert.equal(sink.lines.length, 2);
  });

  it('copies the content when the call ends, so an app editing its messages before the flush changes nothing', () => {
    const sink = new CountingSink();
    const recorder = new Recorder(sink, createPricer(), settings);
    const observation = call(1);
    const messages = observation.prompt as { content: string }[];
    recorder.record(observation);
    messages[0].content = 'edited afterwards';
    sink.prepare?.();
    assert.deepEqual((JSON.parse(sink.lines[0]) as { prompt: unknown }).prompt, [{ role: 'user', content: 'question 1' }]);
    recorder.release();
  });
});

/** ES2021's WeakRef, which this project's TypeScript lib (ES2020) does not declare; Node 16+ has it. */
const WeakRefOf = (globalThis as unknown as { WeakRef: new <T extends object>(target: T) => { deref(): T | undefined } }).WeakRef;

describe('a Recorder holding calls until the flush', () => {
  it("lets go of the app's own messages once their content is copied", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sink = new CountingSink();
    const recorder = new Recorder(sink, createPricer(), settings);
    let messages: { role: string; content: string }[] | undefined = [{ role: 'user', content: 'x'.repeat(5_000_000) }];
    const held = new WeakRefOf(messages);
    recorder.record({ ...call(1), prompt: messages });
    messages = undefined;
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef keeps its target alive until the job that made it ends
    gc();
    assert.equal(held.deref(), undefined, 'the 5 MB prompt is not kept until the flush');
    sink.prepare?.();
    const prompt = (JSON.parse(sink.lines[0]) as { prompt: { content: string }[] }).prompt;
    assert.equal(prompt[0].content.length, settings.maxContentLength, 'the line still has its (cut) copy');
    recorder.release();
  });
});
