import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import SnappyJS from 'snappyjs';
import { decodeWriteRequest, type DecodedSeries } from './decode-write-request.js';

/** A received Loki line with its stream labels. */
export interface ReceivedLogLine {
  stream: Record<string, string>;
  timestampNs: string;
  line: string;
}

/** Loopback stand-ins for Prometheus remote-write and Loki push, as the demo's embedded default. */
export interface LocalReceivers {
  readonly metricsUrl: string;
  readonly logsUrl: string;
  readonly series: DecodedSeries[];
  readonly logLines: ReceivedLogLine[];
  /** HTTP requests received, per signal. */
  readonly pushes: { metrics: number; logs: number };
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Starts one loopback server that accepts remote-write on `/api/v1/write`
 * (snappy + protobuf, decoded) and Loki JSON on `/loki/api/v1/push`.
 *
 * @example
 * const receivers = await startLocalReceivers();
 * chat_v2.monitor(openai, { metrics_url: receivers.metricsUrl, logs_url: receivers.logsUrl });
 */
export async function startLocalReceivers(): Promise<LocalReceivers> {
  const series: DecodedSeries[] = [];
  const logLines: ReceivedLogLine[] = [];
  const pushes = { metrics: 0, logs: 0 };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      try {
        if (req.url === '/api/v1/write') {
          pushes.metrics += 1;
          series.push(...decodeWriteRequest(SnappyJS.uncompress(new Uint8Array(body))));
        } else if (req.url === '/loki/api/v1/push') {
          pushes.logs += 1;
          const push = JSON.parse(body.toString('utf8')) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
          for (const s of push.streams) for (const [timestampNs, line] of s.values) logLines.push({ stream: s.stream, timestampNs, line });
        } else {
          res.writeHead(404).end('404 page not found');
          return;
        }
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    metricsUrl: `http://127.0.0.1:${port}/api/v1/write`,
    logsUrl: `http://127.0.0.1:${port}/loki/api/v1/push`,
    series,
    logLines,
    pushes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
