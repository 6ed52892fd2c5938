import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { decodeRemoteWriteBody } from '../test/support/remote-write-wire-check.js';
import { callNumberOf } from './soak-stand-in.js';

/**
 * The soak's receiver, in a process of its own (soak-receiver.ts forks it) so
 * that receiving and decoding cost the measured process nothing. One node:http
 * server on 127.0.0.1 takes both pushes, as receiver-child.ts does, and
 * answers according to its mode:
 *
 * - `down`: 503 to everything, after reading the whole body: the exporter pays
 *   for every attempt in full (connect, send, wait, classify, back off), which
 *   costs it more than a refused connection would.
 * - `up`: 204, as Prometheus and Loki answer a good push.
 *
 * It decodes what it gets with code that is not the exporter's (snappyjs and
 * prometheus-remote-write's decoder, JSON.parse) and keeps the tallies the soak
 * checks: samples delivered (the five compatible series apart from the rest:
 * native histograms and self counters, made at flush time), the newest
 * timestamp per compatible series, the last value of each self counter, the
 * call numbers of the lines delivered, and the samples of every remote-write
 * body that was refused and never delivered later (retries are byte-identical,
 * so a body is known by its hash): that is where flush-time samples the
 * exporter counted as dropped can be seen.
 *
 * Messages from the parent, each answered with one message:
 * `{ type: 'mode', mode }` → `{ type: 'mode' }`;
 * `{ type: 'tally', calls, newest }` → `{ type: 'tally', tally }`.
 */

/** How the receiver answers. */
export type SoakReceiverMode = 'down' | 'up';

/** What the parent asks. */
export type SoakReceiverRequest =
  | { readonly type: 'mode'; readonly mode: SoakReceiverMode }
  /** `calls` made in all; `newest`: how many of the last calls' lines to look for. */
  | { readonly type: 'tally'; readonly calls: number; readonly newest: number };

/** What the receiver saw. */
export interface SoakTally {
  /** Requests by path and by the status answered, e.g. `{ '/api/v1/write': { '503': 8, '204': 40 } }`. */
  readonly requests: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly metrics: {
    /** Samples of the five compatible series in bodies answered 204. */
    readonly compatibleDelivered: number;
    /** Other samples (native series, self counters) in bodies answered 204. */
    readonly otherDelivered: number;
    /** Refused bodies never delivered later, and their samples. */
    readonly lostBodies: number;
    readonly compatibleLost: number;
    readonly otherLost: number;
    /** Bodies answered 204 more than once (a retry of a delivered batch: double counting). */
    readonly deliveredTwice: number;
    /** Newest timestamp (ms) of each compatible series, by `name{model}`. */
    readonly newestCompatibleMs: Readonly<Record<string, number>>;
    /** Last value pushed of each self counter, by `name{label="value",…}` without job, instance, environment. */
    readonly selfCounters: Readonly<Record<string, number>>;
    /** Bodies that could not be decoded, with why. */
    readonly problems: readonly string[];
  };
  readonly logs: {
    /** Lines in bodies answered 204. */
    readonly delivered: number;
    /** Distinct call numbers among them. */
    readonly distinctCalls: number;
    /** Lines without a call number (not the library's line for a soak call). */
    readonly unnumbered: number;
    /** Highest call number delivered; -1 when none. */
    readonly newestCall: number;
    /** How many of the last `newest` calls have their line delivered. */
    readonly newestDelivered: number;
    readonly problems: readonly string[];
  };
}

const COMPATIBLE = new Set(['openai_promptTokens', 'openai_completionTokens', 'openai_totalTokens', 'openai_requestDuration', 'openai_usageCost']);
const SELF_PREFIX = 'grafana_openai_monitoring_';
/** Labels every self series carries; left out of the counter keys. */
const CONSTANT_LABELS = new Set(['__name__', 'job', 'instance', 'environment']);

interface BodySamples {
  readonly compatible: number;
  readonly other: number;
}

class Tallies {
  readonly requests: Record<string, Record<string, number>> = {};
  compatibleDelivered = 0;
  otherDelivered = 0;
  deliveredTwice = 0;
  readonly newestCompatibleMs: Record<string, number> = {};
  /** Self counters: last value and its timestamp. */
  private readonly selfCounters = new Map<string, { value: number; timestampMs: number }>();
  /** Refused remote-write bodies by hash, with their samples; removed when delivered later. */
  private readonly refused = new Map<string, BodySamples>();
  private readonly delivered = new Set<string>();
  readonly metricsProblems: string[] = [];
  linesDelivered = 0;
  unnumbered = 0;
  readonly calls = new Set<number>();
  readonly logsProblems: string[] = [];

