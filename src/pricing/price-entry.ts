/**
 * The shape of one model's price data, as @pydantic/genai-prices describes it
 * (its `ModelInfo`, reduced to text tokens), and how a model name is matched
 * against it. price-table.generated.ts and supplemental-prices.ts hold entries
 * of this shape; price-call.ts resolves names against them.
 */

/**
 * A price that depends on the request's input token count: `price` of the
 * highest tier whose `start` the count is greater than, else `base`. It
 * applies to every token of that kind in the request (genai-prices'
 * convention; OpenAI's "> 272K input ⇒ the whole request" rule, openai-pricing.md).
 *
 * @example
 * const gpt54Input: TieredRate = { base: 2.5, tiers: [{ start: 271999, price: 5 }] };
 */
export interface TieredRate {
  readonly base: number;
  /** Sorted by `start`, ascending. */
  readonly tiers: readonly { readonly start: number; readonly price: number }[];
}

/**
 * USD per 1M tokens, flat or tiered.
 *
 * @example
 * const flat: Rate = 0.15;
 */
export type Rate = number | TieredRate;

/**
 * genai-prices price keys for text tokens, USD per 1M. A missing key: see token-cost.ts.
 *
 * @example
 * const gpt4oMini: TokenRates = { input_mtok: 0.15, cache_read_mtok: 0.075, output_mtok: 0.6 };
 */
export interface TokenRates {
  readonly input_mtok?: Rate;
  readonly cache_read_mtok?: Rate;
  readonly cache_write_mtok?: Rate;
  readonly output_mtok?: Rate;
}

/**
 * Rates in force from `start_date` (`YYYY-MM-DD`, UTC midnight); the first period has none.
 *
 * @example
 * const o3: DatedRates[] = [{ prices: { input_mtok: 10 } }, { start_date: '2025-06-10', prices: { input_mtok: 2 } }];
 */
export interface DatedRates {
  readonly start_date?: string;
  readonly prices: TokenRates;
}

/**
 * genai-prices' match logic. String tests ignore case; `regex` is tested on the lower-cased name.
 *
 * @example
 * const rule: MatchRule = { or: [{ equals: 'gpt-5-nano' }, { starts_with: 'gpt-5-nano-' }] };
 */
export type MatchRule =
  | { readonly equals: string }
  | { readonly starts_with: string }
  | { readonly ends_with: string }
  | { readonly contains: string }
  | { readonly regex: string }
  | { readonly or: readonly MatchRule[] }
  | { readonly and: readonly MatchRule[] };

/**
 * One model: its id, which names it answers to, its prices (flat or date-dependent).
 *
 * @example
 * const entry: PriceEntry = { id: 'davinci-002', match: { equals: 'davinci-002' }, prices: { input_mtok: 2, output_mtok: 2 } };
 */
export interface PriceEntry {
  readonly id: string;
  readonly match: MatchRule;
  readonly prices: TokenRates | readonly DatedRates[];
}

/**
 * A model's prices in USD per 1M tokens: the shape of the `prices` option.
 * `cachedInput` / `cacheWrite` default to `input` (tokens with no separate
 * rate cost the input rate); omit `output` only for input-only models
 * (embeddings): output tokens are then free.
 *
 * @example
 * const prices: Record<string, ModelPrices> = { 'my-finetune': { input: 0.3, cachedInput: 0.15, output: 1.2 } };
 */
export interface ModelPrices {
  input: number;
  output?: number;
  cachedInput?: number;
  cacheWrite?: number;
}

/** A compiled rule: lower-casing and regex compilation done once, not per lookup. */
type NameTest = (name: string) => boolean;

