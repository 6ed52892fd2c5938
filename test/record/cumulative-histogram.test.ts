import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CumulativeHistogram } from '../../src/record/cumulative-histogram';

function values(h: CumulativeHistogram): Map<string, number> {
  const out = new Map<string, number>();
  for (const { series, value, timestampMs } of h.collect()) {
    if (timestampMs !== undefined) continue; // a new series' zero (its own test below)
    const labels = Object.fromEntries(series.labels.map((l) => [l.name, l.value]));
    out.set(`${labels.__name__}${labels.le === undefined ? '' : `{le=${labels.le}}`}`, value);
  }
  return out;
}

describe('a cumulative histogram', () => {
  it('counts each value in the first bucket whose bound is ≥ it, cumulatively, ending at +Inf = count', () => {
    const h = new CumulativeHistogram('d', [1, 2, 4]);
    for (const v of [0.5, 1, 1.5, 3, 100]) h.observe({ job: 'j' }, 'j', v);
    const v = values(h);
    assert.deepEqual(
      [v.get('d_bucket{le=1}'), v.get('d_bucket{le=2}'), v.get('d_bucket{le=4}'), v.get('d_bucket{le=+Inf}')],
      [2, 3, 4, 5],
    );
    assert.equal(v.get('d_count'), 5);
    assert.equal(v.get('d_sum'), 0.5 + 1 + 1.5 + 3 + 100);
  });

  it('never goes down between reads', () => {
    const h = new CumulativeHistogram('d', [1]);
    h.observe({ job: 'j' }, 'j', 0.5);
    const first = values(h);
    h.observe({ job: 'j' }, 'j', 2);
    const second = values(h);
    for (const [name, value] of first) assert.ok((second.get(name) ?? -1) >= value, name);
  });

  it('keeps one set of series per label set', () => {
    const h = new CumulativeHistogram('d', [1]);
    h.observe({ model: 'a' }, 'a', 0.5);
    h.observe({ model: 'b' }, 'b', 0.5);
    [...h.collect()]; // the first read adds each series' zero
    assert.equal([...h.collect()].length, 2 * (2 + 2));
  });

  it('ignores NaN and infinities instead of poisoning the sum', () => {
    const h = new CumulativeHistogram('d', [1]);
    assert.equal(h.observe({ job: 'j' }, 'j', Number.NaN), false);
    h.observe({ job: 'j' }, 'j', 0.5);
    assert.equal(values(h).get('d_sum'), 0.5);
  });

  it('stops adding label sets past its cap, so a server echoing random model names cannot grow memory', () => {
    const h = new CumulativeHistogram('d', [1], 3);
    for (let i = 0; i < 10; i++) h.observe({ model: `m${i}` }, `m${i}`, 0.5);
    assert.equal([...h.collect()].filter((v) => v.timestampMs === undefined).length, 3 * 4);
  });

  it('is born at zero: the first read gives every bucket, _sum and _count a 0 dated 1 ms before the first call ended, then the values', () => {
    const h = new CumulativeHistogram('d', [1, 2]);
    const cell = h.cell({ job: 'j' }, 'j', 1_700_000_000_500);
    assert.ok(cell);
    h.observeIn(cell, 1.5);
    const first = [...h.collect()].map(({ series, value, timestampMs }) => [series.labels.map((l) => l.value).join(' '), value, timestampMs]);
    assert.deepEqual(first, [
      ['d_bucket j 1', 0, 1_700_000_000_499],
      ['d_bucket j 2', 0, 1_700_000_000_499],
      ['d_bucket j +Inf', 0, 1_700_000_000_499],
      ['d_sum j', 0, 1_700_000_000_499],
      ['d_count j', 0, 1_700_000_000_499],
      ['d_bucket j 1', 0, undefined],
      ['d_bucket j 2', 1, undefined],
      ['d_bucket j +Inf', 1, undefined],
      ['d_sum j', 1.5, undefined],
      ['d_count j', 1, undefined],
    ]);
  });

  it('sends its zero once per series life, never again at later reads', () => {
    const h = new CumulativeHistogram('d', [1]);
    h.observe({ job: 'j' }, 'j', 0.5);
    [...h.collect()];
    h.observe({ job: 'j' }, 'j', 0.5);
    const later = [...h.collect()];
    assert.deepEqual(later.filter((v) => v.timestampMs !== undefined), []);
    h.observe({ job: 'k' }, 'k', 0.5);
    const withNew = [...h.collect()].filter((v) => v.timestampMs !== undefined);
    assert.equal(withNew.length, 4, 'only the new label set is born');
    assert.ok(withNew.every((v) => v.value === 0 && v.series.labels.some((l) => l.value === 'k')));
  });
});
