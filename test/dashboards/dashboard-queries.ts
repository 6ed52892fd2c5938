import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';

/**
 * Reads the Grafana dashboards of dashboards/ the way Grafana does what the
 * tests need: panels (rows flattened), their PromQL targets, the template
 * variables, and the interpolation of `$var` / `${var}` / `${var:fmt}` /
 * `[[var]]` and the built-ins `$__rate_interval`, `$__interval`, `$__range`.
 */

/** `{ type: 'prometheus', uid: '${datasource}' }` in a panel, target or variable. */
export interface DatasourceRef {
  type?: string;
  uid?: string;
}
export interface DashboardTarget {
  expr?: string;
  refId?: string;
  datasource?: DatasourceRef;
  /** Prometheus targets: ask for exemplars too. */
  exemplar?: boolean;
}
export interface DashboardPanel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: DatasourceRef;
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
  collapsed?: boolean;
  fieldConfig?: { overrides?: { matcher?: { id?: string; options?: string }; properties?: { id?: string; value?: unknown }[] }[] };
}
export interface DashboardVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: DatasourceRef;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}
export interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: DashboardPanel[];
  templating?: { list?: DashboardVariable[] };
  __inputs?: unknown[];
}

/** One PromQL query of a panel. */
export interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
}

/**
 * Parses dashboards/<file>.
 *
 * @example
 * const native = loadDashboard('openai-native.json');
 */
export function loadDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(join(repoRoot, 'dashboards', file), 'utf8')) as Dashboard;
}

/**
 * Every panel, those inside rows (collapsed rows keep theirs in `panels`) included.
 *
 * @example
 * allPanels(native).filter((p) => p.type !== 'row').length;
 */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

/**
 * The panels that show logs from the Loki data source (the rest query Prometheus).
 *
 * @example
 * logPanels(native).map((p) => p.title); // ['Calls (log lines, with trace links)']
 */
export function logPanels(dashboard: Dashboard): DashboardPanel[] {
  return allPanels(dashboard).filter((p) => p.datasource?.type === 'loki');
}

/**
 * The PromQL of every target of every Prometheus panel.
 *
 * @example
 * for (const q of panelQueries(native)) console.log(q.panel, q.expr);
 */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  return allPanels(dashboard).filter((p) => p.datasource?.type !== 'loki').flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({ panel: panel.title ?? `panel ${panel.id}`, refId: t.refId ?? '?', expr: t.expr ?? '' })),
  );
}

/**
 * The dashboard's `query` variables with the label each one lists
 * (`label_values(selector, label)`), e.g. model → gen_ai_request_model.
 *
 * @example
 * queryVariables(native); // [{ name: 'job', selector: 'gen_ai_…_count', label: 'job', … }, …]
 */
export function queryVariables(dashboard: Dashboard): Array<{ name: string; selector: string | undefined; label: string; variable: DashboardVariable }> {
  return (dashboard.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((variable) => {
      const text = typeof variable.query === 'string' ? variable.query : variable.query?.query ?? '';
      const match = /^label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(text.trim());
      if (!match) throw new Error(`variable ${variable.name}: not a label_values() query: ${text}`);
      return { name: variable.name, selector: match[1], label: match[2], variable };
    });
}

/**
 * Escapes a value as Grafana's Prometheus data source does for a multi-value
 * or include-all variable (`prometheusSpecialRegexEscape`): regex
 * metacharacters get a backslash, doubled because the value lands in a
 * double-quoted PromQL string.
 *
 * @example
 * grafanaRegexEscape('gpt-4.1'); // 'gpt-4\\\\.1' (text: gpt-4\\.1)
 */
export function grafanaRegexEscape(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

/**
 * Replaces every variable reference with `values[name]`; throws on a name it
 * has no value for, so a typo in a dashboard fails the test instead of
 * reaching Prometheus as text.
 *
 * @example
 * interpolate('rate(x{job=~"$job"}[$__rate_interval])', { job: '.*', __rate_interval: '1m' });
 * // 'rate(x{job=~".*"}[1m])'
 */
export function interpolate(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, braced?: string, bracketed?: string, bare?: string) => {
    const name = braced ?? bracketed ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`no value for variable ${whole} in: ${expr}`);
    return value;
  });
}

/**
 * `name{matchers}` selectors of an expression, e.g. for
 * `rate(a{x="1"}[5m]) / b{y="2"}`: `[{ metric: 'a', matchers: 'x="1"' }, …]`.
 *
 * @example
 * selectors('sum(rate(gen_ai_client_token_usage_sum{job=~"$job"}[1m]))');
 */
export function selectors(expr: string): Array<{ metric: string; matchers: string }> {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({ metric: m[1], matchers: m[2] }));
}

/**
 * Values of a label among series matching `selector` over the last hour, as
 * Grafana's `label_values(selector, label)` asks Prometheus
 * (`/api/v1/label/<label>/values?match[]=`).
 *
 * @example
 * await labelValues(prom.url, 'environment', 'openai_requestDuration{job=~"integrations/openai"}');
 */
export async function labelValues(promUrl: string, label: string, selector: string | undefined): Promise<string[]> {
  const now = Date.now() / 1000;
  const params = new URLSearchParams({ start: String(now - 3600), end: String(now) });
  if (selector !== undefined) params.append('match[]', selector);
  const body = await new Promise<string>((resolve, reject) => {
    const req = get(`${promUrl}/api/v1/label/${encodeURIComponent(label)}/values?${params.toString()}`, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('label values request timed out')));
  });
  const parsed = JSON.parse(body) as { status: string; data?: string[]; error?: string };
  if (parsed.status !== 'success' || !parsed.data) throw new Error(`label values of ${label}: ${parsed.error ?? body}`);
  return parsed.data;
}
