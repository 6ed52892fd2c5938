import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelNameCandidates, normaliseModelName, withoutSnapshotDate } from '../../src/pricing/model-name.js';

describe('normaliseModelName', () => {
  it('strips a gateway provider prefix (OpenRouter reports openai/gpt-5-2025-08-07)', () => {
    assert.equal(normaliseModelName('openai/gpt-5-2025-08-07'), 'gpt-5-2025-08-07');
    assert.equal(normaliseModelName('accounts/acme/models/gpt-oss-120b'), 'gpt-oss-120b');
  });

  it('maps legacy snapshot tags to the model they belong to', () => {
    assert.equal(normaliseModelName('babbage:2023-07-21-v2'), 'babbage-002');
    assert.equal(normaliseModelName('davinci:2023-07-21-v2'), 'davinci-002');
    assert.equal(normaliseModelName('gpt-3.5-turbo-instruct:20230824-v2'), 'gpt-3.5-turbo-instruct');
  });

  it('leaves fine-tune ids and local model tags alone', () => {
    assert.equal(normaliseModelName('ft:gpt-4o-mini-2024-07-18:acme::9xYz'), 'ft:gpt-4o-mini-2024-07-18:acme::9xyz');
    assert.equal(normaliseModelName('gpt-oss:20b'), 'gpt-oss:20b');
    assert.equal(normaliseModelName('llama3.1:latest'), 'llama3.1:latest');
  });

  it("spells Azure's gpt-35 models as OpenAI's gpt-3.5", () => {
    assert.equal(normaliseModelName('gpt-35-turbo'), 'gpt-3.5-turbo');
    assert.equal(normaliseModelName('gpt-35-turbo-16k'), 'gpt-3.5-turbo-16k');
    assert.equal(normaliseModelName('gpt-35-turbo-instruct'), 'gpt-3.5-turbo-instruct');
  });

  it('ignores case and surrounding spaces', () => {
    assert.equal(normaliseModelName('  GPT-4o-Mini \n'), 'gpt-4o-mini');
  });
});

describe('withoutSnapshotDate', () => {
  it('removes a trailing -YYYY-MM-DD or -MMDD snapshot date', () => {
    assert.equal(withoutSnapshotDate('gpt-5-nano-2025-08-07'), 'gpt-5-nano');
    assert.equal(withoutSnapshotDate('gpt-4o-mini-2024-07-18'), 'gpt-4o-mini');
    assert.equal(withoutSnapshotDate('gpt-3.5-turbo-0914'), 'gpt-3.5-turbo');
  });

  it('keeps names whose ending is not a calendar date', () => {
    for (const name of ['gpt-4o', 'gpt-4-32k', 'text-embedding-ada-002', 'gpt-x-2048', 'gpt-x-2024-02-30', 'gpt-x-1332']) {
      assert.equal(withoutSnapshotDate(name), undefined, name);
    }
  });
});

describe('modelNameCandidates', () => {
  it('tries the exact snapshot before its base model', () => {
    assert.deepEqual(modelNameCandidates('gpt-4o-2024-05-13'), ['gpt-4o-2024-05-13', 'gpt-4o']);
  });

  it('dashes a compact date before falling back to the base model', () => {
    assert.deepEqual(modelNameCandidates('GPT-4o-mini-20240718'), ['gpt-4o-mini-20240718', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini']);
  });

  it('offers only the name itself when it carries no date', () => {
    assert.deepEqual(modelNameCandidates('openai/gpt-5'), ['gpt-5']);
    assert.deepEqual(modelNameCandidates('babbage:2023-07-21-v2'), ['babbage-002']);
  });
});
