// Azure OpenAI: the same monitor on an AzureOpenAI client.
//
//   AZURE_OPENAI_ENDPOINT=https://my-resource.openai.azure.com AZURE_OPENAI_API_KEY=… \
//   AZURE_OPENAI_DEPLOYMENT=gpt-4o-mini OPENAI_API_VERSION=2024-10-21 \
//   GRAFANA_METRICS_URL=… GRAFANA_LOGS_URL=… GRAFANA_METRICS_USERNAME=… GRAFANA_LOGS_USERNAME=… \
//   GRAFANA_ACCESS_TOKEN=… node examples/azure-openai.mjs
import { AzureOpenAI } from 'openai';
import { chat_v2 } from 'grafana-openai-monitoring';

const deployment = process.env.AZURE_OPENAI_DEPLOYMENT ?? 'gpt-4o-mini';
// Reads AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY.
const openai = new AzureOpenAI({ deployment, apiVersion: process.env.OPENAI_API_VERSION ?? '2024-10-21' });

const monitor = chat_v2.monitor(openai, {
  metrics_url: process.env.GRAFANA_METRICS_URL,
  logs_url: process.env.GRAFANA_LOGS_URL,
  metrics_username: process.env.GRAFANA_METRICS_USERNAME,
  logs_username: process.env.GRAFANA_LOGS_USERNAME,
  access_token: process.env.GRAFANA_ACCESS_TOKEN,
  // Calls are priced by the model the response names (Azure names such as
  // gpt-35-turbo resolve). A model the built-in table lacks gets no cost sample
  // unless you price it here, in USD per 1M tokens:
  prices: { 'my-finetuned-gpt-4o': { input: 3.75, output: 15, cachedInput: 1.875 } },
});

const completion = await openai.chat.completions.create({
  model: deployment, // on Azure the deployment, not the model, picks what runs
  messages: [{ role: 'user', content: 'In one sentence: why measure LLM cost per request?' }],
});
console.log(completion.choices[0].message.content);

// Series and lines carry gen_ai_provider_name="azure.ai.openai" and the Azure host as server_address.
await monitor.shutdown();
