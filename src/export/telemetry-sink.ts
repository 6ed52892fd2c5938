import type { DeferredLine, LokiStream } from './log-entry.js';
import type { Exemplar } from './exemplar.js';
import type { Series } from './series.js';

/**
 * One value of a cumulative series, read at a flush and stamped with the flush
 * time, unless `timestampMs` dates it: the 0 a counter or histogram series is
 * born with is stamped just before its first observation (record/series-birth.ts).
 *
 * @example
 * const zero: CollectedValue = { series, value: 0, timestampMs: firstCallEndMs - 1 };
 */
export interface CollectedValue {
  readonly series: Series;
  readonly value: number;
  /** Integer ms since the epoch; when absent, the flush time. */
  readonly timestampMs?: number;
  /** The interval's chosen call on a histogram bucket (remote-write exemplar), if any. */
  readonly exemplar?: Exemplar;
}

/**
 * What record/ hands to export/: samples, log lines, and cumulative series read
 * at each flush. Implementations queue and return at once: these calls sit on
 * the app's request path, so they never block, do I/O or throw.
 *
 * @example
 * sink.addSample(promptTokensSeries, 12, Date.now());
 * sink.addLogEntry(stream, Date.now(), JSON.stringify(line));
 * sink.addLogEntry(stream, Date.now(), JSON.stringify(line), { request_id: 'req_123' });
 * const stop = sink.addFlushPreparer(() => recorder.drain());
 */
export interface TelemetrySink {
  /** One point of a series at `timestampMs` (made strictly increasing per series by the exporter). */
  addSample(series: Series, value: number, timestampMs: number): void;
  /**
   * One Loki line at `timestampMs` (made unique per stream at nanosecond
   * precision by the exporter), with optional structured metadata (string
   * values only). A DeferredLine is turned into text at the flush.
   */
  addLogEntry(stream: LokiStream, timestampMs: number, line: string | DeferredLine, structuredMetadata?: Readonly<Record<string, string>>): void;
  /** Registers cumulative series (counters, histograms) read and stamped at each flush, a point with at most one exemplar; returns an unregister function. */
  addCollector(collect: () => Iterable<CollectedValue>): () => void;
  /**
   * Registers work to run at the start of every flush, before the queues are
   * read (also before `stats()` and the exit delivery look at them): a recorder
   * that batches calls hands them over here. Must not throw (guarded anyway).
   * Returns an unregister function.
   */
  addFlushPreparer(prepare: () => void): () => void;
}
