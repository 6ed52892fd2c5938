// Testing your app's telemetry with grafana-openai-monitoring/testing: in-memory
// Prometheus remote-write and Loki receivers on loopback, no network, no Docker.
// The OpenAI API is replaced by a stub server, as your own tests may already do.
//
//   node examples/testing-telemetry.test.mjs     (or: node --test examples/)
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { chat_v2 } from 'grafana-openai-monitoring';
import { startLokiReceiver, startRemoteWriteReceiver } from 'grafana-openai-monitoring/testing';

describe('telemetry of the OpenAI calls', () => {
  let stub;
  let prometheus;
  let loki;

  before(async () => {
    // Answers every chat completion with the same usage: 12 prompt + 3 completion tokens.
    stub = createServer((req, res) => {
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id: 'chatcmpl-test', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini-2024-07-18',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
        }));
      });
    });
    await new Promise((resolve) => stub.listen(0, '127.0.0.1', resolve));
    prometheus = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });

  after(async () => {
    await Promise.all([prometheus.close(), loki.close(), new Promise((resolve) => stub.close(resolve))]);
  });

  it('counts, prices and logs each answer', async () => {
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${stub.address().port}/v1` });
    const monitor = chat_v2.monitor(openai, { metrics_url: prometheus.url, logs_url: loki.url, environment: 'test' });

    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
    await monitor.shutdown(); // pushes now, and puts the client back as it was

    const labels = { model: 'gpt-4o-mini-2024-07-18', environment: 'test' };
    assert.equal(prometheus.sum('openai_totalTokens', labels), 15);
    // gpt-4o-mini: $0.15 per 1M input tokens, $0.60 per 1M output tokens
    const [cost] = prometheus.samples('openai_usageCost', labels);
    assert.ok(Math.abs(cost.value - (12 * 0.15 + 3 * 0.6) / 1e6) < 1e-12);

    const [line] = loki.lines({ job: 'integrations/openai', level: 'info' });
    assert.equal(line.json.response, 'Hi!');
    assert.deepEqual(line.json.prompt, [{ role: 'user', content: 'Hello' }]);

    // Every request the library sent followed the remote-write and Loki rules.
    assert.deepEqual([...prometheus.violations, ...loki.violations], []);
  });
});
