// Graceful shutdown of a long-running worker: on SIGTERM (Kubernetes, systemd,
// docker stop) or Ctrl-C, finish the call in flight, push the telemetry still
// buffered, and exit on its own.
//
//   OPENAI_API_KEY=sk-… GRAFANA_METRICS_URL=… GRAFANA_LOGS_URL=… GRAFANA_METRICS_USERNAME=… \
//   GRAFANA_LOGS_USERNAME=… GRAFANA_ACCESS_TOKEN=… node examples/graceful-shutdown.mjs
import OpenAI from 'openai';
import { monitor } from 'grafana-openai-monitoring';

const openai = new OpenAI();
// monitor() patches every endpoint the client has: chat, completions, responses, embeddings.
const monitoring = monitor(openai, {
  metrics_url: process.env.GRAFANA_METRICS_URL,
  logs_url: process.env.GRAFANA_LOGS_URL,
  metrics_username: process.env.GRAFANA_METRICS_USERNAME,
  logs_username: process.env.GRAFANA_LOGS_USERNAME,
  access_token: process.env.GRAFANA_ACCESS_TOKEN,
  shutdown_timeout_ms: 5000, // the longest shutdown() waits for an endpoint that does not answer
});

let stopping = false;
let calls = 0;

async function work() {
  while (!stopping) {
    await openai.chat.completions.create({
      model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
      messages: [{ role: 'user', content: `Give me fact number ${calls + 1} about observability.` }],
    });
    calls += 1;
    console.log(`call ${calls} done`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const worker = work();

async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing the call in flight`);
  await worker.catch((error) => console.error('the last call failed:', error.message));
  // Pushes what is buffered (at most shutdown_timeout_ms) and restores the client's methods.
  await monitoring.shutdown();
  console.log(`telemetry for ${calls} calls pushed; exiting`);
  // Nothing is left to keep the process alive: it exits with code 0 on its own.
}
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
