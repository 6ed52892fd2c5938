import type { ServerResponse } from 'node:http';

/**
 * The Responses API of the demo's local server (`POST /v1/responses`), enough
 * for the Agents SDK and LangChain's `useResponsesApi` to run against it: a
 * text answer, or, when the request offers function tools and no tool output
 * has come back yet, a call of the first tool (arguments `{}` filled from its
 * required string parameters), as a model would; JSON or an SSE stream that
 * ends with `response.completed` carrying the usage, as the real API does.
 */

const ANSWER = 'Grafana shows every call of this run with its latency, tokens and cost.';
const SNAPSHOT = 'gpt-4.1-2025-04-14';

interface FunctionTool {
  type?: string;
  name?: string;
  parameters?: { properties?: Record<string, { type?: string; enum?: unknown[] }>; required?: string[] };
}

/** Roughly 4 characters a token, as the chat answers of the demo server count them. */
function tokensOf(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

function argumentsFor(tool: FunctionTool): string {
  const args: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(tool.parameters?.properties ?? {})) {
    args[name] = Array.isArray(schema.enum) && schema.enum.length > 0 ? schema.enum[0] : schema.type === 'number' || schema.type === 'integer' ? 1 : 'Paris';
  }
  return JSON.stringify(args);
}

function outputFor(body: Record<string, unknown>, id: string): unknown[] {
  const input = Array.isArray(body.input) ? (body.input as { type?: string }[]) : [];
  const tools = Array.isArray(body.tools) ? (body.tools as FunctionTool[]).filter((t) => t.type === 'function' && typeof t.name === 'string') : [];
  if (tools.length > 0 && !input.some((item) => item.type === 'function_call_output')) {
    return [{ id: `fc_${id}`, type: 'function_call', status: 'completed', arguments: argumentsFor(tools[0]), call_id: `call_${id}`, name: tools[0].name }];
  }
  return [{ id: `msg_${id}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text: ANSWER }] }];
}

/**
 * Answers one Responses API request.
 *
 * @example
 * if (path.endsWith('/responses')) answerResponses(body, res);
 */
export async function answerResponses(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const requested = typeof body.model === 'string' ? body.model : 'gpt-4.1';
  const model = requested === 'gpt-4.1' ? SNAPSHOT : requested;
  const id = Date.now().toString(16);
  await new Promise((resolve) => setTimeout(resolve, 40 + Math.floor(Math.random() * 120)));
  const output = outputFor(body, id);
  const input = tokensOf([body.instructions, body.input]);
  const produced = tokensOf(output);
  const response = {
    id: `resp_demo${id}`, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'completed', error: null, incomplete_details: null,
    instructions: body.instructions ?? null, model, output, parallel_tool_calls: true, tools: body.tools ?? [], tool_choice: 'auto', text: { format: { type: 'text' } },
    usage: { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: produced, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + produced },
  };
  const requestId = `req_demo${id}`;
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId });
    res.end(JSON.stringify(response));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': requestId });
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  res.write(event('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } }));
  output.forEach((item, index) => {
    const message = item as { type: string; content?: { text: string }[] };
    if (message.type === 'message') {
      res.write(event('response.output_item.added', { output_index: index, item: { ...message, status: 'in_progress', content: [] } }));
      for (const word of ANSWER.split(/(?<= )/)) res.write(event('response.output_text.delta', { item_id: `msg_${id}`, output_index: index, content_index: 0, delta: word, logprobs: [] }));
      res.write(event('response.output_text.done', { item_id: `msg_${id}`, output_index: index, content_index: 0, text: ANSWER, logprobs: [] }));
    }
    res.write(event('response.output_item.done', { output_index: index, item }));
  });
  res.end(event('response.completed', { response }));
}
