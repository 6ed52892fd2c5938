import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { chat_v1, chat_v2, monitor, type Monitor } from '../../src/index';
import type { MonitorOptions } from '../../src/monitor-options';
import { MonitoringError } from '../../src/monitoring-error';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { loadOpenAI, newClient } from '../support/openai-sdk';
import { startRemoteWriteReceiver, type ReceivedRemoteWrite, type RemoteWriteReceiver } from '../support/remote-write-receiver';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];

/** USD per 1M tokens from shared/reference/openai-pricing.md (source tag GP, checked 2025-07-04). */
const PUBLISHED = {
  'gpt-4.1': { input: 2.0, cached: 0.5, output: 8.0 },
  'gpt-4o-mini': { input: 0.15, cached: 0.075, output: 0.6 },
  'babbage-002': { input: 0.4, cached: 0.4, output: 0.4 },
};

function publishedCost(model: keyof typeof PUBLISHED, input: number, cached: number, output: number): number {
  const p = PUBLISHED[model];
  return ((input - cached) * p.input + cached * p.cached + output * p.output) / 1e6;
}

/** Data samples of `name` in a request (a request carries the exporter's own counters too). */
function countOf(req: ReceivedRemoteWrite, name: string): number {
  return (req.series ?? []).filter((s) => s.labels.some((l) => l.name === '__name__' && l.value === name)).reduce((n, s) => n + s.samples.length, 0);
}

function fixtureBody(id: string): { model: string; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } } {
  return JSON.parse(loadFixture(id).body.toString('utf8'));
}

