import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lokiEndpoint, remoteWriteEndpoint } from '../../src/export/push-endpoint.js';
import { MonitoringError } from '../../src/monitoring-error.js';

const UA = 'grafana-openai-monitoring/1.0.0';

describe('remoteWriteEndpoint', () => {
  it('carries the four reserved remote-write headers (§1.2)', () => {
    const ep = remoteWriteEndpoint({ url: 'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push' }, UA);
    assert.deepEqual(ep.headers, {
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'User-Agent': UA,
      'X-Prometheus-Remote-Write-Version': '0.1.0',
    });
  });

  it('uses the URL verbatim', () => {
    const url = 'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push';
    assert.equal(remoteWriteEndpoint({ url }, UA).url.href, url);
  });

  it('adds basic auth from id and token, and lists both as secrets (B3)', () => {
    const ep = remoteWriteEndpoint({ url: 'http://127.0.0.1:9090/api/v1/write', username: '123456', password: 'glc_example' }, UA);
    assert.equal(ep.headers.Authorization, 'Basic MTIzNDU2OmdsY19leGFtcGxl');
    assert.ok(ep.secrets.includes('glc_example') && ep.secrets.includes('MTIzNDU2OmdsY19leGFtcGxl'));
  });

  it('takes credentials written in the URL and removes them from it', () => {
    const ep = remoteWriteEndpoint({ url: 'http://123456:glc_example@127.0.0.1:9090/api/v1/write' }, UA);
    assert.equal(ep.headers.Authorization, 'Basic MTIzNDU2OmdsY19leGFtcGxl');
    assert.equal(ep.url.href, 'http://127.0.0.1:9090/api/v1/write');
  });

  it('sends no Authorization header when no credentials are given', () => {
    assert.equal(remoteWriteEndpoint({ url: 'http://127.0.0.1:9090/api/v1/write' }, UA).headers.Authorization, undefined);
  });

  it('refuses a URL that is not http(s), without quoting it', () => {
    assert.throws(
      () => remoteWriteEndpoint({ url: 'ftp://123:glc_secret@host/x' }, UA),
      (err: unknown) => err instanceof MonitoringError && err.code === 'GOM_INVALID_OPTION' && !err.message.includes('glc_secret'),
    );
    assert.throws(() => remoteWriteEndpoint({ url: 'not a url glc_secret' }, UA), (err: unknown) => {
      return err instanceof MonitoringError && err.option === 'metrics_url' && !err.message.includes('glc_secret');
    });
  });
});

describe('lokiEndpoint', () => {
  it('sends JSON with the user agent and basic auth (E1)', () => {
    const ep = lokiEndpoint({ url: 'https://logs-prod-006.grafana.net/loki/api/v1/push', username: '123456', password: 'glc_example' }, UA);
    assert.deepEqual(ep.headers, {
      'Content-Type': 'application/json',
      'User-Agent': UA,
      Authorization: 'Basic MTIzNDU2OmdsY19leGFtcGxl',
    });
  });
});
