import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Exporter } from '../../src/export/exporter';
import { makeLokiStream } from '../../src/export/log-entry';
import { makeSeries } from '../../src/export/series';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';

/** The issue's own scenario, at its own scale: receivers answer 503 for 30 s, then 204. */
const OUTAGE_MS = 30_000;
const PRODUCE_MS = OUTAGE_MS + 2_000;
const MAX_QUEUE = 300;

function sum(values: Readonly<Record<string, number | undefined>>): number {
  return Object.values(values).reduce<number>((total, v) => total + (v ?? 0), 0);
}

describe('receivers that answer 503 for 30 seconds and then 204', () => {
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let outageEnds = 0;
  const outage = () => (Date.now() < outageEnds ? { status: 503, body: 'Service Unavailable' } : undefined);

  before(async () => {
    prom = await startRemoteWriteReceiver({ respond: outage });
    loki = await startLokiReceiver({ respond: outage });
  });
  after(async () => {
    await prom.close();
    await loki.close();
  });

  it('lose nothing that fits the queue, and the drop counters account for everything else', { timeout: 90_000 }, async () => {
    const errors: string[] = [];
    const exporter = new Exporter({
      metrics: { url: prom.url },
      logs: { url: loki.url },
      flushIntervalMs: 1000,
      timeoutMs: 2000,
      shutdownTimeoutMs: 5000,
      maxQueue: MAX_QUEUE,
      userAgent: 'grafana-openai-monitoring/1.0.0',
      onError: (err) => errors.push(`${err.code} ${err.message}`),
    });
    const series = makeSeries('outage_test_value', { job: 'outage' });
    const stream = makeLokiStream({ job: 'outage' });
    outageEnds = Date.now() + OUTAGE_MS;
    const started = Date.now();
    let produced = 0;
    while (Date.now() - started < PRODUCE_MS) {
      for (let i = 0; i < 5; i++) {
        produced += 1;
        exporter.addSample(series, produced, Date.now());
        exporter.addLogEntry(stream, Date.now(), `line ${produced}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The receivers are back: wait for the retried batch and the queue to arrive.
    await prom.waitFor((r) => r.samplesOf('outage_test_value').some((s) => s.value === produced), 40_000);
    await loki.waitFor((r) => r.entries().some((e) => e.line === `line ${produced}`), 40_000);
    const stats = exporter.stats();
    await exporter.shutdown();

    const received = prom.samplesOf('outage_test_value').map((s) => s.value);
    const receivedLines = loki.entries().filter((e) => e.labels.job === 'outage').length;
    assert.ok(prom.requests.some((r) => r.status === 503), 'the outage was real');
    assert.equal(received.length + sum(stats.droppedSamples), produced, `received ${received.length} + dropped ${JSON.stringify(stats.droppedSamples)} = produced ${produced}`);
    assert.equal(receivedLines + sum(stats.droppedLogEntries), produced);
    assert.deepEqual(Object.keys(stats.droppedSamples), ['queue_full'], 'only the queue overflow dropped data: no batch was given up');
    assert.ok(received.includes(produced), 'the newest sample arrived');
    assert.ok(received.length >= MAX_QUEUE, 'at least a full queue arrived');
    assert.equal(new Set(received).size, received.length, 'no sample arrived twice');
    assert.deepEqual(prom.violations, []);
    assert.deepEqual(loki.violations, []);
    assert.ok(errors.every((e) => e.startsWith('GOM_QUEUE_FULL')), errors.join('\n'));
  });
});

describe('receivers that answer 503 for longer than ten attempts take, then recover (issue 22 item 2)', () => {
  // Backoff scaled down 1,000-fold (10-40 ms instead of 0.25-30 s): ten attempts
  // take well under the outage, as ten real ones (64-92 s) took under a
  // 150 s outage. The attempt bound is the default's.
  const OUTAGE = 2_500;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let outageEnds = 0;
  const outage = () => (Date.now() < outageEnds ? { status: 503, body: 'Service Unavailable' } : undefined);

  before(async () => {
    prom = await startRemoteWriteReceiver({ respond: outage });
    loki = await startLokiReceiver({ respond: outage });
  });
  after(async () => {
    await prom.close();
    await loki.close();
  });

  it('deliver the whole backlog once they are back, in requests of at most 2,000 that succeed alone', { timeout: 60_000 }, async () => {
    const errors: string[] = [];
    const exporter = new Exporter({
      metrics: { url: prom.url },
      logs: { url: loki.url },
      flushIntervalMs: 3_600_000,
      timeoutMs: 2000,
      userAgent: 'grafana-openai-monitoring/1.0.0',
      onError: (err) => errors.push(`${err.code} ${err.message}`),
      retry: { initialBackoffMs: 10, maxBackoffMs: 40 },
    });
    const series = (i: number) => makeSeries('long_outage_value', { job: 'long-outage', n: String(i % 10) });
    const stream = makeLokiStream({ job: 'long-outage' });
    outageEnds = Date.now() + OUTAGE;
    const now = Date.now();
    const produced = 5_000;
    for (let i = 0; i < produced; i++) {
      exporter.addSample(series(i), i, now - produced + i);
      exporter.addLogEntry(stream, now - produced + i, `line ${i}`);
    }
    await exporter.flush();
    const stats = exporter.stats();
    await exporter.shutdown();

    assert.ok(prom.requests.filter((r) => r.status === 503).length > 10, 'more than ten attempts were refused');
    assert.equal(prom.samplesOf('long_outage_value').length, produced, 'every sample arrived');
    assert.equal(loki.entries().filter((e) => e.labels.job === 'long-outage').length, produced, 'every line arrived');
    const accepted = <R extends { status?: number }>(requests: R[]): R[] => requests.filter((r) => r.status === 204);
    assert.ok(accepted(prom.requests).length >= 3, 'the backlog left as several requests');
    assert.ok(accepted(loki.requests).every((r) => r.entries.length <= 2_000));
    assert.ok(accepted(loki.requests).length >= 3);
    assert.deepEqual(stats.droppedSamples, {});
    assert.deepEqual(stats.droppedLogEntries, {});
    assert.deepEqual(errors, []);
    assert.deepEqual(prom.violations, []);
    assert.deepEqual(loki.violations, []);
  });
});
