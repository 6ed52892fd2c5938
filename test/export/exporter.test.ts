import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeLokiStream } from '../../src/export/log-entry.js';
import { makeSeries, type Series } from '../../src/export/series.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { startLoopbackServer, type HttpAnswer } from '../support/loopback-server.js';
import { startRemoteWriteReceiver, type ReceivedRemoteWrite, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';
import { decodeRemoteWriteBody } from '../support/remote-write-wire-check.js';
import { shutDownTestExporters, testExporter, TEST_USER_AGENT } from '../support/test-exporter.js';

const USER_AGENT = TEST_USER_AGENT;
const stream = makeLokiStream({ job: 'exp-test', level: 'info' });
const series = (n: number | string = 0): Series => makeSeries('exp_test_value', { job: 'exp-test', n: String(n) });
const isSelf = (name: string | undefined): boolean => (name ?? '').startsWith('grafana_openai_monitoring_');

const exporterFor = testExporter;

/** Data samples of a received request (self-monitoring series left out). */
function dataSamples(req: ReceivedRemoteWrite): { n: string; value: number; timestampMs: number }[] {
  const out: { n: string; value: number; timestampMs: number }[] = [];
  for (const s of req.series ?? []) {
    const name = s.labels.find((l) => l.name === '__name__')?.value;
    if (isSelf(name)) continue;
    const n = s.labels.find((l) => l.name === 'n')?.value ?? '';
    for (const x of s.samples) out.push({ n, ...x });
  }
  return out;
}

/** Every sample of a received request, the self counters (pushed at 0 from the first push) included. */
function samplesIn(req: ReceivedRemoteWrite): number {
  return (req.series ?? []).reduce((n, s) => n + s.samples.length, 0);
}

function headerCount(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name.toLowerCase()) count += 1;
  return count;
}

/** A remote-write receiver answering `script` in order, then 204. */
async function scriptedReceiver(script: HttpAnswer[]): Promise<RemoteWriteReceiver> {
  let next = 0;
  return startRemoteWriteReceiver({ respond: () => (next < script.length ? script[next++] : undefined) });
}

