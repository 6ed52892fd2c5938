import { resolveOptions, type ResolvedOptions } from '../monitor-options.js';
import { MonitoringError } from '../monitoring-error.js';
import { quoteUnparsedUrl } from '../endpoint-url.js';
import { ArgumentError } from './parse-arguments.js';

/**
 * What `check` works with: the options a monitored app would pass, taken from
 * flags or the environment (flags win) and validated by the library's own
 * `resolveOptions`, so a mistake gets exactly the message `monitor()` would
 * throw, plus the flag and variable that set it. Query URLs for the read-back
 * are the CLI's own: the library never reads.
 */

interface OptionSource {
  readonly flag: string;
  readonly env?: string;
  readonly option?: string;
}

/**
 * Every flag of `check`, with the environment variable and library option it stands for.
 *
 * @example
 * parseArguments(argv, CHECK_FLAGS.map((f) => f.flag));
 */
export const CHECK_FLAGS: readonly OptionSource[] = [
  { flag: 'metrics-url', env: 'GRAFANA_METRICS_URL', option: 'metrics_url' },
  { flag: 'logs-url', env: 'GRAFANA_LOGS_URL', option: 'logs_url' },
  { flag: 'metrics-username', env: 'GRAFANA_METRICS_USERNAME', option: 'metrics_username' },
  { flag: 'logs-username', env: 'GRAFANA_LOGS_USERNAME', option: 'logs_username' },
  { flag: 'access-token', env: 'GRAFANA_ACCESS_TOKEN', option: 'access_token' },
  { flag: 'headers', env: 'GRAFANA_HEADERS', option: 'headers' },
  { flag: 'timeout-ms', option: 'timeout_ms' },
  { flag: 'query-url' },
  { flag: 'logs-query-url' },
  { flag: 'read-wait-ms' },
];

export interface CheckSettings {
  readonly resolved: ResolvedOptions;
  /** Where each library option came from, e.g. `metrics_url` → `--metrics-url`. */
  readonly sources: Readonly<Record<string, string>>;
  /** Prometheus instant-query URL (`…/api/v1/query`), when a read-back was asked for. */
  readonly metricsQueryUrl?: URL;
  /** Loki range-query URL (`…/loki/api/v1/query_range`), when a read-back was asked for. */
  readonly logsQueryUrl?: URL;
  /** How long the read-back keeps querying for the pushed data. */
  readonly readWaitMs: number;
}

const DEFAULT_READ_WAIT_MS = 20_000;

function whereFrom(source: OptionSource): string {
  return source.env === undefined ? `--${source.flag}` : `--${source.flag} or ${source.env}`;
}

function parseHttpUrl(flag: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ArgumentError(`--${flag} is not a URL: ${quoteUnparsedUrl(raw)}; expected e.g. https://host/path`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ArgumentError(`--${flag} must be an http:// or https:// URL, got ${url.protocol}//`);
  if (url.username !== '' || url.password !== '') throw new ArgumentError(`--${flag} contains credentials; remove them: the read-back uses the usernames and access token`);
  return url;
}

/**
 * The Prometheus query URL from what users have at hand: Grafana Cloud's
 * `…/api/prom` query base (its push URL `…/api/prom/push` works too), a bare
 * Prometheus host (its `/api/v1/write` URL works too), or a full `…/api/v1/query`
 * (wire-protocols.md §3: the Prometheus API sits at `…/api/prom/api/v1/query`).
 *
 * @example
 * prometheusQueryUrl('https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom').pathname; // '/api/prom/api/v1/query'
 */
export function prometheusQueryUrl(raw: string): URL {
  const url = parseHttpUrl('query-url', raw);
  let path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/api/v1/query')) path = `${path.replace(/\/push$|\/api\/v1\/write$/, '')}/api/v1/query`;
  url.pathname = path;
  return url;
}

/**
 * The Loki range-query URL from the Loki base URL (Grafana Cloud's bare host),
 * its push URL, a `…/loki` base, or a full `…/loki/api/v1/query_range`.
 *
 * @example
 * lokiQueryUrl('https://logs-prod-006.grafana.net').pathname; // '/loki/api/v1/query_range'
 */
export function lokiQueryUrl(raw: string): URL {
  const url = parseHttpUrl('logs-query-url', raw);
  const path = url.pathname.replace(/\/+$/, '').replace(/\/loki(\/api\/v1\/(push|query_range))?$/, '');
  url.pathname = `${path}/loki/api/v1/query_range`;
  return url;
}

/** `--headers` / GRAFANA_HEADERS: a JSON object, as the `headers` option takes it. Its values may be secrets: never quoted. */
function parseHeaders(raw: string, source: OptionSource): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ArgumentError(`${whereFrom(source)} must be a JSON object of header names and values, e.g. '{"X-Scope-OrgID":"tenant-1"}'`);
  }
}

/**
 * Builds and validates the check's settings; throws ArgumentError naming the
 * option, its flag and its variable.
 *
 * @example
 * const settings = checkSettings(new Map([['metrics-url', 'http://127.0.0.1:9090']]), { GRAFANA_LOGS_URL: 'http://127.0.0.1:3100' });
 * settings.resolved.metrics.url; // 'http://127.0.0.1:9090/api/v1/write'
 */
export function checkSettings(flags: ReadonlyMap<string, string>, env: Readonly<Record<string, string | undefined>>): CheckSettings {
  const options: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const source of CHECK_FLAGS) {
    if (source.option === undefined) continue;
    const fromFlag = flags.get(source.flag);
    const fromEnv = source.env === undefined || env[source.env] === '' ? undefined : env[source.env];
    if (fromFlag !== undefined) sources[source.option] = `--${source.flag}`;
    else if (fromEnv !== undefined) sources[source.option] = source.env as string;
    const value = fromFlag ?? fromEnv;
    if (value === undefined) continue;
    // A numeric option given as text is passed as a number when it is one, else verbatim, so the library's message shows it.
    if (source.option === 'headers') options.headers = parseHeaders(value, source);
    else options[source.option] = source.option === 'timeout_ms' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  }
  let resolved: ResolvedOptions;
  try {
    resolved = resolveOptions(options);
  } catch (error) {
    if (!(error instanceof MonitoringError) || error.option === undefined) throw error;
    const source = CHECK_FLAGS.find((s) => s.option === error.option);
    throw new ArgumentError(source === undefined ? error.message : `${error.message} (${whereFrom(source)})`);
  }
  const readWait = flags.get('read-wait-ms');
  if (readWait !== undefined && !/^\d+$/.test(readWait.trim())) throw new ArgumentError(`--read-wait-ms must be a whole number of milliseconds, got ${JSON.stringify(readWait)}`);
  const metricsQuery = flags.get('query-url');
  const logsQuery = flags.get('logs-query-url');
  return {
    resolved,
    sources,
    metricsQueryUrl: metricsQuery === undefined ? undefined : prometheusQueryUrl(metricsQuery),
    logsQueryUrl: logsQuery === undefined ? undefined : lokiQueryUrl(logsQuery),
    readWaitMs: readWait === undefined ? DEFAULT_READ_WAIT_MS : Number(readWait),
  };
}
