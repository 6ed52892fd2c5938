/**
 * The USD cost of one call: `(provider, model, usage, service tier, time) → USD | undefined`.
 * Pure and synchronous; resolved model names are cached so a repeated model
 * costs one Map lookup (DESIGN.md §3 rule 5, openai-pricing.md "Computing cost").
 */
import { MonitoringError } from '../monitoring-error.js';
import type { TokenUsage } from '../record/observation.js';
import { modelNameCandidates, normaliseModelName } from './model-name.js';
import { indexPriceEntries } from './price-entry.js';
import type { DatedRates, ModelPrices, PriceEntry, PriceIndex, TokenRates } from './price-entry.js';
import { AZURE_PRICE_TABLE, OPENAI_PRICE_TABLE } from './price-table.generated.js';
import { FLEX_AND_BATCH_FACTOR, PRIORITY_FALLBACK_FACTOR, PRIORITY_PRICES } from './priority-prices.js';
import type { PriorityRow } from './priority-prices.js';
import { PRICE_CORRECTIONS, SUPPLEMENTAL_PRICES } from './supplemental-prices.js';
import { priorityUsd, standardUsd, tokensOf } from './token-cost.js';

export type { ModelPrices } from './price-entry.js';

/**
 * What one call needs priced. `model` is the model the response names.
 *
 * @example
 * const call: PriceCall = { provider: 'openai', model: 'gpt-4.1-2025-04-14', usage: { input: 900, output: 40 }, serviceTier: 'default', atMs: Date.now() };
 */
export interface PriceCall {
  /** `openai`, `azure.ai.openai`, an Azure host, or any OpenAI-compatible host (priced as OpenAI). */
  provider: string;
  model: string | undefined;
  usage: TokenUsage | undefined;
  /** The response's `service_tier`: `flex`/`batch` 0.5×, `priority`/`fast` Priority prices, else Standard. */
  serviceTier?: string;
  /** When the call was made (epoch ms), for date-dependent prices. Default: now. */
  atMs?: number;
}

/**
 * Where a model's prices came from: the `prices` option, a hand-kept
 * correction or supplemental row (supplemental-prices.ts), or genai-prices.
 *
 * @example
 * const source: PriceSource = pricer.resolve('openai', 'davinci-002')?.source ?? 'genai-prices'; // 'correction'
 */
export type PriceSource = 'override' | 'correction' | 'genai-prices' | 'supplemental';

/**
 * A price with its provenance; `approximate` is true when Priority had no published row (2× Standard used).
 *
 * @example
 * const q = pricer.quote({ provider: 'openai', model: 'gpt-5-nano', usage: { input: 10, output: 5 }, serviceTier: 'priority' });
 * if (q?.approximate) debugLog('priority price of %s estimated', q.modelId);
 */
export interface PriceQuote {
  usd: number;
  modelId: string;
  source: PriceSource;
  approximate: boolean;
}

/**
 * Prices calls; made by createPricer().
 *
 * @example
 * const usd = pricer.price({ provider: obs.provider, model: obs.responseModel, usage: obs.usage, serviceTier: obs.serviceTier, atMs: obs.startMs });
 */
export interface Pricer {
  /** USD for the call, or undefined when the model is unknown, has no token price, or usage is missing. */
  price(call: PriceCall): number | undefined;
  /** As price(), with where the price came from and whether it is an estimate. */
  quote(call: PriceCall): PriceQuote | undefined;
  /** The price entry a model name resolves to for a provider, or undefined if none. */
  resolve(provider: string, model: string): { modelId: string; source: PriceSource } | undefined;
}

/**
 * Resolved names kept per provider group (OpenAI-priced, Azure-priced);
 * beyond this the oldest name is forgotten and resolved again when next seen.
 *
 * @example
 * assert(PRICER_CACHE_SIZE >= 1000);
 */
export const PRICER_CACHE_SIZE = 1000;

interface Period {
  readonly fromMs: number;
  readonly rates: TokenRates;
}

