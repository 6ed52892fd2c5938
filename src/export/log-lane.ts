import { debugLog } from '../debug-log.js';
import { MonitoringError } from '../monitoring-error.js';
import { BoundedQueue } from './bounded-queue.js';
import { DropEpisode, stringBytes, type BudgetHolder } from './byte-budget.js';
import type { LaneContext, TooLarge } from './lane-context.js';
import type { DeferredLine, LogEntry, LokiStream } from './log-entry.js';
import { encodeLokiPushBodySteps } from './loki/encode-push-body.js';
import { bodyByteLength } from './http/http-transport.js';
import { nanosecondTimestamp } from './loki/nanosecond-timestamp.js';
import { RequestSizeLimit } from './request-size-limit.js';
import { runSliced, SliceBudget } from './sliced-work.js';
import { TimestampSequencer, type StreamPosition } from './timestamp-sequencer.js';

/**
 * The logs side of an exporter: queues Loki lines and turns them into JSON
 * push requests bounded by count and by bytes.
 *
 * Timestamps (wire-protocols.md §4, vectors E2, E13): clamped to now, then
 * unique per stream at nanosecond precision (timestamp-sequencer.ts), because
 * Loki silently drops an entry equal in (timestamp, line) to the stream's last.
 * Entries still ahead of the clock wait for the next flush, as samples do.
 * Bytes per request are bounded (default 4 MiB) so that a batch of long lines
 * stays under Loki's ingestion burst (Grafana Cloud: 5-6 MB, §3) instead of
 * failing whole with 429 again and again. A receiver that refuses a request as
 * too large (413) gets it again in halves, and smaller requests from then on
 * (request-size-limit.ts).
 *
 * A DeferredLine gets its text when a push first looks at it, not when it is
 * queued (issue 6: the request path only queues); the text replaces it in the
 * queue, so an entry kept for a later push is not serialised twice. That
 * text is made in slices of a few ms (sliced-work.ts), a turn of the event
 * loop between two, so thousands of lines never stall the application
 * (issue 22 item 7); a request still carries as many lines as before.
 *
 * Memory (byte-budget.ts): each entry is charged to the exporter's byte budget
 * while it is queued, taken out for a push and sent (its body too), and the
 * budget drops the oldest when full; a line with content can be 256 KiB, so
 * `max_queue` alone bounds nothing (issue 18). A final delivery stops taking
 * batches once its deadline has passed (issue 22 item 3).
 */

interface QueuedEntry {
  readonly stream: LokiStream;
  /** Its timestamp as numbers (`ms` is compared with the clock); the nanosecond string is written at encoding. */
  readonly at: StreamPosition;
  line: string | DeferredLine;
  readonly structuredMetadata?: Readonly<Record<string, string>>;
  /** What it is charged to the byte budget; changes when a deferred line becomes text. */
  bytes: number;
}

/** A QueuedEntry, its StreamPosition and stream reference, roughly, without the line. */
const QUEUED_ENTRY_BYTES = 128;
/** A deferred line that does not say what it holds. */
const DEFAULT_DEFERRED_LINE_BYTES = 4096;

/** JSON framing per entry (`["…19 digits…","…"],`) on top of the line itself, roughly. */
const ENTRY_OVERHEAD_BYTES = 64;

export class LogLane implements BudgetHolder {
  private readonly queue: BoundedQueue<QueuedEntry>;
  private readonly sequencer = new TimestampSequencer();
  private readonly limit: RequestSizeLimit;
  private readonly queueFull = new DropEpisode('logs');

  /**
   * @example
   * const lane = new LogLane(context, 10_000, 4 * 1024 * 1024);
   */
  constructor(private readonly context: LaneContext, maxQueue: number, maxBytesPerRequest: number) {
    this.queue = new BoundedQueue<QueuedEntry>(maxQueue);
    this.limit = new RequestSizeLimit('logs', context, context.maxPerRequest, maxBytesPerRequest);
    context.budget.addHolder(this);
  }

