import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { chat_v2, type Monitor } from '../../src/index';
import type { MonitoringError } from '../../src/monitoring-error';
import { loadFixture, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { MIMIR_DEFAULT_LIMITS, mimirLabelRefusal } from '../support/mimir-label-rules';
import { loadOpenAI, newClient } from '../support/openai-sdk';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';

/**
 * Model names come from servers (issue 22 items 4 and 7): whatever a server
 * names, every push is still accepted by a receiver applying Mimir's label
 * rules, and the number of series stays bounded.
 */

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];
const completion = JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString('utf8')) as Record<string, unknown>;

describe(`model names a server makes up (openai ${sdk.version})`, () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let monitors: Monitor[] = [];
  let errors: MonitoringError[] = [];
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
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
    prom = await startRemoteWriteReceiver({ respond: (req) => mimirLabelRefusal(req.body) });
    loki = await startLokiReceiver();
  });
  afterEach(async () => {
    await Promise.all(monitors.map((m) => m.shutdown()));
    monitors = [];
    await prom.close();
    await loki.close();
  });

  function monitored(metricsUrl?: string) {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, {
      metrics_url: metricsUrl ?? prom.url,
      logs_url: loki.url,
      flush_interval_ms: 60_000,
      instance: 'host-a:1',
      on_error: (err) => errors.push(err),
    });
    monitors.push(monitor);
    return { client, monitor };
  }

  /** The server answers every call naming `model`. */
  function serverNames(model: (i: number) => string): void {
    let i = 0;
    fake.replyWith(() => ({ body: { ...completion, model: model(i++) } }));
  }

  it('keeps every later push accepted after a 5,000-character model name and one with a lone surrogate', async () => {
    const { client, monitor } = monitored();
    const names = ['x'.repeat(5000), 'gpt-\uD800-bad', completion.model as string];
    serverNames((i) => names[Math.min(i, names.length - 1)]);
    for (let flush = 0; flush < 4; flush++) {
      await client.chat.completions.create({ model: 'gpt-4.1', messages });
      await monitor.flush();
    }
    const refused = prom.requests.filter((r) => r.status !== 204);
    assert.deepEqual(refused.map((r) => r.status), [], 'Mimir refused a push');
    assert.deepEqual(errors.map((e) => e.message), []);
    assert.deepEqual(prom.violations, []);
    // Every call is in Prometheus, and its line in Loki keeps the name it had.
    assert.equal(prom.series().filter((s) => s.labels.__name__ === 'openai_requestDuration').reduce((n, s) => n + s.samples.length, 0), 4);
    const lines = loki.entries().map((e) => e.json as { response_model: string });
    assert.equal(lines.length, 4);
    assert.equal(lines[0].response_model.length, 5000);
    for (const s of prom.series()) {
      for (const [name, value] of Object.entries(s.labels)) assert.ok(Buffer.byteLength(value) <= 256 * 3, `${name} is ${Buffer.byteLength(value)} bytes`);
    }
    const models = new Set(prom.series().map((s) => s.labels.gen_ai_response_model).filter((m) => m !== undefined));
    assert.ok(models.has('gpt-\uFFFD-bad'), [...models].join(' | ').slice(0, 300));
  });

  it('labels calls of models past 100 distinct names model="other", counting them, with one warning', async () => {
    const { client, monitor } = monitored();
    serverNames((i) => `made-up-model-${i}`);
    const before = warnings.length;
    for (let i = 0; i < 120; i++) await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    // 100 names keep their own value: gpt-4.1 (requested) and the first 99 answered; 21 calls fold.
    const durations = prom.series().filter((s) => s.labels.__name__ === 'openai_requestDuration');
    assert.equal(durations.length, 100, 'one compatible series per answered model kept, one for "other"');
    assert.equal(durations.find((s) => s.labels.model === 'other')?.samples.length, 21);
    assert.equal(durations.reduce((n, s) => n + s.samples.length, 0), 120, 'every call is counted');
    const nativeModels = new Set(prom.series().map((s) => s.labels.gen_ai_response_model).filter((m) => m !== undefined));
    assert.equal(nativeModels.size, 100);
    const calls = prom.series().filter((s) => s.labels.__name__ === 'gen_ai_client_operation_duration_seconds_count' && s.labels.gen_ai_response_model === 'other');
    assert.equal(calls[0]?.samples.at(-1)?.value, 21);
    // Log lines keep the real names.
    assert.equal(new Set(loki.entries().map((e) => (e.json as { response_model: string }).response_model)).size, 120);
    const ours = warnings.slice(before).filter((w) => (w as { code?: string }).code === 'GOM_MODEL_CARDINALITY');
    assert.equal(ours.length, 1);
    assert.ok(warnings.slice(before).length <= 12, `${warnings.slice(before).length} process warnings for 120 models`);
    assert.deepEqual(errors, []);
  });

  it('leaves a series the receiver refuses by name out of later pushes: one refused push, reported once, the rest delivered', async () => {
    // A tenant whose max_label_value_length (100) is below the library's own bound (256 characters).
    const strict = await startRemoteWriteReceiver({ respond: (req) => mimirLabelRefusal(req.body, { ...MIMIR_DEFAULT_LIMITS, maxLabelValueLength: 100 }) });
    try {
      const { client, monitor } = monitored(strict.url);
      const long = `ft:gpt-4o:${'acme-'.repeat(30)}`; // 160 characters
      serverNames((i) => (i === 0 ? long : (completion.model as string)));
      await client.chat.completions.create({ model: 'gpt-4.1', messages });
      await monitor.flush();
      for (let flush = 0; flush < 3; flush++) {
        await client.chat.completions.create({ model: 'gpt-4.1', messages });
        await monitor.flush();
      }
      assert.deepEqual(strict.requests.map((r) => r.status), [400, 204, 204, 204], errors.map((e) => e.message).join('\n'));
      assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
      assert.match(errors[0].message, /left out of later pushes/);
      const good = strict.samplesOf('openai_requestDuration', { model: completion.model as string });
      assert.equal(good.length, 3, 'every later call is in Prometheus');
      const count = strict.series().find((s) => s.labels.__name__ === 'gen_ai_client_operation_duration_seconds_count' && s.labels.gen_ai_response_model === completion.model);
      assert.equal(count?.samples.at(-1)?.value, 3);
      assert.ok(strict.series().every((s) => !Object.values(s.labels).includes(long)));
    } finally {
      await strict.close();
    }
  });
});
