/**
 * Price data we keep by hand next to the generated genai-prices table
 * (DESIGN.md §3 rule 5): models genai-prices lacks, and the few rows where it
 * is known to be wrong or incomplete. Every row cites its source (tags as in
 * the shared reference/openai-pricing.md, "Sources").
 *
 * "The original" below is grafana-openai-monitoring's own price map. Its
 * READMEs carry no price table: its prices lived in code, in
 * grafana/grafana-openai-monitoring node-typescript/src/pricingTable/pricingChatModels.ts
 * (USD per 1M) and in the npm package's node/src/helpers.js `calculateCost`
 * (USD per 1K; read from the mirror olivernaaris/grafana-openai-monitoring).
 * test/pricing/price-table.test.ts checks that every model of both is priced,
 * and fails when genai-prices catches up with a row here, so these rows never
 * silently shadow newer upstream data.
 */
import type { PriceEntry } from './price-entry.js';

/**
 * Consulted BEFORE the genai-prices table, for every provider: rows where
 * genai-prices' data is wrong or incomplete.
 *
 * @example
 * findPriceEntry(PRICE_CORRECTIONS, 'davinci-002')?.prices; // { input_mtok: 2, output_mtok: 2 }
 */
export const PRICE_CORRECTIONS: readonly PriceEntry[] = [
  {
    // The original prices it: [0.4, 0.4] per 1M (pricingChatModels.ts), 0.0004/1K (helpers.js).
    // 0.40/0.40: BES (official pricing page scrape, 2025-10-28).
    // genai-prices: absent from `openai` (its `babbage` is the retired GPT-3 model at 0.50), and
    // its `azure` row matches babbage-002 with an input price only, which would make output free.
    id: 'babbage-002',
    match: { equals: 'babbage-002' },
    prices: { input_mtok: 0.4, output_mtok: 0.4 },
  },
  {
    // The original: [2, 2] per 1M (pricingChatModels.ts), 0.0020/1K (helpers.js).
    // 2.00/2.00: OFF (developers.openai.com/api/docs/models/davinci-002), BES. genai-prices:
    // absent from `openai`; its `azure` `davinci` row matches davinci-002 with an input price only.
    id: 'davinci-002',
    match: { equals: 'davinci-002' },
    prices: { input_mtok: 2, output_mtok: 2 },
  },
  {
    // o3 at launch (2025-04-16 … 06-09) read cached input at $2.50, a quarter of input like
    // o4-mini and gpt-4.1 (MISC: Roo-Code PR #2691, written on launch day from the official
    // model page). genai-prices carries the post-cut $0.50 back into the launch period
    // (openai-pricing.md, "o3 launch cached rate"). From 2025-06-10 both agree: 2 / 0.50 / 8.
    id: 'o3',
    match: { or: [{ equals: 'o3' }, { equals: 'o3-2025-04-16' }] },
    prices: [
      { prices: { input_mtok: 10, cache_read_mtok: 2.5, output_mtok: 40 } },
      { start_date: '2025-06-10', prices: { input_mtok: 2, cache_read_mtok: 0.5, output_mtok: 8 } },
    ],
  },
];

/** GPT-6.x long-context rule: > 272K input ⇒ 2× input and cache rates, 1.5× output, whole request. */
function longContext(base: number, factor: number): { base: number; tiers: { start: number; price: number }[] } {
  return { base, tiers: [{ start: 272_000, price: base * factor }] };
}

/**
 * Consulted AFTER the genai-prices table: models it does not know.
 *
 * @example
 * findPriceEntry(SUPPLEMENTAL_PRICES, 'gpt-6.2-sol')?.id; // 'gpt-6.2-sol'
 */
export const SUPPLEMENTAL_PRICES: readonly PriceEntry[] = [
  {
    // Listed by the original's helpers.js (0.0005/1K in its first version, 0.0004 later).
    // OpenAI priced the GPT-3 Babbage models at $0.0005/1K (genai-prices' retired `babbage`
    // row: 0.50/0.50); text-babbage-001 itself is not in genai-prices.
    id: 'text-babbage-001',
    match: { equals: 'text-babbage-001' },
    prices: { input_mtok: 0.5, output_mtok: 0.5 },
  },
  {
    // 2.00 / 0.10 cached / 2.50 cache write / 10.00; > 272K 4.00 / 0.20 / — / 15.00.
    // LL (docs.litellm.ai/blog/gpt_6_1_sol), TRK (Codex-Manager 0.4.7 citing the model page).
    // The > 272K cache-write rate is unpublished; the family rule (2× cache rates) is applied.
    id: 'gpt-6.1-sol',
    match: { or: [{ equals: 'gpt-6.1-sol' }, { equals: 'gpt-6-1-sol' }] },
    prices: {
      input_mtok: longContext(2, 2),
      cache_read_mtok: longContext(0.1, 2),
      cache_write_mtok: longContext(2.5, 2),
      output_mtok: longContext(10, 1.5),
    },
  },
  {
    // 2.00 / 0.10 cached / 2.50 cache write (30-minute) / 10.00: OFF (gpt-6.2-sol model page,
    // ≥ 2026-11-17), which also states the > 272K rule (2× input and cache, 1.5× output).
    id: 'gpt-6.2-sol',
    match: { or: [{ equals: 'gpt-6.2-sol' }, { equals: 'gpt-6-2-sol' }] },
    prices: {
      input_mtok: longContext(2, 2),
      cache_read_mtok: longContext(0.1, 2),
      cache_write_mtok: longContext(2.5, 2),
      output_mtok: longContext(10, 1.5),
    },
  },
];
