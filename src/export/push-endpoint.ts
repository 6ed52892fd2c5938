import { MonitoringError } from '../monitoring-error.js';
import { basicAuthorization } from './http/http-transport.js';
import { checkUserHeaders } from './user-headers.js';

/**
 * Where one signal is pushed and with which headers, worked out once per
 * exporter so that a push only copies a prepared object.
 *
 * Remote-write (wire-protocols.md §1.2, vector B1): the four reserved headers
 * `Content-Encoding: snappy`, `Content-Type: application/x-protobuf`,
 * `User-Agent: <name>/<version>`, `X-Prometheus-Remote-Write-Version: 0.1.0`,
 * each exactly once. Loki JSON (§4, vector E1): `Content-Type: application/json`
 * (a missing one is a 400). Both: basic auth from (id, token) (§3, §8 item 13),
 * and the user's `headers` (vector B2, user-headers.ts), which never replace
 * one of those and whose values are scrubbed from messages like the token.
 * URLs are used verbatim: normalising Grafana Cloud forms is the options layer's job.
 */

export interface EndpointOptions {
  /** The full push URL, e.g. `https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push`. */
  readonly url: string;
  /** Basic-auth user (Grafana Cloud: the numeric instance id). */
  readonly username?: string;
  /** Basic-auth password (Grafana Cloud: the access policy token). Never logged. */
  readonly password?: string;
  /** Extra headers on every push, e.g. `{ 'X-Scope-OrgID': 'tenant-1' }`; reserved ones are refused. Values never logged. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PushEndpoint {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Strings to scrub from any message: the token, the Authorization value, user header values. */
  readonly secrets: readonly string[];
}

/**
 * The remote-write endpoint: URL, the four reserved headers, auth.
 *
 * @example
 * const ep = remoteWriteEndpoint({ url: 'http://127.0.0.1:9090/api/v1/write' }, 'grafana-openai-monitoring/1.0.0');
 * ep.headers['X-Prometheus-Remote-Write-Version']; // '0.1.0'
 */
export function remoteWriteEndpoint(options: EndpointOptions, userAgent: string): PushEndpoint {
  return endpoint(options, 'metrics_url', {
    'Content-Encoding': 'snappy',
    'Content-Type': 'application/x-protobuf',
    'User-Agent': userAgent,
    'X-Prometheus-Remote-Write-Version': '0.1.0',
  });
}

/**
 * The Loki JSON push endpoint: URL, content type, auth.
 *
 * @example
 * const ep = lokiEndpoint({ url: 'https://logs-prod-006.grafana.net/loki/api/v1/push', username: '123', password: token }, ua);
 */
export function lokiEndpoint(options: EndpointOptions, userAgent: string): PushEndpoint {
  return endpoint(options, 'logs_url', { 'Content-Type': 'application/json', 'User-Agent': userAgent });
}

function endpoint(options: EndpointOptions, option: string, fixed: Record<string, string>): PushEndpoint {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new MonitoringError('GOM_INVALID_OPTION', `${option} is not a URL; give the full push URL, e.g. https://host/path`, { option });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MonitoringError('GOM_INVALID_OPTION', `${option} must start with https:// or http://`, { option });
  }
  // Credentials written into the URL (https://id:token@host/…) count as given, and never travel in it.
  const username = options.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  url.username = '';
  url.password = '';
  const user = checkUserHeaders(options.headers);
  // Checked names never collide with the fixed ones; spreading those last makes sure anyway.
  const headers: Record<string, string> = { ...user, ...fixed };
  const secrets: string[] = Object.values(user);
  if (username !== undefined || password !== undefined) {
    const authorization = basicAuthorization(username ?? '', password ?? '');
    headers.Authorization = authorization;
    secrets.push(authorization, authorization.slice('Basic '.length));
    if (password) secrets.push(password);
  }
  return { url, headers, secrets };
}
