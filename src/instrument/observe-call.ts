import { performance } from 'node:perf_hooks';
import { warnOnce } from '../debug-log.js';
import type { Observation } from '../record/observation.js';
import { captureActiveTrace } from './active-trace.js';
import type { ClientTarget } from './client-target.js';
import type { EndpointSpec } from './endpoint-spec.js';
import { observeStream, type StreamEnd } from './observe-stream.js';
import type { StreamAccumulator } from './result-reader.js';
import { isAbort, readError } from './read-error.js';
import { refusesStreamUsage, rememberRefusal, withStreamUsage } from './stream-usage-request.js';
import { count, isAPIPromise, isStream, text, type APIPromiseLike, type ResponseProps } from './sdk-shapes.js';

/** Receives each finished Observation (the record layer). Must not throw; is guarded anyway. */
export type ObservationSink = (observation: Observation) => void;

/**
 * Runs one SDK call and observes it without changing what the app gets.
 *
 * The SDK returns an `APIPromise` that parses the body only when someone
 * awaits it, so we never await it ourselves (DESIGN §3 rule 1). Instead:
 * - `responsePromise` (the raw response, resolved when headers arrive, rejected
 *   with the very error the app will get) tells us status, headers and errors;
 * - the APIPromise's own `parseResponse` field, which its parse goes through
 *   (`await`, `withResponse()`, and `chat.completions.parse()` up to openai 6),
 *   is swapped for one that hands the parsed value to our reader, untouched;
 *   openai 7's own `_thenUnwrap` gets the same watch for derived promises.
 * The app gets the very APIPromise the SDK made, with the same keys (issue 6:
 * deriving a second one with `_thenUnwrap`, as we did first, cost a Promise, a
 * WeakMap entry and a property per call; and nothing is added to the parsed value).
 * Anything unexpected falls back to the original result, unobserved.
 *
 * @example
 * return observeCall((body) => original.call(this, body, ...rest), body, chatCompletionsEndpoint, target, sink, true);
 */
export function observeCall(
  call: (body: unknown) => unknown,
  body: unknown,
  spec: EndpointSpec,
  target: ClientTarget,
  sink: ObservationSink,
  askStreamUsage: boolean,
): unknown {
  const tracker = new CallTracker(body, spec, target, sink);
  const server = serverKey(target);
  const asked = askStreamUsage && spec.streamUsage ? withStreamUsage(body, server) : undefined;
  let result: unknown;
  try {
    result = call(asked ?? body);
  } catch (error) {
    tracker.fail(error);
    throw error;
  }
  if (!isAPIPromise(result)) {
    warnOnce('unobservable', 'grafana-openai-monitoring: this openai SDK returned no APIPromise; calls go through unobserved', 'GOM_UNSUPPORTED_SDK');
    return result;
  }
  try {
    let responses = result.responsePromise;
    if (asked !== undefined) {
      tracker.hideStreamUsage = true;
      // A server that refuses the parameter generated nothing: ask again without
      // it, and hand the app that answer through the same APIPromise.
      responses = responses.catch((error: unknown) => {
        if (!refusesStreamUsage(error)) throw error;
        rememberRefusal(server);
        tracker.hideStreamUsage = false;
        const retry = call(body);
        return isAPIPromise(retry) ? retry.responsePromise : Promise.reject(error);
      });
      // `parse()`, `asResponse()` and `withResponse()` all read this field…
      result.responsePromise = responses;
      // …except openai 7's own `withResponse()`, which takes the response from
      // the request it was made with: the refused one, after a retry.
      if (Object.prototype.hasOwnProperty.call(result, 'withResponse')) withResponseFrom(result, responses);
    }
    responses.then(
      (props) => tracker.onResponse(props),
      (error: unknown) => tracker.fail(error),
    );
    watchParses(result, tracker);
    observeRawResponse(result, responses, tracker);
    return result;
  } catch {
    return result;
  }
}

