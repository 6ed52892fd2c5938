import { debugLog, warnOnce } from '../debug-log.js';
import { MonitoringError } from '../monitoring-error.js';
import { ByteBudget, DEFAULT_MAX_BUFFERED_BYTES, RECORDING_RESERVE_BYTES } from './byte-budget.js';
import { CardinalityWarning } from './cardinality-limit.js';
import { onProcessBeforeExit } from './exit-hook.js';
import { FinalDelivery } from './final-delivery.js';
import { FlushTrigger } from './flush-trigger.js';
import { HttpTransport } from './http/http-transport.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicyOptions, type Signal } from './http/retry-policy.js';
import type { LaneContext } from './lane-context.js';
import type { DeferredLine, LokiStream } from './log-entry.js';
import { LogLane } from './log-lane.js';
import { RefusedSeries } from './refused-series.js';
import { lokiEndpoint, remoteWriteEndpoint, type EndpointOptions, type PushEndpoint } from './push-endpoint.js';
import { onProcessSignal } from './process-signals.js';
import { SampleLane, type Collector } from './sample-lane.js';
import { SelfMetrics, type SelfMetricsSnapshot } from './self-metrics.js';
import { SerialFlush } from './serial-flush.js';
import type { SharedSettings } from './shared-exporter-settings.js';
import { signalDelivery, type SharedDeliveryState } from './signal-delivery.js';
import type { Series } from './series.js';

export type { Collector } from './sample-lane.js';

/**
 * One exporter per destination, shared by every monitor that pushes there
 * (exporter-registry.ts): one queue per signal, one keep-alive pool, one push
 * per signal per flush interval.
 *
 * Rules it keeps (DESIGN.md §3 rules 3-4, wire-protocols.md §8):
 * - `addSample`/`addLogEntry` run on the application's request path: O(1),
 *   no I/O, never throw (sample-lane.ts, log-lane.ts own timestamps and batching).
 * - pushes of one signal never overlap (serial-flush.ts, vector B16); a flush
 *   sends requests of at most maxSamplesPerRequest items (2,000 by default, and
 *   4 MiB of Loki lines), so a backlog after an outage leaves as several
 *   requests that succeed or fail alone (issue 22 item 2); fewer once a
 *   receiver said "too large" (413, request-size-limit.ts). A queue half full
 *   starts a push of its own before the timer (flush-trigger.ts): a busy
 *   process loses nothing to a healthy receiver (issue 22 item 1).
 * - nothing keeps an idle process alive (timer and sockets unref()ed); at
 *   `beforeExit` what is queued is delivered once, bounded by shutdownTimeoutMs
 *   (final-delivery.ts), and then the process exits by itself; on SIGTERM and
 *   SIGINT likewise, then the process ends as without us (process-signals.ts).
 * - everything held is bounded in bytes (byte-budget.ts), the oldest dropped first.
 * - every delivery problem reaches `onError` once, as a MonitoringError without
 *   secrets; a stream or series limit once per exporter (cardinality-limit.ts).
 */

export interface ExporterOptions {
  readonly metrics: EndpointOptions;
  readonly logs: EndpointOptions;
  /** Default 10 000. */
  readonly flushIntervalMs?: number;
  /** Per HTTP attempt, connect to end of response. Default 5 000. */
  readonly timeoutMs?: number;
  /** Bound of the final delivery at shutdown or process exit. Default 5 000. */
  readonly shutdownTimeoutMs?: number;
  /** Per signal; when full the oldest is dropped. Default 50 000 (the byte budget bounds the memory). */
  readonly maxQueue?: number;
  /**
   * Bytes held in all (queues, batches being sent or retried, bodies in
   * flight, and calls waiting to be recorded); when full the oldest is
   * dropped. Default 32 MiB.
   */
  readonly maxBufferedBytes?: number;
  /** Deliver on SIGTERM/SIGINT, then end the process as without us (process-signals.ts). Default true. */
  readonly handleSignals?: boolean;
  /** Samples (or log entries) per request, at most; halved for good by each "too large" answer. Default 2 000. */
  readonly maxSamplesPerRequest?: number;
  /** Bytes of log lines per Loki request. Default 4 MiB, at most an eighth of the byte budget. */
  readonly maxLogBytesPerRequest?: number;
  readonly onError?: (err: MonitoringError) => void;
  /** `<name>/<version>`, sent on every push. */
  readonly userAgent: string;
  /** Constant labels of the self-monitoring series, e.g. `{ job, instance }`. */
  readonly selfLabels?: Readonly<Record<string, string>>;
  /** Overrides of the retry bounds (retry-policy.ts). */
  readonly retry?: Partial<RetryPolicyOptions>;
}

