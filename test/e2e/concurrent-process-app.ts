/**
 * One of two processes started by two-processes.test.ts: it monitors its own
 * client with default options (so `instance` is `<hostname>:<pid>`), makes
 * CALLS calls and ends; delivery happens at exit.
 */
import { chat_v2 } from '../../src/index';
import { loadOpenAI } from '../support/openai-sdk';

async function main(): Promise<void> {
  const env = process.env as Record<string, string>;
  const { OpenAI } = loadOpenAI();
  const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: env.FAKE_OPENAI_URL, maxRetries: 0 });
  chat_v2.monitor(client, { metrics_url: env.METRICS_URL, logs_url: env.LOGS_URL, environment: 'two-processes', flush_interval_ms: 100 });
  const calls = Number(env.CALLS);
  await Promise.all(Array.from({ length: calls }, () => client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hello' }] })));
  process.stdout.write(`${process.pid}\n`);
}

void main();
