import { choicesReader } from './read-choices.js';
import type { ResultReader } from './result-reader.js';
import { field, text } from './sdk-shapes.js';

/** A chat message's text: content, else a refusal, else the names of the tools it calls. */
function messageText(message: unknown): string | undefined {
  const content = text(field(message, 'content')) ?? text(field(message, 'refusal'));
  if (content !== undefined) return content;
  const toolCalls = field(message, 'tool_calls');
  if (!Array.isArray(toolCalls) || toolCalls.length === 0) return undefined;
  return toolCalls.map((call) => `tool_call:${text(field(field(call, 'function'), 'name')) ?? '?'}`).join(' ');
}

/**
 * Chat Completions (`client.chat.completions.create`), streamed or not.
 *
 * @example
 * chatCompletionReader.readResponse(completion, observation);
 */
export const chatCompletionReader: ResultReader = choicesReader({
  ofChoice: (choice) => messageText(field(choice, 'message')),
  ofDelta: (choice) => {
    const delta = (choice as { delta?: unknown }).delta;
    if (typeof delta !== 'object' || delta === null) return undefined;
    return text((delta as { content?: unknown }).content) ?? text((delta as { refusal?: unknown }).refusal);
  },
});
