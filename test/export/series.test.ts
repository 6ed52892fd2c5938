import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { derivedSeries, InvalidSeriesError, makeSeries } from '../../src/export/series.js';

// Vectors A4, A5, A7 of reference/wire-test-vectors.md; rules of wire-protocols.md §1.3.
describe('makeSeries', () => {
  it('sorts labels byte-wise on their names, __name__ not forced first (A4)', () => {
    const s = makeSeries('m', { zeta: '1', Zed: '2', job: '3', a_b: '4', a: '5', ab: '6' });
    assert.deepEqual(
      s.labels.map((l) => l.name),
      ['Zed', '__name__', 'a', 'a_b', 'ab', 'job', 'zeta'],
    );
  });

  it('keeps the metric name as the __name__ label', () => {
    const s = makeSeries('openai_promptTokens', { job: 'integrations/openai' });
    assert.deepEqual(s.labels, [
      { name: '__name__', value: 'openai_promptTokens' },
      { name: 'job', value: 'integrations/openai' },
    ]);
  });

  it('drops a label whose value is empty or undefined (A5)', () => {
    const s = makeSeries('m', { env: '', model: undefined, job: 'x' });
    assert.deepEqual(
      s.labels.map((l) => l.name),
      ['__name__', 'job'],
    );
  });

  it('gives the same key to the same labels in any order, and different keys otherwise', () => {
    assert.equal(makeSeries('m', { a: '1', b: '2' }).key, makeSeries('m', { b: '2', a: '1' }).key);
    assert.notEqual(makeSeries('m', { a: '1' }).key, makeSeries('m', { a: '2' }).key);
    assert.notEqual(makeSeries('m', { a: '1' }).key, makeSeries('n', { a: '1' }).key);
    // A value containing the separators must not collide with two labels.
    assert.notEqual(makeSeries('m', { a: '1",b="2' }).key, makeSeries('m', { a: '1', b: '2' }).key);
  });

  it('refuses metric names outside [a-zA-Z_:][a-zA-Z0-9_:]* (A7)', () => {
    for (const name of ['openai.tokens', '1abc', 'bad-name', '']) {
      assert.throws(() => makeSeries(name, {}), InvalidSeriesError, JSON.stringify(name));
    }
    assert.doesNotThrow(() => makeSeries('ns:sub_total', {}));
  });

  it('refuses label names outside [a-zA-Z_][a-zA-Z0-9_]* (A7)', () => {
    for (const name of ['model-name', '', '1x', 'a.b']) {
      assert.throws(() => makeSeries('m', { [name]: 'v' }), InvalidSeriesError, JSON.stringify(name));
    }
  });

  it('refuses __name__ given as a label', () => {
    assert.throws(() => makeSeries('m', { __name__: 'other' }), InvalidSeriesError);
  });

  it('refuses label names starting with __, which Prometheus reserves (A7 __reserved)', () => {
    assert.throws(() => makeSeries('m', { __reserved: 'v' }), InvalidSeriesError);
  });
});

describe('derivedSeries (a histogram bucket from its label set)', () => {
  const labels = { zeta: '1', Zed: '2', job: 'integrations/openai', model: 'modèle 🚀', a: '5' };

  it('is the series makeSeries builds for the same name and labels: same labels in byte order, same key', () => {
    const base = makeSeries('h_sum', labels);
    for (const le of ['0.01', '+Inf']) {
      const derived = derivedSeries(base, 'h_bucket', { name: 'le', value: le });
      const made = makeSeries('h_bucket', { ...labels, le });
      assert.deepEqual(derived.labels, made.labels);
      assert.equal(derived.key, made.key);
    }
    const count = derivedSeries(base, 'h_count');
    assert.deepEqual(count, makeSeries('h_count', labels));
  });

  it('replaces a label of the same name, and keeps the base series and its sameMs rule untouched', () => {
    const base = makeSeries('h_sum', { le: 'old', job: 'x' }, 'sum');
    const derived = derivedSeries(base, 'h_bucket', { name: 'le', value: 'new' });
    assert.deepEqual(derived.labels, makeSeries('h_bucket', { le: 'new', job: 'x' }).labels);
    assert.equal(derived.sameMs, 'sum');
    assert.deepEqual(base.labels, makeSeries('h_sum', { le: 'old', job: 'x' }).labels);
  });

  it('refuses what makeSeries refuses: a bad metric name, a reserved or invalid label name', () => {
    const base = makeSeries('h_sum', { job: 'x' });
    assert.throws(() => derivedSeries(base, 'bad-name'), InvalidSeriesError);
    assert.throws(() => derivedSeries(base, 'h_bucket', { name: '__le', value: '1' }), InvalidSeriesError);
    assert.throws(() => derivedSeries(base, 'h_bucket', { name: 'l-e', value: '1' }), InvalidSeriesError);
  });

  it('makes the added value safe as makeSeries does: a lone surrogate replaced, a long value cut', () => {
    const base = makeSeries('h_sum', { job: 'x' });
    assert.deepEqual(derivedSeries(base, 'h_bucket', { name: 'model', value: 'gpt-\uD800' }).labels, makeSeries('h_bucket', { job: 'x', model: 'gpt-\uD800' }).labels);
    assert.equal(derivedSeries(base, 'h_bucket', { name: 'model', value: 'x'.repeat(5000) }).key, makeSeries('h_bucket', { job: 'x', model: 'x'.repeat(5000) }).key);
  });
});
