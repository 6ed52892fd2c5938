import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Exporter } from '../../src/export/exporter.js';
import { makeLokiStream } from '../../src/export/log-entry.js';
import { makeSeries } from '../../src/export/series.js';
import { checkUserHeaders } from '../../src/export/user-headers.js';
import { MonitoringError } from '../../src/monitoring-error.js';
import { startLokiReceiver } from '../support/loki-receiver.js';
import { startRemoteWriteReceiver } from '../support/remote-write-receiver.js';
import { runNodeScript } from '../support/run-node-script.js';

/**
 * The `headers` option (vector B2): passed through on both signals, never in
 * place of a header the library sets, and its values — tenant tokens, at times —
 * never in an error or the debug log.
 */

const UA = 'grafana-openai-monitoring/1.0.0';
const TENANT = 'tenant-secret-0042';
const GATEWAY_KEY = 'gw_k3y_never_to_be_shown';

const made: Exporter[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((e) => e.shutdown()));
});

function headerCount(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name.toLowerCase()) count += 1;
  return count;
}

function refusal(value: unknown, header: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof MonitoringError, String(err));
    assert.equal(err.code, 'GOM_INVALID_OPTION');
    assert.equal(err.option, 'headers');
    assert.ok(err.message.startsWith('headers: '), err.message);
    assert.ok(err.message.includes(header), `names ${header}: ${err.message}`);
    if (typeof value === 'string' && value.length > 0) assert.ok(!err.message.includes(value), `quotes the value: ${err.message}`);
    return true;
  };
}

describe('checkUserHeaders', () => {
  it('takes a tenant header as given', () => {
    assert.deepEqual(checkUserHeaders({ 'X-Scope-OrgID': 't1' }), { 'X-Scope-OrgID': 't1' });
    assert.deepEqual(checkUserHeaders(undefined), {});
  });

  it('refuses every header the library sets, in any case, naming it and where it comes from', () => {
    const reserved = ['Content-Encoding', 'content-type', 'User-Agent', 'X-Prometheus-Remote-Write-Version', 'AUTHORIZATION', 'Content-Length', 'Host'];
    for (const name of reserved) assert.throws(() => checkUserHeaders({ [name]: 'gzip-secret-value' }), refusal('gzip-secret-value', name));
    assert.throws(() => checkUserHeaders({ Authorization: 'Bearer abc-secret' }), (err: unknown) => refusal('Bearer abc-secret', 'Authorization')(err) && /access_token/.test((err as Error).message));
  });

  it('refuses what node:http would refuse at the first push, without quoting the value', () => {
    assert.throws(() => checkUserHeaders({ 'X Tenant': 'value-0001' }), refusal('value-0001', 'X Tenant'));
    assert.throws(() => checkUserHeaders({ 'X-Tenant:': 'value-0002' }), refusal('value-0002', 'X-Tenant:'));
    assert.throws(() => checkUserHeaders({ 'X-Tenant': 'line\r\nInjected: secret-part' }), refusal('line\r\nInjected: secret-part', 'X-Tenant'));
    assert.throws(() => checkUserHeaders({ 'X-Tenant': 42 }), refusal(undefined, 'X-Tenant'));
    assert.throws(() => checkUserHeaders({ 'x-scope-orgid': 'a', 'X-Scope-OrgID': 'b' }), refusal(undefined, 'X-Scope-OrgID'));
    assert.throws(() => checkUserHeaders(['X-Scope-OrgID', 't1']), refusal(undefined, 'object of header name'));
  });
});

