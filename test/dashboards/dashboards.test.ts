import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { repoRoot } from '../support/paths.js';
import { describeWithPrometheus, type PromQueryData } from '../support/prometheus-server.js';
import {
  allPanels,
  grafanaRegexEscape,
  interpolate,
  labelValues,
  loadDashboard,
  logPanels,
  panelQueries,
  queryVariables,
  selectors,
  type Dashboard,
} from './dashboard-queries.js';
import { runDashboardWorkload, UNPRICED_MODEL, type WorkloadResult } from './dashboard-workload.js';

/*
 * The Grafana dashboards of dashboards/: their shape as Grafana imports it,
 * then every PromQL query of every panel run against a real Prometheus after a
 * workload through the real `openai` SDK (dashboard-workload.ts), with the
 * template variables interpolated as Grafana does, once with All selected and
 * once with one value each: every panel must show a number.
 */

const ENVIRONMENT = 'dash-e2e';
const DATASOURCE_REF = { type: 'prometheus', uid: '${datasource}' };
const LOKI_REF = { type: 'loki', uid: '${loki_datasource}' };

// Grafana's own LogQL grammar (the one Grafana's query editor uses).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser: logql } = require('@grafana/lezer-logql') as { parser: { parse(query: string): { iterate(spec: { enter(node: { type: { isError: boolean } }): void }): void } } };
/** What Grafana puts in for its built-ins; the workload's samples are all within the last minute. */
const BUILTINS = { __rate_interval: '1m', __interval: '1m', __range: '1h' };
/**
 * Series that carry no model label (src/record/native-metrics.ts: the
 * rate-limit gauges are per server, the unpriced counter names only the
 * response model; src/export/self-metrics.ts: the exporter's own counters),
 * so only the constant labels job and environment can filter them.
 */
const MODEL_LESS = /^(openai_ratelimit_remaining_|grafana_openai_monitoring_)/;
const CONSTANT_LABELS = new Set(['job', 'environment']);
/**
 * The per-call series the native dashboard sums for exact spend and tokens
 * (README "Which query is exact"): they name the model the response names in
 * `model`, so the request-model variable filters them with the dated snapshot
 * a response adds (gpt-4.1 → gpt-4.1-2025-04-14).
 */
const PER_CALL = /^openai_(usageCost|totalTokens|promptTokens|completionTokens|requestDuration)$/;
const PER_CALL_MODEL_FILTER = 'model=~"$model(-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9])?"';
/** Series names this library sends: each in an expression must have a `{…}` selector, so that it is filtered. */
const OUR_SERIES = /\b(?:gen_ai_|openai_|grafana_openai_monitoring_)[a-zA-Z0-9_:]*(.?)/g;

/** Series names outside selectors, `by (…)` and matching clauses (where label names live) not followed by `{`. */
function unfilteredSeries(expr: string): string[] {
  const outside = expr.replace(/\{[^}]*\}/g, '{}').replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...outside.matchAll(OUR_SERIES)].filter((m) => m[1] !== '{').map((m) => m[0]);
}

interface Case {
  file: string;
  /** A value of each query variable that every panel has data for after the workload. */
  chosen: Record<string, string>;
}
const CASES: Case[] = [
  { file: 'openai-native.json', chosen: { job: 'integrations/openai', environment: ENVIRONMENT, model: 'gpt-4.1' } },
  { file: 'openai-compatible.json', chosen: { job: 'integrations/openai', environment: ENVIRONMENT, model: 'gpt-4.1-2025-04-14', source: 'node_chatv2' } },
];

/** The finite values a query answered: empty when it found no series, or only NaN (0/0, a quantile of no increase) or ±Inf. */
function finiteValues(data: PromQueryData): number[] {
  if (data.resultType === 'vector') return data.result.map((r) => Number(r.value[1])).filter(Number.isFinite);
  if (data.resultType === 'matrix') return data.result.flatMap((r) => r.values.map((v) => Number(v[1]))).filter(Number.isFinite);
  return [Number(data.result[1])].filter(Number.isFinite);
}

