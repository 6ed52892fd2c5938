import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ReceiverCounts } from './receiver-child.js';

/** A running receiver-child.ts: its push URLs and its counters. */
export interface ReceiverProcess {
  /** `http://127.0.0.1:PORT`; any path is accepted, e.g. `${origin}/a/api/v1/write` for a second exporter. */
  readonly origin: string;
  /** Remote-write URL (`/api/v1/write`). */
  readonly metricsUrl: string;
  /** Loki push URL (`/loki/api/v1/push`). */
  readonly logsUrl: string;
  /** Requests and bytes per path since the last reset. */
  counts(): Promise<ReceiverCounts>;
  /** Zeroes the counters. */
  reset(): Promise<void>;
  /** Kills the child. */
  stop(): Promise<void>;
}

export const METRICS_PATH = '/api/v1/write';
export const LOGS_PATH = '/loki/api/v1/push';

/**
 * Forks the loopback receiver and waits until it listens.
 *
 * @example
 * const receiver = await startReceiver();
 * chat_v2.monitor(client, { metrics_url: receiver.metricsUrl, logs_url: receiver.logsUrl });
 * (await receiver.counts()).requests['/api/v1/write']; // pushes so far
 * await receiver.stop();
 */
export function startReceiver(): Promise<ReceiverProcess> {
  const child = fork(join(__dirname, 'receiver-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver exited with code ${String(code)} before listening`)));
    child.once('message', (message: { port?: number }) => {
      child.removeAllListeners('exit');
      const origin = `http://127.0.0.1:${String(message.port)}`;
      resolve({
        origin,
        metricsUrl: origin + METRICS_PATH,
        logsUrl: origin + LOGS_PATH,
        counts: () => ask(child, 'counts'),
        reset: () => ask(child, 'reset').then(() => undefined),
        stop: () => stopChild(child),
      });
    });
  });
}

function ask(child: ChildProcess, message: 'counts' | 'reset'): Promise<ReceiverCounts> {
  return new Promise((resolve) => {
    child.once('message', (reply: { counts: ReceiverCounts }) => resolve(reply.counts));
    child.send(message);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}
