import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat_v2 } from '../../src/index';
import { resolveOptions } from '../../src/monitor-options';
import { MonitoringError } from '../../src/monitoring-error';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver';
import { newClient } from '../support/openai-sdk';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver';

/** Every label name that lands in Prometheus or Loki is one a user label may not take (issue 22 item 8). */
describe('label names the library writes', () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  before(async () => {
    [fake, prom, loki] = await Promise.all([startFakeOpenAI(), startRemoteWriteReceiver(), startLokiReceiver()]);
  });
  after(() => Promise.all([fake.close(), prom.close(), loki.close()]));

  it('are all refused as user labels, naming the option', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, { metrics_url: prom.url, logs_url: loki.url, flush_interval_ms: 60_000, labels: { team: 'search' } });
    const messages = [{ role: 'user' as const, content: 'Say hello' }];
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    for await (const _chunk of await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }));
    fake.reply('errors.429.rate_limit_exceeded.ASSEMBLED');
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4.1', messages }));
    await monitor.flush();
    await monitor.shutdown();
    const names = new Set<string>();
    for (const s of prom.series()) for (const name of Object.keys(s.labels)) names.add(name);
    for (const e of loki.entries()) for (const name of Object.keys(e.labels)) names.add(name);
    names.delete('__name__');
    names.delete('team');
    for (const expected of ['le', 'server_address', 'error_type', 'gen_ai_token_type', 'level', 'model']) assert.ok(names.has(expected), `${expected} was not seen`);
    const base = { metrics_url: prom.url, logs_url: loki.url };
    for (const name of names) {
      assert.throws(() => resolveOptions({ ...base, labels: { [name]: 'x' } }), (err: unknown) => err instanceof MonitoringError && err.option === 'labels' && err.message.includes(name), name);
    }
  });
});
