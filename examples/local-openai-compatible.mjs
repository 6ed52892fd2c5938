// A local OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp) by baseURL.
//
//   ollama serve & ollama pull llama3.2
//   GRAFANA_METRICS_URL=http://localhost:9090/api/v1/write GRAFANA_LOGS_URL=http://localhost:3100 \
//   node examples/local-openai-compatible.mjs
//
// A local Prometheus (started with --web.enable-remote-write-receiver) and Loki
// need no credentials: leave the GRAFANA_*_USERNAME and GRAFANA_ACCESS_TOKEN unset.
import OpenAI from 'openai';
import { chat_v2 } from 'grafana-openai-monitoring';

const openai = new OpenAI({
  baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:11434/v1', // vLLM: http://localhost:8000/v1
  apiKey: process.env.OPENAI_API_KEY ?? 'local', // the SDK needs one; Ollama ignores it
});
const model = process.env.OPENAI_MODEL ?? 'llama3.2';

const monitor = chat_v2.monitor(openai, {
  metrics_url: process.env.GRAFANA_METRICS_URL,
  logs_url: process.env.GRAFANA_LOGS_URL,
  metrics_username: process.env.GRAFANA_METRICS_USERNAME,
  logs_username: process.env.GRAFANA_LOGS_USERNAME,
  access_token: process.env.GRAFANA_ACCESS_TOKEN,
  environment: 'local',
  // A self-hosted model has no list price, so no cost would be sent (never a
  // made-up $0). Give it yours, e.g. your GPU cost per 1M tokens, or 0:
  prices: { [model]: { input: 0, output: 0 } },
});

const completion = await openai.chat.completions.create({
  model,
  messages: [{ role: 'user', content: 'Name three things a dashboard should show about an LLM service.' }],
});
console.log(completion.choices[0].message.content);

// Recorded with gen_ai_provider_name and server_address = the server's host (localhost).
await monitor.shutdown();
