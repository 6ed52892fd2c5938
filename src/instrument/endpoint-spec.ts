import type { Operation, Source } from '../record/observation.js';
import { chatCompletionReader } from './read-chat-completion.js';
import { completionReader } from './read-completion.js';
import { embeddingReader } from './read-embedding.js';
import { responseReader } from './read-response.js';
import type { ResultReader } from './result-reader.js';
import { field } from './sdk-shapes.js';

/** One SDK method we patch, and how to read its calls. */
export interface EndpointSpec {
  /** Property path from the client to the resource holding `create`, e.g. `['chat', 'completions']`. */
  readonly path: readonly string[];
  /**
   * Static path from the client class to the resource class whose prototype
   * holds `create`, e.g. `['Chat', 'Completions']`: openai 4-7 expose every
   * resource class on `OpenAI` (`OpenAI.Chat.Completions`), and subclasses
   * such as `AzureOpenAI` inherit those statics.
   */
  readonly classPath: readonly string[];
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
  classPath: ['Chat', 'Completions'],
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
  classPath: ['Completions'],
  source: 'node_chatv1',
  operation: 'text_completion',
  reader: completionReader,
  streamUsage: true,
  promptOf: (body) => field(body, 'prompt'),
};

/**
 * The Responses API. Its streams always end with the usage, so nothing is added to the request.
 *
 * @example
 * patchEndpoint(client, responsesEndpoint, key, sink);
 */
export const responsesEndpoint: EndpointSpec = {
  path: ['responses'],
  classPath: ['Responses'],
  source: 'node_responses',
  operation: 'chat',
  reader: responseReader,
  streamUsage: false,
  promptOf: (body) => {
    const instructions = field(body, 'instructions');
    const input = field(body, 'input');
    return instructions === undefined ? input : { instructions, input };
  },
};

/**
 * Embeddings.
 *
 * @example
 * patchEndpoint(client, embeddingsEndpoint, key, sink);
 */
export const embeddingsEndpoint: EndpointSpec = {
  path: ['embeddings'],
  classPath: ['Embeddings'],
  source: 'node_embeddings',
  operation: 'embeddings',
  reader: embeddingReader,
  streamUsage: false,
  promptOf: (body) => field(body, 'input'),
};
