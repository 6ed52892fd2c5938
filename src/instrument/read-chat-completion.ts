import { choicesReader } from './read-choices.js';
import type { ResultReader } from './result-reader.js';
import { field, text } from './sdk-shapes.js';

/** What a chat message may hold (named loads: see read-choices.ts). */
interface MessageFields {
  readonly content?: unknown;
  readonly refusal?: unknown;
  readonly tool_calls?: unknown;
}

/** A chat message's text: content, else a refusal, else the names of the tools it calls. */
function messageText(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const fields = message as MessageFields;
  const content = text(fields.content) ?? text(fields.refusal);
  if (content !== undefined) return content;
  const toolCalls = fields.tool_calls;
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
  ofChoice: (choice) => messageText((choice as { message?: unknown }).message),
  ofDelta: (choice) => {
    const delta = (choice as { delta?: unknown }).delta;
    if (typeof delta !== 'object' || delta === null) return undefined;
    return text((delta as { content?: unknown }).content) ?? text((delta as { refusal?: unknown }).refusal);
  },
});
