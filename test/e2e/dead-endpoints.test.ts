import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { runNodeScript } from '../support/run-node-script';

const SHUTDOWN_TIMEOUT_MS = 1500;
const TIMEOUT_MS = 1000;
/** Node start-up and teardown, on a loaded 2-core CI machine. */
const EXIT_SLACK_MS = 1500;

interface AppReport {
  baseline: number[];
  monitored: number[];
  lastCallEndMs: number;
  exitMs: number;
  unhandled: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A TCP server that accepts connections and never answers: the worst receiver there is. */
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

/** A port nothing listens on: connections are refused. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function runApp(fake: FakeOpenAI, metricsUrl: string, logsUrl: string) {
  const result = await runNodeScript(`require(${JSON.stringify(join(__dirname, 'dead-endpoint-app.js'))})`, {
    FAKE_OPENAI_URL: fake.url,
    METRICS_URL: metricsUrl,
    LOGS_URL: logsUrl,
    CALLS: '40',
    TIMEOUT_MS: String(TIMEOUT_MS),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  }, 30_000);
  assert.equal(result.killed, false, 'the process had to be killed: it did not exit on its own');
  assert.equal(result.code, 0, result.stderr);
  assert.ok(!`${result.stdout}${result.stderr}`.includes('glc_never_printed_secret'), 'the token was printed');
  return { report: JSON.parse(result.stdout.trim().split('\n').pop() as string) as AppReport, stderr: result.stderr };
}

describe('an app whose metrics and logs endpoints are down', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());

  for (const kind of ['refuse connections', 'never answer'] as const) {
    it(`keeps working at normal speed and exits on its own within shutdown_timeout_ms when they ${kind}`, async () => {
      const hole = kind === 'never answer' ? await blackHole() : undefined;
      const base = hole?.url ?? (await refusedUrl());
      try {
        const { report } = await runApp(fake, `${base}/api/v1/write`, `${base}/loki/api/v1/push`);
        assert.equal(report.monitored.length, 40, 'every monitored call succeeded');
        assert.deepEqual(report.unhandled, []);
        // A push on the request path would cost at least a connection attempt
        // per call, or timeout_ms (1 s) when the receiver never answers.
        assert.ok(median(report.monitored) < median(report.baseline) * 2 + 5, `median call ${median(report.monitored).toFixed(2)} ms monitored vs ${median(report.baseline).toFixed(2)} ms unmonitored`);
        const lingered = report.exitMs - report.lastCallEndMs;
        assert.ok(lingered <= SHUTDOWN_TIMEOUT_MS + EXIT_SLACK_MS, `process lived ${lingered} ms after its last call`);
      } finally {
        await hole?.close();
      }
    });
  }
});
