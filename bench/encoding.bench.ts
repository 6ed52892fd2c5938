import { serialize } from 'prometheus-remote-write';
import SnappyJS from 'snappyjs';
import { makeLokiStream, type LogEntry, type LokiStream } from '../src/export/log-entry.js';
import { encodeLokiPushBody } from '../src/export/loki/encode-push-body.js';
import { encodeWriteRequest } from '../src/export/remote-write/encode-write-request.js';
import { compressSnappyBlock } from '../src/export/remote-write/snappy-block.js';
import { makeSeries, type Sample } from '../src/export/series.js';
import { cpuMicros, interleavedRounds, median, type RoundSettings } from './cpu-rounds.js';
import { formatNumber, type ResultRow } from './result-table.js';

/**
 * Encoding (issue 6): samples per CPU second of our remote-write encoder +
 * snappy against `prometheus-remote-write`'s `serialize` + snappyjs on the
 * same 10,000-series batch, and log entries per CPU second of our Loki body
 * against the straightforward `JSON.stringify` of the push object.
 *
 * The baseline gets its input ready-made (the `{ timeseries: [{ labels,
 * samples }] }` object `serialize` takes, built once outside the timing), so
 * it is charged for encoding only; ours starts from our own Sample list.
 * "Warm" is every flush after a series' first: series objects live for the
 * process (series.ts) and the encoder keeps their encoded labels; "cold" is a
 * batch of series never encoded before.
 */

export interface EncodingSettings {
  readonly rounds: number;
  readonly warmup: number;
  /** Series (and log entries) per batch. */
  readonly batch: number;
}

export const DEFAULT_ENCODING: EncodingSettings = { rounds: 9, warmup: 2, batch: 10_000 };

/** One block per round: each block is already several whole batches. */
function roundsOf(settings: EncodingSettings): RoundSettings {
  return { rounds: settings.rounds, warmup: settings.warmup, blocksPerRound: 1 };
}

const NAMES = ['openai_promptTokens', 'openai_completionTokens', 'openai_totalTokens', 'openai_requestDuration', 'openai_usageCost'];

/** A batch of `size` distinct series with the compatible series' labels, one sample each. */
function sampleBatch(size: number, at: number): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < size; i++) {
    const series = makeSeries(NAMES[i % NAMES.length], {
      job: 'integrations/openai',
      source: 'node_chatv2',
      model: `gpt-4.1-2025-04-14-ft-${Math.floor(i / NAMES.length)}`,
      environment: 'production',
      instance: 'api-7f9c6b5d4-x2x9q:4242',
    });
    samples.push({ series, value: (i * 7919) % 1000 + 0.25, timestampMs: at + (i % 1000) });
  }
  return samples;
}

/** What `serialize` takes (its types.d.ts says Timeseries; the code wants a WriteRequest). */
interface WriteRequest {
  timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
}

function writeRequestOf(samples: readonly Sample[]): WriteRequest {
  return {
    timeseries: samples.map((s) => ({ labels: s.series.labels.map((l) => ({ name: l.name, value: l.value })), samples: [{ value: s.value, timestamp: s.timestampMs }] })),
  };
}

/** A Loki line as the library writes one for a chat call with content (README "What lands in Loki"). */
function logLine(i: number): string {
  return JSON.stringify({
    source: 'node_chatv2', operation: 'chat', provider: 'openai', server_address: 'api.openai.com',
    request_model: 'gpt-4.1', response_model: 'gpt-4.1-2025-04-14', stream: false, outcome: 'ok', status: 200, finish_reason: 'stop',
    usage: { input_tokens: 19, output_tokens: 200, total_tokens: 219, cached_input_tokens: 0, reasoning_tokens: 0 },
    cost_usd: 0.001638, duration_s: 2.61 + i / 1e6, request_id: `req_ff7b0a8af7a14d1bbe00df5002${String(i).padStart(6, '0')}`, service_tier: 'default',
    prompt: [{ role: 'user', content: 'how many angels can dance on the head of a pin\n' }],
    response: 'The question "How many angels can dance on the head of a pin?" is a classic example of a rhetorical or philosophical question—*not* a real theological inquiry.\n\n'.repeat(6),
  });
}

