import { basicAuthorization, describeUrl } from '../export/http/http-transport.js';
import type { ResolvedOptions } from '../monitor-options.js';
import { checkLogQuery, checkPromQuery } from './check-probe.js';
import { hintForStatus, type SignalName } from './hints.js';
import { httpGet } from './http-get.js';
import { answerExcerpt, networkFailure, type StepResult } from './step-result.js';

/**
 * The read-back of `check`: queries Prometheus (`/api/v1/query`) and Loki
 * (`/loki/api/v1/query_range`) with the same basic auth as the push until the
 * check's sample or line shows up or `readWaitMs` runs out. Receivers make
 * data queryable some time after accepting it (Grafana Cloud: seconds;
 * VictoriaMetrics: 30 s by default, wire-protocols.md §2), hence the polling.
 * A refusal (401, 404, …) ends the wait at once; 429 and 5xx are polled through.
 */

const POLL_INTERVAL_MS = 1000;

interface ReadTarget {
  readonly signal: SignalName;
  /** The query URL for one attempt (Loki's time range moves with the clock). */
  readonly url: () => URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  readonly waitMs: number;
  /** True when the answer holds the check's data, false when not yet, undefined when it is not this API's answer. */
  readonly found: (answer: unknown) => boolean | undefined;
  readonly what: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `data.result` of a successful Prometheus/Loki API answer, or undefined. */
function resultOf(answer: unknown, resultType: string): unknown[] | undefined {
  const a = answer as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | undefined;
  if (a?.status !== 'success' || a.data?.resultType !== resultType || !Array.isArray(a.data.result)) return undefined;
  return a.data.result;
}

async function readUntilFound(target: ReadTarget): Promise<StepResult> {
  const { signal } = target;
  const started = Date.now();
  for (let queries = 1; ; queries++) {
    const url = target.url();
    const shown = describeUrl(url);
    let detail: string;
    try {
      const response = await httpGet(url, target.headers, target.timeoutMs);
      const hint = hintForStatus(response.status, { signal, step: 'read', url: shown, body: response.body });
      const excerpt = answerExcerpt(response.body, target.secrets);
      detail = `HTTP ${response.status}${hint !== undefined && excerpt ? `: ${excerpt}` : ''}`;
      if (hint !== undefined && response.status !== 429 && response.status < 500) return { signal, step: 'read', outcome: 'failed', detail, hint };
      if (hint === undefined) {
        const found = target.found(parseJson(response.body));
        const elapsed = Date.now() - started;
        if (found === true) return { signal, step: 'read', outcome: 'ok', detail: `found ${target.what} (${queries} ${queries === 1 ? 'query' : 'queries'}, ${elapsed} ms)` };
        if (found === undefined) {
          const api = signal === 'metrics' ? 'Prometheus query API (--query-url)' : 'Loki query API (--logs-query-url)';
          return { signal, step: 'read', outcome: 'failed', detail: `${detail}: ${excerpt || 'empty body'}`, hint: `the answer is not the ${api}'s: it queried ${shown}; check the URL` };
        }
      }
    } catch (error) {
      return networkFailure(signal, 'read', error, target.timeoutMs, shown);
    }
    if (Date.now() - started + POLL_INTERVAL_MS > target.waitMs) {
      return {
        signal,
        step: 'read',
        outcome: 'failed',
        detail: `${target.what} not found after ${queries} ${queries === 1 ? 'query' : 'queries'} in ${Date.now() - started} ms (last answer ${detail})`,
        hint:
          'the push was accepted but the data is not queryable: does the query URL belong to the same stack/tenant as the push URL? ' +
          'Some receivers show new data late (VictoriaMetrics: 30 s); raise --read-wait-ms',
      };
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** The `headers` option (a tenant, say) and basic auth: what a multi-tenant Mimir or Loki wants on reads as on pushes. */
function readHeaders(endpoint: ResolvedOptions['metrics']): Record<string, string> {
  const { username, password } = endpoint;
  const headers: Record<string, string> = { ...endpoint.headers };
  if (username !== undefined || password !== undefined) headers.Authorization = basicAuthorization(username ?? '', password ?? '');
  return headers;
}

/**
 * Queries Prometheus for `grafana_openai_monitoring_check{check_id}`.
 *
 * @example
 * await readBackSample(resolved, new URL('http://127.0.0.1:9090/api/v1/query'), checkId, 20_000, secrets);
 */
export function readBackSample(resolved: ResolvedOptions, queryUrl: URL, checkId: string, waitMs: number, secrets: readonly string[]): Promise<StepResult> {
  const query = checkPromQuery(checkId);
  return readUntilFound({
    signal: 'metrics',
    url: () => {
      const url = new URL(queryUrl.toString());
      url.searchParams.set('query', query);
      return url;
    },
    headers: readHeaders(resolved.metrics),
    secrets,
    timeoutMs: resolved.timeoutMs,
    waitMs,
    found: (answer) => {
      const result = resultOf(answer, 'vector');
      return result === undefined ? undefined : result.length > 0;
    },
    what: query,
  });
}

/**
 * Queries Loki for the check's line over the last few minutes.
 *
 * @example
 * await readBackLine(resolved, new URL('http://127.0.0.1:3100/loki/api/v1/query_range'), checkId, 20_000, secrets);
 */
export function readBackLine(resolved: ResolvedOptions, queryUrl: URL, checkId: string, waitMs: number, secrets: readonly string[]): Promise<StepResult> {
  const query = checkLogQuery(checkId);
  const pushedAtMs = Date.now();
  return readUntilFound({
    signal: 'logs',
    url: () => {
      const url = new URL(queryUrl.toString());
      url.searchParams.set('query', query);
      url.searchParams.set('start', `${pushedAtMs - 5 * 60_000}000000`);
      url.searchParams.set('end', `${Date.now() + 60_000}000000`);
      url.searchParams.set('limit', '10');
      return url;
    },
    headers: readHeaders(resolved.logs),
    secrets,
    timeoutMs: resolved.timeoutMs,
    waitMs,
    found: (answer) => {
      const result = resultOf(answer, 'streams') as { values?: [string, string][] }[] | undefined;
      return result === undefined ? undefined : result.some((s) => (s.values ?? []).some((v) => String(v[1]).includes(checkId)));
    },
    what: `a line with check_id ${checkId}`,
  });
}
