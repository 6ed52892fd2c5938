import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths';

/**
 * The ES module build has no `require` of its own, so it loads the optional
 * `@opentelemetry/api` by another path than the CommonJS build (optional-peer.ts).
 * This runs dist/esm as an ESM app does, with the real API, SDK tracer and
 * context manager imported as ES modules, and checks the call's line names its span.
 */
const app = `
  import http from 'node:http';
  import { context, trace } from '@opentelemetry/api';
  import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
  import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
  import OpenAI from 'openai';
  import { chat_v2 } from './dist/esm/index.js';
  import { startRemoteWriteReceiver, startLokiReceiver } from './dist/esm/testing/index.js';

  new BasicTracerProvider().register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4.1-2025-04-14',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const prom = await startRemoteWriteReceiver();
  const loki = await startLokiReceiver();
  const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: 'http://127.0.0.1:' + server.address().port + '/v1' });
  const monitor = chat_v2.monitor(client, { metrics_url: prom.url, logs_url: loki.url });
  const span = await trace.getTracer('esm-app').startActiveSpan('answer', async (span) => {
    await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
    span.end();
    return span;
  });
  await monitor.shutdown();
  const [line] = loki.lines();
  console.log(JSON.stringify({ expected: span.spanContext(), got: { trace_id: line.json.trace_id, span_id: line.json.span_id } }));
  await prom.close(); await loki.close(); server.close(); context.disable();
`;

describe('the ES module build with @opentelemetry/api installed', () => {
  it("puts the active span's ids in the line, as the CommonJS build does", () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', app], { cwd: repoRoot, encoding: 'utf8' });
    const { expected, got } = JSON.parse(out) as { expected: { traceId: string; spanId: string }; got: { trace_id?: string; span_id?: string } };
    assert.match(expected.traceId, /^[0-9a-f]{32}$/);
    assert.deepEqual(got, { trace_id: expected.traceId, span_id: expected.spanId });
  });
});
