import { debugLog } from '../debug-log.js';
import { MonitoringError } from '../monitoring-error.js';
import { BoundedQueue, type TakeDecision } from './bounded-queue.js';
import type { Exemplar } from './exemplar.js';
import { DropEpisode, type BudgetHolder } from './byte-budget.js';
import type { LaneContext, TooLarge } from './lane-context.js';
import { RequestSizeLimit } from './request-size-limit.js';
import { SameMsMerge } from './same-ms-merge.js';
import { encodeWriteRequestSteps } from './remote-write/encode-write-request.js';
import { compressSnappyBlockSteps } from './remote-write/snappy-block.js';
import { runSliced, SliceBudget } from './sliced-work.js';
import type { Sample, Series } from './series.js';
import type { CollectedValue } from './telemetry-sink.js';
import { TimestampSequencer } from './timestamp-sequencer.js';

/**
 * The metrics side of an exporter: queues samples, reads collectors, and turns
 * both into remote-write requests of at most `maxPerRequest` samples — fewer
 * once a receiver refused a request as too large (request-size-limit.ts).
 *
 * Timestamps (wire-protocols.md §8 items 6-7): clamped to now when added, then
 * strictly increasing per series (timestamp-sequencer.ts). A sample whose
 * sequenced timestamp is still ahead of the clock at flush time (several calls
 * ended in the same ms) waits for the next flush — Prometheus must never see a
 * future timestamp, §1.4 shows one poisoning a whole head — except at the final
 * flush, when there is no next one and a few ms ahead are harmless. Samples
 * of a series that has run out of free ms are combined (same-ms-merge.ts).
 *
 * Cumulative series (collectors, self counters) go with the pushes the flush
 * timer, `flush()` and the final delivery ask for (`wantCumulative`), not
 * with those a full queue starts (flush-trigger.ts): at 1,000 models they are
 * tens of thousands of samples, re-sent whole each time. Stamping, encoding
 * and compressing are done in slices of a few ms (sliced-work.ts); the
 * cumulative values themselves are read in one go, so a histogram's buckets,
 * sum and count always agree.
 *
 * Memory (byte-budget.ts): each queued or taken sample and each body in flight
 * is charged to the exporter's byte budget, which drops the oldest when full.
 * A final delivery stops taking batches once its deadline has passed, so a
 * backlog cannot stretch `shutdown_timeout_ms` (issue 22 item 3).
 */

/** A source of cumulative series (e.g. histograms) read at each flush. */
export type Collector = () => Iterable<CollectedValue>;

/** A queued Sample object and its ring-buffer slot, roughly; the Series is shared by every sample of it. */
const SAMPLE_BYTES = 64;

export class SampleLane implements BudgetHolder {
  private readonly queue: BoundedQueue<Sample>;
  private readonly sequencer = new TimestampSequencer();
  private readonly merge = new SameMsMerge(this.sequencer);
  private cumulativeDue = false;
  private readonly collectors = new Set<Collector>();
  private readonly limit: RequestSizeLimit;
  private readonly queueFull = new DropEpisode('metrics');
  private clockReadFor: number | undefined;
  private clockMs: number | undefined;

  /**
   * @example
   * const lane = new SampleLane(context, 10_000);
   */
  constructor(private readonly context: LaneContext, maxQueue: number) {
    this.queue = new BoundedQueue<Sample>(maxQueue);
    this.limit = new RequestSizeLimit('metrics', context, context.maxPerRequest);
    context.budget.addHolder(this);
  }

  /**
   * Samples waiting to be sent.
   *
   * @example
   * if (lane.queued === 0) return;
   */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Queues one sample: O(1), no I/O. When the queue is full the oldest is dropped and counted.
   *
   * @example
   * lane.add(series, 12, Date.now());
   */
  add(series: Series, value: number, timestampMs: number): void {
    const now = this.clockFor(timestampMs);
    const wanted = Number.isFinite(timestampMs) ? Math.floor(Math.min(timestampMs, now)) : now;
    const sample = this.merge.stamp(series, value, wanted, now);
    if (sample === undefined) return; // combined into a queued sample of its series (same-ms-merge.ts)
    if (this.queue.length === this.queue.maxLength) this.context.budget.release(this.dropOldest());
    this.queue.push(sample);
    this.context.budget.charge(SAMPLE_BYTES);
  }

  /**
   * The clock, read once per run of adds with the same wanted timestamp. A
   * call's five compatible samples are added one after the other with the
   * call's end as their timestamp; when the ms ticked between two of them, one
   * series found a free ms and the next combined into its last sample, and
   * series that must hold one sample per group of calls (same history, same
   * rule) ended one sample apart (seen on a slow CI cell: 529 against 530
   * after 1,000 calls). One reading per call keeps their merge decisions the
   * same; it is never ahead of the clock.
   */
  private clockFor(timestampMs: number): number {
    if (timestampMs !== this.clockReadFor || this.clockMs === undefined) {
      this.clockReadFor = timestampMs;
      this.clockMs = Date.now();
    }
    return this.clockMs;
  }

  /**
   * The oldest queued sample's timestamp (for the byte budget).
   *
   * @example
   * lane.oldestQueuedMs(); // 1700000000000
   */
  oldestQueuedMs(): number | undefined {
    return this.queue.peek()?.timestampMs;
  }

  /**
   * Drops the oldest queued sample, counted `queue_full`; returns the bytes it was charged.
   *
   * @example
   * budget.release(lane.dropOldest());
   */
  dropOldest(): number {
    if (this.queue.shift() === undefined) return 0;
    this.merge.close(); // the sample dropped may be a series' open one
    this.context.self.countDropped('metrics', 'queue_full', 1);
    this.queueFull.count(1);
    return SAMPLE_BYTES;
  }

