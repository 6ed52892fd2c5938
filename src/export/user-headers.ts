import { validateHeaderName, validateHeaderValue } from 'node:http';
import { MonitoringError } from '../monitoring-error.js';

/**
 * The `headers` option: extra HTTP headers on every push of both signals, for
 * receivers that need them — a tenant (`X-Scope-OrgID` for Mimir, Loki,
 * Cortex), a gateway's own token (vector B2).
 *
 * Headers the library sets itself are refused, never silently overridden
 * (wire-protocols.md §1.2 "User headers MUST NOT override these", §8 item 3):
 * the four remote-write headers and Loki's Content-Type say what the body is,
 * Authorization comes from access_token, and Content-Length, Host,
 * Transfer-Encoding and Connection belong to the HTTP framing and the
 * keep-alive pool. Names and values are checked as node:http will check them
 * at the first push, so a bad one fails at `monitor()`, not silently later.
 *
 * Values may be secrets (a tenant's token): no message here quotes one, and
 * push-endpoint.ts adds them to the strings scrubbed from every error.
 */

/** Lower-case reserved name → why, for the message. */
const RESERVED: ReadonlyMap<string, string> = new Map([
  ['authorization', 'set by the library from metrics_username/logs_username and access_token'],
  ['content-encoding', 'set by the library for the wire format (snappy remote-write, plain JSON to Loki)'],
  ['content-type', 'set by the library for the wire format'],
  ['user-agent', 'set by the library (grafana-openai-monitoring/<version>)'],
  ['x-prometheus-remote-write-version', 'set by the library for the wire format (0.1.0)'],
  ['content-length', 'computed for each request'],
  ['host', 'taken from metrics_url and logs_url'],
  ['transfer-encoding', 'part of the HTTP framing the library manages'],
  ['connection', 'part of the keep-alive connection pool the library manages'],
]);

function invalid(message: string): MonitoringError {
  return new MonitoringError('GOM_INVALID_OPTION', `headers: ${message}`, { option: 'headers' });
}

/**
 * Checks the `headers` option and returns a plain copy. Throws MonitoringError
 * `GOM_INVALID_OPTION` (option `headers`) naming the header and the fix; never
 * quotes a value.
 *
 * @example
 * checkUserHeaders({ 'X-Scope-OrgID': 'tenant-1' }); // { 'X-Scope-OrgID': 'tenant-1' }
 * checkUserHeaders({ Authorization: 'Bearer x' });   // throws: headers: Authorization is set by the library …
 * checkUserHeaders(undefined);                       // {}
 */
export function checkUserHeaders(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid("must be an object of header name → string value, e.g. { 'X-Scope-OrgID': 'tenant-1' }");
  }
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, headerValue] of Object.entries(value as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    const reserved = RESERVED.get(lower);
    if (reserved !== undefined) throw invalid(`${name} is ${reserved}; remove it from headers`);
    try {
      validateHeaderName(name);
    } catch {
      throw invalid(`${JSON.stringify(name)} is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`);
    }
    if (seen.has(lower)) throw invalid(`${name} is given twice (header names ignore case); keep one`);
    seen.add(lower);
    if (typeof headerValue !== 'string') throw invalid(`${name} must have a string value, got ${headerValue === null ? 'null' : typeof headerValue}`);
    try {
      validateHeaderValue(name, headerValue);
    } catch {
      throw invalid(`${name} has a value that is not valid in an HTTP header (a line break or control character?); fix the value`);
    }
    headers[name] = headerValue;
  }
  return headers;
}

/**
 * A canonical form of checked headers for identity (names lower-cased, sorted):
 * two monitors pushing with different headers (another `X-Scope-OrgID`) are
 * different destinations and never share an exporter (exporter-registry.ts).
 *
 * @example
 * headerIdentity({ 'X-Scope-OrgID': 't1' }); // [['x-scope-orgid', 't1']]
 */
export function headerIdentity(headers: Readonly<Record<string, string>> | undefined): Array<[string, string]> {
  if (headers === undefined) return [];
  return Object.entries(headers)
    .map(([name, value]): [string, string] => [name.toLowerCase(), value])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
