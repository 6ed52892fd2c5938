import { parsePromSelector, selectorMatches, UnsupportedQueryError } from './query-selector.js';
import type { ReceivedRequest, ReceiverAnswer } from './loopback-http-server.js';

/**
 * A minimal Prometheus instant-query API (`GET|POST …/api/v1/query`, Prometheus
 * docs "HTTP API"): one vector selector, answered like Prometheus does: per
 * matching series the newest sample at or before `time` within the 5-minute
 * lookback, values as strings, times in float seconds.
 */

export interface StoredSeriesView {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly { readonly value: number; readonly timestampMs: number }[];
}

/** Prometheus' default lookback delta (`--query.lookback-delta`). */
const LOOKBACK_MS = 5 * 60_000;

function json(status: number, body: unknown): ReceiverAnswer {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

/** Prometheus formats special floats as these strings (§1.4). */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * `time` as Prometheus takes it: float seconds or RFC 3339; undefined when unparseable.
 *
 * @example
 * parseTimeParam('1700000000.5', Date.now()); // 1700000000500
 * parseTimeParam(null, 42); // 42
 */
export function parseTimeParam(raw: string | null, fallbackMs: number): number | undefined {
  if (raw === null || raw === '') return fallbackMs;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const parsed = Date.parse(raw);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * Query parameters from the URL or, for a POST, a form-encoded body (as Prometheus and Loki accept both).
 *
 * @example
 * queryParams(request).get('query'); // 'up{job="x"}'
 */
export function queryParams(request: ReceivedRequest): URLSearchParams {
  if (request.method !== 'POST') return request.query;
  const merged = new URLSearchParams(request.query);
  for (const [k, v] of new URLSearchParams(request.body.toString('utf8'))) merged.set(k, v);
  return merged;
}

/**
 * Answers one instant query over the stored series.
 *
 * @example
 * answerPrometheusQuery(request, [...stored.values()], Date.now());
 * // { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[…]}}' }
 */
export function answerPrometheusQuery(request: ReceivedRequest, series: readonly StoredSeriesView[], nowMs: number): ReceiverAnswer {
  if (request.method !== 'GET' && request.method !== 'POST') return json(405, { status: 'error', errorType: 'bad_data', error: 'method not allowed' });
  const params = queryParams(request);
  const query = params.get('query');
  if (query === null || query === '') return json(400, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": missing' });
  const atMs = parseTimeParam(params.get('time'), nowMs);
  if (atMs === undefined) return json(400, { status: 'error', errorType: 'bad_data', error: `invalid parameter "time": ${params.get('time')}` });
  let selector;
  try {
    selector = parsePromSelector(query);
  } catch (error) {
    if (error instanceof UnsupportedQueryError) return json(400, { status: 'error', errorType: 'bad_data', error: error.message });
    throw error;
  }
  const result: { metric: Record<string, string>; value: [number, string] }[] = [];
  for (const s of series) {
    if (!selectorMatches(s.labels, selector)) continue;
    let newest: { value: number; timestampMs: number } | undefined;
    for (const sample of s.samples) {
      if (sample.timestampMs > atMs || sample.timestampMs <= atMs - LOOKBACK_MS) continue;
      if (newest === undefined || sample.timestampMs >= newest.timestampMs) newest = sample;
    }
    if (newest !== undefined) result.push({ metric: { ...s.labels }, value: [atMs / 1000, formatValue(newest.value)] });
  }
  return json(200, { status: 'success', data: { resultType: 'vector', result } });
}
