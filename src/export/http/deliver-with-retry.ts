import type { MonitoringErrorCode } from '../../monitoring-error.js';
import { SecretScrubber } from '../../secret-scrubber.js';
import { isCardinalityLimit } from '../cardinality-limit.js';
import type { FailureReason } from '../self-metrics.js';
import { describeUrl, HttpNetworkError, type HttpResponse, type HttpTransport, type RequestBody } from './http-transport.js';
import {
  classifyResponse,
  isRetryable,
  mayRetry,
  parseRetryAfter,
  retryDelayMs,
  type RetryPolicyOptions,
  type Signal,
} from './retry-policy.js';

/**
 * Delivers one encoded batch: POST, classify the answer (retry-policy.ts), wait,
 * POST the very same bytes again (vector B11: a retry is byte-identical, same
 * timestamps, so receivers that dedup — Prom same ts+value, Loki same ts+line —
 * make a retry after a lost answer harmless; wire-protocols.md §9 last row).
 * Resolves with what happened; never rejects.
 *
 * A body the receiver refuses as too large (413, Mimir's 400 "message size …",
 * §9) is never sent again: the result says `tooLarge` and the lane that owns
 * the batch re-sends its data in smaller requests (request-size-limit.ts).
 * An answer naming a stream or series limit (vector E16) is retried or not by
 * its status, and also handed to `onCardinalityLimit`.
 */

export interface BatchRequest {
  readonly signal: Signal;
  readonly url: URL;
  readonly body: RequestBody;
  readonly headers: Readonly<Record<string, string>>;
  /** Timestamp (ms) of the oldest data in the batch, for the data-age bound. */
  readonly oldestDataMs: number;
}

/** What the exporter lends a delivery: transport, policy, and its exit/shutdown state. */
export interface DeliveryContext {
  readonly transport: HttpTransport;
  readonly policy: RetryPolicyOptions;
  readonly timeoutMs: number;
  /** Strings that must never appear in a message (token, basic-auth value). */
  readonly secrets: readonly string[];
  /** Absolute deadline (epoch ms) while a final delivery runs at exit or shutdown, else undefined. */
  finalDeadline(): number | undefined;
  /** Waits `ms`, or less when a final delivery begins (the loop then re-checks the deadline). */
  wait(ms: number): Promise<void>;
  /** Lets the exporter abort the attempt in flight when its exit deadline passes; returns the unregister function. */
  trackAttempt(abort: () => void): () => void;
  /** Called after every attempt: `undefined` for success, else why it failed. */
  onAttempt(failure: FailureReason | undefined): void;
  /** Called for every answer that names a stream or series limit, with a secret-free description of it. */
  onCardinalityLimit(said: string, status: number): void;
  random?: () => number;
}

export type DeliveryResult =
  | { readonly delivered: true; readonly attempts: number }
  | {
      readonly delivered: false;
      readonly attempts: number;
      readonly code: Extract<MonitoringErrorCode, 'GOM_PUSH_REJECTED' | 'GOM_PUSH_FAILED' | 'GOM_ENDPOINT_CONFIG'>;
      readonly status?: number;
      /** A message safe to show: signal, URL without credentials, status, the receiver's words. */
      readonly message: string;
      /** The receiver refused the body as too large: send the data again in smaller requests, never these bytes. */
      readonly tooLarge: boolean;
    };

/** How much of the receiver's answer a message quotes. */
const MAX_QUOTED_CHARS = 1024;

/**
 * @example
 * const result = await deliverWithRetry({ signal: 'metrics', url, body, headers, oldestDataMs }, context);
 * if (!result.delivered) onError(new MonitoringError(result.code, result.message, { signal: 'metrics', status: result.status }));
 */