for (const { file } of CASES) {
  const dashboard: Dashboard = loadDashboard(file);
  const variables = queryVariables(dashboard);

  describe(`dashboards/${file} as Grafana imports it`, () => {
    it('has a uid, a title, schemaVersion 39 or later and a Prometheus datasource variable', () => {
      assert.match(dashboard.uid ?? '', /^[a-zA-Z0-9_-]{1,40}$/);
      assert.ok((dashboard.title ?? '').length > 0);
      assert.ok((dashboard.schemaVersion ?? 0) >= 39, `schemaVersion ${dashboard.schemaVersion}`);
      const datasource = (dashboard.templating?.list ?? []).find((v) => v.name === 'datasource');
      assert.equal(datasource?.type, 'datasource');
      assert.equal(datasource?.query, 'prometheus');
    });

    it('has panels with unique ids and a gridPos inside the 24 columns, none overlapping', () => {
      const panels = allPanels(dashboard);
      assert.ok(panels.filter((p) => p.type !== 'row').length >= 10, 'at least 10 panels');
      const ids = panels.map((p) => p.id);
      assert.ok(ids.every((id) => Number.isInteger(id)), 'every panel has an integer id');
      assert.equal(new Set(ids).size, ids.length, `unique ids: ${ids.join(',')}`);
      const cells = new Map<string, string>();
      for (const p of panels) {
        const g = p.gridPos;
        assert.ok(g && [g.x, g.y, g.w, g.h].every(Number.isInteger) && g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24, `${p.title}: gridPos ${JSON.stringify(g)}`);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            const other = cells.get(`${x},${y}`);
            assert.equal(other, undefined, `${p.title} overlaps ${other}`);
            cells.set(`${x},${y}`, p.title ?? '');
          }
        }
      }
    });

    it('points every panel, query and variable at the datasource variable (log panels at the Loki one)', () => {
      for (const p of allPanels(dashboard).filter((panel) => panel.type !== 'row')) {
        const expected = p.type === 'logs' ? LOKI_REF : DATASOURCE_REF;
        assert.deepEqual(p.datasource, expected, `panel ${p.title}`);
        assert.ok((p.targets ?? []).length > 0, `panel ${p.title} has queries`);
        const refIds = (p.targets ?? []).map((t) => t.refId);
        assert.equal(new Set(refIds).size, refIds.length, `panel ${p.title}: unique refIds`);
        for (const t of p.targets ?? []) assert.deepEqual(t.datasource, expected, `panel ${p.title} query ${t.refId}`);
      }
      for (const v of variables) assert.deepEqual(v.variable.datasource, DATASOURCE_REF, `variable ${v.name}`);
    });

    it('filters every series it selects by each variable whose label the series carries', () => {
      assert.deepEqual(variables.map((v) => v.name).slice(0, 3), ['job', 'environment', 'model']);
      for (const q of panelQueries(dashboard)) {
        assert.deepEqual(unfilteredSeries(q.expr), [], `${q.panel} ${q.refId}: every series has a selector: ${q.expr}`);
        for (const { metric, matchers } of selectors(q.expr)) {
          for (const v of variables) {
            if (MODEL_LESS.test(metric) && !CONSTANT_LABELS.has(v.label)) continue;
            if (file === 'openai-native.json' && PER_CALL.test(metric) && v.label === 'gen_ai_request_model') {
              assert.ok(matchers.includes(PER_CALL_MODEL_FILTER), `${q.panel} ${q.refId}: ${metric} lacks ${PER_CALL_MODEL_FILTER}: ${q.expr}`);
              continue;
            }
            assert.ok(matchers.includes(`${v.label}=~"$${v.name}"`), `${q.panel} ${q.refId}: ${metric} lacks ${v.label}=~"$${v.name}": ${q.expr}`);
          }
        }
      }
    });
  });
}

describe('dashboards/openai-native.json, from a slow or costly call to its trace (issue 21)', () => {
  const dashboard = loadDashboard('openai-native.json');
  const variable = (name: string) => (dashboard.templating?.list ?? []).find((v) => v.name === name);

  it('shows exemplars on the call duration panel', () => {
    const latency = allPanels(dashboard).find((p) => p.title === 'Call duration');
    assert.ok(latency?.targets?.length);
    for (const t of latency.targets) {
      assert.match(t.expr ?? '', /gen_ai_client_operation_duration_seconds_bucket/, 'exemplars ride on the bucket series');
      assert.equal(t.exemplar, true, `query ${t.refId}`);
    }
  });

  it('has a log panel whose lines link to their trace in the Tempo data source', () => {
    assert.equal(variable('loki_datasource')?.type, 'datasource');
    assert.equal(variable('loki_datasource')?.query, 'loki');
    assert.equal(variable('tempo_datasource')?.query, 'tempo');
    const [logs] = logPanels(dashboard);
    assert.equal(logs?.type, 'logs');
    for (const t of logs.targets ?? []) {
      const expr = t.expr ?? '';
      let errors = 0;
      logql.parse(expr).iterate({ enter: (node) => void (node.type.isError && errors++) });
      assert.equal(errors, 0, `LogQL parses: ${expr}`);
      for (const wanted of ['job=~"$job"', 'environment=~"$environment"', '| json']) assert.ok(expr.includes(wanted), `${wanted} in ${expr}`);
    }
    const override = logs.fieldConfig?.overrides?.find((o) => o.matcher?.options === 'trace_id');
    const links = override?.properties?.find((p) => p.id === 'links')?.value as { title: string; url: string }[] | undefined;
    const trace = links?.find((l) => l.title === 'trace');
    assert.ok(trace, 'a "trace" link on the trace_id field');
    const left = JSON.parse(decodeURIComponent(trace.url.replace(/^\/explore\?left=/, ''))) as { datasource: string; queries: { query: string }[] };
    assert.equal(left.datasource, '${tempo_datasource}');
    assert.equal(left.queries[0].query, '${__value.raw}');
  });
});