  /**
   * Entries waiting to be sent.
   *
   * @example
   * if (lane.queued === 0) return;
   */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Queues one line on a stream, no I/O. When the queue is full the oldest is dropped and counted.
   *
   * @example
   * lane.add(makeLokiStream({ job: 'integrations/openai', level: 'info' }), Date.now(), line);
   * lane.add(stream, Date.now(), line, { request_id: 'req_123' }); // structured metadata (vector E7)
   */
  add(stream: LokiStream, timestampMs: number, line: string | DeferredLine, structuredMetadata?: Readonly<Record<string, string>>): void {
    const now = Date.now();
    const at = this.sequencer.nextPosition(stream.key, Number.isFinite(timestampMs) ? Math.min(timestampMs, now) : now);
    const bytes = QUEUED_ENTRY_BYTES + lineBytes(line) + metadataBytes(structuredMetadata);
    const queued: QueuedEntry = structuredMetadata === undefined ? { stream, at, line, bytes } : { stream, at, line, structuredMetadata, bytes };
    if (this.queue.length === this.queue.maxLength) this.context.budget.release(this.dropOldest());
    this.queue.push(queued);
    this.context.budget.charge(bytes);
  }

  /**
   * The oldest queued entry's timestamp (for the byte budget).
   *
   * @example
   * lane.oldestQueuedMs(); // 1700000000000
   */
  oldestQueuedMs(): number | undefined {
    return this.queue.peek()?.at.ms;
  }

  /**
   * Drops the oldest queued entry, counted `queue_full`; returns the bytes it was charged.
   *
   * @example
   * budget.release(lane.dropOldest());
   */
  dropOldest(): number {
    const dropped = this.queue.shift();
    if (dropped === undefined) return 0;
    this.context.self.countDropped('logs', 'queue_full', 1);
    this.queueFull.count(1);
    return dropped.bytes;
  }

  /**
   * Empties the queue (at shutdown, after the final delivery); returns how many entries were in it.
   *
   * @example
   * self.countDropped('logs', 'shutdown', lane.clear());
   */
  clear(): number {
    let bytes = 0;
    const { discarded } = this.queue.take(Number.POSITIVE_INFINITY, (q) => {
      bytes += q.bytes;
      return 'discard';
    });
    this.context.budget.release(bytes);
    return discarded;
  }

  /**
   * Sends what is due now, one request after the other; bounded by the number
   * of entries queued at its start.
   *
   * @example
   * await lane.push(); // run by SerialFlush, never twice at once
   */
  async push(): Promise<void> {
    const now = Date.now();
    const final = this.context.final.deadline !== undefined;
    const queueFull = this.queueFull.atFlush();
    if (queueFull) this.context.report(queueFull);
    let budget = this.queue.length;
    const slice = new SliceBudget();
    while (budget > 0) {
      if (this.context.final.expired) return; // what is left is counted at shutdown, not sent late
      const bytes = new RequestBytes(this.limit.bytes);
      const items: QueuedEntry[] = [];
      let freed = 0;
      let madeText = 0; // bytes a deferred line's text adds (or, negative, saves) over its estimate
      // One request, filled by one or more takes: a take stops when its slice is spent, and the next
      // continues where it stopped after a turn of the event loop.
      for (;;) {
        if (slice.spent()) await slice.pause();
        let paused = false;
        let full = false;
        let unwritable = 0;
        const taken = this.queue.take(Math.min(this.limit.items - items.length, budget), (q) => {
          if (slice.spent()) {
            paused = true;
            return 'stop';
          }
          if (q.at.ms > now && !final) return 'keep';
          if (now - q.at.ms > this.context.maxDataAgeMs) {
            freed += q.bytes;
            return 'discard';
          }
          const deferred = typeof q.line !== 'string';
          const line = textOf(q);
          if (line === undefined) {
            unwritable += 1;
            freed += q.bytes;
            return 'discard';
          }
          if (deferred) {
            const made = QUEUED_ENTRY_BYTES + stringBytes(line.length) + metadataBytes(q.structuredMetadata);
            madeText += made - q.bytes;
            q.bytes = made;
          }
          const metadata = q.structuredMetadata;
          const extra = ENTRY_OVERHEAD_BYTES + (metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(metadata), 'utf8'));
          // 'stop', not 'keep': a later, smaller line must not overtake this one.
          if (bytes.add(line, extra)) return 'take';
          full = true;
          return 'stop';
        });
        budget -= taken.items.length + taken.discarded;
        this.context.self.countDropped('logs', 'too_old', taken.discarded - unwritable);
        this.context.self.countDropped('logs', 'encode_error', unwritable);
        for (const item of taken.items) items.push(item);
        if (!paused || full || budget <= 0 || items.length >= this.limit.items) break;
      }
      // Settled after `take`: charging may make the budget drop queued entries, never during the walk.
      this.context.budget.release(freed);
      if (madeText > 0) this.context.budget.charge(madeText);
      else this.context.budget.release(-madeText);
      if (items.length === 0) return;
      const takenBytes = items.reduce((sum, q) => sum + q.bytes, 0); // held until delivered or given up
      try {
        await this.limit.deliverInHalves(items, (part) => this.send(part, now, slice));
      } finally {
        this.context.budget.release(takenBytes);
      }
    }
  }

  /** Encodes (in slices) and delivers one request; an encoding failure drops and counts its entries. */
  private async send(part: readonly QueuedEntry[], now: number, slice: SliceBudget): Promise<TooLarge | undefined> {
    let body: Buffer[];
    try {
      body = await runSliced(encodeLokiPushBodySteps(part.map(entryOf)), slice);
    } catch (err) {
      debugLog('Loki encoding failed, %d entries dropped: %s', part.length, err);
      this.context.self.countDropped('logs', 'encode_error', part.length);
      return undefined;
    }
    const oldest = part.reduce((min, q) => Math.min(min, q.at.ms), now);
    const budget = this.context.budget;
    const bytes = bodyByteLength(body);
    budget.charge(bytes);
    return this.context.deliver(body, oldest, part.length).finally(() => budget.release(bytes));
  }
}

