import type { Observation } from '../record/observation.js';
import { readCompletionUsage } from './read-usage.js';
import type { ResultReader, StreamAccumulator } from './result-reader.js';
import { text } from './sdk-shapes.js';

/**
 * Chat Completions and legacy Completions share one response shape: `model`,
 * `usage`, `service_tier` and `choices[]` with a `finish_reason`; they differ
 * only in where a choice's text is. So one reader serves both, given that.
 */
export interface ChoiceText {
  /** Text of a choice in a complete response. */
  ofChoice(choice: object): string | undefined;
  /** Text piece of a choice in a stream chunk. */
  ofDelta(choice: object): string | undefined;
}

/**
 * What a complete response and a stream chunk may hold (the same fields);
 * any of it may be missing or of another type (other servers).
 */
interface PayloadFields {
  readonly model?: unknown;
  readonly service_tier?: unknown;
  readonly usage?: unknown;
  readonly choices?: unknown;
}

function present<T>(values: (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined);
}

/**
 * @example
 * const reader = choicesReader({ ofChoice: (c) => text((c as { text?: unknown }).text), ofDelta: (c) => text((c as { text?: unknown }).text) });
 */
export function choicesReader(choiceText: ChoiceText): ResultReader {
  return {
    // Named loads rather than field(), as for chunks below: responses of one
    // endpoint share a shape, so each load stays monomorphic; field()'s one
    // keyed load sees every shape and key and is several times slower (issue 6).
    readResponse(data, obs) {
      if (typeof data !== 'object' || data === null) return;
      const response = data as PayloadFields;
      obs.responseModel = text(response.model);
      obs.usage = readCompletionUsage(response.usage);
      obs.serviceTier = text(response.service_tier);
      const choices = response.choices;
      if (!Array.isArray(choices)) return;
      let reasons: string[] | undefined;
      let texts: string[] | undefined;
      for (const choice of choices as unknown[]) {
        if (typeof choice !== 'object' || choice === null) continue;
        const reason = text((choice as ChoiceFields).finish_reason);
        if (reason !== undefined) (reasons ??= []).push(reason);
        const piece = choiceText.ofChoice(choice);
        if (piece !== undefined) (texts ??= []).push(piece);
      }
      if (reasons !== undefined) obs.finishReasons = reasons;
      if (texts !== undefined) obs.responseText = texts.join('\n');
    },
    startStream: () => new ChoiceStreamAccumulator(choiceText),
  };
}

interface ChoiceFields {
  readonly index?: unknown;
  readonly finish_reason?: unknown;
}

/**
 * Chunks carry pieces per choice `index`; the usage comes on a last chunk with
 * `choices: []` (only with `stream_options.include_usage`), and Azure opens
 * with a chunk whose `model` is "" (fixtures README "Shapes"), so empty values
 * never overwrite what was seen.
 */
class ChoiceStreamAccumulator implements StreamAccumulator {
  private model?: string;
  private serviceTier?: string;
  private usage?: unknown;
  private readonly texts: (string | undefined)[] = [];
  private readonly reasons: (string | undefined)[] = [];

  constructor(private readonly choiceText: ChoiceText) {}

  // Named loads, as for whole responses: chunks of one stream share a shape
  // (a stream has a chunk per few tokens).
  add(chunk: unknown): void {
    if (typeof chunk !== 'object' || chunk === null) return;
    const fields = chunk as PayloadFields;
    this.model = text(fields.model) ?? this.model;
    this.serviceTier = text(fields.service_tier) ?? this.serviceTier;
    const usage = fields.usage;
    if (typeof usage === 'object' && usage !== null) this.usage = usage;
    const choices = fields.choices;
    if (!Array.isArray(choices)) return;
    for (const choice of choices as unknown[]) {
      if (typeof choice !== 'object' || choice === null) continue;
      const index = Number((choice as ChoiceFields).index) || 0;
      const piece = this.choiceText.ofDelta(choice);
      if (piece !== undefined) this.texts[index] = (this.texts[index] ?? '') + piece;
      const reason = text((choice as ChoiceFields).finish_reason);
      if (reason !== undefined) this.reasons[index] = reason;
    }
  }

  finish(obs: Observation): void {
    obs.responseModel = this.model;
    obs.serviceTier = this.serviceTier;
    obs.usage = readCompletionUsage(this.usage);
    const reasons = present(this.reasons);
    if (reasons.length > 0) obs.finishReasons = reasons;
    const texts = present(this.texts);
    if (texts.length > 0) obs.responseText = texts.join('\n');
  }
}
