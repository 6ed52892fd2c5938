import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { OpenAIClient } from '../test/support/openai-sdk.js';
import { chatCalls } from './bench-clients.js';

/**
 * Tracing as an app that traces sets it up (issue 21): the real
 * `@opentelemetry/api`, the SDK's tracer sampling every trace, and the
 * async-hooks context manager. Spans are recorded and dropped (no exporter):
 * the benchmark charges the app's own tracing to both sides alike.
 *
 * @example
 * const tracing = startBenchTracing();
 * await callsInSpans(client, tracing.tracer, 10);
 * tracing.stop();
 */
export function startBenchTracing(): { tracer: Tracer; stop(): void } {
  new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  return {
    tracer: trace.getTracer('grafana-openai-monitoring-bench'),
    stop() {
      trace.disable();
      context.disable();
    },
  };
}

/**
 * `count` chat calls one after the other, each inside a new active span, as
 * an instrumented request handler makes them.
 *
 * @example
 * await callsInSpans(client, tracer, 10);
 */
export async function callsInSpans(client: OpenAIClient, tracer: Tracer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await tracer.startActiveSpan('handle request', async (span) => {
      try {
        await chatCalls(client, 1, 1, false);
      } finally {
        span.end();
      }
    });
  }
}
