import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Exporter } from '../../src/export/exporter.js';
import { createPricer } from '../../src/pricing/price-call.js';
import { buildLogLine } from '../../src/record/log-line.js';
import type { Observation } from '../../src/record/observation.js';
import { Recorder } from '../../src/record/recorder.js';
import { estimateUsage, loadTokenCounter, withEstimatedUsage, type TokenCounter } from '../../src/record/token-estimator.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { fixturesDir } from '../support/paths.js';
import { startRemoteWriteReceiver, type RemoteWriteReceiver } from '../support/remote-write-receiver.js';

const MISSING = 'gpt-tokenizer-not-installed-for-this-test';

/** A recorded stream: its request, the text its chunks carried, and the usage its server reported. */
function recordedStream(name: string): { request: Record<string, unknown>; text: string; usage: { prompt_tokens: number; completion_tokens: number } } {
  const request = JSON.parse(readFileSync(join(fixturesDir, `${name}.request.json`), 'utf8')) as Record<string, unknown>;
  let text = '';
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  for (const line of readFileSync(join(fixturesDir, `${name}.sse`), 'utf8').split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const chunk = JSON.parse(line.slice(6)) as { choices: { delta?: { content?: string }; text?: string }[]; usage?: typeof usage | null };
    for (const choice of chunk.choices) text += choice.delta?.content ?? choice.text ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(usage, `${name} reports usage`);
  return { request, text, usage };
}

function stream(extra: Partial<Observation>): Observation {
  return {
    source: 'node_chatv2', operation: 'chat', provider: 'openai', requestModel: 'gpt-4.1', responseModel: 'gpt-4.1-2025-04-14',
    stream: true, startMs: Date.now() - 2000, endMs: Date.now() - 1000, durationS: 1, timeToFirstChunkS: 0.3, outcome: 'ok', status: 200, ...extra,
  };
}

function near(actual: number | undefined, expected: number, tolerance: number): boolean {
  return actual !== undefined && Math.abs(actual - expected) <= Math.max(2, expected * tolerance);
}

describe('token estimation for streams without usage', () => {
  it('estimates a chat stream close to what its server reported for the same messages and text', () => {
    const recorded = recordedStream('chat-stream/include-usage.gpt-4.1');
    const estimated = withEstimatedUsage(stream({ prompt: recorded.request.messages, responseText: recorded.text }));
    assert.equal(estimated.usageEstimated, true);
    const usage = estimated.usage;
    assert.ok(near(usage?.input, recorded.usage.prompt_tokens, 0.1), `input ${usage?.input} vs reported ${recorded.usage.prompt_tokens}`);
    assert.ok(near(usage?.output, recorded.usage.completion_tokens, 0.1), `output ${usage?.output} vs reported ${recorded.usage.completion_tokens}`);
    assert.equal(usage?.total, (usage?.input ?? NaN) + (usage?.output ?? NaN));
  });

  it('estimates a legacy completion prompt close to what its server reported', () => {
    const recorded = recordedStream('completions/stream-include-usage.babbage-002');
    const usage = withEstimatedUsage(stream({ operation: 'text_completion', source: 'node_chatv1', prompt: recorded.request.prompt, responseText: recorded.text })).usage;
    assert.ok(near(usage?.input, recorded.usage.prompt_tokens, 0.1), `input ${usage?.input} vs reported ${recorded.usage.prompt_tokens}`);
    assert.ok(near(usage?.output, recorded.usage.completion_tokens, 0.1), `output ${usage?.output} vs reported ${recorded.usage.completion_tokens}`);
  });

  it('counts a token-array prompt one token per id', () => {
    const counter = loadTokenCounter();
    assert.ok(counter, 'gpt-tokenizer is installed (devDependency)');
    assert.equal(estimateUsage(stream({ operation: 'text_completion', prompt: [[9906, 1917, 0], [15339]] }), counter)?.input, 4);
  });

  it('counts special-token text such as <|endoftext|> as text instead of failing', () => {
    const usage = withEstimatedUsage(stream({ prompt: [{ role: 'user', content: 'print("<|endoftext|>")' }], responseText: '<|im_start|>' })).usage;
    assert.ok((usage?.input ?? 0) > 7 && (usage?.output ?? 0) > 1, JSON.stringify(usage));
  });

  it('counts only a bounded sample of a long prompt, and scales it to within 5% of the exact count', () => {
    const real = loadTokenCounter();
    assert.ok(real);
    let charsCounted = 0;
    const counting: TokenCounter = { count: (text) => ((charsCounted += text.length), real.count(text)) };
    const prose = Array.from({ length: 4000 }, (_, i) => `Paragraph ${i}: the quick brown fox jumps over the lazy dog, then naps. `).join('');
    const estimate = estimateUsage(stream({ operation: 'text_completion', prompt: prose }), counting)?.input ?? 0;
    const exact = (require('gpt-tokenizer') as { countTokens(t: string): number }).countTokens(prose);
    assert.ok(Math.abs(estimate - exact) <= exact * 0.05, `estimate ${estimate} vs exact ${exact}`);
    assert.ok(charsCounted < prose.length / 10, `${charsCounted} of ${prose.length} characters counted`);
  });

  it('leaves a call alone when its server reported usage, when it is not a stream, or when no chunk ever came', () => {
    const reported = stream({ prompt: 'hi', usage: { input: 5, output: 1, total: 6 } });
    assert.equal(withEstimatedUsage(reported), reported);
    const whole = stream({ stream: false, timeToFirstChunkS: undefined, prompt: 'hi', responseText: 'hello' });
    assert.equal(withEstimatedUsage(whole), whole);
    // A 429 before any chunk: nothing was processed, so nothing is estimated (or billed).
    const refused = stream({ timeToFirstChunkS: undefined, outcome: 'error', status: 429, prompt: 'hi' });
    assert.equal(withEstimatedUsage(refused), refused);
  });

  it('keeps usage unknown, never 0, when the tokenizer package is not installed', () => {
    assert.equal(loadTokenCounter(MISSING), undefined);
    const observed = withEstimatedUsage(stream({ prompt: [{ role: 'user', content: 'Say hello' }], responseText: 'Hello!' }), MISSING);
    assert.equal(observed.usage, undefined);
    assert.equal(observed.usageEstimated, undefined);
    const line = buildLogLine(observed, undefined, { disableContent: false, maxContentLength: 100 });
    assert.equal(line.usage, undefined);
    assert.equal(line.usage_estimated, undefined);
  });
});

describe('a Recorder without the tokenizer', () => {
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  before(async () => {
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  after(async () => {
    await prom.close();
    await loki.close();
  });

  it('pushes no token or cost samples and a line without usage for a stream that reported none', async () => {
    const exporter = new Exporter({ metrics: { url: prom.url }, logs: { url: loki.url }, userAgent: 'token-estimator-test/1', flushIntervalMs: 60_000 });
    const settings = { environment: 'test', instance: 'host:1', labels: {}, disableContent: false, maxContentLength: 1000, tokenizer: MISSING };
    const recorder = new Recorder(exporter, createPricer(), settings);
    recorder.record(stream({ prompt: [{ role: 'user', content: 'Say hello' }], responseText: 'Hello!', finishReasons: ['stop'] }));
    await exporter.flush();
    await exporter.shutdown();
    recorder.release();
    assert.equal(prom.samplesOf('openai_requestDuration').length, 1, 'the call itself is recorded');
    for (const name of ['openai_promptTokens', 'openai_completionTokens', 'openai_totalTokens', 'openai_usageCost']) {
      assert.deepEqual(prom.samplesOf(name), [], `${name} is left out, not 0`);
    }
    const line = loki.entries()[0].json as Record<string, unknown>;
    assert.equal(line.response, 'Hello!');
    assert.equal('usage' in line, false);
    assert.equal('usage_estimated' in line, false);
    assert.equal('cost_usd' in line, false);
  });
});
