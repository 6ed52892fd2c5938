import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createPricer } from '../../src/pricing/price-call.js';
import { findPriceEntry, indexPriceEntries } from '../../src/pricing/price-entry.js';
import type { MatchRule, PriceEntry } from '../../src/pricing/price-entry.js';
import { AZURE_PRICE_TABLE, GENAI_PRICES_VERSION, OPENAI_PRICE_TABLE } from '../../src/pricing/price-table.generated.js';
import { PRIORITY_PRICES } from '../../src/pricing/priority-prices.js';
import { PRICE_CORRECTIONS, SUPPLEMENTAL_PRICES } from '../../src/pricing/supplemental-prices.js';
import { repoRoot } from '../support/paths.js';

/** The slice of @pydantic/genai-prices these tests call. */
interface GenaiPrices {
  calcPrice(
    usage: Record<string, number>,
    model: string,
    options: { providerId: string; timestamp?: Date },
  ): { total_price: number; model: { id: string }; model_price: Record<string, unknown> } | null;
}

/** scripts/price-table-from-genai-prices.mjs, the generator update-prices runs. */
interface Generator {
  loadGenaiPrices(): Promise<{ genaiPrices: GenaiPrices; version: string }>;
  priceTableFromGenaiPrices(genaiPrices: GenaiPrices): Record<'openai' | 'azure', PriceEntry[]>;
}

// Compiled to CommonJS, `import()` would become `require()`, which cannot load an .mjs on Node < 22.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

const AT = new Date('2026-11-27T00:00:00Z');
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const SKIP_NO_GENAI = NODE_MAJOR < 20 && `@pydantic/genai-prices needs Node >= 20; this is ${process.version}, so the table is not compared`;

/** Every name an `equals` rule lists. */
function equalsNames(rule: MatchRule): string[] {
  if ('or' in rule) return rule.or.flatMap(equalsNames);
  if ('and' in rule) return rule.and.flatMap(equalsNames);
  return 'equals' in rule ? [rule.equals] : [];
}

/** Names that only a pattern rule (starts_with, regex, contains) matches. */
const PATTERN_NAMES = [
  'gpt-5.6-luna-2026-07-09',
  'gpt-6-sol-2026-09-22',
  'gpt-4.5-preview-2025-02-27',
  'gpt-5-nano-2025-08-07',
  'gpt-3.5-turbo-instruct-0914',
  'ft:gpt-4o-mini-2024-07-18:acme::abc123',
  'gpt-4o-realtime-preview-2024-12-17',
  'o4-mini-2025-04-16', // Azure's o4-mini rule is `contains`
];

/**
 * Every model the original grafana-openai-monitoring priced. Its READMEs carry
 * no price table; its prices lived in code: grafana/grafana-openai-monitoring
 * node-typescript/src/pricingTable/pricingChatModels.ts (`chatModelPrices`) and
 * the npm package's node/src/helpers.js `calculateCost` map (read from the
 * mirror olivernaaris/grafana-openai-monitoring). Its "gpt-gpt-4-32k" key is a
 * typo no API reports, so it is not listed.
 */
const ORIGINAL_MODELS = [
  'gpt-4o', 'gpt-4o-2024-05-13', 'gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'gpt-4-turbo', 'gpt-4-turbo-2024-04-09',
  'gpt-4', 'gpt-4-32k', 'gpt-4-0125-preview', 'gpt-4-1106-preview', 'gpt-4-vision-preview', 'gpt-4-1106-vision-preview',
  'gpt-3.5-turbo', 'gpt-3.5-turbo-0125', 'gpt-3.5-turbo-instruct', 'gpt-3.5-turbo-1106', 'gpt-3.5-turbo-0613',
  'gpt-3.5-turbo-16k', 'gpt-3.5-turbo-16k-0613', 'gpt-3.5-turbo-0301', 'davinci-002', 'babbage-002',
  'ada', 'text-ada-001', 'babbage', 'text-babbage-001', 'curie', 'text-curie-001', 'davinci',
  'text-davinci-001', 'text-davinci-002', 'text-davinci-003',
];

describe('price table lookups (any Node)', () => {
  it('prices every model the original grafana-openai-monitoring priced', () => {
    const pricer = createPricer();
    for (const model of ORIGINAL_MODELS) {
      const usd = pricer.price({ provider: 'openai', model, usage: { input: 1_000, output: 1_000 }, atMs: AT.getTime() });
      assert.ok(usd !== undefined && usd > 0, `${model} is unpriced`);
    }
  });

  it('finds the same entry through the index as a first-match scan, for every listed name', () => {
    for (const table of [OPENAI_PRICE_TABLE, AZURE_PRICE_TABLE, PRICE_CORRECTIONS, SUPPLEMENTAL_PRICES]) {
      const index = indexPriceEntries(table);
      const names = [...table.flatMap((e) => equalsNames(e.match)), ...PATTERN_NAMES, 'no-such-model'];
      for (const raw of names) {
        const name = raw.toLowerCase();
        assert.equal(index.find(name), findPriceEntry(table, name), name);
      }
    }
  });

  it('names only price-table entries in the Priority table', () => {
    const ids = new Set([...OPENAI_PRICE_TABLE, ...PRICE_CORRECTIONS].map((e) => e.id));
    for (const id of Object.keys(PRIORITY_PRICES)) assert.ok(ids.has(id), `Priority row ${id} matches no entry`);
  });
});

