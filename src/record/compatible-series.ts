import { makeSeries, type Series } from '../export/series.js';
import type { TelemetrySink } from '../export/telemetry-sink.js';
import type { Observation } from './observation.js';

/**
 * The five gauges the original library produced (through Grafana Cloud's
 * Influx endpoint, which names a field `measurement_field`: reference
 * wire-protocols.md §7, vector G7). The Grafana OpenAI integration dashboard
 * and alerts query exactly these names, so they must not change.
 */
const COMPATIBLE_NAMES = {
  promptTokens: 'openai_promptTokens',
  completionTokens: 'openai_completionTokens',
  totalTokens: 'openai_totalTokens',
  requestDuration: 'openai_requestDuration',
  usageCost: 'openai_usageCost',
} as const;

type CompatibleSet = { readonly [K in keyof typeof COMPATIBLE_NAMES]: Series };

/** Model names come from servers; past this many distinct ones, series are built per call instead of cached. */
const MAX_CACHED_MODELS = 1000;

/**
 * Writes one sample per successful call to each compatible series, stamped
 * with the end of the call, labelled `job="integrations/openai"`, `source`,
 * `model` (as the response names it), `environment`, `instance` and the user's
 * labels. Token series are skipped when the server reported no usage, and
 * `openai_usageCost` when the model has no price: unknown is never sent as 0.
 *
 * A series holds one sample per millisecond (Prometheus), so calls of one
 * model beyond one per ms on average share a sample (export/same-ms-merge.ts):
 * tokens and cost are added up, so `sum_over_time` stays exact spend and
 * tokens at any rate; the duration keeps the slowest call of the ms, so
 * `max_over_time` stays the worst latency. `count_over_time` then counts
 * samples, not calls (README "Busy processes"); the native histograms count calls.
 *
 * @example
 * const compatible = new CompatibleSeries({ environment: 'prod', instance: 'host:1' });
 * compatible.record(observation, 0.00042, exporter);
 */
export class CompatibleSeries {
  private readonly cache = new Map<string, CompatibleSet>();
  /**
   * The set of the previous call: most calls repeat the source and model of the
   * one before, and two string comparisons cost less than building and hashing
   * the map key (issue 6: keys precomputed).
   */
  private last: { source: string; model: string; set: CompatibleSet } | undefined;

  constructor(private readonly constantLabels: Readonly<Record<string, string>>) {}

  record(obs: Observation, model: string, costUsd: number | undefined, sink: TelemetrySink): void {
    if (obs.outcome !== 'ok') return;
    const set = this.seriesFor(obs.source, model);
    const at = obs.endMs;
    const usage = obs.usage;
    if (usage?.input !== undefined) sink.addSample(set.promptTokens, usage.input, at);
    if (usage?.output !== undefined) sink.addSample(set.completionTokens, usage.output, at);
    if (usage?.total !== undefined) sink.addSample(set.totalTokens, usage.total, at);
    sink.addSample(set.requestDuration, obs.durationS, at);
    if (costUsd !== undefined) sink.addSample(set.usageCost, costUsd, at);
  }

  private seriesFor(source: string, model: string): CompatibleSet {
    const last = this.last;
    if (last !== undefined && last.source === source && last.model === model) return last.set;
    const set = this.lookUp(source, model);
    this.last = { source, model, set };
    return set;
  }

  private lookUp(source: string, model: string): CompatibleSet {
    const key = `${source}\u0000${model}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const labels = { ...this.constantLabels, job: 'integrations/openai', source, model };
    const set: CompatibleSet = {
      promptTokens: makeSeries(COMPATIBLE_NAMES.promptTokens, labels, 'sum'),
      completionTokens: makeSeries(COMPATIBLE_NAMES.completionTokens, labels, 'sum'),
      totalTokens: makeSeries(COMPATIBLE_NAMES.totalTokens, labels, 'sum'),
      requestDuration: makeSeries(COMPATIBLE_NAMES.requestDuration, labels, 'max'),
      usageCost: makeSeries(COMPATIBLE_NAMES.usageCost, labels, 'sum'),
    };
    if (this.cache.size < MAX_CACHED_MODELS) this.cache.set(key, set);
    return set;
  }
}
