// Turns @pydantic/genai-prices' provider data into the small table that
// src/pricing/price-table.generated.ts holds. Used by scripts/update-prices.mjs
// (which writes the file) and by test/pricing/price-table.test.ts (which
// regenerates it in memory and fails when the committed file is stale).
//
// The transform is pure; only loadGenaiPrices() touches the installed package,
// and it needs Node >= 20 (the package's `engines`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** genai-prices providers we keep: OpenAI, and Azure (whose table falls back to OpenAI's). */
export const PROVIDER_IDS = ['openai', 'azure'];

/**
 * The per-1M-token price keys we use (genai-prices' `prices/units.yml` names).
 * Everything else (audio, image, web-search and request units) is dropped:
 * the four endpoints we monitor report text tokens only.
 */
export const TEXT_PRICE_KEYS = ['input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok'];

const MATCH_LEAVES = ['equals', 'starts_with', 'ends_with', 'contains', 'regex'];

function fail(where, message) {
  throw new Error(`genai-prices data at ${where}: ${message}; update scripts/price-table-from-genai-prices.mjs`);
}

/** Copies genai-prices match logic (equals / starts_with / ends_with / contains / regex / or / and). */
function copyMatch(rule, where) {
  const keys = Object.keys(rule);
  if (keys.length !== 1) fail(where, `match rule with keys ${keys.join(',')}`);
  const [key] = keys;
  if (key === 'or' || key === 'and') return { [key]: rule[key].map((r, i) => copyMatch(r, `${where}.${key}[${i}]`)) };
  if (!MATCH_LEAVES.includes(key) || typeof rule[key] !== 'string') fail(where, `unknown match rule ${key}`);
  return { [key]: rule[key] };
}

function copyRate(value, where) {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && typeof value.base === 'number' && Array.isArray(value.tiers)) {
    // genai-prices sorts tiers by start when it loads them; the table stores them sorted.
    const tiers = value.tiers
      .map((t) => ({ start: t.start, price: t.price }))
      .sort((a, b) => a.start - b.start);
    return { base: value.base, tiers };
  }
  return fail(where, `price ${JSON.stringify(value)}`);
}

function copyRates(prices, where) {
  const out = {};
  for (const key of TEXT_PRICE_KEYS) {
    if (prices[key] !== undefined) out[key] = copyRate(prices[key], `${where}.${key}`);
  }
  return out;
}

function copyPrices(prices, where) {
  if (!Array.isArray(prices)) return copyRates(prices, where);
  return prices.map((period, i) => {
    const at = `${where}[${i}]`;
    const c = period.constraint;
    if (c === undefined) return { prices: copyRates(period.prices, at) };
    // Only start-date constraints exist for OpenAI/Azure; a time-of-day one would need new runtime code.
    if (c.type !== 'start_date' || typeof c.start_date !== 'string') fail(at, `constraint ${JSON.stringify(c)}`);
    return { start_date: c.start_date, prices: copyRates(period.prices, at) };
  });
}

/**
 * The table entries of one genai-prices provider, in its order (the first
 * matching entry wins, as in genai-prices).
 *
 * @example
 * const entries = entriesFromProvider(findProvider({ providerId: 'openai' }));
 * // entries[0] → { id: 'ada', match: { or: [...] }, prices: { input_mtok: 0.4, output_mtok: 0.4 } }
 */
export function entriesFromProvider(provider) {
  return provider.models.map((model) => ({
    id: model.id,
    match: copyMatch(model.match, `${provider.id}/${model.id}.match`),
    prices: copyPrices(model.prices, `${provider.id}/${model.id}.prices`),
  }));
}

/**
 * The whole table: `{ openai: entries, azure: entries }`.
 *
 * @example
 * const table = priceTableFromGenaiPrices(await import('@pydantic/genai-prices'));
 */
