import { debugLog } from '../debug-log.js';
import { MonitoringError } from '../monitoring-error.js';
import type { Signal } from './http/retry-policy.js';
import type { LaneContext, TooLarge } from './lane-context.js';

/**
 * How much one request of a lane may carry, learnt from the receiver.
 *
 * wire-protocols.md §9: a 413 (Mimir: 400 "message size … larger than the
 * allowed limit") means "body too large: no retry of the same bytes; split
 * future batches". So a refused batch is sent again in two halves, each a new
 * request with its own retry budget, recursively, until the receiver takes
 * each part: nothing a receiver can take is lost. A refusal of n ≥ 2 items
 * also lowers the bound for the rest of the exporter's life to ⌈n/2⌉ items
 * (and half the refused body's bytes, for Loki), so later flushes do not pay
 * the refusal again; it never goes below one item. One item refused alone
 * cannot be split: it is dropped, counted (`too_large`), and reported once
 * per lane with what to change; the refusals it explains (of requests that
 * held it while their other items got through) leave the bound alone, or a
 * single oversized line would make every later request carry one line. A
 * receiver that refuses even single items gets the halving once, then one item
 * per request: each dropped and counted, without the whole halving every flush.
 *
 * Order (§1.4, vector B16): halves go one after the other, the first half
 * wholly first, and the lane awaits all of it before its next request, so per
 * series samples still leave in timestamp order and never two pushes overlap.
 */

/** What a lane reports a single refused item with, per signal. */
const WHAT_TO_CHANGE: Record<Signal, { noun: string; advice: string }> = {
  metrics: {
    noun: 'sample',
    advice:
      "raise the request body limit of the receiver or of the proxy in front of it (nginx: client_max_body_size; Mimir: -distributor.max-recv-msg-size), or shorten long values in the `labels` option",
  },
  logs: {
    noun: 'log line',
    advice:
      'lower max_content_length or set disable_content: true, or raise the request body limit of Loki or of the proxy in front of it (nginx: client_max_body_size; Loki: -distributor.max-recv-msg-size)',
  },
};

interface SplitOutcome {
  /** Some part of the items was delivered (or given up for another reason than size). */
  readonly passed: boolean;
  /** Some item was refused alone and dropped. */
  readonly droppedAlone: boolean;
}

/**
 * A lane's request bound and the halving that enforces it (see above).
 *
 * @example
 * const limit = new RequestSizeLimit('metrics', context, 20_000);
 * await limit.deliverInHalves(chunk, (part) => send(part));
 * limit.items; // 20000, or less once a receiver said "too large"
 */
export class RequestSizeLimit {
  private maxItems: number;
  private maxBytes: number;
  private reportedAlone = false;

  /**
   * @param items the configured items per request (at least 1).
   * @param bytes the configured bytes per request, when the lane bounds bytes (Loki).
   * @example
   * const limit = new RequestSizeLimit('logs', context, 20_000, 4 * 1024 * 1024);
   */
  constructor(
    private readonly signal: Signal,
    private readonly context: Pick<LaneContext, 'self' | 'report'>,
    items: number,
    bytes: number = Number.POSITIVE_INFINITY,
  ) {
    this.maxItems = Math.max(1, Math.floor(items));
    this.maxBytes = bytes;
  }

  /**
   * Items the next request may carry.
   *
   * @example
   * const chunk = queue.take(limit.items);
   */
  get items(): number {
    return this.maxItems;
  }

  /**
   * Bytes the next request may carry (the first item always goes, whatever its size).
   *
   * @example
   * const bytes = new RequestBytes(limit.bytes);
   */
  get bytes(): number {
    return this.maxBytes;
  }

  /**
   * Sends `items` with `send` (one encoded request per call); when the
   * receiver refuses a request as too large, sends its two halves the same way.
   * Resolves when every part was delivered, given up, or dropped as too large.
   *
   * @example
   * await limit.deliverInHalves(chunk, (part) => context.deliver(encode(part), oldestOf(part), part.length));
   */
  async deliverInHalves<T>(items: readonly T[], send: (part: readonly T[]) => Promise<TooLarge | undefined>): Promise<void> {
    if (items.length > 0) await this.split(items, send);
  }

  /** Sends `items`, halving on refusal; says whether some part got through and whether an item was dropped alone. */
  private async split<T>(items: readonly T[], send: (part: readonly T[]) => Promise<TooLarge | undefined>): Promise<SplitOutcome> {
    const refusal = await send(items);
    if (refusal === undefined) return { passed: true, droppedAlone: false };
    if (items.length === 1) {
      this.dropAlone(refusal);
      return { passed: false, droppedAlone: true };
    }
    const middle = Math.ceil(items.length / 2);
    const first = await this.split(items.slice(0, middle), send);
    const second = await this.split(items.slice(middle), send);
    const outcome = { passed: first.passed || second.passed, droppedAlone: first.droppedAlone || second.droppedAlone };
    // A refusal explained by one oversized item (dropped alone while its neighbours
    // got through) says nothing about the request size: one long line must not make
    // every later request carry one line. Otherwise the bound learns from it.
    if (!(outcome.droppedAlone && outcome.passed)) this.shrink(items.length, refusal.bytes);
    return outcome;
  }

  private shrink(items: number, bytes: number): void {
    const before = this.maxItems;
    this.maxItems = Math.min(this.maxItems, Math.ceil(items / 2));
    if (Number.isFinite(this.maxBytes)) this.maxBytes = Math.min(this.maxBytes, Math.max(1, Math.floor(bytes / 2)));
    if (this.maxItems < before) {
      debugLog('%s: %d items (%d bytes) refused as too large; requests now carry at most %d', this.signal, items, bytes, this.maxItems);
    }
  }

  private dropAlone(refusal: TooLarge): void {
    const { noun, advice } = WHAT_TO_CHANGE[this.signal];
    this.context.self.countDropped(this.signal, 'too_large', 1);
    const message = `${refusal.message}: one ${noun} alone (${refusal.bytes} bytes encoded) is larger than the receiver accepts, so it was dropped (reason too_large); ${advice}`;
    if (this.reportedAlone) {
      debugLog('%s', message);
      return;
    }
    this.reportedAlone = true;
    this.context.report(new MonitoringError('GOM_PUSH_REJECTED', message, { signal: this.signal, status: refusal.status }));
  }
}
