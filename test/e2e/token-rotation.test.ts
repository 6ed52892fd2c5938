import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { chat_v2 } from '../../src/index';
import type { MonitoringError } from '../../src/monitoring-error';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { loadOpenAI, newClient } from '../support/openai-sdk';
import { describeWithPrometheus } from '../support/prometheus-server';

const sdk = loadOpenAI();
const ROUNDS = 20;

describeWithPrometheus('two monitors, one Prometheus, two tokens (token rotation)', (prom) => {
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

  it("lands every call of both: the second exporter writes as instance '<instance>#2', and no push is refused", async () => {
    const errors: MonitoringError[] = [];
    const options = (token: string) => ({
      metrics_url: prom.server.writeUrl,
      logs_url: loki.url,
      metrics_username: '111111',
      logs_username: '222222',
      access_token: token,
      environment: 'token-rotation',
      instance: 'api-1',
      flush_interval_ms: 60_000,
      on_error: (err: MonitoringError) => errors.push(err),
    });
    const oldClient = newClient(fake);
    const newClientOfRotation = newClient(fake);
    const oldMonitor = chat_v2.monitor(oldClient, options('glc_old_token'));
    const newMonitor = chat_v2.monitor(newClientOfRotation, options('glc_new_token'));
    let tokens = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const client of [oldClient, newClientOfRotation]) {
          const completion = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hello' }] });
          tokens += completion.usage?.total_tokens ?? 0;
        }
        if (round % 4 === 3) await Promise.all([oldMonitor.flush(), newMonitor.flush()]);
      }
    } finally {
      await Promise.all([oldMonitor.shutdown(), newMonitor.shutdown()]);
    }
    assert.deepEqual(errors.map((e) => e.message), []);
    const result = (await prom.server.query('sum by (instance) (sum_over_time(openai_totalTokens{environment="token-rotation"}[10m]))', Date.now() / 1000 + 2)) as unknown as {
      result: { metric: { instance: string }; value: [number, string] }[];
    };
    const byInstance = Object.fromEntries(result.result.map((r) => [r.metric.instance, Number(r.value[1])]));
    assert.deepEqual(Object.keys(byInstance).sort(), ['api-1', 'api-1#2']);
    assert.equal(byInstance['api-1'] + byInstance['api-1#2'], tokens, `openai ${sdk.version}`);
  });
});
