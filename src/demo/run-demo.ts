import OpenAI from 'openai';
import { chat_v1, chat_v2 } from '../entry-points.js';
import type { MonitorOptions } from '../monitor-options.js';
import { startDemoOpenAIServer } from './demo-openai-server.js';
import { startLocalReceivers, type LocalReceivers } from './local-receivers.js';
import { printSummary } from './print-summary.js';

/**
 * `npm run demo`: a monitored workload through the real `openai` SDK against a
 * local OpenAI-compatible server, pushed to local remote-write and Loki
 * receivers, then a print-out of what Grafana would receive. With
 * GRAFANA_METRICS_URL, GRAFANA_LOGS_URL (and GRAFANA_METRICS_USERNAME,
 * GRAFANA_LOGS_USERNAME, GRAFANA_ACCESS_TOKEN for Grafana Cloud) set, it pushes
 * there instead.
 */
function grafanaFromEnvironment(): MonitorOptions | undefined {
  const env = process.env;
  if (env.GRAFANA_METRICS_URL === undefined || env.GRAFANA_LOGS_URL === undefined) return undefined;
  return {
    metrics_url: env.GRAFANA_METRICS_URL,
    logs_url: env.GRAFANA_LOGS_URL,
    metrics_username: env.GRAFANA_METRICS_USERNAME,
    logs_username: env.GRAFANA_LOGS_USERNAME,
    access_token: env.GRAFANA_ACCESS_TOKEN,
  };
}

const QUESTIONS = [
  'What is the capital of France?',
  'Summarise the plot of Hamlet in one sentence.',
  'Write a haiku about dashboards.',
  'Explain remote-write to a five year old, please, with an analogy about the post office and parcels.',
  'rate limit me',
];

async function workload(openai: OpenAI): Promise<{ ok: number; failed: number }> {
  const tally = { ok: 0, failed: 0 };
  const jobs: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < 36; i++) {
    const question = QUESTIONS[i % QUESTIONS.length];
    const model = ['gpt-4o-mini', 'gpt-4.1', 'gpt-5-nano'][i % 3];
    if (i % 4 === 3) {
      jobs.push(async () => {
        const stream = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: question }], stream: true, stream_options: { include_usage: true } });
        for await (const _chunk of stream) {
          // A real app would forward each chunk to its user.
        }
      });
    } else {
      jobs.push(() => openai.chat.completions.create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }] }));
    }
  }
  for (let i = 0; i < 6; i++) jobs.push(() => openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: QUESTIONS[i % 4] }));
  // Eight calls in flight at a time, like a small service under load.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        await job().then(() => (tally.ok += 1), () => (tally.failed += 1));
      }
    }),
  );
  return tally;
}

async function main(): Promise<void> {
  const server = await startDemoOpenAIServer();
  const grafana = grafanaFromEnvironment();
  const receivers: LocalReceivers | undefined = grafana === undefined ? await startLocalReceivers() : undefined;
  const options: MonitorOptions = grafana ?? { metrics_url: receivers!.metricsUrl, logs_url: receivers!.logsUrl, environment: 'demo' };
  console.log(`OpenAI-compatible server: ${server.url}`);
  console.log(`Pushing metrics to ${options.metrics_url}\n        logs to    ${options.logs_url}\n`);

  const openai = new OpenAI({ apiKey: 'sk-demo-not-a-real-key', baseURL: server.url, maxRetries: 0 });
  const monitors = [chat_v2.monitor(openai, options), chat_v1.monitor(openai, options)];
  const started = Date.now();
  const tally = await workload(openai);
  console.log(`The app made ${tally.ok + tally.failed} calls in ${Date.now() - started} ms: ${tally.ok} succeeded, ${tally.failed} failed (as the server chose).\n`);
  await Promise.all(monitors.map((m) => m.shutdown()));
  await server.close();

  if (receivers === undefined) {
    console.log('Pushed to your Grafana endpoints. Open Explore and query openai_usageCost or {job="integrations/openai"}.');
    return;
  }
  printSummary(receivers);
  await receivers.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
