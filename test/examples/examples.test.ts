import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { startLokiReceiver, startRemoteWriteReceiver, type LokiReceiver, type RemoteWriteReceiver } from '../../src/testing/index';
import { cleanEnv, distDir } from '../cli/cli-process';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { loadOpenAI } from '../support/openai-sdk';
import { repoRoot } from '../support/paths';

// Runs examples/*.mjs as a user would after `npm install grafana-openai-monitoring`:
// from a folder whose node_modules holds the package (this repository's
// package.json with the built dist/) and `openai` (the SDK major of this run),
// configured only by environment variables, against the fake OpenAI server and
// the testing receivers. The Express example needs express, which the
// repository does not install: it is only syntax-checked.

const examplesDir = join(repoRoot, 'examples');
const sdk = loadOpenAI();
const TOKEN = 'glc_example_token_for_tests';

interface ExampleRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe(`the examples, with openai ${sdk.version}`, () => {
  let app: string;
  let fake: FakeOpenAI;
  let prometheus: RemoteWriteReceiver;
  let loki: LokiReceiver;
  /** Examples still running, killed at the end should a failed test leave one behind. */
  const running = new Set<ChildProcess>();
  /** Receivers not closed yet: Node 16 skips afterEach after a failed test, and an open server would keep the run alive. */
  const receivers: { close(): Promise<void> }[] = [];

  before(async () => {
    app = mkdtempSync(join(tmpdir(), 'gom-examples-'));
    const pkg = join(app, 'node_modules', 'grafana-openai-monitoring');
    mkdirSync(pkg, { recursive: true });
    // The repository's package.json as published. Should it lack the "./testing" export, the
    // first test below fails on that; the copy gets the entry so the examples still show the rest.
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    manifest.exports['./testing'] ??= {
      import: { types: './dist/esm/testing/index.d.ts', default: './dist/esm/testing/index.js' },
      require: { types: './dist/cjs/testing/index.d.ts', default: './dist/cjs/testing/index.js' },
    };
    writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2));
    symlinkSync(distDir, join(pkg, 'dist'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules', sdk.packageName), join(app, 'node_modules', 'openai'), 'dir');
    for (const file of readdirSync(examplesDir).filter((f) => f.endsWith('.mjs'))) copyFileSync(join(examplesDir, file), join(app, file));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'examples-app', private: true }));
    fake = await startFakeOpenAI();
  });
  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await fake.close();
    rmSync(app, { recursive: true, force: true });
  });
  beforeEach(async () => {
    fake.reset();
    prometheus = await startRemoteWriteReceiver({ basicAuth: { username: '123456', password: TOKEN } });
    loki = await startLokiReceiver({ basicAuth: { username: '654321', password: TOKEN } });
    receivers.push(prometheus, loki);
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    assert.deepEqual([...prometheus.violations, ...loki.violations], []);
  });

  /** Starts an example; `env` values override the defaults, undefined removes one. `whileRunning` may act on the process. */
  function runExample(file: string, env: Record<string, string | undefined> = {}, whileRunning?: (pid: number) => Promise<void>): Promise<ExampleRun> {
    const merged: Record<string, string | undefined> = {
      ...cleanEnv(),
      OPENAI_API_KEY: 'sk-test-not-a-secret',
      OPENAI_BASE_URL: fake.url,
      GRAFANA_METRICS_URL: prometheus.url,
      GRAFANA_LOGS_URL: loki.queryUrl,
      GRAFANA_METRICS_USERNAME: '123456',
      GRAFANA_LOGS_USERNAME: '654321',
      GRAFANA_ACCESS_TOKEN: TOKEN,
      ...env,
    };
    for (const name of Object.keys(merged)) if (merged[name] === undefined) delete merged[name];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(app, file)], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env: merged });
      running.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        running.delete(child);
        resolve({ code, signal, stdout, stderr });
      });
      whileRunning?.(child.pid as number).catch(reject);
    });
  }

  it('exports the testing subpath for import and require from package.json', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, { import?: unknown; require?: unknown }> };
    assert.ok(pkg.exports['./testing']?.import, 'package.json exports has no "./testing" import entry');
    assert.ok(pkg.exports['./testing']?.require, 'package.json exports has no "./testing" require entry');
  });

  it('streaming.mjs prints the streamed answer, and its call arrives with usage and time to first chunk', async () => {
    const run = await runExample('streaming.mjs');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.trim().length > 0, 'no streamed text printed');
    assert.equal(fake.requests.length, 1);
    assert.deepEqual((fake.requests[0].body as { stream_options?: unknown }).stream_options, { include_usage: true });
    assert.equal(prometheus.count('openai_totalTokens', { source: 'node_chatv2' }), 1);
    assert.equal(prometheus.latest('gen_ai_client_operation_time_to_first_chunk_seconds_count'), 1);
    assert.equal(loki.lines()[0].json?.stream, true);
  });

  it('azure-openai.mjs calls the deployment path and records the Azure provider', async () => {
    const run = await runExample('azure-openai.mjs', { AZURE_OPENAI_ENDPOINT: fake.origin, AZURE_OPENAI_API_KEY: 'azure-test-key', OPENAI_BASE_URL: undefined });
    assert.equal(run.code, 0, run.stderr);
    assert.match(fake.requests[0].path, /^\/openai\/deployments\/gpt-4o-mini\/chat\/completions$/);
    assert.equal(prometheus.count('openai_totalTokens'), 1);
    assert.equal(prometheus.series({ gen_ai_provider_name: 'azure.ai.openai' }).length > 0, true);
  });

  it('local-openai-compatible.mjs pushes without credentials and names the local server', async () => {
    const open = { prometheus: await startRemoteWriteReceiver(), loki: await startLokiReceiver() };
    try {
      const run = await runExample('local-openai-compatible.mjs', {
        GRAFANA_METRICS_URL: open.prometheus.url,
        GRAFANA_LOGS_URL: open.loki.url,
        GRAFANA_METRICS_USERNAME: undefined,
        GRAFANA_LOGS_USERNAME: undefined,
        GRAFANA_ACCESS_TOKEN: undefined,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal((fake.requests[0].body as { model: string }).model, 'llama3.2');
      assert.equal(open.prometheus.count('openai_totalTokens', { environment: 'local' }), 1);
      assert.equal(open.loki.lines()[0].json?.server_address, '127.0.0.1');
      assert.deepEqual([...open.prometheus.violations, ...open.loki.violations], []);
    } finally {
      await Promise.all([open.prometheus.close(), open.loki.close()]);
    }
  });

  it('graceful-shutdown.mjs exits 0 on SIGTERM after pushing every call it made', { skip: process.platform === 'win32' && 'POSIX signals' }, async () => {
    const run = await runExample('graceful-shutdown.mjs', {}, async (pid) => {
      // Poll for a bounded time: an example that dies early must fail the test, not hang it.
      for (let waited = 0; fake.requests.length < 2; waited += 20) {
        if (waited > 10_000) throw new Error('graceful-shutdown.mjs made fewer than 2 calls in 10 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      process.kill(pid, 'SIGTERM');
    });
    assert.equal(run.code, 0, `${run.signal ?? ''} ${run.stderr}`);
    const calls = Number(/telemetry for (\d+) calls pushed/.exec(run.stdout)?.[1]);
    assert.ok(calls >= 2, run.stdout);
    assert.equal(fake.requests.length, calls, 'a call was started but not finished');
    assert.equal(prometheus.count('openai_totalTokens'), calls);
    assert.equal(loki.count({ level: 'info' }), calls);
  });

  it('testing-telemetry.test.mjs passes: the documented way to test telemetry works from the package', async () => {
    const run = await runExample('testing-telemetry.test.mjs');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // TAP (`# pass 1`) on Node 16–20, spec (`ℹ pass 1`) on newer Nodes.
    assert.match(run.stdout, /^(# |ℹ )pass 1$/m);
  });

  it('express-service/server.mjs is valid JavaScript and declares what it imports', async () => {
    const check = await new Promise<number | null>((resolve) => {
      spawn(process.execPath, ['--check', join(examplesDir, 'express-service', 'server.mjs')], { stdio: 'ignore' }).on('close', resolve);
    });
    assert.equal(check, 0);
    const source = readFileSync(join(examplesDir, 'express-service', 'server.mjs'), 'utf8');
    const declared = Object.keys((JSON.parse(readFileSync(join(examplesDir, 'express-service', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    const imported = [...source.matchAll(/^import .* from '([^'.][^']*)';$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(imported, [...declared].sort());
  });
});