/**
 * openai 7's `withResponse()` (an own property of each APIPromise): the parsed
 * data, then the response, as the SDK returns them, but the response of
 * `responses`, which is the retried request's when the server refused
 * `stream_options`.
 */
function withResponseFrom(result: APIPromiseLike, responses: Promise<ResponseProps>): void {
  (result as { withResponse?: unknown }).withResponse = async function withResponse(): Promise<{ data: unknown; response: unknown; request_id: string | null }> {
    const data = await result;
    const { response } = await responses;
    return { data, response, request_id: response.headers.get('x-request-id') };
  };
}

/** Swaps the APIPromise's `parseResponse` (and openai 7's own `_thenUnwrap`) for ones that show the tracker the parsed value. */
function watchParses(result: APIPromiseLike, tracker: CallTracker): void {
  const parse = result.parseResponse;
  result.parseResponse = function observedParse(this: unknown, ...args: unknown[]): unknown {
    return tracker.watchParse(parse.apply(this, args));
  };
  if (!Object.prototype.hasOwnProperty.call(result, '_thenUnwrap')) return;
  const thenUnwrap = result._thenUnwrap;
  result._thenUnwrap = function observedThenUnwrap(this: unknown, transform: (data: unknown, props: unknown) => unknown, ...rest: unknown[]): unknown {
    const watched = (data: unknown, props: unknown): unknown => {
      tracker.onData(data);
      return transform(data, props);
    };
    return thenUnwrap.call(this, watched, ...rest);
  };
}

/**
 * `.asResponse()` hands the app the raw `Response` and never parses it, so
 * our `parseResponse` may never run: such a call is recorded after its
 * headers arrive, with status and timing but no usage (the app reads the body,
 * not us). An app may await the same APIPromise next (issue 18): its parse
 * starts in a microtask after `asResponse()` resolves, so the unread record
 * waits one macrotask (`setImmediate`) and gives way to a parse begun by then,
 * which records usage, model and cost from the body. `withResponse()` parses
 * first, so it is observed in full as usual. The override is a non-enumerable
 * own property; everything else of the APIPromise stays as the SDK made it.
 */
function observeRawResponse(observed: APIPromiseLike, responses: Promise<ResponseProps>, tracker: CallTracker): void {
  const asResponse = (observed as { asResponse?: unknown }).asResponse;
  if (typeof asResponse !== 'function') return;
  Object.defineProperty(observed, 'asResponse', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function observedAsResponse(this: { parsedPromise?: unknown }, ...args: unknown[]): unknown {
      if (this.parsedPromise === undefined) {
        tracker.rawTaken = true;
        responses.then(() => setImmediate(() => tracker.finishUnread()), () => undefined);
      }
      return (asResponse as (...a: unknown[]) => unknown).apply(this, args);
    },
  });
}

/** The state of one call between its start and its single `finish`. */
class CallTracker {
  private readonly observation: Observation;
  private readonly startedAt = performance.now();
  private finished = false;
  /** True while the stream carries usage the app did not ask for (we added `include_usage`). */
  hideStreamUsage = false;
  /** The app took the raw response (`asResponse()`) before any parse. */
  rawTaken = false;
  /** A parse of the body has begun: it records the call, not `finishUnread`. */
  private parsing = false;

  constructor(body: unknown, private readonly spec: EndpointSpec, target: ClientTarget, private readonly sink: ObservationSink) {
    const now = Date.now();
    // Named loads, as the readers do (read-choices.ts): an app's request bodies share a shape.
    const request = typeof body === 'object' && body !== null ? (body as { model?: unknown; stream?: unknown }) : undefined;
    this.observation = {
      source: spec.source,
      operation: spec.operation,
      provider: target.provider,
      serverAddress: target.serverAddress,
      serverPort: target.serverPort,
      requestModel: text(request?.model),
      stream: request?.stream === true,
      startMs: now,
      endMs: now,
      durationS: 0,
      outcome: 'ok',
      prompt: spec.promptOf(body),
      // Read now, synchronously inside the app's `create()`: its span is the active context only here.
      trace: captureActiveTrace(),
    };
  }

