import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startLokiReceiver, startRemoteWriteReceiver, type LokiReceiver, type RemoteWriteReceiver } from '../../src/testing/index';
import { runCli, type CliRun } from './cli-process';

// `grafana-openai-monitoring check`, run as a user runs it (the compiled
// dist/cjs/cli/main.js in its own process), against loopback receivers that
// answer 204, 401, 404, 415, never, or refuse the connection.

const TOKEN = 'glc_eyJvIjoiMTIzIiwibiI6InRlc3QifQ_not_a_real_token';
const TOKEN_BASE64 = Buffer.from(`123456:${TOKEN}`).toString('base64');
const AUTH = ['--metrics-username', '123456', '--logs-username', '654321'];

// A throwaway self-signed certificate for 127.0.0.1 (P-256, valid until 2126),
// made for this test with `openssl req -x509 -newkey ec …`; it protects nothing.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyToiy1TocxnaPRia
DEYUepDFvMcC6RJ9dAEtDWCXqnShRANCAAQHUcsIi38Z5E7bs+LlK/qaskrxPGsj
/3AfhRk94n1/eDnZfmwo5rlppdaWR9P12jVm7EAlMNG2lOWRafBTnYoi
-----END PRIVATE KEY-----`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIURX2K4VRweC09X2jalX6UvvCfjIUwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNzA4MDcxMloYDzIxMjYxMTAz
MDgwNzEyWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQHUcsIi38Z5E7bs+LlK/qaskrxPGsj/3AfhRk94n1/eDnZfmwo5rlp
pdaWR9P12jVm7EAlMNG2lOWRafBTnYoio2QwYjAdBgNVHQ4EFgQUZpC3lHVhFR5J
BW+jEORGhrGaUjswHwYDVR0jBBgwFoAUZpC3lHVhFR5JBW+jEORGhrGaUjswDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IQCU/HR5OnhSpZmK/4Bh95fPdPpv3ZCJ/POxDOc81aiOGwIgRkybBjALNkHwdzRQ
QqXC+4PfoN42jV+BjW0z1lby/j4=
-----END CERTIFICATE-----`;

function assertNoSecret(run: CliRun): void {
  for (const secret of [TOKEN, TOKEN_BASE64]) {
    assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'the token (or the basic-auth value made from it) was printed');
  }
}

/** The report line of one step, e.g. `FAILED   metrics push  HTTP 401 …` and its hint under it. */
function step(run: CliRun, name: string): string {
  const lines = run.stdout.split('\n');
  const at = lines.findIndex((l) => l.includes(` ${name} `) && /^\s+(ok|FAILED|skipped)\s/.test(l));
  assert.ok(at >= 0, `no "${name}" step in:\n${run.stdout}${run.stderr}`);
  return /^\s+hint:/.test(lines[at + 1] ?? '') ? `${lines[at].trim()}\n${lines[at + 1].trim()}` : lines[at].trim();
}

