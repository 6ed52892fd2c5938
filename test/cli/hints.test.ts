import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hintForNetworkError, hintForStatus, shortReason } from '../../src/cli/hints';
import { HttpNetworkError } from '../../src/export/http/http-transport';

const push = { signal: 'metrics' as const, step: 'push' as const, url: 'http://127.0.0.1:9090/api/v1/write' };

describe('check hints', () => {
  it('gives no hint for 2xx, but one for Loki’s 260 (ingestion blocked, nothing written)', () => {
    assert.equal(hintForStatus(204, push), undefined);
    assert.equal(hintForStatus(200, { ...push, signal: 'logs' }), undefined);
    assert.match(hintForStatus(260, { ...push, signal: 'logs' }) ?? '', /nothing was written/);
  });

  it('names Prometheus’ remote-write receiver flag when its 404 says it is off', () => {
    const hint = hintForStatus(404, { ...push, body: 'remote write receiver needs to be enabled with --web.enable-remote-write-receiver' });
    assert.match(hint ?? '', /it pushed to http:\/\/127\.0\.0\.1:9090\/api\/v1\/write.*start it with --web\.enable-remote-write-receiver/);
  });

  it('treats VictoriaMetrics’ 400 "unsupported path" as a wrong path, and other 400s as a refusal', () => {
    assert.match(hintForStatus(400, { ...push, body: 'unsupported path requested: "/api/v1/writ"' }) ?? '', /^wrong URL path/);
    assert.match(hintForStatus(400, { ...push, body: 'out of order sample' }) ?? '', /refused the data/);
  });

  it('tells a redirect where it points, and a rate limit or outage apart from a refusal', () => {
    assert.match(hintForStatus(301, { ...push, location: 'https://example.test/api/prom/push' }) ?? '', /redirected to https:\/\/example\.test\/api\/prom\/push/);
    assert.match(hintForStatus(429, push) ?? '', /rate limited/);
    assert.match(hintForStatus(503, push) ?? '', /unavailable/);
  });

  it('maps certificate codes to "certificate problem" and suggests a CA file for a private CA', () => {
    const selfSigned = new HttpNetworkError('x', 'failed: self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    assert.match(hintForNetworkError(selfSigned, 5000, push.url), /^certificate problem: self-signed certificate — .*NODE_EXTRA_CA_CERTS/);
    const expired = new HttpNetworkError('x', 'failed: certificate has expired', { code: 'CERT_HAS_EXPIRED' });
    assert.equal(hintForNetworkError(expired, 5000, push.url), 'certificate problem: certificate has expired');
    const dns = new HttpNetworkError('x', 'failed: getaddrinfo ENOTFOUND prometheus-prod-99.grafana.net', { code: 'ENOTFOUND' });
    assert.match(hintForNetworkError(dns, 5000, 'https://prometheus-prod-99.grafana.net/api/prom/push'), /^host not found: prometheus-prod-99\.grafana\.net/);
  });

  it('cuts an OpenSSL message down to its reason', () => {
    assert.equal(shortReason('failed: write EPROTO 80CC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:\n'), 'wrong version number');
    assert.equal(shortReason('failed: connect ECONNREFUSED 127.0.0.1:9'), 'connect ECONNREFUSED 127.0.0.1:9');
  });
});
