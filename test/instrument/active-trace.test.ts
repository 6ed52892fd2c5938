import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { context } from '@opentelemetry/api';
import { chat_v2, type Monitor } from '../../src/index';
import { DURATION_BUCKETS } from '../../src/record/native-metrics';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { loadOpenAI, newClient } from '../support/openai-sdk';
import { startTracing, type Tracing } from '../support/otel-tracing';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const DURATION = 'gen_ai_client_operation_duration_seconds_bucket';
const COST = 'gen_ai_usage_cost_USD_bucket';

interface LineJson {
  trace_id?: string;
  span_id?: string;
  duration_s: number;
  cost_usd?: number;
}

describe(`trace ids of the active OpenTelemetry span, with the openai ${sdk.version} client`, () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let tracing: Tracing;
  let monitor: Monitor | undefined;

  before(async () => {
    fake = await startFakeOpenAI();
    tracing = startTracing();
  });
  after(async () => {
    tracing.stop();
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  afterEach(async () => {
    await monitor?.shutdown();
    monitor = undefined;
    assert.deepEqual(prom.violations, []);
    assert.deepEqual(loki.violations, []);
    await prom.close();
    await loki.close();
  });

  function monitored() {
    const client = newClient(fake);
    monitor = chat_v2.monitor(client, {
      metrics_url: prom.url,
      logs_url: loki.url,
      environment: 'traced',
      flush_interval_ms: 60_000,
      structured_metadata: true,
    });
    return client;
  }

  function lines(): (LineJson & { metadata: Record<string, string> })[] {
    return loki.entries().map((e) => ({ ...(e.json as LineJson), metadata: e.structuredMetadata ?? {} }));
  }

  it("puts the active span's trace_id and span_id in the call's line and its structured metadata", async () => {
    const client = monitored();
    const { span } = await tracing.inSpan(tracing.tracer, 'answer', () => client.chat.completions.create({ model: 'gpt-4.1', messages }));
    await monitor?.flush();
    const [line] = lines();
    const { traceId, spanId } = span.spanContext();
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.equal(line.trace_id, traceId);
    assert.equal(line.span_id, spanId);
    assert.equal(line.metadata.trace_id, traceId);
    assert.equal(line.metadata.span_id, spanId);
  });

  it('takes the span active where create() is called, not where its result is awaited', async () => {
    const client = monitored();
    let pending: Promise<unknown> | undefined;
    const { span } = await tracing.inSpan(tracing.tracer, 'caller', async () => {
      pending = client.chat.completions.create({ model: 'gpt-4.1', messages });
    });
    // Awaited outside any span: the call still belongs to the span it was made in.
    await context.with(context.active(), () => pending);
    await monitor?.flush();
    assert.equal(lines()[0].span_id, span.spanContext().spanId);
  });

  it('gives a streamed call the ids of its span too', async () => {
    const client = monitored();
    fake.reply('chat-stream.include-usage.gpt-4.1');
    const { span } = await tracing.inSpan(tracing.tracer, 'stream', async () => {
      const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
      for await (const chunk of stream) void chunk;
    });
    await monitor?.flush();
    assert.equal(lines()[0].trace_id, span.spanContext().traceId);
  });

  it('leaves a call outside any span as it was: no trace fields, no exemplars', async () => {
    const client = monitored();
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor?.flush();
    const [line] = lines();
    assert.equal('trace_id' in line, false);
    assert.equal('span_id' in line, false);
    assert.equal('trace_id' in line.metadata, false);
    assert.ok(prom.samplesOf('gen_ai_client_operation_duration_seconds_count').length > 0);
    assert.deepEqual(prom.exemplarsOf(DURATION), []);
    assert.deepEqual(prom.exemplarsOf(COST), []);
  });

  it("names an unsampled span in the line, but sends no exemplar for it (its trace was not recorded)", async () => {
    const client = monitored();
    const { span } = await tracing.inSpan(tracing.unsampledTracer, 'unsampled', () => client.chat.completions.create({ model: 'gpt-4.1', messages }));
    await monitor?.flush();
    assert.equal(span.spanContext().traceFlags & 1, 0, 'the span is not sampled');
    assert.equal(lines()[0].trace_id, span.spanContext().traceId);
    assert.deepEqual(prom.exemplarsOf(DURATION), []);
  });

  it('sends the slowest sampled call of the flush as the one duration exemplar, on the bucket its duration falls in', async () => {
    const client = monitored();
    const slow = loadFixture('chat.simple.gpt-4.1');
    fake.replyWith((req) => ((req.body as { user?: string }).user === 'slow' ? { body: slow.body, headers: { 'content-type': 'application/json' }, delayMs: 400 } : undefined));
    const spans = await Promise.all(
      ['fast', 'slow', 'fast'].map((user) => tracing.inSpan(tracing.tracer, user, () => client.chat.completions.create({ model: 'gpt-4.1', messages, user }))),
    );
    await client.chat.completions.create({ model: 'gpt-4.1', messages, user: 'slow' }); // slower still, but in no span
    await monitor?.flush();
    const exemplars = prom.exemplarsOf(DURATION);
    assert.equal(exemplars.length, 1, JSON.stringify(exemplars));
    const [exemplar] = exemplars;
    assert.deepEqual(exemplar.labels, [{ name: 'trace_id', value: spans[1].span.spanContext().traceId }]);
    const slowLine = lines().find((l) => l.trace_id === spans[1].span.spanContext().traceId);
    assert.ok(slowLine !== undefined);
    assert.ok(Math.abs(exemplar.value - slowLine.duration_s) < 1e-6, `${exemplar.value} vs ${slowLine.duration_s}`);
    assert.ok(exemplar.value >= 0.4);
    const le = Number(exemplar.series.le);
    const below = DURATION_BUCKETS.filter((b) => b < le).pop() ?? 0;
    assert.ok(exemplar.value <= le && exemplar.value > below, `${exemplar.value} in (${below}, ${le}]`);
    const entry = loki.entries().find((e) => (e.json as LineJson).trace_id === spans[1].span.spanContext().traceId);
    assert.ok(entry !== undefined && Math.abs(exemplar.timestampMs - Number(BigInt(entry.timestampNs) / 1_000_000n)) <= 1, 'stamped when the call ended');
  });

  it('sends the costliest sampled call as the cost exemplar, and a new one only for calls after the flush', async () => {
    const client = monitored();
    // The same answer with ten times the prompt: the same series, a larger cost.
    const simple = JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8')) as { usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } };
    const prompt = simple.usage.prompt_tokens * 10;
    const longer = { ...simple, usage: { ...simple.usage, prompt_tokens: prompt, total_tokens: prompt + simple.usage.completion_tokens } };
    fake.replyWith((req) => ((req.body as { user?: string }).user === 'dear' ? { body: longer } : undefined));
    const dear = await tracing.inSpan(tracing.tracer, 'dear', () => client.chat.completions.create({ model: 'gpt-4.1', messages, user: 'dear' }));
    const cheap = await tracing.inSpan(tracing.tracer, 'cheap', () => client.chat.completions.create({ model: 'gpt-4.1', messages }));
    await monitor?.flush();
    const costs = new Map(lines().map((l) => [l.trace_id, l.cost_usd]));
    assert.ok((costs.get(dear.span.spanContext().traceId) ?? 0) > (costs.get(cheap.span.spanContext().traceId) ?? Infinity));
    const expensive = dear;
    const first = prom.exemplarsOf(COST);
    assert.equal(first.length, 1, JSON.stringify(first));
    assert.equal(first[0].labels[0].value, expensive.span.spanContext().traceId);
    assert.equal(first[0].value, costs.get(expensive.span.spanContext().traceId));

    await monitor?.flush();
    assert.equal(prom.exemplarsOf(COST).length, 1, 'an interval without traced calls adds no exemplar');
    const later = await tracing.inSpan(tracing.tracer, 'later', () => client.chat.completions.create({ model: 'gpt-4.1', messages }));
    await monitor?.flush();
    const all = prom.exemplarsOf(COST);
    assert.equal(all.length, 2);
    assert.equal(all[1].labels[0].value, later.span.spanContext().traceId);
  });
});
