import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';
import { runNodeScript } from '../support/run-node-script';

/**
 * The busy process scaled down to what this test's machine makes in a
 * few seconds, with the queues of an earlier default (10,000 samples, 10,000 lines; 50,000 now): the calls
 * make 12,500 samples and 2,500 lines, so at least 2,500 samples must go out
 * before the 10 s timer (with default options, 283 calls/s lost 29% of calls).
 * The queue must also hold what arrives while a push is on the wire, and a
 * recorder hands over up to 256 calls (1,280 samples) at once: a much smaller
 * max_queue drops samples (counted) when the machine is slow to push.
 */
const CALLS = 2500;
const MAX_QUEUE = 10000;

interface AppReport {
  readonly calls: number;
  readonly totalTokens: number;
  readonly callsPerSecond: number;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('a busy process with a healthy receiver', () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let app: AppReport;
  before(async () => {
    fake = await startFakeOpenAI();
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
    const env = { FAKE_OPENAI_URL: fake.url, METRICS_URL: prom.url, LOGS_URL: loki.url, CALLS: String(CALLS), MAX_QUEUE: String(MAX_QUEUE) };
    const result = await runNodeScript(`require(${JSON.stringify(join(__dirname, 'busy-process-app.js'))})`, env, 120_000);
    assert.equal(result.code, 0, result.stderr);
    app = JSON.parse(result.stdout) as AppReport;
  });
  after(async () => {
    await fake.close();
    await prom.close();
    await loki.close();
  });

  it('delivers every call: the tokens summed over the samples are what the responses reported', () => {
    assert.equal(app.calls, CALLS);
    assert.equal(sum(prom.samplesOf('openai_totalTokens').map((s) => s.value)), app.totalTokens, `at ${app.callsPerSecond} calls/s`);
    // The receiver checks what Prometheus would refuse: out of order, duplicate, ahead of its clock.
    assert.deepEqual(prom.violations, []);
  });

  it("delivers every call's cost: the spend summed over the samples is calls × one call's cost", () => {
    const costs = loki.entries().map((e) => (e.json as { cost_usd?: number }).cost_usd);
    const perCall = costs[0];
    assert.ok(typeof perCall === 'number' && perCall > 0, 'a log line states the cost');
    const spend = sum(prom.samplesOf('openai_usageCost').map((s) => s.value));
    assert.ok(Math.abs(spend - CALLS * perCall) < 1e-9 * CALLS * perCall, `spend ${spend}, expected ${CALLS * perCall}`);
  });

  it('delivers every log line', () => {
    assert.equal(loki.entries().length, CALLS);
  });

  it('counts every call in the native duration histogram', () => {
    const counts = prom.samplesOf('gen_ai_client_operation_duration_seconds_count').map((s) => s.value);
    assert.equal(Math.max(...counts), CALLS);
  });
});
