import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelledValues } from '../../src/record/labelled-values';

function only(v: LabelledValues): number[] {
  return [...v.collect()].map((c) => c.value);
}

describe('labelled values', () => {
  it('as a counter, adds up and never goes down (negative amounts are refused)', () => {
    const counter = new LabelledValues('c_total');
    counter.add({ model: 'a' }, 'a', 5);
    counter.add({ model: 'a' }, 'a', -3);
    counter.add({ model: 'a' }, 'a', 2);
    assert.deepEqual(only(counter), [7]);
  });

  it('as a gauge, keeps the last value set', () => {
    const gauge = new LabelledValues('g');
    gauge.set({ server_address: 's' }, 's', 10);
    gauge.set({ server_address: 's' }, 's', 4);
    assert.deepEqual(only(gauge), [4]);
  });

  it('names its series and labels as given', () => {
    const counter = new LabelledValues('c_total');
    counter.add({ model: 'a', job: 'j' }, 'a', 1);
    const [{ series }] = [...counter.collect()];
    assert.deepEqual(Object.fromEntries(series.labels.map((l) => [l.name, l.value])), { __name__: 'c_total', job: 'j', model: 'a' });
  });
});
