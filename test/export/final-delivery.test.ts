import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FinalDelivery } from '../../src/export/final-delivery.js';

describe('FinalDelivery', () => {
  it('has a deadline only while a final delivery runs', async () => {
    const final = new FinalDelivery();
    assert.equal(final.deadline, undefined);
    const deadline = Date.now() + 1000;
    let seen: number | undefined;
    await final.run(deadline, async () => {
      seen = final.deadline;
    });
    assert.equal(seen, deadline);
    assert.equal(final.deadline, undefined);
  });

  it('cuts short a wait when a final delivery begins', async () => {
    const final = new FinalDelivery();
    const started = Date.now();
    const waiting = final.wait(10_000);
    await final.run(Date.now() + 1000, () => waiting);
    assert.ok(Date.now() - started < 500);
  });

  it('aborts the attempts in flight when the deadline passes', async () => {
    const final = new FinalDelivery();
    let aborted = false;
    const started = Date.now();
    await final.run(Date.now() + 100, () => {
      return new Promise<void>((resolve) => {
        final.track(() => {
          aborted = true;
          resolve();
        });
      });
    });
    assert.equal(aborted, true);
    assert.ok(Date.now() - started >= 95);
  });

  it('does not abort an attempt that unregistered itself', async () => {
    const final = new FinalDelivery();
    let aborted = false;
    const untrack = final.track(() => {
      aborted = true;
    });
    untrack();
    await final.run(Date.now() + 30, () => new Promise((resolve) => setTimeout(resolve, 60)));
    assert.equal(aborted, false);
  });

  it('does nothing once the deadline is already past', async () => {
    const final = new FinalDelivery();
    let ran = false;
    await final.run(Date.now() - 1, async () => {
      ran = true;
    });
    assert.equal(ran, false);
  });
});
