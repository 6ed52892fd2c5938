import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chat_v2, VERSION } from '../../src/index.js';
import { contractFloorClient } from '../contract-floor.js';
import { fakeOpenAIFetch } from '../fake-openai-fetch.js';
import type { SinkCounters } from './peer-sink-child.js';

/**
 * The variants the peers benchmark compares, each set up as its own README
 * says (read in bench/peers/<folder>/node_modules after `npm install`), each
 * driving the same `openai` version answered by the in-process fake fetch,
 * each exporting to the loopback sink under `/<name>/`. A variant runs in a
 * process of its own (variant-child.ts), so no library's global hooks
 * (OpenTelemetry's module patching, its global providers) touch another.
 *
 * Peer modules are loaded with `createRequire` from the variant's folder, so
 * each gets the dependency tree its own package.json pins: the OpenTelemetry
 * instrumentation and Langfuse need different, conflicting `@opentelemetry/api`
 * ranges, which one install could not satisfy. They are typed here by the
 * little the benchmark calls, as `unknown` narrowed to those shapes.
 */

/**
 * Where the peers' package.json folders live: bench/peers of the repository (this file runs from build/bench/peers).
 *
 * @example
 * join(PEERS_DIR, 'openlit', 'package.json');
 */
export const PEERS_DIR = join(__dirname, '..', '..', '..', 'bench', 'peers');

/** The client surface the workload uses. */
export interface ChatClient {
  chat: { completions: { create(body: unknown): Promise<unknown> } };
}

type OpenAIConstructor = new (options: Record<string, unknown>) => ChatClient;

/** A variant once set up in its process: the client the app calls, and the library's flush. */
export interface VariantRuntime {
  readonly client: ChatClient;
  /** Delivers what the library holds (its export, awaited); `roundStartMs` lets ours wait until its samples are due. */
  flush(roundStartMs: number, callsThisRound: number): Promise<void>;
}

export type Mode = 'chat' | 'stream';

export interface Variant {
  /** Process and sink path name, e.g. `ours-on`. */
  readonly name: string;
  /** Row label of the table. */
  readonly label: string;
  readonly role: 'baseline' | 'noise' | 'floor' | 'ours' | 'peer';
  /** The folder under bench/peers whose node_modules it loads. */
  readonly folder: string;
  /** The packages whose versions the table names. */
  readonly packages: readonly string[];
  /** Workloads it runs (a variant that cannot run one is left out of it). */
  readonly modes: readonly Mode[];
  /** Whether the app's streamed requests ask for `stream_options.include_usage` (see run-peers.ts). */
  readonly appAsksStreamUsage: boolean;
  /** Which sink counters must each equal the calls made (empty: exports nothing, checked as such). */
  readonly mustEqualCalls: readonly (keyof Omit<SinkCounters, 'requests' | 'problems'>)[];
  setup(sinkOrigin: string): Promise<VariantRuntime>;
}

/**
 * Loads a module from a variant's folder.
 *
 * @example
 * const { OpenAI } = loadFrom('openai', 'openai') as { OpenAI: unknown };
 */
export function loadFrom(folder: string, id: string): unknown {
  return createRequire(join(PEERS_DIR, folder, 'package.json'))(id);
}

/**
 * A package's version as installed in a folder (read from its package.json file,
 * which some packages' `exports` do not let `require` reach).
 *
 * @example
 * installedVersion('openlit', 'openlit'); // '1.15.0'
 */
