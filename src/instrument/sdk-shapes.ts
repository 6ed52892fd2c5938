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
 * `_thenUnwrap` derives another APIPromise over the same response, which is how
 * the SDK itself builds `parse()` and how we observe the result without ever
 * calling `.then()` on the app's promise (DESIGN §3 rule 1).
 */
export interface APIPromiseLike extends Promise<unknown> {
  responsePromise: Promise<ResponseProps>;
  _thenUnwrap(transform: (data: unknown, props: ResponseProps) => unknown): APIPromiseLike;
}

/** The SDK's `Stream`: async-iterable, backed by `iterator()`, which `tee()` and `toReadableStream()` also use. */
export interface StreamLike {
  iterator: () => AsyncIterator<unknown>;
  controller: { abort(): void };
}

/**
 * @example
 * if (isAPIPromise(result)) result._thenUnwrap((data) => data);
 */
export function isAPIPromise(value: unknown): value is APIPromiseLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<APIPromiseLike>;
  return (
    typeof candidate._thenUnwrap === 'function' &&
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
