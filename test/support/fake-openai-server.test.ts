import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { endpointKind, FakeOpenAI, fixtureIds, FixtureRecord, loadFixture, startFakeOpenAI } from './fake-openai-server.js';
import { API_KEY, callEndpoint, clientFor, requestBody, sseEvents } from './fixture-replay.js';
import { errorClassForStatus, loadOpenAI, newClient } from './openai-sdk.js';
import { fixturesDir } from './paths.js';

const sdk = loadOpenAI();

/** What iterating the SDK's Stream must give: every data frame up to [DONE], and whether an error frame ends it. */
function expectedStream(body: Buffer): { chunks: unknown[]; fails: boolean } {
  const chunks: unknown[] = [];
  for (const { event, data } of sseEvents(body.toString('utf8'))) {
    if (data === '[DONE]') break;
    const parsed = JSON.parse(data) as { error?: unknown };
    // `event: error`, or an `error` member in a data-only frame, makes the SDK throw (fixtures README "Gotchas").
    if (event === 'error' || (event === undefined && parsed.error)) return { chunks, fails: true };
    chunks.push(parsed);
  }
  return { chunks, fails: false };
}

/** `response.output_text` is not on the wire: every SDK adds it, joining the output messages' texts. */
function withOutputText(rsp: { output: Array<{ type: string; content?: Array<{ type: string; text?: string }> }> }): object {
  const texts = rsp.output.flatMap((o) => (o.type === 'message' ? (o.content ?? []) : [])).filter((c) => c.type === 'output_text').map((c) => c.text);
  return { ...rsp, output_text: texts.join('') };
}

function describeOutcome(record: FixtureRecord): string {
  if (record.status >= 400) return `fails with ${record.status} ${errorClassForStatus(record.status).name}`;
  if (record.stream) return expectedStream(loadFixture(record.id).body).fails ? 'streams its frames, then throws APIError' : 'streams exactly its data frames';
  return 'returns its body as parsed JSON';
}

describe(`the fake OpenAI server, replayed through ${sdk.packageName} ${sdk.version} on Node ${process.versions.node}`, () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());

  for (const id of fixtureIds()) {
    const f = loadFixture(id);
    const kind = endpointKind(f.record.endpoint);
    it(`${id} ${describeOutcome(f.record)}`, async () => {
      assert.ok(kind, `manifest endpoint ${f.record.endpoint} names no known endpoint`);
      const body = requestBody(f, kind);
      const { client, path, apiVersion } = clientFor(fake, f.record, String(body.model));
      const before = fake.requests.length;
      const pending = callEndpoint(client, kind, body, { 'x-fixture': id });

      if (f.record.status >= 400) {
        const expected = JSON.parse(f.body.toString('utf8')) as { error: unknown };
        await assert.rejects(pending, (err: unknown) => {
          assert.ok(err instanceof errorClassForStatus(f.record.status), `got ${String(err)}`);
          assert.equal((err as { status?: number }).status, f.record.status);
          assert.deepEqual((err as { error?: unknown }).error, expected.error);
          return true;
        });
      } else if (f.record.stream) {
        const { chunks, fails } = expectedStream(f.body);
        const got: unknown[] = [];
        let thrown: unknown;
        try {
          for await (const chunk of (await pending) as AsyncIterable<unknown>) got.push(chunk);
        } catch (err) {
          thrown = err;
        }
        assert.deepEqual(got, chunks);
        if (fails) {
          assert.ok(thrown instanceof sdk.APIError, `expected APIError, got ${String(thrown)}`);
          assert.equal(thrown.status, undefined);
        } else assert.equal(thrown, undefined);
      } else {
        const parsed = JSON.parse(f.body.toString('utf8')) as Parameters<typeof withOutputText>[0];
        const result = await pending;
        assert.deepEqual(result, kind === 'responses' ? withOutputText(parsed) : parsed);
        const requestId = f.record.response_headers['x-request-id'];
        if (requestId) assert.equal((result as { _request_id?: string })._request_id, requestId);
      }

      assert.equal(fake.requests.length, before + 1, 'exactly one request (no retries)');
      const rec = fake.requests[before];
      assert.equal(rec.method, 'POST');
      assert.equal(rec.path, path);
      if (apiVersion) assert.equal(rec.query['api-version'], apiVersion);
      assert.equal(rec.fixtureId, id);
      assert.equal(rec.headers['x-fixture'], id);
      assert.deepEqual(rec.body, body);
      if (apiVersion) assert.equal(rec.headers['api-key'], API_KEY);
      else assert.equal(rec.headers.authorization, `Bearer ${API_KEY}`);
    });
  }
});

