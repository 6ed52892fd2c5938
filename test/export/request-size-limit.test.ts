import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { makeLokiStream } from '../../src/export/log-entry.js';
import { makeSeries } from '../../src/export/series.js';
import { startLokiReceiver } from '../support/loki-receiver.js';
import { shutDownTestExporters, testExporter } from '../support/test-exporter.js';
import type { Exporter } from '../../src/export/exporter.js';
import type { HttpAnswer } from '../support/loopback-server.js';
import { startRemoteWriteReceiver, type ReceivedRemoteWrite } from '../support/remote-write-receiver.js';

/**
 * Receivers with a request size limit (wire-protocols.md §9: "400 or 413
 * 'message size … larger than the allowed limit' (Mimir: 400) → body too
 * large: no retry of the same bytes; split future batches"; vector B6). The
 * loopback receivers refuse by a rule of their own, as nginx's
 * client_max_body_size or Mimir's max-recv-msg-size do, and store nothing of a
 * refused request, so what they hold is what a real one would.
 */

const NGINX_413: HttpAnswer = { status: 413, body: '<html><head><title>413 Request Entity Too Large</title></head></html>' };
const MIMIR_400: HttpAnswer = {
  status: 400,
  body: 'the incoming push request has been rejected because its message size of 73512 bytes is larger than the allowed limit of 20000 bytes (err-mimir-distributor-max-write-message-size)',
};
const stream = makeLokiStream({ job: 'size-test', level: 'info' });
const series = (n: number): ReturnType<typeof makeSeries> => makeSeries('size_test_value', { job: 'size-test', n: String(n) });

afterEach(shutDownTestExporters);
const exporterFor = (metricsUrl: string, logsUrl: string) => testExporter(metricsUrl, logsUrl, { maxQueue: 50_000, retry: { initialBackoffMs: 20 } });

function samplesIn(req: ReceivedRemoteWrite): number {
  return (req.series ?? []).reduce((n, s) => n + s.samples.length, 0);
}

/** Samples of the app's series only: every push also carries the self-monitoring counters (at 0 or more). */
function dataSamplesIn(req: ReceivedRemoteWrite): number {
  const isSelf = (s: { labels: readonly { name: string; value: string }[] }) =>
    s.labels.some((l) => l.name === '__name__' && l.value.startsWith('grafana_openai_monitoring_'));
  return (req.series ?? []).filter((s) => !isSelf(s)).reduce((n, s) => n + s.samples.length, 0);
}

/** Adds `count` samples spread over 10 series; value = running number, so order and completeness are checkable. */
function addSamples(exporter: Exporter, from: number, count: number): void {
  const start = Date.now() - 5000;
  for (let i = from; i < from + count; i++) exporter.addSample(series(i % 10), i, start + i);
}

/** What each series should hold after samples 0 … total-1 arrived in order. */
function expectedPerSeries(total: number): number[][] {
  return Array.from({ length: 10 }, (_, n) => Array.from({ length: total }, (_, i) => i).filter((i) => i % 10 === n));
}