export function installedVersion(folder: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(PEERS_DIR, folder, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function newClient(folder: string): ChatClient {
  const { OpenAI } = loadFrom(folder, 'openai') as { OpenAI: OpenAIConstructor };
  return new OpenAI({ apiKey: 'sk-bench-not-a-secret', baseURL: 'http://openai.invalid/v1', maxRetries: 0, fetch: fakeOpenAIFetch });
}

interface Flushable {
  forceFlush(): Promise<void>;
}

/**
 * Waits (idle) until a round's compatible samples are all due: they are
 * stamped 1 ms apart per series (wire-protocols.md §8 item 6), so a fast round
 * runs ahead of the clock, and ours (and the floor) send no future timestamp.
 */
function samplesDue(roundStartMs: number, callsThisRound: number): Promise<void> {
  const due = roundStartMs + callsThisRound + 1 - Date.now();
  return due > 0 ? new Promise((resolve) => setTimeout(resolve, due)) : Promise.resolve();
}

const OURS_PACKAGES = ['grafana-openai-monitoring (this repository)', 'openai'];

function ours(name: string, label: string, disableContent: boolean, modes: readonly Mode[], appAsksStreamUsage: boolean): Variant {
  return {
    name,
    label,
    role: 'ours',
    folder: 'openai',
    packages: OURS_PACKAGES,
    modes,
    appAsksStreamUsage,
    mustEqualCalls: disableContent ? ['lokiLines', 'promptSamples', 'completionSamples'] : ['lokiLines', 'lokiContentLines', 'promptSamples', 'completionSamples'],
    setup: (sink) => {
      const client = newClient('openai');
      const monitor = chat_v2.monitor(client as never, {
        metrics_url: `${sink}/${name}/api/v1/write`,
        logs_url: `${sink}/${name}/loki/api/v1/push`,
        instance: 'bench:1',
        disable_content: disableContent,
        // The benchmark flushes once per round itself, as the others do.
        flush_interval_ms: 3_600_000,
      });
      return Promise.resolve({
        client,
        flush: async (roundStartMs, callsThisRound) => {
          await samplesDue(roundStartMs, callsThisRound);
          await monitor.flush();
        },
      });
    },
  };
}

/**
 * The contract's floor (bench/contract-floor.ts): the least a monitor of
 * DESIGN §1 can do, one `.then` per call and per chunk, one JSON line and five
 * samples per call, one push of each per flush. Run as a variant so that a
 * target relative to the peers can be compared with what the contract itself costs.
 */
function contractFloor(name: string, content: boolean): Variant {
  return {
    name,
    label: `the contract's floor (bench/contract-floor.ts), content ${content ? 'on' : 'off'}`,
    role: 'floor',
    folder: 'openai',
    packages: ['openai'],
    modes: ['chat', 'stream'],
    appAsksStreamUsage: true,
    mustEqualCalls: content ? ['lokiLines', 'lokiContentLines', 'promptSamples', 'completionSamples'] : ['lokiLines', 'promptSamples', 'completionSamples'],
    setup: (sink) => {
      const client = newClient('openai');
      const floor = contractFloorClient(`${sink}/${name}`, { content }, client as never);
      return Promise.resolve({
        client,
        flush: async (roundStartMs, callsThisRound) => {
          await samplesDue(roundStartMs, callsThisRound);
          await floor.flush();
        },
      });
    },
  };
}

/** @opentelemetry/instrumentation-openai with the trace, metric and log SDKs, each exporting OTLP protobuf over HTTP, content capture on. */
function openTelemetry(): Variant {
  const folder = 'opentelemetry';
  return {
    name: 'otel',
    label: '@opentelemetry/instrumentation-openai + trace, metric, log SDKs (OTLP proto)',
    role: 'peer',
    folder,
    packages: ['@opentelemetry/instrumentation-openai', '@opentelemetry/sdk-trace', '@opentelemetry/sdk-metrics', '@opentelemetry/sdk-logs', '@opentelemetry/exporter-trace-otlp-proto'],
    modes: ['chat', 'stream'],
    appAsksStreamUsage: true,
    mustEqualCalls: ['genAiSpans', 'contentLogs', 'tokenHistogramInputs'],
    setup: (sink) => {
      const load = (id: string): Record<string, unknown> => loadFrom(folder, id) as Record<string, unknown>;
      type Ctor = new (options?: Record<string, unknown>) => Record<string, unknown> & Flushable;
      const api = load('@opentelemetry/api') as { context: { setGlobalContextManager(m: unknown): void }; trace: { setGlobalTracerProvider(p: unknown): void }; metrics: { setGlobalMeterProvider(p: unknown): void } };
      const apiLogs = load('@opentelemetry/api-logs') as { logs: { setGlobalLoggerProvider(p: unknown): void } };
      const { AsyncLocalStorageContextManager } = load('@opentelemetry/context-async-hooks') as { AsyncLocalStorageContextManager: new () => { enable(): unknown } };
      const { resourceFromAttributes } = load('@opentelemetry/resources') as { resourceFromAttributes(a: Record<string, string>): unknown };
      const { TracerProvider, BatchSpanProcessor } = load('@opentelemetry/sdk-trace') as { TracerProvider: Ctor; BatchSpanProcessor: new (o: { exporter: unknown }) => unknown };
      const { MeterProvider, PeriodicExportingMetricReader } = load('@opentelemetry/sdk-metrics') as { MeterProvider: Ctor; PeriodicExportingMetricReader: new (o: Record<string, unknown>) => unknown };
      const { LoggerProvider, BatchLogRecordProcessor } = load('@opentelemetry/sdk-logs') as { LoggerProvider: Ctor; BatchLogRecordProcessor: new (o: { exporter: unknown }) => unknown };
      const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-proto') as { OTLPTraceExporter: new (o: Record<string, unknown>) => unknown };
      const { OTLPMetricExporter } = load('@opentelemetry/exporter-metrics-otlp-proto') as { OTLPMetricExporter: new (o: Record<string, unknown>) => unknown };
      const { OTLPLogExporter } = load('@opentelemetry/exporter-logs-otlp-proto') as { OTLPLogExporter: new (o: Record<string, unknown>) => unknown };
      const { registerInstrumentations } = load('@opentelemetry/instrumentation') as { registerInstrumentations(o: Record<string, unknown>): void };
      const { OpenAIInstrumentation } = load('@opentelemetry/instrumentation-openai') as { OpenAIInstrumentation: new (o: Record<string, unknown>) => unknown };

      // What NodeSDK would set up (the 2.x SDK takes processors' exporters as an option): an AsyncLocalStorage context, batch processors, a periodic metric reader (its default 60 s interval).
      api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      const resource = resourceFromAttributes({ 'service.name': 'bench' });
      const tracerProvider = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${sink}/otel/v1/traces` }) })] });
      const meterProvider = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${sink}/otel/v1/metrics` }) })] });
      const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${sink}/otel/v1/logs` }) })] });
      api.trace.setGlobalTracerProvider(tracerProvider);
      api.metrics.setGlobalMeterProvider(meterProvider);
      apiLogs.logs.setGlobalLoggerProvider(loggerProvider);
      registerInstrumentations({ instrumentations: [new OpenAIInstrumentation({ captureMessageContent: true })] });
      // The instrumentation patches `openai` as it is loaded: load it after.
      const client = newClient(folder);
      return Promise.resolve({
        client,
        flush: async () => {
          await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush(), loggerProvider.forceFlush()]);
        },
      });
    },
  };
}

/** @langfuse/openai's `observeOpenAI` around the client, @langfuse/otel's span processor on a NodeTracerProvider (its README's quickstart). */
function langfuse(): Variant {
  const folder = 'langfuse';
  return {
    name: 'langfuse',
    label: '@langfuse/openai + @langfuse/otel',
    role: 'peer',
    folder,
    packages: ['@langfuse/openai', '@langfuse/otel', '@opentelemetry/sdk-trace-node'],
    modes: ['chat', 'stream'],
    appAsksStreamUsage: true,
    mustEqualCalls: ['langfuseGenerations', 'contentSpans'],
    setup: (sink) => {
      const { LangfuseSpanProcessor } = loadFrom(folder, '@langfuse/otel') as { LangfuseSpanProcessor: new (o: Record<string, unknown>) => Flushable };
      const { NodeTracerProvider } = loadFrom(folder, '@opentelemetry/sdk-trace-node') as { NodeTracerProvider: new (o: Record<string, unknown>) => { register(): void } };
      const { observeOpenAI } = loadFrom(folder, '@langfuse/openai') as { observeOpenAI(client: ChatClient): ChatClient };
      const processor = new LangfuseSpanProcessor({ publicKey: 'pk-lf-bench', secretKey: 'sk-lf-bench-not-a-secret', baseUrl: `${sink}/langfuse` });
      new NodeTracerProvider({ spanProcessors: [processor] }).register();
      const client = observeOpenAI(newClient(folder));
      return Promise.resolve({ client, flush: () => processor.forceFlush() });
    },
  };
}

/** OpenLIT's `init` (traces, metrics and events over OTLP/HTTP), its prices given in process: by default it fetches them from the internet. */
function openLit(): Variant {
  const folder = 'openlit';
  return {
    name: 'openlit',
    label: 'openlit',
    role: 'peer',
    folder,
    packages: ['openlit'],
    modes: ['chat', 'stream'],
    appAsksStreamUsage: true,
    mustEqualCalls: ['genAiSpans', 'contentSpans', 'contentLogs', 'tokenHistogramInputs'],
    setup: (sink) => {
      const openlit = loadFrom(folder, 'openlit') as { default: { init(o: Record<string, unknown>): void } };
      const price = { promptPrice: 0.002, completionPrice: 0.008 };
      openlit.default.init({ otlpEndpoint: `${sink}/openlit`, applicationName: 'bench', pricingJson: { chat: { 'gpt-4.1': price, 'gpt-4.1-2025-04-14': price } } });
      const api = loadFrom(folder, '@opentelemetry/api') as { trace: { getTracerProvider(): { getDelegate?(): unknown } }; metrics: { getMeterProvider(): unknown } };
      const apiLogs = loadFrom(folder, '@opentelemetry/api-logs') as { logs: { getLoggerProvider(): unknown } };
      const providers = [api.trace.getTracerProvider().getDelegate?.(), api.metrics.getMeterProvider(), apiLogs.logs.getLoggerProvider()].filter(
        (p): p is Flushable => typeof (p as Partial<Flushable> | undefined)?.forceFlush === 'function',
      );
      // OpenLIT patches `openai` as it is loaded: load it after init.
      const client = newClient(folder);
      return Promise.resolve({
        client,
        flush: async () => {
          await Promise.all(providers.map((p) => p.forceFlush()));
        },
      });
    },
  };
}

/**
 * Every variant, in table order.
 *
 * @example
 * for (const v of VARIANTS) console.log(v.name, v.modes);
 */
export const VARIANTS: readonly Variant[] = [
  { name: 'unpatched', label: 'unpatched openai (the baseline)', role: 'baseline', folder: 'openai', packages: ['openai'], modes: ['chat', 'stream'], appAsksStreamUsage: true, mustEqualCalls: [], setup: () => Promise.resolve({ client: newClient('openai'), flush: () => Promise.resolve() }) },
  { name: 'unpatched-too', label: 'a second unpatched process (noise floor)', role: 'noise', folder: 'openai', packages: ['openai'], modes: ['chat', 'stream'], appAsksStreamUsage: true, mustEqualCalls: [], setup: () => Promise.resolve({ client: newClient('openai'), flush: () => Promise.resolve() }) },
  contractFloor('floor-on', true),
  contractFloor('floor-off', false),
  ours('ours-on', `grafana-openai-monitoring ${VERSION}, content on`, false, ['chat', 'stream'], true),
  ours('ours-off', `grafana-openai-monitoring ${VERSION}, content off`, true, ['chat', 'stream'], true),
  ours('ours-adds-usage', `grafana-openai-monitoring ${VERSION}, content on, the app not asking for stream usage (ours asks and hides it)`, false, ['stream'], false),
  openTelemetry(),
  langfuse(),
  openLit(),
];
