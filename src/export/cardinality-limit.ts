import { debugLog } from '../debug-log.js';
import { MonitoringError } from '../monitoring-error.js';
import type { Signal } from './http/retry-policy.js';

/**
 * A receiver saying it holds as many distinct label sets as it will take
 * (vector E16): Loki's 429 "Maximum active stream limit exceeded when trying to
 * create stream …" (default 5,000 streams, wire-protocols.md §4), Mimir's
 * "per-user series limit of 150000 exceeded" / "per-metric series limit"
 * (a 400 soft error, §1.4; Grafana Cloud's max_global_series_per_user, §3).
 *
 * Retrying is decided by the status as for any answer (429 again later, 400
 * never); what this adds is telling the team, once per exporter, that the cause
 * is the number of label combinations they send, and which labels make them:
 * waiting does not fix it, and a plain "429" reads like a rate problem.
 */

const LIMIT_WORDS = /maximum active stream limit|series limit|max(?:imum)?[ _-]?(?:global[ _-])?series/i;

/**
 * True when an answer says a stream or series limit was reached.
 *
 * @example
 * isCardinalityLimit(429, 'Maximum active stream limit exceeded when trying to create stream {job="x"}'); // true
 * isCardinalityLimit(429, 'Ingestion rate limit exceeded for user 1'); // false: a rate, not a cardinality
 */
export function isCardinalityLimit(status: number, body: string): boolean {
  return status >= 400 && status < 500 && LIMIT_WORDS.test(body);
}

/** What to look at, per signal: the labels that multiply streams or series. */
const ADVICE: Record<Signal, string> = {
  logs:
    "Loki's limit on active streams is reached: every distinct stream label set is a stream. " +
    'Look at the label values you add: `labels` (keep ids and per-request values out of them), `environment`, ' +
    'and how many model names your calls use (the `model` label). Per-call values belong in the line, or with ' +
    '`structured_metadata: true` in structured metadata, which creates no streams. Or raise the tenant limit ' +
    '(max_global_streams_per_user). Lines are retried meanwhile',
  metrics:
    "the receiver's series limit is reached: every distinct label set is a series. " +
    'Look at the label values you add: `labels` (keep ids and per-request values out of them), `environment`, ' +
    '`instance` (each process makes its own series), and how many model names your calls use (the `model`, ' +
    '`gen_ai_request_model` and `gen_ai_response_model` labels). Or raise the tenant limit (max_global_series_per_user)',
};

/**
 * Reports the first stream or series limit an exporter meets as a
 * MonitoringError `GOM_CARDINALITY_LIMIT`; later ones only go to the debug log.
 *
 * @example
 * const warning = new CardinalityWarning((err) => onError(err));
 * warning.observe('logs', 'logs push to https://logs.example/loki/api/v1/push answered HTTP 429: Maximum active stream limit exceeded', 429);
 */
export class CardinalityWarning {
  private reported = false;

  constructor(private readonly report: (err: MonitoringError) => void) {}

  /**
   * Takes one answer that `isCardinalityLimit` matched; `said` is the safe
   * (secret-free) description of it.
   *
   * @example
   * warning.observe('metrics', said, 400);
   */
  observe(signal: Signal, said: string, status: number): void {
    if (this.reported) {
      debugLog('%s: cardinality limit again: %s', signal, said);
      return;
    }
    this.reported = true;
    this.report(new MonitoringError('GOM_CARDINALITY_LIMIT', `${said}; ${ADVICE[signal]}`, { signal, status }));
  }
}
