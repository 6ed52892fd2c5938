import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLokiReceiver, startRemoteWriteReceiver, type LokiReceiver, type RemoteWriteReceiver } from '../../src/testing/index';
import { cleanEnv, distDir } from '../cli/cli-process';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { loadOpenAI } from '../support/openai-sdk';
import { repoRoot } from '../support/paths';

/*
 * examples/serverless-handler.mjs run as a function runtime runs it: a process
 * that imports the handler once, invokes it per event, and is frozen between
 * invocations (SIGSTOP: no timer fires, as in AWS Lambda), then discarded
 * while frozen (SIGKILL: no exit event). Every call must be in Prometheus and
 * Loki when its invocation returns. The package is used as installed (dist/),
 * as the other examples are.
 */

const sdk = loadOpenAI();
/** A Lambda-style runtime: one event per stdin line, one result line per invocation, with how long it took. */
const RUNTIME = `import { createInterface } from 'node:readline';
const { handler } = await import('./serverless-handler.mjs');
for await (const line of createInterface({ input: process.stdin })) {
  const started = Date.now();
  const result = await handler(JSON.parse(line));
  process.stdout.write(JSON.stringify({ statusCode: result.statusCode, ms: Date.now() - started }) + '\\n');
}
`;

interface Invocation {
  statusCode: number;
  ms: number;
}

/** The runtime process, with a way to invoke the handler and wait for its result. */
function startRuntime(app: string, env: Record<string, string>): { child: ChildProcessWithoutNullStreams; invoke(event: unknown): Promise<Invocation>; closed: Promise<void> } {
  const child = spawn(process.execPath, [join(app, 'runtime.mjs')], { cwd: app, env: { ...cleanEnv(), ...env } });
  let stdout = '';
  let stderr = '';
  const waiting: Array<(line: string) => void> = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (let end = stdout.indexOf('\n'); end >= 0; end = stdout.indexOf('\n')) {
      const line = stdout.slice(0, end);
      stdout = stdout.slice(end + 1);
      waiting.shift()?.(line);
    }
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    closed,
    invoke: (event) =>
      new Promise<Invocation>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no result in 20 s; stderr: ${stderr}`)), 20_000);
        waiting.push((line) => {
          clearTimeout(timer);
          resolve(JSON.parse(line) as Invocation);
        });
        child.stdin.write(`${JSON.stringify(event)}\n`);
      }),
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe(`examples/serverless-handler.mjs in a runtime that freezes the process between invocations (openai ${sdk.version})`, { skip: process.platform === 'win32' && 'POSIX signals' }, () => {
  let app: string;
  let fake: FakeOpenAI;
  let prometheus: RemoteWriteReceiver;
  let loki: LokiReceiver;

  before(async () => {
    app = mkdtempSync(join(tmpdir(), 'gom-serverless-'));
    const pkg = join(app, 'node_modules', 'grafana-openai-monitoring');
    mkdirSync(pkg, { recursive: true });
    copyFileSync(join(repoRoot, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(distDir, join(pkg, 'dist'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules', sdk.packageName), join(app, 'node_modules', 'openai'), 'dir');
    copyFileSync(join(repoRoot, 'examples', 'serverless-handler.mjs'), join(app, 'serverless-handler.mjs'));
    writeFileSync(join(app, 'runtime.mjs'), RUNTIME);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'serverless-app', private: true, type: 'module' }));
    fake = await startFakeOpenAI();
    prometheus = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  after(async () => {
    await Promise.all([fake.close(), prometheus.close(), loki.close()]);
    rmSync(app, { recursive: true, force: true });
  });

  it('has every call of each invocation in Prometheus and Loki when it returns, frozen in between and discarded frozen', async () => {
    const runtime = startRuntime(app, {
      OPENAI_API_KEY: 'sk-test-not-a-secret',
      OPENAI_BASE_URL: fake.url,
      GRAFANA_METRICS_URL: prometheus.url,
      GRAFANA_LOGS_URL: loki.url,
    });
    try {
      let calls = 0;
      for (let invocation = 1; invocation <= 4; invocation++) {
        const questions = Array.from({ length: invocation }, (_, i) => `question ${invocation}.${i}`);
        const result = await runtime.invoke({ questions });
        calls += questions.length;
        assert.equal(result.statusCode, 200);
        // Frozen from here on: what has not arrived by now would wait for a thaw that may never come.
        process.kill(runtime.child.pid as number, 'SIGSTOP');
        assert.equal(prometheus.count('openai_totalTokens'), calls, `invocation ${invocation}: compatible samples`);
        assert.equal(prometheus.latest('gen_ai_client_operation_duration_seconds_count', { environment: 'lambda' }), calls, `invocation ${invocation}: native count`);
        assert.equal(loki.lines().length, calls, `invocation ${invocation}: Loki lines`);
        await pause(300);
        process.kill(runtime.child.pid as number, 'SIGCONT');
      }
      process.kill(runtime.child.pid as number, 'SIGSTOP');
      process.kill(runtime.child.pid as number, 'SIGKILL'); // discarded while frozen: no beforeExit, no exit
      await runtime.closed;
      assert.equal(prometheus.count('openai_totalTokens'), 1 + 2 + 3 + 4);
      assert.equal(loki.lines().length, 1 + 2 + 3 + 4);
      assert.deepEqual([...prometheus.violations, ...loki.violations], []);
    } finally {
      runtime.child.kill('SIGKILL');
    }
  });

  it('returns within timeout_ms of its calls when Grafana does not answer, with the same result', async () => {
    // A black hole: accepts connections and never answers, the slowest endpoint there is.
    const sockets = new Set<Socket>();
    const hole: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const port = (hole.address() as { port: number }).port;
    const timeoutMs = Number(/timeout_ms: (\d+)/.exec(readFileSync(join(repoRoot, 'examples', 'serverless-handler.mjs'), 'utf8'))?.[1]);
    assert.ok(timeoutMs > 0, 'the example sets timeout_ms');
    const runtime = startRuntime(app, {
      OPENAI_API_KEY: 'sk-test-not-a-secret',
      OPENAI_BASE_URL: fake.url,
      GRAFANA_METRICS_URL: `http://127.0.0.1:${port}/api/v1/write`,
      GRAFANA_LOGS_URL: `http://127.0.0.1:${port}`,
    });
    try {
      for (let invocation = 1; invocation <= 2; invocation++) {
        const result = await runtime.invoke({ questions: ['Is Grafana up?'] });
        assert.equal(result.statusCode, 200);
        assert.ok(result.ms < timeoutMs + 1500, `invocation ${invocation} took ${result.ms} ms; flush() may add at most timeout_ms = ${timeoutMs}`);
        assert.ok(result.ms >= timeoutMs - 50, `invocation ${invocation} took ${result.ms} ms: flush() waited for the push, bounded by timeout_ms`);
      }
    } finally {
      runtime.child.kill('SIGKILL');
      await runtime.closed;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hole.close(() => resolve()));
    }
  });
});
