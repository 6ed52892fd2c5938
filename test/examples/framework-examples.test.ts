import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { startDemoOpenAIServer } from '../../src/demo/demo-openai-server';
import { startLokiReceiver, startRemoteWriteReceiver, type LokiReceiver, type RemoteWriteReceiver } from '../../src/testing/index';
import { cleanEnv, distDir } from '../cli/cli-process';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { framework, type Framework } from '../frameworks/framework-harness';
import { repoRoot } from '../support/paths';

// Runs examples/langchain.mjs and examples/openai-agents.mjs as a user would,
// from a folder laid out as `npm install` lays out a user's project: one copy
// of `openai` (the one the framework resolves, so the app's `import OpenAI`
// and the framework's are the same module), the framework, zod, and this
// package with its built dist/. Node resolves the symlinks to real paths, so
// the framework finds its dependencies where npm put them in this repository.

const TOKEN = 'glc_example_token_for_tests';
const langchain = framework('@langchain/openai');
const agents = framework('@openai/agents', '@openai/agents-openai');

function packageDir(name: string): string {
  return join(repoRoot, 'node_modules', ...name.split('/'));
}

/** A user's project with `deps` installed and `openai` being the copy `fw` uses. */
function userProject(fw: Framework, deps: string[], example: string): string {
  const app = mkdtempSync(join(tmpdir(), 'gom-framework-example-'));
  const modules = join(app, 'node_modules');
  const pkg = join(modules, 'grafana-openai-monitoring');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(repoRoot, 'package.json')));
  symlinkSync(distDir, join(pkg, 'dist'), 'dir');
  symlinkSync(realpathSync(dirname(fw.openaiPackageJson)), join(modules, 'openai'), 'dir');
  for (const dep of deps) {
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(packageDir(dep), join(modules, dep), 'dir');
  }
  copyFileSync(join(repoRoot, 'examples', example), join(app, example));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'framework-example-app', private: true }));
  return app;
}

describe('the framework examples', () => {
  let fake: FakeOpenAI;
  let prometheus: RemoteWriteReceiver;
  let loki: LokiReceiver;
  const apps: string[] = [];

  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
    for (const app of apps) rmSync(app, { recursive: true, force: true });
  });
  beforeEach(async () => {
    fake.reset();
    prometheus = await startRemoteWriteReceiver({ basicAuth: { username: '123456', password: TOKEN } });
    loki = await startLokiReceiver({ basicAuth: { username: '654321', password: TOKEN } });
  });
  afterEach(async () => {
    await Promise.all([prometheus.close(), loki.close()]);
    assert.deepEqual([...prometheus.violations, ...loki.violations], []);
  });

  function runExample(app: string, file: string, baseURL: string = fake.url): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env = {
      ...cleanEnv(),
      OPENAI_API_KEY: 'sk-test-not-a-secret',
      OPENAI_BASE_URL: baseURL,
      GRAFANA_METRICS_URL: prometheus.url,
      GRAFANA_LOGS_URL: loki.queryUrl,
      GRAFANA_METRICS_USERNAME: '123456',
      GRAFANA_LOGS_USERNAME: '654321',
      GRAFANA_ACCESS_TOKEN: TOKEN,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(app, file)], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('langchain.mjs prints both answers, and both LangChain calls reach Grafana', { skip: langchain.skip }, async () => {
    const app = userProject(langchain, ['@langchain/openai', '@langchain/core'], 'langchain.mjs');
    apps.push(app);
    const run = await runExample(app, 'langchain.mjs');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.split('\n').filter((l) => l.trim() !== '').length >= 2, run.stdout);
    assert.deepEqual(fake.requests.map((r) => r.path), ['/v1/chat/completions', '/v1/chat/completions']);
    assert.equal(prometheus.count('openai_totalTokens', { source: 'node_chatv2' }), 2);
    assert.equal(loki.count({ source: 'node_chatv2' }), 2);
  });

  it('openai-agents.mjs prints the run\'s answers, and each Responses API call of both runs reaches Grafana', { skip: agents.skip }, async () => {
    const app = userProject(agents, ['@openai/agents', '@openai/agents-core', '@openai/agents-openai', '@openai/agents-realtime', 'zod'], 'openai-agents.mjs');
    apps.push(app);
    fake.replyWith((req) => {
      const body = req.body as { stream?: boolean; input?: { type?: string }[] };
      if (body.stream === true) return 'responses-stream.simple.gpt-5.1';
      return (body.input ?? []).some((item) => item.type === 'function_call_output') ? 'responses.after-function-call.gpt-4.1.DERIVED' : 'responses.function-call.gpt-4.1.DERIVED';
    });
    const run = await runExample(app, 'openai-agents.mjs');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /It is 72°F and sunny in Boston\./);
    assert.deepEqual(fake.requests.map((r) => r.path), ['/v1/responses', '/v1/responses', '/v1/responses']);
    assert.equal(prometheus.count('openai_totalTokens', { source: 'node_responses' }), 3);
    assert.equal(loki.count({ source: 'node_responses' }), 3);
  });

  it('both run against the demo\'s local server (npm run demo), and every call reaches Grafana', { skip: langchain.skip || agents.skip }, async () => {
    const demo = await startDemoOpenAIServer();
    try {
      const lcApp = userProject(langchain, ['@langchain/openai', '@langchain/core'], 'langchain.mjs');
      const agentsApp = userProject(agents, ['@openai/agents', '@openai/agents-core', '@openai/agents-openai', '@openai/agents-realtime', 'zod'], 'openai-agents.mjs');
      apps.push(lcApp, agentsApp);
      const lcRun = await runExample(lcApp, 'langchain.mjs', demo.url);
      assert.equal(lcRun.code, 0, lcRun.stderr);
      assert.match(lcRun.stdout, /Grafana shows this call/);
      assert.equal(loki.count({ source: 'node_chatv2' }), 2);
      const agentsRun = await runExample(agentsApp, 'openai-agents.mjs', demo.url);
      assert.equal(agentsRun.code, 0, agentsRun.stderr);
      assert.match(agentsRun.stdout, /Grafana shows every call of this run/);
      // Each run: the tool call, then the answer.
      assert.equal(loki.count({ source: 'node_responses' }), 4);
      assert.equal(prometheus.count('openai_totalTokens', { source: 'node_responses' }), 4);
    } finally {
      await demo.close();
    }
  });
});
