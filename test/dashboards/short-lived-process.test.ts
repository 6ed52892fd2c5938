import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { monitor } from '../../src/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { newClient } from '../support/openai-sdk.js';
import { describeWithPrometheus, type PromQueryData } from '../support/prometheus-server.js';
import { runNodeScript } from '../support/run-node-script.js';
import { grafanaRegexEscape, interpolate, loadDashboard, panelQueries, queryVariables } from './dashboard-queries.js';
import { UNPRICED_MODEL } from './dashboard-workload.js';

/*
 * Grafana shows the truth from the first flush (issue 19): a process that makes
 * 20 calls, flushes once and exits (a CLI, a cron job, a batch script) is on
 * every panel of both dashboards, with spend, tokens and call counts equal to
 * what it did; and a long-lived process's new series count from their first
 * flush. Real Prometheus, real `openai` SDK, a real child process.
 */

const ENVIRONMENT = 'one-flush';
/** As the done-when of issue 19 asks: a dashboard showing the last hour, Grafana's default rate interval for a 1m scrape interval being 4x it. */
const BUILTINS = { __rate_interval: '5m', __interval: '1m', __range: '1h' };

interface ChildReport {
  calls: number;
  failed: number;
}

function finiteValues(data: PromQueryData): number[] {
  if (data.resultType === 'vector') return data.result.map((r) => Number(r.value[1])).filter(Number.isFinite);
  if (data.resultType === 'matrix') return data.result.flatMap((r) => r.values.map((v) => Number(v[1]))).filter(Number.isFinite);
  return [Number(data.result[1])].filter(Number.isFinite);
}

function allSelected(file: string): Record<string, string> {
  const values: Record<string, string> = { ...BUILTINS };
  for (const v of queryVariables(loadDashboard(file))) values[v.name] = v.variable.allValue ?? '.*';
  values.environment = grafanaRegexEscape(ENVIRONMENT);
  return values;
}

function query(file: string, panel: string, refId = 'A'): string {
  const found = panelQueries(loadDashboard(file)).find((q) => q.panel === panel && q.refId === refId);
  assert.ok(found, `${file} has a panel "${panel}" with query ${refId}`);
  return interpolate(found.expr, allSelected(file));
}

/** Equal up to float rounding: Prometheus and this test add the same numbers in another order. */
function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

