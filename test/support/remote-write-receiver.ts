import type { IncomingHttpHeaders } from 'node:http';
import { ConditionWaiters, HttpAnswer, startLoopbackServer } from './loopback-server.js';
import { checkExemplars, checkRemoteWriteHeaders, checkSeriesLabels, decodeRemoteWriteBody, WireExemplar, WireSeries } from './remote-write-wire-check.js';

/**
 * A loopback stand-in for a strict Prometheus remote-write receiver
 * (reference/wire-protocols.md §1, §8, §9). Lenient real receivers hide client
 * bugs (§1.2: Prom 2.42 and VictoriaMetrics accept a missing Content-Encoding),
 * so this one checks every rule a correct client must follow and lists each
 * breach in `violations`; tests assert that list is empty.
 *
 * Answers: 405 for a method other than POST, 404 for a path other than
 * `/api/v1/write` or `/api/prom/push` (Grafana Cloud's), 400 for a body that does
 * not decode, otherwise 204 — unless `respond` scripts something else. Like
 * Prometheus, a request answered with a non-2xx status stores nothing (§1.4).
 */

export interface ReceivedRemoteWrite {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  authorization?: string;
  basicAuth?: { username: string; password: string };
  /** The decoded series in wire order; undefined when the body did not decode. */
  series?: WireSeries[];
  /** Breaches found in this request (also appended to the receiver's `violations`). */
  violations: string[];
  /** The status this request was answered with. */
  status?: number;
}

export interface StoredSample {
  value: number;
  timestampMs: number;
}

export interface StoredSeries {
  labels: Record<string, string>;
  samples: StoredSample[];
  /** Exemplars received with the series, in arrival order. */
  exemplars: WireExemplar[];
}

export interface RemoteWriteReceiverOptions {
  /** How far ahead of the receiver's clock a timestamp may be (default 1000 ms). */
  maxFutureMs?: number;
  /** Scripts an answer; return undefined for the default one. */
  respond?: (req: ReceivedRemoteWrite) => HttpAnswer | undefined;
}

