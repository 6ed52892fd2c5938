/**
 * What to do with a receiver's answer: wire-protocols.md §1.5 and §9 as code.
 * Pure: no clock (`nowMs` is passed in), no randomness unless injected, no I/O.
 *
 * - 2xx is success (Mimir's 202 "HA replica deduped" too), except Loki's 260:
 *   ingestion blocked, nothing written; retrying cannot help (§4, §9).
 * - 5xx, 429 and network errors/timeouts are retried (spec: 5xx MUST, 429 MAY)
 *   with capped exponential backoff and jitter, `Retry-After` honoured (seconds
 *   or HTTP-date, as Prometheus' own sender parses it) up to a cap, so that a
 *   `Retry-After: 86400` never parks the queue for a day (vector B9).
 * - 413, and Mimir's 400 "message size … larger than the allowed limit", mean
 *   the request body was too large (§9 "split future batches"): the same bytes
 *   are never sent again; the lane that owns the batch splits it
 *   (request-size-limit.ts).
 * - every other 4xx is never retried (spec: MUST NOT). 404 and 415 mean the URL
 *   or the receiver's configuration is wrong (Prom 404 "remote write receiver
 *   needs to be enabled", Prom ≥2.54 415), as does VictoriaMetrics' 400
 *   `unsupported path requested` (vector D11) and a 3xx (node:http does not
 *   follow redirects: the configured URL is not the push endpoint).
 * - retries last as long as the receiver can still take the data (issue 22
 *   item 2): an outage of minutes must not drop what could still arrive.
 *   They end when the batch's oldest data would be too old: Prometheus
 *   refuses samples over 1 h behind its head (`out of bounds`, §1.4), Loki
 *   entries over 1 h behind a stream's newest (`entry too far behind`, §4;
 *   our streams are shared by processes, §1 of DESIGN.md), so data up to 55
 *   minutes old is retried (5 minutes for clocks and the request itself).
 *   Prom 2.42 answers some deterministic client errors with 500 (`invalid
 *   sample`, `too old sample`): those end by age too, and the byte budget
 *   keeps what waits meanwhile bounded (byte-budget.ts). An attempt bound can
 *   still be set (tests), but is not by default.
 */

export type Signal = 'metrics' | 'logs';

/** How one answer is handled. */
export type ResponseClass =
  | 'success'
  /** Loki 260: ingestion blocked, nothing written, do not retry. */
  | 'not_written'
  /** Retry later: 429 (rate limited). */
  | 'rate_limited'
  /** Retry later: 5xx. */
  | 'server_error'
  /** Never retry: the URL or the receiver's configuration is wrong (GOM_ENDPOINT_CONFIG). */
  | 'endpoint_config'
  /** Never resend these bytes: the body is larger than the receiver takes; send the data in smaller requests. */
  | 'too_large'
  /** Never retry: the data or the credentials were refused (GOM_PUSH_REJECTED). */
  | 'rejected';

export interface RetryPolicyOptions {
  /** Upper bound of the first backoff; doubles per attempt. */
  readonly initialBackoffMs: number;
  /** Upper bound of any backoff. */
  readonly maxBackoffMs: number;
  /** Longest `Retry-After` honoured; longer ones wait this long. */
  readonly maxRetryAfterMs: number;
  /** Attempts per batch, the first included (unbounded by default: data age ends the retries). */
  readonly maxAttempts: number;
  /** A batch whose oldest data would be older than this at its next attempt is dropped. */
  readonly maxDataAgeMs: number;
}

/**
 * Defaults: 250 ms → 30 s backoff, Retry-After up to 60 s, no attempt bound,
 * 55 minutes of data age (inside Prometheus' 1 h `out of bounds` and Loki's 1 h
 * `entry too far behind` windows, §1.4 and §4).
 *
 * @example
 * const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 };
 */
export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = Object.freeze({
  initialBackoffMs: 250,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 60_000,
  maxAttempts: Number.POSITIVE_INFINITY,
  maxDataAgeMs: 55 * 60_000,
});

/**
 * A 400 that says the body was too large. Mimir answers 400, not 413, for a
 * push over `-distributor.max-recv-msg-size` ("the incoming push request has
 * been rejected because its message size of … bytes is larger than the allowed
 * limit of … bytes", wire-protocols.md §9); gRPC-based receivers say "received
 * message larger than max". A bounded gap keeps the match to one sentence.
 */
