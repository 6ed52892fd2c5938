import { debugLog, warnOnce } from '../debug-log.js';
import { RECORDING_RESERVE_BYTES, stringBytes } from '../export/byte-budget.js';
import { makeLokiStream, type LokiStream } from '../export/log-entry.js';
import type { TelemetrySink } from '../export/telemetry-sink.js';
import type { Pricer } from '../pricing/price-call.js';
import { SecretScrubber } from '../secret-scrubber.js';
import { CompatibleSeries } from './compatible-series.js';
import { buildLogLine, copyContent, structuredMetadataOf, type LineContent, type LogLine } from './log-line.js';
import type { Observation } from './observation.js';
import { ModelLabels, OTHER_MODEL } from './model-labels.js';
import { acquireNativeMetrics, type NativeMetrics } from './native-metrics.js';
import { DeferredLogLine, serializeScrubbedLogLine } from './serialize-log-line.js';
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
  /**
   * Secrets removed from every line and label (secret-scrubber.ts): the
   * client's API key, read when each call is recorded (clientSecrets), and the
   * access token.
   */
  secrets?: () => readonly (string | undefined)[];
}

const MAX_CACHED_STREAMS = 1000;
/** Calls waiting for the flush, at most; the next one records them all at once (bounds memory at high call rates). */
export const MAX_PENDING_CALLS = 256;
/** Models named in an unpriced-model warning, at most; later ones share one warning. */
const MAX_UNPRICED_WARNINGS = 10;
/**
 * A LogLine's fields besides its content (ids, usage, timings, models), and
 * an Observation's, roughly: what a waiting call holds with no content.
 */
const CALL_BYTES = 1024;

/**
 * Turns each Observation into samples and one log line, and hands them to the
 * exporter's queues.
 *
 * `record` runs on the app's request path (inside the SDK's parse), between
 * two stretches of SDK work that evict whatever we touched from the CPU
 * caches: the same recording costs several times more there than in a loop.
 * So a call is only kept (its content copied, since the app may edit its
 * messages next, and the app's objects let go), and the calls kept are
 * recorded together when the exporter prepares a flush, or when
 * MAX_PENDING_CALLS are waiting, or when their content passes
 * RECORDING_RESERVE_BYTES (1 MiB: then the exporter's byte budget, which
 * leaves that room, bounds them; issue 18) (issue 6: "no work on the request path that
 * can wait for the flush"; measured in bench/README.md).
 * Timestamps are the calls' own, so nothing a receiver sees changes.
 *
 * @example
 * const recorder = new Recorder(exporter, createPricer(), settings);
 * recorder.record(observation); // recorded at the exporter's next flush
 * recorder.release(); // after the exporter's last flush
 */
export class Recorder {
  private readonly compatible: CompatibleSeries;
  private readonly native: NativeMetrics;
  private readonly releaseNative: () => void;
  private readonly stopPreparing: () => void;
  private readonly streams = new Map<string, LokiStream>();
  private readonly models = new ModelLabels(undefined, (name) => this.scrubber().scrub(name));
  private scrubbing: { key: string; scrubber: SecretScrubber } | undefined;
  private readonly unpricedWarned = new Set<string>();
  private lastStream: { source: string; model: string; level: string; stream: LokiStream } | undefined;
  /** Calls waiting to be recorded, with their copied content (parallel arrays: no object per call). */
  private readonly pending: Observation[] = [];
  private readonly pendingContent: (LineContent | undefined)[] = [];
  private pendingBytes = 0;
  private batching = true;

  constructor(
    private readonly sink: TelemetrySink,
    private readonly pricer: Pricer,
    private readonly settings: RecorderSettings,
  ) {
    const constant = { ...settings.labels, environment: settings.environment, instance: settings.instance };
    this.compatible = new CompatibleSeries(constant);
    const native = acquireNativeMetrics(sink, { ...constant, job: 'integrations/openai' });
    this.native = native.metrics;
    this.releaseNative = native.release;
    this.stopPreparing = sink.addFlushPreparer(() => this.drain());
  }

  /**
   * Takes one finished call; it reaches the exporter's queues at the next flush
   * (or with the batch it completes). Takes the Observation over: its `prompt`
   * and `responseText` are let go once copied, so the app's own messages
   * (perhaps megabytes of images) are not held until the flush. Never throws.
   *
   * @example
   * recorder.record(observation);
   */
  record(reported: Observation): void {
    try {
      // A stream that reported no usage gets an estimate when gpt-tokenizer is
      // installed, else stays unknown (never 0). Estimated now, from the prompt
      // as it was sent (rare: servers that ignore stream_options).
      const obs = withEstimatedUsage(reported, this.settings.tokenizer);
      const content = this.settings.disableContent ? undefined : copyContent(obs, this.settings.maxContentLength);
      obs.prompt = undefined;
      obs.responseText = undefined;
      if (!this.batching) {
        this.recordNow(obs, content);
        return;
      }
      this.pending.push(obs);
      this.pendingContent.push(content);
      this.pendingBytes += heldBytes(content);
      if (this.pending.length >= MAX_PENDING_CALLS || this.pendingBytes >= RECORDING_RESERVE_BYTES) this.drain();
    } catch (error) {
      debugLog('recording a call failed: %s', error);
    }
  }

