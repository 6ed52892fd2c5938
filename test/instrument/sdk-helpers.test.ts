import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '../../src/record/observation';
import type { FakeOpenAI } from '../support/fake-openai-server';
import { patchedClientPerTest } from '../support/patched-client';
import { loadOpenAI, newClient, type OpenAIClient } from '../support/openai-sdk';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];

type Helpers = {
  stream(body: unknown, options?: unknown): AsyncIterable<unknown> & { finalChatCompletion(): Promise<{ choices: { message: { content: string | null } }[] }> };
  runTools(body: unknown): { finalContent(): Promise<string | null> };
};

/** Where the SDK keeps its chat helpers: `beta.chat.completions` in openai 4, `chat.completions` since 5. */
function helpers(client: OpenAIClient): Helpers {
  const holder = sdk.major === 4 ? (client as unknown as { beta: { chat: { completions: unknown } } }).beta.chat.completions : client.chat.completions;
  return holder as Helpers;
}

const base = { id: 'chatcmpl-h', created: 1, model: 'gpt-4o-2024-08-06' };

function textStream(req: { body: unknown }) {
  const asked = (req.body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage === true;
  const extra = asked ? { usage: null } : {};
  const frames: (object | string)[] = ['Sunny', ', 21°C'].map((content, i) => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, finish_reason: null }],
    ...extra,
  }));
  frames.push({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...extra });
  if (asked) frames.push({ ...base, object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 14, completion_tokens: 4, total_tokens: 18 } });
  frames.push('data: [DONE]\n\n');
  return { sseFrames: frames };
}

describe(`the openai ${sdk.version} SDK's helpers on a monitored client`, () => {
  let fake: FakeOpenAI;
  let seen: Observation[];
  let client: OpenAIClient;

  patchedClientPerTest((state) => ({ fake, client, seen } = state));

  it('chat.completions.stream() still yields events and the final completion, and the call is recorded with its usage', async () => {
    fake.replyWith(textStream);
    const stream = helpers(client).stream({ model: 'gpt-4o', messages });
    const final = await stream.finalChatCompletion();
    assert.equal(final.choices[0].message.content, 'Sunny, 21°C');
    assert.equal(seen.length, 1);
    assert.equal(seen[0].responseText, 'Sunny, 21°C');
    assert.equal(seen[0].usage?.total, 18);
  });

  it('runTools() still calls the tool and finishes, and each API call is recorded', async () => {
    let calls = 0;
    fake.replyWith(() => {
      calls += 1;
      const message =
        calls === 1
          ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] }
          : { role: 'assistant', content: 'Sunny in Paris.' };
      return {
        body: { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: calls === 1 ? 'tool_calls' : 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } },
      };
    });
    const cities: string[] = [];
    const runner = helpers(client).runTools({
      model: 'gpt-4o',
      messages,
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            parse: JSON.parse,
            function: (args: { city: string }) => {
              cities.push(args.city);
              return 'sunny';
            },
          },
        },
      ],
    });
    assert.equal(await runner.finalContent(), 'Sunny in Paris.');
    assert.deepEqual(cities, ['Paris']);
    assert.deepEqual(seen.map((o) => o.finishReasons?.[0]), ['tool_calls', 'stop']);
  });

  it('passes request options through: headers reach the server', async () => {
    await client.chat.completions.create({ model: 'gpt-4.1', messages }, { headers: { 'x-app-header': 'kept' } });
    assert.equal(fake.requests[0].headers['x-app-header'], 'kept');
  });

  it('a timeout rejects with the same error class as unmonitored, recorded as an error', async () => {
    fake.replyWith(() => ({ delayMs: 500, body: { ...base, object: 'chat.completion', choices: [] } }));
    const expected = await newClient(fake).chat.completions.create({ model: 'gpt-4.1', messages }, { timeout: 50 }).catch((e: unknown) => e);
    const error = await client.chat.completions.create({ model: 'gpt-4.1', messages }, { timeout: 50 }).catch((e: unknown) => e);
    assert.ok(error instanceof sdk.module.APIConnectionTimeoutError);
    assert.equal(Object.getPrototypeOf(error), Object.getPrototypeOf(expected));
    assert.equal(seen[0].outcome, 'error');
    assert.equal(seen[0].error?.type, 'APIConnectionTimeoutError');
  });

  it('an abort through signal rejects with the SDK\'s abort error and is recorded as aborted', async () => {
    fake.replyWith(() => ({ delayMs: 500, body: { ...base, object: 'chat.completion', choices: [] } }));
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: 'gpt-4.1', messages }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, sdk.module.APIUserAbortError);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'aborted');
  });
});
