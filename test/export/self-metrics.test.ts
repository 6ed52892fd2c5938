import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SelfMetrics } from '../../src/export/self-metrics.js';

const labelsOf = (s: { series: { labels: readonly { name: string; value: string }[] } }): Record<string, string> =>
  Object.fromEntries(s.series.labels.map((l) => [l.name, l.value]));

describe('SelfMetrics', () => {
  it('has no series and no change before anything is counted', () => {
    const self = new SelfMetrics({ job: 'j' });
    assert.equal(self.hasChanged, false);
    assert.deepEqual(self.collect(), []);
  });

  it('names the counters as documented, with selfLabels and their own labels', () => {
    const self = new SelfMetrics({ job: 'integrations/openai', instance: 'h:1' });
    self.countPush('metrics');
    self.countFailure('logs', 'rate_limited');
    self.countDropped('metrics', 'queue_full', 3);
    self.countDropped('logs', 'too_old', 2);
    const got = self.collect().filter((c) => c.timestampMs === undefined).map((c) => ({ ...labelsOf(c), value: String(c.value) }));
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
    assert.deepEqual(
      self.collect().map((c) => c.value),
      [0, 1],
    );
    assert.equal(self.hasChanged, false);
    self.countFailure('logs', 'network');
    assert.deepEqual(
      self.collect().map((c) => c.value),
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
      self.collect().map((c) => c.value),
      [0, 1],
    );
  });

  it('gives each counter a 0 dated just before its first increment on its first collect only, so increase() counts the first drop', () => {
    const self = new SelfMetrics();
    const before = Date.now();
    self.countDropped('metrics', 'queue_full', 3);
    const after = Date.now();
    const [zero, value, ...rest] = self.collect();
    assert.deepEqual(rest, []);
    assert.equal(zero.series, value.series);
    assert.equal(zero.value, 0);
    assert.ok(zero.timestampMs !== undefined && zero.timestampMs >= before - 1 && zero.timestampMs < after, `born at ${zero.timestampMs}`);
    assert.deepEqual([value.value, value.timestampMs], [3, undefined]);
    self.countDropped('metrics', 'queue_full', 1);
    assert.deepEqual(
      self.collect().map((c) => [c.value, c.timestampMs]),
      [[4, undefined]],
      'no second zero',
    );
  });

  it('refuses selfLabels no receiver would accept, at construction', () => {
    assert.throws(() => new SelfMetrics({ 'bad-name': 'x' }));
  });
});
