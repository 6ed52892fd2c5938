import type { Operation, Source } from '../record/observation.js';
import { chatCompletionReader } from './read-chat-completion.js';
import { completionReader } from './read-completion.js';
import type { ResultReader } from './result-reader.js';
import { field } from './sdk-shapes.js';

/** One SDK method we patch, and how to read its calls. */
export interface EndpointSpec {
  /** Property path from the client to the resource holding `create`, e.g. `['chat', 'completions']`. */
  readonly path: readonly string[];
  readonly source: Source;
  readonly operation: Operation;
  readonly reader: ResultReader;
  /** Whether its streams report usage when asked with `stream_options.include_usage`. */
  readonly streamUsage: boolean;
  /** What the app sent as its prompt, for the log line. */
  promptOf(body: unknown): unknown;
}

/**
 * `chat_v2` in the original library: Chat Completions.
 *
 * @example
 * patchEndpoint(client, chatCompletionsEndpoint, recorder);
 */
export const chatCompletionsEndpoint: EndpointSpec = {
  path: ['chat', 'completions'],
  source: 'node_chatv2',
  operation: 'chat',
  reader: chatCompletionReader,
  streamUsage: true,
  promptOf: (body) => field(body, 'messages'),
};

/**
 * `chat_v1` in the original library: the legacy Completions endpoint.
 *
 * @example
 * patchEndpoint(client, completionsEndpoint, recorder);
 */
export const completionsEndpoint: EndpointSpec = {
  path: ['completions'],
  source: 'node_chatv1',
  operation: 'text_completion',
  reader: completionReader,
  streamUsage: true,
  promptOf: (body) => field(body, 'prompt'),
};
