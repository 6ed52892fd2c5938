/**
 * The demo's last words: what to do next. A newcomer's first run ends here, so
 * it names the concrete commands (issue 16): point the GRAFANA_* variables at a
 * stack, import the dashboards, run `check`; and after a refused or dropped
 * push, `check` first, because it says which of URL, instance id or token is wrong.
 */

const VARIABLES = `     export GRAFANA_METRICS_URL=https://prometheus-prod-NN-prod-REGION.grafana.net/api/prom   # stack → Prometheus → Details
     export GRAFANA_LOGS_URL=https://logs-prod-NNN.grafana.net                                # stack → Loki → Details
     export GRAFANA_METRICS_USERNAME=<Prometheus instance id>  GRAFANA_LOGS_USERNAME=<Loki instance id>
     export GRAFANA_ACCESS_TOKEN=<access policy token with metrics:write and logs:write>`;

const DASHBOARDS = `Grafana → Dashboards → New → Import, upload dashboards/openai-native.json (and openai-compatible.json;
     in an app: node_modules/grafana-openai-monitoring/dashboards/), then pick your Prometheus data source`;

/**
 * @param where `local`: the in-memory receivers; `stack`: the GRAFANA_* endpoints.
 * @param clean false when an endpoint refused or dropped telemetry.
 * @example
 * console.log(nextSteps('local', true));
 */
export function nextSteps(where: 'local' | 'stack', clean: boolean): string {
  if (!clean) {
    return `Some telemetry was refused or dropped (see above), so Grafana will not show all of this run.
Next step: npx grafana-openai-monitoring check
  It reads the same GRAFANA_* variables, pushes one sample and one log line, and says what to fix
  (URL, instance id, token scope). Then run the demo again.`;
  }
  if (where === 'stack') {
    return `Everything was accepted. Next steps:
  1. Grafana → Explore: query openai_usageCost, or {job="integrations/openai"} in Loki (data arrives within a minute).
  2. ${DASHBOARDS}.
  3. In your service: chat_v2.monitor(openai, { metrics_url, logs_url, metrics_username, logs_username, access_token }) (README: Usage).`;
  }
  return `Next steps, to see this in your own Grafana:
  1. Point the demo at your stack (Grafana Cloud's free tier will do):
${VARIABLES}
  2. npx grafana-openai-monitoring check     proves the URLs and the token before anything depends on them
  3. npm run demo                            (or: npx grafana-openai-monitoring demo) pushes this workload there
  4. ${DASHBOARDS}.`;
}
