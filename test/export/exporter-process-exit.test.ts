import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { startLoopbackServer, type HttpAnswer, type LoopbackServer } from '../support/loopback-server.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';
import { runNodeScript } from '../support/run-node-script.js';

// What only a whole process shows: an app that never calls flush() or
// shutdown() still delivers at beforeExit, once, and exits on its own within
// shutdownTimeoutMs even when the endpoint is dead — with no unhandled rejection.
// The child uses the compiled exporter next to this compiled test.

const SRC = join(__dirname, '../../src/export');
const SHUTDOWN_TIMEOUT_MS = 800;
/** Node start-up and module loading, generously: CI machines are slow. */
const SLACK_MS = 1500;

const CHILD = `
  const { Exporter } = require(process.env.SRC + '/exporter.js');
  const { makeSeries } = require(process.env.SRC + '/series.js');
  const { makeLokiStream } = require(process.env.SRC + '/log-entry.js');
  process.on('unhandledRejection', (err) => { console.log('UNHANDLED ' + err); process.exitCode = 99; });
  process.on('exit', () => console.log('EXIT'));
  const exporter = new Exporter({
    metrics: { url: process.env.METRICS_URL, username: '123456', password: 'glc_example' },
    logs: { url: process.env.LOGS_URL, username: '123456', password: 'glc_example' },
    flushIntervalMs: 60000,
    timeoutMs: 5000,
    shutdownTimeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS),
    userAgent: 'grafana-openai-monitoring/1.0.0',
    onError: (err) => console.log('ERROR ' + err.code + ' ' + err.signal),
  });
  const now = Date.now();
  for (let i = 0; i < 3; i++) exporter.addSample(makeSeries('exit_test_value', { job: 'exit-test', n: String(i) }), i, now);
  exporter.addLogEntry(makeLokiStream({ job: 'exit-test' }), now, 'last words');
  // no flush(), no shutdown(): the app just ends
`;

function env(metricsUrl: string, logsUrl: string): Record<string, string> {
  return { SRC, METRICS_URL: metricsUrl, LOGS_URL: logsUrl, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) };
}

describe('Exporter at process exit', () => {
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let silent: LoopbackServer;
  let refusedOrigin: string;

  before(async () => {
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
    silent = await startLoopbackServer(() => new Promise<HttpAnswer>(() => undefined));
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refusedOrigin = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  after(async () => {
    await prom.close();
    await loki.close();
    await silent.close();
  });

  it('delivers what is queued at beforeExit, once, when the app never flushes', async () => {
    const result = await runNodeScript(CHILD, env(prom.url, loki.url), 15_000);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /UNHANDLED|ERROR/);
    assert.equal(prom.requests.length, 1, 'one remote-write request, no second round for the self counters');
    assert.equal(loki.requests.length, 1);
    assert.deepEqual(
      prom
        .series()
        .filter((s) => s.labels.__name__ === 'exit_test_value')
        .map((s) => s.samples.map((x) => x.value)),
      [[0], [1], [2]],
    );
    assert.equal(loki.entries()[0]?.line, 'last words');
    assert.equal(prom.requests[0].authorization, 'Basic MTIzNDU2OmdsY19leGFtcGxl');
    assert.deepEqual(prom.violations, []);
    assert.deepEqual(loki.violations, []);
  });

  it('exits on its own within shutdownTimeoutMs when the endpoint refuses connections', async () => {
    const result = await runNodeScript(CHILD, env(`${refusedOrigin}/api/v1/write`, `${refusedOrigin}/loki/api/v1/push`), 15_000);
    assert.equal(result.killed, false);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(result.elapsedMs < SHUTDOWN_TIMEOUT_MS + SLACK_MS, `exited after ${result.elapsedMs} ms`);
    assert.match(result.stdout, /ERROR GOM_PUSH_FAILED metrics/);
    assert.match(result.stdout, /ERROR GOM_PUSH_FAILED logs/);
    assert.doesNotMatch(result.stdout, /UNHANDLED/);
    assert.doesNotMatch(result.stdout + result.stderr, /glc_example|MTIzNDU2OmdsY19leGFtcGxl/);
  });

  it('exits on its own within shutdownTimeoutMs when the endpoint never answers', async () => {
    const result = await runNodeScript(CHILD, env(`${silent.origin}/api/v1/write`, `${silent.origin}/loki/api/v1/push`), 15_000);
    assert.equal(result.killed, false);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(result.elapsedMs >= SHUTDOWN_TIMEOUT_MS, `gave up after ${result.elapsedMs} ms, before its deadline`);
    assert.ok(result.elapsedMs < SHUTDOWN_TIMEOUT_MS + SLACK_MS, `exited after ${result.elapsedMs} ms`);
    assert.match(result.stdout, /ERROR GOM_PUSH_FAILED metrics/);
    assert.doesNotMatch(result.stdout, /UNHANDLED/);
  });

  it('lets an app that stays busy keep running, and delivers on the flush interval meanwhile', async () => {
    const busy = CHILD.replace('flushIntervalMs: 60000', 'flushIntervalMs: 100') + `
      setTimeout(() => console.log('APP DONE'), 400);
    `;
    const before = prom.requests.length;
    const result = await runNodeScript(busy, env(prom.url, loki.url), 15_000);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /APP DONE\nEXIT/);
    assert.ok(prom.requests.length - before >= 1);
    assert.doesNotMatch(result.stdout, /UNHANDLED|ERROR/);
  });
});
