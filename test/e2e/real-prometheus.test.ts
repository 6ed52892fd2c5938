import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { chat_v2 } from '../../src/index';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { loadOpenAI, newClient } from '../support/openai-sdk';
import { describeWithPrometheus } from '../support/prometheus-server';

const sdk = loadOpenAI();
const CALLS = 1000;
const COMPATIBLE = ['openai_promptTokens', 'openai_completionTokens', 'openai_totalTokens', 'openai_requestDuration', 'openai_usageCost'];
/** gpt-4.1 in shared/reference/openai-pricing.md: $2.00 input, $8.00 output per 1M tokens (GP, 2025-07-04). */
const GPT_41 = { input: 2.0, output: 8.0 };

function scalar(result: unknown): number {
  const data = result as { result: { value: [number, string] }[] };
  assert.equal(data.result.length, 1, JSON.stringify(result));
  return Number(data.result[0].value[1]);
}

describeWithPrometheus(`the real Prometheus, fed by the monitored openai ${sdk.version} client`, (prom) => {
  let fake: FakeOpenAI;
  let loki: LokiReceiver;

  before(async () => {
    fake = await startFakeOpenAI();
    loki = await startLokiReceiver();
  });
  after(async () => {
    await fake.close();
    await loki.close();
  });

  it(`stores every one of ${CALLS} concurrent calls: tokens and cost summed exactly, calls counted exactly by the native histogram`, async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, {
      metrics_url: prom.server.writeUrl,
      logs_url: loki.url,
      environment: 'ci-burst',
      flush_interval_ms: 200,
    });
    const results = await Promise.all(
      Array.from({ length: CALLS }, () => client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hello' }] })),
    );
    assert.equal(results.length, CALLS);
    await monitor.shutdown();

    const body = JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8')) as {
      model: string;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    const selector = `{job="integrations/openai",source="node_chatv2",model="${body.model}",environment="ci-burst"}`;
    // 1,000 calls ending within a few ms get the next free ms of their series
    // (timestamps strictly increase per series) while that is not ahead of the
    // clock; past it, calls of one ms share a sample (same-ms-merge.ts): sums stay
    // exact, and the five series keep one sample per group of calls.
    const at = Date.now() / 1000 + 5;
    const counts: number[] = [];
    for (const name of COMPATIBLE) counts.push(scalar(await prom.server.query(`count_over_time(${name}${selector}[10m])`, at)));
    assert.ok(counts.every((c) => c === counts[0] && c > 0 && c <= CALLS), `samples per series: ${counts.join(', ')}`);
    const calls = scalar(await prom.server.query('sum(max_over_time(gen_ai_client_operation_duration_seconds_count{environment="ci-burst"}[10m]))', at));
    assert.equal(calls, CALLS, 'calls counted by the native histogram');
    assert.equal(scalar(await prom.server.query(`sum_over_time(openai_totalTokens${selector}[10m])`, at)), CALLS * body.usage.total_tokens);
    const expectedCost = (CALLS * (body.usage.prompt_tokens * GPT_41.input + body.usage.completion_tokens * GPT_41.output)) / 1e6;
    const cost = scalar(await prom.server.query(`sum_over_time(openai_usageCost${selector}[10m])`, at));
    assert.ok(Math.abs(cost - expectedCost) < 1e-6, `cost ${cost} vs ${expectedCost}`);
    assert.equal(loki.entries().length, CALLS);
    assert.deepEqual(loki.violations, []);
  });

  it('holds every native series with the documented labels after a mixed workload', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, { metrics_url: prom.server.writeUrl, logs_url: loki.url, environment: 'native', flush_interval_ms: 200 });
    const messages = [{ role: 'user' as const, content: 'Say hello' }];
    const body = JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8')) as { model: string; usage: { prompt_tokens: number; completion_tokens: number } };
    for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: 'gpt-4.1', messages });
    let streamedInput = 0;
    let streamedOutput = 0;
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true })) {
      if (chunk.usage) {
        streamedInput = chunk.usage.prompt_tokens;
        streamedOutput = chunk.usage.completion_tokens;
      }
    }
    fake.reply('errors.429.insufficient_quota');
    await client.chat.completions.create({ model: 'gpt-4.1', messages }).catch(() => undefined);
    await monitor.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await monitor.shutdown();

    const env = 'environment="native"';
    const inputSum = scalar(await prom.server.query(`sum(gen_ai_client_token_usage_sum{${env},gen_ai_token_type="input"})`));
    const outputSum = scalar(await prom.server.query(`sum(gen_ai_client_token_usage_sum{${env},gen_ai_token_type="output"})`));
    // The stream's usage is invisible to the app (it did not ask) but known to us: the fixture says.
    const streamFixture = loadFixture('chat-stream.include-usage.gpt-4.1').body.toString('utf8');
    const streamUsage = JSON.parse(/"usage":(\{"prompt_tokens"[^}]*\}[^}]*\}[^}]*\})/.exec(streamFixture)?.[1] ?? 'null') as { prompt_tokens: number; completion_tokens: number } | null;
    assert.ok(streamUsage, 'the include-usage fixture carries usage');
    assert.equal(streamedInput, 0, 'the app did not ask for usage and saw none');
    assert.equal(inputSum, 5 * body.usage.prompt_tokens + streamUsage.prompt_tokens);
    assert.equal(outputSum, 5 * body.usage.completion_tokens + streamUsage.completion_tokens);
    assert.equal(streamedOutput, 0);
    // ...and its cost is exact too: the compatible series hold 5 plain calls and the stream.
    const costSum = scalar(await prom.server.query(`sum(sum_over_time(openai_usageCost{${env}}[10m]))`));
    const expectedCost = (5 * (body.usage.prompt_tokens * GPT_41.input + body.usage.completion_tokens * GPT_41.output) + streamUsage.prompt_tokens * GPT_41.input + streamUsage.completion_tokens * GPT_41.output) / 1e6;
    assert.ok(Math.abs(costSum - expectedCost) < 1e-9, `cost ${costSum} vs ${expectedCost}`);

    const calls = scalar(await prom.server.query(`sum(gen_ai_client_operation_duration_seconds_count{${env}})`));
    assert.equal(calls, 7);
    const errors = await prom.server.query(`gen_ai_client_operation_duration_seconds_count{${env},error_type="RateLimitError"}`);
    assert.equal(scalar(errors), 1);
    const labels = (errors as { result: { metric: Record<string, string> }[] }).result[0].metric;
    for (const name of ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'server_address', 'job', 'instance', 'environment']) {
      assert.ok(labels[name], `label ${name} on ${JSON.stringify(labels)}`);
    }
    assert.equal(scalar(await prom.server.query(`sum(gen_ai_client_operation_time_to_first_chunk_seconds_count{${env}})`)), 1);
    assert.equal(scalar(await prom.server.query(`sum(gen_ai_usage_cost_USD_count{${env}})`)), 6);
    for (const name of ['gen_ai_usage_cached_input_tokens_total', 'gen_ai_usage_reasoning_output_tokens_total', 'openai_ratelimit_remaining_requests', 'openai_ratelimit_remaining_tokens']) {
      const result = (await prom.server.query(`${name}{${env}}`)) as { result: unknown[] };
      assert.ok(result.result.length > 0, `${name} is in Prometheus`);
    }
    // Buckets are cumulative and end at +Inf = count.
    const buckets = (await prom.server.query(`gen_ai_client_operation_duration_seconds_bucket{${env},error_type=""}`)) as unknown as { result: { metric: { le: string }; value: [number, string] }[] };
    const ordered = buckets.result.map((r) => ({ le: r.metric.le === '+Inf' ? Infinity : Number(r.metric.le), v: Number(r.value[1]) })).sort((a, b) => a.le - b.le);
    for (let i = 1; i < ordered.length; i++) assert.ok(ordered[i].v >= ordered[i - 1].v, 'cumulative');
    assert.equal(ordered[ordered.length - 1].le, Infinity);
    assert.equal(ordered[ordered.length - 1].v, 6);
  });
});
