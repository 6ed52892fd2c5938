import { debugLog, warnOnce } from '../debug-log.js';
import { makeLokiStream, type LokiStream } from '../export/log-entry.js';
import type { TelemetrySink } from '../export/telemetry-sink.js';
import type { Pricer } from '../pricing/price-call.js';
import { CompatibleSeries } from './compatible-series.js';
import { buildLogLine, structuredMetadataOf, type LogLine } from './log-line.js';
import type { Observation } from './observation.js';
import { acquireNativeMetrics, type NativeMetrics } from './native-metrics.js';
import { DeferredLogLine, serializeLogLine } from './serialize-log-line.js';
import { withEstimatedUsage } from './token-estimator.js';

export interface RecorderSettings {
  environment: string;
  instance: string;
  labels: Readonly<Record<string, string>>;
  disableContent: boolean;
  maxContentLength: number;
  redact?: (line: LogLine) => LogLine | undefined;
  /** Send request_id, tokens, cost… as Loki structured metadata too (option `structured_metadata`). */
  structuredMetadata?: boolean;
  /** Module that counts tokens for streams without usage; default `gpt-tokenizer` (tests name a missing one). */
  tokenizer?: string;
}

/** Label values come from servers; keep them well under Loki's 2,048-byte limit. */
const MAX_MODEL_LABEL = 256;
const MAX_CACHED_STREAMS = 1000;

/**
 * Turns each Observation into samples and one log line, and hands them to the
 * exporter's queues. Runs on the app's request path (inside the SDK's parse),
 * so it only builds small objects; the encoding and I/O wait for the flush.
 *
 * @example
 * const recorder = new Recorder(exporter, createPricer(), settings);
 * recorder.record(observation);
 */
export class Recorder {
  private readonly compatible: CompatibleSeries;
  private readonly native: NativeMetrics;
  /** Lets go of the (shared) native series; call after the exporter's last flush. */
  readonly release: () => void;
  private readonly streams = new Map<string, LokiStream>();
  private lastStream: { source: string; model: string; level: string; stream: LokiStream } | undefined;

  constructor(
    private readonly sink: TelemetrySink,
    private readonly pricer: Pricer,
    private readonly settings: RecorderSettings,
  ) {
    const constant = { ...settings.labels, environment: settings.environment, instance: settings.instance };
    this.compatible = new CompatibleSeries(constant);
    const native = acquireNativeMetrics(sink, { ...constant, job: 'integrations/openai' });
    this.native = native.metrics;
    this.release = native.release;
  }

  record(reported: Observation): void {
    // A stream that reported no usage gets an estimate when gpt-tokenizer is installed, else stays unknown (never 0).
    const obs = withEstimatedUsage(reported, this.settings.tokenizer);
    const model = modelLabel(obs);
    const cost = this.costOf(obs, model);
    this.compatible.record(obs, model, cost, this.sink);
    this.native.record(obs, cost);
    this.log(obs, model, cost);
  }

  private costOf(obs: Observation, model: string): number | undefined {
    if (obs.usage === undefined) return undefined;
    const cost = this.pricer.price({
      provider: obs.provider,
      model,
      usage: obs.usage,
      serviceTier: obs.serviceTier,
      atMs: obs.endMs,
    });
    if (cost === undefined) {
      warnOnce(
        `unpriced:${model}`,
        `grafana-openai-monitoring: no price known for model "${model}"; its calls get no cost sample. Add it with the \`prices\` option.`,
        'GOM_UNPRICED_MODEL',
      );
    }
    return cost;
  }

  private log(obs: Observation, model: string, cost: number | undefined): void {
    let line: LogLine | undefined = buildLogLine(obs, cost, this.settings);
    if (this.settings.redact !== undefined) {
      try {
        line = this.settings.redact(line);
      } catch {
        // A failing redact() must not leak what it was meant to hide: drop the line.
        line = undefined;
      }
      if (line === undefined) return;
    }
    const level = obs.outcome === 'error' ? 'error' : 'info';
    let json: string | DeferredLogLine;
    let metadata: Record<string, string> | undefined;
    try {
      // Serialised at the flush, off the call path, unless redact() ran: the line
      // it returns may hold the app's own objects, which could change before then.
      json = this.settings.redact === undefined ? new DeferredLogLine(line) : serializeLogLine(line);
      if (this.settings.structuredMetadata === true) metadata = structuredMetadataOf(line);
    } catch (error) {
      // Only a redact() that returned something JSON cannot hold (a cycle, a BigInt) gets here.
      debugLog('log line dropped: %s', error instanceof Error ? error.message : String(error));
      return;
    }
    this.sink.addLogEntry(this.streamFor(obs.source, model, level), obs.endMs, json, metadata);
  }

  private streamFor(source: string, model: string, level: string): LokiStream {
    // Most calls repeat the previous call's stream: comparing beats building and hashing the key.
    const last = this.lastStream;
    if (last !== undefined && last.source === source && last.model === model && last.level === level) return last.stream;
    const stream = this.lookUpStream(source, model, level);
    this.lastStream = { source, model, level, stream };
    return stream;
  }

  private lookUpStream(source: string, model: string, level: string): LokiStream {
    const key = `${source}\u0000${model}\u0000${level}`;
    let stream = this.streams.get(key);
    if (stream === undefined) {
      stream = makeLokiStream({
        ...this.settings.labels,
        job: 'integrations/openai',
        source,
        model,
        environment: this.settings.environment,
        level,
      });
      if (this.streams.size < MAX_CACHED_STREAMS) this.streams.set(key, stream);
    }
    return stream;
  }
}

/** The `model` label: the model the response names, else the one requested. */
function modelLabel(obs: Observation): string {
  const model = obs.responseModel ?? obs.requestModel ?? 'unknown';
  return model.length > MAX_MODEL_LABEL ? model.slice(0, MAX_MODEL_LABEL) : model;
}
