import { hostname } from 'node:os';
import { logsPushUrl, metricsPushUrl } from './endpoint-url.js';
import { DEFAULT_MAX_BUFFERED_BYTES } from './export/byte-budget.js';
import { checkUserHeaders } from './export/user-headers.js';
import { MonitoringError } from './monitoring-error.js';
import { isWellFormed, MAX_LABEL_VALUE_BYTES } from './export/label-value.js';
import { LIBRARY_LABEL_NAMES } from './record/library-labels.js';
import { suggestOption } from './option-suggestion.js';
import type { LogLine } from './record/log-line.js';

/** Per-1M-token USD prices for one model, as the `prices` option takes them. */
export interface ModelPriceOverride {
  /** USD per 1M uncached input tokens. */
  input: number;
  /** USD per 1M output tokens (reasoning included). */
  output?: number;
  /** USD per 1M cached input tokens; defaults to `input`. */
  cachedInput?: number;
  /** USD per 1M cache-write input tokens; defaults to `input`. */
  cacheWrite?: number;
}

/**
 * Options of every `monitor()` entry point. Names are snake_case, as in the
 * original grafana-openai-monitoring README, so existing configs keep working.
 */
export interface MonitorOptions {
  /** Prometheus remote-write URL; Grafana Cloud's `…/api/prom` is completed to `…/api/prom/push`. */
  metrics_url: string;
  /** Loki URL; a bare host is completed to `…/loki/api/v1/push`. */
  logs_url: string;
  /** Grafana Cloud Prometheus instance id (basic-auth user). Omit with the token for a receiver without auth. */
  metrics_username?: string | number;
  /** Grafana Cloud Loki instance id (basic-auth user). */
  logs_username?: string | number;
  /** Grafana Cloud access policy token with metrics:write and logs:write. */
  access_token?: string;
  /** `environment` label on every series and stream. Default `default`. */
  environment?: string;
  /** `instance` label; default `<hostname>:<pid>` so processes never share a series. */
  instance?: string;
  /** Extra constant labels on every series and stream (at most 8). */
  labels?: Readonly<Record<string, string>>;
  /** Leave prompts and responses out of the Loki lines. Default false. */
  disable_content?: boolean;
  /** Longest prompt or response text kept in a line, in characters. Default 20,000. */
  max_content_length?: number;
  /** Edit or drop (return undefined) a log line before it is queued. */
  redact?: (line: LogLine) => LogLine | undefined;
  /**
   * Also attach Loki structured metadata to each line (request_id,
   * response_model, finish_reason, input_tokens, output_tokens, cost_usd), so
   * they can be filtered without `| json`. Needs Loki ≥ 3.0 (2.9 rejects such
   * pushes). Default false.
   */
  structured_metadata?: boolean;
  /** How often buffered data is pushed. Default 10,000 ms. */
  flush_interval_ms?: number;
  /** Longest wait for one push request. Default 5,000 ms. */
  timeout_ms?: number;
  /** Longest `shutdown()`, or delivery at process exit, waits for an endpoint. Default 5,000 ms. */
  shutdown_timeout_ms?: number;
  /**
   * Most samples (and, separately, log lines) held while an endpoint is down
   * or slow; the oldest go first. Default 50,000: at 10,000 calls a second
   * 10,000 lines were one second of slack, and a receiver sharing the CPU lost
   * lines (bench/README.md, Throughput). Memory is bounded by
   * `max_buffered_bytes` whatever this is.
   */
  max_queue?: number;
  /**
   * Most bytes the library holds in all: queued samples and lines, batches
   * being sent or retried, request bodies, calls waiting to be recorded. When
   * full, the oldest data goes first (counted as dropped, reason
   * `queue_full`). Default 33,554,432 (32 MiB); at least 4 MiB. `max_queue`
   * still bounds the entries; whichever is reached first applies.
   */
  max_buffered_bytes?: number;
  /**
   * On SIGTERM and SIGINT, deliver what is pending (within
   * `shutdown_timeout_ms`) and then let the process end as it would have:
   * re-raised when the app has no handler of its own, untouched otherwise.
   * Default true; false leaves signals alone.
   */
  handle_signals?: boolean;
  /**
   * Ask streams for their usage (`stream_options.include_usage`) when the app
   * did not, hiding what that adds from the app. Default true.
   */
  stream_usage?: boolean;
  /** Per-model prices (fine-tunes, Azure deployments, self-hosted models); they win over the built-in table. */
  prices?: Readonly<Record<string, ModelPriceOverride>>;
  /** Called with each delivery problem (a MonitoringError); never with a secret. */
  on_error?: (error: MonitoringError) => void;
  /**
   * Extra HTTP headers on every push of both signals, e.g. a tenant for
   * Mimir/Loki: `{ 'X-Scope-OrgID': 'tenant-1' }`. Headers the library sets
   * (Authorization, Content-Type, Content-Encoding, User-Agent,
   * X-Prometheus-Remote-Write-Version, Content-Length, Host, Transfer-Encoding,
   * Connection) are refused.
   * Values are treated as secrets: never logged.
   */
  headers?: Readonly<Record<string, string>>;
}

