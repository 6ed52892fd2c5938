import type { Observation } from '../record/observation.js';
import { readResponsesUsage } from './read-usage.js';
import type { ResultReader, StreamAccumulator } from './result-reader.js';
import { field, text } from './sdk-shapes.js';

/**
 * The text of a Responses API `output`: the SDK adds `output_text` (it is not
 * on the wire, fixtures README "Shapes"), else the `output_text` parts of its
 * message items are joined.
 */
function outputText(response: unknown): string | undefined {
  const joined = text(field(response, 'output_text'));
  if (joined !== undefined) return joined;
  const output = field(response, 'output');
  if (!Array.isArray(output)) return undefined;
  const parts: string[] = [];
  for (const item of output) {
    const content = field(item, 'content');
    if (!Array.isArray(content)) continue;
    for (const part of content) if (field(part, 'type') === 'output_text' && typeof field(part, 'text') === 'string') parts.push(field(part, 'text') as string);
  }
  return parts.length > 0 ? parts.join('') : undefined;
}

/** `completed`, or why the response stopped early (`max_output_tokens`, `content_filter`), or `failed`. */
function finishReason(response: unknown): string | undefined {
  const status = text(field(response, 'status'));
  if (status === 'incomplete') return text(field(field(response, 'incomplete_details'), 'reason')) ?? status;
  return status;
}

function readResponse(response: unknown, obs: Observation): void {
  obs.responseModel = text(field(response, 'model'));
  obs.usage = readResponsesUsage(field(response, 'usage'));
  obs.serviceTier = text(field(response, 'service_tier'));
  const reason = finishReason(response);
  if (reason !== undefined) obs.finishReasons = [reason];
  obs.responseText = outputText(response);
}

/**
 * The Responses API (`client.responses.create`), streamed or not. Stream events
 * carry the response object in `response.created` / `response.completed` /
 * `response.failed` / `response.incomplete`, and text in
 * `response.output_text.delta`; there is no `[DONE]`.
 *
 * @example
 * responseReader.readResponse(response, observation);
 */
export const responseReader: ResultReader = {
  readResponse,
  startStream: () => new ResponseStreamAccumulator(),
};

class ResponseStreamAccumulator implements StreamAccumulator {
  private last?: unknown;
  private text = '';

  add(event: unknown): void {
    const response = field(event, 'response');
    if (typeof response === 'object' && response !== null) this.last = response;
    if (field(event, 'type') === 'response.output_text.delta') this.text += text(field(event, 'delta')) ?? '';
  }

  finish(obs: Observation): void {
    if (this.last !== undefined) readResponse(this.last, obs);
    if (obs.responseText === undefined && this.text !== '') obs.responseText = this.text;
  }
}
