import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveOptions } from '../src/monitor-options';
import { MonitoringError } from '../src/monitoring-error';

const local = { metrics_url: 'http://127.0.0.1:9090/api/v1/write', logs_url: 'http://127.0.0.1:3100' };
const cloud = {
  metrics_url: 'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom',
  logs_url: 'https://logs-prod-006.grafana.net',
  metrics_username: '123456',
  logs_username: '654321',
  access_token: 'glc_example_token',
};

function rejects(options: unknown, option: string, fragment: string): void {
  assert.throws(() => resolveOptions(options), (err: unknown) => {
    assert.ok(err instanceof MonitoringError, String(err));
    assert.equal(err.code, 'GOM_INVALID_OPTION');
    assert.equal(err.option, option);
    assert.ok(err.message.startsWith(option), `message should start with the option: ${err.message}`);
    assert.ok(err.message.includes(fragment), err.message);
    assert.ok(!err.message.includes('glc_example_token'), 'the token must never be echoed');
    return true;
  });
}

describe('monitor options', () => {
  it('accepts the five options of the original README and normalises the URLs', () => {
    const resolved = resolveOptions(cloud);
    assert.equal(resolved.metrics.url, 'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push');
    assert.equal(resolved.logs.url, 'https://logs-prod-006.grafana.net/loki/api/v1/push');
    assert.deepEqual({ u: resolved.metrics.username, p: resolved.metrics.password }, { u: '123456', p: 'glc_example_token' });
    assert.deepEqual({ u: resolved.logs.username, p: resolved.logs.password }, { u: '654321', p: 'glc_example_token' });
  });

  it('takes numeric instance ids as usernames', () => {
    assert.equal(resolveOptions({ ...cloud, metrics_username: 123456 }).metrics.username, '123456');
  });

  it('needs no credentials for a receiver without auth', () => {
    const resolved = resolveOptions(local);
    assert.equal(resolved.metrics.username, undefined);
    assert.equal(resolved.logs.password, undefined);
  });

  it('defaults environment to "default" and instance to <hostname>:<pid>', () => {
    const resolved = resolveOptions(local);
    assert.equal(resolved.environment, 'default');
    assert.ok(resolved.instance.endsWith(`:${process.pid}`), resolved.instance);
  });

  it('bounds what is held in bytes, 32 MiB unless max_buffered_bytes says otherwise, and refuses less than 4 MiB', () => {
    assert.equal(resolveOptions(local).maxBufferedBytes, 32 * 1024 * 1024);
    assert.equal(resolveOptions({ ...local, max_buffered_bytes: 8 * 1024 * 1024 }).maxBufferedBytes, 8 * 1024 * 1024);
    rejects({ ...local, max_buffered_bytes: 1024 }, 'max_buffered_bytes', '≥ 4194304');
    rejects({ ...local, max_buffered_bytes: '32MB' }, 'max_buffered_bytes', 'whole number');
  });
  it('handles SIGTERM and SIGINT unless handle_signals is false, and refuses a non-boolean', () => {
    assert.equal(resolveOptions(local).handleSignals, true);
    assert.equal(resolveOptions({ ...local, handle_signals: false }).handleSignals, false);
    rejects({ ...local, handle_signals: 'no' }, 'handle_signals', 'true or false');
  });
  it('rejects a username without the token', () => rejects({ ...local, metrics_username: '1', logs_username: '2' }, 'access_token', 'is missing'));
  it('rejects a token without the metrics username', () => rejects({ ...cloud, metrics_username: undefined }, 'metrics_username', 'Prometheus instance id'));
  it('rejects a token without the logs username', () => rejects({ ...cloud, logs_username: undefined }, 'logs_username', 'Loki instance id'));
  it('rejects a missing metrics_url', () => rejects({ logs_url: local.logs_url }, 'metrics_url', 'is required'));
  it('rejects a non-http logs_url', () => rejects({ ...local, logs_url: 'file:///tmp/x' }, 'logs_url', 'http://'));
  it('rejects a misspelt option and suggests the right one', () => rejects({ ...local, flush_interval: 1000 }, 'flush_interval', 'did you mean flush_interval_ms'));
  it('answers api_key (the OpenAI client\'s option) with where the key goes and what the token is called', () =>
    rejects({ ...local, api_key: 'sk-x' }, 'api_key', 'belongs to the OpenAI client (new OpenAI({ apiKey })); the Grafana token is access_token'));
  it('answers token with access_token', () => rejects({ ...local, token: 'glc_example_token' }, 'token', 'did you mean access_token?'));
  it('answers camelCase with the snake_case option', () => rejects({ ...local, metricsUsername: '1' }, 'metricsUsername', 'did you mean metrics_username?'));
  it('answers loki_url with logs_url', () => rejects({ ...local, loki_url: 'http://127.0.0.1:3100' }, 'loki_url', 'did you mean logs_url?'));
  it('rejects a non-integer timeout_ms', () => rejects({ ...local, timeout_ms: 1.5 }, 'timeout_ms', 'whole number'));
  it('rejects a negative flush_interval_ms', () => rejects({ ...local, flush_interval_ms: -1 }, 'flush_interval_ms', 'whole number'));
  it('rejects labels that the library sets itself', () => rejects({ ...local, labels: { model: 'x' } }, 'labels', 'set by the library'));
  it('tells a job label to take another name, in plain words', () => rejects({ ...local, labels: { job: 'x' } }, 'labels', 'rename it, e.g. app_job'));
  it('tells an environment label to use the environment option', () => rejects({ ...local, labels: { environment: 'x' } }, 'labels', 'use the environment option'));
  it('rejects an environment longer than Loki takes as a label value, saying how long it may be', () =>
    rejects({ ...local, environment: 'e'.repeat(3000) }, 'environment', 'over 2048 bytes'));
  it('rejects an instance longer than a label value may be', () => rejects({ ...local, instance: 'é'.repeat(1100) }, 'instance', 'over 2048 bytes'));
  it('rejects an environment that is not valid UTF-8', () => rejects({ ...local, environment: 'prod\uD800' }, 'environment', 'not valid UTF-8'));
  it('rejects a label value that is not valid UTF-8', () => rejects({ ...local, labels: { team: 'a\uDC00' } }, 'labels', 'not valid UTF-8'));
  it('accepts an environment of exactly 2048 bytes', () => assert.equal(resolveOptions({ ...local, environment: 'e'.repeat(2048) }).environment.length, 2048));
  for (const name of ['le', 'server_address', 'error_type', 'gen_ai_request_model', 'gen_ai_token_type']) {
    it(`rejects a user label named ${name}, which the library writes itself`, () => rejects({ ...local, labels: { [name]: 'x' } }, 'labels', `${name} is set by the library`));
  }
  it('rejects a label name Prometheus would refuse', () => rejects({ ...local, labels: { 'team-name': 'a' } }, 'labels', 'not a valid label name'));
  it('rejects more labels than Loki allows room for', () => {
    const labels = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`l${i}`, 'v']));
    rejects({ ...local, labels }, 'labels', 'at most 8');
  });
  it('rejects a price without an input rate', () => rejects({ ...local, prices: { 'my-model': { output: 1 } } }, 'prices', 'needs { input'));
  it('rejects an on_error that is not a function', () => rejects({ ...local, on_error: 'log' }, 'on_error', 'must be a function'));
  it('rejects no options at all', () => rejects(undefined, 'options', 'required'));
  it('passes headers to both endpoints', () => {
    const resolved = resolveOptions({ ...local, headers: { 'X-Scope-OrgID': 't1' } });
    assert.deepEqual(resolved.metrics.headers, { 'X-Scope-OrgID': 't1' });
    assert.deepEqual(resolved.logs.headers, { 'X-Scope-OrgID': 't1' });
  });
  it('rejects a header the library sets, naming it', () => rejects({ ...local, headers: { 'Content-Encoding': 'gzip' } }, 'headers', 'Content-Encoding is set by the library'));
  it('rejects an Authorization header: auth comes from access_token', () => rejects({ ...cloud, headers: { authorization: 'Bearer glc_example_token' } }, 'headers', 'access_token'));
});