/** Options after validation and defaults: what the rest of the library reads. */
export interface ResolvedOptions {
  metrics: { url: string; username?: string; password?: string; headers?: Readonly<Record<string, string>> };
  logs: { url: string; username?: string; password?: string; headers?: Readonly<Record<string, string>> };
  environment: string;
  instance: string;
  labels: Readonly<Record<string, string>>;
  disableContent: boolean;
  maxContentLength: number;
  redact?: (line: LogLine) => LogLine | undefined;
  structuredMetadata: boolean;
  flushIntervalMs: number;
  timeoutMs: number;
  shutdownTimeoutMs: number;
  maxQueue: number;
  maxBufferedBytes: number;
  handleSignals: boolean;
  streamUsage: boolean;
  prices: Readonly<Record<string, ModelPriceOverride>>;
  onError?: (error: MonitoringError) => void;
}

const KNOWN_OPTIONS = [
  'metrics_url', 'logs_url', 'metrics_username', 'logs_username', 'access_token', 'environment', 'instance',
  'labels', 'disable_content', 'max_content_length', 'redact', 'structured_metadata', 'flush_interval_ms', 'timeout_ms',
  'shutdown_timeout_ms', 'max_queue', 'max_buffered_bytes', 'handle_signals', 'stream_usage', 'prices', 'on_error', 'headers',
];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_USER_LABELS = 8;
/** Room for the recording reserve, a request or two in flight and a few 256 KiB lines (byte-budget.ts). */
const MIN_BUFFERED_BYTES = 4 * 1024 * 1024;

function invalid(option: string, message: string): MonitoringError {
  return new MonitoringError('GOM_INVALID_OPTION', `${option}: ${message}`, { option });
}