describe('Exporter: what goes on the wire', () => {
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

  it('sends the four remote-write headers exactly once each, and JSON to Loki (B1, E1)', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const before = prom.requests.length;
    exporter.addSample(series('b1'), 1, Date.now());
    exporter.addLogEntry(stream, Date.now(), '{"msg":"b1"}');
    await exporter.flush();
    const req = prom.requests[before];
    assert.equal(req.method, 'POST');
    for (const [name, value] of [
      ['Content-Encoding', 'snappy'],
      ['Content-Type', 'application/x-protobuf'],
      ['X-Prometheus-Remote-Write-Version', '0.1.0'],
      ['User-Agent', USER_AGENT],
    ]) {
      assert.equal(headerCount(req.rawHeaders, name), 1, name);
      assert.equal(req.headers[name.toLowerCase()], value, name);
    }
    const push = loki.requests[loki.requests.length - 1];
    assert.equal(push.headers['content-type'], 'application/json');
    assert.deepEqual(prom.violations, []);
    assert.deepEqual(loki.violations, []);
  });

  it('authenticates with Basic base64(id:token) on both signals (B3)', async () => {
    const { exporter } = exporterFor(prom.url, loki.url, {
      metrics: { url: prom.url, username: '123456', password: 'glc_example' },
      logs: { url: loki.url, username: '123456', password: 'glc_example' },
    });
    exporter.addSample(series('b3'), 1, Date.now());
    exporter.addLogEntry(stream, Date.now(), 'b3');
    await exporter.flush();
    assert.equal(prom.requests[prom.requests.length - 1].authorization, 'Basic MTIzNDU2OmdsY19leGFtcGxl');
    assert.equal(loki.requests[loki.requests.length - 1].authorization, 'Basic MTIzNDU2OmdsY19leGFtcGxl');
  });

  it('sends one request per signal for a flush of 1,000 samples and 1,000 log lines', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const [promBefore, lokiBefore, entriesBefore] = [prom.requests.length, loki.requests.length, loki.entries().length];
    const now = Date.now();
    for (let i = 0; i < 1000; i++) {
      exporter.addSample(series(`k${i % 10}`), i, now - 1000 + i);
      exporter.addLogEntry(stream, now - 1000 + Math.floor(i / 3), `line ${i}`);
    }
    await exporter.flush();
    assert.equal(prom.requests.length - promBefore, 1);
    assert.equal(loki.requests.length - lokiBefore, 1);
    assert.equal(dataSamples(prom.requests[promBefore]).length, 1000);
    assert.equal(loki.entries().length - entriesBefore, 1000);
    assert.deepEqual(prom.violations, []);
    assert.deepEqual(loki.violations, [], 'no duplicate (ts, line) in a stream, every ts a 19-digit string');
  });

  it('sends a full default queue (10,000 samples and 10,000 lines) as requests of 2,000, never one batch for a backlog', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const [promBefore, lokiBefore] = [prom.requests.length, loki.requests.length];
    const now = Date.now();
    for (let i = 0; i < 10_000; i++) {
      exporter.addSample(series(`q${i % 50}`), i, now - 20_000 + i);
      exporter.addLogEntry(stream, now - 20_000 + i, `queued ${i}`);
    }
    await exporter.flush();
    // The exporter's own counters ride along, so the data is spread over the requests a little unevenly.
    const sent = prom.requests.slice(promBefore);
    assert.equal(sent.reduce((n, r) => n + dataSamples(r).length, 0), 10_000);
    assert.ok(sent.length >= 5 && sent.every((r) => samplesIn(r) <= 2_000), `requests of ${sent.map((r) => samplesIn(r)).join(', ')}`);
    assert.deepEqual(loki.requests.slice(lokiBefore).map((r) => r.entries.length), [2_000, 2_000, 2_000, 2_000, 2_000]);
    assert.deepEqual(exporter.stats().droppedSamples, {});
  });

  it('splits a flush larger than maxSamplesPerRequest into ordered requests', async () => {
    const { exporter } = exporterFor(prom.url, loki.url, { maxSamplesPerRequest: 1000 });
    const promBefore = prom.requests.length;
    const now = Date.now();
    for (let i = 0; i < 2500; i++) exporter.addSample(series('split'), i, now - 3000 + i);
    await exporter.flush();
    const requests = prom.requests.slice(promBefore);
    const sent = requests.map((r) => dataSamples(r));
    // The self counters ride in the first request and count toward its 1,000.
    const selfCount = samplesIn(requests[0]) - sent[0].length;
    assert.ok(selfCount > 0);
    assert.deepEqual(requests.map(samplesIn), [1000, 1000, 500 + selfCount]);
    assert.deepEqual(
      sent.flat().map((s) => s.value),
      Array.from({ length: 2500 }, (_, i) => i),
    );
    assert.deepEqual(prom.violations, []);
  });

  it('sends nothing at all for an empty flush (A3, E14)', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const [p, l] = [prom.requests.length, loki.requests.length];
    await exporter.flush();
    await exporter.flush();
    assert.equal(prom.requests.length, p);
    assert.equal(loki.requests.length, l);
  });

  it('goes quiet once its data is delivered: later flushes send nothing', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const p = prom.requests.length;
    exporter.addSample(series('quiet'), 1, Date.now());
    await exporter.flush();
    await exporter.flush();
    await exporter.flush();
    assert.equal(prom.requests.length - p, 1);
  });

  it('stamps samples of one series with strictly increasing integer ms, even added in the same ms', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const at = Date.now() - 5000;
    for (let i = 0; i < 5; i++) exporter.addSample(series('same-ms'), i, at);
    await exporter.flush();
    const stamps = prom.samplesOf('exp_test_value', { n: 'same-ms' }).map((s) => s.timestampMs);
    assert.deepEqual(stamps, [at, at + 1, at + 2, at + 3, at + 4]);
  });

  it('clamps a timestamp in the future to the time the sample was added', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const before = Date.now();
    exporter.addSample(series('future'), 1, Date.now() + 3_600_000);
    const afterAdd = Date.now();
    await exporter.flush();
    const [sample] = prom.samplesOf('exp_test_value', { n: 'future' });
    assert.ok(sample.timestampMs >= before && sample.timestampMs <= afterAdd, String(sample.timestampMs - before));
  });

  it('holds back samples stamped ahead of the clock until they are due', async () => {
    const arrivals: { at: number; stamps: number[] }[] = [];
    const own = await startRemoteWriteReceiver({
      respond: (req) => {
        arrivals.push({ at: Date.now(), stamps: dataSamples(req).map((s) => s.timestampMs) });
        return undefined;
      },
    });
    try {
      const { exporter } = exporterFor(own.url, loki.url);
      // 200 samples in well under 200 ms: the sequencer stamps them T, T+1, …, T+199, most ahead of the clock.
      for (let i = 0; i < 200; i++) exporter.addSample(series('ahead'), i, Date.now());
      await exporter.flush();
      for (const { at, stamps } of arrivals) for (const ts of stamps) assert.ok(ts <= at, `sample at ${ts} sent at ${at}`);
      await new Promise((resolve) => setTimeout(resolve, 220));
      await exporter.flush();
      assert.equal(own.samplesOf('exp_test_value', { n: 'ahead' }).length, 200);
      assert.deepEqual(own.violations, []);
    } finally {
      await shutDownTestExporters();
      await own.close();
    }
  });

  it('reads collectors at every flush and stamps their series with the flush time', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    let value = 1;
    const stop = exporter.addCollector(() => [{ series: series('collected'), value }]);
    const t0 = Date.now();
    await exporter.flush();
    value = 2;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await exporter.flush();
    stop();
    value = 3;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await exporter.flush();
    const got = prom.samplesOf('exp_test_value', { n: 'collected' });
    assert.deepEqual(
      got.map((s) => s.value),
      [1, 2],
    );
    assert.ok(got[0].timestampMs >= t0 && got[1].timestampMs > got[0].timestampMs);
  });

  it('lets a flush preparer queue data just before each flush reads the queues, and stops calling it once unregistered', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    let held = 0;
    const stop = exporter.addFlushPreparer(() => {
      for (; held > 0; held--) exporter.addLogEntry(stream, Date.now(), `prepared ${held}`);
    });
    held = 2;
    await exporter.flush();
    assert.deepEqual(loki.entries().map((e) => e.line).filter((line) => line.startsWith('prepared')), ['prepared 2', 'prepared 1']);
    held = 1;
    assert.equal(exporter.stats().queuedLogEntries, 1, 'stats() counts what the preparer held');
    stop();
    held = 5;
    await exporter.flush();
    assert.equal(loki.entries().map((e) => e.line).filter((line) => line.startsWith('prepared')).length, 3);
  });

  it('runs flush preparers at shutdown, and survives one that throws', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    exporter.addFlushPreparer(() => {
      throw new Error('preparer bug');
    });
    exporter.addFlushPreparer(() => exporter.addSample(series('prepared at shutdown'), 7, Date.now()));
    await exporter.shutdown();
    assert.deepEqual(
      prom.samplesOf('exp_test_value', { n: 'prepared at shutdown' }).map((s) => s.value),
      [7],
    );
  });

  it('pushes its own counters with the selfLabels after a push', async () => {
    const own = await startRemoteWriteReceiver();
    try {
      const { exporter } = exporterFor(own.url, loki.url, { selfLabels: { job: 'integrations/openai', instance: 'host:1' } });
      exporter.addSample(series('self'), 1, Date.now());
      await exporter.flush();
      exporter.addSample(series('self'), 2, Date.now());
      await exporter.flush();
      const pushes = own.samplesOf('grafana_openai_monitoring_pushes_total', { signal: 'metrics', job: 'integrations/openai', instance: 'host:1' });
      assert.deepEqual(
        pushes.map((s) => s.value),
        [0, 1],
        'the first push carries the counter at 0, the second flush reports the first push',
      );
      assert.deepEqual(own.violations, []);
    } finally {
      await shutDownTestExporters();
      await own.close();
    }
  });

  it('never repeats a Loki timestamp within a stream for lines added in the same ms', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const before = loki.entries().length;
    const at = Date.now() - 1000;
    for (let i = 0; i < 3; i++) exporter.addLogEntry(stream, at, 'same line');
    await exporter.flush();
    const stamps = loki.entries().slice(before).map((e) => e.timestampNs);
    assert.deepEqual(stamps, [`${at}000000`, `${at}000001`, `${at}000002`]);
    assert.equal(loki.duplicatesDropped, 0);
  });
});