interface Resolved {
  readonly modelId: string;
  readonly source: PriceSource;
  /** Ascending by fromMs; the first starts at -Infinity. */
  readonly periods: readonly Period[];
  readonly priority: PriorityRow | undefined;
}

type Group = 'openai' | 'azure';

/** The hosts genai-prices' `azure` provider claims (its api_pattern). */
const AZURE_HOST = /(?:^|\.)(?:openai\.azure\.com|azure-api\.net|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/;

function groupOf(provider: string): Group {
  const p = provider.toLowerCase();
  return p.startsWith('azure') || AZURE_HOST.test(p) ? 'azure' : 'openai';
}

const CORRECTIONS = indexPriceEntries(PRICE_CORRECTIONS);
const OPENAI = indexPriceEntries(OPENAI_PRICE_TABLE);
const SUPPLEMENTS = indexPriceEntries(SUPPLEMENTAL_PRICES);

/** Azure's own table first, then OpenAI's (genai-prices' `fallback_model_providers`). */
const TABLES: Readonly<Record<Group, readonly PriceIndex[]>> = {
  openai: [OPENAI],
  azure: [indexPriceEntries(AZURE_PRICE_TABLE), OPENAI],
};

function isDated(prices: PriceEntry['prices']): prices is readonly DatedRates[] {
  return Array.isArray(prices);
}

function periodsOf(entry: PriceEntry): Period[] {
  const prices = entry.prices;
  if (!isDated(prices)) return [{ fromMs: -Infinity, rates: prices }];
  return prices
    .map((p) => ({ fromMs: p.start_date === undefined ? -Infinity : Date.parse(`${p.start_date}T00:00:00Z`), rates: p.prices }))
    .sort((a, b) => a.fromMs - b.fromMs);
}

function fromEntry(entry: PriceEntry, source: PriceSource): Resolved {
  return { modelId: entry.id, source, periods: periodsOf(entry), priority: PRIORITY_PRICES[entry.id] };
}

function checkOverride(name: string, prices: ModelPrices): Resolved {
  const fields: (keyof ModelPrices)[] = ['input', 'output', 'cachedInput', 'cacheWrite'];
  for (const field of fields) {
    const v: unknown = (prices as unknown as Record<string, unknown>)[field];
    if ((v === undefined && field !== 'input') || (typeof v === 'number' && Number.isFinite(v) && v >= 0)) continue;
    throw new MonitoringError(
      'GOM_INVALID_OPTION',
      `prices[${JSON.stringify(name)}].${field} must be a non-negative number (USD per 1M tokens), got ${String(v)}`,
      { option: 'prices' },
    );
  }
  const rates: TokenRates = {
    input_mtok: prices.input,
    cache_read_mtok: prices.cachedInput,
    cache_write_mtok: prices.cacheWrite,
    output_mtok: prices.output,
  };
  // A user's own rate has no published Priority row: priority is estimated (2×).
  return { modelId: name, source: 'override', periods: [{ fromMs: -Infinity, rates }], priority: undefined };
}

function ratesAt(periods: readonly Period[], atMs: number): TokenRates {
  for (let i = periods.length - 1; i > 0; i--) if (atMs >= periods[i].fromMs) return periods[i].rates;
  return periods[0].rates;
}

/**
 * Creates a pricer. `overrides` (the `prices` option) win over every other
 * source; keys are exact model names as responses report them (also tried
 * lower-cased without a gateway prefix), never pattern-matched and never used
 * for other snapshots. Throws MonitoringError `GOM_INVALID_OPTION` (option
 * `prices`) for a negative or non-numeric rate.
 *
 * Lookup per name candidate (model-name.ts): corrections → Azure table (Azure
 * providers only) → OpenAI table → supplemental rows; any other host is priced
 * as OpenAI by model name (gateways forward to OpenAI), unknown names → undefined.
 *
 * Service tier (from the response): `flex` and `batch` → 0.5× Standard;
 * `priority`/`fast` → the published Priority row of priority-prices.ts, and
 * for models without one 2× Standard, returned as a number like any other
 * price but flagged `approximate: true` by quote(); anything else → Standard.
 * Regional-processing (+10 %) uplift is not applied: responses do not show it.
 *
 * @example
 * const pricer = createPricer({ 'my-finetune': { input: 0.3, output: 1.2 } });
 * pricer.price({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', usage: { input: 1000, cachedInput: 200, output: 50 } });
 * // (800 × 0.15 + 200 × 0.075 + 50 × 0.60) / 1e6 = 0.000165
 */
export function createPricer(overrides?: Readonly<Record<string, ModelPrices>>): Pricer {
  const exactOverrides = new Map<string, Resolved>();
  const normalisedOverrides = new Map<string, Resolved>();
  if (overrides !== undefined) {
    if (overrides === null || typeof overrides !== 'object') {
      throw new MonitoringError('GOM_INVALID_OPTION', 'prices must be an object of model name → { input, output, cachedInput, cacheWrite } in USD per 1M tokens', { option: 'prices' });
    }
    for (const [name, prices] of Object.entries(overrides)) {
      if (prices === null || typeof prices !== 'object') {
        throw new MonitoringError('GOM_INVALID_OPTION', `prices[${JSON.stringify(name)}] must be { input, output?, cachedInput?, cacheWrite? }`, { option: 'prices' });
      }
      const resolved = checkOverride(name, prices);
      exactOverrides.set(name, resolved);
      normalisedOverrides.set(normaliseModelName(name), resolved);
    }
  }

  const caches: Record<Group, Map<string, Resolved | null>> = { openai: new Map(), azure: new Map() };
  const groups = new Map<string, Group>();

  function lookup(group: Group, model: string): Resolved | null {
    const exact = exactOverrides.get(model) ?? normalisedOverrides.get(normaliseModelName(model));
    if (exact !== undefined) return exact;
    for (const name of modelNameCandidates(model)) {
      const correction = CORRECTIONS.find(name);
      if (correction) return fromEntry(correction, 'correction');
      for (const table of TABLES[group]) {
        const entry = table.find(name);
        if (entry) return fromEntry(entry, 'genai-prices');
      }
      const supplemental = SUPPLEMENTS.find(name);
      if (supplemental) return fromEntry(supplemental, 'supplemental');
    }
    return null;
  }

  function resolved(provider: string, model: string): Resolved | null {
    let group = groups.get(provider);
    if (group === undefined) {
      group = groupOf(provider);
      if (groups.size >= 64) groups.clear(); // provider strings are few; this only bounds abuse
      groups.set(provider, group);
    }
    const cache = caches[group];
    let hit = cache.get(model);
    if (hit === undefined) {
      hit = lookup(group, model);
      if (cache.size >= PRICER_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(model, hit);
    }
    return hit;
  }

  function quote(call: PriceCall): PriceQuote | undefined {
    if (call.model === undefined || call.model === '') return undefined;
    const t = tokensOf(call.usage);
    if (t === undefined) return undefined;
    const r = resolved(call.provider, call.model);
    if (r === null) return undefined;
    const rates = ratesAt(r.periods, call.atMs ?? Date.now());
    const standard = standardUsd(rates, t);
    if (standard === undefined) return undefined;
    const tier = call.serviceTier;
    let usd = standard;
    let approximate = false;
    if (tier === 'flex' || tier === 'batch') {
      usd = standard * FLEX_AND_BATCH_FACTOR;
    } else if (tier === 'priority' || tier === 'fast') {
      const fromRow = r.priority === undefined ? undefined : priorityUsd(r.priority, rates, t);
      approximate = fromRow === undefined;
      usd = fromRow ?? standard * PRIORITY_FALLBACK_FACTOR;
    }
    return { usd, modelId: r.modelId, source: r.source, approximate };
  }

  return {
    price: (call) => quote(call)?.usd,
    quote,
    resolve(provider, model) {
      const r = resolved(provider, model);
      return r === null ? undefined : { modelId: r.modelId, source: r.source };
    },
  };
}