export interface ExporterStats extends SelfMetricsSnapshot {
  readonly queuedSamples: number;
  readonly queuedLogEntries: number;
  /** Bytes held now, and at most since the exporter was made (byte-budget.ts). */
  readonly bufferedBytes: number;
  readonly peakBufferedBytes: number;
  readonly pushing: Readonly<Record<Signal, boolean>>;
  readonly shutDown: boolean;
}

/**
 * Reports a delivery problem when nobody registered `onError`: one process
 * warning per code and signal, so a wrong URL is visible without flooding stderr.
 *
 * @example
 * warnDeliveryProblem(new MonitoringError('GOM_ENDPOINT_CONFIG', 'metrics push … answered HTTP 404', { signal: 'metrics', status: 404 }));
 */
export function warnDeliveryProblem(err: MonitoringError): void {
  warnOnce(`${err.code}:${err.signal ?? ''}`, err.message, err.code);
}

export class Exporter {
  /** The bounds in effect, defaults filled in (shared-exporter-settings.ts compares a later monitor's with them). */
  readonly settings: SharedSettings;
  private readonly shutdownTimeoutMs: number;
  private readonly transport = new HttpTransport();
  private readonly final = new FinalDelivery((err) => this.report(err));
  private readonly budget: ByteBudget;
  private readonly self: SelfMetrics;
  private readonly samples: SampleLane;
  private readonly entries: LogLane;
  private readonly metricsFlush: SerialFlush;
  private readonly logsFlush: SerialFlush;
  private readonly metricsTrigger: FlushTrigger;
  private readonly logsTrigger: FlushTrigger;
  private readonly interval: NodeJS.Timeout;
  private readonly unregisterExit: () => void;
  private readonly unregisterSignals: () => void;
  private exitDelivery: Promise<void> | undefined;
  /**
   * Counts what the app added; an exit delivery remembers the count it ran at.
   * Without this, each `beforeExit` after a failed delivery would start another
   * (a retry loop or the self-monitoring counters always leave something), and a
   * process whose endpoints are down would live many times shutdownTimeoutMs.
   */
  private appDataAdded = 0;
  private appDataAtExitDelivery = -1;
  private closing: Promise<void> | undefined;
  private readonly preparers = new Set<() => void>();

  /**
   * Throws MonitoringError GOM_INVALID_OPTION for a bad URL or bound.
   *
   * @example
   * const exporter = new Exporter({
   *   metrics: { url: 'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push', username: '123456', password: token },
   *   logs: { url: 'https://logs-prod-006.grafana.net/loki/api/v1/push', username: '654321', password: token },
   *   userAgent: 'grafana-openai-monitoring/1.0.0',
   *   selfLabels: { job: 'integrations/openai', instance: 'host:4242' },
   * });
   */
  constructor(private readonly options: ExporterOptions) {
    const metricsEndpoint = remoteWriteEndpoint(options.metrics, options.userAgent);
    const logsEndpoint = lokiEndpoint(options.logs, options.userAgent);
    const flushIntervalMs = positive(options.flushIntervalMs, 10_000, 'flush_interval_ms');
    const timeoutMs = positive(options.timeoutMs, 5_000, 'timeout_ms');
    this.shutdownTimeoutMs = positive(options.shutdownTimeoutMs, 5_000, 'shutdown_timeout_ms');
    const maxQueue = Math.ceil(positive(options.maxQueue, 50_000, 'max_queue'));
    const maxBytes = positive(options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES, 'max_buffered_bytes');
    // Calls waiting to be recorded have their own reserve (recorder.ts); the rest is the queues'.
    this.budget = new ByteBudget(Math.max(maxBytes - RECORDING_RESERVE_BYTES, maxBytes / 2));
    // A backlog leaves in many requests that succeed or fail alone (issue 22 item 2), each a small part of the budget.
    const maxPerRequest = Math.ceil(positive(options.maxSamplesPerRequest, 2_000, 'max_samples_per_request'));
    const maxLogBytes = Math.min(positive(options.maxLogBytesPerRequest, 4 * 1024 * 1024, 'max_log_bytes_per_request'), maxBytes / 8);
    const policy: RetryPolicyOptions = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.settings = { flushIntervalMs, maxQueue, timeoutMs, shutdownTimeoutMs: this.shutdownTimeoutMs };
    this.self = new SelfMetrics(options.selfLabels);

    const report = (err: MonitoringError): void => this.report(err);
    const refused = new RefusedSeries();
    const shared: SharedDeliveryState = {
      refused,
      transport: this.transport,
      final: this.final,
      self: this.self,
      policy,
      timeoutMs,
      cardinality: new CardinalityWarning(report),
      report,
    };
    const lane = (signal: Signal, endpoint: PushEndpoint): LaneContext => ({
      self: this.self,
      final: this.final,
      budget: this.budget,
      maxPerRequest,
      maxDataAgeMs: policy.maxDataAgeMs,
      deliver: signalDelivery(signal, endpoint, shared),
      report,
    });
    this.samples = new SampleLane({ ...lane('metrics', metricsEndpoint), refused }, maxQueue);
    this.entries = new LogLane(lane('logs', logsEndpoint), maxQueue, maxLogBytes);
    this.metricsFlush = new SerialFlush(() => this.samples.push());
    this.logsFlush = new SerialFlush(() => this.entries.push());
    this.metricsTrigger = new FlushTrigger(maxQueue, maxPerRequest, () => void this.metricsFlush.request());
    this.logsTrigger = new FlushTrigger(maxQueue, maxPerRequest, () => void this.logsFlush.request());
    this.interval = setInterval(() => void this.flush(), flushIntervalMs);
    this.interval.unref(); // an idle app must exit; beforeExit delivers what is left
    this.unregisterExit = onProcessBeforeExit(() => this.deliverAtExit());
    this.unregisterSignals = options.handleSignals === false ? noop : onProcessSignal((_signal, appHandles) => this.deliverOnSignal(appHandles));
  }

