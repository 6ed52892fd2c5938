import { endpointKind, type EndpointKind, type FakeOpenAI, type Fixture, type FixtureRecord } from './fake-openai-server.js';
import { loadOpenAI, newClient, type OpenAIClient } from './openai-sdk.js';

/**
 * How a recorded fixture is replayed through the SDK: the request the fixture
 * answered, a client that reaches the fake on the path shape it was captured
 * on (Azure deployments, third-party prefixes), and the SDK call for its
 * endpoint. Shared by the fake's own fidelity test and the monitored replay.
 */

export const API_KEY = 'sk-test-not-a-secret';

/** SSE events parsed from the wire text with the rules of the HTML SSE spec, independently of the SDK. */
export function sseEvents(text: string): Array<{ event: string | undefined; data: string }> {
  const events: Array<{ event: string | undefined; data: string }> = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'event') event = value;
      if (name === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return events;
}

function firstModel(f: Fixture): string {
  const text = f.body.toString('utf8');
  const json = f.record.stream ? sseEvents(text).map((e) => e.data).find((d) => d.includes('"model":"')) ?? '{}' : text;
  const m = /"model"\s*:\s*"([^"]+)"/.exec(json);
  return m ? m[1] : 'gpt-4o';
}

/** The body to send: the captured request when there is one, else a minimal one for the endpoint. */
export function requestBody(f: Fixture, kind: EndpointKind): Record<string, unknown> {
  const model = firstModel(f);
  const minimal: Record<EndpointKind, Record<string, unknown>> = {
    chat: { model, messages: [{ role: 'user', content: 'Hello!' }] },
    completions: { model, prompt: 'Hello' },
    embeddings: { model, input: 'Hello', encoding_format: 'float' },
    responses: { model, input: 'Hello' },
  };
  const body = { ...(f.request ?? minimal[kind]) };
  if (f.record.stream) body.stream = true;
  else delete body.stream;
  return body;
}

/** A client whose requests reach the fake on the path shape the fixture was captured on. */
export function clientFor(fake: FakeOpenAI, record: FixtureRecord, model: string): { client: OpenAIClient; path: string; apiVersion?: string } {
  const sdk = loadOpenAI();
  const suffix = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings', responses: '/responses' }[endpointKind(record.endpoint) ?? 'chat'];
  const endpoint = record.endpoint;
  const azure = /^\/openai\/deployments\/([^/]+)\/.*?(?:\?api-version=(.+))?$/.exec(endpoint);
  if (azure) {
    const deployment = azure[1] === '{deployment}' ? model : azure[1];
    const apiVersion = azure[2] && azure[2] !== '...' ? azure[2] : '2024-10-21';
    const client = new sdk.AzureOpenAI({ apiKey: API_KEY, endpoint: fake.origin, deployment, apiVersion, maxRetries: 0 });
    return { client, path: `/openai/deployments/${deployment}${suffix}`, apiVersion };
  }
  const full = /^https?:\/\/[^/]+(\/.*)$/.exec(endpoint);
  const path = (full ? full[1] : endpoint).split('?')[0];
  const prefix = path.slice(0, path.length - suffix.length);
  return { client: newClient({ url: fake.origin + prefix }), path };
}

/** Calls the SDK method of `kind` as an app would. */
export function callEndpoint(client: OpenAIClient, kind: EndpointKind, body: Record<string, unknown>, headers: Record<string, string>): Promise<unknown> {
  const opts = { headers };
  switch (kind) {
    case 'chat': return client.chat.completions.create(body as never, opts) as Promise<unknown>;
    case 'completions': return client.completions.create(body as never, opts) as Promise<unknown>;
    case 'embeddings': return client.embeddings.create(body as never, opts) as Promise<unknown>;
    case 'responses': return client.responses.create(body as never, opts) as Promise<unknown>;
  }
}