function positiveInteger(options: MonitorOptions, name: keyof MonitorOptions, fallback: number, min: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(name, `must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalString(options: MonitorOptions, name: 'environment' | 'instance', fallback: string): string {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') throw invalid(name, 'must be a non-empty string');
  checkLabelValue(name, value, `the ${name} label`);
  return value;
}

/**
 * A label value on every series and stream must be one receivers take
 * (label-value.ts): Loki refuses a push with a value over 2,048 bytes, so an
 * over-long `environment` would cost every log line (issue 22 item 8).
 */
function checkLabelValue(option: string, value: string, what: string): void {
  if (!isWellFormed(value)) throw invalid(option, `${what} is not valid UTF-8 (it holds a lone UTF-16 surrogate); use plain text`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_LABEL_VALUE_BYTES) {
    throw invalid(option, `${what} is ${bytes} bytes long; Loki and Mimir refuse label values over ${MAX_LABEL_VALUE_BYTES} bytes: use a short name`);
  }
}

function optionalFunction<K extends 'redact' | 'on_error'>(options: MonitorOptions, name: K): MonitorOptions[K] {
  const value = options[name];
  if (value !== undefined && typeof value !== 'function') throw invalid(name, 'must be a function');
  return value;
}

function resolveAuth(options: MonitorOptions): { metrics?: string; logs?: string; token?: string } {
  const user = (name: 'metrics_username' | 'logs_username'): string | undefined => {
    const value = options[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw invalid(name, 'must be a string (the numeric instance id)');
    return String(value);
  };
  const metrics = user('metrics_username');
  const logs = user('logs_username');
  const token = options.access_token;
  if (token !== undefined && (typeof token !== 'string' || token === '')) {
    throw invalid('access_token', 'must be a non-empty string (a Grafana Cloud access policy token)');
  }
  if ((metrics !== undefined || logs !== undefined) && token === undefined) {
    throw invalid('access_token', 'is missing: a username was given, so the endpoint needs the token too (or omit the usernames for a receiver without auth)');
  }
  if (token !== undefined && metrics === undefined) {
    throw invalid('metrics_username', 'is missing: access_token was given; set it to your Prometheus instance id (Grafana Cloud → Prometheus → Details)');
  }
  if (token !== undefined && logs === undefined) {
    throw invalid('logs_username', 'is missing: access_token was given; set it to your Loki instance id (Grafana Cloud → Loki → Details)');
  }
  return { metrics, logs, token };
}

function resolveLabels(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('labels', 'must be an object of label name → string value');
  const names = Object.keys(value);
  if (names.length > MAX_USER_LABELS) throw invalid('labels', `takes at most ${MAX_USER_LABELS} labels (Loki allows 15 per stream)`);
  const labels: Record<string, string> = {};
  for (const name of names) {
    const labelValue = (value as Record<string, unknown>)[name];
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw invalid('labels', `${JSON.stringify(name)} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)`);
    if (LIBRARY_LABEL_NAMES.includes(name)) {
      const instead = name === 'environment' || name === 'instance' ? `use the ${name} option` : 'rename it, e.g. app_' + name;
      throw invalid('labels', `${name} is set by the library (a label it writes itself); ${instead}`);
    }
    if (typeof labelValue !== 'string' || labelValue === '') throw invalid('labels', `${name} must have a non-empty string value`);
    checkLabelValue('labels', labelValue, `label ${name}`);
    labels[name] = labelValue;
  }
  return labels;
}

function resolvePrices(value: unknown): Record<string, ModelPriceOverride> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('prices', 'must be an object of model name → { input, output, cachedInput? } in USD per 1M tokens');
  const prices: Record<string, ModelPriceOverride> = {};
  for (const [model, price] of Object.entries(value as Record<string, unknown>)) {
    const p = price as Record<string, unknown> | null;
    const ok = (k: string, required: boolean): boolean =>
      p !== null && typeof p === 'object' && (p[k] === undefined ? !required : typeof p[k] === 'number' && Number.isFinite(p[k]) && (p[k] as number) >= 0);
    if (!ok('input', true) || !ok('output', false) || !ok('cachedInput', false) || !ok('cacheWrite', false)) {
      throw invalid('prices', `${JSON.stringify(model)} needs { input: number, output?: number, cachedInput?: number, cacheWrite?: number } in USD per 1M tokens`);
    }
    prices[model] = price as ModelPriceOverride;
  }
  return prices;
}

/**
 * Checks every option and fills in defaults. Throws a MonitoringError with
 * code `GOM_INVALID_OPTION` whose message starts with the option's name and says
 * how to fix it; this is the only place the library throws at the app.
 *
 * @example
 * const resolved = resolveOptions({ metrics_url: 'http://127.0.0.1:9090', logs_url: 'http://127.0.0.1:3100' });
 * resolved.metrics.url; // 'http://127.0.0.1:9090/api/v1/write'
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new MonitoringError('GOM_INVALID_OPTION', 'options are required: { metrics_url, logs_url, metrics_username, logs_username, access_token }', { option: 'options' });
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      const hint = suggestOption(key, KNOWN_OPTIONS);
      throw invalid(key, `is not an option${hint ? `; ${hint}` : ''}`);
    }
  }
  const o = options as MonitorOptions;
  const auth = resolveAuth(o);
  const credentials = (username?: string) => (username === undefined ? {} : { username, password: auth.token });
  if (o.disable_content !== undefined && typeof o.disable_content !== 'boolean') throw invalid('disable_content', 'must be true or false');
  if (o.stream_usage !== undefined && typeof o.stream_usage !== 'boolean') throw invalid('stream_usage', 'must be true or false');
  if (o.handle_signals !== undefined && typeof o.handle_signals !== 'boolean') {
    throw invalid('handle_signals', 'must be true or false (false leaves SIGTERM and SIGINT to the app)');
  }
  if (o.structured_metadata !== undefined && typeof o.structured_metadata !== 'boolean') {
    throw invalid('structured_metadata', 'must be true or false (true needs Loki 3.0 or later)');
  }
  const timeoutMs = positiveInteger(o, 'timeout_ms', 5_000, 1);
  const headers = checkUserHeaders(o.headers);
  // Only when given: an endpoint without them is the same destination as before the option existed.
  const extra = Object.keys(headers).length > 0 ? { headers } : {};
  return {
    metrics: { url: metricsPushUrl(o.metrics_url), ...credentials(auth.metrics), ...extra },
    logs: { url: logsPushUrl(o.logs_url), ...credentials(auth.logs), ...extra },
    environment: optionalString(o, 'environment', 'default'),
    instance: optionalString(o, 'instance', `${hostname()}:${process.pid}`),
    labels: resolveLabels(o.labels),
    disableContent: o.disable_content === true,
    maxContentLength: positiveInteger(o, 'max_content_length', 20_000, 0),
    redact: optionalFunction(o, 'redact'),
    structuredMetadata: o.structured_metadata === true,
    flushIntervalMs: positiveInteger(o, 'flush_interval_ms', 10_000, 10),
    timeoutMs,
    shutdownTimeoutMs: positiveInteger(o, 'shutdown_timeout_ms', 5_000, 1),
    maxQueue: positiveInteger(o, 'max_queue', 50_000, 1),
    maxBufferedBytes: positiveInteger(o, 'max_buffered_bytes', DEFAULT_MAX_BUFFERED_BYTES, MIN_BUFFERED_BYTES),
    handleSignals: o.handle_signals !== false,
    streamUsage: o.stream_usage !== false,
    prices: resolvePrices(o.prices),
    onError: optionalFunction(o, 'on_error'),
  };
}