describe('price-table.generated.ts against the installed @pydantic/genai-prices', { skip: SKIP_NO_GENAI }, () => {
  let generator: Generator;
  let genai: { genaiPrices: GenaiPrices; version: string };

  before(async () => {
    if (SKIP_NO_GENAI) return; // hooks of a skipped suite must not load the package either
    const url = pathToFileURL(join(repoRoot, 'scripts', 'price-table-from-genai-prices.mjs')).href;
    generator = (await importEsm(url)) as Generator;
    genai = await generator.loadGenaiPrices();
  });

  it('was generated from the installed version (run `npm run update-prices` if not)', () => {
    assert.equal(GENAI_PRICES_VERSION, genai.version);
    const fresh = generator.priceTableFromGenaiPrices(genai.genaiPrices);
    assert.deepEqual(OPENAI_PRICE_TABLE, fresh.openai);
    assert.deepEqual(AZURE_PRICE_TABLE, fresh.azure);
  });

  it('prices every listed name as genai-prices calcPrice does (short and > 272K requests)', () => {
    const pricer = createPricer();
    const usages = [
      { input: 10_000, cachedInput: 3_000, cacheWriteInput: 1_000, output: 500 },
      { input: 300_000, cachedInput: 100_000, cacheWriteInput: 10_000, output: 5_000 },
    ];
    const corrected = new Set(PRICE_CORRECTIONS.flatMap((e) => equalsNames(e.match)));
    for (const [providerId, provider, table] of [['openai', 'openai', OPENAI_PRICE_TABLE], ['azure', 'azure.ai.openai', AZURE_PRICE_TABLE]] as const) {
      const names = [...table.flatMap((e) => equalsNames(e.match)), ...PATTERN_NAMES];
      for (const name of names.filter((n) => !corrected.has(n))) {
        for (const u of usages) {
          const theirs = genai.genaiPrices.calcPrice(
            { input_tokens: u.input, cache_read_tokens: u.cachedInput, cache_write_tokens: u.cacheWriteInput, output_tokens: u.output },
            name,
            { providerId, timestamp: AT },
          );
          const ours = pricer.price({ provider, model: name, usage: u, atMs: AT.getTime() });
          if (ours === undefined) {
            // Only models genai-prices prices in units we drop (audio, requests) may be unpriced here.
            assert.ok(theirs !== null && theirs.model_price.input_mtok === undefined, `${providerId}/${name} unpriced`);
          } else {
            assert.ok(theirs !== null, `${providerId}/${name}: genai-prices knows no such model`);
            assert.ok(Math.abs(ours - theirs.total_price) <= 1e-12 * Math.max(1, theirs.total_price), `${providerId}/${name}: ${ours} vs ${theirs.total_price}`);
          }
        }
      }
    }
  });

  it('still lacks every supplemental model (drop a row once genai-prices has it)', () => {
    for (const name of SUPPLEMENTAL_PRICES.flatMap((e) => equalsNames(e.match))) {
      for (const providerId of ['openai', 'azure']) {
        assert.equal(genai.genaiPrices.calcPrice({ input_tokens: 1 }, name, { providerId }), null, `${providerId}/${name}`);
      }
    }
  });

  it('still needs each correction, and agrees with genai-prices outside it', () => {
    const { calcPrice } = genai.genaiPrices;
    // babbage-002 / davinci-002: absent from `openai`; `azure` has the input rate only.
    for (const [name, rate] of [['babbage-002', 0.4], ['davinci-002', 2]] as const) {
      assert.equal(calcPrice({ input_tokens: 1 }, name, { providerId: 'openai' }), null, name);
      const azure = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, name, { providerId: 'azure' });
      assert.equal(azure?.total_price, rate, `${name}: azure output is still free`);
    }
    // o3: launch-period cached rate 0.50 upstream (we use 2.50); identical after the 2025-06-10 cut.
    const launch = calcPrice({ input_tokens: 1_000_000, cache_read_tokens: 1_000_000 }, 'o3', { providerId: 'openai', timestamp: new Date('2025-05-01T00:00:00Z') });
    assert.equal(launch?.total_price, 0.5);
    const pricer = createPricer();
    const usage = { input: 10_000, cachedInput: 4_000, output: 900 };
    const afterCut = calcPrice({ input_tokens: 10_000, cache_read_tokens: 4_000, output_tokens: 900 }, 'o3', { providerId: 'openai', timestamp: AT });
    assert.ok(Math.abs((pricer.price({ provider: 'openai', model: 'o3', usage, atMs: AT.getTime() }) ?? NaN) - (afterCut?.total_price ?? NaN)) < 1e-12);
  });
});