export interface RemoteWriteReceiver {
  /** `http://127.0.0.1:PORT/api/v1/write` */
  readonly url: string;
  readonly requests: ReceivedRemoteWrite[];
  readonly violations: string[];
  /** Stored series in first-seen order. */
  series(): StoredSeries[];
  /** Samples of every stored series named `metricName` whose labels include `labelMatch`. */
  samplesOf(metricName: string, labelMatch?: Record<string, string>): StoredSample[];
  /** Exemplars of every stored series named `metricName` whose labels include `labelMatch`, with the series' labels. */
  exemplarsOf(metricName: string, labelMatch?: Record<string, string>): (WireExemplar & { series: Record<string, string> })[];
  /** Resolves once `predicate(receiver)` is true, checked after every request. */
  waitFor(predicate: (receiver: RemoteWriteReceiver) => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** What one request brings for one series, stored if the answer is 2xx. */
interface Accepted {
  labels: WireSeries['labels'];
  samples: StoredSample[];
  exemplars: WireExemplar[];
}

const WRITE_PATHS = new Set(['/api/v1/write', '/api/prom/push']);

function seriesKey(labels: readonly { name: string; value: string }[]): string {
  return JSON.stringify([...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((l) => [l.name, l.value]));
}

/**
 * Starts the receiver.
 *
 * @example
 * const prom = await startRemoteWriteReceiver();
 * // ... monitor a client with metrics_url: prom.url, make a call, flush ...
 * await prom.waitFor((r) => r.samplesOf('openai_totalTokens').length > 0, 2000);
 * assert.deepEqual(prom.violations, []);
 * await prom.close();
 */
export async function startRemoteWriteReceiver(opts: RemoteWriteReceiverOptions = {}): Promise<RemoteWriteReceiver> {
  const maxFutureMs = opts.maxFutureMs ?? 1000;
  const requests: ReceivedRemoteWrite[] = [];
  const violations: string[] = [];
  const stored = new Map<string, StoredSeries>();
  const waiters = new ConditionWaiters();

  function defaultAnswer(req: ReceivedRemoteWrite): HttpAnswer {
    if (req.method !== 'POST') return { status: 405, body: 'method not allowed' };
    if (!WRITE_PATHS.has(req.path)) return { status: 404, body: '404 page not found' };
    if (req.series === undefined) return { status: 400, body: 'snappy: corrupt input' };
    return { status: 204 };
  }

  /** Checks ordering and freshness against what is stored; returns the samples a 2xx would store. */
  function checkSamples(series: WireSeries[], problems: string[]): Map<string, Accepted> {
    const now = Date.now();
    const accepted = new Map<string, Accepted>();
    for (const ts of series) {
      problems.push(...checkSeriesLabels(ts.labels));
      const key = seriesKey(ts.labels);
      const name = ts.labels.find((l) => l.name === '__name__')?.value ?? '?';
      if (ts.samples.length === 0) problems.push(`series ${name} sent with no samples`);
      problems.push(...checkExemplars(name, ts.exemplars, now, maxFutureMs));
      let entry = accepted.get(key);
      if (!entry) accepted.set(key, (entry = { labels: ts.labels, samples: [], exemplars: [] }));
      entry.exemplars.push(...ts.exemplars);
      for (const sample of ts.samples) {
        const previous = entry.samples.length > 0 ? entry.samples[entry.samples.length - 1] : stored.get(key)?.samples.slice(-1)[0];
        if (!Number.isSafeInteger(sample.timestampMs)) {
          problems.push(`series ${name}: timestamp ${sample.timestampMs} is not an integer number of ms`);
        } else if (sample.timestampMs > now + maxFutureMs) {
          problems.push(`series ${name}: timestamp ${sample.timestampMs} is ${sample.timestampMs - now} ms in the future`);
        } else if (previous !== undefined && sample.timestampMs === previous.timestampMs && sample.value === previous.value) {
          // The same sample again, as a retry after a lost answer sends it: Prometheus answers 204 and
          // keeps one (wire-protocols.md, Prometheus 2.42 append rules: same ts and value is deduplicated).
        } else if (previous !== undefined && sample.timestampMs <= previous.timestampMs) {
          const kind = sample.timestampMs === previous.timestampMs ? 'duplicate' : 'out of order';
          problems.push(`series ${name}: ${kind} sample at ${sample.timestampMs} (last ${previous.timestampMs}), value ${sample.value} (last ${previous.value})`);
        } else {
          entry.samples.push({ value: sample.value, timestampMs: sample.timestampMs });
        }
      }
    }
    return accepted;
  }

  const server = await startLoopbackServer(async (http) => {
    const req: ReceivedRemoteWrite = { ...http, violations: [] };
    requests.push(req);
    let accepted = new Map<string, Accepted>();
    if (req.method !== 'POST') req.violations.push(`method ${req.method}; remote-write is POST`);
    else if (!WRITE_PATHS.has(req.path)) req.violations.push(`POST to ${req.path}, not a remote-write path`);
    else {
      req.violations.push(...checkRemoteWriteHeaders(req.rawHeaders));
      const { series, problems } = await decodeRemoteWriteBody(req.body);
      req.series = series;
      req.violations.push(...problems);
      if (series) accepted = checkSamples(series, req.violations);
    }
    const number = requests.length;
    for (const v of req.violations) violations.push(`request #${number}: ${v}`);
    const answer = opts.respond?.(req) ?? defaultAnswer(req);
    req.status = answer.status;
    if (answer.status >= 200 && answer.status < 300) {
      for (const [key, { labels, samples, exemplars }] of accepted) {
        if (samples.length === 0) continue;
        let target = stored.get(key);
        if (!target) {
          const plain: Record<string, string> = {};
          for (const l of labels) plain[l.name] = l.value;
          stored.set(key, (target = { labels: plain, samples: [], exemplars: [] }));
        }
        target.samples.push(...samples);
        target.exemplars.push(...exemplars);
      }
    }
    waiters.check();
    return answer;
  });

  const receiver: RemoteWriteReceiver = {
    url: `${server.origin}/api/v1/write`,
    requests,
    violations,
    series: () => [...stored.values()],
    samplesOf(metricName, labelMatch = {}) {
      const out: StoredSample[] = [];
      for (const s of stored.values()) {
        if (s.labels.__name__ !== metricName) continue;
        if (Object.keys(labelMatch).every((k) => s.labels[k] === labelMatch[k])) out.push(...s.samples);
      }
      return out;
    },
    exemplarsOf(metricName, labelMatch = {}) {
      const out: (WireExemplar & { series: Record<string, string> })[] = [];
      for (const s of stored.values()) {
        if (s.labels.__name__ !== metricName) continue;
        if (Object.keys(labelMatch).every((k) => s.labels[k] === labelMatch[k])) out.push(...s.exemplars.map((e) => ({ ...e, series: s.labels })));
      }
      return out;
    },
    waitFor: (predicate, timeoutMs) => waiters.waitFor(() => predicate(receiver), timeoutMs, 'the remote-write receiver condition'),
    close: () => server.close(),
  };
  return receiver;
}
