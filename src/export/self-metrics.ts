import { makeSeries, type Series } from './series.js';
import type { Signal } from './http/retry-policy.js';
import type { CollectedValue } from './telemetry-sink.js';

/**
 * The exporter's own counters, pushed with the data so that a team can see in
 * Grafana what monitoring itself lost (DESIGN.md §1 "self-monitoring: pushes,
 * failures, dropped samples/entries, by reason"; wire-protocols.md §8 item 11
 * "drop oldest with a counter").
 *
 * - `grafana_openai_monitoring_pushes_total{signal}`: HTTP push attempts.
 * - `grafana_openai_monitoring_push_failures_total{signal,reason}`: attempts
 *   that failed, by why (so failures/pushes is a failure ratio).
 * - `grafana_openai_monitoring_dropped_samples_total{reason}` and
 *   `grafana_openai_monitoring_dropped_log_entries_total{reason}`: data that
 *   will never arrive, by why.
 *
 * Every series, for each signal and reason, exists at 0 from the first push
 * (the client_golang advice "initialise labelled counters you know of"): an
 * alert on `increase(…_push_failures_total[5m]) > 0` or a dashboard panel sees
 * the series, and the first failure is an increase from 0, before anything has
 * gone wrong. That is 32 series per process, bounded by the two enums below.
 * Pushed at 0 from the first push, each is also born at zero as every
 * cumulative series must be (record/series-birth.ts says why).
 * All are cumulative for the life of the exporter (the `instance` label in
 * `selfLabels` keeps processes apart).
 */

/** Why one push attempt failed. */
export type FailureReason =
  | 'rate_limited'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'rejected'
  | 'endpoint_config'
  | 'not_written'
  /** 413 (or Mimir's 400 "message size … larger than the allowed limit"): the data is re-sent in smaller requests. */
  | 'too_large';

/** Why data was dropped. */
export type DropReason =
  /** The queue was full; the oldest data made room. */
  | 'queue_full'
  /** The receiver refused the batch (4xx other than 429, or Loki 260). */
  | 'rejected'
  /** Retries ran out (attempts, data age, or the exit deadline). */
  | 'retries_exhausted'
  /** Still queued when it became too old to be accepted. */
  | 'too_old'
  /** Added after shutdown, or still queued when shutdown gave up. */
  | 'shutdown'
  /** The batch could not be encoded (a bug; reported with debug logging). */
  | 'encode_error'
  /** One sample or line alone was larger than the receiver accepts (413 for a request of one). */
  | 'too_large';

// Records keyed by the unions, so a reason added to a union without a line here fails to compile.
const FAILURE_REASONS = Object.keys({
  rate_limited: 1, server_error: 1, network: 1, timeout: 1, rejected: 1, endpoint_config: 1, not_written: 1, too_large: 1,
} satisfies Record<FailureReason, 1>) as FailureReason[];
const DROP_REASONS = Object.keys({
  queue_full: 1, rejected: 1, retries_exhausted: 1, too_old: 1, shutdown: 1, encode_error: 1, too_large: 1,
} satisfies Record<DropReason, 1>) as DropReason[];
const SIGNALS: readonly Signal[] = ['metrics', 'logs'];

const PUSHES = 'grafana_openai_monitoring_pushes_total';
const FAILURES = 'grafana_openai_monitoring_push_failures_total';
const DROPPED_SAMPLES = 'grafana_openai_monitoring_dropped_samples_total';
const DROPPED_LOG_ENTRIES = 'grafana_openai_monitoring_dropped_log_entries_total';

export interface SelfMetricsSnapshot {
  readonly pushes: Readonly<Record<Signal, number>>;
  /** Samples (metrics) and log entries (logs) the receiver accepted; not a pushed series. */
  readonly delivered: Readonly<Record<Signal, number>>;
  readonly failures: Readonly<Record<string, number>>;
  readonly droppedSamples: Readonly<Partial<Record<DropReason, number>>>;
  readonly droppedLogEntries: Readonly<Partial<Record<DropReason, number>>>;
}

interface Counter {
  readonly series: Series;
  value: number;
  /** When its birth 0 is stamped (1 ms before it was made), until the first collect. */
  bornMs: number | undefined;
}

export class SelfMetrics {
  private readonly counters = new Map<string, Counter>();
  private readonly snapshotData = {
    pushes: { metrics: 0, logs: 0 } as Record<Signal, number>,
    delivered: { metrics: 0, logs: 0 } as Record<Signal, number>,
    failures: {} as Record<string, number>,
    droppedSamples: {} as Partial<Record<DropReason, number>>,
    droppedLogEntries: {} as Partial<Record<DropReason, number>>,
  };
  private pushesSinceCollect = 0;
  private changed = false;

