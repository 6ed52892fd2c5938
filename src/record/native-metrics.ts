import type { TelemetrySink } from '../export/telemetry-sink.js';
import { CumulativeHistogram } from './cumulative-histogram.js';
import { LabelledValues } from './labelled-values.js';
import type { Observation } from './observation.js';

/**
 * Bucket boundaries advised by the OpenTelemetry GenAI semantic conventions
 * (v1.41, gen-ai-metrics.md): durations 0.01 s … 81.92 s doubling, token
 * counts 1 … 67,108,864 by ×4.
 */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** Per-call USD: most calls cost fractions of a cent, so the low end is fine-grained. */
export const COST_BUCKETS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

/**
 * The native series of DESIGN §1, named as OpenTelemetry's Prometheus
 * translation names the GenAI metrics, cumulative per process and read at every
 * flush: operation duration, token usage by `gen_ai_token_type`, time to first
 * chunk (streams), per-call cost, cached-input and reasoning token counters,
 * `x-ratelimit-remaining-*` gauges, and a counter of calls without a price.
 *
 * @example
 * const native = new NativeMetrics({ job: 'integrations/openai', environment: 'prod', instance: 'h:1' });
 * native.register(exporter);
 * native.record(observation, 0.0004);
 */
export class NativeMetrics {
  private readonly duration = new CumulativeHistogram('gen_ai_client_operation_duration_seconds', DURATION_BUCKETS);
  private readonly tokens = new CumulativeHistogram('gen_ai_client_token_usage', TOKEN_BUCKETS);
  private readonly firstChunk = new CumulativeHistogram('gen_ai_client_operation_time_to_first_chunk_seconds', DURATION_BUCKETS);
  private readonly cost = new CumulativeHistogram('gen_ai_usage_cost_USD', COST_BUCKETS);
  private readonly cachedInput = new LabelledValues('gen_ai_usage_cached_input_tokens_total');
  private readonly reasoningOutput = new LabelledValues('gen_ai_usage_reasoning_output_tokens_total');
  private readonly remainingRequests = new LabelledValues('openai_ratelimit_remaining_requests');
  private readonly remainingTokens = new LabelledValues('openai_ratelimit_remaining_tokens');
  private readonly unpriced = new LabelledValues('grafana_openai_monitoring_unpriced_calls_total');

  constructor(private readonly constantLabels: Readonly<Record<string, string>>) {}

  /** Lets the exporter read every series at each flush; returns the unregister function. */
  register(sink: TelemetrySink): () => void {
    const all = [this.duration, this.tokens, this.firstChunk, this.cost, this.cachedInput, this.reasoningOutput, this.remainingRequests, this.remainingTokens, this.unpriced];
    return sink.addCollector(function* collect() {
      for (const metric of all) yield* metric.collect();
    });
  }

  record(obs: Observation, costUsd: number | undefined): void {
    const labels = {
      ...this.constantLabels,
      gen_ai_operation_name: obs.operation,
      gen_ai_provider_name: obs.provider,
      gen_ai_request_model: obs.requestModel,
      gen_ai_response_model: obs.responseModel,
      server_address: obs.serverAddress,
      error_type: obs.outcome === 'error' ? obs.error?.type ?? '_OTHER' : undefined,
    };
    const key = `${obs.operation}\u0000${obs.provider}\u0000${obs.requestModel}\u0000${obs.responseModel}\u0000${obs.serverAddress}\u0000${labels.error_type}`;
    this.duration.observe(labels, key, obs.durationS);
    if (obs.timeToFirstChunkS !== undefined) this.firstChunk.observe(labels, key, obs.timeToFirstChunkS);
    const usage = obs.usage;
    if (usage?.input !== undefined) this.tokens.observe({ ...labels, gen_ai_token_type: 'input' }, `${key}\u0000input`, usage.input);
    if (usage?.output !== undefined) this.tokens.observe({ ...labels, gen_ai_token_type: 'output' }, `${key}\u0000output`, usage.output);
    if (usage?.cachedInput !== undefined) this.cachedInput.add(labels, key, usage.cachedInput);
    if (usage?.reasoningOutput !== undefined) this.reasoningOutput.add(labels, key, usage.reasoningOutput);
    if (costUsd !== undefined) this.cost.observe(labels, key, costUsd);
    else if (usage !== undefined) this.unpriced.add({ ...this.constantLabels, gen_ai_response_model: obs.responseModel ?? obs.requestModel }, `${obs.responseModel ?? obs.requestModel}`, 1);
    const server = { ...this.constantLabels, server_address: obs.serverAddress, gen_ai_provider_name: obs.provider };
    const serverKey = `${obs.serverAddress}\u0000${obs.provider}`;
    if (obs.rateLimitRemainingRequests !== undefined) this.remainingRequests.set(server, serverKey, obs.rateLimitRemainingRequests);
    if (obs.rateLimitRemainingTokens !== undefined) this.remainingTokens.set(server, serverKey, obs.rateLimitRemainingTokens);
  }
}

interface SharedNativeMetrics {
  readonly metrics: NativeMetrics;
  readonly unregister: () => void;
  refs: number;
}

/** Per exporter, per constant label set: monitors sharing both must share the cumulative series too. */
const shared = new WeakMap<TelemetrySink, Map<string, SharedNativeMetrics>>();

/**
 * The native series for this exporter and these constant labels, shared by
 * every monitor that has both: two NativeMetrics writing the same series would
 * send two different values at one timestamp, which Prometheus rejects for the
 * whole batch (wire-protocols.md §1.4, "duplicate sample for timestamp").
 *
 * @example
 * const { metrics, release } = acquireNativeMetrics(exporter, { job: 'integrations/openai', environment: 'prod', instance: 'h:1' });
 * metrics.record(observation, cost);
 * release(); // after the exporter's last flush
 */
export function acquireNativeMetrics(sink: TelemetrySink, constantLabels: Readonly<Record<string, string>>): { metrics: NativeMetrics; release(): void } {
  let byLabels = shared.get(sink);
  if (byLabels === undefined) shared.set(sink, (byLabels = new Map()));
  const key = JSON.stringify(Object.entries(constantLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  let entry = byLabels.get(key);
  if (entry === undefined) {
    const metrics = new NativeMetrics(constantLabels);
    entry = { metrics, unregister: metrics.register(sink), refs: 0 };
    byLabels.set(key, entry);
  }
  entry.refs += 1;
  const acquired = entry;
  const labelSets = byLabels;
  let released = false;
  return {
    metrics: acquired.metrics,
    release: () => {
      if (released) return;
      released = true;
      acquired.refs -= 1;
      if (acquired.refs > 0) return;
      acquired.unregister();
      labelSets.delete(key);
    },
  };
}
