/**
 * A server-style app run in its own process by process-signals.test.ts: an
 * HTTP server keeps it alive, it makes CALLS chat calls with the real SDK,
 * prints READY, and waits for a signal.
 *
 * env: FAKE_OPENAI_URL, METRICS_URL, LOGS_URL, CALLS, SHUTDOWN_TIMEOUT_MS,
 * MONITORED (`0` for the unmonitored control), HANDLER (`own`: the app
 * handles SIGTERM itself and keeps serving: it makes CALLS more calls, prints
 * STILL SERVING, and only then closes its server), HANDLE_SIGNALS (`0` sets
 * the option off), TWO_COPIES (`1`: a second copy of the library, the
 * package's CommonJS build, monitors a second client too).
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chat_v2 } from '../../src/index';
import { loadOpenAI } from '../support/openai-sdk';

async function calls(client: { chat: { completions: { create(body: object): Promise<unknown> } } }, n: number, from: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: `call ${from + i}` }] });
  }
}

async function main(): Promise<void> {
  const env = process.env as Record<string, string>;
  const { OpenAI } = loadOpenAI();
  const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: env.FAKE_OPENAI_URL, maxRetries: 0 });
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  if (env.MONITORED !== '0') {
    chat_v2.monitor(client, {
      metrics_url: env.METRICS_URL,
      logs_url: env.LOGS_URL,
      instance: `signal-app:${process.pid}`,
      flush_interval_ms: 600_000, // the signal comes before the first flush
      timeout_ms: 1_000,
      shutdown_timeout_ms: Number(env.SHUTDOWN_TIMEOUT_MS),
      on_error: (err) => console.log(`ERROR ${err.code} ${err.signal ?? ''}`),
      ...(env.HANDLE_SIGNALS === '0' ? { handle_signals: false } : {}),
    });
  }
  const n = Number(env.CALLS);
  if (env.TWO_COPIES === '1') {
    // The package's CommonJS build beside the one above: two copies of the library in one process.
    const other = require(join(__dirname, '../../../dist/cjs/index.js')) as typeof import('../../src/index');
    const second = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: env.FAKE_OPENAI_URL, maxRetries: 0 });
    other.chat_v2.monitor(second, {
      metrics_url: env.METRICS_URL,
      logs_url: env.LOGS_URL,
      instance: `signal-app-copy:${process.pid}`,
      flush_interval_ms: 600_000,
      shutdown_timeout_ms: Number(env.SHUTDOWN_TIMEOUT_MS),
    });
    await calls(second, n, 0);
  }
  if (env.HANDLER === 'own') {
    process.on('SIGTERM', () => {
      console.log('APP GOT SIGTERM');
      void calls(client, n, n).then(() => {
        console.log('STILL SERVING');
        setTimeout(() => server.close(), 200);
      });
    });
  }
  await calls(client, n, 0);
  console.log(`PID ${process.pid}`);
  console.log('READY');
}

void main();
