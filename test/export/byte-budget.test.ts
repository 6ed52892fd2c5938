import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { makeLokiStream } from '../../src/export/log-entry.js';
import { makeSeries } from '../../src/export/series.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';
import { shutDownTestExporters, testExporter } from '../support/test-exporter.js';

// Issue 18: max_queue bounds entries, and a line with content can be 256 KiB;
// what the exporter holds is bounded in bytes, the oldest dropped first.

const MiB = 1024 * 1024;
const stream = makeLokiStream({ job: 'budget-test' });
const LINE = 'x'.repeat(50 * 1024);

describe('the byte budget (max_buffered_bytes)', () => {
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let down = false;
  const outage = () => (down ? { status: 503, body: 'Service Unavailable' } : undefined);
  before(async () => {
    prom = await startRemoteWriteReceiver({ respond: outage });
    loki = await startLokiReceiver({ respond: outage });
  });
  after(async () => {
    await prom.close();
    await loki.close();
  });
  afterEach(shutDownTestExporters);

  it('holds no more than the budget however many 50 KB lines are added, drops the oldest, and delivers the newest', async () => {
    const { exporter, errors } = testExporter(prom.url, loki.url, { maxBufferedBytes: 8 * MiB });
    const now = Date.now();
    for (let i = 0; i < 2_000; i++) exporter.addLogEntry(stream, now - 2_000 + i, `${i} ${LINE}`);
    const stats = exporter.stats();
    assert.ok(stats.peakBufferedBytes <= 8 * MiB, `peak ${stats.peakBufferedBytes}`);
    assert.ok(stats.queuedLogEntries > 20 && stats.queuedLogEntries < 100, `${stats.queuedLogEntries} queued`);
    assert.equal((stats.droppedLogEntries.queue_full ?? 0) + stats.queuedLogEntries, 2_000);
    const before = loki.entries().length;
    await exporter.flush();
    const arrived = loki.entries().slice(before).map((e) => Number(e.line.split(' ')[0]));
    // The bodies being sent are held too, so the flush itself may drop a few more of the oldest queued.
    assert.equal(arrived.length + (exporter.stats().droppedLogEntries.queue_full ?? 0), 2_000, 'each line arrived or was counted');
    assert.ok(arrived.length > 20, `${arrived.length} arrived`);
    assert.equal(arrived[arrived.length - 1], 1_999, 'the newest line arrived');
    assert.ok(arrived[0] >= 2_000 - stats.queuedLogEntries, 'the oldest were the ones dropped');
    assert.deepEqual(arrived, [...arrived].sort((a, b) => a - b), 'in order');
    assert.deepEqual(
      errors.map((e) => e.code),
      ['GOM_QUEUE_FULL'],
    );
    assert.match(errors[0].message, /max_buffered_bytes/);
  });

  it('drops the oldest data whichever signal it belongs to', async () => {
    const { exporter } = testExporter(prom.url, loki.url, { maxBufferedBytes: 8 * MiB });
    const now = Date.now();
    for (let i = 0; i < 1_000; i++) exporter.addSample(makeSeries('budget_old_value', { job: 'budget-test' }), i, now - 60_000 + i);
    for (let i = 0; i < 200; i++) exporter.addLogEntry(stream, now - 1_000 + i, `${i} ${LINE}`);
    const stats = exporter.stats();
    assert.equal(stats.droppedSamples.queue_full, 1_000, 'the minute-old samples went first');
    assert.ok((stats.droppedLogEntries.queue_full ?? 0) > 0);
  });

  it('counts what is being retried, and reports a full buffer once per episode, not once per flush', async () => {
    const { exporter, errors } = testExporter(prom.url, loki.url, {
      maxBufferedBytes: 8 * MiB,
      retry: { initialBackoffMs: 20, maxBackoffMs: 20, maxAttempts: 3 },
    });
    down = true;
    try {
      for (let round = 0; round < 3; round++) {
        const now = Date.now();
        for (let i = 0; i < 300; i++) exporter.addLogEntry(stream, now - 300 + i, `${round}.${i} ${LINE}`);
        const flushing = exporter.flush();
        // While the batch is retried its lines and body are held: the total stays within the budget.
        assert.ok(exporter.stats().bufferedBytes <= 8 * MiB);
        await flushing;
      }
    } finally {
      down = false;
    }
    assert.ok(exporter.stats().peakBufferedBytes <= 8 * MiB);
    assert.equal(errors.filter((e) => e.code === 'GOM_QUEUE_FULL').length, 1, errors.map((e) => e.message).join('\n'));
  });
});