  count(path: string, status: number): void {
    const byStatus = (this.requests[path] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }

  async metrics(body: Buffer, mode: SoakReceiverMode): Promise<void> {
    const hash = createHash('sha256').update(body).digest('hex');
    if (mode === 'down') {
      if (this.refused.has(hash) || this.delivered.has(hash)) return; // a retry: same bytes, already counted
      const decoded = await decodeRemoteWriteBody(body);
      if (!decoded.series) return void this.metricsProblems.push(...decoded.problems);
      let compatible = 0;
      let other = 0;
      for (const series of decoded.series) {
        const name = series.labels.find((l) => l.name === '__name__')?.value ?? '';
        if (COMPATIBLE.has(name)) compatible += series.samples.length;
        else other += series.samples.length;
      }
      this.refused.set(hash, { compatible, other });
      return;
    }
    if (this.delivered.has(hash)) {
      this.deliveredTwice += 1;
      return;
    }
    this.delivered.add(hash);
    this.refused.delete(hash);
    const decoded = await decodeRemoteWriteBody(body);
    if (!decoded.series) return void this.metricsProblems.push(...decoded.problems);
    for (const series of decoded.series) {
      const name = series.labels.find((l) => l.name === '__name__')?.value ?? '';
      if (COMPATIBLE.has(name)) {
        this.compatibleDelivered += series.samples.length;
        const key = `${name}{${series.labels.find((l) => l.name === 'model')?.value ?? ''}}`;
        for (const s of series.samples) this.newestCompatibleMs[key] = Math.max(this.newestCompatibleMs[key] ?? -Infinity, s.timestampMs);
        continue;
      }
      this.otherDelivered += series.samples.length;
      if (!name.startsWith(SELF_PREFIX)) continue;
      const labels = series.labels.filter((l) => !CONSTANT_LABELS.has(l.name)).map((l) => `${l.name}="${l.value}"`);
      const key = `${name}{${labels.join(',')}}`;
      for (const s of series.samples) {
        const last = this.selfCounters.get(key);
        if (last === undefined || s.timestampMs > last.timestampMs) this.selfCounters.set(key, { value: s.value, timestampMs: s.timestampMs });
      }
    }
  }

  logs(body: Buffer, mode: SoakReceiverMode): void {
    if (mode === 'down') return; // logs carry no flush-time data: their accounts close without the refused bodies
    let push: unknown;
    try {
      push = JSON.parse(body.toString('utf8'));
    } catch (err) {
      this.logsProblems.push(`Loki body is not JSON: ${(err as Error).message}`);
      return;
    }
    const streams = (push as { streams?: unknown }).streams;
    if (!Array.isArray(streams)) return void this.logsProblems.push('Loki body has no streams array');
    for (const stream of streams as { values?: unknown }[]) {
      const values = Array.isArray(stream.values) ? (stream.values as unknown[]) : [];
      for (const value of values) {
        const line: unknown = Array.isArray(value) ? value[1] : undefined;
        this.linesDelivered += 1;
        const call = typeof line === 'string' ? callNumberOf(line) : undefined;
        if (call === undefined) this.unnumbered += 1;
        else this.calls.add(call);
      }
    }
  }

  tally(calls: number, newest: number): SoakTally {
    let newestCall = -1;
    for (const call of this.calls) newestCall = Math.max(newestCall, call);
    let newestDelivered = 0;
    for (let call = Math.max(0, calls - newest); call < calls; call++) if (this.calls.has(call)) newestDelivered += 1;
    let compatibleLost = 0;
    let otherLost = 0;
    for (const lost of this.refused.values()) {
      compatibleLost += lost.compatible;
      otherLost += lost.other;
    }
    const selfCounters: Record<string, number> = {};
    for (const [key, { value }] of this.selfCounters) selfCounters[key] = value;
    return {
      requests: this.requests,
      metrics: {
        compatibleDelivered: this.compatibleDelivered,
        otherDelivered: this.otherDelivered,
        lostBodies: this.refused.size,
        compatibleLost,
        otherLost,
        deliveredTwice: this.deliveredTwice,
        newestCompatibleMs: this.newestCompatibleMs,
        selfCounters,
        problems: this.metricsProblems,
      },
      logs: {
        delivered: this.linesDelivered,
        distinctCalls: this.calls.size,
        unnumbered: this.unnumbered,
        newestCall,
        newestDelivered,
        problems: this.logsProblems,
      },
    };
  }
}

function main(): void {
  let mode: SoakReceiverMode = 'down';
  const tallies = new Tallies();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // The mode when the body has arrived decides the answer, and how the body is counted.
      const answeredIn = mode;
      const status = answeredIn === 'up' ? 204 : 503;
      const body = Buffer.concat(chunks);
      const counted = path.endsWith('/api/v1/write') ? tallies.metrics(body, answeredIn) : Promise.resolve(tallies.logs(body, answeredIn));
      // Answer after counting, so a tally asked for once the exporter is done includes everything it was told.
      void counted
        .catch((err: unknown) => tallies.metricsProblems.push(`counting failed: ${String(err)}`))
        .then(() => {
          tallies.count(path, status);
          res.statusCode = status;
          res.end();
        });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
  process.on('message', (message: SoakReceiverRequest) => {
    if (message.type === 'mode') {
      mode = message.mode;
      process.send?.({ type: 'mode' });
    } else {
      process.send?.({ type: 'tally', tally: tallies.tally(message.calls, message.newest) });
    }
  });
  // The parent's exit closes the IPC channel: go with it.
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) main();
