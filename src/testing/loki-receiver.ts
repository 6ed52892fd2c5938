import { matchesLabels, type LabelMatch } from './label-match.js';
import { answerLokiQueryRange } from './loki-query-answer.js';
import { checkLokiPush, type PushedLokiEntry } from './loki-push-rules.js';
import {
  checkBasicAuth,
  ConditionWaiters,
  startLoopbackHttpServer,
  type ReceivedRequest,
  type ReceiverAnswer,
} from './loopback-http-server.js';

/**
 * An in-memory Loki on loopback for tests of an app's own telemetry. It takes
 * the JSON push API (`POST /loki/api/v1/push`), checks every request against
 * Loki's rules (loki-push-rules.ts) and lists each breach in `violations`. A
 * push that breaks a rule is answered 400 (422 when it has no streams) and
 * stores nothing; an entry equal to a stored one (same stream, timestamp and
 * line: a retried push) is dropped silently, as Loki's ingester does (§4).
 */

export interface ReceivedLogLine<T = Record<string, unknown>> {
  /** The stream's labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Nanoseconds since the epoch, as sent. */
  readonly timestampNs: string;
  readonly line: string;
  /** The line parsed as JSON when it is a JSON object, else undefined. */
  readonly json: T | undefined;
}

export interface LokiReceiverOptions {
  /** Require these basic-auth credentials; any other request is answered 401, as Grafana Cloud does. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Script the answer to a request; return undefined for the normal one. A non-2xx answer stores nothing. */
  readonly respond?: (request: ReceivedRequest) => ReceiverAnswer | undefined;
}

export interface LokiReceiver {
  /** The push URL for `logs_url`: `http://127.0.0.1:PORT/loki/api/v1/push` (the bare origin works too: the library completes it). */
  readonly url: string;
  /** The Loki API base, which answers `/loki/api/v1/query_range` with a stream selector and line filters. */
  readonly queryUrl: string;
  /** Every request, in arrival order, with the status it was answered. */
  readonly requests: readonly ReceivedRequest[];
  /** Every rule breach, as `request #N: …`; a conforming client leaves this empty. */
  readonly violations: readonly string[];
  /** Stored lines whose stream matches `labelMatch`, in arrival order, JSON parsed. */
  lines<T = Record<string, unknown>>(labelMatch?: LabelMatch): ReceivedLogLine<T>[];
  /** How many lines `lines()` returns. */
  count(labelMatch?: LabelMatch): number;
  /** Resolves once `predicate(receiver)` holds (checked after every request); rejects after `timeoutMs` (default 5000). */
  waitFor(predicate: (receiver: LokiReceiver) => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets requests, violations and lines. */
  reset(): void;
  close(): Promise<void>;
}

const PUSH_PATH = '/loki/api/v1/push';

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the receiver on 127.0.0.1 with a free port.
 *
 * @example
 * import { startLokiReceiver } from 'grafana-openai-monitoring/testing';
 * const loki = await startLokiReceiver();
 * const monitor = chat_v2.monitor(openai, { metrics_url: prometheus.url, logs_url: loki.url });
 * await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 * await monitor.flush();
 * const [entry] = loki.lines({ level: 'info' });
 * assert.equal(entry.json?.request_model, 'gpt-4o-mini');
 * assert.deepEqual(loki.violations, []);
 * await loki.close();
 */
export async function startLokiReceiver(options: LokiReceiverOptions = {}): Promise<LokiReceiver> {
  const requests: ReceivedRequest[] = [];
  const violations: string[] = [];
  const stored: (PushedLokiEntry & { json: Record<string, unknown> | undefined })[] = [];
  /** `stream \0 ts \0 line` of every stored entry, for Loki's duplicate drop. */
  const seen = new Set<string>();
  const waiters = new ConditionWaiters();

  function handlePush(request: ReceivedRequest): { answer: ReceiverAnswer; entries?: PushedLokiEntry[] } {
    if (request.method !== 'POST') return { answer: { status: 405, body: 'method not allowed: Loki push is POST' } };
    const check = checkLokiPush(request.headers, request.body, Date.now());
    request.violations.push(...check.problems);
    if (check.problems.length > 0) return { answer: { status: check.status, body: check.problems.join('\n') } };
    return { answer: { status: 204 }, entries: check.entries };
  }

  function store(entries: readonly PushedLokiEntry[]): void {
    for (const entry of entries) {
      const identity = `${JSON.stringify(Object.keys(entry.labels).sort().map((k) => [k, entry.labels[k]]))}\0${entry.timestampNs}\0${entry.line}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      stored.push({ ...entry, json: parseJsonObject(entry.line) });
    }
  }

  const server = await startLoopbackHttpServer((request) => {
    requests.push(request);
    const denied = checkBasicAuth(request, options.basicAuth);
    let answer: ReceiverAnswer;
    let entries: PushedLokiEntry[] | undefined;
    if (denied !== undefined) answer = denied;
    else if (request.path === PUSH_PATH) ({ answer, entries } = handlePush(request));
    else if (request.path === '/loki/api/v1/query_range') answer = answerLokiQueryRange(request, stored, Date.now());
    else answer = { status: 404, body: '404 page not found' };
    for (const v of request.violations) violations.push(`request #${requests.length}: ${v}`);
    answer = options.respond?.(request) ?? answer;
    if (entries !== undefined && answer.status >= 200 && answer.status < 300) store(entries);
    request.status = answer.status;
    waiters.check();
    return answer;
  });

  const receiver: LokiReceiver = {
    url: `${server.origin}${PUSH_PATH}`,
    queryUrl: server.origin,
    requests,
    violations,
    lines: <T>(labelMatch?: LabelMatch) =>
      stored
        .filter((e) => matchesLabels(e.labels, labelMatch))
        .map((e) => ({ labels: e.labels, timestampNs: e.timestampNs, line: e.line, json: e.json as T | undefined })),
    count: (labelMatch) => stored.filter((e) => matchesLabels(e.labels, labelMatch)).length,
    waitFor: (predicate, timeoutMs = 5000) =>
      waiters.waitFor(() => predicate(receiver), timeoutMs, () => `${requests.length} requests, ${stored.length} lines stored, violations: ${JSON.stringify(violations.slice(0, 3))}`),
    reset() {
      requests.length = 0;
      violations.length = 0;
      stored.length = 0;
      seen.clear();
    },
    close: () => server.close(),
  };
  return receiver;
}