describe('remote-write to a receiver that refuses large requests', () => {
  for (const [style, refusal] of [['413', NGINX_413], ["Mimir's 400 \"message size … larger than the allowed limit\"", MIMIR_400]] as const) {
    it(`gets every sample through ${style} above 300 samples, and later flushes send requests it takes`, async () => {
      const prom = await startRemoteWriteReceiver({ respond: (req) => (samplesIn(req) > 300 ? refusal : undefined) });
      const loki = await startLokiReceiver();
      try {
        const { exporter, errors } = exporterFor(prom.url, loki.url);
        addSamples(exporter, 0, 1000);
        await exporter.flush();
        const firstFlush = prom.requests.length;
        assert.ok(prom.requests[0].status === refusal.status && dataSamplesIn(prom.requests[0]) === 1000, 'all 1,000 went in one request first');
        assert.ok(firstFlush > 2, `the refused batch went again in smaller requests (${firstFlush} requests)`);

        addSamples(exporter, 1000, 1000);
        await exporter.flush();
        const later = prom.requests.slice(firstFlush);
        assert.ok(later.length > 0);
        assert.deepEqual(later.filter((r) => r.status !== 204).map((r) => samplesIn(r)), [], 'no refusal in a later flush');
        assert.ok(later.every((r) => samplesIn(r) <= 300));

        for (let n = 0; n < 10; n++) {
          assert.deepEqual(prom.samplesOf('size_test_value', { n: String(n) }).map((s) => s.value), expectedPerSeries(2000)[n], `series ${n}: every sample, in order`);
        }
        assert.deepEqual(prom.violations, [], 'no sample out of order or twice');
        assert.deepEqual(exporter.stats().droppedSamples, {});
        assert.deepEqual(prom.samplesOf('grafana_openai_monitoring_dropped_samples_total').filter((s) => s.value !== 0), [], 'every dropped counter stays at 0');
        assert.ok((exporter.stats().failures['metrics:too_large'] ?? 0) >= 2, JSON.stringify(exporter.stats().failures));
        assert.deepEqual(errors, [], 'nothing was lost: nothing to report');
      } finally {
        await shutDownTestExporters();
        await prom.close();
        await loki.close();
      }
    });
  }

  it('drops a sample too large on its own, counts it too_large, reports once, and delivers the rest', async () => {
    // As nginx with a small client_max_body_size: refuses by body bytes. 2,000 random hex characters
    // do not compress, so a sample carrying them is over the limit alone.
    const prom = await startRemoteWriteReceiver({ respond: (req) => (req.body.length > 1500 ? NGINX_413 : undefined) });
    const loki = await startLokiReceiver();
    const huge = (): ReturnType<typeof makeSeries> => makeSeries('size_test_value', { job: 'size-test', n: 'huge', blob: randomBytes(1000).toString('hex') });
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      addSamples(exporter, 0, 10);
      exporter.addSample(huge(), -1, Date.now() - 1000);
      addSamples(exporter, 10, 10);
      await exporter.flush();
      exporter.addSample(huge(), -2, Date.now() - 500);
      addSamples(exporter, 20, 10);
      await exporter.flush();

      for (let n = 0; n < 10; n++) assert.deepEqual(prom.samplesOf('size_test_value', { n: String(n) }).map((s) => s.value), expectedPerSeries(30)[n]);
      assert.deepEqual(prom.samplesOf('size_test_value', { n: 'huge' }), []);
      assert.equal(exporter.stats().droppedSamples.too_large, 2);
      assert.deepEqual(errors.map((e) => [e.code, e.signal, e.status]), [['GOM_PUSH_REJECTED', 'metrics', 413]], 'reported once');
      assert.match(errors[0].message, /one sample alone .* too_large/);
      assert.match(errors[0].message, /client_max_body_size/);

      // One oversized sample says nothing about the request size: the next flush is one request again.
      const before = prom.requests.length;
      addSamples(exporter, 30, 40);
      await exporter.flush();
      assert.equal(prom.requests.length - before, 1);
      const dropped = prom.samplesOf('grafana_openai_monitoring_dropped_samples_total', { reason: 'too_large' }).map((s) => s.value);
      assert.equal(dropped[dropped.length - 1], 2, 'the drop counter in Prometheus says 2 too_large');
      assert.deepEqual(prom.violations, []);
    } finally {
      await shutDownTestExporters();
      await prom.close();
      await loki.close();
    }
  });
});

