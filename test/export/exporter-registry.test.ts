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
    const b = acquireExporter({ ...options, flushIntervalMs: 5000 });
    try {
      assert.equal(a.exporter, b.exporter);
      assert.equal(liveExporterCount(), 1);
    } finally {
      await a.release();
      await b.release();
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