describe('Exporter: answers and retries', () => {
  let loki: LokiReceiver;
  before(async () => {
    loki = await startLokiReceiver();
  });
  afterEach(shutDownTestExporters);
  after(async () => {
    await loki.close();
  });

  it('takes 200 with a body and 204 as success: no retry, no error (B4)', async () => {
    const prom = await scriptedReceiver([{ status: 200, body: 'ok' }, { status: 204 }]);
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      exporter.addSample(series(), 1, Date.now());
      await exporter.flush();
      exporter.addSample(series(), 2, Date.now());
      await exporter.flush();
      assert.equal(prom.requests.length, 2);
      assert.deepEqual(errors, []);
    } finally {
      await shutDownTestExporters();
      await prom.close();
    }
  });

  it('does not retry 400, reports the status and body verbatim once, and counts the batch dropped (B5)', async () => {
    const prom = await scriptedReceiver([{ status: 400, body: 'out of order sample' }]);
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      exporter.addSample(series(), 1, Date.now());
      exporter.addSample(series(1), 1, Date.now());
      await exporter.flush();
      assert.equal(prom.requests.length, 1);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].code, 'GOM_PUSH_REJECTED');
      assert.equal(errors[0].signal, 'metrics');
      assert.equal(errors[0].status, 400);
      assert.match(errors[0].message, /out of order sample/);
      assert.equal(dataSamples(prom.requests[0]).length, 2);
      assert.equal(exporter.stats().droppedSamples.rejected, samplesIn(prom.requests[0]), 'every sample of the refused request, self counters included');
    } finally {
      await shutDownTestExporters();
      await prom.close();
    }
  });

  // 413 is never retried either, but its data is re-sent in smaller requests: request-size-limit.test.ts.
  it('never retries 401, 403, 404, 405, 415, 422, and calls 404 and 415 configuration errors (B6)', async () => {
    const statuses = [401, 403, 404, 405, 415, 422];
    const prom = await scriptedReceiver(statuses.map((status) => ({ status, body: `status ${status}` })));
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      for (const status of statuses) {
        exporter.addSample(series(status), 1, Date.now());
        await exporter.flush();
      }
      assert.equal(prom.requests.length, statuses.length, 'one request per batch: no retry');
      assert.deepEqual(
        errors.map((e) => [e.status, e.code]),
        statuses.map((s) => [s, s === 404 || s === 415 ? 'GOM_ENDPOINT_CONFIG' : 'GOM_PUSH_REJECTED']),
      );
    } finally {
      await shutDownTestExporters();
      await prom.close();
    }
  });

  it('retries 429 with Retry-After: 1 exactly once, not before 1 s (B7)', async () => {
    const arrivals: number[] = [];
    let first = true;
    const prom = await startRemoteWriteReceiver({
      respond: () => {
        arrivals.push(Date.now());
        if (!first) return undefined;
        first = false;
        return { status: 429, headers: { 'Retry-After': '1' }, body: 'rate limited' };
      },
    });
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url);
      exporter.addSample(series(), 1, Date.now());
      await exporter.flush();
      assert.equal(arrivals.length, 2);
      assert.ok(arrivals[1] - arrivals[0] >= 1000, `retried after ${arrivals[1] - arrivals[0]} ms`);
      assert.deepEqual(errors, []);
      assert.equal(prom.samplesOf('exp_test_value').length, 1);
    } finally {
      await shutDownTestExporters();
      await prom.close();
    }
  });

  it('retries 500, 502, 503, 504 and 529 with a byte-identical body until 204 (B11)', async () => {
    const prom = await scriptedReceiver([500, 502, 503, 504, 529].map((status) => ({ status, body: 'try later' })));
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url, { retry: { initialBackoffMs: 10, maxAttempts: 10 } });
      exporter.addSample(series(), 42, Date.now());
      await exporter.flush();
      assert.equal(prom.requests.length, 6);
      for (const req of prom.requests) assert.ok(req.body.equals(prom.requests[0].body), 'retry body differs');
      assert.deepEqual(errors, []);
      assert.deepEqual(
        prom.samplesOf('exp_test_value').map((s) => s.value),
        [42],
      );
      assert.equal(exporter.stats().failures['metrics:server_error'], 5);
    } finally {
      await shutDownTestExporters();
      await prom.close();
    }
  });

  it('gives up on 500 forever after the attempt bound, drops and counts the batch, reports once (B12)', async () => {
    const prom = await startRemoteWriteReceiver({ respond: () => ({ status: 500, body: 'too old sample' }) });
    try {
      const { exporter, errors } = exporterFor(prom.url, loki.url, { retry: { initialBackoffMs: 5, maxAttempts: 3 } });
      exporter.addSample(series(), 1, Date.now());
      await exporter.flush();
      assert.equal(prom.requests.length, 3);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].code, 'GOM_PUSH_FAILED');
      assert.equal(errors[0].status, 500);
      assert.match(errors[0].message, /too old sample/);
      assert.equal(dataSamples(prom.requests[0]).length, 1);
      assert.equal(exporter.stats().droppedSamples.retries_exhausted, samplesIn(prom.requests[0]), 'every sample of the batch, self counters included');
      assert.equal(exporter.stats().queuedSamples, 0);
    } finally {
      await shutDownTestExporters();
      await prom.close();
    }
  });

  it('retries after connection refused and delivers once the receiver is up (B13)', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { exporter, errors } = exporterFor(`http://127.0.0.1:${port}/api/v1/write`, loki.url, {
      retry: { initialBackoffMs: 100, maxAttempts: 10 },
    });
    exporter.addSample(series(), 7, Date.now());
    const flushed = exporter.flush();
    let received = 0;
    const late = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received += 1;
        res.writeHead(204);
        res.end();
      });
    });
    try {
      const giveUpAt = Date.now() + 3000;
      while (!exporter.stats().failures['metrics:network']) {
        assert.ok(Date.now() < giveUpAt, 'the refused attempt never happened');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise<void>((resolve) => late.listen(port, '127.0.0.1', resolve));
      await flushed;
      assert.equal(received, 1);
      assert.deepEqual(errors, []);
    } finally {
      await shutDownTestExporters();
      late.close();
    }
  });

  it('aborts a push the receiver never answers at timeoutMs and retries it (B14)', async () => {
    let requests = 0;
    const silent = await startLoopbackServer(() => {
      requests += 1;
      return new Promise<HttpAnswer>(() => undefined);
    });
    try {
      const { exporter, errors } = exporterFor(`${silent.origin}/api/v1/write`, loki.url, {
        timeoutMs: 150,
        shutdownTimeoutMs: 100,
        retry: { initialBackoffMs: 10, maxAttempts: 2 },
      });
      exporter.addSample(series(), 1, Date.now());
      const started = Date.now();
      await exporter.flush();
      assert.equal(requests, 2);
      assert.ok(Date.now() - started >= 300);
      assert.equal(errors[0].code, 'GOM_PUSH_FAILED');
      assert.match(errors[0].message, /timed out after 150 ms/);
      assert.equal(exporter.stats().failures['metrics:timeout'], 2);
    } finally {
      await shutDownTestExporters();
      await silent.close();
    }
  });

  it('does not send the second batch of a series before the first is acknowledged (B16)', async () => {
    const events: string[] = [];
    const stamps: number[][] = [];
    let count = 0;
    const slow = await startLoopbackServer(async (req) => {
      const n = ++count;
      events.push(`arrive ${n}`);
      const { series: decoded } = await decodeRemoteWriteBody(req.body);
      stamps.push((decoded ?? []).filter((s) => !isSelf(s.labels.find((l) => l.name === '__name__')?.value)).flatMap((s) => s.samples.map((x) => x.timestampMs)));
      if (n === 1) await new Promise((resolve) => setTimeout(resolve, 300));
      events.push(`answer ${n}`);
      return { status: 204 };
    });
    try {
      const { exporter } = exporterFor(`${slow.origin}/api/v1/write`, loki.url);
      exporter.addSample(series('b16'), 1, Date.now() - 10);
      const first = exporter.flush();
      const giveUpAt = Date.now() + 3000;
      while (count === 0) {
        assert.ok(Date.now() < giveUpAt, 'the first push never arrived');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      exporter.addSample(series('b16'), 2, Date.now());
      const second = exporter.flush();
      const third = exporter.flush();
      await Promise.all([first, second, third]);
      assert.deepEqual(events, ['arrive 1', 'answer 1', 'arrive 2', 'answer 2'], 'waiting flushes coalesce into one request');
      assert.ok(stamps[1][0] > stamps[0][0]);
    } finally {
      await shutDownTestExporters();
      await slow.close();
    }
  });

  it("takes Loki's 260 as not written: no retry, reported once (E15)", async () => {
    const lokiBlocked = await startLokiReceiver({ respond: () => ({ status: 260, body: 'ingestion blocked' }) });
    const prom = await startRemoteWriteReceiver();
    try {
      const { exporter, errors } = exporterFor(prom.url, lokiBlocked.url);
      exporter.addLogEntry(stream, Date.now(), 'x');
      await exporter.flush();
      assert.equal(lokiBlocked.requests.length, 1);
      assert.deepEqual(
        errors.map((e) => [e.code, e.signal, e.status]),
        [['GOM_PUSH_REJECTED', 'logs', 260]],
      );
      assert.equal(exporter.stats().droppedLogEntries.rejected, 1);
    } finally {
      await shutDownTestExporters();
      await lokiBlocked.close();
      await prom.close();
    }
  });

  it('never puts the token in an error, even when the receiver echoes it', async () => {
    const token = 'glc_eyJrIjoiZXhhbXBsZSJ9';
    const echo = await startRemoteWriteReceiver({
      respond: (req) => ({ status: 401, body: `bad credentials: ${req.authorization} (${req.basicAuth?.password})` }),
    });
    try {
      const { exporter, errors } = exporterFor(echo.url, loki.url, { metrics: { url: echo.url, username: '123456', password: token } });
      exporter.addSample(series(), 1, Date.now());
      await exporter.flush();
      assert.equal(errors.length, 1);
      const basic = Buffer.from(`123456:${token}`).toString('base64');
      assert.ok(!errors[0].message.includes(token) && !errors[0].message.includes(basic), errors[0].message);
      assert.match(errors[0].message, /bad credentials/);
    } finally {
      await shutDownTestExporters();
      await echo.close();
    }
  });
});

