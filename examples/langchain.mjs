// LangChain.js: monitor the OpenAI class, and the client LangChain builds is monitored.
//
//   npm install @langchain/openai grafana-openai-monitoring
//   OPENAI_API_KEY=sk-…  GRAFANA_METRICS_URL=… GRAFANA_LOGS_URL=… \
//   GRAFANA_METRICS_USERNAME=… GRAFANA_LOGS_USERNAME=… GRAFANA_ACCESS_TOKEN=… node examples/langchain.mjs
//
// OPENAI_BASE_URL points the SDK at any OpenAI-compatible server instead.
// `npm ls openai` must show one copy of openai: LangChain builds its client from
// the copy it resolves, and that is the class to hand to monitor() (README, "Frameworks").
import OpenAI from 'openai';
import { monitor } from 'grafana-openai-monitoring';
import { ChatOpenAI } from '@langchain/openai';

// The class, not a client: every client of it is monitored, LangChain's included.
const telemetry = monitor(OpenAI, {
  metrics_url: process.env.GRAFANA_METRICS_URL,
  logs_url: process.env.GRAFANA_LOGS_URL,
  metrics_username: process.env.GRAFANA_METRICS_USERNAME,
  logs_username: process.env.GRAFANA_LOGS_USERNAME,
  access_token: process.env.GRAFANA_ACCESS_TOKEN,
});

// ChatOpenAI reads OPENAI_API_KEY (and the SDK OPENAI_BASE_URL) and builds its own OpenAI client.
const model = new ChatOpenAI({ model: process.env.OPENAI_MODEL ?? 'gpt-4.1' });

const answer = await model.invoke('Write a haiku about dashboards.');
console.log(answer.content);

// LangChain asks for stream usage itself; Grafana gets the tokens and cost of this call too.
for await (const chunk of await model.stream('And one about logs.')) process.stdout.write(String(chunk.content));
process.stdout.write('\n');

// Both calls are pushed now rather than at the next flush interval.
await telemetry.shutdown();