export function priceTableFromGenaiPrices(genaiPrices) {
  const table = {};
  for (const id of PROVIDER_IDS) {
    const provider = genaiPrices.findProvider({ providerId: id });
    if (!provider) throw new Error(`genai-prices has no provider "${id}"`);
    table[id] = entriesFromProvider(provider);
  }
  return table;
}

/** A lookup shown in each table's JSDoc example (the test suite checks such lookups). */
const EXAMPLE_LOOKUP = { openai: ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'], azure: ['o4-mini-2025-04-16', 'o4-mini'] };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A single-quoted string literal (the repository's style), escaped as JSON escapes it. */
function quote(text) {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A compact TypeScript literal: unquoted keys, quoted strings and numbers. */
function literal(value) {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const parts = Object.entries(value).map(([k, v]) => `${IDENTIFIER.test(k) ? k : quote(k)}: ${literal(v)}`);
    return `{ ${parts.join(', ')} }`;
  }
  return JSON.stringify(value);
}

function renderEntry(entry) {
  const lines = ['  {', `    id: ${literal(entry.id)},`, `    match: ${literal(entry.match)},`];
  if (Array.isArray(entry.prices)) {
    lines.push('    prices: [');
    for (const period of entry.prices) lines.push(`      ${literal(period)},`);
    lines.push('    ],');
  } else {
    lines.push(`    prices: ${literal(entry.prices)},`);
  }
  lines.push('  },');
  return lines.join('\n');
}

/**
 * The source text of src/pricing/price-table.generated.ts.
 *
 * @example
 * writeFileSync(out, renderPriceTableModule(table, '0.1.8'));
 */
export function renderPriceTableModule(table, packageVersion) {
  const header = [
    '// GENERATED by `npm run update-prices` (scripts/update-prices.mjs) from',
    `// @pydantic/genai-prices ${packageVersion}. DO NOT EDIT: change the generator or`,
    '// src/pricing/supplemental-prices.ts instead.',
    '//',
    '// Per model: its genai-prices id, genai-prices\' name-matching rule (first match',
    '// wins, in this order) and its USD prices per 1M text tokens. Tiered prices apply',
    '// to the whole request when its input token count is greater than `start`;',
    '// dated prices apply from `start_date` (UTC midnight). Dropped from the source:',
    '// descriptions, context windows, and audio/image/search/request units.',
    "import type { PriceEntry } from './price-entry.js';",
    '',
    '/**',
    ' * The @pydantic/genai-prices version this table was generated from.',
    ' *',
    ' * @example',
    " * debugLog('prices from @pydantic/genai-prices %s', GENAI_PRICES_VERSION);",
    ' */',
    `export const GENAI_PRICES_VERSION = ${literal(packageVersion)};`,
    '',
  ];
  const body = [];
  for (const id of PROVIDER_IDS) {
    const name = `${id.toUpperCase()}_PRICE_TABLE`;
    body.push('/**', ` * genai-prices provider \`${id}\`: ${table[id].length} models, first match wins.`, ' *', ' * @example');
    const [model, id2] = EXAMPLE_LOOKUP[id];
    body.push(` * indexPriceEntries(${name}).find('${model}')?.id; // '${id2}'`, ' */');
    body.push(`export const ${name}: readonly PriceEntry[] = [`);
    for (const entry of table[id]) body.push(renderEntry(entry));
    body.push('];', '');
  }
  return [...header, ...body].join('\n');
}

/**
 * Loads the installed @pydantic/genai-prices (Node >= 20) and its version.
 *
 * @example
 * const { genaiPrices, version } = await loadGenaiPrices();
 */
export async function loadGenaiPrices() {
  const require = createRequire(import.meta.url);
  // The package's `exports` hide package.json; find it beside the resolved entry (dist/index.cjs).
  const entry = require.resolve('@pydantic/genai-prices');
  const version = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')).version;
  const genaiPrices = await import('@pydantic/genai-prices');
  return { genaiPrices, version };
}
