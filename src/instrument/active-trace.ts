import { debugLog } from '../debug-log.js';
import { requireOptionalPeer } from '../optional-peer.js';
import type { TraceContext } from '../record/observation.js';

/**
 * The span the app has active when it makes a call, read through the app's own
 * `@opentelemetry/api` (an optional peer: DESIGN.md §4). The API keeps its
 * context manager and tracer provider in one process-wide global
 * (`Symbol.for('opentelemetry.js.api.1')`), so the copy we load sees the spans
 * the app's copy started, whichever build (ESM or CommonJS) it came from.
 *
 * Without the package nothing is loaded and a call costs one comparison; with
 * it but no span active (or no SDK registered: the API's no-op context manager
 * keeps no span) a call costs the API's own lookup and allocates nothing.
 */

/** The parts of `@opentelemetry/api` 1.x we use, typed here so the package need not be installed to build. */
interface TraceApi {
  readonly context: { active(): unknown };
  readonly trace: { getSpanContext(context: unknown): SpanContextLike | undefined };
}

interface SpanContextLike {
  readonly traceId?: unknown;
  readonly spanId?: unknown;
  readonly traceFlags?: unknown;
}

const API_MODULE = '@opentelemetry/api';
/** W3C trace-context ids as the API validates them (`isValidTraceId`/`isValidSpanId`); all-zero ids are invalid. */
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const INVALID_TRACE_ID = '00000000000000000000000000000000';
const INVALID_SPAN_ID = '0000000000000000';
/** `TraceFlags.SAMPLED` (W3C trace-context, trace-flags bit 0). */
const SAMPLED_FLAG = 1;

/** undefined: not tried yet; null: not installed (or unusable), never tried again. */
let api: TraceApi | null | undefined;

function traceApiOf(exports: unknown): TraceApi | null {
  const candidate = exports as Partial<TraceApi> | null | undefined;
  if (typeof candidate?.context?.active !== 'function' || typeof candidate?.trace?.getSpanContext !== 'function') return null;
  return candidate as TraceApi;
}

/**
 * Loads `@opentelemetry/api` once, if the app has it; run when a client is
 * patched, so that the first call does not pay for the load. Returns whether
 * trace capture is on.
 *
 * @example
 * loadTraceApi(); // false without @opentelemetry/api: calls stay as they were
 */
export function loadTraceApi(): boolean {
  if (api === undefined) {
    const loaded = requireOptionalPeer(API_MODULE);
    api = 'exports' in loaded ? traceApiOf(loaded.exports) : null;
    if (api === null) debugLog('trace ids off: %s', 'error' in loaded ? loaded.error : `${API_MODULE} has no context/trace API`);
  }
  return api !== null;
}

/**
 * The ids of the span active right now, or undefined outside any span, without
 * `@opentelemetry/api`, or for an invalid (all-zero) span context. Call it
 * synchronously where the app called `create()`: that is where the app's
 * context is active (once the SDK's promise chain runs, it is not ours to read).
 * Never throws.
 *
 * @example
 * tracer.startActiveSpan('answer', (span) => {
 *   captureActiveTrace(); // { traceId: '5b8aa5a2d2c872e8321cf37308d69df2', spanId: '051581bf3cb55c13', sampled: true }
 *   span.end();
 * });
 */
export function captureActiveTrace(): TraceContext | undefined {
  if (api === null) return undefined;
  if (api === undefined && !loadTraceApi()) return undefined;
  try {
    const traceApi = api as TraceApi;
    const span = traceApi.trace.getSpanContext(traceApi.context.active());
    if (span === undefined) return undefined;
    const { traceId, spanId, traceFlags } = span;
    if (typeof traceId !== 'string' || typeof spanId !== 'string' || traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
    if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) return undefined;
    return { traceId, spanId, sampled: typeof traceFlags === 'number' && (traceFlags & SAMPLED_FLAG) === SAMPLED_FLAG };
  } catch (error) {
    // A broken context manager must not break the app's call (DESIGN §3 rule 3).
    debugLog('reading the active span failed: %s', error);
    return undefined;
  }
}
