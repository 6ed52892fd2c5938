import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { makeLokiStream, type LogEntry } from '../export/log-entry.js';
import { nanosecondTimestamp } from '../export/loki/nanosecond-timestamp.js';
import { makeSeries, type Sample } from '../export/series.js';
import { VERSION } from '../version.js';

/**
 * What `check` pushes and then looks for: one gauge sample and one log line,
 * both carrying a `check_id` unique to this run so the read-back finds exactly
 * them. They go under `job="grafana-openai-monitoring"`, not the library's
 * `integrations/openai`, so a check never shows on the OpenAI dashboards.
 * In Loki the id is in the line, not a label: a label per run would make one
 * stream per check (wire-protocols.md §4, "Cardinality").
 */

/**
 * The check's metric name.
 *
 * @example
 * prometheus.count(CHECK_METRIC, { check_id: checkId }); // 1 once the push is stored
 */
export const CHECK_METRIC = 'grafana_openai_monitoring_check';

/**
 * The `job` label of the check's sample and stream.
 *
 * @example
 * `{job="${CHECK_JOB}"}`; // the LogQL stream selector of check lines
 */
export const CHECK_JOB = 'grafana-openai-monitoring';

/**
 * A fresh id: time-ordered, unique enough for concurrent checks.
 *
 * @example
 * newCheckId(); // 'm1x2y3z4-9f8e7d6c'
 */
export function newCheckId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * The sample: `grafana_openai_monitoring_check{job, instance, check_id} 1`.
 *
 * @example
 * encodeWriteRequest([checkSample('m1x2-9f8e', Date.now())]);
 */
export function checkSample(checkId: string, nowMs: number): Sample {
  const series = makeSeries(CHECK_METRIC, { job: CHECK_JOB, instance: hostname(), check_id: checkId });
  return { series, value: 1, timestampMs: nowMs };
}

/**
 * The log line: a JSON object naming the check, in stream `{job, level}`.
 *
 * @example
 * encodeLokiPushBody([checkLogEntry('m1x2-9f8e', Date.now())]);
 */
export function checkLogEntry(checkId: string, nowMs: number): LogEntry {
  const stream = makeLokiStream({ job: CHECK_JOB, level: 'info' });
  const line = JSON.stringify({ message: 'grafana-openai-monitoring check', check_id: checkId, version: VERSION, host: hostname() });
  return { stream, timestampNs: nanosecondTimestamp(nowMs, 0), line };
}

/**
 * The PromQL that finds the sample.
 *
 * @example
 * checkPromQuery('m1x2-9f8e'); // 'grafana_openai_monitoring_check{check_id="m1x2-9f8e"}'
 */
export function checkPromQuery(checkId: string): string {
  return `${CHECK_METRIC}{check_id=${JSON.stringify(checkId)}}`;
}

/**
 * The LogQL that finds the line.
 *
 * @example
 * checkLogQuery('m1x2-9f8e'); // '{job="grafana-openai-monitoring"} |= "m1x2-9f8e"'
 */
export function checkLogQuery(checkId: string): string {
  return `{job=${JSON.stringify(CHECK_JOB)}} |= ${JSON.stringify(checkId)}`;
}
