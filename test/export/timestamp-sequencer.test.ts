import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TimestampSequencer } from '../../src/export/timestamp-sequencer.js';

const T0 = 1700000000123;

describe('TimestampSequencer, series (milliseconds)', () => {
  it('uses the given millisecond when it is after the last one', () => {
    const seq = new TimestampSequencer();
    assert.equal(seq.nextMs('a', T0), T0);
    assert.equal(seq.nextMs('a', T0 + 5), T0 + 5);
  });

  it('floors a fractional millisecond to an integer', () => {
    assert.equal(new TimestampSequencer().nextMs('a', T0 + 0.9), T0);
  });

  it('turns a collision into last + 1', () => {
    const seq = new TimestampSequencer();
    const stamps = [seq.nextMs('a', T0), seq.nextMs('a', T0), seq.nextMs('a', T0)];
    assert.deepEqual(stamps, [T0, T0 + 1, T0 + 2]);
  });

  it('turns a clock step back into last + 1 instead of going backwards', () => {
    const seq = new TimestampSequencer();
    seq.nextMs('a', T0);
    assert.equal(seq.nextMs('a', T0 - 60_000), T0 + 1);
    assert.equal(seq.lastMs('a'), T0 + 1);
  });

  it('keeps each series on its own clock', () => {
    const seq = new TimestampSequencer();
    seq.nextMs('a', T0);
    assert.equal(seq.nextMs('b', T0), T0);
    assert.equal(seq.lastMs('c'), undefined);
  });

  it('stays strictly increasing over many samples in one millisecond', () => {
    const seq = new TimestampSequencer();
    let last = -Infinity;
    for (let i = 0; i < 1000; i++) {
      const ts = seq.nextMs('a', T0);
      assert.ok(Number.isSafeInteger(ts) && ts > last);
      last = ts;
    }
  });
});

describe('TimestampSequencer, Loki streams (nanosecond strings)', () => {
  it('writes the millisecond followed by six zeros for the first entry of a millisecond', () => {
    assert.deepEqual(new TimestampSequencer().nextNs('s', T0), { ms: T0, ns: '1700000000123000000' });
  });

  it('counts entries within one millisecond in the sub-millisecond digits (E2)', () => {
    const seq = new TimestampSequencer();
    seq.nextNs('s', T0);
    assert.equal(seq.nextNs('s', T0).ns, '1700000000123000001');
    assert.equal(seq.nextNs('s', T0).ns, '1700000000123000002');
    assert.equal(seq.nextNs('s', T0 + 1).ns, '1700000000124000000');
  });

  it('never repeats or goes back after a clock step back', () => {
    const seq = new TimestampSequencer();
    seq.nextNs('s', T0);
    const after = seq.nextNs('s', T0 - 5000);
    assert.equal(after.ns, '1700000000123000001');
  });

  it('gives distinct streams independent counters', () => {
    const seq = new TimestampSequencer();
    seq.nextNs('s', T0);
    assert.equal(seq.nextNs('t', T0).ns, '1700000000123000000');
  });

  it('produces ordered, unique strings of 19 digits', () => {
    const seq = new TimestampSequencer();
    const seen: string[] = [];
    for (let i = 0; i < 500; i++) seen.push(seq.nextNs('s', T0 + Math.floor(i / 100)).ns);
    assert.equal(new Set(seen).size, seen.length);
    for (const ns of seen) assert.match(ns, /^\d{19}$/);
    const asBig = seen.map((s) => BigInt(s));
    for (let i = 1; i < asBig.length; i++) assert.ok(asBig[i] > asBig[i - 1]);
  });
});
