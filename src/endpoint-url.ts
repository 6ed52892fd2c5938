import { MonitoringError } from './monitoring-error.js';

/**
 * Turns the URLs users copy from Grafana Cloud (or any Prometheus/Loki) into
 * push URLs. Only paths are completed; hosts are never rewritten, because
 * Grafana Cloud's host scheme changes by region and date
 * (reference/wire-protocols.md §3, vectors F1-F4).
 */

const METRICS_PUSH_PATHS = ['/api/prom/push', '/api/v1/write', '/api/v1/push', '/prometheus/api/v1/write'];

function parseHttpUrl(option: string, raw: unknown): URL {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new MonitoringError('GOM_INVALID_OPTION', `${option} is required: the push URL shown in Grafana Cloud (or your receiver's URL)`, { option });
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new MonitoringError('GOM_INVALID_OPTION', `${option} is not a URL: ${quoteUnparsedUrl(raw)}; expected e.g. https://host/path`, { option });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MonitoringError('GOM_INVALID_OPTION', `${option} must be an http:// or https:// URL, got ${url.protocol}//`, { option });
  }
  if (url.username !== '' || url.password !== '') {
    // A credential inside a URL ends up in every log line that prints the URL.
    throw new MonitoringError(
      'GOM_INVALID_OPTION',
      `${option} contains credentials; remove them from the URL and pass them as ${option.replace('_url', '_username')} and access_token`,
      { option },
    );
  }
  return url;
}

/**
 * An unparsable URL quoted for an error message without what may be
 * credentials (DESIGN §3 rule 6): everything between the scheme and the last
 * `@` is masked. Only the URL parser could say where userinfo ends, and it
 * failed, so the last `@` is the safe guess: a password may hold `/` or `:`.
 *
 * @example
 * quoteUnparsedUrl('https://111111:glc_abc@prometheus host/api/prom'); // '"https://…@prometheus host/api/prom"'
 */
export function quoteUnparsedUrl(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return JSON.stringify(raw);
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/*/.exec(raw);
  const start = scheme === null ? 0 : scheme[0].length;
  return JSON.stringify(`${raw.slice(0, start)}…${raw.slice(at)}`);
}

function trimTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

/**
 * Normalises `metrics_url` to a remote-write push URL.
 * `…/api/prom` (what the original README and Grafana Cloud's data-source page
 * show) becomes `…/api/prom/push`; a bare host gets Prometheus' own
 * `/api/v1/write`; any other path is used as given.
 *
 * @example
 * metricsPushUrl('https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom');
 * // 'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push'
 */
export function metricsPushUrl(raw: unknown): string {
  const url = parseHttpUrl('metrics_url', raw);
  const path = trimTrailingSlashes(url.pathname);
  if (METRICS_PUSH_PATHS.some((p) => path.endsWith(p))) url.pathname = path;
  else if (path.endsWith('/api/prom')) url.pathname = `${path}/push`;
  else if (path === '') url.pathname = '/api/v1/write';
  else url.pathname = path;
  return url.toString();
}

/**
 * Normalises `logs_url` to Loki's JSON push URL: a bare host (Grafana Cloud shows
 * `https://logs-prod-006.grafana.net`) or a `…/loki` base gets
 * `/loki/api/v1/push`; a full push URL is used as given.
 *
 * @example
 * logsPushUrl('https://logs-prod-006.grafana.net/'); // 'https://logs-prod-006.grafana.net/loki/api/v1/push'
 */
export function logsPushUrl(raw: unknown): string {
  const url = parseHttpUrl('logs_url', raw);
  const path = trimTrailingSlashes(url.pathname);
  if (path === '') url.pathname = '/loki/api/v1/push';
  else if (path.endsWith('/loki')) url.pathname = `${path}/api/v1/push`;
  else url.pathname = path;
  return url.toString();
}
