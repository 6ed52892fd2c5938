/**
 * The monitored process of busy-process.test.ts: one client with the default
 * 10 s timer and MAX_QUEUE-entry queues, CALLS chat calls on one model through
 * the real SDK to the loopback fake OpenAI, CONCURRENT at a time, as fast as
 * they go; then `shutdown()`. Prints what the app saw, as JSON:
 * the calls, the tokens the responses reported, and the call rate.
 */
import { chat_v2 } from '../../src/index';
import { loadOpenAI } from '../support/openai-sdk';

const CONCURRENT = 64;

async function main(): Promise<void> {
  const env = process.env as Record<string, string>;
  const { OpenAI } = loadOpenAI();
  const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: env.FAKE_OPENAI_URL, maxRetries: 0 });
  const monitor = chat_v2.monitor(client, { metrics_url: env.METRICS_URL, logs_url: env.LOGS_URL, environment: 'busy-process', max_queue: Number(env.MAX_QUEUE) });
  const calls = Number(env.CALLS);
  let started = 0;
  let totalTokens = 0;
  const t0 = Date.now();
  const worker = async (): Promise<void> => {
    while (started < calls) {
      started += 1;
      const completion = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hello' }] });
      totalTokens += completion.usage?.total_tokens ?? 0;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT }, worker));
  const seconds = (Date.now() - t0) / 1000;
  await monitor.shutdown();
  process.stdout.write(`${JSON.stringify({ calls, totalTokens, callsPerSecond: Math.round(calls / seconds) })}\n`);
}

void main();
