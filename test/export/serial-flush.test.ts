import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SerialFlush } from '../../src/export/serial-flush.js';

/** A run that records its start and end and finishes when the test says so. */
function controlledRuns(): { flush: SerialFlush; log: string[]; finish: () => void } {
  const log: string[] = [];
  const pending: (() => void)[] = [];
  let n = 0;
  const flush = new SerialFlush(() => {
    const id = ++n;
    log.push(`start ${id}`);
    return new Promise<void>((resolve) =>
      pending.push(() => {
        log.push(`end ${id}`);
        resolve();
      }),
    );
  });
  return { flush, log, finish: () => pending.shift()?.() };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SerialFlush', () => {
  it('runs at once when idle', async () => {
    const { flush, log, finish } = controlledRuns();
    const done = flush.request();
    assert.deepEqual(log, ['start 1']);
    assert.equal(flush.busy, true);
    finish();
    await done;
    assert.equal(flush.busy, false);
  });

  it('starts a second run only after the first ended', async () => {
    const { flush, log, finish } = controlledRuns();
    const first = flush.request();
    const second = flush.request();
    await tick();
    assert.deepEqual(log, ['start 1']);
    finish();
    await first;
    await tick();
    assert.deepEqual(log, ['start 1', 'end 1', 'start 2']);
    finish();
    await second;
  });

  it('coalesces every request made during a run into one follow-up run', async () => {
    const { flush, log, finish } = controlledRuns();
    const first = flush.request();
    const waiting = [flush.request(), flush.request(), flush.request()];
    assert.equal(waiting[0], waiting[2]);
    finish();
    await first;
    await tick();
    finish();
    await Promise.all(waiting);
    assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('swallows a failing run so no rejection goes unhandled', async () => {
    const flush = new SerialFlush(() => Promise.reject(new Error('bug')));
    await flush.request();
    assert.equal(flush.busy, false);
  });
});
