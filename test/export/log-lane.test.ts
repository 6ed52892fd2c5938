import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Exporter } from '../../src/export/exporter.js';
import { makeLokiStream, type DeferredLine } from '../../src/export/log-entry.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';

const stream = makeLokiStream({ job: 'lane-test', level: 'info' });

/** A deferred line that counts how often its text is made. */
class CountingLine implements DeferredLine {
  made = 0;
  constructor(private readonly content: string) {}
  text(): string {
    this.made += 1;
    return this.content;
  }
}

describe('log lines whose text is made at the flush', () => {
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  const exporters: Exporter[] = [];
  before(async () => {
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    loki.requests.length = 0;
  });
  after(async () => {
    await prom.close();
    await loki.close();
  });

  function exporter(maxLogBytesPerRequest?: number): Exporter {
    const made = new Exporter({
      metrics: { url: prom.url },
      logs: { url: loki.url },
      flushIntervalMs: 60_000,
      timeoutMs: 1000,
      shutdownTimeoutMs: 1000,
      userAgent: 'grafana-openai-monitoring/1.0.0',
      maxLogBytesPerRequest,
      onError: () => undefined,
    });
    exporters.push(made);
    return made;
  }

  it('makes the text when the batch is pushed, not when the line is queued', async () => {
    const e = exporter();
    const line = new CountingLine('{"msg":"deferred"}');
    e.addLogEntry(stream, Date.now(), line);
    assert.equal(line.made, 0);
    await e.flush();
    assert.equal(line.made, 1);
    assert.deepEqual(loki.entries().map((x) => x.line).filter((l) => l.includes('deferred')), ['{"msg":"deferred"}']);
  });

  it('drops only a line whose text cannot be made, counting it as encode_error', async () => {
    const e = exporter();
    e.addLogEntry(stream, Date.now(), '{"msg":"before"}');
    e.addLogEntry(stream, Date.now(), {
      text: () => {
        throw new TypeError('Do not know how to serialize a BigInt');
      },
    });
    e.addLogEntry(stream, Date.now(), new CountingLine('{"msg":"after"}'));
    await e.flush();
    const sent = loki.requests.flatMap((r) => r.entries.map((x) => x.line));
    assert.deepEqual(sent, ['{"msg":"before"}', '{"msg":"after"}']);
    assert.equal(e.stats().droppedLogEntries.encode_error, 1);
    assert.equal(e.stats().droppedLogEntries.too_old ?? 0, 0);
  });

  it('makes each text once when the byte bound splits the batch over several requests', async () => {
    const e = exporter(300);
    const lines = Array.from({ length: 4 }, (_, i) => new CountingLine(JSON.stringify({ i, pad: 'x'.repeat(150) })));
    for (const line of lines) e.addLogEntry(stream, Date.now(), line);
    await e.flush();
    assert.ok(loki.requests.length >= 2, `${loki.requests.length} request(s)`);
    assert.deepEqual(lines.map((l) => l.made), [1, 1, 1, 1]);
    assert.equal(loki.requests.reduce((n, r) => n + r.entries.length, 0), 4);
  });

  it('keeps a request within its byte bound counting UTF-8 bytes, however many bytes a character takes', async () => {
    const e = exporter(1000);
    // 100 × '€' is 100 characters but 300 bytes: 2 such lines (with framing) fit 1,000 bytes, 3 do not.
    for (let i = 0; i < 6; i++) e.addLogEntry(stream, Date.now(), new CountingLine(`${i}${'€'.repeat(100)}`));
    await e.flush();
    assert.deepEqual(loki.requests.map((r) => r.entries.length), [2, 2, 2]);
  });

  it('fills a request up to its byte bound with ASCII lines, not to a third of it', async () => {
    const e = exporter(1000);
    // 300 ASCII characters are 300 bytes: 2 lines fit 1,000 bytes with framing, as they would counted exactly.
    for (let i = 0; i < 6; i++) e.addLogEntry(stream, Date.now(), `${i}${'a'.repeat(299)}`);
    await e.flush();
    assert.deepEqual(loki.requests.map((r) => r.entries.length), [2, 2, 2]);
  });
});
