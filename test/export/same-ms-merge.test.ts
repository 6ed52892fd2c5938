import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeSeries } from '../../src/export/series.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';
import { shutDownTestExporters, testExporter } from '../support/test-exporter.js';

const tokens = makeSeries('merge_test_tokens', { job: 'merge-test' }, 'sum');
const duration = makeSeries('merge_test_duration', { job: 'merge-test' }, 'max');
const plain = makeSeries('merge_test_plain', { job: 'merge-test' });
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('samples of one series beyond one per millisecond', () => {
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  before(async () => {
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  afterEach(shutDownTestExporters);
  after(async () => {
    await prom.close();
    await loki.close();
  });

  it('arrive at the next flush, whatever the rate: 20,000 calls as fast as they come, summed exactly, none ahead of the clock', async () => {
    const { exporter, errors } = testExporter(prom.url, loki.url, { maxQueue: 50_000 });
    const started = Date.now();
    for (let i = 0; i < 20_000; i++) exporter.addSample(tokens, 1 + (i % 7), Date.now());
    const elapsedMs = Date.now() - started + 1;
    await exporter.flush();
    const samples = prom.samplesOf('merge_test_tokens');
    let expected = 0;
    for (let i = 0; i < 20_000; i++) expected += 1 + (i % 7);
    assert.equal(sum(samples.map((s) => s.value)), expected);
    assert.ok(samples.length <= elapsedMs, `${samples.length} samples for ${elapsedMs} ms: at most one per ms`);
    assert.deepEqual(prom.violations, []); // strictly increasing, never ahead of the receiver's clock
    assert.deepEqual(errors, []);
  });

  it('keep the slowest value of the millisecond for a series that combines by max', async () => {
    const { exporter } = testExporter(prom.url, loki.url);
    const at = Date.now();
    const values = [0.2, 1.5, 0.7];
    for (let round = 0; round < 100; round++) for (const v of values) exporter.addSample(duration, v, at);
    await exporter.flush();
    const samples = prom.samplesOf('merge_test_duration');
    assert.ok(samples.length < 300, 'combined');
    assert.equal(Math.max(...samples.map((s) => s.value)), 1.5);
    assert.ok(samples.every((s) => values.includes(s.value)), 'each sample is the value of a call');
  });

  it('are not combined while the series has free milliseconds up to now: count_over_time stays the call count', async () => {
    const { exporter } = testExporter(prom.url, loki.url);
    const at = Date.now() - 2000; // 100 calls that ended in one ms, 2 s ago
    for (let i = 0; i < 100; i++) exporter.addSample(makeSeries('merge_test_past', { job: 'merge-test' }, 'sum'), 3, at);
    await exporter.flush();
    const stamps = prom.samplesOf('merge_test_past').map((s) => s.timestampMs);
    assert.deepEqual(stamps, Array.from({ length: 100 }, (_, i) => at + i));
  });

  it('are never combined into a sample already sent', async () => {
    const { exporter } = testExporter(prom.url, loki.url);
    const at = Date.now();
    for (let i = 0; i < 50; i++) exporter.addSample(makeSeries('merge_test_sent', { job: 'merge-test' }, 'sum'), 2, at);
    await exporter.flush();
    for (let i = 0; i < 50; i++) exporter.addSample(makeSeries('merge_test_sent', { job: 'merge-test' }, 'sum'), 2, at);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await exporter.flush();
    assert.equal(sum(prom.samplesOf('merge_test_sent').map((s) => s.value)), 200);
    assert.deepEqual(prom.violations, []);
  });

  it('of a series without a rule keep one ms each, held back until due (cumulative and self series)', async () => {
    const { exporter } = testExporter(prom.url, loki.url);
    for (let i = 0; i < 100; i++) exporter.addSample(plain, i, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 120));
    await exporter.flush();
    assert.equal(prom.samplesOf('merge_test_plain').length, 100);
  });
});
