import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { repoRoot } from '../support/paths';

/**
 * Runs the compiled CLI as users do (`node dist/cjs/cli/main.js …`) in a child
 * process, asynchronously, so that the loopback receivers of the test keep
 * answering while it runs. `npm test` builds dist/ first; GOM_DIST_DIR points
 * at another build of it (a private `tsc --outDir` while developing).
 */

/** The folder holding `cjs/` and `esm/`: GOM_DIST_DIR, else the repository's dist/. */
export const distDir = resolve(process.env.GOM_DIST_DIR ?? join(repoRoot, 'dist'));
export const cliPath = join(distDir, 'cjs', 'cli', 'main.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/**
 * The environment of the test run without what would change a child's
 * behaviour: GRAFANA_* (a developer's own stack), TLS overrides, and
 * NODE_TEST_CONTEXT (set by `node --test`: a child test file would report in
 * the runner's binary protocol instead of text).
 */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('GRAFANA_') || ['NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_TEST_CONTEXT'].includes(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * @example
 * const run = await runCli(['check', '--metrics-url', prom.url, '--logs-url', loki.url]);
 * assert.equal(run.code, 0, run.stdout + run.stderr);
 */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}, killAfterMs = 30_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cliPath, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}
