import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { decodeRemoteWriteBody } from '../../test/support/remote-write-wire-check.js';
import { decodeOtlp, type OtlpContent, type OtlpSignal } from './otlp-decode.js';

/**
 * The loopback sink every variant of the peers benchmark exports to, in a
 * process of its own (peer-sink.ts forks it) so that receiving and checking
 * cost the measured processes nothing. A variant's pushes go under
 * `/<variant>/…`; the sink decodes each with code that is not the sender's
 * (protobufjs from the OTLP schema, `JSON.parse`, snappyjs and
 * prometheus-remote-write's decoder) and counts, per variant, the calls it can
 * see recorded with the recorded answer's tokens (19 in, 200 out): the
 * benchmark compares those counts with the calls each variant made, so a
 * variant that records nothing, or records without tokens, fails the run.
 *
 * It answers as the real receivers do: 204 to remote-write and Loki, 200 with an
 * empty export response to OTLP (protobuf or `{}`).
 */

/** The recorded answer's usage (bench/fake-openai-fetch.ts). */
const INPUT_TOKENS = 19;
const OUTPUT_TOKENS = 200;
/**
 * Words of the recorded answer that the prompt does not contain: seen only where the answer was captured.
 *
 * @example
 * JSON.stringify(span.attributes).includes(ANSWER_MARK); // the span carries the answer
 */
export const ANSWER_MARK = 'rhetorical or philosophical question';

/** What the sink saw of one variant, cumulative. */
export interface SinkCounters {
  /** Loki lines with the call's tokens; of those, lines carrying the answer. */
  lokiLines: number;
  lokiContentLines: number;
  /**
   * Calls accounted for by `openai_promptTokens` (19 per call) and
   * `openai_completionTokens` (200 per call): a sample of n × 19 is n calls
   * that ended in the same ms of one series and were combined
   * (src/export/same-ms-merge.ts); any other value counts nothing.
   */
  promptSamples: number;
  completionSamples: number;
  /** Spans with `gen_ai.usage.input_tokens` 19 and `gen_ai.usage.output_tokens` 200 (GenAI semantic conventions). */
  genAiSpans: number;
  /** Spans whose `langfuse.observation.usage_details` says input 19, output 200. */
  langfuseGenerations: number;
  /** Spans of either kind above whose attributes carry the answer. */
  contentSpans: number;
  /** Log records (OTel events) carrying the answer. */
  contentLogs: number;
  /** The cumulative count of `gen_ai.client.token.usage`'s input histogram, newest push. */
  tokenHistogramInputs: number;
  /** Requests per path, and bodies the sink could not decode. */
  requests: Record<string, number>;
  problems: string[];
}

function fresh(): SinkCounters {
  return { lokiLines: 0, lokiContentLines: 0, promptSamples: 0, completionSamples: 0, genAiSpans: 0, langfuseGenerations: 0, contentSpans: 0, contentLogs: 0, tokenHistogramInputs: 0, requests: {}, problems: [] };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function langfuseUsageMatches(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const usage = JSON.parse(value) as { input?: number; output?: number };
    return usage.input === INPUT_TOKENS && usage.output === OUTPUT_TOKENS;
  } catch {
    return false;
  }
}

function countOtlp(counters: SinkCounters, content: OtlpContent): void {
  for (const span of content.spans) {
    const a = span.attributes;
    const genAi = a['gen_ai.usage.input_tokens'] === INPUT_TOKENS && a['gen_ai.usage.output_tokens'] === OUTPUT_TOKENS;
    const langfuse = langfuseUsageMatches(a['langfuse.observation.usage_details']);
    if (genAi) counters.genAiSpans += 1;
    if (langfuse) counters.langfuseGenerations += 1;
    if ((genAi || langfuse) && JSON.stringify(a).includes(ANSWER_MARK)) counters.contentSpans += 1;
  }
  for (const record of content.logRecords) {
    if (record.bodyText.includes(ANSWER_MARK) || JSON.stringify(record.attributes).includes(ANSWER_MARK)) counters.contentLogs += 1;
  }
  let inputs = 0;
  let seen = false;
  for (const point of content.points) {
    if (point.metric !== 'gen_ai.client.token.usage' || point.attributes['gen_ai.token.type'] !== 'input') continue;
    seen = true;
    inputs += point.count ?? 0;
  }
  if (seen) counters.tokenHistogramInputs = inputs;
}

function countLoki(counters: SinkCounters, body: Buffer): void {
  const push = JSON.parse(body.toString('utf8')) as { streams?: { values?: [string, string][] }[] };
  for (const stream of push.streams ?? [])
    for (const [, text] of stream.values ?? []) {
      const line = JSON.parse(text) as { usage?: { input_tokens?: number; output_tokens?: number }; response?: string };
      if (line.usage?.input_tokens !== INPUT_TOKENS || line.usage?.output_tokens !== OUTPUT_TOKENS) continue;
      counters.lokiLines += 1;
      if (typeof line.response === 'string' && line.response.includes(ANSWER_MARK)) counters.lokiContentLines += 1;
    }
}

async function countRemoteWrite(counters: SinkCounters, body: Buffer): Promise<void> {
  const { series, problems } = await decodeRemoteWriteBody(body);
  counters.problems.push(...problems);
  for (const s of series ?? []) {
    const name = s.labels.find((l) => l.name === '__name__')?.value;
    if (name === 'openai_promptTokens') counters.promptSamples += callsIn(s.samples, INPUT_TOKENS);
    if (name === 'openai_completionTokens') counters.completionSamples += callsIn(s.samples, OUTPUT_TOKENS);
  }
}

/** Calls whose tokens these samples carry: whole multiples of one call's tokens only. */
function callsIn(samples: readonly { value: number }[], perCall: number): number {
  let calls = 0;
  for (const { value } of samples) if (value > 0 && value % perCall === 0) calls += value / perCall;
  return calls;
}

const OTLP_SIGNALS: Record<string, OtlpSignal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

function main(): void {
  const byVariant = new Map<string, SinkCounters>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const variant = path.split('/')[1] ?? '';
    const rest = path.slice(variant.length + 1);
    const counters = byVariant.get(variant) ?? fresh();
    byVariant.set(variant, counters);
    counters.requests[rest] = (counters.requests[rest] ?? 0) + 1;
    void readBody(req)
      .then(async (raw) => {
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const contentType = String(req.headers['content-type'] ?? '');
        const signal = Object.entries(OTLP_SIGNALS).find(([suffix]) => rest.endsWith(suffix))?.[1];
        if (rest.endsWith('/loki/api/v1/push')) countLoki(counters, body);
        else if (rest.endsWith('/api/v1/write')) await countRemoteWrite(counters, body);
        else if (signal !== undefined) {
          countOtlp(counters, decodeOtlp(signal, contentType, body));
          const json = contentType.includes('json');
          res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
          res.end(json ? '{}' : undefined);
          return;
        } else counters.problems.push(`unexpected path ${path}`);
        res.statusCode = 204;
        res.end();
      })
      .catch((error: unknown) => {
        counters.problems.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
        res.statusCode = 400;
        res.end();
      });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
  process.on('message', () => process.send?.({ counts: Object.fromEntries(byVariant) }));
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) main();
