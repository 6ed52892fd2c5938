import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { isCardinalityLimit } from '../../src/export/cardinality-limit.js';
import { makeLokiStream } from '../../src/export/log-entry.js';
import { makeSeries } from '../../src/export/series.js';
import { startLokiReceiver } from '../support/loki-receiver.js';
import { shutDownTestExporters, testExporter } from '../support/test-exporter.js';
import type { HttpAnswer } from '../support/loopback-server.js';
import { startRemoteWriteReceiver } from '../support/remote-write-receiver.js';

/**
 * Stream and series limits (vector E16; wire-protocols.md §4 Loki 429s, §1.4
 * Mimir's series limit as a 400 soft error): retried or not by status as any
 * answer, and reported once per exporter as a cardinality problem that names
 * the labels to look at.
 */

const LOKI_STREAM_LIMIT = 'Maximum active stream limit exceeded when trying to create stream {job="card-test", level="info"}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: \'fake\'';
const MIMIR_SERIES_LIMIT = 'send data to ingesters: failed pushing to ingester: user=1: per-user series limit of 150000 exceeded (err-mimir-max-series-per-user). To adjust the related per-tenant limit, configure -ingester.max-global-series-per-user';
const stream = makeLokiStream({ job: 'card-test', level: 'info' });
const series = makeSeries('card_test_value', { job: 'card-test' });

afterEach(shutDownTestExporters);
const exporterFor = (metricsUrl: string, logsUrl: string) => testExporter(metricsUrl, logsUrl, { maxQueue: 50_000, retry: { initialBackoffMs: 20 } });

/** Answers `script` in order, then the receiver's default. */
function scripted(script: HttpAnswer[]): () => HttpAnswer | undefined {
  let next = 0;
  return () => (next < script.length ? script[next++] : undefined);
}

describe('isCardinalityLimit', () => {
  it("recognises Loki's stream limit and Mimir's series limits", () => {
    assert.equal(isCardinalityLimit(429, LOKI_STREAM_LIMIT), true);
    assert.equal(isCardinalityLimit(400, MIMIR_SERIES_LIMIT), true);
    assert.equal(isCardinalityLimit(400, 'per-metric series limit of 20000 exceeded (err-mimir-max-series-per-metric)'), true);
    assert.equal(isCardinalityLimit(429, 'max series limit reached for tenant'), true);
  });

  it('leaves rate limits and other errors alone', () => {
    assert.equal(isCardinalityLimit(429, "Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest '120' lines"), false);
    assert.equal(isCardinalityLimit(429, "Per stream rate limit exceeded (limit: 3MB/sec) while attempting to ingest for stream '{job=\"x\"}'"), false);
    assert.equal(isCardinalityLimit(400, 'out of order sample'), false);
    assert.equal(isCardinalityLimit(503, LOKI_STREAM_LIMIT), false, 'a 5xx is a server failure, whatever it says');
  });
});

describe('a receiver at its stream or series limit (E16)', () => {
  it("retries Loki's stream-limit 429 until 204, delivers the lines, and warns once about cardinality", async () => {
    const prom = await startRemoteWriteReceiver();
    const limited: HttpAnswer = { status: 429, body: LOKI_STREAM_LIMIT };
    const loki = await startLokiReceiver({ respond: scripted([limited, limited, { status: 204 }, limited]) });
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      exporter.addLogEntry(stream, Date.now() - 100, 'first');
      await exporter.flush();
      exporter.addLogEntry(stream, Date.now(), 'second');
      await exporter.flush();

      assert.deepEqual(loki.entries().map((e) => e.line), ['first', 'second'], 'data delivered after the 429s');
      assert.equal(loki.requests.length, 5, 'two 429s and a 204 for the first batch, a 429 and a 204 for the second');
      assert.deepEqual(errors.map((e) => [e.code, e.signal, e.status]), [['GOM_CARDINALITY_LIMIT', 'logs', 429]], 'one warning for three limit answers');
      assert.match(errors[0].message, /Maximum active stream limit exceeded/, "quotes Loki's words");
      for (const hint of ['`labels`', 'structured_metadata', 'model']) assert.ok(errors[0].message.includes(hint), `names ${hint}: ${errors[0].message}`);
      assert.equal(exporter.stats().failures['logs:rate_limited'], 3);
      assert.deepEqual(exporter.stats().droppedLogEntries, {});
    } finally {
      await shutDownTestExporters();
      await prom.close();
      await loki.close();
    }
  });

  it('warns once per exporter, whichever signal meets a limit first', async () => {
    const prom = await startRemoteWriteReceiver({ respond: scripted([{ status: 429, body: MIMIR_SERIES_LIMIT }]) });
    const loki = await startLokiReceiver({ respond: scripted([{ status: 429, body: LOKI_STREAM_LIMIT }]) });
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      exporter.addSample(series, 1, Date.now() - 100);
      exporter.addLogEntry(stream, Date.now() - 100, 'line');
      await exporter.flush();
      assert.deepEqual(prom.samplesOf('card_test_value').map((s) => s.value), [1]);
      assert.deepEqual(loki.entries().map((e) => e.line), ['line']);
      assert.deepEqual(errors.map((e) => e.code), ['GOM_CARDINALITY_LIMIT']);
    } finally {
      await shutDownTestExporters();
      await prom.close();
      await loki.close();
    }
  });

  it("does not retry Mimir's 400 series limit (a soft error: the rest was written), and still names the labels to look at", async () => {
    const prom = await startRemoteWriteReceiver({ respond: scripted([{ status: 400, body: MIMIR_SERIES_LIMIT }]) });
    const loki = await startLokiReceiver();
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      exporter.addSample(series, 1, Date.now());
      await exporter.flush();
      assert.equal(prom.requests.length, 1);
      assert.deepEqual(errors.map((e) => [e.code, e.status]), [['GOM_CARDINALITY_LIMIT', 400], ['GOM_PUSH_REJECTED', 400]]);
      assert.match(errors[0].message, /gen_ai_request_model/);
    } finally {
      await shutDownTestExporters();
      await prom.close();
      await loki.close();
    }
  });
});
