import { field } from './sdk-shapes.js';

/**
 * Streams report usage only when asked (`stream_options.include_usage`,
 * fixtures README "Tokens / cost"), so we ask on the app's behalf (DESIGN §3
 * rule 2) and remember the servers that refuse the parameter: some
 * OpenAI-compatible servers answer 400 naming `stream_options`, which means
 * nothing was generated, so the request is sent once more without it, and
 * never again to that server.
 */

/** Servers (`host:port`) that answered 400 to `stream_options`. Bounded: a process talks to few servers. */
const refusingServers = new Set<string>();
const MAX_REMEMBERED_SERVERS = 1000;

/**
 * The body to send: the app's own when it streams nothing, already asked for
 * usage, or talks to a server known to refuse; else a copy that asks for usage
 * (the app's object is never modified).
 *
 * @example
 * const body = withStreamUsage(appBody, '127.0.0.1:8000'); // undefined: send the app's body as is
 */
export function withStreamUsage(body: unknown, server: string): Record<string, unknown> | undefined {
  if (field(body, 'stream') !== true || refusingServers.has(server)) return undefined;
  const options = field(body, 'stream_options');
  if (field(options, 'include_usage') === true) return undefined;
  if (options !== undefined && options !== null && typeof options !== 'object') return undefined;
  return { ...(body as Record<string, unknown>), stream_options: { ...((options as object | null) ?? {}), include_usage: true } };
}

/**
 * True for the 400 a server sends when it does not know `stream_options`.
 *
 * @example
 * if (refusesStreamUsage(error)) rememberRefusal(server);
 */
export function refusesStreamUsage(error: unknown): boolean {
  if (field(error, 'status') !== 400) return false;
  if (field(error, 'param') === 'stream_options') return true;
  const message = error instanceof Error ? error.message : '';
  return message.includes('stream_options') || message.includes('include_usage');
}

/**
 * @example
 * rememberRefusal('127.0.0.1:8000');
 */
export function rememberRefusal(server: string): void {
  if (refusingServers.size < MAX_REMEMBERED_SERVERS) refusingServers.add(server);
}
