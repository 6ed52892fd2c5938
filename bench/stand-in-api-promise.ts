import { HEADERS } from './fake-openai-fetch.js';

/**
 * A stand-in for the `openai` SDK's `APIPromise` (openai 5.x and later,
 * core/api-promise.ts) without the HTTP, for the benchmarks that make a
 * million calls (memory, soak): a real SDK call costs ~250 µs of CPU on this
 * project's VM, so 1,000,000 of them would take minutes, and what could grow
 * with the call count is ours. It has what the patch uses of a real one:
 * `responsePromise`, an own `parseResponse` field that `then` runs once
 * through `parse()`, and `_thenUnwrap` deriving another over the same response.
 * It parses when made rather than when first awaited, as the SDK does: every
 * call here is awaited, so the work is the same, and a lazy parse (one more
 * closure and promise per await) made the RSS of the 1,000,000-call child
 * 20-30 MB larger than the 10,000-call one, with the JS heap flat, both with
 * and without monitoring: allocator slack, not anything kept.
 */

interface ResponseProps {
  response: { status: number; headers: { get(name: string): string | null } };
}

const headers = new Map(Object.entries({ ...HEADERS, 'content-type': 'application/json' }));
const props: ResponseProps = { response: { status: 200, headers: { get: (name) => headers.get(name.toLowerCase()) ?? null } } };

/** The client the SDK passes to `parseResponse` (5.x and later); the stand-in has no use for it. */
const SDK_CLIENT = {};

type ParseResponse = (client: unknown, props: ResponseProps) => unknown;

/**
 * @example
 * const promise = answeredWith(parsedCompletion); // what `create()` returns
 * await promise; // parsedCompletion
 */
export class StandInAPIPromise implements PromiseLike<unknown> {
  private readonly parsedPromise: Promise<unknown>;

  constructor(readonly responsePromise: Promise<ResponseProps>, public parseResponse: ParseResponse) {
    // Reads the field when the response is there, after the patch swapped it.
    this.parsedPromise = responsePromise.then((props) => this.parseResponse(SDK_CLIENT, props));
  }

  _thenUnwrap(transform: (data: unknown, props: ResponseProps) => unknown): StandInAPIPromise {
    return new StandInAPIPromise(this.responsePromise, async (client, props) => transform(await this.parseResponse(client, props), props));
  }

  parse(): Promise<unknown> {
    return this.parsedPromise;
  }

  then<A = unknown, B = never>(onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.parse().then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.parse().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<unknown> {
    return this.parse().finally(onFinally);
  }
}

/**
 * What a stand-in `create()` returns: answered at once, with the recorded
 * response headers and `parsed` as the body.
 *
 * @example
 * const client = { chat: { completions: { create: () => answeredWith(parsed) } } };
 */
export function answeredWith(parsed: unknown): StandInAPIPromise {
  return new StandInAPIPromise(Promise.resolve(props), () => parsed);
}

/**
 * Makes a benchmark child fail when the patch does not recognise the stand-in
 * (it would then measure unobserved calls): the library warns once with
 * GOM_UNSUPPORTED_SDK when a `create()` returns no APIPromise it knows.
 *
 * @example
 * failOnUnobservedCalls();
 */
export function failOnUnobservedCalls(): void {
  process.on('warning', (warning: Error & { code?: string }) => {
    if (warning.code === 'GOM_UNSUPPORTED_SDK') {
      console.error('the stand-in APIPromise is not observed by the patch; update bench/stand-in-api-promise.ts');
      process.exit(1);
    }
  });
}