describe('Exporter: bounded memory and shutdown', () => {
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

  it('drops the oldest samples when the queue is full, counts them and reports once (B15)', async () => {
    const own = await startRemoteWriteReceiver();
    try {
      const { exporter, errors } = exporterFor(own.url, loki.url, { maxQueue: 5 });
      const now = Date.now() - 100;
      for (let i = 1; i <= 8; i++) exporter.addSample(series('full'), i, now + i);
      assert.equal(exporter.stats().queuedSamples, 5);
      await exporter.flush();
      assert.deepEqual(
        own.samplesOf('exp_test_value', { n: 'full' }).map((s) => s.value),
        [4, 5, 6, 7, 8],
      );
      assert.deepEqual(
        own.samplesOf('grafana_openai_monitoring_dropped_samples_total', { reason: 'queue_full' }).map((s) => s.value),
        [0, 3],
      );
      assert.deepEqual(
        errors.map((e) => [e.code, e.signal]),
        [['GOM_QUEUE_FULL', 'metrics']],
      );
    } finally {
      await shutDownTestExporters();
      await own.close();
    }
  });

  it('shutdown delivers what is queued, then ignores new data', async () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    const [p, l] = [prom.samplesOf('exp_test_value', { n: 'shutdown' }).length, loki.entries().length];
    exporter.addSample(series('shutdown'), 1, Date.now());
    exporter.addLogEntry(stream, Date.now(), 'at shutdown');
    await exporter.shutdown();
    assert.equal(prom.samplesOf('exp_test_value', { n: 'shutdown' }).length - p, 1);
    assert.equal(loki.entries().length - l, 1);
    exporter.addSample(series('shutdown'), 2, Date.now());
    await exporter.flush();
    assert.equal(prom.samplesOf('exp_test_value', { n: 'shutdown' }).length - p, 1);
    assert.equal(exporter.stats().shutDown, true);
  });

  it('shutdown resolves within shutdownTimeoutMs when the endpoint never answers', async () => {
    const silent = await startLoopbackServer(() => new Promise<HttpAnswer>(() => undefined));
    try {
      const { exporter, errors } = exporterFor(`${silent.origin}/api/v1/write`, `${silent.origin}/loki/api/v1/push`, {
        timeoutMs: 5000,
        shutdownTimeoutMs: 300,
      });
      exporter.addSample(series(), 1, Date.now());
      exporter.addLogEntry(stream, Date.now(), 'x');
      const started = Date.now();
      await exporter.shutdown();
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 1000, `took ${took} ms`);
      assert.deepEqual(errors.map((e) => e.code).sort(), ['GOM_PUSH_FAILED', 'GOM_PUSH_FAILED']);
    } finally {
      await shutDownTestExporters();
      await silent.close();
    }
  });

  it('shutdown cuts short a retry wait that would end after its deadline', async () => {
    const limited = await startRemoteWriteReceiver({ respond: () => ({ status: 429, headers: { 'Retry-After': '30' } }) });
    try {
      const { exporter, errors } = exporterFor(limited.url, loki.url, { shutdownTimeoutMs: 300 });
      exporter.addSample(series(), 1, Date.now());
      const flushed = exporter.flush();
      await limited.waitFor((r) => r.requests.length === 1, 2000);
      const started = Date.now();
      await exporter.shutdown();
      await flushed;
      assert.ok(Date.now() - started < 1000);
      assert.equal(errors[0].code, 'GOM_PUSH_FAILED');
    } finally {
      await shutDownTestExporters();
      await limited.close();
    }
  });

  it('shutdown tries a batch waiting out its backoff once more, and delivers it when the receiver is back', async () => {
    let answer = 503;
    const flaky = await startRemoteWriteReceiver({ respond: () => ({ status: answer }) });
    try {
      const { exporter } = exporterFor(flaky.url, loki.url, { shutdownTimeoutMs: 2000, retry: { initialBackoffMs: 20_000 } });
      exporter.addSample(series('backoff'), 1, Date.now());
      const flushed = exporter.flush();
      await flaky.waitFor((r) => r.requests.length === 1, 2000);
      answer = 204;
      const started = Date.now();
      await exporter.shutdown();
      await flushed;
      assert.ok(Date.now() - started < 1500, 'no waiting out the 20 s backoff');
      assert.deepEqual(flaky.samplesOf('exp_test_value', { n: 'backoff' }).map((s) => s.value), [1]);
      assert.deepEqual(exporter.stats().droppedSamples, {});
    } finally {
      await shutDownTestExporters();
      await flaky.close();
    }
  });

  it('flush never rejects, whatever the endpoint does', async () => {
    const { exporter } = exporterFor('http://127.0.0.1:9/api/v1/write', 'http://127.0.0.1:9/loki/api/v1/push', {
      retry: { initialBackoffMs: 1, maxAttempts: 2 },
    });
    exporter.addSample(series(), 1, Date.now());
    exporter.addLogEntry(stream, Date.now(), 'x');
    await exporter.flush();
  });

  it('shares one beforeExit listener among exporters and removes it when the last shuts down', async () => {
    const baseline = process.listenerCount('beforeExit');
    const exporters = Array.from({ length: 20 }, () => exporterFor(prom.url, loki.url).exporter);
    assert.ok(process.listenerCount('beforeExit') <= baseline + 1);
    await Promise.all(exporters.map((e) => e.shutdown()));
    assert.equal(process.listenerCount('beforeExit'), baseline);
  });

  it('addSample and addLogEntry never throw, whatever they are given', () => {
    const { exporter } = exporterFor(prom.url, loki.url);
    assert.doesNotThrow(() => exporter.addSample(series(), Number.NaN, Number.NaN));
    assert.doesNotThrow(() => exporter.addSample(undefined as unknown as Series, 1, Date.now()));
    assert.doesNotThrow(() => exporter.addLogEntry(stream, -1, 'x'));
  });
});
