import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { chat_v2, type Monitor } from '../../src/index';
import type { MonitoringError } from '../../src/monitoring-error';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { loadOpenAI } from '../support/openai-sdk';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';

/**
 * The client's own API key never reaches Loki, Prometheus, on_error or a
 * process warning, whatever its shape and however a provider or proxy echoes
 * it (issue 22 item 5; DESIGN §3 rule 6).
 */

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const completion = JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8')) as { choices: { message: { content: string } }[] };

const KEYS = {
  'an Azure key (32 hex digits)': '0123456789abcdef0123456789abcdef',
  'a Groq key': 'gsk_Zk3mQ9vLw2Xr8TnB4yHc6JdF1sPqE7uA5oGiK0lMnVbCxZaSdRt',
  'an OpenRouter key with URL-special characters': 'or-v1-9f8e7d6c5b4a+3921/00ffee=ddccbbaa',
  'a bare key of a self-hosted server': 'local-deployment-secret-2026',
};

/** Every form of `key` that must not appear: raw, JSON-escaped, URL-encoded, and the base64 of a basic-auth echo. */
function forms(key: string): string[] {
  return [key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key), Buffer.from(`apikey:${key}`).toString('base64'), Buffer.from(key).toString('base64').slice(0, 16)];
}

describe(`the client's API key in what is pushed (openai ${sdk.version})`, () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let monitors: Monitor[] = [];
  let errors: MonitoringError[] = [];
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w.message);
  };

  before(async () => {
    fake = await startFakeOpenAI();
    process.on('warning', onWarning);
  });
  after(async () => {
    process.off('warning', onWarning);
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    errors = [];
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  afterEach(async () => {
    await Promise.all(monitors.map((m) => m.shutdown()));
    monitors = [];
    await prom.close();
    await loki.close();
  });

  /** A proxy that echoes the key every way it can: in an error, as the model name, in the answer's text. */
  function echoingServer(key: string): void {
    let n = 0;
    fake.replyWith(() => {
      n += 1;
      if (n === 1) {
        const message = `proxy refused key ${key}; Authorization: Basic ${Buffer.from(`apikey:${key}`).toString('base64')}; upstream https://llm.internal/v1?key=${encodeURIComponent(key)}`;
        return { status: 400, body: { error: { message, type: 'invalid_request_error', param: null, code: 'bad_key' } } };
      }
      return { body: { ...completion, model: `${key}-model`, choices: [{ ...completion.choices[0], message: { role: 'assistant', content: `your key is ${key}` } }] } };
    });
  }

  function assertNowhere(key: string): void {
    const pushed = [
      ...loki.requests.map((r) => r.body.toString('utf8')),
      ...prom.series().flatMap((s) => Object.values(s.labels)),
      ...errors.map((e) => e.message),
      ...warnings,
    ].join('\n');
    for (const form of forms(key)) assert.ok(!pushed.includes(form), `${JSON.stringify(form)} was pushed or reported`);
  }

  for (const [shape, key] of Object.entries(KEYS)) {
    it(`never pushes ${shape}, in any encoding`, async () => {
      const client = new sdk.OpenAI({ apiKey: key, baseURL: fake.url, maxRetries: 0 });
      const monitor = chat_v2.monitor(client, {
        metrics_url: prom.url,
        logs_url: loki.url,
        flush_interval_ms: 60_000,
        structured_metadata: true,
        on_error: (err) => errors.push(err),
      });
      monitors.push(monitor);
      echoingServer(key);
      await assert.rejects(client.chat.completions.create({ model: 'gpt-4.1', messages }));
      const answer = await client.chat.completions.create({ model: 'gpt-4.1', messages });
      assert.equal(answer.choices[0].message.content, `your key is ${key}`, 'the app still gets what the server said');
      await monitor.flush();
      const lines = loki.entries();
      assert.equal(lines.length, 2);
      assert.match(lines[0].line, /proxy refused key \[redacted\]/);
      assert.match(lines[1].line, /your key is \[redacted\]/);
      assert.ok(prom.series().some((s) => s.labels.model === '[redacted]-model'), 'the model label is kept, without the key');
      assertNowhere(key);
    });
  }

  it('never pushes the api-key of an AzureOpenAI client', async () => {
    const key = KEYS['an Azure key (32 hex digits)'];
    const client = new sdk.AzureOpenAI({ apiKey: key, endpoint: fake.origin, apiVersion: '2024-10-21', deployment: 'gpt-4o', maxRetries: 0 });
    const monitor = chat_v2.monitor(client, { metrics_url: prom.url, logs_url: loki.url, flush_interval_ms: 60_000, on_error: (err) => errors.push(err) });
    monitors.push(monitor);
    echoingServer(key);
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages }));
    await client.chat.completions.create({ model: 'gpt-4o', messages });
    assert.equal(fake.requests[0].headers['api-key'], key, 'the key travelled as Azure sends it');
    await monitor.flush();
    assert.equal(loki.entries().length, 2);
    assertNowhere(key);
  });
});