  /**
   * Records every waiting call now, in the order they ended. Run by the
   * exporter before each flush.
   *
   * @example
   * recorder.drain(); // the exporter's queues now hold every call so far
   */
  drain(): void {
    const calls = this.pending;
    const contents = this.pendingContent;
    for (let i = 0; i < calls.length; i++) {
      try {
        this.recordNow(calls[i], contents[i]);
      } catch (error) {
        debugLog('recording a call failed: %s', error);
      }
    }
    calls.length = 0;
    contents.length = 0;
    this.pendingBytes = 0;
  }

  /**
   * Records what is waiting, stops waiting for flushes (a call that ends later
   * is recorded at once: its exporter may have no next flush) and lets go of
   * the (shared) native series. Call after the exporter's last flush.
   *
   * @example
   * await release(); // the exporter's
   * recorder.release();
   */
  release(): void {
    this.drain();
    this.batching = false;
    this.stopPreparing();
    this.releaseNative();
  }

  private recordNow(obs: Observation, content: LineContent | undefined): void {
    // Priced and logged by the names the server gave; labelled by bounded values (model-labels.ts).
    const requestModel = this.models.label(obs.requestModel);
    const responseModel = this.models.label(obs.responseModel);
    const model = responseModel ?? requestModel ?? 'unknown';
    const cost = this.costOf(obs, model);
    this.log(obs, model, cost, content);
    // The line is built: from here the observation carries label values.
    obs.requestModel = requestModel;
    obs.responseModel = responseModel;
    this.compatible.record(obs, model, cost, this.sink);
    this.native.record(obs, cost);
  }

  private costOf(obs: Observation, model: string): number | undefined {
    if (obs.usage === undefined) return undefined;
    const cost = this.pricer.price({
      provider: obs.provider,
      model: obs.responseModel ?? obs.requestModel ?? model,
      usage: obs.usage,
      serviceTier: obs.serviceTier,
      atMs: obs.endMs,
    });
    // A folded model was reported once already (model-labels.ts): no warning per name past the cap.
    if (cost === undefined && model !== OTHER_MODEL) this.warnUnpriced(model);
    return cost;
  }

  /**
   * One warning per unpriced model, for the first MAX_UNPRICED_WARNINGS of
   * them, then one saying there are more: a server naming a model per call
   * made 1,000 process warnings (issue 22 item 7). The calls stay counted in
   * grafana_openai_monitoring_unpriced_calls_total, by model.
   */
  private warnUnpriced(model: string): void {
    if (this.unpricedWarned.has(model)) return;
    if (this.unpricedWarned.size >= MAX_UNPRICED_WARNINGS) {
      warnOnce(
        'unpriced:more',
        `grafana-openai-monitoring: more than ${MAX_UNPRICED_WARNINGS} models have no known price; their calls get no cost sample. ` +
          'grafana_openai_monitoring_unpriced_calls_total counts them by model; add prices with the `prices` option.',
        'GOM_UNPRICED_MODEL',
      );
      return;
    }
    this.unpricedWarned.add(model);
    warnOnce(
      `unpriced:${model}`,
      `grafana-openai-monitoring: no price known for model "${model}"; its calls get no cost sample. Add it with the \`prices\` option.`,
      'GOM_UNPRICED_MODEL',
    );
  }

  private log(obs: Observation, model: string, cost: number | undefined, copied: LineContent | undefined): void {
    const { disableContent, maxContentLength } = this.settings;
    let line: LogLine | undefined = buildLogLine(obs, cost, { disableContent, maxContentLength, copied });
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
      // Serialised when the push body is written, unless redact() ran: the line
      // it returns may hold the app's own objects, which could change before then.
      const scrubber = this.scrubber();
      json = this.settings.redact === undefined ? new DeferredLogLine(line, scrubber, heldBytes(copied)) : serializeScrubbedLogLine(line, scrubber);
      if (this.settings.structuredMetadata === true) metadata = scrubbedMetadata(structuredMetadataOf(line), scrubber);
    } catch (error) {
      // Only a redact() that returned something JSON cannot hold (a cycle, a BigInt) gets here.
      debugLog('log line dropped: %s', error instanceof Error ? error.message : String(error));
      return;
    }
    this.sink.addLogEntry(this.streamFor(obs.source, model, level), obs.endMs, json, metadata);
  }

  /** The scrubber of the current secrets: rebuilt only when they change (a rotated key). */
  private scrubber(): SecretScrubber {
    let secrets: readonly (string | undefined)[] = [];
    try {
      secrets = this.settings.secrets?.() ?? [];
    } catch (error) {
      debugLog('reading the client key failed: %s', error);
    }
    const key = secrets.join('\u0000');
    if (this.scrubbing === undefined || this.scrubbing.key !== key) this.scrubbing = { key, scrubber: new SecretScrubber(secrets) };
    return this.scrubbing.scrubber;
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

function scrubbedMetadata(metadata: Record<string, string>, scrubber: SecretScrubber): Record<string, string> {
  if (scrubber.empty) return metadata;
  for (const name of Object.keys(metadata)) metadata[name] = scrubber.scrub(metadata[name]);
  return metadata;
}

/** What a call holds until its line is serialised: its fields and its copied content (byte-budget.ts). */
function heldBytes(content: LineContent | undefined): number {
  return CALL_BYTES + (content === undefined ? 0 : stringBytes(content.heldChars));
}
