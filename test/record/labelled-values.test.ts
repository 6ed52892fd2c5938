import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelledValues } from '../../src/record/labelled-values';

function only(v: LabelledValues): number[] {
  return [...v.collect()].filter((c) => c.timestampMs === undefined).map((c) => c.value);
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
    const gauge = new LabelledValues('g', 'gauge');
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

  it('as a counter, is born at zero: its first read adds a 0 dated 1 ms before the first observation, once', () => {
    const counter = new LabelledValues('c_total');
    const cell = counter.cell({ model: 'a' }, 'a', 1_700_000_000_000);
    assert.ok(cell);
    cell.value += 4;
    assert.deepEqual(
      [...counter.collect()].map((c) => [c.value, c.timestampMs]),
      [
        [0, 1_699_999_999_999],
        [4, undefined],
      ],
    );
    assert.deepEqual(
      [...counter.collect()].map((c) => [c.value, c.timestampMs]),
      [[4, undefined]],
    );
  });

  it('as a gauge, is never born at zero: 0 would be a false reading of rate-limit headroom', () => {
    const gauge = new LabelledValues('g', 'gauge');
    gauge.set({ server_address: 's' }, 's', 10);
    assert.deepEqual(
      [...gauge.collect()].map((c) => [c.value, c.timestampMs]),
      [[10, undefined]],
    );
  });
});
