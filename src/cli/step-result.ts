import { HttpNetworkError } from '../export/http/http-transport.js';
import { hintForNetworkError, shortReason, type SignalName, type StepKind } from './hints.js';

/**
 * The outcome of one step of `check` (push or read-back of one signal) and the
 * receiver's answer as the report prints it: one line, at most 200 characters,
 * and never a secret. Receivers sometimes echo the request (a proxy's error
 * page, a gateway quoting the Authorization header), so every given secret is
 * replaced before anything reaches the terminal (DESIGN.md §3 rule 6).
 */

export interface StepResult {
  readonly signal: SignalName;
  readonly step: StepKind;
  readonly outcome: 'ok' | 'failed' | 'skipped';
  /** What happened, e.g. `HTTP 204 in 12 ms`. */
  readonly detail: string;
  /** What to do about a failure. */
  readonly hint?: string;
}

/**
 * The result of a step whose request got no HTTP answer; anything that is not
 * an HttpNetworkError is a bug and is rethrown.
 *
 * @example
 * try { … } catch (error) { return networkFailure('metrics', 'push', error, 5000, url); }
 */
export function networkFailure(signal: SignalName, step: StepKind, error: unknown, timeoutMs: number, url: string): StepResult {
  if (!(error instanceof HttpNetworkError)) throw error;
  return { signal, step, outcome: 'failed', detail: `no HTTP answer: ${shortReason(error.reason)}`, hint: hintForNetworkError(error, timeoutMs, url) };
}

const MAX_CHARS = 200;

/**
 * Replaces each secret (token, base64 credentials) in `text` with `***`.
 *
 * @example
 * scrubSecrets('bad token glc_abc', ['glc_abc']); // 'bad token ***'
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

/**
 * One printable line from an answer body.
 *
 * @example
 * answerExcerpt('{"status":"error",\n "error":"invalid token"}', []); // '{"status":"error", "error":"invalid token"}'
 */
export function answerExcerpt(body: string, secrets: readonly string[]): string {
  const oneLine = scrubSecrets(body, secrets).replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_CHARS ? `${oneLine.slice(0, MAX_CHARS)}…` : oneLine;
}
