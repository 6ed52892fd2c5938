import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue } from '../../src/export/bounded-queue.js';

function fill(queue: BoundedQueue<number>, from: number, to: number): number {
  let dropped = 0;
  for (let i = from; i <= to; i++) if (queue.push(i)) dropped += 1;
  return dropped;
}

describe('BoundedQueue', () => {
  it('gives items back oldest first', () => {
    const queue = new BoundedQueue<number>(100);
    fill(queue, 1, 70); // past the initial capacity, so growing keeps the order too
    assert.deepEqual(queue.take(1000).items, Array.from({ length: 70 }, (_, i) => i + 1));
    assert.equal(queue.length, 0);
  });

  it('drops the oldest item when full and counts each drop', () => {
    const queue = new BoundedQueue<number>(5);
    assert.equal(fill(queue, 1, 5), 0);
    assert.equal(fill(queue, 6, 8), 3);
    assert.equal(queue.length, 5);
    assert.equal(queue.dropped, 3);
    assert.deepEqual(queue.take(10).items, [4, 5, 6, 7, 8]);
  });

  it('keeps dropping the oldest across many wrap-arounds', () => {
    const queue = new BoundedQueue<number>(3);
    fill(queue, 1, 1000);
    assert.equal(queue.dropped, 997);
    assert.deepEqual(queue.take(10).items, [998, 999, 1000]);
  });

  it('takes at most max items and leaves the rest in order', () => {
    const queue = new BoundedQueue<number>(10);
    fill(queue, 1, 6);
    assert.deepEqual(queue.take(4).items, [1, 2, 3, 4]);
    queue.push(7);
    assert.deepEqual(queue.take(10).items, [5, 6, 7]);
  });

  it('leaves kept items queued in their order and removes discarded ones', () => {
    const queue = new BoundedQueue<number>(10);
    fill(queue, 1, 8);
    const result = queue.take(10, (n) => (n % 3 === 0 ? 'keep' : n === 1 ? 'discard' : 'take'));
    assert.deepEqual(result.items, [2, 4, 5, 7, 8]);
    assert.equal(result.discarded, 1);
    assert.deepEqual(queue.take(10).items, [3, 6]);
  });

  it('stops at the item decide refuses with stop, keeping it and everything after it', () => {
    const queue = new BoundedQueue<number>(10);
    fill(queue, 1, 5);
    assert.deepEqual(queue.take(10, (n) => (n === 3 ? 'stop' : 'take')).items, [1, 2]);
    assert.deepEqual(queue.take(10).items, [3, 4, 5]);
  });

  it('still drops the oldest after a take left kept items at the front', () => {
    const queue = new BoundedQueue<number>(4);
    fill(queue, 1, 4);
    queue.take(10, (n) => (n <= 2 ? 'keep' : 'take'));
    fill(queue, 5, 7); // 1, 2, 5, 6 then 7 pushes out 1
    assert.deepEqual(queue.take(10).items, [2, 5, 6, 7]);
  });

  it('clear empties the queue and says how many items it held', () => {
    const queue = new BoundedQueue<string>(10);
    queue.push('a');
    queue.push('b');
    assert.equal(queue.clear(), 2);
    assert.equal(queue.length, 0);
    assert.deepEqual(queue.take(10).items, []);
  });

  it('refuses a maximum length that is not a positive integer', () => {
    assert.throws(() => new BoundedQueue(0), RangeError);
    assert.throws(() => new BoundedQueue(2.5), RangeError);
  });
});
