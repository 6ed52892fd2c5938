// Streaming a chat completion on a monitored client.
//
//   OPENAI_API_KEY=sk-…  GRAFANA_METRICS_URL=… GRAFANA_LOGS_URL=… \
//   GRAFANA_METRICS_USERNAME=… GRAFANA_LOGS_USERNAME=… GRAFANA_ACCESS_TOKEN=… node examples/streaming.mjs
//
// OPENAI_BASE_URL points the SDK at any OpenAI-compatible server instead.
import OpenAI from 'openai';
import { chat_v2 } from 'grafana-openai-monitoring';

const openai = new OpenAI(); // reads OPENAI_API_KEY (and OPENAI_BASE_URL when set)
const monitor = chat_v2.monitor(openai, {
  metrics_url: process.env.GRAFANA_METRICS_URL,
  logs_url: process.env.GRAFANA_LOGS_URL,
  metrics_username: process.env.GRAFANA_METRICS_USERNAME,
  logs_username: process.env.GRAFANA_LOGS_USERNAME,
  access_token: process.env.GRAFANA_ACCESS_TOKEN,
});

// This app does not ask for usage: the library adds stream_options.include_usage
// so Grafana gets exact tokens and cost, and hides the extra usage-only chunk,
// so the loop below sees exactly the chunks it would have seen unmonitored.
const stream = await openai.chat.completions.create({
  model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Write a haiku about dashboards.' }],
  stream: true,
});
for await (const chunk of stream) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
}
process.stdout.write('\n');

// The stream was recorded when it ended: duration, time to first chunk, tokens, cost.
// shutdown() pushes it now rather than at the next flush interval.
await monitor.shutdown();
