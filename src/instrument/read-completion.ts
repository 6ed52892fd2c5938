import { choicesReader } from './read-choices.js';
import type { ResultReader } from './result-reader.js';
import { text } from './sdk-shapes.js';

const choiceText = (choice: object): string | undefined => text((choice as { text?: unknown }).text);

/**
 * Legacy Completions (`client.completions.create`): choices carry `text`, in
 * complete responses and stream chunks alike.
 *
 * @example
 * completionReader.readResponse(completion, observation);
 */
export const completionReader: ResultReader = choicesReader({ ofChoice: choiceText, ofDelta: choiceText });