  /**
   * Queues one sample. O(1), no I/O, never throws. A timestamp in the future is
   * clamped to now; one not after the series' last becomes last + 1, or, when
   * that would be ahead of the clock and the series has a `sameMs` rule, is
   * combined into the series' last sample still queued (same-ms-merge.ts).
   *
   * @example
   * exporter.addSample(makeSeries('openai_promptTokens', labels), 12, Date.now());
   */
  addSample(series: Series, value: number, timestampMs: number): void {
    try {
      if (this.closing) this.self.countDropped('metrics', 'shutdown', 1);
      else {
        this.appDataAdded += 1;
        this.samples.add(series, value, timestampMs);
        this.metricsTrigger.noteQueued(this.samples.queued);
      }
    } catch (err) {
      debugLog('addSample failed: %s', err);
    }
  }

  /**
   * Queues one Loki line on a stream. No I/O, never throws. A DeferredLine
   * gets its text at the flush (log-lane.ts).
   *
   * @example
   * exporter.addLogEntry(makeLokiStream({ job: 'integrations/openai', level: 'info' }), Date.now(), JSON.stringify(line));
   */
  addLogEntry(stream: LokiStream, timestampMs: number, line: string | DeferredLine, structuredMetadata?: Readonly<Record<string, string>>): void {
    try {
      if (this.closing) this.self.countDropped('logs', 'shutdown', 1);
      else {
        this.appDataAdded += 1;
        this.entries.add(stream, timestampMs, line, structuredMetadata);
        this.logsTrigger.noteQueued(this.entries.queued);
      }
    } catch (err) {
      debugLog('addLogEntry failed: %s', err);
    }
  }

  /**
   * Registers cumulative series read at every flush and stamped with the flush
   * time. Returns the function that unregisters them.
   *
   * @example
   * const stop = exporter.addCollector(() => histogram.series());
   * stop();
   */
  addCollector(collect: Collector): () => void {
    return this.samples.addCollector(collect);
  }

  /**
   * Registers work run at the start of every flush, before the queues are read
   * (and before `stats()` or the exit delivery look at them). Returns the
   * function that unregisters it.
   *
   * @example
   * const stop = exporter.addFlushPreparer(() => recorder.drain());
   * stop();
   */
  addFlushPreparer(prepare: () => void): () => void {
    this.preparers.add(prepare);
    return () => {
      this.preparers.delete(prepare);
    };
  }

  /**
   * Pushes what is queued now; resolves when it was delivered or given up. Never rejects.
   *
   * @example
   * await exporter.flush();
   */
  flush(): Promise<void> {
    if (this.closing) return this.closing;
    this.prepare();
    return Promise.all([this.requestMetrics(), this.logsFlush.request()]).then(noop, noop);
  }

