// The OpenAI Agents SDK: monitor the OpenAI class, and every model call of every run is monitored.
//
//   npm install @openai/agents zod grafana-openai-monitoring
//   OPENAI_API_KEY=sk-…  GRAFANA_METRICS_URL=… GRAFANA_LOGS_URL=… \
//   GRAFANA_METRICS_USERNAME=… GRAFANA_LOGS_USERNAME=… GRAFANA_ACCESS_TOKEN=… node examples/openai-agents.mjs
//
// OPENAI_BASE_URL points the SDK at any OpenAI-compatible server instead.
// `npm ls openai` must show one copy of openai: the Agents SDK builds its client
// from the copy it resolves, and that is the class to hand to monitor() (README, "Frameworks").
import OpenAI from 'openai';
import { monitor } from 'grafana-openai-monitoring';
import { Agent, run, setTracingDisabled, tool } from '@openai/agents';
import { z } from 'zod';

// The class, not a client: the client the Agents SDK builds is monitored.
const telemetry = monitor(OpenAI, {
  metrics_url: process.env.GRAFANA_METRICS_URL,
  logs_url: process.env.GRAFANA_LOGS_URL,
  metrics_username: process.env.GRAFANA_METRICS_USERNAME,
  logs_username: process.env.GRAFANA_LOGS_USERNAME,
  access_token: process.env.GRAFANA_ACCESS_TOKEN,
});
// The Agents SDK sends its traces to api.openai.com; a local server has no use for them.
if (process.env.OPENAI_BASE_URL) setTracingDisabled(true);

const getWeather = tool({
  name: 'get_current_weather',
  description: 'The weather in a city',
  parameters: z.object({ location: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }),
  execute: async ({ location, unit }) => `72 degrees ${unit} and sunny in ${location}`,
});
const agent = new Agent({
  name: 'Weather',
  instructions: 'You answer weather questions.',
  model: process.env.OPENAI_MODEL ?? 'gpt-4.1',
  tools: [getWeather],
});

// One run, several Responses API calls (the tool call, then the answer): each is one call in Grafana.
const result = await run(agent, 'What is the weather in Boston?');
console.log(result.finalOutput);

// A streamed run: the stream is recorded when it ends, with its usage.
const stream = await run(agent, 'And in Paris?', { stream: true });
for await (const text of stream.toTextStream()) process.stdout.write(text);
await stream.completed;
process.stdout.write('\n');

await telemetry.shutdown();