  /**
   * @param labels constant labels on every self series, e.g. `{ job, instance }`.
   * @example
   * const self = new SelfMetrics({ job: 'integrations/openai', instance: 'host:123' });
   */
  constructor(private readonly labels: Readonly<Record<string, string>> = {}) {
    // Every series at 0 now; this also fails at construction (monitor() time), not at
    // the first push, on a label no receiver accepts.
    for (const signal of SIGNALS) {
      this.add(PUSHES, { signal }, 0, false);
      for (const reason of FAILURE_REASONS) this.add(FAILURES, { signal, reason }, 0, false);
    }
    for (const reason of DROP_REASONS) this.add(DROPPED_SAMPLES, { reason }, 0, false);
    for (const reason of DROP_REASONS) this.add(DROPPED_LOG_ENTRIES, { reason }, 0, false);
  }

  /**
   * Counts one push attempt.
   *
   * @example
   * self.countPush('metrics');
   */
  countPush(signal: Signal): void {
    this.snapshotData.pushes[signal] += 1;
    this.pushesSinceCollect += 1;
    // Not a change worth a push of its own: a push of the self counters would count
    // itself and keep an idle exporter pushing forever. It rides along with the next data.
    this.add(PUSHES, { signal }, 1, false);
  }

  /**
   * Counts samples or log entries a receiver accepted, for `snapshot()` only
   * (the demo's delivery report): a receiver counts what it stores itself.
   *
   * @example
   * self.countDelivered('logs', 42);
   */
  countDelivered(signal: Signal, count: number): void {
    this.snapshotData.delivered[signal] += count;
  }

  /**
   * Counts one failed push attempt.
   *
   * @example
   * self.countFailure('logs', 'rate_limited');
   */
  countFailure(signal: Signal, reason: FailureReason): void {
    const key = `${signal}:${reason}`;
    this.snapshotData.failures[key] = (this.snapshotData.failures[key] ?? 0) + 1;
    this.add(FAILURES, { signal, reason }, 1);
  }

  /**
   * Counts dropped samples (signal `metrics`) or log entries (signal `logs`).
   *
   * @example
   * self.countDropped('metrics', 'queue_full', 3);
   */
  countDropped(signal: Signal, reason: DropReason, count: number): void {
    if (count <= 0) return;
    const table = signal === 'metrics' ? this.snapshotData.droppedSamples : this.snapshotData.droppedLogEntries;
    table[reason] = (table[reason] ?? 0) + count;
    this.add(signal === 'metrics' ? DROPPED_SAMPLES : DROPPED_LOG_ENTRIES, { reason }, count);
  }

  /**
   * True when a failure or drop was counted since the last `collect()`.
   *
   * @example
   * if (batch.length > 0 || self.hasChanged) batch.push(...stamp(self.collect()));
   */
  get hasChanged(): boolean {
    return this.changed;
  }

  /**
   * True when a push was counted after the counters were last collected: a push
   * can count itself only in a later push, so the delivery at exit makes one
   * more when nothing else is left (issue 19: a process that pushes once shows
   * its pushes too).
   *
   * @example
   * if (nothingQueued && !self.hasUnreportedPushes) return; // let the process go
   */
  get hasUnreportedPushes(): boolean {
    return this.pushesSinceCollect > 0;
  }

  /**
   * Every counter series with its current value, a new series' 0 (dated at its birth) first.
   *
   * @example
   * for (const { series, value } of self.collect()) queueAtFlushTime(series, value);
   */
  collect(): CollectedValue[] {
    this.changed = false;
    this.pushesSinceCollect = 0;
    const out: CollectedValue[] = [];
    for (const c of this.counters.values()) {
      // A counter that already counts something at its first push gets its birth 0 first;
      // one still at 0 needs none, that first sample is its birth.
      if (c.bornMs !== undefined) {
        if (c.value !== 0) out.push({ series: c.series, value: 0, timestampMs: c.bornMs });
        c.bornMs = undefined;
      }
      out.push({ series: c.series, value: c.value });
    }
    return out;
  }

  /**
   * Plain counts for tests and `Exporter.stats()`.
   *
   * @example
   * self.snapshot().droppedSamples.queue_full; // 3
   */
  snapshot(): SelfMetricsSnapshot {
    return {
      pushes: { ...this.snapshotData.pushes },
      delivered: { ...this.snapshotData.delivered },
      failures: { ...this.snapshotData.failures },
      droppedSamples: { ...this.snapshotData.droppedSamples },
      droppedLogEntries: { ...this.snapshotData.droppedLogEntries },
    };
  }

  private add(name: string, labels: Record<string, string>, amount: number, isChange = true): void {
    const key = `${name}|${JSON.stringify(labels)}`;
    let counter = this.counters.get(key);
    if (!counter) {
      // Own labels win over selfLabels of the same name, so `signal`/`reason` are never lost.
      counter = { series: makeSeries(name, { ...this.labels, ...labels }), value: 0, bornMs: Date.now() - 1 };
      this.counters.set(key, counter);
    }
    counter.value += amount;
    if (isChange) this.changed = true;
  }
}