describe(`monitoring the openai ${sdk.version} client end to end`, () => {
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
    await Promise.all(monitors.map((m) => m.shutdown()));
    monitors = [];
    await prom.close();
    await loki.close();
  });

  function options(extra: Record<string, unknown> = {}) {
    return {
      metrics_url: prom.url,
      logs_url: loki.url.replace('/loki/api/v1/push', ''),
      metrics_username: '123456',
      logs_username: '654321',
      access_token: 'glc_example',
      environment: 'test',
      instance: 'host-a:1',
      flush_interval_ms: 60_000,
      ...extra,
    };
  }

  it('pushes one sample per call to each compatible series, with the labels the Grafana integration dashboard queries', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options());
    monitors.push(monitor);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    const body = fixtureBody('chat.simple.gpt-4.1');
    const labels = { job: 'integrations/openai', source: 'node_chatv2', model: body.model, environment: 'test', instance: 'host-a:1' };
    assert.deepEqual(prom.samplesOf('openai_promptTokens', labels).map((s) => s.value), [body.usage.prompt_tokens, body.usage.prompt_tokens]);
    assert.deepEqual(prom.samplesOf('openai_completionTokens', labels).map((s) => s.value), [body.usage.completion_tokens, body.usage.completion_tokens]);
    assert.deepEqual(prom.samplesOf('openai_totalTokens', labels).map((s) => s.value), [body.usage.total_tokens, body.usage.total_tokens]);
    const durations = prom.samplesOf('openai_requestDuration', labels);
    assert.equal(durations.length, 2);
    assert.ok(durations.every((d) => d.value > 0 && d.value < 5), 'duration is in seconds');
    const cost = prom.samplesOf('openai_usageCost', labels).map((s) => s.value);
    const expected = publishedCost('gpt-4.1', body.usage.prompt_tokens, 0, body.usage.completion_tokens);
    assert.equal(cost.length, 2);
    for (const c of cost) assert.ok(Math.abs(c - expected) < 1e-9, `cost ${c} vs published ${expected}`);
    assert.deepEqual(prom.violations, []);
  });

  it('prices a dated snapshot at its model price with cached input discounted', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options());
    monitors.push(monitor);
    fake.replyWith(() => ({
      body: {
        id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 2000, completion_tokens: 300, total_tokens: 2300, prompt_tokens_details: { cached_tokens: 1536 } },
      },
    }));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await monitor.flush();
    const [cost] = prom.samplesOf('openai_usageCost', { model: 'gpt-4o-mini-2024-07-18' });
    assert.ok(Math.abs(cost.value - publishedCost('gpt-4o-mini', 2000, 1536, 300)) < 1e-9, String(cost.value));
  });

  it('sends basic auth with the instance id and token, and the four remote-write headers', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options());
    monitors.push(monitor);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    assert.deepEqual(prom.requests[0].basicAuth, { username: '123456', password: 'glc_example' });
    assert.deepEqual(loki.requests[0].basicAuth, { username: '654321', password: 'glc_example' });
    assert.equal(prom.requests[0].headers['content-encoding'], 'snappy');
    assert.equal(prom.requests[0].headers['x-prometheus-remote-write-version'], '0.1.0');
    assert.match(String(prom.requests[0].headers['user-agent']), /^grafana-openai-monitoring\/\d+\.\d+\.\d+/);
  });

  it('writes one JSON Loki line per call with bounded stream labels and the prompt only in the line', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options());
    monitors.push(monitor);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    const entries = loki.entries();
    assert.equal(entries.length, 1);
    const body = fixtureBody('chat.simple.gpt-4.1');
    assert.deepEqual(entries[0].labels, { job: 'integrations/openai', source: 'node_chatv2', model: body.model, environment: 'test', level: 'info' });
    const line = entries[0].json as Record<string, unknown>;
    assert.equal(line.request_model, 'gpt-4.1');
    assert.equal(line.response_model, body.model);
    assert.deepEqual(line.prompt, messages);
    assert.equal(typeof line.response, 'string');
    assert.equal(line.finish_reason, 'stop');
    assert.deepEqual((line.usage as Record<string, number>).total_tokens, body.usage.total_tokens);
    assert.equal(typeof line.cost_usd, 'number');
    assert.equal(typeof line.duration_s, 'number');
    assert.equal(line.request_id, loadFixture('chat.simple.gpt-4.1').record.response_headers['x-request-id']);
    assert.deepEqual(loki.violations, []);
  });

  it('leaves prompt and response out of the line with disable_content', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options({ disable_content: true }));
    monitors.push(monitor);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    const line = loki.entries()[0].json as Record<string, unknown>;
    assert.equal(line.prompt, undefined);
    assert.equal(line.response, undefined);
    assert.ok(!loki.entries()[0].line.includes('Say hello'));
  });

  it('logs an API error at level error, sends no token samples for it, and the app gets the very same error', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options());
    monitors.push(monitor);
    fake.reply('errors.429.insufficient_quota');
    const error = await client.chat.completions.create({ model: 'gpt-4.1', messages }).catch((e: unknown) => e);
    assert.ok(error instanceof sdk.module.RateLimitError);
    await monitor.flush();
    const [entry] = loki.entries();
    assert.equal(entry.labels.level, 'error');
    const line = entry.json as { outcome: string; status: number; error: { type: string } };
    assert.equal(line.outcome, 'error');
    assert.equal(line.status, 429);
    assert.equal(line.error.type, 'RateLimitError');
    assert.equal(prom.samplesOf('openai_promptTokens').length, 0);
  });

  it('chat_v1 monitors the legacy completions endpoint with source node_chatv1', async () => {
    const client = newClient(fake);
    const monitor = chat_v1.monitor(client, options());
    monitors.push(monitor);
    await client.completions.create({ model: 'babbage-002', prompt: 'Say this is a test' });
    await monitor.flush();
    const body = fixtureBody('completions.basic.babbage-002');
    const [tokens] = prom.samplesOf('openai_totalTokens', { source: 'node_chatv1', model: body.model });
    assert.equal(tokens.value, body.usage.total_tokens);
    const [cost] = prom.samplesOf('openai_usageCost', { source: 'node_chatv1' });
    assert.ok(Math.abs(cost.value - publishedCost('babbage-002', body.usage.prompt_tokens, 0, body.usage.completion_tokens)) < 1e-9);
  });

  it('chat_v1 and chat_v2 on the same options share one exporter: one push per signal per flush', async () => {
    const client = newClient(fake);
    monitors.push(chat_v2.monitor(client, options()), chat_v1.monitor(client, options()));
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await client.completions.create({ model: 'babbage-002', prompt: 'Say this is a test' });
    await monitors[0].flush();
    assert.equal(prom.requests.length, 1);
    assert.equal(loki.requests.length, 1);
    assert.equal(loki.entries().length, 2);
  });

  it('sends no cost sample (rather than $0) for a model without a price', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options());
    monitors.push(monitor);
    fake.replyWith(() => ({
      body: {
        id: 'c', object: 'chat.completion', created: 1, model: 'my-private-finetune',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      },
    }));
    await client.chat.completions.create({ model: 'my-private-finetune', messages });
    await monitor.flush();
    assert.equal(prom.samplesOf('openai_totalTokens', { model: 'my-private-finetune' }).length, 1);
    assert.equal(prom.samplesOf('openai_usageCost', { model: 'my-private-finetune' }).length, 0);
  });

  it('prices a model from the prices option', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options({ prices: { 'my-private-finetune': { input: 3, output: 12 } } }));
    monitors.push(monitor);
    fake.replyWith(() => ({
      body: {
        id: 'c', object: 'chat.completion', created: 1, model: 'my-private-finetune',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 },
      },
    }));
    await client.chat.completions.create({ model: 'my-private-finetune', messages });
    await monitor.flush();
    const [cost] = prom.samplesOf('openai_usageCost', { model: 'my-private-finetune' });
    assert.ok(Math.abs(cost.value - (1000 * 3 + 100 * 12) / 1e6) < 1e-12);
  });

  it('shutdown() delivers what is buffered and restores the original method', async () => {
    const client = newClient(fake);
    const original = client.chat.completions.create;
    const monitor = chat_v2.monitor(client, options());
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.shutdown();
    assert.equal(client.chat.completions.create, original);
    assert.equal(prom.samplesOf('openai_totalTokens').length, 1);
    assert.equal(loki.entries().length, 1);
  });

  it('monitor() observes every endpoint the client has, each with its own source', async () => {
    const client = newClient(fake);
    const m = monitor(client, options());
    monitors.push(m);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await client.completions.create({ model: 'babbage-002', prompt: 'Say this is a test' });
    await client.responses.create({ model: 'gpt-5.1', input: 'Say six' });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    await m.flush();
    const sources = new Set(prom.series().filter((s) => s.labels.__name__ === 'openai_requestDuration').map((s) => s.labels.source));
    assert.deepEqual([...sources].sort(), ['node_chatv1', 'node_chatv2', 'node_embeddings', 'node_responses']);
    const embeddingTokens = prom.samplesOf('openai_promptTokens', { source: 'node_embeddings' });
    assert.equal(embeddingTokens.length, 1);
    assert.equal(prom.samplesOf('openai_completionTokens', { source: 'node_embeddings' }).length, 0, 'embeddings have no output tokens');
    assert.equal(prom.samplesOf('openai_usageCost', { source: 'node_embeddings' }).length, 1, 'text-embedding-3-small is priced');
    assert.equal(loki.entries().length, 4);
  });

  it('fails at monitor() time, naming the option, for bad options', () => {
    const client = newClient(fake);
    assert.throws(() => chat_v2.monitor(client, { ...options(), metrics_url: 'prometheus.example.com' }), /^MonitoringError: metrics_url/);
    assert.throws(() => chat_v2.monitor(client, { ...options(), access_token: undefined }), /access_token/);
    assert.throws(() => chat_v2.monitor({} as object, options()), /has no client\.chat\.completions\.create/);
  });

  /** The values arrays of every stream of every Loki push, as sent on the wire. */
  function pushedValues(): unknown[][] {
    return loki.requests.flatMap((r) => (JSON.parse(r.body.toString('utf8')) as { streams: { values: unknown[][] }[] }).streams.flatMap((s) => s.values));
  }

  it('sends 2-element Loki values, no structured metadata, by default (vector E8)', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options());
    monitors.push(monitor);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    const values = pushedValues();
    assert.equal(values.length, 1);
    assert.equal(values[0].length, 2);
    assert.equal(loki.entries()[0].structuredMetadata, undefined);
    const body = fixtureBody('chat.simple.gpt-4.1');
    assert.equal((loki.entries()[0].json as { usage: { input_tokens: number } }).usage.input_tokens, body.usage.prompt_tokens, 'token counts are in the line');
  });

  it('attaches request id, model, finish reason, tokens and cost as structured metadata with structured_metadata: true (vector E7)', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options({ structured_metadata: true }));
    monitors.push(monitor);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    const values = pushedValues();
    assert.equal(values.length, 1);
    assert.equal(values[0].length, 3);
    const [entry] = loki.entries();
    const body = fixtureBody('chat.simple.gpt-4.1');
    const line = entry.json as { cost_usd: number };
    assert.deepEqual(entry.structuredMetadata, {
      request_id: loadFixture('chat.simple.gpt-4.1').record.response_headers['x-request-id'],
      response_model: body.model,
      finish_reason: 'stop',
      input_tokens: String(body.usage.prompt_tokens),
      output_tokens: String(body.usage.completion_tokens),
      cost_usd: String(line.cost_usd),
    });
    assert.ok(Math.abs(Number(entry.structuredMetadata?.cost_usd) - publishedCost('gpt-4.1', body.usage.prompt_tokens, 0, body.usage.completion_tokens)) < 1e-9);
    assert.deepEqual(loki.violations, []);
  });

  it('rejects a structured_metadata that is not a boolean, naming the option', () => {
    assert.throws(() => chat_v2.monitor(newClient(fake), options({ structured_metadata: 'yes' })), /^MonitoringError: structured_metadata/);
  });

  it('estimates the tokens of a stream whose server reports no usage, and says usage_estimated in the line', async () => {
    // The recorded gpt-4.1 stream, replayed without its usage chunk: the server reported 19 + 238 tokens for it.
    const recorded = loadFixture('chat-stream.include-usage.gpt-4.1');
    const frames: Array<string | object> = [];
    let reported: { prompt_tokens: number; completion_tokens: number } | undefined;
    for (const text of recorded.body.toString('utf8').split('\n')) {
      if (!text.startsWith('data: {')) continue;
      const chunk = JSON.parse(text.slice(6)) as { choices: unknown[]; usage?: { prompt_tokens: number; completion_tokens: number } | null };
      if (chunk.usage) reported = chunk.usage;
      delete chunk.usage;
      if (chunk.choices.length > 0) frames.push(chunk);
    }
    frames.push('data: [DONE]\n\n');
    assert.ok(reported);
    fake.replyWith(() => ({ sseFrames: frames }));
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options({ stream_usage: false }));
    monitors.push(monitor);
    const prompt = (recorded.request as { messages: typeof messages }).messages;
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4.1', messages: prompt, stream: true })) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.ok(text.length > 100);
    await monitor.flush();
    const line = loki.entries()[0].json as { usage_estimated: boolean; usage: { input_tokens: number; output_tokens: number; total_tokens: number }; cost_usd: number };
    assert.equal(line.usage_estimated, true);
    assert.ok(Math.abs(line.usage.input_tokens - reported.prompt_tokens) <= 3, `input ${line.usage.input_tokens} vs ${reported.prompt_tokens} reported`);
    assert.ok(Math.abs(line.usage.output_tokens - reported.completion_tokens) <= reported.completion_tokens * 0.1, `output ${line.usage.output_tokens} vs ${reported.completion_tokens} reported`);
    const [promptTokens] = prom.samplesOf('openai_promptTokens', { model: 'gpt-4.1-2025-04-14' });
    assert.equal(promptTokens.value, line.usage.input_tokens, 'the estimate feeds the series too');
    assert.ok(Math.abs(line.cost_usd - publishedCost('gpt-4.1', line.usage.input_tokens, 0, line.usage.output_tokens)) < 1e-9);
  });

  // monitor()'s `headers` option (vector B2): a tenant header reaches both
  // receivers, a header the library sets is refused before anything is
  // patched, and two tenants never share an exporter. (Not a nested describe:
  // Node 16's test runner does not run the outer beforeEach for nested tests.)
  function headerOptions(headers: Record<string, string>): MonitorOptions {
    return { metrics_url: prom.url, logs_url: loki.url, instance: 'host-a:1', flush_interval_ms: 60_000, headers };
  }

  it('sends X-Scope-OrgID with every push of both signals', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, headerOptions({ 'X-Scope-OrgID': 'team-search' }));
    monitors.push(monitor);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    assert.ok(prom.samplesOf('openai_totalTokens').length === 1 && loki.entries().length === 1, 'the call arrived');
    for (const req of [...prom.requests, ...loki.requests]) assert.equal(req.headers['x-scope-orgid'], 'team-search');
    assert.deepEqual([...prom.violations, ...loki.violations], []);
  });

  it('refuses a header the library sets, naming headers and the header, and leaves the client as it was', () => {
    const client = newClient(fake);
    const original = client.chat.completions.create;
    for (const header of ['Content-Encoding', 'Authorization', 'X-Prometheus-Remote-Write-Version']) {
      assert.throws(
        () => chat_v2.monitor(client, headerOptions({ [header]: 'some-value-1234' })),
        (err: unknown) =>
          err instanceof MonitoringError &&
          err.code === 'GOM_INVALID_OPTION' &&
          err.option === 'headers' &&
          err.message.startsWith(`headers: ${header} is `) &&
          err.message.includes('remove it') &&
          !err.message.includes('some-value-1234'),
      );
    }
    assert.equal(client.chat.completions.create, original);
  });

  it('keeps two tenants apart: each monitor pushes each call with its own X-Scope-OrgID', async () => {
    const client = newClient(fake);
    const first = chat_v2.monitor(client, headerOptions({ 'X-Scope-OrgID': 'tenant-a' }));
    const second = chat_v2.monitor(client, headerOptions({ 'X-Scope-OrgID': 'tenant-b' }));
    monitors.push(first, second);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await Promise.all([first.flush(), second.flush()]);
    for (const tenant of ['tenant-a', 'tenant-b']) {
      const requests = prom.requests.filter((r) => r.headers['x-scope-orgid'] === tenant);
      assert.equal(requests.reduce((n, r) => n + countOf(r, 'openai_totalTokens'), 0), 1, `${tenant} got the call once`);
      assert.equal(loki.requests.filter((r) => r.headers['x-scope-orgid'] === tenant).reduce((n, r) => n + r.entries.length, 0), 1);
    }
    assert.equal(prom.requests.length, 2, 'one push per tenant: no request carries both');
  });
});
