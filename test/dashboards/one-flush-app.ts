/**
 * A short-lived app run in its own process by short-lived-process.test.ts, as
 * a CLI, a cron job or a batch script is: it makes 20 calls through the real
 * `openai` SDK with the monitor on, awaits `flush()` once, prints what it did
 * as JSON and returns, so the process exits by itself.
 *
 * The 20 calls: 12 chat, 2 streamed chat, 2 Responses calls with cached input,
 * 2 chat calls to a model without a price, and 2 chat calls that fail (429, 500).
 */
import { monitor } from '../../src/index';
import { loadOpenAI } from '../support/openai-sdk';

async function main(): Promise<void> {
  const env = process.env as Record<string, string>;
  const { OpenAI } = loadOpenAI();
  const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: env.FAKE_OPENAI_URL, maxRetries: 0 });
  const watched = monitor(client, {
    metrics_url: env.METRICS_URL,
    logs_url: env.LOGS_URL,
    environment: env.ENVIRONMENT,
    flush_interval_ms: 3_600_000, // one flush: the one below
  });
  const messages = [{ role: 'user' as const, content: 'Say hello' }];
  let calls = 0;
  let failed = 0;
  for (let i = 0; i < 12; i++, calls++) await client.chat.completions.create({ model: 'gpt-4.1', messages });
  for (let i = 0; i < 2; i++, calls++) {
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true })) void chunk;
  }
  for (let i = 0; i < 2; i++, calls++) {
    await client.responses.create({ model: 'gpt-4.1', input: 'This was a large input...' }, { headers: { 'x-fixture': 'responses.cached-input.gpt-4.1' } });
  }
  for (let i = 0; i < 2; i++, calls++) await client.chat.completions.create({ model: env.UNPRICED_MODEL, messages });
  for (const fixture of ['errors.429.rate_limit_exceeded.ASSEMBLED', 'errors.500.server_error']) {
    calls++;
    await client.chat.completions.create({ model: 'gpt-4.1', messages }, { headers: { 'x-fixture': fixture } }).then(
      () => undefined,
      () => void (failed += 1),
    );
  }
  await watched.flush();
  process.stdout.write(`${JSON.stringify({ calls, failed, flushedAtMs: Date.now() })}\n`);
}

void main();
