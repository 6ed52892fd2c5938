import type { WireTimeSeries } from './decode-write-request.js';
import { matchesLabels, type LabelMatch } from './label-match.js';
import {
  checkBasicAuth,
  ConditionWaiters,
  startLoopbackHttpServer,
  type ReceivedRequest,
  type ReceiverAnswer,
} from './loopback-http-server.js';
import { answerPrometheusQuery } from './prometheus-query-answer.js';
import { checkRemoteWriteHeaders, checkSeriesLabels, decodeRemoteWriteBody, headerValues } from './remote-write-rules.js';

/**
 * An in-memory Prometheus remote-write receiver on loopback, for tests of an
 * app's own telemetry. Stricter than real receivers on purpose (wire-protocols.md
 * §1.2: Prometheus 2.42 accepts a missing Content-Encoding, so lenient receivers
 * hide client bugs): every request is checked against the remote-write 1.0 rules
 * and each breach listed in `violations`. A request that breaks a rule is
 * answered 400 (415 for a wrong Content-Type) and stores nothing, as Prometheus
 * drops a whole batch for one bad sample (§1.4). A sample repeating the newest
 * one of its series (same timestamp and value: a retried push) is dropped
 * silently, as Prometheus deduplicates it.
 */

export interface ReceivedSample {
  /** Every label of the series, `__name__` included. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs: number;
}

export interface ReceivedSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly { readonly value: number; readonly timestampMs: number }[];
}

export interface RemoteWriteReceiverOptions {
  /** Require these basic-auth credentials; any other request is answered 401, as Grafana Cloud does. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /**
   * Script the answer to a request (e.g. `{ status: 503 }` to test retries);
   * return undefined for the normal one. A non-2xx answer stores nothing.
   */
  readonly respond?: (request: ReceivedRequest) => ReceiverAnswer | undefined;
}

export interface RemoteWriteReceiver {
  /** The push URL for `metrics_url`: `http://127.0.0.1:PORT/api/v1/write` (`/api/prom/push` is accepted too). */
  readonly url: string;
  /** The Prometheus API base, which answers `…/api/v1/query` with a vector selector. */
  readonly queryUrl: string;
  /** Every request, in arrival order, with the status it was answered. */
  readonly requests: readonly ReceivedRequest[];
  /** Every wire-rule breach, as `request #N: …`; a conforming client leaves this empty. */
  readonly violations: readonly string[];
  /** Stored series matching `labelMatch`, in first-seen order. */
  series(labelMatch?: LabelMatch): ReceivedSeries[];
  /** Stored samples of `metricName` whose series matches `labelMatch`, in arrival order. */
  samples(metricName: string, labelMatch?: LabelMatch): ReceivedSample[];
  /** How many samples `samples()` returns. */
  count(metricName: string, labelMatch?: LabelMatch): number;
  /** The sum of the values of `samples()`: the total over calls of a per-call series such as `openai_totalTokens`. */
  sum(metricName: string, labelMatch?: LabelMatch): number;
  /** The sum, over matching series, of each one's newest value: the total of a cumulative series such as a `_count`. */
  latest(metricName: string, labelMatch?: LabelMatch): number;
  /** Resolves once `predicate(receiver)` holds (checked after every request); rejects after `timeoutMs` (default 5000). */
  waitFor(predicate: (receiver: RemoteWriteReceiver) => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets requests, violations and series. */
  reset(): void;
  close(): Promise<void>;
}

const WRITE_PATHS = new Set(['/api/v1/write', '/api/prom/push', '/api/v1/push']);
/** Clock tolerance for "never in the future" (§8 item 7): the client and this receiver share a machine. */
const MAX_FUTURE_MS = 1000;

interface StoredSeries {
  labels: Record<string, string>;
  samples: { value: number; timestampMs: number }[];
}

function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((name) => [name, labels[name]]));
}

/**
 * Starts the receiver on 127.0.0.1 with a free port.
 *
 * @example
 * import { startRemoteWriteReceiver } from 'grafana-openai-monitoring/testing';
 * const prometheus = await startRemoteWriteReceiver();
 * const monitor = chat_v2.monitor(openai, { metrics_url: prometheus.url, logs_url: loki.url });
 * await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 * await monitor.flush();
 * assert.equal(prometheus.count('openai_totalTokens', { model: /^gpt-4o-mini/ }), 1);
 * assert.deepEqual(prometheus.violations, []);
 * await prometheus.close();
 */
