import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatCompletionsEndpoint } from '../../src/instrument/endpoint-spec';
import { patchEndpoint } from '../../src/instrument/patch-endpoint';
import type { Observation } from '../../src/record/observation';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { patchedClientPerTest } from '../support/patched-client';
import { loadOpenAI, newClient, type OpenAIClient } from '../support/openai-sdk';

const sdk = loadOpenAI();
const messages = [{ role: 'user' as const, content: 'Say hello' }];

async function collect(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const USAGE = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 };

/** The content chunks of a small stream; with include_usage every chunk carries `usage: null`, as OpenAI's do. */
function contentFrames(withUsage: boolean): object[] {
  const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06' };
  const extra = withUsage ? { usage: null } : {};
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], ...extra },
    { ...base, choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }], ...extra },
    { ...base, choices: [{ index: 0, delta: { content: ' there' }, finish_reason: null }], ...extra },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...extra },
  ];
}

/** Answers like OpenAI: the usage chunk and fields only when the request asked for them. */
function usageAwareServer(req: { body: unknown }) {
  const asked = (req.body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage === true;
  const frames: (object | string)[] = contentFrames(asked);
  if (asked) frames.push({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06', choices: [], usage: USAGE });
  frames.push('data: [DONE]\n\n');
  return { sseFrames: frames };
}

/**
 * A server that answers 400 to any request with `stream_options`, as some
 * OpenAI-compatible servers do, and streams the plain answer otherwise. Each
 * test gets its own: the patch remembers a refusing server by host and port.
 */
async function startStrictServer(): Promise<FakeOpenAI> {
  const strict = await startFakeOpenAI();
  strict.replyWith((req) =>
    (req.body as { stream_options?: unknown }).stream_options !== undefined
      ? { status: 400, headers: { 'x-should-retry': 'false' }, body: { error: { message: 'Unrecognized request argument supplied: stream_options', type: 'invalid_request_error', param: 'stream_options', code: null } } }
      : { sseFrames: [...contentFrames(false), 'data: [DONE]\n\n'] },
  );
  return strict;
}

describe(`streams through the monitored openai ${sdk.version} client`, () => {
  let fake: FakeOpenAI;
  let seen: Observation[];
  let client: OpenAIClient;

  patchedClientPerTest((state) => ({ fake, client, seen } = state));

  it('yields the same chunks as an unmonitored client and records the text and finish reason', async () => {
    fake.reply('chat-stream.plain.gpt-5-nano', { times: 2 });
    const expected = await collect(await newClient(fake).chat.completions.create({ model: 'gpt-5-nano', messages, stream: true }));
    const actual = await collect(await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true }));
    assert.deepEqual(actual, expected);
    assert.equal(seen.length, 1);
    const text = expected
      .map((c) => (c as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
      .join('');
    assert.equal(seen[0].responseText, text);
    assert.equal(seen[0].stream, true);
    assert.equal(seen[0].outcome, 'ok');
    assert.deepEqual(seen[0].finishReasons, ['stop']);
    assert.ok(seen[0].timeToFirstChunkS !== undefined && seen[0].timeToFirstChunkS <= seen[0].durationS);
  });

  it('records usage when the app asked for include_usage, and the app still gets the usage chunk', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true, stream_options: { include_usage: true } }),
    );
    const last = chunks[chunks.length - 1] as { choices: unknown[]; usage: { prompt_tokens: number; completion_tokens: number } };
    assert.deepEqual(last.choices, []);
    assert.equal(seen[0].usage?.input, last.usage.prompt_tokens);
    assert.equal(seen[0].usage?.output, last.usage.completion_tokens);
  });

  it('records no usage (not zero) for a stream whose server reported none', async () => {
    fake.replyWith(() => ({ sseFrames: [...contentFrames(false), 'data: [DONE]\n\n'] }));
    await collect(await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true }));
    assert.equal(seen[0].usage, undefined);
  });

  it('asks for usage the app did not ask for, records it exactly, and the app sees no extra chunk or field', async () => {
    fake.replyWith(usageAwareServer);
    const expected = await collect(await newClient(fake).chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    const actual = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    assert.deepEqual(actual, expected);
    assert.ok(actual.every((chunk) => !Object.prototype.hasOwnProperty.call(chunk, 'usage')));
    assert.deepEqual(actual.map((chunk) => Object.keys(chunk as object)), expected.map((chunk) => Object.keys(chunk as object)));
    assert.deepEqual(fake.requests[1].body && (fake.requests[1].body as { stream_options?: unknown }).stream_options, { include_usage: true });
    assert.equal((fake.requests[0].body as { stream_options?: unknown }).stream_options, undefined);
    assert.deepEqual(seen[0].usage, { input: USAGE.prompt_tokens, output: USAGE.completion_tokens, total: USAGE.total_tokens });
  });

  it('passes on a server chunk with empty choices and usage: null (Azure\'s opening content-filter chunk), hiding only the usage chunk it asked for', async () => {
    // Azure opens some streams with a chunk of prompt_filter_results, no choices, and usage: null when usage is asked for.
    const azureServer = (req: { body: unknown }) => {
      const asked = (req.body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage === true;
      const opening = { id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }], ...(asked ? { usage: null } : {}) };
      const { sseFrames } = usageAwareServer(req);
      return { sseFrames: [opening, ...sseFrames] };
    };
    fake.replyWith(azureServer);
    const expected = await collect(await newClient(fake).chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    const actual = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    assert.equal((expected[0] as { prompt_filter_results?: unknown }).prompt_filter_results !== undefined, true, 'the control saw the opening chunk');
    assert.deepEqual(actual, expected);
    assert.deepEqual(seen[0].usage, { input: USAGE.prompt_tokens, output: USAGE.completion_tokens, total: USAGE.total_tokens });
  });

  it('keeps the app\'s other stream_options when it adds include_usage', async () => {
    fake.replyWith(usageAwareServer);
    const body = { model: 'gpt-4o', messages, stream: true, stream_options: { include_obfuscation: false } };
    await collect((await client.chat.completions.create(body as never)) as unknown as AsyncIterable<unknown>);
    assert.deepEqual((fake.requests[0].body as { stream_options?: unknown }).stream_options, { include_obfuscation: false, include_usage: true });
  });

  it('with stream_usage: false sends the app\'s request untouched', async () => {
    const untouched = newClient(fake);
    patchEndpoint(untouched, chatCompletionsEndpoint, 'no-usage', (o) => seen.push(o), { streamUsage: false });
    fake.replyWith(usageAwareServer);
    await collect(await untouched.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    assert.equal((fake.requests[0].body as { stream_options?: unknown }).stream_options, undefined);
    assert.equal(seen[0].usage, undefined);
  });

  it('sends the request once more without stream_options to a server that rejects it, and never adds it there again', async () => {
    const strict = await startStrictServer();
    try {
      const strictClient = newClient(strict);
      patchEndpoint(strictClient, chatCompletionsEndpoint, 'strict', (o) => seen.push(o));
      const chunks = await collect(await strictClient.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
      assert.equal(chunks.length, contentFrames(false).length);
      assert.deepEqual(strict.requests.map((r) => (r.body as { stream_options?: unknown }).stream_options !== undefined), [true, false]);
      await collect(await strictClient.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
      assert.deepEqual(strict.requests.map((r) => (r.body as { stream_options?: unknown }).stream_options !== undefined), [true, false, false]);
      assert.equal(seen.length, 2);
      assert.ok(seen.every((o) => o.outcome === 'ok' && o.responseText === 'Hello there'));
    } finally {
      await strict.close();
    }
  });

  it('copes with .withResponse() when the server rejects stream_options: the app gets the retried answer', async () => {
    const strict = await startStrictServer();
    try {
      const strictClient = newClient(strict);
      patchEndpoint(strictClient, chatCompletionsEndpoint, 'strict', (o) => seen.push(o));
      const { data, response } = await strictClient.chat.completions.create({ model: 'gpt-4o', messages, stream: true }).withResponse();
      assert.equal(response.status, 200);
      assert.equal((await collect(data as AsyncIterable<unknown>)).length, contentFrames(false).length);
      assert.equal(seen.length, 1);
      assert.equal(seen[0].outcome, 'ok');
    } finally {
      await strict.close();
    }
  });

  it('break aborts the request and records an aborted call with what was seen', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true });
    let n = 0;
    for await (const _chunk of stream) {
      n += 1;
      if (n === 2) break;
    }
    assert.equal(stream.controller.signal.aborted, true);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'aborted');
  });

  it('tee gives both branches every chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true });
    const [left, right] = stream.tee();
    const [a, b] = await Promise.all([collect(left), collect(right)]);
    assert.ok(a.length > 1);
    assert.deepEqual(a, b);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'ok');
  });

  it('toReadableStream() still serialises every chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true });
    const readable = stream.toReadableStream() as unknown as { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } };
    const reader = readable.getReader();
    let lines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      lines += Buffer.from(value as Uint8Array).toString('utf8').split('\n').filter(Boolean).length;
    }
    assert.ok(lines > 1);
    assert.equal(seen.length, 1);
  });

  it('rethrows a mid-stream error frame to the app and records the call as an error', async () => {
    fake.replyWith(() => ({
      sseFrames: [
        { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] },
        { error: { message: 'The server had an error while processing your request.', type: 'server_error' } },
      ],
    }));
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    await assert.rejects(collect(stream), sdk.APIError);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].outcome, 'error');
    assert.equal(seen[0].responseText, 'Hel');
  });
});