/** A raw POST, so bytes and headers are seen as the server wrote them (the SDK would hide both). */
function rawPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; pieces: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const pieces: Buffer[] = [];
      res.on('data', (c: Buffer) => pieces.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, pieces }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the fake OpenAI server follows the fixtures README serving rules', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());

  it('lists every manifest record and loads its raw bytes and captured request', () => {
    const manifest = JSON.parse(readFileSync(join(fixturesDir, 'manifest.json'), 'utf8')) as { count: number };
    assert.equal(fixtureIds().length, manifest.count);
    assert.ok(fixtureIds('errors.').every((id) => loadFixture(id).record.status >= 400));
    assert.deepEqual(fixtureIds(/^embeddings\.float/), ['embeddings.float.text-embedding-3-small']);
    const f = loadFixture('chat.simple.gpt-4.1');
    assert.equal(f.body.length, f.record.response_bytes);
    assert.deepEqual(f.request?.model, 'gpt-4.1');
    assert.throws(() => loadFixture('chat.no-such-fixture'), /unknown fixture "chat.no-such-fixture"/);
  });

  it('sends the response file byte for byte with the manifest headers', async () => {
    for (const id of ['third-party.openrouter.gpt-5', 'errors.404.model_not_found', 'chat-stream.plain.gpt-5-nano']) {
      const f = loadFixture(id);
      const res = await rawPost(`${fake.url}/chat/completions`, {}, { 'x-fixture': id });
      assert.equal(res.status, f.record.status);
      assert.ok(Buffer.concat(res.pieces).equals(f.body), `${id}: bytes differ`);
      for (const [name, value] of Object.entries(f.record.response_headers)) assert.equal(res.headers[name], value, `${id}: header ${name}`);
      assert.equal(res.headers['x-should-retry'], f.record.status >= 400 ? 'false' : undefined);
    }
  });

  it('writes SSE bodies in pieces of at most 97 bytes', async () => {
    const slow = await startFakeOpenAI({ sseChunkDelayMs: 2 });
    try {
      const f = loadFixture('chat-stream.include-usage.reasoning.gpt-5-nano');
      const res = await rawPost(`${slow.url}/chat/completions`, {}, { 'x-fixture': f.record.id });
      assert.ok(Buffer.concat(res.pieces).equals(f.body));
      assert.ok(res.pieces.every((p) => p.length <= 97), `pieces: ${res.pieces.map((p) => p.length).join(',')}`);
      assert.equal(res.pieces.length, Math.ceil(f.body.length / 97));
    } finally {
      await slow.close();
    }
  });

  it("answers a request nobody chose a fixture for with the endpoint's default", async () => {
    const client = newClient(fake);
    const messages = [{ role: 'user' as const, content: 'Hello!' }];
    fake.reset();
    assert.deepEqual(await client.chat.completions.create({ model: 'gpt-4.1', messages }), JSON.parse(loadFixture('chat.simple.gpt-4.1').body.toString()));
    for await (const _ of await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true, stream_options: { include_usage: true } })) void _;
    for await (const _ of await client.chat.completions.create({ model: 'gpt-5-nano', messages, stream: true })) void _;
    await client.completions.create({ model: 'babbage-002', prompt: 'x' });
    await client.responses.create({ model: 'gpt-5.1', input: 'x' });
    const azure = new sdk.AzureOpenAI({ apiKey: API_KEY, endpoint: fake.origin, apiVersion: '2024-10-21', maxRetries: 0 });
    await azure.chat.completions.create({ model: 'gpt-5-nano', messages });
    assert.deepEqual(fake.requests.map((r) => r.fixtureId), [
      'chat.simple.gpt-4.1',
      'chat-stream.include-usage.gpt-4.1',
      'chat-stream.plain.gpt-5-nano',
      'completions.basic.babbage-002',
      'responses.simple.gpt-5.1',
      'chat.azure.gpt-5-nano',
    ]);
    assert.equal(fake.requests[5].path, '/openai/deployments/gpt-5-nano/chat/completions');
  });

  it('serves base64 embeddings when the SDK picks the encoding, float ones when the caller asks', async () => {
    const client = newClient(fake);
    fake.reset();
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'How do I reset my password?' });
    assert.equal((fake.requests[0].body as { encoding_format?: string }).encoding_format, 'base64');
    assert.equal(fake.requests[0].fixtureId, 'embeddings.base64.text-embedding-3-small');
    const b64 = (JSON.parse(loadFixture('embeddings.base64.text-embedding-3-small').body.toString()) as { data: Array<{ embedding: string }> }).data[0].embedding;
    const bytes = Buffer.from(b64, 'base64');
    const floats = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    assert.deepEqual(Array.from(decoded.data[0].embedding), floats);
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'float' });
    assert.equal(fake.requests[1].fixtureId, 'embeddings.float.text-embedding-3-small');
  });

  it('answers queued fixtures first in, first out, an x-fixture header first of all', async () => {
    const client = newClient(fake);
    const body = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'Hello!' }] };
    fake.reset();
    fake.reply('chat.refusal.gpt-4o').reply('chat.n3.gpt-4o', { times: 2 });
    assert.equal(fake.pending(), 3);
    await client.chat.completions.create(body, { headers: { 'x-fixture': 'chat.tool-calls.gpt-5-nano' } });
    for (let i = 0; i < 4; i++) await client.chat.completions.create(body);
    assert.deepEqual(fake.requests.map((r) => r.fixtureId), ['chat.tool-calls.gpt-5-nano', 'chat.refusal.gpt-4o', 'chat.n3.gpt-4o', 'chat.n3.gpt-4o', 'chat.simple.gpt-4.1']);
    assert.equal(fake.pending(), 0);
    assert.throws(() => fake.reply('chat.typo'), /unknown fixture/);
  });

  it('lets replyWith answer with a fixture, a JSON body, SSE frames or the default', async () => {
    const client = newClient(fake);
    const messages = [{ role: 'user' as const, content: 'Hello!' }];
    fake.reset();
    const frames = [{ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] }];
    fake.replyWith((req) => {
      const model = (req.body as { model: string }).model;
      if (model === 'fixture') return 'chat.refusal.gpt-4o';
      if (model === 'json') return { status: 200, headers: { 'x-request-id': 'req_custom' }, body: { id: 'x', object: 'chat.completion', choices: [] } };
      if (model === 'sse') return { sseFrames: [...frames, 'data: [DONE]\n\n'] };
      return undefined;
    });
    assert.equal((await client.chat.completions.create({ model: 'fixture', messages })).id, JSON.parse(loadFixture('chat.refusal.gpt-4o').body.toString()).id);
    const custom = await client.chat.completions.create({ model: 'json', messages });
    assert.deepEqual(custom, { id: 'x', object: 'chat.completion', choices: [] });
    assert.equal((custom as { _request_id?: string })._request_id, 'req_custom');
    const got: unknown[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'sse', messages, stream: true })) got.push(chunk);
    assert.deepEqual(got, frames);
    await client.chat.completions.create({ model: 'other', messages });
    assert.equal(fake.requests[3].fixtureId, 'chat.simple.gpt-4.1');
    fake.replyWith(undefined);
  });

  it('can hang up or answer too late, as a broken or slow server does', async () => {
    const messages = [{ role: 'user' as const, content: 'Hello!' }];
    fake.replyWith(() => ({ hangUp: true }));
    await assert.rejects(newClient(fake).chat.completions.create({ model: 'm', messages }), sdk.module.APIConnectionError);
    fake.replyWith(() => ({ delayMs: 300, body: {} }));
    await assert.rejects(newClient(fake, { timeout: 30 }).chat.completions.create({ model: 'm', messages }), sdk.module.APIConnectionTimeoutError);
    fake.replyWith(undefined);
  });

  it('keeps a retrying client to one request on an error fixture unless the reply is retryable', async () => {
    const client = newClient(fake, { maxRetries: 2 });
    fake.reset();
    fake.reply('errors.503.overloaded');
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [] }), errorClassForStatus(503));
    assert.equal(fake.requests.length, 1);
    fake.reset();
    fake.reply('errors.500.server_error', { retryable: true });
    const ok = await client.responses.create({ model: 'gpt-5.1', input: 'x' });
    assert.equal(ok.id, JSON.parse(loadFixture('responses.simple.gpt-5.1').body.toString()).id);
    assert.deepEqual(fake.requests.map((r) => r.status), [500, 200]);
  });

  it('records a stream the client broke off as aborted', async () => {
    const slow = await startFakeOpenAI({ sseChunkDelayMs: 5 });
    try {
      const stream = await newClient(slow).chat.completions.create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello!' }], stream: true },
        { headers: { 'x-fixture': 'chat-stream.logprobs.gpt-4o' } },
      );
      for await (const _ of stream) break;
      await until(() => slow.requests[0].aborted);
      assert.equal(slow.requests[0].status, 200);
    } finally {
      await slow.close();
    }
  });

  it('answers an unknown fixture id with 400 and an unknown path with 404, naming the problem', async () => {
    const client = newClient(fake);
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [] }, { headers: { 'x-fixture': 'nope' } }),
      (err: unknown) => err instanceof errorClassForStatus(400) && /unknown fixture "nope"/.test(String(err)),
    );
    const res = await rawPost(`${fake.url}/audio/speech`, {});
    assert.equal(res.status, 404);
    assert.match(Buffer.concat(res.pieces).toString(), /no fixture for POST \/v1\/audio\/speech/);
  });
});
