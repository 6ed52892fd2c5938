import { after, before, beforeEach } from 'node:test';
import { chatCompletionsEndpoint, type EndpointSpec } from '../../src/instrument/endpoint-spec.js';
import { patchEndpoint } from '../../src/instrument/patch-endpoint.js';
import type { Observation } from '../../src/record/observation.js';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai-server.js';
import { newClient, type OpenAIClient } from './openai-sdk.js';

/** What each test of an instrument suite gets: the fake OpenAI, a fresh patched client, and what it observed. */
export interface PatchedClient {
  readonly fake: FakeOpenAI;
  readonly client: OpenAIClient;
  readonly seen: Observation[];
}

/**
 * Registers, in the calling `describe`, the hooks of an instrument suite: one
 * fake OpenAI server for the suite, and before each test a reset server and a
 * new real-SDK client whose endpoint is patched with a sink collecting what it
 * observes. `bind` receives them before each test.
 *
 * @example
 * let fake: FakeOpenAI; let client: OpenAIClient; let seen: Observation[];
 * patchedClientPerTest((s) => ({ fake, client, seen } = s));
 */
export function patchedClientPerTest(bind: (state: PatchedClient) => void, spec: EndpointSpec = chatCompletionsEndpoint): void {
  let fake: FakeOpenAI | undefined;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake?.close());
  beforeEach(() => {
    if (fake === undefined) throw new Error('the fake OpenAI server did not start');
    fake.reset();
    const seen: Observation[] = [];
    const client = newClient(fake);
    patchEndpoint(client, spec, 'test', (o) => seen.push(o));
    bind({ fake, client, seen });
  });
}