/**
 * The bytes one request's lines take, against its bound. A UTF-16 code unit
 * is at most 3 UTF-8 bytes, so while 3 × the characters fit, the exact count
 * (a pass over every line, on top of the encoding's) is not needed; once they
 * do not, the lines so far are counted exactly and every later one too.
 */
class RequestBytes {
  private readonly lines: string[] = [];
  private extras = 0;
  private bound = 0;
  private exact: number | undefined;

  constructor(private readonly max: number) {}

  /** Takes the line if it fits (the first always does); false when it would break the bound. */
  add(line: string, extra: number): boolean {
    if (this.exact === undefined) {
      const upper = line.length * 3 + extra;
      if (this.lines.length === 0 || this.bound + upper <= this.max) {
        this.lines.push(line);
        this.extras += extra;
        this.bound += upper;
        return true;
      }
      this.exact = this.lines.reduce((sum, taken) => sum + Buffer.byteLength(taken, 'utf8'), this.extras);
    }
    const size = Buffer.byteLength(line, 'utf8') + extra;
    if (this.exact + size > this.max) return false;
    this.exact += size;
    return true;
  }
}

/** Bytes a queued line holds: its text, or what a deferred line says it holds. */
function lineBytes(line: string | DeferredLine): number {
  if (typeof line === 'string') return stringBytes(line.length);
  const held = line.heldBytes;
  return typeof held === 'number' && Number.isFinite(held) && held >= 0 ? held : DEFAULT_DEFERRED_LINE_BYTES;
}

/** Bytes of structured metadata: a handful of short strings, bounded by the recorder. */
function metadataBytes(metadata: Readonly<Record<string, string>> | undefined): number {
  if (metadata === undefined) return 0;
  let chars = 0;
  for (const name of Object.keys(metadata)) chars += name.length + metadata[name].length;
  return QUEUED_ENTRY_BYTES + stringBytes(chars);
}

/** The entry's text, made now if it was deferred (and kept in its place); undefined when it cannot be made. */
function textOf(q: QueuedEntry): string | undefined {
  if (typeof q.line === 'string') return q.line;
  try {
    const text: unknown = q.line.text();
    if (typeof text !== 'string') throw new TypeError(`a deferred line gave ${typeof text}, not a string`);
    q.line = text;
    return text;
  } catch (err) {
    // Only a redact() that returned something JSON cannot hold (a cycle, a BigInt) gets here.
    debugLog('log line dropped: %s', err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/** A taken entry as the encoder wants it; `take` only took entries whose text is made. */
function entryOf(q: QueuedEntry): LogEntry {
  const line = typeof q.line === 'string' ? q.line : '';
  const timestampNs = nanosecondTimestamp(q.at.ms, q.at.sub);
  return q.structuredMetadata === undefined ? { stream: q.stream, timestampNs, line } : { stream: q.stream, timestampNs, line, structuredMetadata: q.structuredMetadata };
}
