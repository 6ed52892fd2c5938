import OpenAI from 'openai';
import { chat_v1, chat_v2 } from '../entry-points.js';
import type { MonitorOptions } from '../monitor-options.js';
import { startLokiReceiver } from '../testing/loki-receiver.js';
import { startRemoteWriteReceiver } from '../testing/remote-write-receiver.js';
import { startDemoOpenAIServer } from './demo-openai-server.js';
import { printSummary } from './print-summary.js';

/**
 * `npm run demo` (`grafana-openai-monitoring demo`): a monitored workload
 * through the real `openai` SDK against a local OpenAI-compatible server,
 * pushed to the in-memory receivers of `grafana-openai-monitoring/testing`,
 * then a print-out of what Grafana would receive. With GRAFANA_METRICS_URL,
 * GRAFANA_LOGS_URL (and GRAFANA_METRICS_USERNAME, GRAFANA_LOGS_USERNAME,
 * GRAFANA_ACCESS_TOKEN for Grafana Cloud) set, it pushes there instead.
 */
function grafanaFromEnvironment(env: NodeJS.ProcessEnv): MonitorOptions | undefined {
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

/**
 * Runs the demo and prints its summary on stdout; rejects on a failure of the
 * demo itself (never because a call of the workload failed: some fail on purpose).
 *
 * @example
 * await runDemo(); // local receivers
 * await runDemo({ GRAFANA_METRICS_URL: '…', GRAFANA_LOGS_URL: '…', … }); // your Grafana stack
 */
export async function runDemo(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const server = await startDemoOpenAIServer();
  const grafana = grafanaFromEnvironment(env);
  const receivers = grafana === undefined ? { prometheus: await startRemoteWriteReceiver(), loki: await startLokiReceiver() } : undefined;
  const options: MonitorOptions = grafana ?? { metrics_url: receivers!.prometheus.url, logs_url: receivers!.loki.url, environment: 'demo' };
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
  printSummary(receivers.prometheus, receivers.loki);
  await Promise.all([receivers.prometheus.close(), receivers.loki.close()]);
}
