/**
 * The one error class this library throws (only from `monitor()`, for bad
 * options) or hands to `on_error` (for delivery problems). `code` is stable:
 * match on it, not on the message.
 *
 * @example
 * try {
 *   chat_v2.monitor(openai, { metrics_url: 'ftp://x' } as never);
 * } catch (err) {
 *   if (err instanceof MonitoringError && err.code === 'GOM_INVALID_OPTION') console.error(err.option);
 * }
 */
export type MonitoringErrorCode =
  /** An option passed to `monitor()` is missing or wrong; `option` names it. */
  | 'GOM_INVALID_OPTION'
  /** What was passed to `monitor()` is neither an `openai` client nor a client class (or lacks the endpoint). */
  | 'GOM_INVALID_CLIENT'
  /**
   * A class monitor and another monitor with different options would record the
   * same calls (e.g. `monitor(OpenAI, a)` then `chat_v2.monitor(client, b)`);
   * a call is recorded once, so the second `monitor()` throws.
   */
  | 'GOM_CONFLICTING_MONITORS'
  /** A push was refused in a way retrying cannot fix (4xx other than 429); data dropped. */
  | 'GOM_PUSH_REJECTED'
  /** A push kept failing (5xx, 429, network, timeout) until attempts or time ran out; data dropped. */
  | 'GOM_PUSH_FAILED'
  /** The receiver answered 404 or 415: the URL or the receiver's configuration is wrong. */
  | 'GOM_ENDPOINT_CONFIG'
  /** The queue was full: the oldest data was dropped. */
  | 'GOM_QUEUE_FULL'
  /**
   * The receiver's stream or series limit is reached (Loki "Maximum active
   * stream limit exceeded", Mimir "per-user series limit"): too many distinct
   * label sets. Reported once per destination; the message says which labels to look at.
   */
  | 'GOM_CARDINALITY_LIMIT';

export class MonitoringError extends Error {
  readonly code: MonitoringErrorCode;
  /** The option at fault, for GOM_INVALID_OPTION. */
  readonly option?: string;
  /** `metrics` or `logs`, for delivery errors. */
  readonly signal?: 'metrics' | 'logs';
  /** HTTP status of the receiver's answer, when there was one. */
  readonly status?: number;

  constructor(
    code: MonitoringErrorCode,
    message: string,
    details: { option?: string; signal?: 'metrics' | 'logs'; status?: number } = {},
  ) {
    super(message);
    this.name = 'MonitoringError';
    this.code = code;
    this.option = details.option;
    this.signal = details.signal;
    this.status = details.status;
  }
}
