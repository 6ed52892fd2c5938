import type { ReceivedRequest, ReceiverAnswer } from './loopback-http-server.js';
import type { PushedLokiEntry } from './loki-push-rules.js';
import { queryParams } from './prometheus-query-answer.js';
import { lineMatches, parseLogQuery, selectorMatches, UnsupportedQueryError } from './query-selector.js';

/**
 * A minimal Loki `GET|POST /loki/api/v1/query_range` (Loki docs "HTTP API"):
 * a stream selector with line filters, over `start`…`end` (defaults: the last
 * hour), at most `limit` entries (default 100), newest first unless
 * `direction=forward`; answered in Loki's `streams` result shape.
 */

function json(status: number, body: unknown): ReceiverAnswer {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

/** A time parameter as Loki takes it: integer nanoseconds, float seconds, or RFC 3339. */
function parseNs(raw: string | null, fallbackNs: bigint): bigint | undefined {
  if (raw === null || raw === '') return fallbackNs;
  if (/^\d+$/.test(raw)) return BigInt(raw);
  if (/^\d+\.\d+$/.test(raw)) return BigInt(Math.round(Number(raw) * 1e6)) * 1000n;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1000000n;
}

/**
 * Answers one range query over the stored entries.
 *
 * @example
 * answerLokiQueryRange(request, entries, Date.now());
 * // { status: 200, body: '{"status":"success","data":{"resultType":"streams","result":[…]}}' }
 */
export function answerLokiQueryRange(request: ReceivedRequest, entries: readonly PushedLokiEntry[], nowMs: number): ReceiverAnswer {
  const params = queryParams(request);
  const query = params.get('query');
  if (query === null || query === '') return json(400, { status: 'error', error: 'query parameter is missing' });
  const nowNs = BigInt(nowMs) * 1000000n;
  const end = parseNs(params.get('end'), nowNs);
  const start = parseNs(params.get('start'), (end ?? nowNs) - 3600n * 1000000000n);
  const limit = Number(params.get('limit') ?? '100');
  if (start === undefined || end === undefined || !Number.isInteger(limit) || limit < 1) {
    return json(400, { status: 'error', error: 'start, end or limit is not valid' });
  }
  let parsed;
  try {
    parsed = parseLogQuery(query);
  } catch (error) {
    if (error instanceof UnsupportedQueryError) return json(400, { status: 'error', error: error.message });
    throw error;
  }
  const forward = params.get('direction') === 'forward';
  const selected = entries
    .filter((e) => {
      const ns = BigInt(e.timestampNs);
      // Loki's range is [start, end).
      return ns >= start && ns < end && selectorMatches(e.labels, parsed.matchers) && lineMatches(e.line, parsed.filters);
    })
    .sort((a, b) => {
      const order = BigInt(a.timestampNs) < BigInt(b.timestampNs) ? -1 : BigInt(a.timestampNs) > BigInt(b.timestampNs) ? 1 : 0;
      return forward ? order : -order;
    })
    .slice(0, limit);
  const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
  for (const e of selected) {
    const key = JSON.stringify(Object.keys(e.labels).sort().map((k) => [k, e.labels[k]]));
    let stream = streams.get(key);
    if (stream === undefined) streams.set(key, (stream = { stream: { ...e.labels }, values: [] }));
    stream.values.push([e.timestampNs, e.line]);
  }
  return json(200, { status: 'success', data: { resultType: 'streams', result: [...streams.values()], stats: {} } });
}
