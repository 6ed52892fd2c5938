import type { StreamAccumulator } from './result-reader.js';
import { whenAbandoned } from './abandoned-streams.js';
import type { StreamLike } from './sdk-shapes.js';

/**
 * How a stream ended, as seen by whoever iterated it; `abandoned`: nobody ever
 * did, and the Stream was garbage-collected (abandoned-streams.ts).
 */
export type StreamEnd = { outcome: 'ok' } | { outcome: 'aborted' } | { outcome: 'abandoned' } | { outcome: 'error'; error: unknown };

export interface StreamHooks {
  /**
   * Usage chunks and `usage: null` fields exist only because we asked for
   * them: read them, but never let the app see them (DESIGN §3 rule 2).
   */
  hideUsage: boolean;
  onFirstChunk(): void;
  onEnd(end: StreamEnd): void;
}

/**
 * Observes a stream in place: the SDK's `Stream` gets every behaviour
 * (`[Symbol.asyncIterator]`, `tee()`, `toReadableStream()`) from its
 * `iterator` factory, so replacing that factory sees every chunk while the app
 * keeps the very same object, class and controller (DESIGN §3 rule 1). Each
 * chunk is passed on untouched, and the end is reported exactly once:
 * completed, errored, or left early (a `break` still reaches the SDK's
 * iterator, which aborts the request as before).
 *
 * @example
 * observeStream(stream, chatCompletionReader.startStream(), { onFirstChunk, onEnd });
 */
export function observeStream(stream: StreamLike, accumulator: StreamAccumulator, hooks: StreamHooks): void {
  const makeIterator = stream.iterator;
  const state: StreamState = { ended: false, iterated: false, controller: stream.controller };
  stream.iterator = function observedIterator(this: unknown): AsyncIterator<unknown> {
    state.iterated = true;
    return new ObservedChunks(makeIterator.call(this), accumulator, hooks, state);
  };
  whenAbandoned(stream, () => {
    if (state.iterated || state.ended) return;
    state.ended = true;
    guarded(() => hooks.onEnd({ outcome: 'abandoned' }));
  });
}

interface StreamState {
  ended: boolean;
  /** An iterator was made (for-await, tee(), toReadableStream()): from then on its end is the stream's end. */
  iterated: boolean;
  /** The Stream's controller: the SDK aborts it for the app's `signal` too. */
  readonly controller: StreamLike['controller'];
}

/**
 * The iterator the app (or `tee()`, `toReadableStream()`) pulls from: each
 * `next()` is the SDK iterator's `next()` plus one `then`. A plain object, not
 * an async generator, which costs a few promise hops more per chunk (issue 6;
 * a stream has one chunk per few tokens). The end is reported once per stream,
 * whichever of its iterators ends first (`tee()` makes one).
 */
class ObservedChunks implements AsyncIterator<unknown> {
  private first = true;

  constructor(
    private readonly inner: AsyncIterator<unknown>,
    private readonly accumulator: StreamAccumulator,
    private readonly hooks: StreamHooks,
    private readonly state: StreamState,
  ) {}

  // Made once per stream, not per chunk (issue 6: no per-call closures; a stream has dozens of chunks).
  private readonly onNext = (step: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => this.onStep(step);
  private readonly onNextError = (error: unknown): never => {
    this.end({ outcome: 'error', error });
    throw error;
  };

  next(): Promise<IteratorResult<unknown>> {
    return this.inner.next().then(this.onNext, this.onNextError);
  }

  /** Left early (break, return, throw into the loop): close the SDK's iterator so it aborts the HTTP request exactly as it does unmonitored. */
  return(value?: unknown): Promise<IteratorResult<unknown>> {
    const closed = typeof this.inner.return === 'function' ? this.inner.return(value) : Promise.resolve({ done: true as const, value });
    return closed.finally(() => this.end({ outcome: 'aborted' }));
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    if (typeof this.inner.throw === 'function') return this.inner.throw(error).finally(() => this.end({ outcome: 'aborted' }));
    return this.return().then(() => Promise.reject(error));
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this;
  }

  private onStep(step: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> {
    if (step.done === true) {
      // The SDK's iterator returns quietly when its controller is aborted (the
      // app's `signal` or `stream.controller.abort()`: Stream catches the
      // AbortError), so an aborted stream also ends "done" (issue 22 item 8).
      this.end(this.state.controller.signal?.aborted === true ? { outcome: 'aborted' } : { outcome: 'ok' });
      return step;
    }
    if (this.first) {
      this.first = false;
      guarded(this.hooks.onFirstChunk);
    }
    try {
      this.accumulator.add(step.value);
    } catch {
      // Observation must never break iteration (DESIGN §3 rule 3).
    }
    if (!this.hooks.hideUsage) return step;
    try {
      if (!hasUsageField(step.value)) return step;
      if (isUsageChunk(step.value)) return this.next();
      return { value: withoutUsage(step.value), done: false };
    } catch {
      // A chunk we cannot read (a getter that throws) goes to the app as it came.
      return step;
    }
  }

  private end(result: StreamEnd): void {
    if (this.state.ended) return;
    this.state.ended = true;
    guarded(() => this.hooks.onEnd(result));
  }
}

/**
 * With `include_usage`, every chunk carries `usage: null` and one extra last
 * chunk has `choices: []` and the usage (fixtures README "Tokens / cost").
 */
function hasUsageField(chunk: unknown): chunk is Record<string, unknown> {
  return typeof chunk === 'object' && chunk !== null && 'usage' in chunk;
}

/**
 * The extra last chunk, which the app would not get unmonitored: no choices
 * and a usage object. A chunk with no choices and `usage: null` is the
 * server's own (Azure opens streams with one carrying `prompt_filter_results`,
 * issue 18) and reaches the app.
 */
function isUsageChunk(chunk: Record<string, unknown>): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && typeof chunk.usage === 'object' && chunk.usage !== null;
}

/**
 * The chunk as the server would have sent it without `include_usage`: the
 * same keys in the same order, minus `usage`. A copy, not `delete`: deleting
 * a property of a `JSON.parse`d object turns it into a slow dictionary-mode
 * object in V8, which made every later read of the chunk slower, and openai
 * 7 spreads each chunk (`normalizeChatCompletionChunk`): measured, that
 * doubled what monitoring a stream costs (bench/README.md).
 */
function withoutUsage(chunk: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  // for-in with an own check visits what Object.keys lists, in its order, without
  // making the array: 150-280 ns a chunk against 220-450 (Node 22, Node 20).
  for (const key in chunk) if (key !== 'usage' && hasOwn.call(chunk, key)) copy[key] = chunk[key];
  return copy;
}

const hasOwn = Object.prototype.hasOwnProperty;

function guarded(fn: () => void): void {
  try {
    fn();
  } catch {
    // Observation must never break iteration (DESIGN §3 rule 3).
  }
}
