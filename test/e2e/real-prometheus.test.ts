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

  it(`stores one sample per call of each compatible series for ${CALLS} concurrent calls, and the cost sum matches the published price`, async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, {
      metrics_url: prom.server.writeUrl,
      logs_url: loki.url,
      environment: 'ci',
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
    const selector = `{job="integrations/openai",source="node_chatv2",model="${body.model}",environment="ci"}`;
    for (const name of COMPATIBLE) {
      assert.equal(scalar(await prom.server.query(`count_over_time(${name}${selector}[10m])`)), CALLS, `${name} samples`);
    }
    assert.equal(scalar(await prom.server.query(`sum_over_time(openai_totalTokens${selector}[10m])`)), CALLS * body.usage.total_tokens);
    const expectedCost = (CALLS * (body.usage.prompt_tokens * GPT_41.input + body.usage.completion_tokens * GPT_41.output)) / 1e6;
    const cost = scalar(await prom.server.query(`sum_over_time(openai_usageCost${selector}[10m])`));
    assert.ok(Math.abs(cost - expectedCost) < 1e-6, `cost ${cost} vs ${expectedCost}`);
    assert.equal(loki.entries().length, CALLS);
    assert.deepEqual(loki.violations, []);
  });
});
