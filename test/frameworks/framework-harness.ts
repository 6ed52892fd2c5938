import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { endpointKind, loadFixture, type RecordedRequest } from '../support/fake-openai-server';
import type { LokiReceiver } from '../support/loki-receiver';
import { repoRoot } from '../support/paths';
import type { RemoteWriteReceiver } from '../support/remote-write-receiver';

/**
 * What the framework tests share: whether a framework runs on this Node, the
 * copy of `openai` it resolves (its own nested one in this repository, as
 * `npm ls openai` shows), and what Grafana must show for the calls the fake
 * OpenAI server answered, worked out from the fixtures it served.
 */

function packageJson(path: string): { version: string; engines?: { node?: string } } {
  return JSON.parse(readFileSync(path, 'utf8')) as { version: string; engines?: { node?: string } };
}

/** The package.json of a package as Node resolves it from `from` (a directory). */
function resolvedPackageJson(name: string, from: string): string {
  const entry = require.resolve(name, { paths: [from] });
  let dir = dirname(entry);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === name) return join(dir, 'package.json');
    } catch {
      // not this directory
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json of ${name} above ${entry}`);
    dir = up;
  }
}

function lowestNodeMajor(range: string | undefined): number {
  const majors = [...(range ?? '').matchAll(/(\d+)(?:\.\d+)*/g)].map((m) => Number(m[1]));
  return majors.length > 0 ? Math.min(...majors) : 0;
}

/** A framework package, and the copy of `openai` it makes its clients from. */
export interface Framework {
  readonly name: string;
  readonly version: string;
  /** Directory the framework's `require('openai')` resolves from. */
  readonly resolvesFrom: string;
  readonly openaiVersion: string;
  readonly openaiPackageJson: string;
  /** Why it cannot run on this Node (its `engines`, or its `openai`'s), or false. */
  readonly skip: string | false;
}

/**
 * Describes a framework without loading it (it may not run on this Node).
 * `clientPackage` is the package of the framework that builds the OpenAI
 * client (`@openai/agents-openai` for the Agents SDK).
 *
 * @example
 * const langchain = framework('@langchain/openai');
 * describe('LangChain', { skip: langchain.skip }, () => { … });
 */
export function framework(name: string, clientPackage: string = name): Framework {
  try {
    require.resolve(clientPackage, { paths: [repoRoot] });
  } catch {
    // tools/node-gated/package.json: npm installs the frameworks only when it runs on a Node they support.
    const skip = `${name} is not installed: npm installs it (tools/node-gated) only on Node >= 22; this is Node ${process.versions.node}`;
    return { name, version: 'not installed', resolvesFrom: repoRoot, openaiVersion: 'none', openaiPackageJson: '', skip };
  }
  const own = resolvedPackageJson(name, repoRoot);
  const clientPkg = resolvedPackageJson(clientPackage, repoRoot);
  const resolvesFrom = dirname(clientPkg);
  const openaiPackageJson = resolvedPackageJson('openai', resolvesFrom);
  const frameworkPkg = packageJson(own);
  const openaiPkg = packageJson(openaiPackageJson);
  const node = Number(process.versions.node.split('.')[0]);
  // openai 7 declares no engines but needs Node 22 (test/support/openai-sdk.ts MIN_NODE).
  const openaiNeeds = Math.max(lowestNodeMajor(openaiPkg.engines?.node), Number(openaiPkg.version.split('.')[0]) >= 7 ? 22 : 0);
  const needs = Math.max(lowestNodeMajor(frameworkPkg.engines?.node), lowestNodeMajor(packageJson(clientPkg).engines?.node), openaiNeeds);
  const skip = node < needs ? `${name} ${frameworkPkg.version} (with openai ${openaiPkg.version}) needs Node >= ${needs}; this is Node ${process.versions.node}` : false;
  return { name, version: frameworkPkg.version, resolvesFrom, openaiVersion: openaiPkg.version, openaiPackageJson, skip };
}

/**
 * The `OpenAI` class of the copy of `openai` the framework uses: what the
 * README tells users to pass to `monitor()` when `npm ls openai` shows the
 * framework with its own nested copy.
 *
 * @example
 * const OpenAI = frameworkOpenAI(framework('@langchain/openai'));
 * monitor(OpenAI, options);
 */
export function frameworkOpenAI(fw: Framework): Function {
  const mod = require(require.resolve('openai', { paths: [fw.resolvesFrom] })) as { OpenAI: Function };
  return mod.OpenAI;
}

/** USD per 1M tokens, from shared/reference/openai-pricing.md (GP/OFF rows): input, cached input, output. */
const PUBLISHED: Record<string, [number, number, number]> = {
  'gpt-4.1': [2.0, 0.5, 8.0],
  'gpt-5-nano': [0.05, 0.005, 0.4],
  'gpt-5.1': [1.25, 0.125, 10.0],
  'text-embedding-3-small': [0.02, 0.02, 0],
};

/** One call as Grafana should show it. */
export interface ExpectedCall {
  source: string;
  operation: string;
  input: number;
  output: number;
  cost: number;
}

function usageOfBody(body: Record<string, unknown>): { input: number; cached: number; output: number } {
  const usage = (body.usage ?? (body.response as Record<string, unknown> | undefined)?.usage) as Record<string, unknown>;
  const input = Number(usage.prompt_tokens ?? usage.input_tokens);
  const details = (usage.prompt_tokens_details ?? usage.input_tokens_details) as { cached_tokens?: number } | null | undefined;
  return { input, cached: details?.cached_tokens ?? 0, output: Number(usage.completion_tokens ?? usage.output_tokens ?? 0) };
}

/** The usage a fixture reports: the JSON body's, or the SSE frame that carries it (chat's last chunk, Responses' `response.completed`). */
function fixtureUsage(id: string): { input: number; cached: number; output: number } {
  const text = loadFixture(id).body.toString('utf8');
  if (!loadFixture(id).record.response_file.endsWith('.sse')) return usageOfBody(JSON.parse(text) as Record<string, unknown>);
  const frames = text.split('\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
  const withUsage = frames.filter((f) => (f.usage ?? (f.response as Record<string, unknown> | undefined)?.usage) != null);
  assert.ok(withUsage.length > 0, `fixture ${id} reports no usage`);
  return usageOfBody(withUsage[withUsage.length - 1]);
}

const SOURCE = { chat: 'node_chatv2', completions: 'node_chatv1', responses: 'node_responses', embeddings: 'node_embeddings' } as const;
const OPERATION = { chat: 'chat', completions: 'text_completion', responses: 'chat', embeddings: 'embeddings' } as const;

/**
 * What Grafana must show for these requests, from the fixtures that answered
 * them: the source and operation of the endpoint, the tokens the server
 * reported and their cost at the published price of the model asked for.
 *
 * @example
 * const expected = expectedCalls(fake.requests);
 */
export function expectedCalls(requests: readonly RecordedRequest[]): ExpectedCall[] {
  return requests.map((req) => {
    const kind = endpointKind(req.path);
    assert.ok(kind !== undefined && req.fixtureId !== undefined, `request ${req.path} was answered by a fixture`);
    const model = String((req.body as { model?: unknown }).model);
    const price = PUBLISHED[model];
    assert.ok(price !== undefined, `a published price for ${model}`);
    const { input, cached, output } = fixtureUsage(req.fixtureId);
    const cost = ((input - cached) * price[0] + cached * price[1] + output * price[2]) / 1e6;
    return { source: SOURCE[kind], operation: OPERATION[kind], input, output, cost };
  });
}

function byValue(a: ExpectedCall, b: ExpectedCall): number {
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0;
}

function rounded(call: ExpectedCall): ExpectedCall {
  return { ...call, cost: Math.round(call.cost * 1e12) / 1e12 };
}

/**
 * Checks, after a flush, that Grafana shows exactly these calls: one Loki line
 * each (source, tokens, cost), one compatible sample each per series, and the
 * native duration histogram counting them by `gen_ai_operation_name`.
 *
 * @example
 * await m.flush();
 * assertTelemetry(prom, loki, expectedCalls(fake.requests));
 */
export function assertTelemetry(prom: RemoteWriteReceiver, loki: LokiReceiver, expected: readonly ExpectedCall[]): void {
  const lines = loki.entries().map((e) => {
    const line = e.json as { usage?: { input_tokens?: number; output_tokens?: number }; cost_usd?: number };
    return { source: e.labels.source, line };
  });
  assert.equal(lines.length, expected.length, 'one Loki line per API call');
  const fromLines = lines.map(({ source, line }): ExpectedCall => ({
    source,
    operation: '',
    input: line.usage?.input_tokens ?? -1,
    output: line.usage?.output_tokens ?? 0,
    cost: line.cost_usd ?? -1,
  }));
  const withoutOperation = (calls: readonly ExpectedCall[]) => calls.map((c) => rounded({ ...c, operation: '' })).sort(byValue);
  assert.deepEqual(withoutOperation(fromLines), withoutOperation(expected), 'the lines carry each call\'s source, tokens and cost');
  const sampleValues = (name: string): number[] => prom.samplesOf(name).map((s) => Math.round(s.value * 1e12) / 1e12).sort((a, b) => a - b);
  const sorted = (values: number[]): number[] => values.map((v) => Math.round(v * 1e12) / 1e12).sort((a, b) => a - b);
  assert.deepEqual(sampleValues('openai_promptTokens'), sorted(expected.map((c) => c.input)));
  assert.deepEqual(sampleValues('openai_usageCost'), sorted(expected.map((c) => c.cost)));
  assert.equal(prom.samplesOf('openai_requestDuration').length, expected.length);
  const sources = [...new Set(expected.map((c) => c.source))].sort();
  const seriesSources = prom.series().filter((s) => s.labels.__name__ === 'openai_totalTokens').map((s) => s.labels.source);
  assert.deepEqual([...new Set(seriesSources)].sort(), sources, 'the compatible series carry each call\'s source');
  for (const operation of new Set(expected.map((c) => c.operation))) {
    const count = prom.series()
      .filter((s) => s.labels.__name__ === 'gen_ai_client_operation_duration_seconds_count' && s.labels.gen_ai_operation_name === operation)
      .reduce((n, s) => n + (s.samples[s.samples.length - 1]?.value ?? 0), 0);
    assert.equal(count, expected.filter((c) => c.operation === operation).length, `gen_ai_operation_name="${operation}" counts its calls`);
  }
}
