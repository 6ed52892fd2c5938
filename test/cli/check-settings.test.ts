import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSettings, lokiQueryUrl, prometheusQueryUrl } from '../../src/cli/check-settings';

describe('check settings', () => {
  it('finds the Prometheus query API from the URLs users have at hand', () => {
    const cloud = 'https://prometheus-prod-13-prod-us-east-0.grafana.net';
    assert.equal(prometheusQueryUrl(`${cloud}/api/prom`).toString(), `${cloud}/api/prom/api/v1/query`);
    assert.equal(prometheusQueryUrl(`${cloud}/api/prom/push`).toString(), `${cloud}/api/prom/api/v1/query`);
    assert.equal(prometheusQueryUrl('http://127.0.0.1:9090/').toString(), 'http://127.0.0.1:9090/api/v1/query');
    assert.equal(prometheusQueryUrl('http://127.0.0.1:9090/api/v1/write').toString(), 'http://127.0.0.1:9090/api/v1/query');
    assert.equal(prometheusQueryUrl('http://vm:8428/prometheus/api/v1/query').toString(), 'http://vm:8428/prometheus/api/v1/query');
  });

  it('finds the Loki range-query API from its host, its push URL or a /loki base', () => {
    const host = 'https://logs-prod-006.grafana.net';
    for (const given of [host, `${host}/`, `${host}/loki`, `${host}/loki/api/v1/push`, `${host}/loki/api/v1/query_range`]) {
      assert.equal(lokiQueryUrl(given).toString(), `${host}/loki/api/v1/query_range`, given);
    }
  });

  it('treats an empty variable as unset, so a blank GRAFANA_ACCESS_TOKEN does not demand usernames', () => {
    const settings = checkSettings(new Map([['metrics-url', 'http://127.0.0.1:9090']]), {
      GRAFANA_LOGS_URL: 'http://127.0.0.1:3100',
      GRAFANA_ACCESS_TOKEN: '',
    });
    assert.equal(settings.resolved.metrics.password, undefined);
    assert.equal(settings.resolved.logs.url, 'http://127.0.0.1:3100/loki/api/v1/push');
    assert.deepEqual(settings.sources, { metrics_url: '--metrics-url', logs_url: 'GRAFANA_LOGS_URL' });
  });
});
