/**
 * Priority processing ("Fast mode" since 2026-07-30) prices: what a call costs
 * when its response reports `service_tier: "priority"` (or `"fast"`). Billing
 * follows the response value: a priority request downgraded to `default` is
 * billed at Standard (openai-pricing.md, "Processing tiers").
 *
 * Source: openai-pricing.md "Priority / Fast-mode price table", tag PRI —
 * openai.com/api-priority-processing, and openai.com/es-419/api-fast-mode for
 * the GPT-5.6 rows (list price for Sol, post-2026-07-30 prices for Terra and Luna).
 */
import type { ModelPrices } from './price-entry.js';

/**
 * A published Priority row: USD per 1M tokens (no cache-write column was published).
 *
 * @example
 * const row: PriorityRow = { input: 4.25, cachedInput: 2.125, output: 17 };
 */
export type PriorityRow = Required<Pick<ModelPrices, 'input' | 'output'>> & Pick<ModelPrices, 'cachedInput'>;

/**
 * Priority rows keyed by price-table entry id (genai-prices' id, so one row
 * covers every name of that entry: `gpt-5` also covers `gpt-5-2025-08-07` and
 * `gpt-5-codex`, as the PRI row "gpt-5.1, gpt-5, gpt-5-codex, gpt-5.1-codex" says).
 * test/pricing/price-table.test.ts fails if an id here leaves the table.
 *
 * @example
 * PRIORITY_PRICES['gpt-4.1']; // { input: 3.5, cachedInput: 0.875, output: 14 }
 */
export const PRIORITY_PRICES: Readonly<Record<string, PriorityRow>> = {
  'gpt-5.5': { input: 12.5, cachedInput: 1.25, output: 75 }, // 2.5×
  'gpt-5.4': { input: 5, cachedInput: 0.5, output: 30 },
  'gpt-5.4-mini': { input: 1.5, cachedInput: 0.15, output: 9 },
  'gpt-5.2': { input: 3.5, cachedInput: 0.35, output: 28 },
  'gpt-5.1': { input: 2.5, cachedInput: 0.25, output: 20 }, // also gpt-5.1-codex
  'gpt-5': { input: 2.5, cachedInput: 0.25, output: 20 }, // also gpt-5-codex
  'gpt-5-mini': { input: 0.45, cachedInput: 0.045, output: 3.6 },
  'gpt-4.1': { input: 3.5, cachedInput: 0.875, output: 14 },
  'gpt-4.1-mini': { input: 0.7, cachedInput: 0.175, output: 2.8 },
  'gpt-4.1-nano': { input: 0.2, cachedInput: 0.05, output: 0.8 },
  'gpt-4o': { input: 4.25, cachedInput: 2.125, output: 17 },
  'gpt-4o-2024-05-13': { input: 8.75, output: 26.25 }, // no cached rate published
  'gpt-4o-mini': { input: 0.25, cachedInput: 0.125, output: 1 },
  o3: { input: 3.5, cachedInput: 0.875, output: 14 },
  'o4-mini': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-5.6-sol': { input: 10, cachedInput: 1, output: 60 },
  'gpt-5.6-terra': { input: 4, cachedInput: 0.4, output: 24 },
  'gpt-5.6-luna': { input: 0.4, cachedInput: 0.04, output: 2.4 },
};

/**
 * Priority multiplier for a model without a published row. OpenAI states
 * "Fast mode costs twice the Standard rate" for GPT-5.2 and later (OFF: the
 * gpt-6.2-sol and gpt-6-luna model pages; PRI); the published rows of older
 * models lie between 1.67× and 2.5×, so 2× is the closest single factor.
 * Prices computed with it are flagged `approximate` (see price-call.ts).
 *
 * @example
 * const estimate = standardUsd * PRIORITY_FALLBACK_FACTOR;
 */
export const PRIORITY_FALLBACK_FACTOR = 2;

/**
 * Flex (`service_tier: "flex"`) and Batch are billed at 50 % of Standard for
 * input, cached input and output (FLEX: "Flex billed at Batch rates"; OFF
 * gpt-6.2-sol: "Batch costs 50% of Standard rates").
 *
 * @example
 * const flexUsd = standardUsd * FLEX_AND_BATCH_FACTOR;
 */
export const FLEX_AND_BATCH_FACTOR = 0.5;
