import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MonitoringError } from '../../src/monitoring-error.js';
import { PRICER_CACHE_SIZE, createPricer } from '../../src/pricing/price-call.js';
import type { PriceCall } from '../../src/pricing/price-call.js';
import type { TokenUsage } from '../../src/record/observation.js';
import { fixturesDir } from '../support/paths.js';

/** The day shared/reference/openai-pricing.md was compiled: its prices are "now" here. */
const AT = Date.parse('2026-11-27T00:00:00Z');

/**
 * Published prices, USD per 1M tokens, quoted from reference/openai-pricing.md
 * with its source tags. `cached`/`write` undefined = "—" (no separate rate:
 * those tokens cost the input rate); `out` undefined = input-only (embeddings).
 * `model` is spelled as responses report it (dated snapshots, Azure and
 * gateway names, legacy snapshot tags).
 */
interface Published {
  model: string;
  provider: string;
  in: number;
  cached?: number;
  write?: number;
  out?: number;
  source: string;
}

const PUBLISHED: Published[] = [
  { model: 'gpt-3.5-turbo-0125', provider: 'openai', in: 0.5, out: 1.5, source: 'GP (2025-07-04), BES' },
  { model: 'gpt-35-turbo', provider: 'azure.ai.openai', in: 0.5, out: 1.5, source: 'gpt-3.5-turbo row; Azure spelling' },
  { model: 'gpt-3.5-turbo-1106', provider: 'openai', in: 1, out: 2, source: 'GP (2025-11-07), BES' },
  { model: 'gpt-35-turbo-16k', provider: 'azure.ai.openai', in: 3, out: 4, source: 'gpt-3.5-turbo-16k row, GP, BES' },
  { model: 'gpt-3.5-turbo-instruct:20230824-v2', provider: 'openai', in: 1.5, out: 2, source: 'OFF, GP, BES' },
  { model: 'gpt-4-0613', provider: 'openai', in: 30, out: 60, source: 'OFF, GP, BES' },
  { model: 'gpt-4-32k', provider: 'openai', in: 60, out: 120, source: 'GP, BES' },
  { model: 'gpt-4-turbo-2024-04-09', provider: 'openai', in: 10, out: 30, source: 'GP (2025-07-04), BES' },
  { model: 'gpt-4o-2024-08-06', provider: 'openai', in: 2.5, cached: 1.25, out: 10, source: 'GP (2025-07-04), MISC' },
  { model: 'gpt-4o-2024-11-20', provider: 'azure.ai.openai', in: 2.5, cached: 1.25, out: 10, source: 'gpt-4o row (≥ 2024-08-06 snapshots)' },
  // Disagreement note in the reference: it says GP prices this snapshot at the alias' 2.50/10.
  // The installed genai-prices has its own gpt-4o-2024-05-13 row at 5/15, so both agree now:
  // the May snapshot kept $5/$15 (consistent with its Priority price 8.75/26.25 = 1.75×).
  { model: 'gpt-4o-2024-05-13', provider: 'openai', in: 5, out: 15, source: 'secondary (VoucherVision, kunishou), PRI-consistent' },
  { model: 'chatgpt-4o-latest', provider: 'openai', in: 5, out: 15, source: 'GP, BES' },
  { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', in: 0.15, cached: 0.075, out: 0.6, source: 'GP (2025-07-04), MISC' },
  { model: 'gpt-4.1-2025-04-14', provider: 'openai', in: 2, cached: 0.5, out: 8, source: 'GP (2025-07-04)' },
  { model: 'gpt-4.1-nano', provider: 'openai', in: 0.1, cached: 0.025, out: 0.4, source: 'GP (2025-07-04)' },
  { model: 'o1', provider: 'openai', in: 15, cached: 7.5, out: 60, source: 'GP (2025-07-04), MISC' },
  { model: 'o3-mini-2025-01-31', provider: 'openai', in: 1.1, cached: 0.55, out: 4.4, source: 'GP (2025-07-04), BES' },
  { model: 'o4-mini-2025-04-16', provider: 'openai', in: 1.1, cached: 0.275, out: 4.4, source: 'GP (2025-07-04), Roo-Code PR #2691' },
  { model: 'codex-mini-latest', provider: 'openai', in: 1.5, cached: 0.375, out: 6, source: 'GP' },
  { model: 'gpt-5-nano-2025-08-07', provider: 'openai', in: 0.05, cached: 0.005, out: 0.4, source: 'OFF, GP, BES' },
  { model: 'openai/gpt-5-2025-08-07', provider: 'openrouter.ai', in: 1.25, cached: 0.125, out: 10, source: 'GP (2025-11-13)' },
  { model: 'gpt-5-codex', provider: 'openai', in: 1.25, cached: 0.125, out: 10, source: 'OFF' },
  { model: 'gpt-5-pro', provider: 'openai', in: 15, out: 120, source: 'GP, BES' },
  { model: 'gpt-5.1-codex-mini', provider: 'openai', in: 0.25, cached: 0.025, out: 2, source: 'GP (2025-11-13)' },
  { model: 'gpt-5.2-2025-12-11', provider: 'openai', in: 1.75, cached: 0.175, out: 14, source: 'GP (2025-12-11), TRK' },
  { model: 'gpt-5.3-codex', provider: 'openai', in: 1.75, cached: 0.175, out: 14, source: 'GP (2026-02-05)' },
  { model: 'gpt-5.4', provider: 'openai', in: 2.5, cached: 0.25, out: 15, source: 'GP (2026-03-06), AE' },
  { model: 'gpt-5.4-mini-2026-03-17', provider: 'openai', in: 0.75, cached: 0.075, out: 4.5, source: 'GP (2026-03-18)' },
  { model: 'gpt-5.5', provider: 'openai', in: 5, cached: 0.5, out: 30, source: 'GP (2026-04-24)' },
  { model: 'gpt-5.6-luna', provider: 'openai', in: 0.2, cached: 0.02, write: 0.25, out: 1.2, source: 'OFF (from 2026-07-30), GP, LZ' },
  { model: 'gpt-6-luna', provider: 'openai', in: 0.1, cached: 0.01, write: 0.125, out: 0.5, source: 'OFF (ja page), TRK' },
  { model: 'gpt-6.2-sol', provider: 'openai', in: 2, cached: 0.1, write: 2.5, out: 10, source: 'OFF (model page)' },
  { model: 'text-embedding-3-small', provider: 'openai', in: 0.02, source: 'OFF, GP' },
  { model: 'text-embedding-3-large', provider: 'openai', in: 0.13, source: 'OFF, GP' },
  { model: 'text-embedding-ada-002', provider: 'azure.ai.openai', in: 0.1, source: 'GP' },
  { model: 'davinci-002', provider: 'openai', in: 2, out: 2, source: 'OFF, BES' },
  { model: 'babbage:2023-07-21-v2', provider: 'openai', in: 0.4, out: 0.4, source: 'BES (official page scrape 2025-10-28)' },
];

/** The reference's formula, "Computing cost from a response". */
function expectedUsd(p: Pick<Published, 'in' | 'cached' | 'write' | 'out'>, u: Required<Pick<TokenUsage, 'input' | 'output'>> & TokenUsage): number {
  const cached = u.cachedInput ?? 0;
  const write = u.cacheWriteInput ?? 0;
  return ((u.input - cached - write) * p.in + cached * (p.cached ?? p.in) + write * (p.write ?? p.in) + u.output * (p.out ?? 0)) / 1e6;
}

function call(model: string, usage: TokenUsage | undefined, extra: Partial<PriceCall> = {}): PriceCall {
  return { provider: 'openai', model, usage, atMs: AT, ...extra };
}

describe('createPricer().price', () => {
  const pricer = createPricer();

  describe('prices the published rates of models from GPT-3.5 to GPT-6', () => {
    for (const p of PUBLISHED) {
      it(`${p.model} via ${p.provider} (${p.source})`, () => {
        const embedding = p.model.startsWith('text-embedding');
        const usage = embedding
          ? { input: 12_345, output: 0 }
          : { input: 10_000, cachedInput: 4_000, cacheWriteInput: p.write === undefined ? 0 : 1_000, output: 1_500 };
        const got = pricer.price(call(p.model, usage, { provider: p.provider }));
        assert.ok(got !== undefined, `${p.model} is unpriced`);
        assert.ok(Math.abs(got - expectedUsd(p, usage)) < 1e-9, `${p.model}: ${got} vs ${expectedUsd(p, usage)}`);
      });
    }
  });

  it('bills reasoning tokens once, as part of output', () => {
    const plain = { input: 2_000, output: 900 };
    const withReasoning = { ...plain, reasoningOutput: 640 };
    const got = pricer.price(call('o4-mini-2025-04-16', withReasoning));
    assert.equal(got, pricer.price(call('o4-mini-2025-04-16', plain)));
    assert.ok(Math.abs((got ?? NaN) - expectedUsd({ in: 1.1, cached: 0.275, out: 4.4 }, plain)) < 1e-12);
  });

  it('bills cached tokens at the input rate when the model has no cached rate', () => {
    const usage = { input: 1_000, cachedInput: 1_000, output: 0 };
    assert.ok(Math.abs((pricer.price(call('gpt-4-0613', usage)) ?? NaN) - 30 * 1_000 / 1e6) < 1e-12);
  });

  it('bills cache writes at the input rate when the model has no write rate (GPT-4.1)', () => {
    const usage = { input: 1_000, cacheWriteInput: 400, output: 0 };
    assert.ok(Math.abs((pricer.price(call('gpt-4.1', usage)) ?? NaN) - 2 * 1_000 / 1e6) < 1e-12);
  });

  it('halves the Standard price for flex and batch responses (FLEX, OFF)', () => {
    const usage = { input: 50_000, cachedInput: 20_000, output: 7_000 };
    const standard = expectedUsd({ in: 0.05, cached: 0.005, out: 0.4 }, usage);
    for (const serviceTier of ['flex', 'batch']) {
      const got = pricer.price(call('gpt-5-nano-2025-08-07', usage, { serviceTier }));
      assert.ok(Math.abs((got ?? NaN) - standard / 2) < 1e-12, serviceTier);
    }
  });

  it('uses the published Priority row for priority and fast responses (PRI: gpt-4.1 3.50 / 0.875 / 14)', () => {
    const usage = { input: 8_000, cachedInput: 3_000, output: 600 };
    const expected = expectedUsd({ in: 3.5, cached: 0.875, out: 14 }, usage);
    for (const serviceTier of ['priority', 'fast']) {
      const q = pricer.quote(call('gpt-4.1-2025-04-14', usage, { serviceTier }));
      assert.ok(q !== undefined && Math.abs(q.usd - expected) < 1e-12, serviceTier);
      assert.equal(q.approximate, false);
    }
  });

  it('prices priority gpt-4o-2024-05-13 cached tokens at its Priority input rate (PRI: 8.75 / — / 26.25)', () => {
    const usage = { input: 4_000, cachedInput: 1_000, output: 300 };
    const got = pricer.price(call('gpt-4o-2024-05-13', usage, { serviceTier: 'priority' }));
    assert.ok(Math.abs((got ?? NaN) - expectedUsd({ in: 8.75, out: 26.25 }, usage)) < 1e-12);
  });

  it('estimates priority at 2× Standard, flagged approximate, where no Priority row is published', () => {
    const usage = { input: 5_000, output: 500 };
    const q = pricer.quote(call('gpt-5-nano-2025-08-07', usage, { serviceTier: 'priority' }));
    assert.ok(q !== undefined);
    assert.equal(q.approximate, true);
    assert.ok(Math.abs(q.usd - 2 * expectedUsd({ in: 0.05, out: 0.4 }, usage)) < 1e-12);
  });

  it('bills a priority request the response reports as downgraded to default at Standard', () => {
    const usage = { input: 8_000, output: 600 };
    const got = pricer.price(call('gpt-4.1', usage, { serviceTier: 'default' }));
    assert.ok(Math.abs((got ?? NaN) - expectedUsd({ in: 2, cached: 0.5, out: 8 }, usage)) < 1e-12);
  });

  it('bills every token of a gpt-5.4 request over 272K input at the long-context rates (GP: 5 / 0.50 / 22.50)', () => {
    // The reference says "> 272K input"; genai-prices' tier starts at 271999, so exactly
    // 272,000 tokens is long-context in its data. OpenAI's wording is right; the one-token
    // gap is upstream's. These sizes sit clear of the boundary.
    const long = { input: 300_000, cachedInput: 100_000, output: 2_000 };
    assert.ok(Math.abs((pricer.price(call('gpt-5.4', long)) ?? NaN) - expectedUsd({ in: 5, cached: 0.5, out: 22.5 }, long)) < 1e-12);
    const short = { input: 271_000, cachedInput: 100_000, output: 2_000 };
    assert.ok(Math.abs((pricer.price(call('gpt-5.4', short)) ?? NaN) - expectedUsd({ in: 2.5, cached: 0.25, out: 15 }, short)) < 1e-12);
  });

  it('prices o3 by the call date: launch price until 2025-06-09, the cut price from 2025-06-10', () => {
    const usage = { input: 10_000, cachedInput: 6_000, output: 2_000 };
    // Launch cached rate: the reference lists 2.50 (Roo-Code PR #2691, written on launch day
    // from OpenAI's model page) against genai-prices' 0.50. 2.50 is right: a quarter of input,
    // as o4-mini and gpt-4.1 had then; 0.50 is the post-cut rate carried back.
    const launch = pricer.price(call('o3-2025-04-16', usage, { atMs: Date.parse('2025-06-09T23:59:59Z') }));
    assert.ok(Math.abs((launch ?? NaN) - expectedUsd({ in: 10, cached: 2.5, out: 40 }, usage)) < 1e-12);
    const cut = pricer.price(call('o3', usage, { atMs: Date.parse('2025-06-10T00:00:00Z') }));
    assert.ok(Math.abs((cut ?? NaN) - expectedUsd({ in: 2, cached: 0.5, out: 8 }, usage)) < 1e-12);
  });

  it('prices gpt-5.6-sol at list price before its 2026-08-21 promotion and promo price after', () => {
    const usage = { input: 10_000, cachedInput: 2_000, cacheWriteInput: 1_000, output: 1_000 };
    const list = pricer.price(call('gpt-5.6', usage, { atMs: Date.parse('2026-08-01T12:00:00Z') }));
    assert.ok(Math.abs((list ?? NaN) - expectedUsd({ in: 5, cached: 0.5, write: 6.25, out: 30 }, usage)) < 1e-12);
    const promo = pricer.price(call('gpt-5.6-sol', usage, { atMs: Date.parse('2026-09-13T00:00:00Z') }));
    assert.ok(Math.abs((promo ?? NaN) - expectedUsd({ in: 4, cached: 0.4, write: 5, out: 20 }, usage)) < 1e-12);
  });

  it('prices Azure calls at Azure\'s own rate where it has one (o4-mini cached 0.28, not 0.275)', () => {
    // genai-prices' `azure` table rounds o4-mini's cached rate to Azure's published 0.28.
    const usage = { input: 1_000_000, cachedInput: 1_000_000, output: 0 };
    assert.ok(Math.abs((pricer.price(call('o4-mini-2025-04-16', usage, { provider: 'azure.ai.openai' })) ?? NaN) - 0.28) < 1e-12);
    assert.ok(Math.abs((pricer.price(call('o4-mini-2025-04-16', usage)) ?? NaN) - 0.275) < 1e-12);
  });

  it('charges output of babbage-002 on Azure too (genai-prices lists its input price only)', () => {
    const usage = { input: 1_000, output: 1_000 };
    assert.ok(Math.abs((pricer.price(call('babbage-002', usage, { provider: 'azure.ai.openai' })) ?? NaN) - 0.0008) < 1e-12);
  });

  it('prices the OpenRouter gpt-5 fixture at the cost OpenRouter itself reported', () => {
    const body = JSON.parse(readFileSync(join(fixturesDir, 'third-party', 'openrouter.gpt-5.response.json'), 'utf8')) as {
      model: string;
      usage: { prompt_tokens: number; completion_tokens: number; cost: number; prompt_tokens_details: { cached_tokens: number } };
    };
    const usage = { input: body.usage.prompt_tokens, cachedInput: body.usage.prompt_tokens_details.cached_tokens, output: body.usage.completion_tokens };
    const got = pricer.price({ provider: 'openrouter.ai', model: body.model, usage, atMs: AT });
    assert.ok(Math.abs((got ?? NaN) - body.usage.cost) < 1e-12, `${got} vs ${body.usage.cost}`);
  });

  it('returns undefined for a model no source prices', () => {
    for (const model of ['gpt-oss:20b', 'llama3.1:latest', 'does-not-exist-nr-test', 'claude-sonnet-4']) {
      assert.equal(pricer.price(call(model, { input: 10, output: 10 })), undefined, model);
    }
  });

  it('returns undefined for a model whose price data has no text-token rate (whisper-1)', () => {
    assert.equal(pricer.price(call('whisper-1', { input: 10, output: 10 })), undefined);
  });

  it('returns undefined when usage, its input count or the model is missing', () => {
    assert.equal(pricer.price(call('gpt-4o', undefined)), undefined);
    assert.equal(pricer.price(call('gpt-4o', { output: 10 })), undefined);
    assert.equal(pricer.price(call('gpt-4o', { input: Number.NaN, output: 10 })), undefined);
    assert.equal(pricer.price(call('gpt-4o', { input: -1, output: 10 })), undefined);
    assert.equal(pricer.price({ provider: 'openai', model: undefined, usage: { input: 1 }, atMs: AT }), undefined);
  });

  it('never bills more cached tokens than input tokens', () => {
    const got = pricer.price(call('gpt-4o-mini', { input: 100, cachedInput: 500, output: 0 }));
    assert.ok(Math.abs((got ?? NaN) - 100 * 0.075 / 1e6) < 1e-15);
  });

  it('keeps pricing correctly after seeing more distinct names than its cache holds', () => {
    const p = createPricer();
    const usage = { input: 1_000_000, output: 0 };
    assert.equal(p.price(call('gpt-4o-mini', usage)), 0.15);
    for (let i = 0; i < PRICER_CACHE_SIZE + 10; i++) assert.equal(p.price(call(`unknown-model-${i}`, usage)), undefined);
    assert.equal(p.price(call('gpt-4o-mini', usage)), 0.15);
  });
});

describe('createPricer(overrides)', () => {
  it('lets an override win over the price table', () => {
    const pricer = createPricer({ 'gpt-4o-mini-2024-07-18': { input: 1, cachedInput: 0.5, output: 3 } });
    const usage = { input: 2_000, cachedInput: 1_000, output: 100 };
    const q = pricer.quote(call('gpt-4o-mini-2024-07-18', usage));
    assert.equal(q?.source, 'override');
    assert.ok(Math.abs((q?.usd ?? NaN) - expectedUsd({ in: 1, cached: 0.5, out: 3 }, usage)) < 1e-12);
  });

  it('applies an override to its exact name only, not to other snapshots of the model', () => {
    const pricer = createPricer({ 'gpt-4o-mini': { input: 1, output: 3 } });
    const usage = { input: 1_000_000, output: 0 };
    assert.equal(pricer.price(call('gpt-4o-mini', usage)), 1);
    assert.equal(pricer.price(call('gpt-4o-mini-2024-07-18', usage)), 0.15);
  });

  it('prices a model only the override knows', () => {
    const pricer = createPricer({ 'My-FineTune': { input: 0.3, output: 1.2 } });
    assert.ok(Math.abs((pricer.price(call('My-FineTune', { input: 1_000, output: 1_000 })) ?? NaN) - 0.0015) < 1e-12);
    assert.ok(Math.abs((pricer.price(call('acme/my-finetune', { input: 1_000, output: 1_000 })) ?? NaN) - 0.0015) < 1e-12);
  });

  it('rejects a negative or non-numeric rate naming the prices option', () => {
    for (const bad of [{ input: -1 }, { input: 'cheap' }, { input: 1, output: Number.NaN }, {}]) {
      assert.throws(
        () => createPricer({ m: bad as never }),
        (err: unknown) => err instanceof MonitoringError && err.code === 'GOM_INVALID_OPTION' && err.option === 'prices',
      );
    }
  });
});
