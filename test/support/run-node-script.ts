import { spawn } from 'node:child_process';

/**
 * Runs a CommonJS script in a fresh `node` process, to observe what only a
 * whole process shows: whether it exits on its own, what runs at `beforeExit`,
 * whether a rejection goes unhandled. The script gets `env` added to the
 * environment; the parent kills it (by its own pid) if it outlives `killAfterMs`.
 */

export interface ScriptResult {
  /** Exit code, or null when killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit, in ms (includes node's own start-up, ~50 ms). */
  readonly elapsedMs: number;
  readonly killed: boolean;
}

/**
 * @example
 * const result = await runNodeScript(`require(process.env.MODULE).start()`, { MODULE: modulePath }, 10_000);
 * assert.equal(result.code, 0, result.stderr);
 */
export function runNodeScript(source: string, env: Readonly<Record<string, string>>, killAfterMs: number): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['-e', source], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started, killed });
    });
  });
}
