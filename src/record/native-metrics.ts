import type { TelemetrySink } from '../export/telemetry-sink.js';
import { CumulativeHistogram, type HistogramCell } from './cumulative-histogram.js';
import { addTo, LabelledValues, setIn, type ValueCell } from './labelled-values.js';
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

/** Label sets remembered with their cells; model names come from servers, so there is a bound (each metric has its own too). */
const MAX_CACHED_LABEL_SETS = 2000;

/**
 * Everything one label set writes to: its labels, built once, and each
 * metric's cell, found the first time the set needs it. A call then costs one
 * map lookup and a few additions, no label object and no spread (issue 6:
 * "labels and keys precomputed"; on Node 20 `{ ...labels, name: value }` costs
 * about 1.5 µs per added property).
 */
interface CallCells {
  /** What the label set is made of, compared with the next call's before any key is built. */
  readonly operation: string;
  readonly provider: string;
  readonly requestModel: string | undefined;
  readonly responseModel: string | undefined;
  readonly serverAddress: string | undefined;
  readonly errorType: string | undefined;
  readonly key: string;
  readonly labels: Readonly<Record<string, string | undefined>>;
  duration?: HistogramCell;
  firstChunk?: HistogramCell;
  inputTokens?: HistogramCell;
  outputTokens?: HistogramCell;
  cost?: HistogramCell;
  cachedInput?: ValueCell;
  reasoningOutput?: ValueCell;
  remainingRequests?: ValueCell;
  remainingTokens?: ValueCell;
  unpriced?: ValueCell;
}

