import { spawn } from 'node:child_process';

/**
 * A Node script in a process of its own that the test signals, to observe
 * what only a real process shows: how it ends after SIGTERM or SIGINT (exit
 * code, or the signal that ended it), and how long after the signal.
 */

export interface ChildEnd {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, or null when it exited. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From the signal the test sent (or from spawn, if none) to the end, in ms. */
  readonly afterSignalMs: number;
  /** The test had to SIGKILL it after `killAfterMs`. */
  readonly killed: boolean;
}

export interface SignalledChild {
  /** Resolves when stdout holds `text` (e.g. `READY`); rejects if the process ends first. */
  waitFor(text: string): Promise<void>;
  /** Sends a signal to this process (by its own pid) and starts the clock of `afterSignalMs`. */
  signal(signal: NodeJS.Signals): void;
  /** What stdout holds so far. */
  stdout(): string;
  readonly ended: Promise<ChildEnd>;
}

/**
 * @example
 * const child = startSignalledChild(appPath, { METRICS_URL: prom.url }, 20_000);
 * await child.waitFor('READY');
 * child.signal('SIGTERM');
 * const end = await child.ended; // { code: null, signal: 'SIGTERM', … }
 */
export function startSignalledChild(script: string, env: Readonly<Record<string, string>>, killAfterMs: number): SignalledChild {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let signalledAt = Date.now();
  let killed = false;
  const watchers: { text: string; resolve(): void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const w of [...watchers]) {
      if (out.includes(w.text)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, killAfterMs);
  const ended = new Promise<ChildEnd>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: out, stderr: err, afterSignalMs: Date.now() - signalledAt, killed });
    });
  });
  return {
    waitFor: (text) =>
      out.includes(text)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => watchers.push({ text, resolve })),
            ended.then((end) => {
              throw new Error(`the process ended before printing ${text}: ${end.stdout}${end.stderr}`);
            }),
          ]),
    signal: (signal) => {
      signalledAt = Date.now();
      child.kill(signal);
    },
    stdout: () => out,
    ended,
  };
}
