import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Exporter } from '../../src/export/exporter';
import { makeLokiStream } from '../../src/export/log-entry';
import { makeSeries } from '../../src/export/series';

/**
 * Receivers misbehaving at the transport level (wire-test-vectors.md §B13, §B14,
 * §E17): a connection reset in the middle of the answer, a slow answer within
 * the timeout, a slow answer beyond it. Each scripted answer is used once, in order;
 * after the script a request gets 204.
 */
type Behaviour = 'reset-mid-body' | 'slow-within-timeout' | 'slow-beyond-timeout' | 'ok';

interface Scripted {
  url: string;
  bodies: Buffer[];
  script(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

async function scriptedReceiver(path: string): Promise<Scripted> {
  const bodies: Buffer[] = [];
  let queue: Behaviour[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      const behaviour = queue.shift() ?? 'ok';
      if (behaviour === 'reset-mid-body') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        setTimeout(() => req.socket.destroy(), 10);
      } else if (behaviour === 'slow-within-timeout') setTimeout(() => res.writeHead(204).end(), 300);
      else if (behaviour === 'slow-beyond-timeout') setTimeout(() => res.writeHead(204).end(), 1500);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    bodies,
    script: (...behaviours) => {
      queue = behaviours;
    },
    close: () => {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('pushing to receivers that misbehave on the wire', () => {
  let metrics: Scripted;
  let logs: Scripted;
  let errors: string[];
  let exporter: Exporter;

  before(async () => {
    metrics = await scriptedReceiver('/api/v1/write');
    logs = await scriptedReceiver('/loki/api/v1/push');
  });
  after(async () => {
    await metrics.close();
    await logs.close();
  });
  beforeEach(() => {
    metrics.bodies.length = 0;
    logs.bodies.length = 0;
    errors = [];
    exporter = new Exporter({
      metrics: { url: metrics.url },
      logs: { url: logs.url },
      flushIntervalMs: 60_000,
      timeoutMs: 700,
      shutdownTimeoutMs: 3000,
      userAgent: 'grafana-openai-monitoring/1.0.0',
      retry: { initialBackoffMs: 20 },
      onError: (err) => errors.push(`${err.code} ${err.message}`),
    });
  });

  function addData(): void {
    exporter.addSample(makeSeries('fault_test_value', { job: 'fault' }), 1, Date.now());
    exporter.addLogEntry(makeLokiStream({ job: 'fault' }), Date.now(), 'a line');
  }

  it('retries a push whose answer is cut off by a connection reset, with the very same bytes (B13, E17)', async () => {
    metrics.script('reset-mid-body');
    logs.script('reset-mid-body');
    addData();
    await exporter.flush();
    await exporter.shutdown();
    // Metrics may carry a third request: the self counters reporting the failed attempt.
    assert.equal(logs.bodies.length, 2, 'one cut-off attempt, one retry');
    assert.ok(metrics.bodies.length >= 2);
    for (const receiver of [metrics, logs]) assert.ok(receiver.bodies[0].equals(receiver.bodies[1]), 'the retry is byte-identical');
    assert.deepEqual(errors, []);
  });

  it('waits for a slow answer that comes within timeout_ms: no retry, no error', async () => {
    metrics.script('slow-within-timeout');
    logs.script('slow-within-timeout');
    addData();
    await exporter.flush();
    await exporter.shutdown();
    assert.equal(metrics.bodies.length, 1);
    assert.equal(logs.bodies.length, 1);
    assert.deepEqual(errors, []);
  });

  it('aborts an answer slower than timeout_ms and retries it (B14)', async () => {
    metrics.script('slow-beyond-timeout');
    logs.script('slow-beyond-timeout');
    addData();
    const started = Date.now();
    await exporter.flush();
    const took = Date.now() - started;
    await exporter.shutdown();
    assert.equal(logs.bodies.length, 2);
    assert.ok(metrics.bodies.length >= 2);
    for (const receiver of [metrics, logs]) assert.ok(receiver.bodies[0].equals(receiver.bodies[1]), 'the retry is byte-identical');
    assert.ok(took < 1500, `the flush waited ${took} ms: it should give up on the slow answer at 700 ms`);
    assert.deepEqual(errors, []);
  });

  it('keeps the app fast while a receiver is slow: adding data never waits for the network', async () => {
    metrics.script('slow-beyond-timeout', 'slow-beyond-timeout');
    addData();
    const flushing = exporter.flush();
    const started = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) addData();
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    await flushing;
    await exporter.shutdown();
    assert.ok(micros < 200_000, `1,000 additions took ${micros} µs while a push was stuck`);
  });
});
