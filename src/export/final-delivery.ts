import { MonitoringError, type MonitoringErrorCode } from '../monitoring-error.js';
import type { Signal } from './http/retry-policy.js';

/**
 * The deadline of a final delivery (at `beforeExit` or `shutdown()`), and what
 * enforces it.
 *
 * Normally every push runs on unref()ed sockets and timers, so it never keeps
 * an idle application alive (DESIGN.md §3 rule 3). A final delivery is the one
 * moment the process must stay up — but only for `shutdownTimeoutMs`, however
 * dead the endpoint: so while one runs, a ref'd guard timer keeps the event loop
 * alive until the deadline and, if it is reached, aborts the attempts in flight
 * and wakes the pushes sleeping in backoff so they give up (their retry policy
 * sees the deadline). When the work ends earlier the guard is cleared, and the
 * process can exit at once.
 *
 * Batches given up while it runs are reported once per signal when it ends
 * (`noteLoss`), not once per batch: a backlog of a hundred batches and a dead
 * receiver cost one `on_error` call per signal (issue 22 item 3).
 */

interface Loss {
  readonly code: MonitoringErrorCode;
  readonly message: string;
  readonly status: number | undefined;
  count: number;
}

export class FinalDelivery {
  private deadlineMs: number | undefined;
  private readonly inFlight = new Set<() => void>();
  private readonly waiters = new Set<() => void>();
  private readonly losses = new Map<Signal, Loss>();

  /**
   * @param report where the losses of a final delivery go, once per signal, when it ends.
   * @example
   * const final = new FinalDelivery((err) => onError(err));
   */
  constructor(private readonly report: (err: MonitoringError) => void = () => undefined) {}

  /**
   * The absolute deadline (epoch ms) while a final delivery runs, else undefined.
   *
   * @example
   * const final = finalDelivery.deadline !== undefined; // send samples even if stamped ahead
   */
  get deadline(): number | undefined {
    return this.deadlineMs;
  }

  /**
   * True once a final delivery's deadline has passed: lanes stop taking
   * batches then, so a backlog cannot stretch `shutdown_timeout_ms` by the
   * time it takes to encode and give up each of its batches (issue 22 item 3).
   *
   * @example
   * if (finalDelivery.expired) return; // what is left is counted at shutdown
   */
  get expired(): boolean {
    return this.deadlineMs !== undefined && Date.now() >= this.deadlineMs;
  }

  /**
   * Runs `work` as a final delivery ending at `deadline`. Resolves when `work`
   * settles, which the guard makes happen by the deadline (given `work` only
   * waits through `wait` and `track`ed attempts).
   *
   * @example
   * await finalDelivery.run(Date.now() + 5000, () => Promise.all([metrics.request(), logs.request()]));
   */
  async run(deadline: number, work: () => Promise<unknown>): Promise<void> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return;
    this.deadlineMs = this.deadlineMs === undefined ? deadline : Math.min(this.deadlineMs, deadline);
    this.wakeAll(); // a push sleeping in backoff re-checks against the deadline now
    // Ref'd on purpose: it keeps the process alive while the final delivery runs, and no longer.
    const guard = setTimeout(() => {
      for (const abort of [...this.inFlight]) abort();
      this.wakeAll();
    }, remaining);
    try {
      await work();
    } finally {
      clearTimeout(guard);
      this.deadlineMs = undefined;
      this.reportLosses();
    }
  }

  /**
   * Notes a batch given up while a final delivery runs; reported with the
   * others of its signal when the delivery ends.
   *
   * @example
   * final.noteLoss('logs', 'GOM_PUSH_FAILED', 'logs push to http://loki/loki/api/v1/push failed …', undefined, 500);
   */
  noteLoss(signal: Signal, code: MonitoringErrorCode, message: string, status: number | undefined, count: number): void {
    const loss = this.losses.get(signal);
    if (loss === undefined) this.losses.set(signal, { code, message, status, count });
    else loss.count += count;
  }

  private reportLosses(): void {
    for (const [signal, loss] of this.losses) {
      const what = signal === 'metrics' ? 'samples' : 'log entries';
      const message = `${loss.message}; ${loss.count} ${what} not delivered before the final delivery's deadline (shutdown_timeout_ms)`;
      try {
        this.report(new MonitoringError(loss.code, message, { signal, status: loss.status }));
      } catch {
        // The exporter's report never throws; this keeps a bug from skipping the other signal.
      }
    }
    this.losses.clear();
  }

  /**
   * An unref'd sleep that the start of a final delivery (or its deadline) cuts short.
   *
   * @example
   * await finalDelivery.wait(backoff); // then check `deadline` before retrying
   */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      this.waiters.add(done);
    });
  }

  /**
   * Registers the abort of an attempt in flight, called if the deadline passes;
   * returns the function that unregisters it.
   *
   * @example
   * const untrack = finalDelivery.track(() => controller.abort());
   * try { await post(); } finally { untrack(); }
   */
  track(abort: () => void): () => void {
    this.inFlight.add(abort);
    return () => {
      this.inFlight.delete(abort);
    };
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
