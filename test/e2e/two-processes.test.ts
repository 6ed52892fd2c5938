import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { describeWithPrometheus } from '../support/prometheus-server';
import { runNodeScript } from '../support/run-node-script';

const CALLS = 200;

describeWithPrometheus('two processes monitoring into one real Prometheus', (prom) => {
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

  it('lands every sample of both: each process writes its own series (instance = <hostname>:<pid>)', async () => {
    const env = { FAKE_OPENAI_URL: fake.url, METRICS_URL: prom.server.writeUrl, LOGS_URL: loki.url, CALLS: String(CALLS) };
    const script = `require(${JSON.stringify(join(__dirname, 'concurrent-process-app.js'))})`;
    const [a, b] = await Promise.all([runNodeScript(script, env, 60_000), runNodeScript(script, env, 60_000)]);
    for (const r of [a, b]) assert.equal(r.code, 0, r.stderr);
    const pids = [a.stdout.trim(), b.stdout.trim()];

    // Calls that end in the same ms get the next free ms of their series, so the
    // last samples of a burst are stamped a little ahead and delivered at exit:
    // query a moment ahead so that they count.
    const at = Date.now() / 1000 + 5;
    // Calls of one ms past the series' free ms share a compatible sample (same-ms-merge.ts), so calls
    // are counted by the native histogram, per process.
    const result = (await prom.server.query(
      'sum by (instance) (max_over_time(gen_ai_client_operation_duration_seconds_count{environment="two-processes"}[10m]))',
      at,
    )) as unknown as {
      result: { metric: { instance: string }; value: [number, string] }[];
    };
    const byInstance = new Map(result.result.map((r) => [r.metric.instance, Number(r.value[1])]));
    assert.equal(byInstance.size, 2, JSON.stringify([...byInstance]));
    for (const pid of pids) {
      const instance = [...byInstance.keys()].find((i) => i.endsWith(`:${pid}`));
      assert.ok(instance, `a series for process ${pid}`);
      assert.equal(byInstance.get(instance), CALLS);
    }
    assert.equal(loki.entries().filter((e) => e.labels.environment === 'two-processes').length, 2 * CALLS);
  });
});