export async function startRemoteWriteReceiver(options: RemoteWriteReceiverOptions = {}): Promise<RemoteWriteReceiver> {
  const requests: ReceivedRequest[] = [];
  const violations: string[] = [];
  const stored = new Map<string, StoredSeries>();
  const arrivals: ReceivedSample[] = [];
  const waiters = new ConditionWaiters();

  /** Checks a decoded request against the stored series; returns the samples a 2xx answer would store. */
  function checkSeries(series: WireTimeSeries[], problems: string[]): Map<string, StoredSeries> {
    const now = Date.now();
    const accepted = new Map<string, StoredSeries>();
    for (const ts of series) {
      problems.push(...checkSeriesLabels(ts.labels));
      const labels: Record<string, string> = {};
      for (const l of ts.labels) labels[l.name] = l.value;
      const name = labels.__name__ ?? '(no name)';
      if (ts.samples.length === 0) problems.push(`${name}: series sent with no samples`);
      const key = seriesKey(labels);
      let entry = accepted.get(key);
      if (entry === undefined) accepted.set(key, (entry = { labels, samples: [] }));
      for (const sample of ts.samples) {
        const last = entry.samples[entry.samples.length - 1] ?? stored.get(key)?.samples.slice(-1)[0];
        if (!Number.isSafeInteger(sample.timestampMs)) problems.push(`${name}: timestamp ${sample.timestampMs} is not whole milliseconds`);
        else if (sample.timestampMs > now + MAX_FUTURE_MS) problems.push(`${name}: timestamp ${sample.timestampMs} is ${sample.timestampMs - now} ms in the future`);
        else if (last !== undefined && sample.timestampMs === last.timestampMs && Object.is(sample.value, last.value)) continue;
        else if (last !== undefined && sample.timestampMs === last.timestampMs) problems.push(`${name}: duplicate sample for timestamp ${sample.timestampMs} with a different value`);
        else if (last !== undefined && sample.timestampMs < last.timestampMs) problems.push(`${name}: out of order sample at ${sample.timestampMs}, after ${last.timestampMs}`);
        else entry.samples.push({ value: sample.value, timestampMs: sample.timestampMs });
      }
    }
    return accepted;
  }

  function store(accepted: Map<string, StoredSeries>): void {
    for (const [key, { labels, samples }] of accepted) {
      if (samples.length === 0) continue;
      let target = stored.get(key);
      if (target === undefined) stored.set(key, (target = { labels, samples: [] }));
      target.samples.push(...samples);
      for (const s of samples) arrivals.push({ labels, value: s.value, timestampMs: s.timestampMs });
    }
  }

  function handlePush(request: ReceivedRequest): { answer: ReceiverAnswer; accepted?: Map<string, StoredSeries> } {
    if (request.method !== 'POST') return { answer: { status: 405, body: 'method not allowed: remote-write is POST' } };
    request.violations.push(...checkRemoteWriteHeaders(request.rawHeaders));
    const { series, problems } = decodeRemoteWriteBody(request.body);
    request.violations.push(...problems);
    const accepted = series === undefined ? undefined : checkSeries(series, request.violations);
    if (request.violations.length === 0) return { answer: { status: 204 }, accepted };
    const wrongType = headerValues(request.rawHeaders, 'Content-Type').join() !== 'application/x-protobuf';
    // Prometheus ≥ 2.54 answers a wrong Content-Type 415 (§1.2); everything else a strict receiver refuses with 400.
    return { answer: { status: wrongType ? 415 : 400, body: request.violations.join('\n') } };
  }

  const server = await startLoopbackHttpServer((request) => {
    requests.push(request);
    const denied = checkBasicAuth(request, options.basicAuth);
    let answer: ReceiverAnswer;
    let accepted: Map<string, StoredSeries> | undefined;
    if (denied !== undefined) answer = denied;
    else if (WRITE_PATHS.has(request.path)) ({ answer, accepted } = handlePush(request));
    else if (request.path.endsWith('/api/v1/query')) answer = answerPrometheusQuery(request, [...stored.values()], Date.now());
    else answer = { status: 404, body: '404 page not found' };
    for (const v of request.violations) violations.push(`request #${requests.length}: ${v}`);
    answer = options.respond?.(request) ?? answer;
    if (accepted !== undefined && answer.status >= 200 && answer.status < 300) store(accepted);
    // The status is set by the server once it answers; waiters may look at it, so set it now too.
    request.status = answer.status;
    waiters.check();
    return answer;
  });

  const matching = (metricName: string, labelMatch?: LabelMatch): StoredSeries[] =>
    [...stored.values()].filter((s) => s.labels.__name__ === metricName && matchesLabels(s.labels, labelMatch));

  const receiver: RemoteWriteReceiver = {
    url: `${server.origin}/api/v1/write`,
    queryUrl: server.origin,
    requests,
    violations,
    series: (labelMatch) => [...stored.values()].filter((s) => matchesLabels(s.labels, labelMatch)).map((s) => ({ labels: s.labels, samples: [...s.samples] })),
    samples: (metricName, labelMatch) => arrivals.filter((a) => a.labels.__name__ === metricName && matchesLabels(a.labels, labelMatch)),
    count: (metricName, labelMatch) => receiver.samples(metricName, labelMatch).length,
    sum: (metricName, labelMatch) => receiver.samples(metricName, labelMatch).reduce((total, s) => total + s.value, 0),
    latest: (metricName, labelMatch) => matching(metricName, labelMatch).reduce((total, s) => total + s.samples[s.samples.length - 1].value, 0),
    waitFor: (predicate, timeoutMs = 5000) =>
      waiters.waitFor(() => predicate(receiver), timeoutMs, () => `${requests.length} requests, ${arrivals.length} samples stored, violations: ${JSON.stringify(violations.slice(0, 3))}`),
    reset() {
      requests.length = 0;
      violations.length = 0;
      stored.clear();
      arrivals.length = 0;
    },
    close: () => server.close(),
  };
  return receiver;
}