export async function deliverWithRetry(batch: BatchRequest, context: DeliveryContext): Promise<DeliveryResult> {
  const where = `${batch.signal} push to ${describeUrl(batch.url)}`;
  // Attempts made while a final delivery (shutdown, exit) runs. A batch that was
  // waiting out a backoff when one began gets one such attempt at once, rather
  // than being given up on a receiver that may be back by now.
  let finalAttempts = 0;
  for (let attempt = 1; ; attempt++) {
    const deadline = context.finalDeadline();
    if (deadline !== undefined) finalAttempts += 1;
    const timeoutMs = deadline === undefined ? context.timeoutMs : Math.min(context.timeoutMs, deadline - Date.now());
    if (timeoutMs <= 0) {
      return failed('GOM_PUSH_FAILED', attempt - 1, `${where} gave up: no time left before exit`, undefined, context);
    }

    let response: HttpResponse | undefined;
    let networkFailure: HttpNetworkError | undefined;
    const controller = new AbortController();
    const untrack = context.trackAttempt(() => controller.abort());
    try {
      response = await context.transport.post(batch.url, batch.body, {
        headers: batch.headers,
        timeoutMs,
        ref: deadline !== undefined,
        signal: controller.signal,
      });
    } catch (err) {
      networkFailure = err instanceof HttpNetworkError ? err : new HttpNetworkError(describeUrl(batch.url), `failed: ${String(err)}`);
    } finally {
      untrack();
    }

    let retryAfterMs: number | undefined;
    if (response) {
      const cls = classifyResponse(response.status, batch.signal, response.body);
      if (cls === 'success') {
        context.onAttempt(undefined);
        return { delivered: true, attempts: attempt };
      }
      context.onAttempt(cls);
      const said = `${where} answered HTTP ${response.status}${quote(response.body)}`;
      if (isCardinalityLimit(response.status, response.body)) context.onCardinalityLimit(scrub(said, context.secrets), response.status);
      if (cls === 'too_large') {
        return failed('GOM_PUSH_REJECTED', attempt, `${said} (request too large)`, response.status, context, true);
      }
      if (cls === 'endpoint_config') {
        return failed('GOM_ENDPOINT_CONFIG', attempt, `${said} (check the URL and that the receiver accepts pushes)`, response.status, context);
      }
      if (cls === 'not_written') {
        return failed('GOM_PUSH_REJECTED', attempt, `${said} (ingestion blocked: nothing was written)`, response.status, context);
      }
      if (!isRetryable(cls)) return failed('GOM_PUSH_REJECTED', attempt, said, response.status, context);
      retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    } else {
      context.onAttempt(networkFailure?.timedOut ? 'timeout' : 'network');
    }

    const delay = retryDelayMs(attempt, retryAfterMs, context.policy, context.random);
    const last = response ? `HTTP ${response.status}${quote(response.body)}` : (networkFailure as HttpNetworkError).reason;
    const state = { attempt, oldestDataMs: batch.oldestDataMs, deadlineMs: context.finalDeadline() };
    let wakeAt = Date.now() + delay;
    if (state.deadlineMs !== undefined && finalAttempts === 0 && wakeAt >= state.deadlineMs) wakeAt = Date.now();
    if (!mayRetry({ ...state, nextAttemptAtMs: wakeAt }, context.policy)) {
      return failed('GOM_PUSH_FAILED', attempt, `${where} failed after ${attempt} attempt(s), last: ${last}`, response?.status, context);
    }
    // A final delivery beginning during the wait shortens it to a re-check against its deadline.
    while (Date.now() < wakeAt) {
      const deadlineNow = context.finalDeadline();
      if (deadlineNow !== undefined && wakeAt >= deadlineNow) {
        if (finalAttempts === 0) break;
        return failed('GOM_PUSH_FAILED', attempt, `${where} failed after ${attempt} attempt(s) before exit, last: ${last}`, response?.status, context);
      }
      await context.wait(wakeAt - Date.now());
    }
  }
}

function quote(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  return `: ${text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text}`;
}

function failed(
  code: Extract<MonitoringErrorCode, 'GOM_PUSH_REJECTED' | 'GOM_PUSH_FAILED' | 'GOM_ENDPOINT_CONFIG'>,
  attempts: number,
  message: string,
  status: number | undefined,
  context: DeliveryContext,
  tooLarge = false,
): DeliveryResult {
  return { delivered: false, attempts, code, status, message: scrub(message, context.secrets), tooLarge };
}

/**
 * A receiver may echo what it was sent; rule 6 (DESIGN.md §3): secrets (token,
 * Authorization, user header values) never appear in an error. Strings shorter
 * than 4 characters are left alone: blanking every "t1" would garble messages.
 */
function scrub(message: string, secrets: readonly string[]): string {
  let safe = message;
  for (const secret of secrets) if (secret.length >= 4) safe = safe.split(secret).join('[redacted]');
  // And their URL-encoded and base64 forms (an echoed basic-auth header, issue 22 item 5).
  return new SecretScrubber(secrets).scrub(safe);
}