  /**
   * Final flush bounded by shutdownTimeoutMs, then stops the timer, removes the
   * exit hook and closes sockets. Resolves even when the endpoint is dead.
   *
   * @example
   * await exporter.shutdown();
   */
  shutdown(): Promise<void> {
    if (!this.closing) this.closing = this.close().catch(noop);
    return this.closing;
  }

  /**
   * Counters and queue lengths, for tests and diagnostics.
   *
   * @example
   * exporter.stats().droppedSamples.queue_full; // 3
   */
  stats(): ExporterStats {
    this.prepare();
    return {
      ...this.self.snapshot(),
      queuedSamples: this.samples.queued,
      queuedLogEntries: this.entries.queued,
      bufferedBytes: this.budget.used,
      peakBufferedBytes: this.budget.peakUsed,
      pushing: { metrics: this.metricsFlush.busy, logs: this.logsFlush.busy },
      shutDown: this.closing !== undefined,
    };
  }

  private async close(): Promise<void> {
    const deadline = Date.now() + this.shutdownTimeoutMs;
    clearInterval(this.interval);
    this.unregisterExit();
    this.unregisterSignals();
    try {
      if (this.exitDelivery) await this.exitDelivery;
      this.prepare();
      await this.final.run(deadline, () => Promise.all([this.requestMetrics(), this.logsFlush.request()]));
    } finally {
      this.self.countDropped('metrics', 'shutdown', this.samples.clear());
      this.self.countDropped('logs', 'shutdown', this.entries.clear());
      this.transport.close();
    }
  }

  /** The beforeExit participant: deliver once what is queued, or let the process go. */
  private deliverAtExit(): void {
    if (this.closing || this.exitDelivery) return;
    this.prepare();
    if (this.appDataAdded === this.appDataAtExitDelivery) return; // delivered (or given up) once already: let the process go
    const idle = !this.metricsFlush.busy && !this.logsFlush.busy;
    // Nothing left but, maybe, the count of the pushes just made: one more push carries it (with the
    // cumulative series), and the check above ends the next beforeExit, so this never loops.
    if (idle && this.samples.queued === 0 && this.entries.queued === 0 && !this.self.hasUnreportedPushes) return;
    const work = (): Promise<unknown> => Promise.all([this.requestMetrics(), this.logsFlush.request()]);
    this.appDataAtExitDelivery = this.appDataAdded;
    this.exitDelivery = this.final
      .run(Date.now() + this.shutdownTimeoutMs, work)
      .catch(noop)
      .then(() => {
        this.exitDelivery = undefined;
      });
  }

  /** A metrics push that carries the cumulative series too (timer, flush(), final and exit delivery). */
  private requestMetrics(): Promise<void> {
    this.samples.wantCumulative();
    return this.metricsFlush.request();
  }

  /**
   * The signal participant. When the app handles the signal itself, a plain
   * flush (unref'd: the app decides when the process ends). Otherwise the
   * process ends once this resolves: deliver what is pending, bounded by
   * shutdownTimeoutMs, as shutdown() does but without closing anything.
   */
  private deliverOnSignal(appHandles: boolean): Promise<void> {
    if (appHandles || this.closing) return this.flush();
    this.prepare();
    const work = (): Promise<unknown> => Promise.all([this.requestMetrics(), this.logsFlush.request()]);
    const deadline = Date.now() + this.shutdownTimeoutMs; // from the signal: the orchestrator's clock runs from then
    const exit = this.exitDelivery ?? Promise.resolve();
    return exit.then(() => this.final.run(deadline, work)).catch(noop);
  }

  /** Runs the flush preparers (what batching recorders hold reaches the queues); each guarded. */
  private prepare(): void {
    for (const prepare of this.preparers) {
      try {
        prepare();
      } catch (err) {
        debugLog('flush preparer failed: %s', err);
      }
    }
  }

  private report(err: MonitoringError): void {
    debugLog('%s %s', err.code, err.message);
    try {
      if (this.options.onError) this.options.onError(err);
      else warnDeliveryProblem(err);
    } catch (handlerError) {
      debugLog('onError threw: %s', handlerError);
    }
  }
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MonitoringError('GOM_INVALID_OPTION', `${option} must be a positive number, got ${String(value)}`, { option });
  }
  return value;
}

function noop(): void {
  // Settles a promise chain without a value: flush() and shutdown() never reject.
}
