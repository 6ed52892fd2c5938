import { debugLog } from '../debug-log.js';
import { MonitoringError } from '../monitoring-error.js';
import type { CardinalityWarning } from './cardinality-limit.js';
import type { FinalDelivery } from './final-delivery.js';
import { deliverWithRetry, type DeliveryContext } from './http/deliver-with-retry.js';
import { bodyByteLength, type HttpTransport } from './http/http-transport.js';
import type { RetryPolicyOptions, Signal } from './http/retry-policy.js';
import type { LaneContext } from './lane-context.js';
import type { PushEndpoint } from './push-endpoint.js';
import type { RefusedSeries } from './refused-series.js';
import type { SelfMetrics } from './self-metrics.js';

/**
 * The way out of one signal's lane (`LaneContext.deliver`): POST an encoded
 * batch with retries (deliver-with-retry.ts) through the exporter's shared
 * transport and final-delivery state, and account for what happened —
 * every attempt and failure counted (self-metrics.ts); a batch given up
 * counted dropped and reported once (DESIGN.md §3 rule 4, vector B5, B12);
 * an answer naming a stream or series limit handed to the exporter's
 * cardinality warning (vector E16); a "too large" refusal handed back to the
 * lane uncounted, because the lane re-sends the data in smaller requests
 * (request-size-limit.ts, wire-protocols.md §9).
 */

/** What the exporter shares among its signals' deliveries. */
export interface SharedDeliveryState {
  readonly transport: HttpTransport;
  readonly final: FinalDelivery;
  readonly self: SelfMetrics;
  readonly policy: RetryPolicyOptions;
  /** Per HTTP attempt. */
  readonly timeoutMs: number;
  readonly cardinality: CardinalityWarning;
  report(err: MonitoringError): void;
  /** Learns which series a remote-write receiver refused by name (refused-series.ts). */
  readonly refused?: RefusedSeries;
}

/**
 * Makes the `deliver` of one signal's LaneContext.
 *
 * @example
 * const deliver = signalDelivery('metrics', remoteWriteEndpoint(options.metrics, ua), shared);
 * const refusal = await deliver(body, oldestMs, 120); // undefined, or a TooLarge for the lane to split
 */
export function signalDelivery(signal: Signal, endpoint: PushEndpoint, shared: SharedDeliveryState): LaneContext['deliver'] {
  const { self, final } = shared;
  const context: DeliveryContext = {
    transport: shared.transport,
    policy: shared.policy,
    timeoutMs: shared.timeoutMs,
    secrets: endpoint.secrets,
    finalDeadline: () => final.deadline,
    wait: (ms) => final.wait(ms),
    trackAttempt: (abort) => final.track(abort),
    onAttempt: (failure) => {
      self.countPush(signal);
      if (failure) self.countFailure(signal, failure);
    },
    onCardinalityLimit: (said, status) => shared.cardinality.observe(signal, said, status),
  };
  return async (body, oldestDataMs, count) => {
    const result = await deliverWithRetry({ signal, url: endpoint.url, body, headers: endpoint.headers, oldestDataMs }, context);
    if (result.delivered) {
      self.countDelivered(signal, count);
      debugLog('%s: pushed %d after %d attempt(s)', signal, count, result.attempts);
      return undefined;
    }
    if (result.tooLarge) {
      return { status: result.status, message: result.message, bytes: bodyByteLength(body) };
    }
    self.countDropped(signal, result.code === 'GOM_PUSH_FAILED' ? 'retries_exhausted' : 'rejected', count);
    // A 400 naming a series: that series stays out of later pushes, so they do not fail for it too.
    const named = signal === 'metrics' && result.status === 400 && shared.refused?.learn(result.message) === true;
    const consequence = named ? '; the series it names is left out of later pushes' : '';
    // During a final delivery, one report per signal when it ends (final-delivery.ts), not one per batch.
    if (final.deadline !== undefined) final.noteLoss(signal, result.code, `${result.message}${consequence}`, result.status, count);
    else shared.report(new MonitoringError(result.code, `${result.message}; ${count} dropped${consequence}`, { signal, status: result.status }));
    return undefined;
  };
}
