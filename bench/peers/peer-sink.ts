import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { SinkCounters } from './peer-sink-child.js';

/** A running peer-sink-child.ts: its origin and what it counted per variant. */
export interface PeerSink {
  /** `http://127.0.0.1:PORT`; variant `x` pushes under `${origin}/x/…`. */
  readonly origin: string;
  /** Counters by variant name (the first path segment of its pushes). */
  counts(): Promise<Record<string, SinkCounters>>;
  stop(): void;
}

/**
 * Forks the sink and waits until it listens.
 *
 * @example
 * const sink = await startPeerSink();
 * (await sink.counts())['ours-on']?.lokiLines; // calls seen in Loki lines
 * sink.stop();
 */
export function startPeerSink(): Promise<PeerSink> {
  const child = fork(join(__dirname, 'peer-sink-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`peer sink exited with code ${String(code)} before listening`)));
    child.once('message', (message: { port?: number }) => {
      child.removeAllListeners('exit');
      resolve({
        origin: `http://127.0.0.1:${String(message.port)}`,
        counts: () =>
          new Promise((answer) => {
            child.once('message', (reply: { counts: Record<string, SinkCounters> }) => answer(reply.counts));
            child.send('counts');
          }),
        stop: () => {
          if (child.exitCode === null) child.kill();
        },
      });
    });
  });
}
