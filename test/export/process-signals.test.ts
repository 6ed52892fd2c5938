import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';
import { startSignalledChild, type ChildEnd } from '../support/signalled-child';

// What a deploy does to a monitored service (issue 18): SIGTERM (or Ctrl-C's
// SIGINT) before the first flush. Real processes: a server-style app
// (signal-app.ts) with the real SDK, real receivers on loopback.

const APP = join(__dirname, 'signal-app.js');
const CALLS = 20;
const SHUTDOWN_TIMEOUT_MS = 1_000;
/** Node's teardown and the test's own scheduling, on a loaded 2-core machine. */
const SLACK_MS = 1_500;

/** A TCP server that accepts connections and never answers. */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('SIGTERM and SIGINT', () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;

  before(async () => {
    fake = await startFakeOpenAI();
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  after(async () => {
    await fake.close();
    await prom.close();
    await loki.close();
  });

  async function run(signal: NodeJS.Signals, env: Record<string, string> = {}): Promise<ChildEnd> {
    const child = startSignalledChild(
      APP,
      { FAKE_OPENAI_URL: fake.url, METRICS_URL: prom.url, LOGS_URL: loki.url, CALLS: String(CALLS), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), ...env },
      30_000,
    );
    await child.waitFor('READY');
    child.signal(signal);
    const end = await child.ended;
    assert.equal(end.killed, false, `the test had to kill it: ${end.stdout}${end.stderr}`);
    return end;
  }

  /** openai_promptTokens samples (one per call) of the app process that printed `PID n`. */
  function samplesOf(end: ChildEnd): number {
    const pid = /PID (\d+)/.exec(end.stdout)?.[1];
    assert.ok(pid, end.stdout);
    return prom.samplesOf('openai_promptTokens', { instance: `signal-app:${pid}` }).length;
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`delivers all ${CALLS} calls of an app without a handler on ${signal} before the first flush, then ends by ${signal} like the unmonitored app`, async () => {
      const unmonitored = await run(signal, { MONITORED: '0' });
      assert.equal(unmonitored.signal, signal, 'the control app ends by the signal');
      const lokiBefore = loki.entries().length;
      const monitored = await run(signal);
      assert.equal(monitored.signal, unmonitored.signal);
      assert.equal(monitored.code, unmonitored.code);
      assert.equal(samplesOf(monitored), CALLS, 'one openai_promptTokens sample per call');
      assert.equal(loki.entries().length - lokiBefore, CALLS, 'one log line per call');
      assert.deepEqual(prom.violations, []);
      assert.deepEqual(loki.violations, []);
      assert.doesNotMatch(monitored.stdout, /ERROR/);
    });
  }

  it('ends by SIGTERM, everything delivered, with two copies of the library in the process (each knows the other is not the app)', async () => {
    const end = await run('SIGTERM', { TWO_COPIES: '1' });
    assert.equal(end.signal, 'SIGTERM');
    assert.equal(samplesOf(end), CALLS);
    const pid = /PID (\d+)/.exec(end.stdout)?.[1] ?? '';
    assert.equal(prom.samplesOf('openai_promptTokens', { instance: `signal-app-copy:${pid}` }).length, CALLS);
  });

  it('leaves an app with its own SIGTERM handler running: it keeps serving, and the data of its calls before and after the signal arrives', async () => {
    const lokiBefore = loki.entries().length;
    const end = await run('SIGTERM', { HANDLER: 'own' });
    assert.equal(end.signal, null, 'not ended by the signal: the app decides');
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stdout, /APP GOT SIGTERM\n[^]*STILL SERVING/);
    assert.equal(loki.entries().length - lokiBefore, 2 * CALLS, 'lines of the calls before and after the signal');
    assert.equal(samplesOf(end), 2 * CALLS);
    assert.doesNotMatch(end.stdout, /ERROR/);
  });

  it('ends by SIGTERM within shutdown_timeout_ms of the signal when the endpoints never answer', async () => {
    const hole = await blackHole();
    try {
      const end = await run('SIGTERM', { METRICS_URL: `${hole.url}/api/v1/write`, LOGS_URL: `${hole.url}/loki/api/v1/push` });
      assert.equal(end.signal, 'SIGTERM');
      assert.ok(end.afterSignalMs < SHUTDOWN_TIMEOUT_MS + SLACK_MS, `ended ${end.afterSignalMs} ms after the signal`);
      assert.ok(end.afterSignalMs >= SHUTDOWN_TIMEOUT_MS * 0.9, `gave up after ${end.afterSignalMs} ms, before its deadline`);
      assert.equal(end.stdout.match(/ERROR GOM_PUSH_FAILED metrics/g)?.length, 1, `one report per signal: ${end.stdout}`);
    } finally {
      await hole.close();
    }
  });

  it('leaves signals alone with handle_signals: false (ends at once, nothing delivered)', async () => {
    const lokiBefore = loki.entries().length;
    const end = await run('SIGTERM', { HANDLE_SIGNALS: '0' });
    assert.equal(end.signal, 'SIGTERM');
    assert.equal(loki.entries().length - lokiBefore, 0);
    assert.equal(samplesOf(end), 0);
  });
});
