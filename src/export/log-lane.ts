import { debugLog } from '../debug-log.js';
import { MonitoringError } from '../monitoring-error.js';
import { BoundedQueue } from './bounded-queue.js';
import type { LaneContext } from './lane-context.js';
import type { LogEntry, LokiStream } from './log-entry.js';
import { encodeLokiPushBody } from './loki/encode-push-body.js';
import { TimestampSequencer } from './timestamp-sequencer.js';

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
 * failing whole with 429 again and again.
 */

interface QueuedEntry {
  readonly entry: LogEntry;
  /** The millisecond the entry is filed under, to compare with the clock. */
  readonly ms: number;
}

/** JSON framing per entry (`["…19 digits…","…"],`) on top of the line itself, roughly. */
const ENTRY_OVERHEAD_BYTES = 64;

export class LogLane {
  private readonly queue: BoundedQueue<QueuedEntry>;
  private readonly sequencer = new TimestampSequencer();
  private unreportedQueueFull = 0;

  /**
   * @example
   * const lane = new LogLane(context, 10_000, 4 * 1024 * 1024);
   */
  constructor(private readonly context: LaneContext, maxQueue: number, private readonly maxBytesPerRequest: number) {
    this.queue = new BoundedQueue<QueuedEntry>(maxQueue);
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
  add(stream: LokiStream, timestampMs: number, line: string, structuredMetadata?: Readonly<Record<string, string>>): void {
    const now = Date.now();
    const at = this.sequencer.nextNs(stream.key, Number.isFinite(timestampMs) ? Math.min(timestampMs, now) : now);
    const entry: LogEntry = structuredMetadata === undefined ? { stream, timestampNs: at.ns, line } : { stream, timestampNs: at.ns, line, structuredMetadata };
    if (this.queue.push({ entry, ms: at.ms })) {
      this.context.self.countDropped('logs', 'queue_full', 1);
      this.unreportedQueueFull += 1;
    }
  }

  /**
   * Empties the queue (at shutdown, after the final delivery); returns how many entries were in it.
   *
   * @example
   * self.countDropped('logs', 'shutdown', lane.clear());
   */
  clear(): number {
    return this.queue.clear();
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
    this.reportQueueFull();
    let budget = this.queue.length;
    while (budget > 0) {
      let bytes = 0;
      let count = 0;
      const taken = this.queue.take(Math.min(this.context.maxPerRequest, budget), (q) => {
        if (q.ms > now && !final) return 'keep';
        if (now - q.ms > this.context.maxDataAgeMs) return 'discard';
        const metadata = q.entry.structuredMetadata;
        const size = Buffer.byteLength(q.entry.line, 'utf8') + ENTRY_OVERHEAD_BYTES + (metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(metadata), 'utf8'));
        // 'stop', not 'keep': a later, smaller line must not overtake this one.
        if (count > 0 && bytes + size > this.maxBytesPerRequest) return 'stop';
        bytes += size;
        count += 1;
        return 'take';
      });
      budget -= taken.items.length + taken.discarded;
      this.context.self.countDropped('logs', 'too_old', taken.discarded);
      if (taken.items.length === 0) return;
      let body: string;
      try {
        body = encodeLokiPushBody(taken.items.map((q) => q.entry));
      } catch (err) {
        debugLog('Loki encoding failed, %d entries dropped: %s', taken.items.length, err);
        this.context.self.countDropped('logs', 'encode_error', taken.items.length);
        continue;
      }
      const oldest = taken.items.reduce((min, q) => Math.min(min, q.ms), now);
      await this.context.deliver(body, oldest, taken.items.length);
    }
  }

  private reportQueueFull(): void {
    if (this.unreportedQueueFull === 0) return;
    const count = this.unreportedQueueFull;
    this.unreportedQueueFull = 0;
    const message = `logs queue full: ${count} oldest log entries dropped since the last flush`;
    this.context.report(new MonitoringError('GOM_QUEUE_FULL', message, { signal: 'logs' }));
  }
}
