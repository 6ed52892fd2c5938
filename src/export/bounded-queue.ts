/**
 * A first-in first-out queue with a fixed maximum length. When it is full the
 * OLDEST item makes room for the new one and is counted, so a dead or slow
 * endpoint costs the application bounded memory and the freshest data survives
 * (wire-protocols.md §8 item 11: "bound … queue memory; drop oldest with a
 * counter when full").
 *
 * It is a ring buffer: `push` is O(1) whatever the length, because it runs on
 * the application's request path.
 */

/** What `take` does with one item it looks at. */
export type TakeDecision =
  /** Move the item into the result. */
  | 'take'
  /** Leave it queued, in its place (e.g. a sample still in the future). */
  | 'keep'
  /** Remove it without returning it (e.g. data too old to be accepted). */
  | 'discard'
  /** Leave this item and every later one queued (e.g. the request is full). */
  | 'stop';

export interface TakeResult<T> {
  readonly items: T[];
  /** How many items were removed with `discard`. */
  readonly discarded: number;
}

export class BoundedQueue<T> {
  private slots: (T | undefined)[];
  private head = 0;
  private size = 0;
  private droppedTotal = 0;

  /**
   * @param maxLength how many items the queue holds before it drops the oldest (at least 1).
   * @example
   * const queue = new BoundedQueue<number>(10_000);
   */
  constructor(readonly maxLength: number) {
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError('maxLength must be a positive integer');
    // Grown on demand up to maxLength: most queues never hold more than a flush interval's worth.
    this.slots = new Array<T | undefined>(Math.min(maxLength, 64));
  }

  /**
   * Items currently queued.
   *
   * @example
   * if (queue.length === 0) return; // nothing to send
   */
  get length(): number {
    return this.size;
  }

  /**
   * How many items were dropped because the queue was full, since it was made.
   *
   * @example
   * stats.droppedQueueFull = queue.dropped;
   */
  get dropped(): number {
    return this.droppedTotal;
  }

  /**
   * Appends an item; when the queue is full the oldest item is removed first.
   * Returns true when an item was dropped to make room.
   *
   * @example
   * if (queue.push(sample)) counters.dropped('queue_full');
   */
  push(item: T): boolean {
    if (this.size === this.maxLength) {
      this.slots[this.head] = item;
      this.head = (this.head + 1) % this.slots.length;
      this.droppedTotal += 1;
      return true;
    }
    if (this.size === this.slots.length) this.grow();
    this.slots[(this.head + this.size) % this.slots.length] = item;
    this.size += 1;
    return false;
  }

  /**
   * The oldest item, left in place; undefined when empty.
   *
   * @example
   * const oldest = queue.peek();
   */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.slots[this.head];
  }

  /**
   * Removes and returns the oldest item (counted in `dropped`: it is only used
   * to make room); undefined when empty.
   *
   * @example
   * const dropped = queue.shift(); // the byte budget needs room
   */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.size -= 1;
    this.droppedTotal += 1;
    return item;
  }

  /**
   * Looks at the items oldest first and removes up to `max` of those `decide`
   * takes, plus those it discards; kept items stay queued in their order.
   * O(length): it runs once per flush, never on the request path.
   *
   * @example
   * const { items, discarded } = queue.take(5_000, (s) => (s.timestampMs > now ? 'keep' : 'take'));
   */
  take(max: number, decide: (item: T) => TakeDecision = () => 'take'): TakeResult<T> {
    const items: T[] = [];
    const kept: T[] = [];
    let discarded = 0;
    let stopped = false;
    const count = this.size;
    for (let i = 0; i < count; i++) {
      const index = (this.head + i) % this.slots.length;
      const item = this.slots[index] as T;
      this.slots[index] = undefined;
      if (stopped || items.length >= max) {
        kept.push(item);
        continue;
      }
      const decision = decide(item);
      if (decision === 'take') items.push(item);
      else if (decision === 'discard') discarded += 1;
      else {
        if (decision === 'stop') stopped = true;
        kept.push(item);
      }
    }
    this.head = 0;
    this.size = kept.length;
    for (let i = 0; i < kept.length; i++) this.slots[i] = kept[i];
    return { items, discarded };
  }

  /**
   * Removes everything, returning how many items were queued.
   *
   * @example
   * const lost = queue.clear(); // at shutdown, after the final delivery gave up
   */
  clear(): number {
    const count = this.size;
    this.slots = new Array<T | undefined>(Math.min(this.maxLength, 64));
    this.head = 0;
    this.size = 0;
    return count;
  }

  private grow(): void {
    const capacity = Math.min(this.maxLength, this.slots.length * 2);
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.size; i++) next[i] = this.slots[(this.head + i) % this.slots.length];
    this.slots = next;
    this.head = 0;
  }
}