  // Each entry point catches everything itself rather than through a wrapper
  // closure: these run on every call (issue 6, "no per-call closures").

  onResponse(props: ResponseProps): void {
    try {
      const { headers, status } = props.response;
      const obs = this.observation;
      obs.status = status;
      obs.requestId = headers.get('x-request-id') ?? headers.get('apim-request-id') ?? undefined;
      obs.rateLimitRemainingRequests = count(Number(headers.get('x-ratelimit-remaining-requests') ?? NaN));
      obs.rateLimitRemainingTokens = count(Number(headers.get('x-ratelimit-remaining-tokens') ?? NaN));
    } catch {
      // Observation must never break or alter the call (DESIGN §3 rule 3).
    }
  }

  /**
   * Sees what the SDK's parse resolves to (or rejects with) from a reaction of
   * its own, and returns the SDK's very promise: the app's chain keeps the
   * length it has unmonitored (no extra promise or tick per call, issue 6). Our
   * reaction is attached first, so it runs before the SDK's own: a stream is
   * observed before the app can iterate it.
   */
  watchParse(parsed: unknown): unknown {
    this.parsing = true;
    Promise.resolve(parsed).then(
      (data) => this.onData(data),
      // After asResponse(), a failed parse is the app's own doing (it read the body first): the call itself went well.
      (error: unknown) => (this.rawTaken ? this.finish() : this.fail(error)),
    );
    return parsed;
  }

  onData(data: unknown): void {
    // A finished call's observation waits for the recorder's batch: it must not change any more.
    if (this.finished) return;
    try {
      if (isStream(data)) {
        const accumulator = this.spec.reader.startStream();
        // An abandoned stream ends, for the record, when the app got it and did not read it.
        const handedOver = { ms: Date.now(), at: performance.now() };
        observeStream(data, accumulator, {
          hideUsage: this.hideStreamUsage,
          onFirstChunk: () => {
            this.observation.timeToFirstChunkS = (performance.now() - this.startedAt) / 1000;
          },
          onEnd: (end) => this.endStream(end, accumulator, end.outcome === 'abandoned' ? handedOver : undefined),
        });
        return;
      }
      this.spec.reader.readResponse(data, this.observation);
    } catch {
      return;
    }
    this.finish();
  }

  private endStream(end: StreamEnd, accumulator: StreamAccumulator, endedAt?: { ms: number; at: number }): void {
    accumulator.finish(this.observation);
    if (end.outcome === 'error') this.fail(end.error);
    else {
      this.observation.outcome = end.outcome;
      this.finish(endedAt);
    }
  }

  /** The app took the raw response (`asResponse()`): record what the headers told, without usage. */
  finishUnread(): void {
    if (!this.parsing) this.finish();
  }

  fail(error: unknown): void {
    if (this.finished) return;
    try {
      this.observation.outcome = isAbort(error) ? 'aborted' : 'error';
      this.observation.error = readError(error);
      this.observation.status ??= this.observation.error.status;
    } catch {
      return;
    }
    this.finish();
  }

  private finish(endedAt?: { ms: number; at: number }): void {
    if (this.finished) return;
    this.finished = true;
    try {
      this.observation.endMs = endedAt?.ms ?? Date.now();
      this.observation.durationS = ((endedAt?.at ?? performance.now()) - this.startedAt) / 1000;
      this.sink(this.observation);
    } catch {
      // A sink is guarded itself; this keeps a surprise there out of the app's promise chain too.
    }
  }
}

/** `host:port`, the key of servers that refused `stream_options`; made once per client. */
function serverKey(target: ClientTarget): string {
  target.serverKey ??= `${target.serverAddress ?? ''}:${target.serverPort ?? ''}`;
  return target.serverKey;
}
