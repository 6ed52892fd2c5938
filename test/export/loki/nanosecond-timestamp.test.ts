import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nanosecondTimestamp } from '../../../src/export/loki/nanosecond-timestamp.js';

describe('nanosecondTimestamp', () => {
  it('keeps the sub-millisecond digit that float arithmetic loses (E2)', () => {
    assert.equal(nanosecondTimestamp(1700000000123, 1), '1700000000123000001');
    // Why it exists: the float computation gives the wrong answer.
    assert.notEqual((1700000000123 * 1e6 + 1).toString(), '1700000000123000001');
  });

  it('pads the sub-millisecond part to six digits', () => {
    assert.equal(nanosecondTimestamp(1700000000123, 0), '1700000000123000000');
    assert.equal(nanosecondTimestamp(1700000000123, 42), '1700000000123000042');
    assert.equal(nanosecondTimestamp(1700000000123, 999999), '1700000000123999999');
  });

  it('gives 19 decimal digits for a current time (E1)', () => {
    assert.match(nanosecondTimestamp(Date.now(), 7), /^[0-9]{19}$/);
  });

  it('writes no leading zeros at the epoch', () => {
    assert.equal(nanosecondTimestamp(0, 0), '0');
    assert.equal(nanosecondTimestamp(0, 5), '5');
    assert.equal(nanosecondTimestamp(1, 5), '1000005');
  });

  it('equals the exact BigInt value for random inputs', () => {
    for (let i = 0; i < 1000; i++) {
      const ms = Math.floor(Math.random() * 4102444800000); // up to 2100
      const sub = Math.floor(Math.random() * 1e6);
      assert.equal(nanosecondTimestamp(ms, sub), (BigInt(ms) * 1000000n + BigInt(sub)).toString(), `${ms}, ${sub}`);
    }
  });

  it('throws a RangeError for inputs no caller should pass', () => {
    for (const [ms, sub] of [
      [-1, 0],
      [1.5, 0],
      [NaN, 0],
      [2 ** 53, 0],
      [1700000000123, -1],
      [1700000000123, 1e6],
      [1700000000123, 0.5],
    ]) {
      assert.throws(() => nanosecondTimestamp(ms, sub), RangeError, `${ms}, ${sub}`);
    }
  });
});
