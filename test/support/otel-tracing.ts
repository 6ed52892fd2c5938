import { context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

/**
 * Real OpenTelemetry tracing for a test file, set up as an app sets it up: the
 * `@opentelemetry/api` globals, the SDK's tracer (`@opentelemetry/sdk-trace-base`)
 * and the async-hooks context manager that keeps a span active across `await`.
 * Each test file runs in its own process, so the globals are the file's own.
 */
export interface Tracing {
  /** Starts spans that are recorded (`sampled` flag set). */
  readonly tracer: Tracer;
  /** Starts spans with valid ids that are not recorded (flag clear), as a ratio sampler does for most traces. */
  readonly unsampledTracer: Tracer;
  /** Runs `fn` inside a new active span of `tracer`, ends the span after, and gives both back. */
  inSpan<T>(tracer: Tracer, name: string, fn: (span: Span) => Promise<T>): Promise<{ span: Span; result: T }>;
  /** Takes the globals down again. */
  stop(): void;
}

/**
 * Registers the API globals: tracer provider (always sampling) and context manager.
 *
 * @example
 * const tracing = startTracing();
 * const { span } = await tracing.inSpan(tracing.tracer, 'answer', () => client.chat.completions.create(body));
 * span.spanContext().traceId; // what the call's Loki line says
 */
export function startTracing(): Tracing {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const provider = new BasicTracerProvider({ sampler: new AlwaysOnSampler() });
  provider.register({ contextManager });
  const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
  return {
    tracer: trace.getTracer('grafana-openai-monitoring-test'),
    unsampledTracer: unsampled.getTracer('grafana-openai-monitoring-test'),
    async inSpan(tracer, name, fn) {
      return tracer.startActiveSpan(name, async (span) => {
        try {
          return { span, result: await fn(span) };
        } finally {
          span.end();
        }
      });
    },
    stop() {
      trace.disable();
      context.disable();
    },
  };
}