async function listen(server: TcpServer | HttpsServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('grafana-openai-monitoring check', () => {
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let open: RemoteWriteReceiver; // no auth, for path and status cases
  let openLoki: LokiReceiver;
  let blackHole: TcpServer;
  let blackHoleHost: string;
  const held: Socket[] = [];
  let refusedHost: string;
  let tls: HttpsServer;
  let tlsHost: string;

  before(async () => {
    prom = await startRemoteWriteReceiver({ basicAuth: { username: '123456', password: TOKEN } });
    loki = await startLokiReceiver({ basicAuth: { username: '654321', password: TOKEN } });
    open = await startRemoteWriteReceiver();
    openLoki = await startLokiReceiver();
    blackHole = createTcpServer((socket) => held.push(socket));
    blackHoleHost = await listen(blackHole);
    const closed = createTcpServer();
    refusedHost = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    tls = createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, (_req, res) => res.writeHead(204).end());
    tlsHost = await listen(tls);
  });
  after(async () => {
    for (const s of held) s.destroy();
    await Promise.all([prom.close(), loki.close(), open.close(), openLoki.close()]);
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    await new Promise<void>((resolve) => tls.close(() => resolve()));
  });

  it('pushes a sample and a log line with one check_id, reads both back, and exits 0', async () => {
    const run = await runCli(
      ['check', '--metrics-url', prom.url, '--logs-url', loki.queryUrl, ...AUTH, '--query-url', prom.queryUrl, '--logs-query-url', loki.queryUrl],
      { GRAFANA_ACCESS_TOKEN: TOKEN },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const checkId = /check_id (\S+)\)/.exec(run.stdout)?.[1];
    assert.ok(checkId, run.stdout);
    assert.match(step(run, 'metrics push'), /^ok\s+metrics push\s+HTTP 204/);
    assert.match(step(run, 'logs push'), /^ok\s+logs push\s+HTTP 204/);
    assert.match(step(run, 'metrics read'), new RegExp(`^ok\\s+metrics read\\s+found grafana_openai_monitoring_check\\{check_id="${checkId}"\\}`));
    assert.match(step(run, 'logs read'), /^ok\s+logs read\s+found a line/);
    assert.equal(prom.count('grafana_openai_monitoring_check', { check_id: checkId }), 1);
    assert.equal(loki.lines().filter((l) => l.json?.check_id === checkId).length, 1);
    assert.deepEqual([...prom.violations, ...loki.violations], []);
    assert.match(run.stdout, /access_token\s+set, \d+ characters, hidden\s+\(GRAFANA_ACCESS_TOKEN\)/);
    assertNoSecret(run);
  });

  it('takes the GRAFANA_* environment variables, and a flag wins over its variable', async () => {
    const run = await runCli(['check', '--metrics-url', prom.url], {
      GRAFANA_METRICS_URL: `http://${refusedHost}/api/v1/write`,
      GRAFANA_LOGS_URL: loki.url,
      GRAFANA_METRICS_USERNAME: '123456',
      GRAFANA_LOGS_USERNAME: '654321',
      GRAFANA_ACCESS_TOKEN: TOKEN,
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`metrics_url\\s+${prom.url.replace(/[.]/g, '\\.')}\\s+\\(--metrics-url\\)`));
    assert.match(run.stdout, /logs_username\s+654321\s+\(GRAFANA_LOGS_USERNAME\)/);
    assertNoSecret(run);
  });

  it('sends --headers (a tenant) on pushes and read-backs, lists their names and never their values', async () => {
    const tenant = 'tenant-secret-4711';
    const needsTenant = (req: { headers: Record<string, string | string[] | undefined> }) => (req.headers['x-scope-orgid'] === tenant ? undefined : { status: 401, body: 'no org id' });
    const mimir = await startRemoteWriteReceiver({ respond: needsTenant });
    const lokiTenant = await startLokiReceiver({ respond: needsTenant });
    try {
      const args = ['check', '--metrics-url', mimir.url, '--logs-url', lokiTenant.url, '--query-url', mimir.queryUrl, '--logs-query-url', lokiTenant.queryUrl];
      const run = await runCli(args, { GRAFANA_HEADERS: JSON.stringify({ 'X-Scope-OrgID': tenant }) });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /headers\s+X-Scope-OrgID \(values hidden\)\s+\(GRAFANA_HEADERS\)/);
      assert.match(step(run, 'metrics read'), /^ok/);
      assert.match(step(run, 'logs read'), /^ok/);
      assert.ok(!run.stdout.includes(tenant) && !run.stderr.includes(tenant), 'a header value was printed');
      const without = await runCli(args.concat('--read-wait-ms', '0'));
      assert.equal(without.code, 1, 'without the header the tenant-only receivers refuse');

      const bad = await runCli([...args, '--headers', `{"X-Scope-OrgID": ${tenant}`]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr + bad.stdout, /--headers or GRAFANA_HEADERS must be a JSON object/);
      assert.ok(!bad.stdout.includes(tenant) && !bad.stderr.includes(tenant), 'a malformed header value was printed');
    } finally {
      await Promise.all([mimir.close(), lokiTenant.close()]);
    }
  });

  it('explains a 401 as the token scope, for each signal, and exits 1', async () => {
    const run = await runCli(['check', '--metrics-url', prom.url, '--logs-url', loki.url, ...AUTH, '--access-token', `${TOKEN}x`]);
    assert.equal(run.code, 1);
    assert.match(step(run, 'metrics push'), /^FAILED\s+metrics push\s+HTTP 401.*\nhint: token scope: the access token needs metrics:write \(and metrics:read for the read-back\)/);
    assert.match(step(run, 'logs push'), /hint: token scope: the access token needs logs:write/);
    assert.ok(!run.stdout.includes(`${TOKEN}x`), 'the token given by flag was printed');
  });

  it('explains a 404 with the URL it pushed to and where Grafana Cloud URLs end', async () => {
    const run = await runCli(['check', '--metrics-url', `${open.queryUrl}/api/prom/pus`, '--logs-url', `${openLoki.queryUrl}/logs`]);
    assert.equal(run.code, 1);
    assert.match(step(run, 'metrics push'), new RegExp(`HTTP 404.*\\nhint: wrong URL path — it pushed to ${open.queryUrl}/api/prom/pus; Grafana Cloud's metrics URL ends in /api/prom, Loki's is the bare host`));
    assert.match(step(run, 'logs push'), new RegExp(`hint: wrong URL path — it pushed to ${openLoki.queryUrl}/logs;`));
  });

  it('explains a 415 as a Content-Type or remote-write version mismatch', async () => {
    const picky = await startRemoteWriteReceiver({ respond: () => ({ status: 415, body: 'unsupported Content-Type' }) });
    try {
      const run = await runCli(['check', '--metrics-url', picky.url, '--logs-url', openLoki.url]);
      assert.equal(run.code, 1);
      assert.match(step(run, 'metrics push'), /HTTP 415 in \d+ ms: unsupported Content-Type\nhint: the receiver wants a different Content-Type\/remote-write version/);
      assert.match(step(run, 'logs push'), /^ok/);
    } finally {
      await picky.close();
    }
  });

  it('gives up on a receiver that never answers after --timeout-ms, naming host, port and firewall', async () => {
    const run = await runCli(['check', '--metrics-url', `http://${blackHoleHost}/api/prom`, '--logs-url', `http://${blackHoleHost}`, '--timeout-ms', '300']);
    assert.equal(run.code, 1);
    assert.match(step(run, 'metrics push'), /no HTTP answer: timed out after 300 ms\nhint: no answer within 300 ms: check host\/port\/firewall/);
    assert.match(step(run, 'logs push'), /hint: no answer within 300 ms/);
    assert.ok(run.elapsedMs < 5000, `took ${run.elapsedMs} ms`);
  });

  it('says the connection was refused when nothing listens', async () => {
    const run = await runCli(['check', '--metrics-url', `http://${refusedHost}/api/v1/write`, '--logs-url', openLoki.url]);
    assert.equal(run.code, 1);
    assert.match(step(run, 'metrics push'), new RegExp(`ECONNREFUSED.*\\nhint: connection refused: nothing listens on ${refusedHost}`));
  });

  it('says "certificate problem" for an untrusted certificate and suggests http:// for a plain-HTTP port', async () => {
    const run = await runCli(['check', '--metrics-url', `https://${tlsHost}/api/v1/write`, '--logs-url', `https://${openLoki.queryUrl.slice('http://'.length)}`]);
    assert.equal(run.code, 1);
    assert.match(step(run, 'metrics push'), /hint: certificate problem: /);
    assert.match(step(run, 'logs push'), /hint: TLS problem: .*try http:\/\//);
  });

  it('fails the read-back with a :read hint when the query API refuses the token', async () => {
    const readOnlyDenied = await startRemoteWriteReceiver({ respond: (req) => (req.path.endsWith('/api/v1/query') ? { status: 403, body: 'missing scope metrics:read' } : undefined) });
    try {
      const run = await runCli(['check', '--metrics-url', readOnlyDenied.url, '--logs-url', openLoki.url, '--query-url', readOnlyDenied.queryUrl]);
      assert.equal(run.code, 1);
      assert.match(step(run, 'metrics push'), /^ok/);
      assert.match(step(run, 'metrics read'), /^FAILED\s+metrics read\s+HTTP 403: missing scope metrics:read\nhint: token scope: the read-back needs metrics:read/);
    } finally {
      await readOnlyDenied.close();
    }
  });

  it('skips the read-back of a signal whose push failed', async () => {
    const run = await runCli(['check', '--metrics-url', open.url, '--logs-url', `http://${refusedHost}`, '--logs-query-url', openLoki.queryUrl]);
    assert.equal(run.code, 1);
    assert.match(step(run, 'logs push'), /^FAILED/);
    assert.match(step(run, 'logs read'), /^skipped\s+logs read\s+the push failed/);
  });

  it('reports "not found" when the pushed sample is not in what the query URL answers', async () => {
    const elsewhere = await startRemoteWriteReceiver();
    try {
      const run = await runCli(['check', '--metrics-url', open.url, '--logs-url', openLoki.url, '--query-url', elsewhere.queryUrl, '--read-wait-ms', '0']);
      assert.equal(run.code, 1);
      assert.match(step(run, 'metrics read'), /^FAILED\s+metrics read\s+grafana_openai_monitoring_check\{check_id="[^"]+"\} not found after 1 query.*\nhint: the push was accepted but the data is not queryable/);
    } finally {
      await elsewhere.close();
    }
  });

  it('never prints the token, even when a receiver echoes the request headers back', async () => {
    const echo = await startRemoteWriteReceiver({ respond: (req) => ({ status: 400, body: `bad request from ${String(req.headers.authorization)} token=${TOKEN}` }) });
    try {
      const run = await runCli(['check', '--metrics-url', echo.url, '--logs-url', loki.url, ...AUTH], { GRAFANA_ACCESS_TOKEN: TOKEN });
      assert.equal(run.code, 1);
      assert.match(step(run, 'metrics push'), /HTTP 400 in \d+ ms: bad request from \*\*\* token=\*\*\*/);
      assertNoSecret(run);
    } finally {
      await echo.close();
    }
  });

  it('exits 2 naming the option, its flag and its variable for bad options, before sending anything', async () => {
    const before = open.requests.length;
    const cases: [string[], RegExp][] = [
      [['--metrics-url', 'ftp://x', '--logs-url', openLoki.url], /metrics_url must be an http:\/\/ or https:\/\/ URL, got ftp:\/\/ \(--metrics-url or GRAFANA_METRICS_URL\)/],
      [['--metrics-url', open.url], /logs_url is required.*\(--logs-url or GRAFANA_LOGS_URL\)/],
      [['--metrics-url', open.url, '--logs-url', openLoki.url, '--metrics-username', '1'], /access_token: is missing.*\(--access-token or GRAFANA_ACCESS_TOKEN\)/],
      [['--metrics-url', open.url, '--logs-url', openLoki.url, '--access-token', TOKEN, '--metrics-username', '1'], /logs_username: is missing/],
      [['--metrics-url', open.url, '--logs-url', openLoki.url, '--timeout-ms', 'soon'], /timeout_ms: must be a whole number ≥ 1, got "soon" \(--timeout-ms\)/],
      [['--metrics-url', open.url, '--logs-url', openLoki.url, '--query-url', 'not a url'], /--query-url is not a URL/],
      [['--metric-url', open.url], /unknown option --metric-url; did you mean --metrics-url\?/],
      [['--metrics-url'], /--metrics-url needs a value/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(['check', ...args])));
    runs.forEach((run, i) => {
      assert.equal(run.code, 2, `case ${i}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, cases[i][1]);
      assert.equal(run.stdout, '');
      assertNoSecret(run);
    });
    assert.equal(open.requests.length, before, 'a push was sent despite bad options');
  });
});