function entryBatch(size: number, at: number): LogEntry[] {
  const streams: LokiStream[] = [];
  for (const model of ['gpt-4.1-2025-04-14', 'gpt-4o-mini-2024-07-18', 'o3-mini-2025-01-31', 'gpt-5-nano-2025-08-07', 'text-embedding-3-small']) {
    for (const level of ['info', 'error']) streams.push(makeLokiStream({ job: 'integrations/openai', source: 'node_chatv2', model, environment: 'production', level }));
  }
  return Array.from({ length: size }, (_, i) => ({ stream: streams[i % streams.length], timestampNs: `${at + i}000000`, line: logLine(i) }));
}

/** The straightforward Loki body: group by stream, then one JSON.stringify of the push object. */
function naiveLokiBody(entries: readonly LogEntry[]): string {
  const byStream = new Map<string, { stream: Readonly<Record<string, string>>; values: [string, string][] }>();
  for (const e of entries) {
    let group = byStream.get(e.stream.key);
    if (group === undefined) byStream.set(e.stream.key, (group = { stream: e.stream.labels, values: [] }));
    group.values.push([e.timestampNs, e.line]);
  }
  return JSON.stringify({ streams: [...byStream.values()] });
}

function repeat(times: number, work: () => unknown): () => Promise<void> {
  return async () => {
    for (let i = 0; i < times; i++) work();
  };
}

/**
 * Runs the remote-write and Loki comparisons; one row each, plus the cold remote-write figure.
 *
 * @example
 * const rows = await runEncoding(DEFAULT_ENCODING);
 */
export async function runEncoding(settings: EncodingSettings = DEFAULT_ENCODING): Promise<ResultRow[]> {
  const at = Date.now();
  const size = settings.batch;
  const samples = sampleBatch(size, at);
  const request = writeRequestOf(samples);
  const oursReps = 10;
  const theirsReps = 2;
  const remote = await interleavedRounds(
    [
      { name: 'ours', block: repeat(oursReps, () => compressSnappyBlock(encodeWriteRequest(samples))) },
      {
        name: 'prometheus-remote-write',
        block: async () => {
          for (let i = 0; i < theirsReps; i++) SnappyJS.compress(new Uint8Array((await serialize(request as never)) as ArrayBuffer));
        },
      },
    ],
    roundsOf(settings),
  );
  const perSecond = (micros: number[], reps: number): number => (reps * size) / (median(micros) / 1e6);
  const ours = perSecond(remote.get('ours')?.blocks ?? [], oursReps);
  const theirs = perSecond(remote.get('prometheus-remote-write')?.blocks ?? [], theirsReps);

  // Cold: fresh series every time, so nothing encoded before can be reused.
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const fresh = sampleBatch(size, at);
    const start = process.cpuUsage();
    compressSnappyBlock(encodeWriteRequest(fresh));
    cold.push(cpuMicros(start));
  }
  const oursCold = perSecond(cold, 1);

  const entries = entryBatch(size, at);
  const loki = await interleavedRounds(
    [
      { name: 'ours', block: repeat(3, () => encodeLokiPushBody(entries)) },
      { name: 'JSON.stringify', block: repeat(3, () => naiveLokiBody(entries)) },
    ],
    roundsOf(settings),
  );
  const lokiOurs = perSecond(loki.get('ours')?.blocks ?? [], 3);
  const lokiNaive = perSecond(loki.get('JSON.stringify')?.blocks ?? [], 3);

  const rate = (perSec: number): string => `${formatNumber(perSec / 1e6, 2)} M/s`;
  return [
    {
      measurement: `remote-write encode + snappy, ${formatNumber(size, 0)} series (baseline: prometheus-remote-write serialize)`,
      baseline: rate(theirs),
      ours: rate(ours),
      ratio: ours / theirs,
      target: '≥ 5×',
      met: ours / theirs >= 5,
    },
    {
      measurement: 'remote-write encode + snappy, series never encoded before (cold)',
      baseline: rate(theirs),
      ours: rate(oursCold),
      ratio: oursCold / theirs,
      target: '',
      met: undefined,
    },
    {
      measurement: `Loki push body, ${formatNumber(size, 0)} lines of ~1.2 KB (baseline: JSON.stringify of the push object)`,
      baseline: rate(lokiNaive),
      ours: rate(lokiOurs),
      ratio: lokiOurs / lokiNaive,
      target: '',
      met: undefined,
    },
  ];
}