  /**
   * Makes the next push carry the cumulative series and self counters too.
   *
   * @example
   * lane.wantCumulative();
   * await metricsFlush.request();
   */
  wantCumulative(): void {
    this.cumulativeDue = true;
  }

  /**
   * Registers cumulative series read at each flush; returns the unregister function.
   *
   * @example
   * const stop = lane.addCollector(() => histogram.series());
   */
  addCollector(collect: Collector): () => void {
    this.collectors.add(collect);
    return () => {
      this.collectors.delete(collect);
    };
  }

  /**
   * Empties the queue (at shutdown, after the final delivery); returns how many samples were in it.
   *
   * @example
   * self.countDropped('metrics', 'shutdown', lane.clear());
   */
  clear(): number {
    const count = this.queue.clear();
    this.context.budget.release(count * SAMPLE_BYTES);
    return count;
  }

  /**
   * Sends what is due now, in requests of at most maxPerRequest samples, one after
   * the other (a request refused as too large is re-sent in halves). Bounded:
   * samples added while it runs beyond the number queued at its start wait for the next run.
   *
   * @example
   * await lane.push(); // run by SerialFlush, never twice at once
   */
  async push(): Promise<void> {
    const now = Date.now();
    const final = this.context.final.deadline !== undefined;
    const queueFull = this.queueFull.atFlush();
    if (queueFull) this.context.report(queueFull);
    const slice = new SliceBudget();
    const cumulative = this.cumulativeDue || final;
    this.cumulativeDue = false;
    const extras = cumulative ? await this.collectExtras(now, final, slice) : [];
    let budget = this.queue.length;
    const decide = (s: Sample): TakeDecision => {
      if (s.timestampMs > now && !final) return 'keep';
      return now - s.timestampMs > this.context.maxDataAgeMs ? 'discard' : 'take';
    };
    for (;;) {
      if (this.context.final.expired) return; // what is left is counted at shutdown, not sent late
      const max = this.limit.items; // read per request: a refusal during this run lowers it
      const chunk = extras.splice(0, max);
      let takenBytes = 0;
      if (budget > 0 && chunk.length < max) {
        this.merge.close(); // what is taken now can no longer take in a later call's value
        const taken = this.queue.take(Math.min(max - chunk.length, budget), decide);
        budget -= taken.items.length + taken.discarded;
        this.context.self.countDropped('metrics', 'too_old', taken.discarded);
        this.context.budget.release(taken.discarded * SAMPLE_BYTES);
        takenBytes = taken.items.length * SAMPLE_BYTES; // still held until delivered or given up
        chunk.push(...taken.items);
      }
      if (chunk.length === 0) return;
      try {
        await this.limit.deliverInHalves(chunk, (part) => this.send(part, now, slice));
      } finally {
        this.context.budget.release(takenBytes);
      }
    }
  }

  /** Encodes (in slices) and delivers one request; an encoding failure drops and counts its samples. */
  private async send(all: readonly Sample[], now: number, slice: SliceBudget): Promise<TooLarge | undefined> {
    const part = this.withoutRefused(all);
    if (part.length === 0) return undefined;
    let body: Uint8Array;
    try {
      body = await runSliced(compressSnappyBlockSteps(await runSliced(encodeWriteRequestSteps(part), slice)), slice);
    } catch (err) {
      debugLog('remote-write encoding failed, %d samples dropped: %s', part.length, err);
      this.context.self.countDropped('metrics', 'encode_error', part.length);
      return undefined;
    }
    const oldest = part.reduce((min, s) => Math.min(min, s.timestampMs), now);
    const bytes = this.context.budget;
    bytes.charge(body.byteLength);
    return this.context.deliver(body, oldest, part.length).finally(() => bytes.release(body.byteLength));
  }

  /** The samples of series a receiver has not refused by name; the others dropped and counted (refused-series.ts). */
  private withoutRefused(samples: readonly Sample[]): readonly Sample[] {
    const refused = this.context.refused;
    if (refused === undefined || !refused.active) return samples;
    const kept = samples.filter((s) => !refused.refuses(s.series));
    this.context.self.countDropped('metrics', 'rejected', samples.length - kept.length);
    return kept;
  }

  /**
   * Collector series and the self counters, stamped now (never ahead of the
   * clock except at the final flush), or at the time a collector dated the
   * value with (a series' birth at zero), kept before the series' next sample.
   */
  private async collectExtras(now: number, final: boolean, budget: SliceBudget): Promise<Sample[]> {
    // Read every value at once (a cell's series must agree), stamp them in slices.
    const read: CollectedValue[] = [];
    for (const collect of this.collectors) {
      try {
        for (const item of collect()) read.push(item);
      } catch (err) {
        debugLog('a collector failed: %s', err);
      }
    }
    // Self counters ride along with data, or go alone after a failure or drop; an idle exporter sends nothing.
    const self = this.context.self;
    if (read.length > 0 || this.queue.length > 0 || self.hasChanged) for (const item of self.collect()) read.push(item);
    const out: Sample[] = [];
    for (let i = 0; i < read.length; i++) {
      if (i % 1024 === 1023 && budget.spent()) await budget.pause();
      const { series, value, timestampMs: at, exemplar } = read[i];
      const last = this.sequencer.lastMs(series.key);
      if (!final && last !== undefined && last >= now) continue; // already stamped this ms: next flush
      const timestampMs = this.sequencer.nextMs(series.key, at === undefined ? now : Math.min(at, now - 1));
      // Only the few buckets with an exemplar get the property: other samples keep one shape.
      out.push(exemplar === undefined ? { series, value, timestampMs } : { series, value, timestampMs, exemplar });
    }
    return out;
  }
}

