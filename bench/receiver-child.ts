import { createServer } from 'node:http';

/**
 * The loopback receiver the benchmarks push to, run in a child process of its
 * own (receiver-process.ts forks it) so that receiving costs the measured
 * process nothing: a node:http server on 127.0.0.1 that reads each request
 * body, answers 204 (what Prometheus and Loki answer a good push) and counts
 * requests and bytes per path. The parent asks for the counts over IPC.
 *
 * Messages from the parent: `'counts'` (answered with a ReceiverCounts) and
 * `'reset'` (zeroes the counts, answered with the zeroed counts).
 */

/** Requests and body bytes by URL path since the last reset. */
export interface ReceiverCounts {
  readonly requests: Readonly<Record<string, number>>;
  readonly bytes: Readonly<Record<string, number>>;
}

function main(): void {
  let requests: Record<string, number> = {};
  let bytes: Record<string, number> = {};
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    req.on('end', () => {
      requests[path] = (requests[path] ?? 0) + 1;
      bytes[path] = (bytes[path] ?? 0) + size;
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.send?.({ port });
  });
  process.on('message', (message: unknown) => {
    if (message === 'reset') {
      requests = {};
      bytes = {};
    }
    const counts: ReceiverCounts = { requests, bytes };
    process.send?.({ counts });
  });
  // The parent's exit closes the IPC channel: go with it.
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) main();