describeWithPrometheus('a process that makes 20 calls, flushes once and exits, on the dashboards of a real Prometheus', (prom) => {
  let fake: FakeOpenAI;
  let loki: LokiReceiver;
  let report: ChildReport;
  let queriedAt: number;

  before(async () => {
    fake = await startFakeOpenAI();
    fake.replyWith((req) => {
      if ((req.body as { model?: unknown } | undefined)?.model !== UNPRICED_MODEL) return undefined;
      return {
        body: {
          id: 'chatcmpl-one-flush', object: 'chat.completion', created: 1755133835, model: UNPRICED_MODEL,
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
        },
      };
    });
    loki = await startLokiReceiver();
    const result = await runNodeScript(`require(${JSON.stringify(join(__dirname, 'one-flush-app.js'))})`, {
      FAKE_OPENAI_URL: fake.url,
      METRICS_URL: prom.server.writeUrl,
      LOGS_URL: loki.url,
      ENVIRONMENT,
      UNPRICED_MODEL,
    }, 60_000);
    assert.equal(result.code, 0, `the app exits by itself after its flush: ${result.stderr}`);
    report = JSON.parse(result.stdout.trim()) as ChildReport;
    queriedAt = Date.now() / 1000;
  });
  after(async () => {
    await fake?.close();
    await loki?.close();
  });

  it('made the workload: 20 calls, 2 failed, 20 Loki lines', () => {
    assert.deepEqual(report, { ...report, calls: 20, failed: 2 });
    assert.equal(loki.entries().length, 20);
  });

  for (const file of ['openai-native.json', 'openai-compatible.json']) {
    it(`${file}: every panel query returns data ($__range = 1h, $__rate_interval = 5m)`, async () => {
      const empty: string[] = [];
      for (const q of panelQueries(loadDashboard(file))) {
        const expr = interpolate(q.expr, allSelected(file));
        const values = finiteValues(await prom.server.query(expr, queriedAt));
        if (values.length === 0) empty.push(`${q.panel} ${q.refId}: ${expr}`);
      }
      assert.deepEqual(empty, [], `queries without data:\n${empty.join('\n')}`);
    });
  }

  it('shows spend and tokens equal to the calls\' own (the sum of their Loki lines), on both dashboards', async () => {
    const lines = loki.entries().map((e) => e.json as { cost_usd?: number; usage?: { total_tokens?: number } });
    const spend = lines.reduce((sum, l) => sum + (l.cost_usd ?? 0), 0);
    const tokens = lines.reduce((sum, l) => sum + (l.usage?.total_tokens ?? 0), 0);
    assert.ok(spend > 0 && tokens > 0);
    const one = async (expr: string): Promise<number> => {
      const values = finiteValues(await prom.server.query(expr, queriedAt));
      return values.reduce((a, b) => a + b, 0);
    };
    for (const file of ['openai-native.json', 'openai-compatible.json']) {
      assertClose(await one(query(file, 'Spend')), spend, `${file} Spend`);
      assertClose(await one(query(file, 'Tokens')), tokens, `${file} Tokens`);
    }
    assertClose(await one(query('openai-native.json', 'Spend per model')), spend, 'native Spend per model, summed');
    assertClose(await one(query('openai-compatible.json', 'Spend per model over the time range')), spend, 'compatible Spend per model, summed');
  });

  it('counts the calls exactly: 20 calls of which 2 failed, 2 without a price, 18 successful on the compatible dashboard', async () => {
    const value = async (expr: string): Promise<number[]> => finiteValues(await prom.server.query(expr, queriedAt));
    assert.deepEqual(await value(query('openai-native.json', 'Calls')), [20]);
    assert.deepEqual(await value(query('openai-native.json', 'Failed calls')), [2 / 20]);
    assert.deepEqual(await value(query('openai-native.json', 'Calls without a price')), [2]);
    assert.deepEqual(await value(query('openai-compatible.json', 'Calls')), [18]);
  });

  it('is counted by increase() too, from the zero each series is born with (extrapolated: more than the calls, never none)', async () => {
    const counted = finiteValues(
      await prom.server.query(`sum(increase(gen_ai_client_operation_duration_seconds_count{environment="${ENVIRONMENT}"}[1h]))`, queriedAt),
    );
    assert.equal(counted.length, 1);
    assert.ok(counted[0] >= 20, `increase() = ${counted[0]}`);
  });
});

describeWithPrometheus('a long-lived process that starts calling a new model after its first flush', (prom) => {
  it('shows that model\'s first batch in increase() and exactly in the dashboard\'s Calls', async () => {
    const environment = 'new-model';
    const fake = await startFakeOpenAI();
    const loki = await startLokiReceiver();
    try {
      const client = newClient(fake);
      const watched = monitor(client, { metrics_url: prom.server.writeUrl, logs_url: loki.url, environment, flush_interval_ms: 3_600_000 });
      const messages = [{ role: 'user' as const, content: 'Say hello' }];
      for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'gpt-4.1', messages });
      await watched.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'gpt-4.1-mini', messages });
      await watched.flush(); // gpt-4.1-mini's first batch, in its series' first push
      await watched.shutdown();
      const at = Date.now() / 1000;
      const selector = `gen_ai_client_operation_duration_seconds_count{environment="${environment}", gen_ai_request_model="gpt-4.1-mini"}`;
      const increase = finiteValues(await prom.server.query(`sum(increase(${selector}[5m]))`, at));
      assert.equal(increase.length, 1, 'increase() sees the new series');
      assert.ok(increase[0] >= 4, `increase() = ${increase[0]} counts the whole first batch`);
      const calls = interpolate(
        panelQueries(loadDashboard('openai-native.json')).find((q) => q.panel === 'Calls')?.expr ?? '',
        { ...BUILTINS, job: '.*', environment, model: 'gpt-4\\\\.1-mini' },
      );
      assert.deepEqual(finiteValues(await prom.server.query(calls, at)), [4]);
    } finally {
      await Promise.all([fake.close(), loki.close()]);
    }
  });
});
