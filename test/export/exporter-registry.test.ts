import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acquireExporter, liveExporterCount } from '../../src/export/exporter-registry.js';
import type { ExporterOptions } from '../../src/export/exporter.js';
import { makeSeries } from '../../src/export/series.js';
import type { MonitoringError } from '../../src/monitoring-error.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';

describe('acquireExporter', () => {
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let options: ExporterOptions;
  before(async () => {
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
    options = {
      metrics: { url: prom.url, username: '123456', password: 'glc_one' },
      logs: { url: loki.url, username: '654321', password: 'glc_one' },
      flushIntervalMs: 60_000,
      shutdownTimeoutMs: 1000,
      userAgent: 'grafana-openai-monitoring/1.0.0',
    };
  });
  after(async () => {
    await prom.close();
    await loki.close();
  });

  it('gives monitors with the same destination the same exporter', async () => {
    const a = acquireExporter(options);
    const b = acquireExporter({ ...options, flushIntervalMs: undefined, shutdownTimeoutMs: undefined });
    const c = acquireExporter(options);
    try {
      assert.equal(a.exporter, b.exporter, 'bounds left out join whatever the destination uses');
      assert.equal(a.exporter, c.exporter, 'the same bounds join');
      assert.equal(liveExporterCount(), 1);
    } finally {
      await Promise.all([a, b, c].map((l) => l.release()));
    }
  });

  it('refuses a second monitor of a destination that asks for other bounds, naming the option', async () => {
    const a = acquireExporter(options);
    try {
      const cases: [Partial<ExporterOptions>, string][] = [
        [{ flushIntervalMs: 5000 }, 'flush_interval_ms'],
        [{ maxQueue: 500 }, 'max_queue'],
        [{ timeoutMs: 100 }, 'timeout_ms'],
        [{ shutdownTimeoutMs: 30_000 }, 'shutdown_timeout_ms'],
      ];
      for (const [bounds, option] of cases) {
        assert.throws(() => acquireExporter({ ...options, ...bounds }), (err: MonitoringError) => {
          assert.equal(err.code, 'GOM_INVALID_OPTION');
          assert.equal(err.option, option);
          assert.match(err.message, new RegExp(`${option} is .*, but a monitor already pushing to this destination .* uses`));
          assert.doesNotMatch(err.message, /glc_one/);
          return true;
        });
      }
      assert.equal(liveExporterCount(), 1);
    } finally {
      await a.release();
    }
    assert.equal(liveExporterCount(), 0, 'a refused monitor holds nothing');
  });

  it('names the instance of a second exporter on the same metrics URL (other token, other headers) #2, #3', async () => {
    const self = { selfLabels: { job: 'integrations/openai', instance: 'host:1' } };
    const first = acquireExporter({ ...options, ...self });
    const rotated = acquireExporter({ ...options, ...self, metrics: { ...options.metrics, password: 'glc_two' }, logs: { ...options.logs, password: 'glc_two' } });
    const tenant = acquireExporter({ ...options, ...self, metrics: { ...options.metrics, headers: { 'X-Scope-OrgID': 't2' } } });
    const sameAsFirst = acquireExporter({ ...options, ...self });
    const otherInstance = acquireExporter({ ...options, selfLabels: { instance: 'host:2' }, metrics: { ...options.metrics, password: 'glc_two' } });
    try {
      assert.deepEqual([first, rotated, tenant, sameAsFirst, otherInstance].map((l) => l.instance), ['host:1', 'host:1#2', 'host:1#3', 'host:1', 'host:2']);
    } finally {
      await Promise.all([rotated, tenant].map((l) => l.release()));
    }
    const later = acquireExporter({ ...options, ...self, metrics: { ...options.metrics, password: 'glc_three' } });
    try {
      assert.equal(later.instance, 'host:1#2', 'a name given back is taken again');
    } finally {
      await Promise.all([first, sameAsFirst, otherInstance, later].map((l) => l.release()));
    }
  });

  it('gives a different exporter for another token, user or URL', async () => {
    const base = acquireExporter(options);
    const leases = [
      acquireExporter({ ...options, metrics: { ...options.metrics, password: 'glc_two' } }),
      acquireExporter({ ...options, logs: { ...options.logs, username: '999' } }),
      acquireExporter({ ...options, logs: { url: `${loki.url}?tenant=2` } }),
    ];
    try {
      for (const lease of leases) assert.notEqual(lease.exporter, base.exporter);
      assert.equal(liveExporterCount(), 4);
    } finally {
      await Promise.all([base, ...leases].map((l) => l.release()));
    }
    assert.equal(liveExporterCount(), 0);
  });

  it('gives another tenant (another X-Scope-OrgID) its own exporter, and the same headers the same one', async () => {
    const t1 = acquireExporter({ ...options, metrics: { ...options.metrics, headers: { 'X-Scope-OrgID': 't1' } }, logs: { ...options.logs, headers: { 'X-Scope-OrgID': 't1' } } });
    const t2 = acquireExporter({ ...options, metrics: { ...options.metrics, headers: { 'X-Scope-OrgID': 't2' } }, logs: { ...options.logs, headers: { 'X-Scope-OrgID': 't2' } } });
    const t1Again = acquireExporter({ ...options, metrics: { ...options.metrics, headers: { 'x-scope-orgid': 't1' } }, logs: { ...options.logs, headers: { 'x-scope-orgid': 't1' } } });
    const none = acquireExporter(options);
    try {
      assert.notEqual(t1.exporter, t2.exporter);
      assert.notEqual(t1.exporter, none.exporter);
      assert.equal(t1Again.exporter, t1.exporter, 'header names ignore case');
      assert.equal(liveExporterCount(), 3);
    } finally {
      await Promise.all([t1, t2, t1Again, none].map((l) => l.release()));
    }
  });

  it('shuts the exporter down at the last release only, delivering what was queued', async () => {
    const a = acquireExporter(options);
    const b = acquireExporter(options);
    a.exporter.addSample(makeSeries('registry_test', { job: 'exp-test' }), 1, Date.now());
    await a.release();
    assert.equal(b.exporter.stats().shutDown, false);
    await a.release(); // a second release of the same lease changes nothing
    assert.equal(b.exporter.stats().shutDown, false);
    await b.release();
    assert.equal(b.exporter.stats().shutDown, true);
    assert.equal(prom.samplesOf('registry_test').length, 1);
    const c = acquireExporter(options);
    try {
      assert.notEqual(c.exporter, b.exporter, 'a new monitor after the last release gets a fresh exporter');
    } finally {
      await c.release();
    }
  });

  it("tells every sharing monitor's onError about a delivery problem, until it releases", async () => {
    const rejecting = await startRemoteWriteReceiver({ respond: () => ({ status: 403, body: 'forbidden' }) });
    const first: MonitoringError[] = [];
    const second: MonitoringError[] = [];
    const shared = { ...options, metrics: { url: rejecting.url } };
    const a = acquireExporter({ ...shared, onError: (e) => first.push(e) });
    const b = acquireExporter({ ...shared, onError: (e) => second.push(e) });
    try {
      a.exporter.addSample(makeSeries('registry_test', { job: 'exp-test' }), 1, Date.now());
      await a.exporter.flush();
      assert.deepEqual([first.length, second.length], [1, 1]);
      await a.release();
      b.exporter.addSample(makeSeries('registry_test', { job: 'exp-test' }), 2, Date.now());
      await b.exporter.flush();
      assert.deepEqual([first.length, second.length], [1, 2]);
    } finally {
      await a.release();
      await b.release();
      await rejecting.close();
    }
  });
});
