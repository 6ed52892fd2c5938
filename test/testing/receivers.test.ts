import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { chat_v2, type LogLine, type Monitor } from '../../src/index';
import { startLokiReceiver, startRemoteWriteReceiver, type LokiReceiver, type RemoteWriteReceiver } from '../../src/testing/index';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { loadOpenAI, newClient } from '../support/openai-sdk';
import { startRemoteWriteReceiver as startReferenceReceiver } from '../support/remote-write-receiver';
import { sendRequest } from '../support/send-request';

// What a user of `grafana-openai-monitoring/testing` does: the real openai SDK
// against an OpenAI-compatible server, monitored with chat_v2, pushing to the
// testing receivers. Expected numbers come from the recorded fixture, not from
// the library, and one push is replayed to the project's independent decoder
// (prometheus-remote-write) to show both receivers read the same thing.

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const fixture = JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8')) as {
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
};

describe(`the testing receivers with openai ${sdk.version} monitored by chat_v2`, () => {
  let fake: FakeOpenAI;
  let prometheus: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let monitor: Monitor | undefined;

  /** Closes what a test opened; also run by `after`, because Node 16 skips afterEach after a failed test. */
  async function cleanUp(): Promise<void> {
    await monitor?.shutdown();
    monitor = undefined;
    await Promise.all([prometheus?.close(), loki?.close()]);
  }

  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await cleanUp();
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    prometheus = await startRemoteWriteReceiver({ basicAuth: { username: '123456', password: 'glc_test_token' } });
    loki = await startLokiReceiver({ basicAuth: { username: '654321', password: 'glc_test_token' } });
  });
  afterEach(cleanUp);

  function monitorClient() {
    const client = newClient(fake);
    monitor = chat_v2.monitor(client, {
      metrics_url: prometheus.url,
      logs_url: loki.queryUrl, // the bare host, as Grafana Cloud shows Loki's URL
      metrics_username: '123456',
      logs_username: '654321',
      access_token: 'glc_test_token',
      environment: 'test',
      flush_interval_ms: 60_000,
    });
    return client;
  }

  it('counts and sums the compatible series of two calls, by the model the response names', async () => {
    const client = monitorClient();
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor?.flush();
    const labels = { model: fixture.model, source: 'node_chatv2', environment: 'test', job: 'integrations/openai' };
    assert.equal(prometheus.count('openai_totalTokens', labels), 2);
    assert.equal(prometheus.sum('openai_totalTokens', labels), 2 * fixture.usage.total_tokens);
    assert.equal(prometheus.sum('openai_promptTokens', { model: /^gpt-4\.1/ }), 2 * fixture.usage.prompt_tokens);
    assert.equal(prometheus.latest('gen_ai_client_operation_duration_seconds_count', { gen_ai_request_model: 'gpt-4.1' }), 2);
    assert.deepEqual(prometheus.violations, []);
  });

  it('gives one parsed Loki line per call, typed as the library’s LogLine', async () => {
    const client = monitorClient();
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor?.flush();
    const lines = loki.lines<LogLine>({ job: 'integrations/openai', level: 'info' });
    assert.equal(lines.length, 1);
    assert.equal(lines[0].json?.request_model, 'gpt-4.1');
    assert.equal(lines[0].json?.response_model, fixture.model);
    assert.deepEqual(lines[0].json?.prompt, messages);
    assert.deepEqual(loki.violations, []);
  });

  it('records a failed call as an error line', async () => {
    const client = monitorClient();
    fake.reply('errors.429.insufficient_quota');
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4.1', messages }), { status: 429 });
    await monitor?.flush();
    await loki.waitFor((r) => r.count({ level: 'error' }) === 1, 2000);
    assert.equal(loki.lines({ level: 'error' })[0].json?.status, 429);
  });

  it('decodes a push exactly as the independent prometheus-remote-write decoder does', async () => {
    const client = monitorClient();
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor?.flush();
    const push = prometheus.requests.find((r) => r.path === '/api/v1/write' && r.status === 204);
    assert.ok(push, 'no accepted remote-write request');
    const reference = await startReferenceReceiver();
    try {
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < push.rawHeaders.length; i += 2) {
        if (!/^(host|content-length|connection)$/i.test(push.rawHeaders[i])) headers.push([push.rawHeaders[i], push.rawHeaders[i + 1]]);
      }
      const res = await sendRequest(reference.url, { headers, body: push.body });
      assert.equal(res.status, 204, res.body);
      assert.deepEqual(reference.violations, []);
      const canonical = (series: { labels: Record<string, string>; samples: readonly { value: number; timestampMs: number }[] }[]) =>
        series.map((s) => JSON.stringify([Object.entries(s.labels).sort(), s.samples.map((p) => [p.value, p.timestampMs])])).sort();
      const ours = canonical(prometheus.series());
      assert.ok(ours.length > 10, `only ${ours.length} series decoded`);
      assert.deepEqual(ours, canonical(reference.series()));
    } finally {
      await reference.close();
    }
  });
});
