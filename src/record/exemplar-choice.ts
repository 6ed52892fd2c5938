import type { Exemplar } from '../export/exemplar.js';
import type { TraceContext } from './observation.js';

/**
 * Picks the one exemplar a histogram label set sends per flush: the largest
 * value observed in a sampled trace since the last flush (the slowest call,
 * the most costly one), so the point Grafana shows on a latency spike opens
 * the trace of the call that made it. Unsampled traces are skipped: their
 * spans were not recorded, so a link to them would open nothing.
 *
 * Holds one exemplar at most (a 32-character id and two numbers), so what a
 * histogram holds stays bounded by its label-set cap.
 *
 * @example
 * const choice = new ExemplarChoice();
 * choice.offer(obs.trace, 0.8, obs.endMs);
 * choice.offer(otherObs.trace, 2.4, otherObs.endMs);
 * choice.take(); // { traceId: '…', value: 2.4, timestampMs: … }, then undefined until the next offer
 */
export class ExemplarChoice {
  private chosen: Exemplar | undefined;

  /** Keeps this observation if it is in a sampled trace and the largest since the last `take()`. */
  offer(trace: TraceContext | undefined, value: number, timestampMs: number): void {
    if (trace === undefined || !trace.sampled || !Number.isFinite(value) || !Number.isFinite(timestampMs)) return;
    if (this.chosen !== undefined && this.chosen.value >= value) return;
    this.chosen = { traceId: trace.traceId, value, timestampMs };
  }

  /** The exemplar of the interval, if any, and starts the next interval. */
  take(): Exemplar | undefined {
    const chosen = this.chosen;
    this.chosen = undefined;
    return chosen;
  }
}