/**
 * The native series of DESIGN §1, named as OpenTelemetry's Prometheus
 * translation names the GenAI metrics, cumulative per process and read at every
 * flush: operation duration, token usage by `gen_ai_token_type`, time to first
 * chunk (streams), per-call cost, cached-input and reasoning token counters,
 * `x-ratelimit-remaining-*` gauges, and a counter of calls without a price.
 * Calls made in a sampled OpenTelemetry span also offer themselves as the
 * duration and cost histograms' exemplar of the flush (exemplar-choice.ts).
 * Every histogram and counter series is born at zero (series-birth.ts).
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
  private readonly remainingRequests = new LabelledValues('openai_ratelimit_remaining_requests', 'gauge');
  private readonly remainingTokens = new LabelledValues('openai_ratelimit_remaining_tokens', 'gauge');
  private readonly unpriced = new LabelledValues('grafana_openai_monitoring_unpriced_calls_total');
  private readonly sets = new Map<string, CallCells>();
  private last: CallCells | undefined;

  constructor(private readonly constantLabels: Readonly<Record<string, string>>) {}

  /** Lets the exporter read every series at each flush; returns the unregister function. */
  register(sink: TelemetrySink): () => void {
    const all = [this.duration, this.tokens, this.firstChunk, this.cost, this.cachedInput, this.reasoningOutput, this.remainingRequests, this.remainingTokens, this.unpriced];
    return sink.addCollector(function* collect() {
      for (const metric of all) yield* metric.collect();
    });
  }

  record(obs: Observation, costUsd: number | undefined): void {
    const errorType = obs.outcome === 'error' ? obs.error?.type ?? '_OTHER' : undefined;
    const set = this.cellsFor(obs, errorType);
    const { key, labels } = set;
    // A series first seen now is born at zero just before this call ended (series-birth.ts).
    const at = obs.endMs;
    set.duration ??= this.duration.cell(labels, key, at);
    if (set.duration !== undefined) {
      this.duration.observeIn(set.duration, obs.durationS);
      // Calls outside any span pay this one comparison (issue 21).
      if (obs.trace !== undefined) this.duration.offerExemplarIn(set.duration, obs.durationS, obs.trace, obs.endMs);
    }
    if (obs.timeToFirstChunkS !== undefined) {
      set.firstChunk ??= this.firstChunk.cell(labels, key, at);
      if (set.firstChunk !== undefined) this.firstChunk.observeIn(set.firstChunk, obs.timeToFirstChunkS);
    }
    const usage = obs.usage;
    if (usage?.input !== undefined) {
      set.inputTokens ??= this.tokens.cell({ ...labels, gen_ai_token_type: 'input' }, `${key}\u0000input`, at);
      if (set.inputTokens !== undefined) this.tokens.observeIn(set.inputTokens, usage.input);
    }
    if (usage?.output !== undefined) {
      set.outputTokens ??= this.tokens.cell({ ...labels, gen_ai_token_type: 'output' }, `${key}\u0000output`, at);
      if (set.outputTokens !== undefined) this.tokens.observeIn(set.outputTokens, usage.output);
    }
    if (usage?.cachedInput !== undefined) {
      set.cachedInput ??= this.cachedInput.cell(labels, key, at);
      if (set.cachedInput !== undefined) addTo(set.cachedInput, usage.cachedInput);
    }
    if (usage?.reasoningOutput !== undefined) {
      set.reasoningOutput ??= this.reasoningOutput.cell(labels, key, at);
      if (set.reasoningOutput !== undefined) addTo(set.reasoningOutput, usage.reasoningOutput);
    }
    if (costUsd !== undefined) {
      set.cost ??= this.cost.cell(labels, key, at);
      if (set.cost !== undefined) {
        this.cost.observeIn(set.cost, costUsd);
        if (obs.trace !== undefined) this.cost.offerExemplarIn(set.cost, costUsd, obs.trace, obs.endMs);
      }
    } else if (usage !== undefined) {
      const model = obs.responseModel ?? obs.requestModel;
      set.unpriced ??= this.unpriced.cell({ ...this.constantLabels, gen_ai_response_model: model }, `${model}`, at);
      if (set.unpriced !== undefined) addTo(set.unpriced, 1);
    }
    if (obs.rateLimitRemainingRequests !== undefined) {
      set.remainingRequests ??= this.remainingRequests.cell(this.serverLabels(obs), `${obs.serverAddress}\u0000${obs.provider}`);
      if (set.remainingRequests !== undefined) setIn(set.remainingRequests, obs.rateLimitRemainingRequests);
    }
    if (obs.rateLimitRemainingTokens !== undefined) {
      set.remainingTokens ??= this.remainingTokens.cell(this.serverLabels(obs), `${obs.serverAddress}\u0000${obs.provider}`);
      if (set.remainingTokens !== undefined) setIn(set.remainingTokens, obs.rateLimitRemainingTokens);
    }
  }

  /**
   * The label set's cells: the previous call's when the label values are the
   * same (most calls repeat the one before), else from the map, remembered up
   * to MAX_CACHED_LABEL_SETS; past that a fresh record per call (cells still shared).
   */
  private cellsFor(obs: Observation, errorType: string | undefined): CallCells {
    const last = this.last;
    if (
      last !== undefined &&
      last.operation === obs.operation &&
      last.provider === obs.provider &&
      last.requestModel === obs.requestModel &&
      last.responseModel === obs.responseModel &&
      last.serverAddress === obs.serverAddress &&
      last.errorType === errorType
    ) {
      return last;
    }
    const key = `${obs.operation}\u0000${obs.provider}\u0000${obs.requestModel}\u0000${obs.responseModel}\u0000${obs.serverAddress}\u0000${errorType}`;
    let set = this.sets.get(key);
    if (set === undefined) {
      set = {
        operation: obs.operation,
        provider: obs.provider,
        requestModel: obs.requestModel,
        responseModel: obs.responseModel,
        serverAddress: obs.serverAddress,
        errorType,
        key,
        labels: {
          ...this.constantLabels,
          gen_ai_operation_name: obs.operation,
          gen_ai_provider_name: obs.provider,
          gen_ai_request_model: obs.requestModel,
          gen_ai_response_model: obs.responseModel,
          server_address: obs.serverAddress,
          error_type: errorType,
        },
      };
      if (this.sets.size < MAX_CACHED_LABEL_SETS) this.sets.set(key, set);
    }
    this.last = set;
    return set;
  }

  private serverLabels(obs: Observation): Readonly<Record<string, string | undefined>> {
    return { ...this.constantLabels, server_address: obs.serverAddress, gen_ai_provider_name: obs.provider };
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