describe('remote-write to a receiver that refuses every request as too large', () => {
  it('drops and counts every sample too_large, reports once, and stops halving in later flushes: one sample per request', async () => {
    const prom = await startRemoteWriteReceiver({ respond: () => NGINX_413 });
    const loki = await startLokiReceiver();
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      addSamples(exporter, 0, 8);
      await exporter.flush();
      // 8 samples and the self counters, halved down to one each: a binary tree with one leaf per sample has 2n - 1 nodes.
      const sent = samplesIn(prom.requests[0]);
      assert.equal(dataSamplesIn(prom.requests[0]), 8);
      assert.equal(prom.requests.length, 2 * sent - 1, `${sent} samples halved down to one per request`);
      const first = prom.requests.length;
      addSamples(exporter, 8, 8);
      await exporter.flush();
      const later = prom.requests.slice(first);
      assert.ok(later.every((r) => samplesIn(r) === 1), `later requests carry ${later.map(samplesIn).join(', ')} samples`);
      assert.equal(exporter.stats().droppedSamples.too_large, sent + later.length, 'every sample sent was counted');
      assert.deepEqual(errors.map((e) => e.code), ['GOM_PUSH_REJECTED']);
    } finally {
      await shutDownTestExporters();
      await prom.close();
      await loki.close();
    }
  });
});

describe('Loki push to a receiver that refuses large requests', () => {
  it('gets every line through 413 above 50 lines, and later flushes send requests it takes', async () => {
    const prom = await startRemoteWriteReceiver();
    const loki = await startLokiReceiver({ respond: (req) => (req.entries.length > 50 ? NGINX_413 : undefined) });
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      const add = (from: number, count: number): void => {
        for (let i = from; i < from + count; i++) exporter.addLogEntry(stream, Date.now() - 1000, `{"i":${i}}`);
      };
      add(0, 300);
      await exporter.flush();
      const firstFlush = loki.requests.length;
      assert.equal(loki.requests[0].entries.length, 300);
      assert.ok(firstFlush > 2, `${firstFlush} requests`);
      add(300, 300);
      await exporter.flush();
      const later = loki.requests.slice(firstFlush);
      assert.deepEqual(later.filter((r) => r.status !== 204).map((r) => r.entries.length), [], 'no refusal in a later flush');
      assert.ok(later.every((r) => r.entries.length <= 50));

      assert.deepEqual(loki.entries().map((e) => e.line), Array.from({ length: 600 }, (_, i) => `{"i":${i}}`), 'every line, in order');
      assert.deepEqual(loki.violations, []);
      assert.deepEqual(exporter.stats().droppedLogEntries, {});
      assert.deepEqual(errors, []);
    } finally {
      await shutDownTestExporters();
      await prom.close();
      await loki.close();
    }
  });

  it('drops a line too large on its own, counts it too_large, reports once with what to change, and delivers the rest', async () => {
    const prom = await startRemoteWriteReceiver();
    const loki = await startLokiReceiver({ respond: (req) => (req.body.length > 20_000 ? NGINX_413 : undefined) });
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      for (let i = 0; i < 20; i++) exporter.addLogEntry(stream, Date.now() - 1000, `small ${i}`);
      exporter.addLogEntry(stream, Date.now() - 1000, `huge ${'x'.repeat(30_000)}`);
      for (let i = 20; i < 40; i++) exporter.addLogEntry(stream, Date.now() - 1000, `small ${i}`);
      await exporter.flush();
      exporter.addLogEntry(stream, Date.now() - 500, `huge again ${'y'.repeat(30_000)}`);
      exporter.addLogEntry(stream, Date.now() - 500, 'small 40');
      await exporter.flush();

      assert.deepEqual(loki.entries().map((e) => e.line), Array.from({ length: 41 }, (_, i) => `small ${i}`));
      assert.equal(exporter.stats().droppedLogEntries.too_large, 2);
      assert.deepEqual(errors.map((e) => [e.code, e.signal, e.status]), [['GOM_PUSH_REJECTED', 'logs', 413]], 'reported once');
      assert.match(errors[0].message, /one log line alone .* too_large/);
      assert.match(errors[0].message, /max_content_length/);
      assert.deepEqual(loki.violations, []);
    } finally {
      await shutDownTestExporters();
      await prom.close();
      await loki.close();
    }
  });
});
