import type { IncomingHttpHeaders } from 'node:http';
import { ConditionWaiters, HttpAnswer, startLoopbackServer } from './loopback-server.js';
import { checkLokiPush, ParsedLokiEntry } from './loki-push-validation.js';

/**
 * A loopback Loki (reference/wire-protocols.md §4; Loki is not packaged in Debian,
 * so tests use this instead, level "L" of wire-test-vectors.md). It validates
 * like Loki's distributor (loki-push-validation.ts): a whole-request failure
 * stores nothing; per-entry failures drop those entries, store the valid ones and
 * answer 400 listing the messages. Like Loki's ingester, an entry equal (ts and
 * line) to one already stored in its stream is dropped silently; it is counted
 * in `duplicatesDropped` and, being something a correct client never sends,
 * reported in `violations`.
 */

export interface ReceivedLokiPush {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  authorization?: string;
  basicAuth?: { username: string; password: string };
  /** Entries of this request that passed validation (before duplicate removal). */
  entries: ParsedLokiEntry[];
  /** Breaches found in this request (also appended to the receiver's `violations`). */
  violations: string[];
  /** The status this request was answered with. */
  status?: number;
}

export interface StoredLokiEntry extends ParsedLokiEntry {
  /** The line parsed as JSON, or undefined when it is not JSON. */
  json?: unknown;
}

export interface LokiReceiverOptions {
  /** Scripts an answer; return undefined for the default one. A non-2xx answer stores nothing. */
  respond?: (req: ReceivedLokiPush) => HttpAnswer | undefined;
}

export interface LokiReceiver {
  /** `http://127.0.0.1:PORT/loki/api/v1/push` */
  readonly url: string;
  readonly requests: ReceivedLokiPush[];
  readonly violations: string[];
  /** Entries that repeated a stored (stream, ts, line) and were dropped. */
  readonly duplicatesDropped: number;
  /** Stored entries in arrival order. */
  entries(): StoredLokiEntry[];
  /** Resolves once `predicate(receiver)` is true, checked after every request. */
  waitFor(predicate: (receiver: LokiReceiver) => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Starts the receiver.
 *
 * @example
 * const loki = await startLokiReceiver();
 * // ... monitor a client with logs_url: loki.url, make a call, flush ...
 * await loki.waitFor((r) => r.entries().length === 1, 2000);
 * assert.equal((loki.entries()[0].json as { status: number }).status, 200);
 * assert.deepEqual(loki.violations, []);
 * await loki.close();
 */
export async function startLokiReceiver(opts: LokiReceiverOptions = {}): Promise<LokiReceiver> {
  const requests: ReceivedLokiPush[] = [];
  const violations: string[] = [];
  const stored: StoredLokiEntry[] = [];
  /** Per stream (labels as JSON): `ts \0 line` of every stored entry. */
  const seen = new Map<string, Set<string>>();
  let duplicatesDropped = 0;
  const waiters = new ConditionWaiters();

  const server = await startLoopbackServer((http) => {
    const check = checkLokiPush(http, Date.now());
    const req: ReceivedLokiPush = { ...http, entries: check.valid, violations: [...check.violations] };
    requests.push(req);
    const number = requests.length;

    const scripted = opts.respond?.(req);
    let answer: HttpAnswer;
    if (scripted) answer = scripted;
    else if (check.fatal) answer = { status: check.fatal.status, body: check.fatal.message };
    else if (check.errors.length > 0) answer = { status: 400, body: check.errors.join('\n') };
    else answer = { status: 204 };
    req.status = answer.status;
    // Loki's own 400 for per-entry errors still writes the valid entries; a scripted
    // failure stands for a request that did not get through, so it stores nothing.
    const stores = scripted ? scripted.status >= 200 && scripted.status < 300 : !check.fatal;
    if (stores) {
      for (const entry of check.valid) {
        const streamKey = JSON.stringify(Object.keys(entry.labels).sort().map((k) => [k, entry.labels[k]]));
        let keys = seen.get(streamKey);
        if (!keys) seen.set(streamKey, (keys = new Set()));
        const key = `${entry.timestampNs}\u0000${entry.line}`;
        if (keys.has(key)) {
          duplicatesDropped++;
          req.violations.push(`duplicate entry (same timestamp ${entry.timestampNs} and line) in stream ${streamKey}`);
          continue;
        }
        keys.add(key);
        stored.push({ ...entry, json: parseJson(entry.line) });
      }
    }
    for (const v of req.violations) violations.push(`request #${number}: ${v}`);
    waiters.check();
    return answer;
  });

  const receiver: LokiReceiver = {
    url: `${server.origin}/loki/api/v1/push`,
    requests,
    violations,
    get duplicatesDropped() {
      return duplicatesDropped;
    },
    entries: () => [...stored],
    waitFor: (predicate, timeoutMs) => waiters.waitFor(() => predicate(receiver), timeoutMs, 'the Loki receiver condition'),
    close: () => server.close(),
  };
  return receiver;
}
