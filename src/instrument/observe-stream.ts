import type { StreamAccumulator } from './result-reader.js';
import type { StreamLike } from './sdk-shapes.js';

/** How a stream ended, as seen by whoever iterated it. */
export type StreamEnd = { outcome: 'ok' } | { outcome: 'aborted' } | { outcome: 'error'; error: unknown };

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
 * chunk is passed on untouched, and the end is reported exactly once, in
 * `finally`: completed, errored, or left early (a `break` still reaches the
 * SDK's iterator, which aborts the request as before).
 *
 * @example
 * observeStream(stream, chatCompletionReader.startStream(), { onFirstChunk, onEnd });
 */
export function observeStream(stream: StreamLike, accumulator: StreamAccumulator, hooks: StreamHooks): void {
  const makeIterator = stream.iterator;
  let ended = false;
  const end = (result: StreamEnd) => {
    if (ended) return;
    ended = true;
    hooks.onEnd(result);
  };
  stream.iterator = function observedIterator(this: unknown): AsyncIterator<unknown> {
    return observeChunks(makeIterator.call(this), accumulator, hooks, end);
  };
}

async function* observeChunks(
  inner: AsyncIterator<unknown>,
  accumulator: StreamAccumulator,
  hooks: StreamHooks,
  end: (result: StreamEnd) => void,
): AsyncGenerator<unknown, void, undefined> {
  let result: StreamEnd = { outcome: 'aborted' };
  let first = true;
  try {
    for (;;) {
      const step = await inner.next();
      if (step.done === true) {
        result = { outcome: 'ok' };
        return;
      }
      if (first) {
        first = false;
        guarded(hooks.onFirstChunk);
      }
      guarded(() => accumulator.add(step.value));
      if (hooks.hideUsage && isAddedUsage(step.value)) continue;
      yield step.value;
    }
  } catch (error) {
    result = { outcome: 'error', error };
    throw error;
  } finally {
    // Left early (break, return, throw into the loop): close the SDK's iterator
    // so it aborts the HTTP request exactly as it does unmonitored.
    try {
      if (result.outcome === 'aborted' && typeof inner.return === 'function') await inner.return();
    } finally {
      guarded(() => end(result));
    }
  }
}

/**
 * With `include_usage`, every chunk carries `usage: null` and one extra last
 * chunk has `choices: []` and the usage (fixtures README "Tokens / cost").
 * Returns true for that extra chunk; strips the field from the others.
 */
function isAddedUsage(chunk: unknown): boolean {
  if (typeof chunk !== 'object' || chunk === null || !('usage' in chunk)) return false;
  const record = chunk as { usage?: unknown; choices?: unknown };
  if (Array.isArray(record.choices) && record.choices.length === 0) return true;
  delete record.usage;
  return false;
}

function guarded(fn: () => void): void {
  try {
    fn();
  } catch {
    // Observation must never break iteration (DESIGN §3 rule 3).
  }
}
