import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { chat_v2 } from '../../src/index';
import type { MonitoringError } from '../../src/monitoring-error';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { loadOpenAI, newClient } from '../support/openai-sdk';
import { startTracing, type Tracing } from '../support/otel-tracing';
import { describeWithPrometheus, type PrometheusHandle } from '../support/prometheus-server';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const CALLS = 20;

let fake: FakeOpenAI;
let loki: LokiReceiver;
let tracing: Tracing;

/** Registered inside each describe (Node 16's runner runs file-level hooks after the suites). */
function withTracedApp(): void {
  before(async () => {
    fake = await startFakeOpenAI();
    loki = await startLokiReceiver();
    tracing = startTracing();
  });
  after(async () => {
    tracing.stop();
    await fake.close();
    await loki.close();
  });
}

function vectorValue(data: unknown): number {
  const result = (data as { result: { value: [number, string] }[] }).result;
  assert.equal(result.length, 1, JSON.stringify(data));
  return Number(result[0].value[1]);
}

/** CALLS calls in sampled spans, pushed to `prom`; gives the trace ids and what went wrong on the way. */
async function tracedCalls(prom: PrometheusHandle, environment: string): Promise<{ traceIds: string[]; errors: MonitoringError[]; startSec: number }> {
  const startSec = Date.now() / 1000 - 1;
  const errors: MonitoringError[] = [];
  const client = newClient(fake);
  const monitor = chat_v2.monitor(client, { metrics_url: prom.server.writeUrl, logs_url: loki.url, environment, flush_interval_ms: 60_000, on_error: (e) => errors.push(e) });
  const traceIds: string[] = [];
  for (let i = 0; i < CALLS; i++) {
    const { span } = await tracing.inSpan(tracing.tracer, `call ${i}`, () => client.chat.completions.create({ model: 'gpt-4.1', messages }));
    traceIds.push(span.spanContext().traceId);
  }
  await monitor.shutdown();
  return { traceIds, errors, startSec };
}

describeWithPrometheus(`a Prometheus with exemplar storage, fed by the openai ${sdk.version} client in traced code`, (prom) => {
  withTracedApp();
  it('returns the exemplar of the duration and the cost histograms through /api/v1/query_exemplars, with the trace id of a traced call', async () => {
    const { traceIds, errors, startSec } = await tracedCalls(prom, 'exemplars');
    assert.deepEqual(errors, []);
    const end = Date.now() / 1000 + 5;
    for (const metric of ['gen_ai_client_operation_duration_seconds_bucket', 'gen_ai_usage_cost_USD_bucket']) {
      const found = await prom.server.queryExemplars(`${metric}{environment="exemplars"}`, startSec, end);
      const exemplars = found.flatMap((s) => s.exemplars.map((e) => ({ ...e, series: s.seriesLabels })));
      assert.equal(exemplars.length, 1, `${metric}: one flush, one label set, one exemplar: ${JSON.stringify(found)}`);
      const [exemplar] = exemplars;
      assert.ok(traceIds.includes(exemplar.labels.trace_id), `${exemplar.labels.trace_id} is one of the calls' traces`);
      assert.equal(exemplar.series.__name__, metric);
      assert.ok(Number(exemplar.value) > 0 && Number(exemplar.value) <= Number(exemplar.series.le), `${exemplar.value} on le="${exemplar.series.le}"`);
      assert.ok(exemplar.timestamp >= startSec && exemplar.timestamp <= end);
    }
    // The exemplar is the slowest call: no call took longer than its value.
    const [duration] = await prom.server.queryExemplars('gen_ai_client_operation_duration_seconds_bucket{environment="exemplars"}', startSec, end);
    const durations = loki.entries().filter((e) => e.labels.environment === 'exemplars').map((e) => (e.json as { duration_s: number }).duration_s);
    assert.equal(durations.length, CALLS);
    assert.ok(Math.abs(Number(duration.exemplars[0].value) - Math.max(...durations)) < 1e-6, `${duration.exemplars[0].value} vs ${Math.max(...durations)}`);
  });
}, { exemplarStorage: true });

describeWithPrometheus(`a Prometheus without exemplar storage, fed the same pushes by the openai ${sdk.version} client`, (prom) => {
  withTracedApp();
  it('accepts every push and stores every sample; it keeps no exemplar', async () => {
    const { errors, startSec } = await tracedCalls(prom, 'no-exemplars');
    assert.deepEqual(errors, [], 'no push was refused');
    const at = Date.now() / 1000 + 5;
    const selector = '{environment="no-exemplars"}';
    assert.equal(vectorValue(await prom.server.query(`count_over_time(openai_requestDuration${selector}[10m])`, at)), CALLS);
    assert.equal(vectorValue(await prom.server.query(`sum(gen_ai_client_operation_duration_seconds_count${selector})`, at)), CALLS);
    assert.equal(vectorValue(await prom.server.query(`sum(gen_ai_client_operation_duration_seconds_bucket{environment="no-exemplars",le="+Inf"})`, at)), CALLS);
    assert.equal(vectorValue(await prom.server.query(`sum(gen_ai_usage_cost_USD_count${selector})`, at)), CALLS);
    assert.deepEqual(await prom.server.queryExemplars(`gen_ai_client_operation_duration_seconds_bucket${selector}`, startSec, at), []);
  });
});