describe('Exporter with user headers', () => {
  it('sends X-Scope-OrgID on every push of both signals, and its own headers still exactly once (B2)', async () => {
    const prom = await startRemoteWriteReceiver();
    const loki = await startLokiReceiver();
    try {
      const headers = { 'X-Scope-OrgID': 't1' };
      const exporter = new Exporter({ metrics: { url: prom.url, headers }, logs: { url: loki.url, headers }, flushIntervalMs: 60_000, userAgent: UA });
      made.push(exporter);
      for (let round = 0; round < 2; round++) {
        exporter.addSample(makeSeries('headers_test_value', { job: 'headers-test' }), round, Date.now());
        exporter.addLogEntry(makeLokiStream({ job: 'headers-test' }), Date.now(), `round ${round}`);
        await exporter.flush();
      }
      assert.equal(prom.requests.length, 2);
      assert.equal(loki.requests.length, 2);
      for (const req of [...prom.requests, ...loki.requests]) {
        assert.equal(req.headers['x-scope-orgid'], 't1');
        assert.equal(headerCount(req.rawHeaders, 'X-Scope-OrgID'), 1);
        assert.equal(headerCount(req.rawHeaders, 'Content-Type'), 1);
        assert.equal(headerCount(req.rawHeaders, 'User-Agent'), 1);
      }
      assert.deepEqual([...prom.violations, ...loki.violations], []);
    } finally {
      await Promise.all(made.splice(0).map((e) => e.shutdown()));
      await prom.close();
      await loki.close();
    }
  });

  it('refuses a reserved header when it is made, before any push', () => {
    const url = 'http://127.0.0.1:9/api/v1/write';
    assert.throws(
      () => new Exporter({ metrics: { url, headers: { 'Content-Encoding': 'gzip' } }, logs: { url }, userAgent: UA }),
      refusal('gzip', 'Content-Encoding'),
    );
  });

  it('never puts a header value in an on_error message, even when the receiver echoes it', async () => {
    const echo = (req: { headers: Record<string, string | string[] | undefined> }): string => `unknown tenant ${String(req.headers['x-scope-orgid'])} (key ${String(req.headers['x-api-key'])})`;
    const prom = await startRemoteWriteReceiver({ respond: (req) => ({ status: 401, body: echo(req) }) });
    const loki = await startLokiReceiver({ respond: (req) => ({ status: 400, body: echo(req) }) });
    try {
      const errors: MonitoringError[] = [];
      const headers = { 'X-Scope-OrgID': TENANT, 'X-Api-Key': GATEWAY_KEY };
      const exporter = new Exporter({
        metrics: { url: prom.url, headers },
        logs: { url: loki.url, headers },
        flushIntervalMs: 60_000,
        userAgent: UA,
        onError: (err) => errors.push(err),
      });
      made.push(exporter);
      exporter.addSample(makeSeries('headers_test_value', { job: 'headers-test' }), 1, Date.now());
      exporter.addLogEntry(makeLokiStream({ job: 'headers-test' }), Date.now(), 'x');
      await exporter.flush();
      assert.equal(errors.length, 2);
      for (const err of errors) {
        assert.match(err.message, /unknown tenant \[redacted\]/, 'the receiver answer is still quoted');
        assert.ok(!err.message.includes(TENANT) && !err.message.includes(GATEWAY_KEY), err.message);
      }
    } finally {
      await Promise.all(made.splice(0).map((e) => e.shutdown()));
      await prom.close();
      await loki.close();
    }
  });

  it('never puts a header value in the NODE_DEBUG output', async () => {
    const echo = (req: { headers: Record<string, string | string[] | undefined> }): string => `tenant ${String(req.headers['x-scope-orgid'])} key ${String(req.headers['x-api-key'])}`;
    let limited = false;
    const prom = await startRemoteWriteReceiver({ respond: (req) => ({ status: 403, body: echo(req) }) });
    const loki = await startLokiReceiver({
      respond: (req) => {
        if (limited) return undefined;
        limited = true;
        return { status: 429, body: `Maximum active stream limit exceeded for ${echo(req)}` };
      },
    });
    const child = `
      const { Exporter } = require(process.env.SRC + '/exporter.js');
      const { makeSeries } = require(process.env.SRC + '/series.js');
      const { makeLokiStream } = require(process.env.SRC + '/log-entry.js');
      process.on('unhandledRejection', (err) => { console.log('UNHANDLED ' + err); process.exitCode = 99; });
      const headers = { 'X-Scope-OrgID': process.env.TENANT, 'X-Api-Key': process.env.GATEWAY_KEY };
      const exporter = new Exporter({
        metrics: { url: process.env.METRICS_URL, headers },
        logs: { url: process.env.LOGS_URL, headers },
        flushIntervalMs: 60000,
        userAgent: 'grafana-openai-monitoring/1.0.0',
        retry: { initialBackoffMs: 20 },
        onError: (err) => console.log('ERROR ' + err.code + ' ' + err.message),
      });
      exporter.addSample(makeSeries('headers_test_value', { job: 'headers-test' }), 1, Date.now());
      exporter.addLogEntry(makeLokiStream({ job: 'headers-test' }), Date.now(), 'x');
      exporter.shutdown();
    `;
    try {
      const result = await runNodeScript(
        child,
        { SRC: join(__dirname, '../../src/export'), METRICS_URL: prom.url, LOGS_URL: loki.url, TENANT, GATEWAY_KEY, NODE_DEBUG: 'grafana-openai-monitoring' },
        15_000,
      );
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stderr, /GRAFANA-OPENAI-MONITORING \d+: GOM_PUSH_REJECTED/, 'debug logging was on and logged the rejection');
      assert.match(result.stdout, /ERROR GOM_CARDINALITY_LIMIT/);
      assert.equal(loki.requests[0].headers['x-scope-orgid'], TENANT, 'the value did travel');
      for (const secret of [TENANT, GATEWAY_KEY]) {
        assert.ok(!result.stderr.includes(secret), `debug output shows ${secret}:\n${result.stderr}`);
        assert.ok(!result.stdout.includes(secret), `on_error shows ${secret}:\n${result.stdout}`);
      }
    } finally {
      await prom.close();
      await loki.close();
    }
  });
});
