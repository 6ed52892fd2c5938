import OpenAI from 'openai';
import { chat_v1, chat_v2 } from '../entry-points.js';
import { resolveOptions, type MonitorOptions } from '../monitor-options.js';
import { startLokiReceiver } from '../testing/loki-receiver.js';
import { startRemoteWriteReceiver } from '../testing/remote-write-receiver.js';
import { startDemoOpenAIServer } from './demo-openai-server.js';
import { formatDelivery, watchDelivery } from './delivery-report.js';
import { nextSteps } from './next-steps.js';
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
  'rate limit me', // answered 429 by the demo server: errors show in Grafana too
];

/** The workload's prompt the demo server answers with a 429, as OpenAI does over a rate limit. */
const RATE_LIMITED = 'rate limit me';

interface Tally {
  ok: number;
  /** 429s of the demo server, asked for by RATE_LIMITED. */
  rateLimited: number;
  /** Anything else: not part of the plan. */
  failed: number;
}

async function workload(openai: OpenAI): Promise<Tally> {
  const tally: Tally = { ok: 0, rateLimited: 0, failed: 0 };
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
        await job().then(
          () => (tally.ok += 1),
          (error: unknown) => ((error as { status?: unknown } | null)?.status === 429 ? (tally.rateLimited += 1) : (tally.failed += 1)),
        );
      }
    }),
  );
  return tally;
}

/** How the demo ended: the CLI exits non-zero unless `clean`. */
export interface DemoOutcome {
  /** Every sample and log line was accepted: nothing refused, nothing dropped. */
  readonly clean: boolean;
}

/**
 * Runs the demo and prints its summary on stdout; rejects on a failure of the
 * demo itself (never because a call of the workload failed: some fail on
 * purpose). Resolves `clean: false` when an endpoint refused or dropped telemetry.
 *
 * @example
 * const { clean } = await runDemo(); // local receivers
 * await runDemo({ GRAFANA_METRICS_URL: '…', GRAFANA_LOGS_URL: '…', … }); // your Grafana stack
 */
export async function runDemo(env: NodeJS.ProcessEnv = process.env): Promise<DemoOutcome> {
  const grafana = grafanaFromEnvironment(env);
  // Incomplete GRAFANA_* settings fail here, before anything is started that would keep the process alive.
  if (grafana !== undefined) resolveOptions(grafana);
  const server = await startDemoOpenAIServer();
  const receivers = grafana === undefined ? { prometheus: await startRemoteWriteReceiver(), loki: await startLokiReceiver() } : undefined;
  try {
    const options: MonitorOptions = grafana ?? { metrics_url: receivers!.prometheus.url, logs_url: receivers!.loki.url, environment: 'demo' };
    console.log(`OpenAI-compatible server: ${server.url}`);
    console.log(`Pushing metrics to ${options.metrics_url}\n        logs to    ${options.logs_url}\n`);

    const openai = new OpenAI({ apiKey: 'sk-demo-not-a-real-key', baseURL: server.url, maxRetries: 0 });
    const monitors = [chat_v2.monitor(openai, options), chat_v1.monitor(openai, options)];
    const delivery = watchDelivery(resolveOptions(options));
    const started = Date.now();
    const tally = await workload(openai);
    const calls = tally.ok + tally.rateLimited + tally.failed;
    console.log(
      `The app made ${calls} calls in ${Date.now() - started} ms: ${tally.ok} answered, ${tally.rateLimited} got a deliberate 429 ` +
        `(the local server rate-limits the prompt "${RATE_LIMITED}", as OpenAI does over a limit, so errors show in Grafana too)` +
        `${tally.failed > 0 ? `, ${tally.failed} failed otherwise` : ''}.\n`,
    );
    await Promise.all(monitors.map((m) => m.shutdown()));
    const report = await delivery.finish();

    console.log(`What each endpoint did with the telemetry:\n${formatDelivery(report)}\n`);
    if (receivers !== undefined) printSummary(receivers.prometheus, receivers.loki, calls);
    console.log(`${receivers === undefined ? '' : '\n'}${nextSteps(receivers === undefined ? 'stack' : 'local', report.clean)}`);
    return { clean: report.clean };
  } finally {
    await Promise.all([server.close(), receivers?.prometheus.close(), receivers?.loki.close()]);
  }
}
