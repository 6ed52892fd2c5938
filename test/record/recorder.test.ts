import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chat_v2 } from '../../src/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { newClient } from '../support/openai-sdk.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';

// Lines are serialised at the flush, seconds after the call (issue 6); what
// they say must still be what the call sent and got.
describe('a log line written at the flush', () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  before(async () => {
    fake = await startFakeOpenAI();
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  after(async () => {
    await fake.close();
    await prom.close();
    await loki.close();
  });

  it('carries the messages as they were sent, even when the app changes them before the flush', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, { metrics_url: prom.url, logs_url: loki.url, instance: 'recorder-test:1', flush_interval_ms: 60_000 });
    try {
      // A chat app keeps one conversation array and edits it between turns.
      const messages: { role: string; content: string }[] = [{ role: 'user', content: 'first question' }];
      const reply = await client.chat.completions.create({ model: 'gpt-4.1', messages } as never);
      messages[0].content = 'edited afterwards';
      messages.push({ role: 'assistant', content: 'later turn' });
      await monitor.flush();
      const lines = loki.entries().map((e) => e.json as { prompt?: unknown; response?: unknown });
      assert.equal(lines.length, 1);
      assert.deepEqual(lines[0].prompt, [{ role: 'user', content: 'first question' }]);
      assert.equal(lines[0].response, (reply as { choices: { message: { content: string } }[] }).choices[0].message.content);
    } finally {
      await monitor.shutdown();
    }
  });
});