const TOO_LARGE_400 = /message size[^\n]{0,200}larger than[^\n]{0,200}limit|received message larger than max|request body too large|entity too large/i;

/**
 * Classifies an HTTP answer. `body` only matters for VictoriaMetrics' way of
 * saying "wrong URL" (400 `unsupported path requested`) and Mimir's way of
 * saying "too large" (400 `message size … larger than the allowed limit`).
 *
 * @example
 * classifyResponse(204, 'metrics'); // 'success'
 * classifyResponse(260, 'logs');    // 'not_written'
 * classifyResponse(503, 'logs');    // 'server_error'
 * classifyResponse(415, 'metrics'); // 'endpoint_config'
 * classifyResponse(413, 'logs');    // 'too_large'
 */
export function classifyResponse(status: number, signal: Signal, body = ''): ResponseClass {
  if (status >= 200 && status < 300) return signal === 'logs' && status === 260 ? 'not_written' : 'success';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status === 404 || status === 415 || (status >= 300 && status < 400)) return 'endpoint_config';
  if (status === 400 && /unsupported path/i.test(body)) return 'endpoint_config';
  if (status === 413 || (status === 400 && TOO_LARGE_400.test(body))) return 'too_large';
  return 'rejected';
}

/**
 * True for the classes that are retried.
 *
 * @example
 * isRetryable('rate_limited'); // true
 */
export function isRetryable(cls: ResponseClass): boolean {
  return cls === 'rate_limited' || cls === 'server_error';
}

/**
 * Parses a `Retry-After` header into milliseconds from `nowMs`: delta-seconds
 * (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, RFC 9110 §10.2.3).
 * A date in the past gives 0; anything unparseable gives undefined (use backoff).
 *
 * @example
 * parseRetryAfter('2', Date.now()); // 2000
 * parseRetryAfter(new Date(Date.now() + 3000).toUTCString(), Date.now()); // ≈ 3000 (1 s resolution)
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse also takes loose forms such as "5"; only accept something that looks like a date.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Backoff before attempt `attempt + 1` after `attempt` failed (attempt ≥ 1),
 * "equal jitter": uniformly in [cap/2, cap] with cap = initial·2^(attempt−1)
 * bounded by maxBackoffMs. Half of the wait is random so that many processes
 * restarted together do not retry in lockstep; the other half guarantees the
 * wait grows with every attempt until the cap.
 *
 * @example
 * backoffMs(1, DEFAULT_RETRY_POLICY, () => 1); // 250
 * backoffMs(2, DEFAULT_RETRY_POLICY, () => 0); // 250 (cap 500, half of it)
 * backoffMs(20, DEFAULT_RETRY_POLICY);         // between 15 000 and 30 000
 */
export function backoffMs(attempt: number, policy: RetryPolicyOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const cap = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** exponent);
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * The wait before retrying after `attempt` failed with a retryable answer:
 * the receiver's `Retry-After` when it gave one (capped), else the backoff.
 *
 * @example
 * retryDelayMs(1, 1000, DEFAULT_RETRY_POLICY);      // 1000 (Retry-After: 1)
 * retryDelayMs(1, 86_400_000, DEFAULT_RETRY_POLICY); // 60000 (capped)
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicyOptions,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffMs(attempt, policy, random);
}

/**
 * Whether another attempt is allowed: attempts left, the batch's oldest data
 * still young enough at the next attempt, and (during a final delivery at exit
 * or shutdown) the next attempt before the deadline.
 *
 * @example
 * mayRetry({ attempt: 10, nextAttemptAtMs: now, oldestDataMs: now, deadlineMs: undefined }, DEFAULT_RETRY_POLICY); // false
 */
export function mayRetry(
  state: { attempt: number; nextAttemptAtMs: number; oldestDataMs: number; deadlineMs: number | undefined },
  policy: RetryPolicyOptions,
): boolean {
  if (state.attempt >= policy.maxAttempts) return false;
  if (state.nextAttemptAtMs - state.oldestDataMs > policy.maxDataAgeMs) return false;
  if (state.deadlineMs !== undefined && state.nextAttemptAtMs >= state.deadlineMs) return false;
  return true;
}
