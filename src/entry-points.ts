import { chatCompletionsEndpoint, completionsEndpoint, embeddingsEndpoint, responsesEndpoint } from './instrument/endpoint-spec.js';
import { monitorEndpoints, type Monitor } from './monitor.js';
import type { MonitorOptions } from './monitor-options.js';

/**
 * Chat Completions, as `chat_v2` of the original library: patches
 * `client.chat.completions.create` (streams, `.withResponse()` and
 * `chat.completions.parse()` included). Series and lines carry `source="node_chatv2"`.
 *
 * @example
 * import OpenAI from 'openai';
 * import { chat_v2 } from 'grafana-openai-monitoring';
 * const openai = new OpenAI();
 * chat_v2.monitor(openai, { metrics_url, logs_url, metrics_username, logs_username, access_token });
 */
export const chat_v2 = {
  monitor: (client: object, options: MonitorOptions): Monitor => monitorEndpoints(client, options, [chatCompletionsEndpoint], true),
};

/**
 * Legacy Completions, as `chat_v1` of the original library: patches
 * `client.completions.create`. Series and lines carry `source="node_chatv1"`.
 *
 * @example
 * import { chat_v1 } from 'grafana-openai-monitoring';
 * chat_v1.monitor(openai, options);
 */
export const chat_v1 = {
  monitor: (client: object, options: MonitorOptions): Monitor => monitorEndpoints(client, options, [completionsEndpoint], true),
};

/**
 * The Responses API: patches `client.responses.create` (streams included).
 * Series and lines carry `source="node_responses"`.
 *
 * @example
 * import { responses } from 'grafana-openai-monitoring';
 * responses.monitor(openai, options);
 */
export const responses = {
  monitor: (client: object, options: MonitorOptions): Monitor => monitorEndpoints(client, options, [responsesEndpoint], true),
};

/**
 * Embeddings: patches `client.embeddings.create`. Series and lines carry
 * `source="node_embeddings"`; there are input tokens and cost, no output.
 *
 * @example
 * import { embeddings } from 'grafana-openai-monitoring';
 * embeddings.monitor(openai, options);
 */
export const embeddings = {
  monitor: (client: object, options: MonitorOptions): Monitor => monitorEndpoints(client, options, [embeddingsEndpoint], true),
};

/**
 * Every endpoint the client has that this library knows, in one call: chat
 * completions, legacy completions, responses and embeddings.
 *
 * Every entry point also takes the client class (`OpenAI`, `AzureOpenAI` or a
 * subclass) instead of a client: then every client of that class is
 * monitored, built before or after, including those a framework (LangChain.js,
 * the Agents SDK) builds from the same copy of `openai`.
 *
 * @example
 * import OpenAI from 'openai';
 * import { monitor } from 'grafana-openai-monitoring';
 * const m = monitor(openai, options); // one client
 * const all = monitor(OpenAI, options); // every client of the class
 * await m.shutdown();
 */
export function monitor(client: object, options: MonitorOptions): Monitor {
  return monitorEndpoints(client, options, [chatCompletionsEndpoint, completionsEndpoint, responsesEndpoint, embeddingsEndpoint], false);
}
