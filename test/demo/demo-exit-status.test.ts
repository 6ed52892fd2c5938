import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startLokiReceiver, startRemoteWriteReceiver } from '../../src/testing/index.js';
import { runCli } from '../cli/cli-process.js';

// `npm run demo` is `node dist/cjs/cli/main.js demo`: run as users run it, in a child
// process, so its exit status is the one a shell or a CI step sees.

const TOKEN = 'glc_demo_test_token_4f1e';
const credentials = { username: '123456', password: TOKEN };

function stackEnv(metricsUrl: string, logsUrl: string, token: string): Record<string, string> {
  return {
    GRAFANA_METRICS_URL: metricsUrl,
    GRAFANA_LOGS_URL: logsUrl,
    GRAFANA_METRICS_USERNAME: credentials.username,
    GRAFANA_LOGS_USERNAME: credentials.username,
    GRAFANA_ACCESS_TOKEN: token,
  };
}

describe('npm run demo', () => {
  it('exits 0 locally, with a table whose calls add up to the calls the app made, and next steps for a real stack', async () => {
    const run = await runCli(['demo']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const made = /The app made (\d+) calls in \d+ ms: (\d+) answered, (\d+) got a deliberate 429/.exec(run.stdout);
    assert.ok(made, run.stdout);
    assert.equal(Number(made[2]) + Number(made[3]), Number(made[1]), 'no call failed other than the deliberate 429s');
    assert.ok(Number(made[3]) > 0, 'the demo shows errors too');
    assert.ok(run.stdout.includes(`${made[2]} ok + ${made[3]} errors = ${made[1]}: every call the app made arrived.`), run.stdout);
    const total = /^total +(\d+) +(\d+) /m.exec(run.stdout);
    assert.ok(total, run.stdout);
    assert.deepEqual([total[1], total[2]], [made[2], made[3]], 'the total row agrees with the header line');
    assert.match(run.stdout, /metrics → http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write\n {2}delivered \d+ samples in \d+ accepted push\(es\); nothing refused or dropped/);
    assert.match(run.stdout, /logs → http:\/\/127\.0\.0\.1:\d+\/loki\/api\/v1\/push\n {2}delivered 42 log lines in \d+ accepted push\(es\); nothing refused or dropped/);
    for (const step of ['GRAFANA_METRICS_URL', 'GRAFANA_ACCESS_TOKEN', 'npx grafana-openai-monitoring check', 'dashboards/openai-native.json']) {
      assert.ok(run.stdout.includes(step), `next steps name ${step}`);
    }
  });

  it('exits 1 when the stack answers 401, says what was refused per endpoint, names check as the next step, and never prints the token', async () => {
    const prometheus = await startRemoteWriteReceiver({ basicAuth: credentials });
    const loki = await startLokiReceiver({ basicAuth: credentials });
    try {
      const run = await runCli(['demo'], stackEnv(prometheus.url, loki.url, 'glc_wrong_token_9d2c'));
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /metrics → .*\n {2}delivered 0 samples in 0 accepted push\(es\); \d+ attempt\(s\) failed; DROPPED \d+ samples \(\d+ rejected\)\n {2}refused: GOM_PUSH_REJECTED: .*401/);
      assert.match(run.stdout, /logs → .*\n {2}delivered 0 log lines in 0 accepted push\(es\); \d+ attempt\(s\) failed; DROPPED 42 log lines \(42 rejected\)/);
      assert.match(run.stdout, /Next step: npx grafana-openai-monitoring check/);
      assert.doesNotMatch(run.stdout, /Everything was accepted|Pushed to your Grafana/);
      assert.ok(!(run.stdout + run.stderr).includes('glc_wrong_token_9d2c'), 'the token is never printed');
      assert.equal(prometheus.series().length, 0);
    } finally {
      await Promise.all([prometheus.close(), loki.close()]);
    }
  });

  it('exits 1 when only the logs endpoint refuses (404: wrong URL), and says the metrics were delivered', async () => {
    const prometheus = await startRemoteWriteReceiver({ basicAuth: credentials });
    const loki = await startLokiReceiver({ basicAuth: credentials, respond: () => ({ status: 404, body: '404 page not found' }) });
    try {
      const run = await runCli(['demo'], stackEnv(prometheus.url, loki.url, TOKEN));
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /metrics → .*\n {2}delivered [1-9]\d* samples in [1-9]\d* accepted push\(es\); nothing refused or dropped/);
      assert.match(run.stdout, /logs → .*\n {2}delivered 0 log lines .*DROPPED 42 log lines/);
      assert.match(run.stdout, /refused: GOM_ENDPOINT_CONFIG: .*404/);
      assert.match(run.stdout, /npx grafana-openai-monitoring check/);
    } finally {
      await Promise.all([prometheus.close(), loki.close()]);
    }
  });

  it('exits 0 when the stack accepts everything, and the stack holds the 42 calls', async () => {
    const prometheus = await startRemoteWriteReceiver({ basicAuth: credentials });
    const loki = await startLokiReceiver({ basicAuth: credentials });
    try {
      const run = await runCli(['demo'], stackEnv(prometheus.url, loki.url, TOKEN));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /Everything was accepted/);
      assert.equal(loki.count(), 42);
      assert.match(run.stdout, /logs → .*\n {2}delivered 42 log lines in [1-9]\d* accepted push\(es\); nothing refused or dropped/);
      assert.deepEqual([...prometheus.violations, ...loki.violations], []);
    } finally {
      await Promise.all([prometheus.close(), loki.close()]);
    }
  });

  it('exits 2 and names the variable when the GRAFANA_* settings are incomplete (a token without usernames)', async () => {
    const run = await runCli(['demo'], { GRAFANA_METRICS_URL: 'http://127.0.0.1:9/api/v1/write', GRAFANA_LOGS_URL: 'http://127.0.0.1:9', GRAFANA_ACCESS_TOKEN: TOKEN });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /metrics_username: is missing/);
    assert.ok(!(run.stdout + run.stderr).includes(TOKEN));
  });
});
