/**
 * The few parts of the `openai` SDK (4.x-7.x) that instrument/ relies on,
 * typed structurally so no SDK version's types are imported. Every accessor
 * checks the shape at run time: if a future SDK drops one of these, the call
 * goes through unobserved instead of failing (DESIGN §3 rule 3).
 */

/** `Headers` of the fetch `Response` the SDK received. */
export interface HeadersLike {
  get(name: string): string | null;
}

/** What `APIPromise.responsePromise` resolves to (4.x: `APIResponseProps`; 5.x+: the same plus timings). */
export interface ResponseProps {
  response: { status: number; headers: HeadersLike };
  options?: { stream?: boolean };
}

/**
 * The SDK's `APIPromise`: a Promise subclass whose `then` parses the body.
 * Its `parse()` (behind `then`, `withResponse()` and, up to openai 6, every
 * APIPromise derived by `_thenUnwrap`, such as `chat.completions.parse()`)
 * calls the instance's own `parseResponse` field: 4.x `(props)`, 5.x+
 * `(client, props)`, both async. Swapping that field is how we see the parsed
 * result without ever calling `.then()` on the app's promise (DESIGN §3 rule 1).
 * openai 7 also gives each instance its own `_thenUnwrap`, which parses with
 * the function the instance was made with rather than the field.
 */
export interface APIPromiseLike extends Promise<unknown> {
  responsePromise: Promise<ResponseProps>;
  parseResponse: (...args: unknown[]) => unknown;
  _thenUnwrap(transform: (data: unknown, props: unknown) => unknown, ...rest: unknown[]): unknown;
}

/** The SDK's `Stream`: async-iterable, backed by `iterator()`, which `tee()` and `toReadableStream()` also use. */
export interface StreamLike {
  iterator: () => AsyncIterator<unknown>;
  controller: { abort(): void; readonly signal?: { readonly aborted?: boolean } };
}

/**
 * @example
 * if (isAPIPromise(result)) result.parseResponse = observed(result.parseResponse);
 */
export function isAPIPromise(value: unknown): value is APIPromiseLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<APIPromiseLike>;
  return (
    typeof candidate._thenUnwrap === 'function' &&
    typeof candidate.parseResponse === 'function' &&
    Object.prototype.hasOwnProperty.call(candidate, 'parseResponse') &&
    typeof candidate.responsePromise === 'object' &&
    candidate.responsePromise !== null &&
    typeof candidate.responsePromise.then === 'function'
  );
}

/**
 * @example
 * if (isStream(data)) data.iterator = wrap(data.iterator);
 */
export function isStream(value: unknown): value is StreamLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<StreamLike> & { [Symbol.asyncIterator]?: unknown };
  return typeof candidate.iterator === 'function' && typeof candidate[Symbol.asyncIterator] === 'function' && typeof candidate.controller === 'object';
}

/** Reads a plain-object property, or undefined for anything else. */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** A non-negative finite number, or undefined (servers send null, strings, floats for timings). */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A non-empty string, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
