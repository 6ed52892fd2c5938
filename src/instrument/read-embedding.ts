import { readCompletionUsage } from './read-usage.js';
import type { ResultReader } from './result-reader.js';
import { field, text } from './sdk-shapes.js';

/**
 * Embeddings (`client.embeddings.create`): usage has prompt and total tokens
 * only, and there is no generated text (vectors are not logged). The SDK asks
 * for base64 and decodes it before we see the result; we never touch `data`.
 *
 * @example
 * embeddingReader.readResponse(result, observation);
 */
export const embeddingReader: ResultReader = {
  readResponse(data, obs) {
    obs.responseModel = text(field(data, 'model'));
    obs.usage = readCompletionUsage(field(data, 'usage'));
  },
  startStream: () => ({ add: () => undefined, finish: () => undefined }),
};
