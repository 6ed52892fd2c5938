import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLokiReceiver, startRemoteWriteReceiver } from '../../src/testing/index';
import { cleanEnv, distDir } from '../cli/cli-process';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { loadOpenAI } from '../support/openai-sdk';
import { repoRoot } from '../support/paths';

// The README's CommonJS snippet, taken from README.md as written (the ```js block
// that starts with `// CommonJS`) and run as a .cjs file of an app that installed
// the package, against the fake OpenAI server and the testing receivers.

const sdk = loadOpenAI();
const TOKEN = 'glc_readme_snippet_token';

function commonJsSnippet(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```js\n(\/\/ CommonJS\n[\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, 'README.md has one ```js block starting with "// CommonJS"');
  return blocks[0];
}

describe(`the README's CommonJS snippet, with openai ${sdk.version}`, () => {
  let app: string;
  let fake: FakeOpenAI;

  before(async () => {
    app = mkdtempSync(join(tmpdir(), 'gom-readme-cjs-'));
    const pkg = join(app, 'node_modules', 'grafana-openai-monitoring');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), readFileSync(join(repoRoot, 'package.json')));
    symlinkSync(distDir, join(pkg, 'dist'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules', sdk.packageName), join(app, 'node_modules', 'openai'), 'dir');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-app', private: true }));
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
    rmSync(app, { recursive: true, force: true });
  });

  it('runs as written under require(): prints the answer, exits 0, and its call arrives in Prometheus and Loki', async () => {
    const snippet = commonJsSnippet();
    assert.doesNotMatch(snippet, /^(?:await|import )/m, 'no top-level await or import in CommonJS');
    writeFileSync(join(app, 'snippet.cjs'), snippet);
    const prometheus = await startRemoteWriteReceiver({ basicAuth: { username: '123456', password: TOKEN } });
    const loki = await startLokiReceiver({ basicAuth: { username: '654321', password: TOKEN } });
    try {
      const env = cleanEnv({
        OPENAI_API_KEY: 'sk-test-not-a-secret',
        OPENAI_BASE_URL: fake.url,
        GRAFANA_METRICS_URL: prometheus.url,
        GRAFANA_LOGS_URL: loki.url,
        GRAFANA_METRICS_USERNAME: '123456',
        GRAFANA_LOGS_USERNAME: '654321',
        GRAFANA_ACCESS_TOKEN: TOKEN,
      });
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [join(app, 'snippet.cjs')], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.trim().length > 0, 'the answer is printed');
      assert.equal(fake.requests.length, 1);
      assert.equal(prometheus.count('openai_totalTokens', { source: 'node_chatv2' }), 1);
      assert.equal(loki.count({ level: 'info' }), 1);
      assert.deepEqual([...prometheus.violations, ...loki.violations], []);
    } finally {
      await Promise.all([prometheus.close(), loki.close()]);
    }
  });
});