describeWithPrometheus('the dashboards over a real Prometheus fed by the monitored openai client', (prom) => {
  let workload: WorkloadResult;

  before(async () => {
    workload = await runDashboardWorkload(prom.server.writeUrl, ENVIRONMENT);
  });

  it('got the workload it needs: failed calls, a refused remote-write and a refused Loki push', () => {
    assert.equal(workload.failed, 2);
    assert.ok(workload.reported.includes('GOM_PUSH_REJECTED metrics'), workload.reported.join('; '));
    assert.ok(workload.reported.includes('GOM_PUSH_REJECTED logs'), workload.reported.join('; '));
  });

  for (const { file, chosen } of CASES) {
    const dashboard = loadDashboard(file);
    const variables = queryVariables(dashboard);
    const all = Object.fromEntries(variables.map((v) => [v.name, v.variable.allValue ?? '.*']));
    const one = Object.fromEntries(Object.entries(chosen).map(([name, value]) => [name, grafanaRegexEscape(value)]));

    const settings: Array<[string, Record<string, string>]> = [
      ['with All selected', { ...BUILTINS, ...all }],
      [`with ${Object.values(chosen).join(', ')} selected`, { ...BUILTINS, ...one }],
    ];
    for (const [title, values] of settings) {
      it(`${file}: every panel query returns data ${title}`, async () => {
        const empty: string[] = [];
        const now = Date.now() / 1000;
        for (const q of panelQueries(dashboard)) {
          const expr = interpolate(q.expr, values);
          const data = await prom.server.query(expr, now);
          if (finiteValues(data).length === 0) empty.push(`${q.panel} ${q.refId}: ${expr} → ${JSON.stringify(data.result)}`);
        }
        assert.deepEqual(empty, [], `queries without a finite value:\n${empty.join('\n')}`);
      });
    }

    it(`${file}: every variable lists the workload's value`, async () => {
      for (const v of variables) {
        const selector = v.selector === undefined ? undefined : interpolate(v.selector, one);
        const listed = await labelValues(prom.server.url, v.label, selector);
        assert.ok(listed.includes(chosen[v.name]), `${v.name}: ${chosen[v.name]} in ${JSON.stringify(listed)}`);
      }
    });
  }

  it('holds every series the alerting rules of alerts/openai-alerts.yml read', async () => {
    const rules = readFileSync(join(repoRoot, 'alerts', 'openai-alerts.yml'), 'utf8');
    const names = new Set([...rules.matchAll(/\b((?:gen_ai_|openai_|grafana_openai_monitoring_)[a-zA-Z0-9_]*)\{/g)].map((m) => m[1]));
    assert.ok(names.size >= 8, [...names].join(', '));
    for (const name of names) {
      const data = await prom.server.query(`count(last_over_time({__name__="${name}", job="integrations/openai", environment="${ENVIRONMENT}"}[10m]))`);
      assert.ok(finiteValues(data).length > 0, `${name} is in Prometheus`);
    }
  });

  it('openai-compatible.json: the Calls panel counts each successful call once, and Calls without a price names the unpriced model', async () => {
    const compatible = loadDashboard('openai-compatible.json');
    const calls = panelQueries(compatible).find((q) => q.panel === 'Calls');
    assert.ok(calls, 'a Calls panel');
    const all = { ...BUILTINS, job: '.*', environment: grafanaRegexEscape(ENVIRONMENT), model: '.*', source: '.*' };
    assert.deepEqual(finiteValues(await prom.server.query(interpolate(calls.expr, all))), [workload.succeeded]);

    const unpriced = panelQueries(loadDashboard('openai-native.json')).find((q) => q.panel === 'Calls without a price');
    assert.ok(unpriced, 'a Calls without a price panel');
    const data = await prom.server.query(interpolate(unpriced.expr, { ...all, model: '.*' }));
    assert.equal(data.resultType, 'vector');
    if (data.resultType === 'vector') {
      assert.deepEqual(data.result.map((r) => [r.metric.gen_ai_response_model, Number(r.value[1])]), [[UNPRICED_MODEL, 2]]);
    }
  });
});
