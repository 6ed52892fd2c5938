// A serverless function (AWS Lambda style) with monitored OpenAI calls.
//
// The runtime freezes the process as soon as the handler returns and thaws it
// for the next invocation, or never: timers do not fire while it is frozen, and
// a frozen environment is discarded without any exit event. So the background
// flush (every flush_interval_ms) and the delivery at process exit cannot be
// relied on: the handler awaits monitoring.flush() before it returns. flush()
// resolves once the telemetry is pushed, or after timeout_ms at most when an
// endpoint is down (its retries carry on at the next invocation), and never
// throws: a Grafana outage never fails the function.
//
// Configure with the environment variables OPENAI_API_KEY, GRAFANA_METRICS_URL,
// GRAFANA_LOGS_URL, GRAFANA_METRICS_USERNAME, GRAFANA_LOGS_USERNAME and
// GRAFANA_ACCESS_TOKEN; deploy with `handler` as the entry point
// (serverless-handler.handler).
import OpenAI from 'openai';
import { chat_v2 } from 'grafana-openai-monitoring';

// Outside the handler: created once per environment, reused while it is warm.
const openai = new OpenAI();
const monitoring = chat_v2.monitor(openai, {
  metrics_url: process.env.GRAFANA_METRICS_URL,
  logs_url: process.env.GRAFANA_LOGS_URL,
  metrics_username: process.env.GRAFANA_METRICS_USERNAME,
  logs_username: process.env.GRAFANA_LOGS_USERNAME,
  access_token: process.env.GRAFANA_ACCESS_TOKEN,
  environment: process.env.GRAFANA_ENVIRONMENT ?? 'lambda',
  timeout_ms: 2000, // the longest flush() below can add to an invocation
});

/** event: `{ questions: string[] }`; answers each with one chat call. */
export async function handler(event) {
  try {
    const answers = [];
    for (const question of event?.questions ?? ['What is observability?']) {
      const completion = await openai.chat.completions.create({
        model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
        messages: [{ role: 'user', content: question }],
      });
      answers.push(completion.choices[0]?.message?.content ?? '');
    }
    return { statusCode: 200, body: JSON.stringify({ answers }) };
  } finally {
    // Before the runtime freezes the process: push this invocation's telemetry.
    await monitoring.flush();
  }
}
