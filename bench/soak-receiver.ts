import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SoakReceiverMode, SoakReceiverRequest, SoakTally } from './soak-receiver-child.js';
import { LOGS_PATH, METRICS_PATH } from './receiver-process.js';

/** A running soak-receiver-child.ts: its push URLs, its mode switch and its tallies. */
export interface SoakReceiver {
  /** Remote-write URL (`/api/v1/write`). */
  readonly metricsUrl: string;
  /** Loki push URL (`/loki/api/v1/push`). */
  readonly logsUrl: string;
  /** `down`: 503 to every push; `up`: 204. It starts down. */
  setMode(mode: SoakReceiverMode): Promise<void>;
  /** What arrived so far; `newest`: how many of the last of `calls` calls to look for among the lines. */
  tally(calls: number, newest: number): Promise<SoakTally>;
  /** Kills the child. */
  stop(): Promise<void>;
}

/**
 * Forks the soak's receiver (down: answering 503) and waits until it listens.
 *
 * @example
 * const receiver = await startSoakReceiver();
 * chat_v2.monitor(client, { metrics_url: receiver.metricsUrl, logs_url: receiver.logsUrl });
 * await receiver.setMode('up');
 * (await receiver.tally(1_000_000, 10_000)).logs.newestCall; // 999999
 * await receiver.stop();
 */
export function startSoakReceiver(): Promise<SoakReceiver> {
  const child = fork(join(__dirname, 'soak-receiver-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`soak receiver exited with code ${String(code)} before listening`)));
    child.once('message', (message: { port?: number }) => {
      child.removeAllListeners('exit');
      const origin = `http://127.0.0.1:${String(message.port)}`;
      resolve({
        metricsUrl: origin + METRICS_PATH,
        logsUrl: origin + LOGS_PATH,
        setMode: (mode) => ask<{ type: 'mode' }>(child, { type: 'mode', mode }).then(() => undefined),
        tally: (calls, newest) => ask<{ type: 'tally'; tally: SoakTally }>(child, { type: 'tally', calls, newest }).then((reply) => reply.tally),
        stop: () => stopChild(child),
      });
    });
  });
}

/** One request, one answer: the parent asks one thing at a time. */
function ask<T>(child: ChildProcess, request: SoakReceiverRequest): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (reply: T) => resolve(reply));
    child.send(request);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}
