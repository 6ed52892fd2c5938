import type { CheckSettings } from './check-settings.js';
import type { StepResult } from './step-result.js';

/**
 * The text `check` prints: the settings it used (the token masked: only
 * whether it is set and its length, never a character of it, DESIGN.md §3
 * rule 6), then one line per step with the hint under a failure.
 */

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

/**
 * The settings block.
 *
 * @example
 * settingsReport(settings, 'm1x2-9f8e');
 * // ['grafana-openai-monitoring check (check_id m1x2-9f8e)', '  metrics_url       http://…/api/v1/write  (--metrics-url)', …]
 */
export function settingsReport(settings: CheckSettings, checkId: string): string[] {
  const { resolved, sources } = settings;
  const from = (option: string): string => (sources[option] === undefined ? '' : `  (${sources[option]})`);
  const token = resolved.metrics.password ?? resolved.logs.password;
  const lines = [
    `grafana-openai-monitoring check (check_id ${checkId})`,
    `  ${pad('metrics_url', 18)}${resolved.metrics.url}${from('metrics_url')}`,
    `  ${pad('logs_url', 18)}${resolved.logs.url}${from('logs_url')}`,
    `  ${pad('metrics_username', 18)}${resolved.metrics.username ?? '(none: no auth)'}${from('metrics_username')}`,
    `  ${pad('logs_username', 18)}${resolved.logs.username ?? '(none: no auth)'}${from('logs_username')}`,
    `  ${pad('access_token', 18)}${token === undefined ? '(none: no auth)' : `set, ${token.length} characters, hidden`}${from('access_token')}`,
    `  ${pad('timeout_ms', 18)}${resolved.timeoutMs}`,
  ];
  // Header names only: a value may be a tenant's secret.
  const headerNames = Object.keys(resolved.metrics.headers ?? {});
  if (headerNames.length > 0) lines.push(`  ${pad('headers', 18)}${headerNames.join(', ')} (values hidden)${from('headers')}`);
  if (settings.metricsQueryUrl !== undefined) lines.push(`  ${pad('query url', 18)}${settings.metricsQueryUrl.origin}${settings.metricsQueryUrl.pathname}`);
  if (settings.logsQueryUrl !== undefined) lines.push(`  ${pad('logs query url', 18)}${settings.logsQueryUrl.origin}${settings.logsQueryUrl.pathname}`);
  return lines;
}

const OUTCOME = { ok: 'ok', failed: 'FAILED', skipped: 'skipped' } as const;

/**
 * The results block and the closing verdict.
 *
 * @example
 * resultsReport([{ signal: 'metrics', step: 'push', outcome: 'ok', detail: 'HTTP 204 in 4 ms' }]);
 * // ['  ok       metrics push  HTTP 204 in 4 ms', '', 'All checks passed.']
 */
export function resultsReport(results: readonly StepResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`  ${pad(OUTCOME[r.outcome], 9)}${pad(`${r.signal} ${r.step}`, 14)}${r.detail}`);
    if (r.hint !== undefined) lines.push(`           hint: ${r.hint}`);
  }
  const failed = results.filter((r) => r.outcome === 'failed').length;
  lines.push('', failed === 0 ? 'All checks passed.' : `${failed} of ${results.length} checks failed.`);
  return lines;
}