function compileRule(rule: MatchRule): NameTest {
  if ('or' in rule) {
    const tests = rule.or.map(compileRule);
    return (name) => tests.some((t) => t(name));
  }
  if ('and' in rule) {
    const tests = rule.and.map(compileRule);
    return (name) => tests.every((t) => t(name));
  }
  if ('equals' in rule) {
    const s = rule.equals.toLowerCase();
    return (name) => name === s;
  }
  if ('starts_with' in rule) {
    const s = rule.starts_with.toLowerCase();
    return (name) => name.startsWith(s);
  }
  if ('ends_with' in rule) {
    const s = rule.ends_with.toLowerCase();
    return (name) => name.endsWith(s);
  }
  if ('contains' in rule) {
    const s = rule.contains.toLowerCase();
    return (name) => name.includes(s);
  }
  const re = new RegExp(rule.regex);
  return (name) => re.test(name);
}

const compiled = new WeakMap<MatchRule, NameTest>();

/**
 * Whether `name` (already lower-cased, see model-name.ts) satisfies `rule`,
 * with genai-prices' semantics (string tests ignore case, regex is as written).
 *
 * @example
 * matchesRule({ or: [{ equals: 'gpt-4o' }, { starts_with: 'gpt-4o-2024-' }] }, 'gpt-4o-2024-08-06'); // true
 */
export function matchesRule(rule: MatchRule, name: string): boolean {
  let test = compiled.get(rule);
  if (test === undefined) {
    test = compileRule(rule);
    compiled.set(rule, test);
  }
  return test(name);
}

/**
 * The first entry whose rule matches `name` (genai-prices picks the first too).
 *
 * @example
 * findPriceEntry(OPENAI_PRICE_TABLE, 'gpt-4o-2024-05-13')?.id; // 'gpt-4o-2024-05-13'
 */
export function findPriceEntry(entries: readonly PriceEntry[], name: string): PriceEntry | undefined {
  for (const entry of entries) if (matchesRule(entry.match, name)) return entry;
  return undefined;
}

/**
 * A table prepared for lookups: what findPriceEntry answers, without scanning every rule.
 *
 * @example
 * const index: PriceIndex = indexPriceEntries(SUPPLEMENTAL_PRICES);
 */
export interface PriceIndex {
  find(name: string): PriceEntry | undefined;
}

/**
 * Indexes a table so a lookup costs one Map hit for names an `equals` rule
 * lists, plus only those pattern rules (starts_with, regex, …) that come
 * earlier in the table: the answer is always the first matching entry, as
 * with findPriceEntry.
 *
 * @example
 * const index = indexPriceEntries(OPENAI_PRICE_TABLE);
 * index.find('gpt-4o-2024-08-06')?.id; // 'gpt-4o'
 */
export function indexPriceEntries(entries: readonly PriceEntry[]): PriceIndex {
  const exact = new Map<string, number>();
  const patterns: { at: number; test: NameTest }[] = [];
  const add = (rule: MatchRule, at: number): void => {
    if ('or' in rule) for (const r of rule.or) add(r, at);
    else if ('equals' in rule) {
      const name = rule.equals.toLowerCase();
      if (!exact.has(name)) exact.set(name, at);
    } else patterns.push({ at, test: compileRule(rule) });
  };
  entries.forEach((entry, at) => add(entry.match, at));
  return {
    find(name) {
      const hit = exact.get(name) ?? entries.length;
      for (const p of patterns) {
        if (p.at >= hit) break;
        if (p.test(name)) return entries[p.at];
      }
      return entries[hit];
    },
  };
}

/**
 * The rate for a request with `inputTokens` input tokens (tier applies when the count > `start`).
 *
 * @example
 * rateFor({ base: 2.5, tiers: [{ start: 271999, price: 5 }] }, 300_000); // 5
 */
export function rateFor(rate: Rate, inputTokens: number): number {
  if (typeof rate === 'number') return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (inputTokens > tier.start) price = tier.price;
  return price;
}

/**
 * The untiered (base) value of a rate.
 *
 * @example
 * baseRate({ base: 2.5, tiers: [{ start: 271999, price: 5 }] }); // 2.5
 */
export function baseRate(rate: Rate): number {
  return typeof rate === 'number' ? rate : rate.base;
}
