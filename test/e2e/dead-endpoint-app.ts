/**
 * A small app run in its own process by dead-endpoints.test.ts: it makes
 * unmonitored calls, then monitored ones, pushing to endpoints that are down,
 * prints what it saw as JSON, and simply returns: the process must then exit on
 * its own.
 */
import { performance } from 'node:perf_hooks';
import { chat_v2 } from '../../src/index';
import { loadOpenAI } from '../support/openai-sdk';

async function timedCalls(client: { chat: { completions: { create(body: object): Promise<unknown> } } }, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hello' }] });
    times.push(performance.now() - start);
  }
  return times;
}

async function main(): Promise<void> {
  const env = process.env as Record<string, string>;
  const { OpenAI } = loadOpenAI();
  const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: env.FAKE_OPENAI_URL, maxRetries: 0 });
  const unhandled: string[] = [];
  process.on('unhandledRejection', (reason) => unhandled.push(String(reason)));
  const calls = Number(env.CALLS);
  const baseline = await timedCalls(client, calls);
  chat_v2.monitor(client, {
    metrics_url: env.METRICS_URL,
    logs_url: env.LOGS_URL,
    metrics_username: '1',
    logs_username: '2',
    access_token: 'glc_never_printed_secret',
    flush_interval_ms: 50,
    timeout_ms: Number(env.TIMEOUT_MS),
    shutdown_timeout_ms: Number(env.SHUTDOWN_TIMEOUT_MS),
  });
  const monitored = await timedCalls(client, calls);
  process.on('exit', () => {
    process.stdout.write(`${JSON.stringify({ baseline, monitored, lastCallEndMs: lastCallEnd, exitMs: Date.now(), unhandled })}\n`);
  });
  const lastCallEnd = Date.now();
}

void main();
