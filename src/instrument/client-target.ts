import { field, text } from './sdk-shapes.js';

/** Where a client sends its calls: the provider name and server address for labels. */
export interface ClientTarget {
  /** OpenTelemetry `gen_ai.provider.name`: `openai`, `azure.ai.openai`, `groq`…, else the server's host. */
  provider: string;
  serverAddress?: string;
  serverPort?: number;
  /** `host:port`, written by observe-call.ts on first use. */
  serverKey?: string;
}

const AZURE_HOST = /(\.openai\.azure\.com|\.cognitiveservices\.azure\.com|\.services\.ai\.azure\.com|\.azure-api\.net)$/;

/** Well-known hosts named as the OpenTelemetry GenAI conventions name their providers. */
const KNOWN_HOSTS: Readonly<Record<string, string>> = {
  'api.openai.com': 'openai',
  'api.groq.com': 'groq',
  'api.deepseek.com': 'deepseek',
  'api.mistral.ai': 'mistral_ai',
  'api.x.ai': 'x_ai',
  'openrouter.ai': 'openrouter',
};

/**
 * Reads the client's `baseURL` (all SDK versions keep it as a public field) and
 * tells OpenAI, Azure OpenAI and OpenAI-compatible servers apart.
 *
 * @example
 * describeClient(new OpenAI()); // { provider: 'openai', serverAddress: 'api.openai.com', serverPort: 443 }
 */
export function describeClient(client: object): ClientTarget {
  const baseURL = text(field(client, 'baseURL'));
  let url: URL | undefined;
  try {
    url = baseURL === undefined ? undefined : new URL(baseURL);
  } catch {
    url = undefined;
  }
  const isAzureClass = client.constructor?.name === 'AzureOpenAI';
  if (url === undefined) return { provider: isAzureClass ? 'azure.ai.openai' : 'openai' };
  const host = url.hostname;
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const provider = isAzureClass || AZURE_HOST.test(host) ? 'azure.ai.openai' : KNOWN_HOSTS[host] ?? host;
  return { provider, serverAddress: host, serverPort: port };
}
