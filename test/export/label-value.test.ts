import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWellFormed, safeLabelValue } from '../../src/export/label-value';
import { makeLokiStream } from '../../src/export/log-entry';
import { makeSeries } from '../../src/export/series';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** What a receiver decodes: throws on bytes that are not UTF-8. */
const receiverReads = (value: string): string => strictUtf8.decode(Buffer.from(value, 'utf8'));

describe('label values', () => {
  it('leaves ordinary model names untouched', () => {
    for (const name of ['gpt-4o-2024-08-06', 'llama3.2:3b', 'Qwen/Qwen2.5-0.5B', 'モデル', '😀-model']) assert.equal(safeLabelValue(name), name);
  });

  it('writes a lone surrogate as U+FFFD, as UTF-8 decoders do', () => {
    assert.equal(isWellFormed('gpt-\uD800x'), false);
    assert.equal(isWellFormed('gpt-\uDC00'), false);
    assert.equal(safeLabelValue('gpt-\uD800x'), 'gpt-\uFFFDx');
    assert.equal(safeLabelValue('\uDC00'), '\uFFFD');
  });

  it('cuts a value to 2,048 UTF-8 bytes, never inside a character', () => {
    assert.equal(Buffer.byteLength(safeLabelValue('x'.repeat(5000)), 'utf8'), 2048);
    const emoji = safeLabelValue('😀'.repeat(1000)); // 4 bytes each
    assert.equal(Buffer.byteLength(emoji, 'utf8'), 2048);
    assert.equal(receiverReads(emoji), emoji);
    const mixed = safeLabelValue('a' + 'é'.repeat(2000)); // 1 + 2 bytes each: 2,048 would split one
    assert.equal(Buffer.byteLength(mixed, 'utf8'), 2047);
  });

  it('makes every remote-write series value safe, whatever it is built from', () => {
    const series = makeSeries('openai_totalTokens', { model: 'm'.repeat(5000), server_address: 'h\uD83D' });
    for (const label of series.labels) {
      assert.ok(Buffer.byteLength(label.value, 'utf8') <= 2048, label.name);
      assert.equal(receiverReads(label.value), label.value);
    }
  });

  it('makes every Loki stream value safe instead of refusing the stream', () => {
    const stream = makeLokiStream({ job: 'integrations/openai', model: '\uDFFF'.repeat(3000) });
    assert.ok(Buffer.byteLength(stream.labels.model, 'utf8') <= 2048);
    assert.equal(receiverReads(stream.labels.model), stream.labels.model);
  });
});
