import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, distDir } from '../cli/cli-process';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { loadOpenAI } from '../support/openai-sdk';
import { repoRoot } from '../support/paths';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';
import { runNodeScript } from '../support/run-node-script';

const sdk = loadOpenAI();

// An ES module app, as a user writes it: `import OpenAI from 'openai'` and the
// package's ESM build. The tests compile to CommonJS, so this is the proof that
// monitor(OpenAI) works the same under ESM, without load hooks.
const APP = `
import OpenAI from 'openai';
import { createRequire } from 'node:module';
import { monitor } from 'grafana-openai-monitoring';
const body = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hello' }] };
const before = new OpenAI({ maxRetries: 0 });
const telemetry = monitor(OpenAI, { metrics_url: process.env.METRICS_URL, logs_url: process.env.LOGS_URL, instance: 'esm:1', flush_interval_ms: 60000 });
const after = new OpenAI({ maxRetries: 0 });
await before.chat.completions.create(body);
await after.chat.completions.create(body);
// openai's CommonJS build is another class: not the one monitored.
const { OpenAI: RequiredOpenAI } = createRequire(import.meta.url)('openai');
await new RequiredOpenAI({ maxRetries: 0 }).chat.completions.create(body);
await telemetry.shutdown();
console.log(OpenAI.Chat.Completions.prototype.create === Object.getPrototypeOf(after.chat.completions).create ? 'restored' : 'still patched');
`;

describe(`monitor(OpenAI) in an ES module app, openai ${sdk.version}`, () => {
  let app: string;
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;

  before(async () => {
    app = mkdtempSync(join(tmpdir(), 'gom-esm-class-'));
    const pkg = join(app, 'node_modules', 'grafana-openai-monitoring');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), readFileSync(join(repoRoot, 'package.json')));
    symlinkSync(distDir, join(pkg, 'dist'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules', sdk.packageName), join(app, 'node_modules', 'openai'), 'dir');
    writeFileSync(join(app, 'app.mjs'), APP);
    fake = await startFakeOpenAI();
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  after(async () => {
    await Promise.all([fake.close(), prom.close(), loki.close()]);
    rmSync(app, { recursive: true, force: true });
  });

  it('records the calls of clients built before and after monitor(), not those of the CommonJS class, and puts the method back', async () => {
    const run = await runNodeScript(`import(${JSON.stringify(join(app, 'app.mjs'))}).catch((e) => { console.error(e); process.exit(1); })`, {
      ...cleanEnv(),
      OPENAI_API_KEY: 'sk-test-not-a-secret',
      OPENAI_BASE_URL: fake.url,
      METRICS_URL: prom.url,
      LOGS_URL: loki.url,
    }, 30_000);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'restored');
    assert.equal(fake.requests.length, 3);
    assert.equal(loki.entries().length, 2);
    assert.equal(prom.samplesOf('openai_totalTokens', { instance: 'esm:1', source: 'node_chatv2' }).length, 2);
    assert.deepEqual([...prom.violations, ...loki.violations], []);
  });
});
