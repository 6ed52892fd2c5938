import { createServer } from 'node:http';
import { decodeRemoteWriteBody } from '../test/support/remote-write-wire-check.js';
import { LOGS_PATH, METRICS_PATH } from './receiver-process.js';

/**
 * The throughput benchmark's receiver, in a process of its own so that
 * receiving and decoding cost the measured process nothing. It answers every
 * push 204 at once, as a healthy Prometheus and Loki do, and decodes what it
 * got afterwards with code that is not the exporter's (snappyjs and
 * prometheus-remote-write's decoder, JSON.parse), keeping what the benchmark
 * compares with the workload: the sum of every compatible series' samples,
 * the calls the native duration histograms count (their last `_count` per
 * series, added up), the Loki lines, and any sample Prometheus would refuse
 * (out of order, duplicate).
 *
 * Messages from the parent: `'tally'` (answered once every body received so
 * far is decoded) and `'reset'`.
 */

/** What arrived since the last reset. */
export interface ThroughputTally {
  /** Sum of the samples of each compatible series, by metric name. */
  readonly sums: Readonly<Record<string, number>>;
  /** Samples of each compatible series, by metric name. */
  readonly samples: Readonly<Record<string, number>>;
  /** Calls counted by the native duration histograms (last `_count` of each series, added up). */
  readonly histogramCalls: number;
  readonly lines: number;
  readonly requests: Readonly<Record<string, number>>;
  /** Samples a strict receiver would refuse, and undecodable bodies. */
  readonly problems: readonly string[];
}

const COUNT = 'gen_ai_client_operation_duration_seconds_count';

class Tally {
  sums: Record<string, number> = {};
  samples: Record<string, number> = {};
  lastCount = new Map<string, number>();
  lastTimestamp = new Map<string, number>();
  lines = 0;
  requests: Record<string, number> = {};
  problems: string[] = [];

  snapshot(): ThroughputTally {
    let histogramCalls = 0;
    for (const value of this.lastCount.values()) histogramCalls += value;
    return { sums: this.sums, samples: this.samples, histogramCalls, lines: this.lines, requests: this.requests, problems: this.problems.slice(0, 10) };
  }

  async metrics(body: Buffer): Promise<void> {
    const decoded = await decodeRemoteWriteBody(body);
    if (!decoded.series) return void this.problems.push(...decoded.problems);
    for (const series of decoded.series) {
      const name = series.labels.find((l) => l.name === '__name__')?.value ?? '';
      const key = series.labels.map((l) => `${l.name}=${l.value}`).join(',');
      for (const sample of series.samples) {
        const last = this.lastTimestamp.get(key);
        if (last !== undefined && sample.timestampMs <= last) this.problems.push(`${name}: sample at ${sample.timestampMs} after ${last}`);
        this.lastTimestamp.set(key, sample.timestampMs);
      }
      if (name === COUNT && series.samples.length > 0) this.lastCount.set(key, series.samples[series.samples.length - 1].value);
      if (!name.startsWith('openai_')) continue;
      this.samples[name] = (this.samples[name] ?? 0) + series.samples.length;
      for (const sample of series.samples) this.sums[name] = (this.sums[name] ?? 0) + sample.value;
    }
  }

  logs(body: Buffer): void {
    const parsed = JSON.parse(body.toString('utf8')) as { streams: { values: unknown[] }[] };
    for (const stream of parsed.streams) this.lines += stream.values.length;
  }
}

function main(): void {
  let tally = new Tally();
  let decoding: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
      const body = Buffer.concat(chunks);
      const into = tally;
      into.requests[path] = (into.requests[path] ?? 0) + 1;
      decoding = decoding.then(async () => {
        try {
          if (path === METRICS_PATH) await into.metrics(body);
          else if (path === LOGS_PATH) into.logs(body);
        } catch (err) {
          into.problems.push(String(err));
        }
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
  process.on('message', (message: unknown) => {
    if (message === 'reset') {
      tally = new Tally();
      process.send?.({ tally: tally.snapshot() });
      return;
    }
    void decoding.then(() => process.send?.({ tally: tally.snapshot() }));
  });
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) main();
