import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeLokiStream } from '../../src/export/log-entry.js';
import { makeSeries } from '../../src/export/series.js';
import { SelfMetrics } from '../../src/export/self-metrics.js';
import { startLokiReceiver } from '../support/loki-receiver.js';
import { startRemoteWriteReceiver } from '../support/remote-write-receiver.js';
import { shutDownTestExporters, testExporter } from '../support/test-exporter.js';

const labelsOf = (s: { series: { labels: readonly { name: string; value: string }[] } }): Record<string, string> =>
  Object.fromEntries(s.series.labels.map((l) => [l.name, l.value]));

describe('SelfMetrics', () => {
  it('has every counter, for each signal and reason, at 0 before anything is counted, and no change', () => {
    const self = new SelfMetrics({ job: 'j' });
    assert.equal(self.hasChanged, false);
    const all = self.collect();
    assert.ok(all.every((c) => c.value === 0));
    const names = (name: string): Record<string, string>[] => all.filter((c) => labelsOf(c).__name__ === name).map(labelsOf);
    assert.equal(names('grafana_openai_monitoring_pushes_total').length, 2);
    assert.equal(names('grafana_openai_monitoring_push_failures_total').length, 16, 'both signals × 8 failure reasons');
    assert.deepEqual(names('grafana_openai_monitoring_push_failures_total').filter((l) => l.signal === 'logs').map((l) => l.reason).sort(),
      ['endpoint_config', 'network', 'not_written', 'rate_limited', 'rejected', 'server_error', 'timeout', 'too_large']);
    assert.deepEqual(names('grafana_openai_monitoring_dropped_samples_total').map((l) => l.reason).sort(),
      ['encode_error', 'queue_full', 'rejected', 'retries_exhausted', 'shutdown', 'too_large', 'too_old']);
    assert.equal(names('grafana_openai_monitoring_dropped_log_entries_total').length, 7);
    assert.ok(all.every((c) => labelsOf(c).job === 'j'));
  });

  it('names the counters as documented, with selfLabels and their own labels', () => {
    const self = new SelfMetrics({ job: 'integrations/openai', instance: 'h:1' });
    self.countPush('metrics');
    self.countFailure('logs', 'rate_limited');
    self.countDropped('metrics', 'queue_full', 3);
    self.countDropped('logs', 'too_old', 2);
    const got = self.collect().filter((c) => c.value !== 0).map((c) => ({ ...labelsOf(c), value: String(c.value) }));
    const common = { job: 'integrations/openai', instance: 'h:1' };
    assert.deepEqual(got, [
      { __name__: 'grafana_openai_monitoring_pushes_total', ...common, signal: 'metrics', value: '1' },
      { __name__: 'grafana_openai_monitoring_push_failures_total', ...common, reason: 'rate_limited', signal: 'logs', value: '1' },
      { __name__: 'grafana_openai_monitoring_dropped_samples_total', ...common, reason: 'queue_full', value: '3' },
      { __name__: 'grafana_openai_monitoring_dropped_log_entries_total', ...common, reason: 'too_old', value: '2' },
    ]);
  });

  it('accumulates, and reports a failure or drop as a change only until the next collect', () => {
    const self = new SelfMetrics();
    self.countFailure('logs', 'network');
    assert.equal(self.hasChanged, true);
    const counted = self.collect().filter((c) => c.value !== 0 || c.timestampMs !== undefined);
    assert.deepEqual(
      counted.map((c) => [c.value, c.timestampMs === undefined ? 'now' : 'at birth']),
      [[0, 'at birth'], [1, 'now']],
      'born at zero, then the count',
    );
    assert.equal(self.hasChanged, false);
    self.countFailure('logs', 'network');
    assert.deepEqual(
      self.collect().filter((c) => c.value !== 0).map((c) => c.value),
      [2],
    );
    self.countDropped('logs', 'shutdown', 0);
    assert.equal(self.hasChanged, false, 'dropping nothing is no change');
  });

  it('does not call a successful push a change, so an idle exporter does not push its own push count forever', () => {
    const self = new SelfMetrics();
    self.countPush('metrics');
    assert.equal(self.hasChanged, false);
    assert.deepEqual(
      self.collect().filter((c) => c.value !== 0).map((c) => c.value),
      [1],
    );
  });

  it('refuses selfLabels no receiver would accept, at construction', () => {
    assert.throws(() => new SelfMetrics({ 'bad-name': 'x' }));
  });
});

describe('self-metrics as a receiver sees them', () => {
  it('carries every failure and dropped counter at 0 from the first push, so an alert on them sees a series before the first failure', async () => {
    const prom = await startRemoteWriteReceiver();
    // Loki fails with 503 from the second push on.
    let lokiPushes = 0;
    const loki = await startLokiReceiver({ respond: () => (++lokiPushes > 1 ? { status: 503, body: 'unavailable' } : undefined) });
    try {
      const { exporter } = testExporter(prom.url, loki.url, { selfLabels: { job: 'integrations/openai', instance: 'h:1' }, retry: { initialBackoffMs: 5, maxAttempts: 2 } });
      const now = Date.now() - 100;
      exporter.addSample(makeSeries('app_value', { job: 'app' }), 1, now);
      exporter.addLogEntry(makeLokiStream({ job: 'app', level: 'info' }), now, '{"n":1}');
      await exporter.flush();

      const first = (name: string, labels: Record<string, string>) => prom.samplesOf(name, labels).map((s) => s.value);
      assert.deepEqual(first('grafana_openai_monitoring_push_failures_total', { signal: 'logs', reason: 'server_error' }), [0]);
      assert.deepEqual(first('grafana_openai_monitoring_push_failures_total', { signal: 'metrics', reason: 'timeout' }), [0]);
      assert.deepEqual(first('grafana_openai_monitoring_dropped_samples_total', { reason: 'queue_full' }), [0]);
      assert.deepEqual(first('grafana_openai_monitoring_dropped_log_entries_total', { reason: 'retries_exhausted' }), [0]);
      assert.equal(prom.samplesOf('grafana_openai_monitoring_push_failures_total').length, 16);
      assert.ok(prom.samplesOf('grafana_openai_monitoring_dropped_log_entries_total', { job: 'integrations/openai', instance: 'h:1' }).length === 7);

      exporter.addSample(makeSeries('app_value', { job: 'app' }), 2, now + 1);
      exporter.addLogEntry(makeLokiStream({ job: 'app', level: 'info' }), now + 1, '{"n":2}');
      await exporter.flush();
      await exporter.flush(); // the failure counted at the second flush rides along with this one
      const failures = first('grafana_openai_monitoring_push_failures_total', { signal: 'logs', reason: 'server_error' });
      assert.equal(failures[0], 0, 'the series was there at 0');
      assert.ok(failures[failures.length - 1] >= 1, `then counted the 503s: ${failures.join(', ')}`);
    } finally {
      await shutDownTestExporters();
      await prom.close();
      await loki.close();
    }
  });
});
