/**
 * The arithmetic of a call's cost: token parts × per-1M rates. Shared by the
 * Standard, Flex/Batch (scaled by the caller) and Priority tiers.
 */
import type { TokenUsage } from '../record/observation.js';
import { baseRate, rateFor } from './price-entry.js';
import type { Rate, TokenRates } from './price-entry.js';
import type { PriorityRow } from './priority-prices.js';

/**
 * A call's tokens split into the parts billed at different rates (uncached + cached + write = input).
 *
 * @example
 * const t: Tokens = { input: 1000, uncached: 700, cached: 200, write: 100, output: 50 };
 */
export interface Tokens {
  input: number;
  uncached: number;
  cached: number;
  write: number;
  output: number;
}

function isCount(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v) && v >= 0;
}

/**
 * Splits usage into billable parts; undefined when input is missing or any count is invalid.
 *
 * @example
 * tokensOf({ input: 1000, cachedInput: 200, output: 50, reasoningOutput: 30 });
 * // { input: 1000, uncached: 800, cached: 200, write: 0, output: 50 }
 */
export function tokensOf(usage: TokenUsage | undefined): Tokens | undefined {
  if (usage === undefined || !isCount(usage.input)) return undefined;
  const { input } = usage;
  const output = usage.output ?? 0; // embeddings report no output
  const cachedRaw = usage.cachedInput ?? 0;
  const writeRaw = usage.cacheWriteInput ?? 0;
  if (!isCount(output) || !isCount(cachedRaw) || !isCount(writeRaw)) return undefined;
  // cached and cache-write tokens are parts of input (openai-pricing.md notes); a server that
  // reports more than the input is clamped rather than billed for tokens it did not receive.
  const cached = Math.min(cachedRaw, input);
  const write = Math.min(writeRaw, input - cached);
  // reasoningOutput is already inside output (OpenAI bills reasoning as output): not added.
  return { input, uncached: input - cached - write, cached, write, output };
}

/**
 * Standard-tier USD (openai-pricing.md, "Computing cost from a response");
 * undefined when the rates have no input price (audio-only, moderation, …).
 * Cached and cache-write tokens without their own rate cost the input rate;
 * output without a rate is free (input-only models: embeddings).
 *
 * @example
 * standardUsd({ input_mtok: 0.15, cache_read_mtok: 0.075, output_mtok: 0.6 }, tokensOf({ input: 1000, cachedInput: 200, output: 50 })!);
 * // 0.000165
 */
export function standardUsd(r: TokenRates, t: Tokens): number | undefined {
  if (r.input_mtok === undefined) return undefined;
  const inRate = rateFor(r.input_mtok, t.input);
  const cachedRate = r.cache_read_mtok === undefined ? inRate : rateFor(r.cache_read_mtok, t.input);
  const writeRate = r.cache_write_mtok === undefined ? inRate : rateFor(r.cache_write_mtok, t.input);
  const outRate = r.output_mtok === undefined ? 0 : rateFor(r.output_mtok, t.input);
  return (t.uncached * inRate + t.cached * cachedRate + t.write * writeRate + t.output * outRate) / 1e6;
}

/** The long-context multiplier a tiered Standard rate applies at this input size (1 when flat). */
function tierFactor(rate: Rate | undefined, input: number): number {
  if (rate === undefined || typeof rate === 'number') return 1;
  const base = baseRate(rate);
  return base > 0 ? rateFor(rate, input) / base : 1;
}

/**
 * Priority USD from a published row. The row gives base rates; a long-context
 * request scales each by the factor its Standard rate applies. The cache-write
 * rate (unpublished) keeps Standard's write/input ratio; a row without a
 * cached rate bills cached tokens at its input rate.
 *
 * @example
 * priorityUsd({ input: 3.5, cachedInput: 0.875, output: 14 }, gpt41Rates, tokensOf({ input: 8000, output: 600 })!);
 * // (8000 × 3.5 + 600 × 14) / 1e6 = 0.0364
 */
export function priorityUsd(row: PriorityRow, r: TokenRates, t: Tokens): number | undefined {
  if (r.input_mtok === undefined) return undefined;
  const inBase = baseRate(r.input_mtok);
  const writeBase = r.cache_write_mtok === undefined || inBase === 0 ? row.input : (row.input * baseRate(r.cache_write_mtok)) / inBase;
  const inRate = row.input * tierFactor(r.input_mtok, t.input);
  const cachedRate = (row.cachedInput ?? row.input) * tierFactor(r.cache_read_mtok ?? r.input_mtok, t.input);
  const writeRate = writeBase * tierFactor(r.cache_write_mtok ?? r.input_mtok, t.input);
  const outRate = row.output * tierFactor(r.output_mtok, t.input);
  return (t.uncached * inRate + t.cached * cachedRate + t.write * writeRate + t.output * outRate) / 1e6;
}
