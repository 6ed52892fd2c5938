import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logsPushUrl, metricsPushUrl } from '../src/endpoint-url';
import { MonitoringError } from '../src/monitoring-error';

describe('metrics_url', () => {
  it('completes the Grafana Cloud …/api/prom shown in the original README to …/api/prom/push', () => {
    assert.equal(
      metricsPushUrl('https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom'),
      'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push',
    );
  });

  it('uses a full push URL verbatim, trailing slash tolerated (F1)', () => {
    assert.equal(metricsPushUrl('https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push/'), 'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push');
    assert.equal(metricsPushUrl('http://127.0.0.1:9090/api/v1/write'), 'http://127.0.0.1:9090/api/v1/write');
    assert.equal(metricsPushUrl('http://vm:8428/prometheus/api/v1/write'), 'http://vm:8428/prometheus/api/v1/write');
  });

  it("gives a bare Prometheus host Prometheus' own /api/v1/write", () => {
    assert.equal(metricsPushUrl('http://127.0.0.1:9090'), 'http://127.0.0.1:9090/api/v1/write');
    assert.equal(metricsPushUrl('http://127.0.0.1:9090/'), 'http://127.0.0.1:9090/api/v1/write');
  });

  it('never rewrites the host, even for new nested Grafana Cloud hosts (F3)', () => {
    const url = 'https://mimir.aws-eu-west-2-1.grafana.net/api/prom';
    assert.equal(metricsPushUrl(url), `${url}/push`);
  });

  it('keeps a query string', () => {
    assert.equal(metricsPushUrl('http://h:1/api/v1/write?tenant=a'), 'http://h:1/api/v1/write?tenant=a');
  });

  for (const [input, fragment] of [
    [undefined, 'metrics_url is required'],
    ['', 'metrics_url is required'],
    ['not a url', 'metrics_url is not a URL'],
    ['ftp://example.com/api/prom', 'metrics_url must be an http:// or https:// URL'],
    ['https://123:glc_secret@example.com/api/prom', 'metrics_url contains credentials'],
    // Unparsable (a space in the host, a bad port): quoted, but never with what precedes the @.
    ['https://111111:glc_secret@prometheus prod.grafana.net/api/prom', 'metrics_url is not a URL: "https://…@prometheus prod.grafana.net/api/prom"'],
    ['https://111111:glc_sec/ret@host:port/api/prom', 'metrics_url is not a URL: "https://…@host:port/api/prom"'],
    ['111111:glc_secret@host with space', 'metrics_url is not a URL: "…@host with space"'],
  ] as const) {
    it(`rejects ${JSON.stringify(input)} naming the option`, () => {
      assert.throws(() => metricsPushUrl(input), (err: unknown) => {
        assert.ok(err instanceof MonitoringError);
        assert.equal(err.code, 'GOM_INVALID_OPTION');
        assert.equal(err.option, 'metrics_url');
        assert.ok(err.message.includes(fragment), err.message);
        assert.ok(!err.message.includes('glc_secret'), 'the token must not be echoed');
        return true;
      });
    });
  }
});

describe('logs_url', () => {
  it('gives a bare Grafana Cloud Loki host /loki/api/v1/push (F4)', () => {
    assert.equal(logsPushUrl('https://logs-prod-006.grafana.net'), 'https://logs-prod-006.grafana.net/loki/api/v1/push');
    assert.equal(logsPushUrl('https://logs-prod-006.grafana.net/'), 'https://logs-prod-006.grafana.net/loki/api/v1/push');
  });

  it('uses a full push URL verbatim (F4)', () => {
    assert.equal(logsPushUrl('https://logs-prod-006.grafana.net/loki/api/v1/push'), 'https://logs-prod-006.grafana.net/loki/api/v1/push');
    assert.equal(logsPushUrl('https://logs-prod-006.grafana.net/loki/api/v1/push/'), 'https://logs-prod-006.grafana.net/loki/api/v1/push');
  });

  it('completes a …/loki base', () => {
    assert.equal(logsPushUrl('http://gateway:8080/loki'), 'http://gateway:8080/loki/api/v1/push');
  });

  it('rejects a missing URL naming logs_url', () => {
    assert.throws(() => logsPushUrl(undefined), /logs_url is required/);
  });
});
