/**
 * What instrument/ learned about one OpenAI call: plain data, no SDK objects.
 * record/ turns it into Prometheus samples and a Loki line; nothing downstream
 * ever touches the SDK, so an odd payload can only make a field undefined.
 */

/** OpenTelemetry GenAI `gen_ai.operation.name` values we produce. */
export type Operation = 'chat' | 'text_completion' | 'embeddings';

/** The `source` label of the original library, one per entry point. */
export type Source = 'node_chatv2' | 'node_chatv1' | 'node_responses' | 'node_embeddings';

/**
 * Token counts as the API reported them. Every part is optional: a server that
 * reports no usage leaves them undefined, which is recorded as unknown, never 0.
 * `cachedInput` and `cacheWriteInput` are parts of `input`; `reasoningOutput` is
 * part of `output` (OpenAI bills reasoning as output; never add it twice).
 */
export interface TokenUsage {
  input?: number;
  output?: number;
  total?: number;
  cachedInput?: number;
  cacheWriteInput?: number;
  reasoningOutput?: number;
}

export interface ObservedError {
  /** The error class name (`RateLimitError`, `APIConnectionTimeoutError`, …), or `_OTHER`. */
  type: string;
  status?: number;
  code?: string;
  message: string;
}

/**
 * The OpenTelemetry span that was active when the app made the call
 * (instrument/active-trace.ts): W3C trace-context ids as lowercase hex.
 */
export interface TraceContext {
  /** 32 hex digits, not all zero. */
  readonly traceId: string;
  /** 16 hex digits, not all zero. */
  readonly spanId: string;
  /** The W3C `sampled` flag: the trace is being recorded, so a link to it can be opened. */
  readonly sampled: boolean;
}

export interface Observation {
  source: Source;
  operation: Operation;
  /** `openai`, `azure.ai.openai`, or the host of an OpenAI-compatible server. */
  provider: string;
  /** Host of the API the client talked to, e.g. `api.openai.com`. */
  serverAddress?: string;
  serverPort?: number;
  requestModel?: string;
  /** The model the response names (a dated snapshot such as `gpt-4o-mini-2024-07-18`). */
  responseModel?: string;
  stream: boolean;
  /** Epoch milliseconds when the call started and ended (end = last byte or error). */
  startMs: number;
  endMs: number;
  /** Call duration from a monotonic clock (wall-clock steps do not distort it). */
  durationS: number;
  /** Seconds from the call to its first stream chunk. Streams only. */
  timeToFirstChunkS?: number;
  usage?: TokenUsage;
  /** True when the counts were estimated locally rather than reported by the server. */
  usageEstimated?: boolean;
  finishReasons?: string[];
  /** The `service_tier` the response reports (billing follows the response, not the request). */
  serviceTier?: string;
  requestId?: string;
  /** HTTP status of the API response, when there was one. */
  status?: number;
  /** `abandoned`: a stream the app never iterated (recorded when it was garbage-collected). */
  outcome: 'ok' | 'error' | 'aborted' | 'abandoned';
  error?: ObservedError;
  /** What the app sent: chat messages, a completion prompt, responses input, embedding input. */
  prompt?: unknown;
  /** The generated text, choices joined; undefined when there is none. */
  responseText?: string;
  /** `x-ratelimit-remaining-*` response headers, when present. */
  rateLimitRemainingRequests?: number;
  rateLimitRemainingTokens?: number;
  /** The active span at the call, when the app traces with `@opentelemetry/api`. */
  trace?: TraceContext;
}
