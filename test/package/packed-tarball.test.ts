import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../support/paths';
import { readmeRelativeLinks } from '../support/readme-links';

/**
 * What a user gets from npm: `npm pack`, installed into a fresh app beside
 * openai 4, then loaded both ways by the Node running the tests. In the
 * version matrix that Node may be too old for the machine's npm (the npm
 * packages `node@N` ship no npm), so .ci/run names the machine's own node and
 * npm CLI in GOM_HOST_NODE and GOM_NPM_CLI.
 */
function npm(args: string[], cwd: string): string {
  const all = [...args, '--no-audit', '--no-fund', '--loglevel=error'];
  const options = { cwd, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  const cli = process.env.GOM_NPM_CLI;
  if (cli !== undefined && cli !== '') return execFileSync(process.env.GOM_HOST_NODE ?? process.execPath, [cli, ...all], options);
  return execFileSync('npm', all, options);
}

/** npm at its default log level, for what a user sees: exit status and stderr. */
function npmAsUsersRunIt(args: string[], cwd: string): { status: number | null; stderr: string } {
  const cli = process.env.GOM_NPM_CLI;
  const all = [...args, '--no-audit', '--no-fund'];
  const env = { ...process.env, npm_config_loglevel: 'notice', npm_config_update_notifier: 'false' };
  const run =
    cli !== undefined && cli !== ''
      ? spawnSync(process.env.GOM_HOST_NODE ?? process.execPath, [cli, ...all], { cwd, env, encoding: 'utf8' })
      : spawnSync('npm', all, { cwd, env, encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('the packed tarball', () => {
  let app: string;
  let work: string;
  /** What `npm install <tarball>` printed on stderr. */
  let installWarnings = '';

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'gom-pack-'));
    app = join(work, 'app');
    // The tarball is made from the already-built dist/ (prepare is skipped: no rebuild inside the test).
    npm(['pack', '--ignore-scripts', '--pack-destination', work], repoRoot);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote no tarball');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }));
    const install = npmAsUsersRunIt(['install', '--prefer-offline', join(work, tarball), 'openai@4.104.0'], app);
    assert.equal(install.status, 0, install.stderr);
    installWarnings = install.stderr;
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const script = (loader: string) => `
    ${loader}
    const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: 'http://127.0.0.1:9/v1' });
    const original = client.chat.completions.create;
    const monitor = chat_v2.monitor(client, { metrics_url: 'http://127.0.0.1:9/api/v1/write', logs_url: 'http://127.0.0.1:9' });
    if (client.chat.completions.create === original) throw new Error('not patched');
    chat_v1.monitor(client, { metrics_url: 'http://127.0.0.1:9/api/v1/write', logs_url: 'http://127.0.0.1:9' }).shutdown();
    monitor.shutdown().then(() => {
      if (client.chat.completions.create !== original) throw new Error('not restored');
      console.log('ok', typeof MonitoringError);
    });
  `;

  it('works by require() with openai 4', () => {
    const out = execFileSync(process.execPath, ['-e', script(`const OpenAI = require('openai'); const { chat_v1, chat_v2, MonitoringError } = require('grafana-openai-monitoring');`)], { cwd: app, encoding: 'utf8' });
    assert.equal(out.trim(), 'ok function');
  });

  it('works by import with openai 4', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script(`import OpenAI from 'openai'; import { chat_v1, chat_v2, MonitoringError } from 'grafana-openai-monitoring';`)], { cwd: app, encoding: 'utf8' });
    assert.equal(out.trim(), 'ok function');
  });

  // @opentelemetry/api is an optional peer: an app without it gets the library as it was (issue 21).
  const untracedCall = `
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4.1-2025-04-14',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } }));
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const prom = await startRemoteWriteReceiver();
    const loki = await startLokiReceiver();
    const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: 'http://127.0.0.1:' + server.address().port + '/v1' });
    const monitor = chat_v2.monitor(client, { metrics_url: prom.url, logs_url: loki.url, structured_metadata: true });
    const answer = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
    await monitor.shutdown();
    let otel = 'missing';
    try { createRequire(process.cwd() + '/index.js').resolve('@opentelemetry/api'); otel = 'installed'; } catch {}
    const [line] = loki.lines();
    console.log(JSON.stringify({ otel, content: answer.choices[0].message.content, tokens: prom.sum('openai_totalTokens'), lines: loki.count(), traced: 'trace_id' in line.json || 'span_id' in line.json }));
    await prom.close(); await loki.close(); server.close();
  `;
  const untracedExpected = { otel: 'missing', content: 'Hello!', tokens: 11, lines: 1, traced: false };

  it('works without @opentelemetry/api installed, by require(): a call is recorded as before, with no trace fields', () => {
    const loader = `const http = require('http'); const { createRequire } = require('module'); const OpenAI = require('openai'); const { chat_v2 } = require('grafana-openai-monitoring'); const { startRemoteWriteReceiver, startLokiReceiver } = require('grafana-openai-monitoring/testing');`;
    const out = execFileSync(process.execPath, ['-e', `${loader} (async () => { ${untracedCall} })();`], { cwd: app, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), untracedExpected);
  });

  it('works without @opentelemetry/api installed, by import', () => {
    const loader = `import http from 'http'; import { createRequire } from 'module'; import OpenAI from 'openai'; import { chat_v2 } from 'grafana-openai-monitoring'; import { startRemoteWriteReceiver, startLokiReceiver } from 'grafana-openai-monitoring/testing';`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `${loader} ${untracedCall}`], { cwd: app, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), untracedExpected);
  });

  it('exposes the testing receivers as grafana-openai-monitoring/testing, both ways', () => {
    const use = `const r = await startRemoteWriteReceiver(); const l = await startLokiReceiver(); console.log(typeof r.url, typeof l.url); await r.close(); await l.close();`;
    const cjs = execFileSync(process.execPath, ['-e', `const { startRemoteWriteReceiver, startLokiReceiver } = require('grafana-openai-monitoring/testing'); (async () => { ${use} })();`], { cwd: app, encoding: 'utf8' });
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', `import { startRemoteWriteReceiver, startLokiReceiver } from 'grafana-openai-monitoring/testing'; ${use}`], { cwd: app, encoding: 'utf8' });
    assert.equal(cjs.trim(), 'string string');
    assert.equal(esm.trim(), 'string string');
  });

  it('installs the grafana-openai-monitoring command', () => {
    const bin = join(app, 'node_modules', '.bin', 'grafana-openai-monitoring');
    const out = execFileSync(bin, ['--help'], { cwd: app, encoding: 'utf8', env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` } });
    assert.match(out, /check/);
    assert.match(out, /demo/);
  });

  it('ships type declarations for both module systems and no tests', () => {
    const listing = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], repoRoot);
    const files = (JSON.parse(listing) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    assert.ok(files.includes('dist/cjs/index.d.ts'));
    assert.ok(files.includes('dist/esm/index.d.ts'));
    assert.ok(files.includes('LICENSE.txt'));
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('build/')));
  });

  it('installs without a warning naming this package (no install script: the build runs at prepack)', () => {
    const ours = installWarnings.split('\n').filter((line) => line.includes('grafana-openai-monitoring'));
    assert.deepEqual(ours, []);
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'grafana-openai-monitoring', 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(manifest.scripts?.[script], undefined, `${script} script`);
  });

  it('holds every file the README links to, so its links resolve for a reader of the package', () => {
    const installed = join(app, 'node_modules', 'grafana-openai-monitoring');
    const links = readmeRelativeLinks(readFileSync(join(installed, 'README.md'), 'utf8'));
    assert.ok(links.length >= 5, links.join(' '));
    assert.deepEqual(links.filter((target) => !existsSync(join(installed, target))), []);
  });

  it('names its repository, home page and issue tracker', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'grafana-openai-monitoring', 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.match(JSON.stringify(manifest.repository), /github\.com\/grafana\/grafana-openai-monitoring/);
    assert.match(String(manifest.homepage), /^https:\/\//);
    assert.match(JSON.stringify(manifest.bugs), /^\{"url":"https:\/\/.*issues"\}$/);
  });
});
