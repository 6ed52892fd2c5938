import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * The `openai` module's shape. Typed as openai 4 (the `openai` dev dependency) for
 * every version: the endpoints the monitor patches keep their call signatures across
 * 4–7, and tests pass plain JSON bodies.
 */
export type OpenAIModule = typeof import('openai');
export type OpenAIClient = InstanceType<OpenAIModule['OpenAI']>;
export type SdkMajor = 4 | 5 | 6 | 7;
/** Any of the SDK's error classes (`BadRequestError`, `RateLimitError`, …). */
export type APIErrorClass = new (...args: never[]) => InstanceType<OpenAIModule['APIError']>;

/** The SDK chosen for this test run. */
export interface LoadedOpenAI {
  OpenAI: OpenAIModule['OpenAI'];
  AzureOpenAI: OpenAIModule['AzureOpenAI'];
  APIError: OpenAIModule['APIError'];
  /** The whole module, for any other class (`RateLimitError`, `APIUserAbortError`, …). */
  module: OpenAIModule;
  /** npm alias it came from, e.g. `openai-v6`. */
  packageName: string;
  /** Its package.json version, e.g. `6.49.0`. */
  version: string;
  major: SdkMajor;
}

// Lowest Node major each SDK runs on when its package.json has no `engines`:
// 5 and 6 rely on the global fetch/Headers of Node 18+; 4 ships its own node-fetch shim.
const MIN_NODE: Record<SdkMajor, number> = { 4: 16, 5: 18, 6: 18, 7: 22 };

/**
 * Which SDK major this run uses: env `OPENAI_SDK` (`v4` … `v7`), else by Node major
 * (16/18 → 4, 20 → 6, 22+ → 7), the runtime matrix of DESIGN.md §5.
 *
 * @example
 * process.env.OPENAI_SDK = 'v5';
 * chosenSdkMajor(); // 5
 */
export function chosenSdkMajor(nodeVersion: string = process.versions.node): SdkMajor {
  const env = process.env.OPENAI_SDK;
  if (env !== undefined && env !== '') {
    const m = /^v?([4-7])$/.exec(env.trim());
    if (!m) throw new Error(`OPENAI_SDK must be one of v4, v5, v6, v7 (got "${env}")`);
    return Number(m[1]) as SdkMajor;
  }
  const node = Number(nodeVersion.split('.')[0]);
  if (node < 20) return 4;
  if (node < 22) return 6;
  return 7;
}

/** The lowest Node major from an `engines.node` range such as `>=22.0.0` or `^18 || >=20`. */
function enginesMinimum(range: string | undefined): number | undefined {
  if (!range) return undefined;
  const majors = [...range.matchAll(/(\d+)(?:\.\d+)*/g)].map((m) => Number(m[1]));
  return majors.length > 0 ? Math.min(...majors) : undefined;
}

let loaded: LoadedOpenAI | undefined;

/**
 * Loads the `openai` SDK version this test run targets, from its npm alias
 * (`openai-v4` … `openai-v7`). Throws, naming the fix, when that SDK cannot run
 * on this Node.
 *
 * @example
 * const { OpenAI, major } = loadOpenAI();
 * const client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
 */
export function loadOpenAI(): LoadedOpenAI {
  if (loaded) return loaded;
  const major = chosenSdkMajor();
  const packageName = `openai-v${major}`;
  // Read package.json by path: the SDK's `exports` map does not expose it.
  const manifestPath = join(repoRoot, 'node_modules', packageName, 'package.json');
  if (major === 7 && !existsSync(manifestPath)) {
    // tools/node-gated/package.json: an optional dependency, installed only by npm running on Node >= 22.
    throw new Error(`openai-v7 is not installed: npm installs it only when it runs on Node >= 22; run npm install with this Node (${process.versions.node})`);
  }
  const pkg = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version: string;
    engines?: { node?: string };
  };
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const needs = Math.max(MIN_NODE[major], enginesMinimum(pkg.engines?.node) ?? 0);
  if (nodeMajor < needs) {
    throw new Error(
      `${packageName} (openai ${pkg.version}) needs Node >= ${needs}, this is Node ${process.versions.node}: ` +
        `unset OPENAI_SDK or choose a version for this Node (16/18: v4, 20: v5 or v6, 22+: v7)`,
    );
  }
  // Tests compile to CommonJS, so require works for every major; resolve from the repo so a
  // build in another folder (tsc --outDir /tmp/…) finds the same node_modules.
  const mod = require(require.resolve(packageName, { paths: [repoRoot] })) as OpenAIModule;
  loaded = { OpenAI: mod.OpenAI, AzureOpenAI: mod.AzureOpenAI, APIError: mod.APIError, module: mod, packageName, version: pkg.version, major };
  return loaded;
}

/**
 * A client of the chosen SDK pointed at a fake server, with retries off so an error
 * fixture fails at once.
 *
 * @example
 * const client = newClient(fake, { timeout: 2000 });
 * await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
 */
export function newClient(fake: { url: string }, extra: Record<string, unknown> = {}): OpenAIClient {
  const { OpenAI } = loadOpenAI();
  return new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: fake.url, maxRetries: 0, ...extra });
}

/**
 * The SDK's error class for an HTTP status (the same mapping in 4–7): 400
 * BadRequestError, 401 AuthenticationError, 403 PermissionDeniedError, 404
 * NotFoundError, 409 ConflictError, 422 UnprocessableEntityError, 429
 * RateLimitError, ≥500 InternalServerError, anything else APIError.
 *
 * @example
 * await assert.rejects(call, errorClassForStatus(429));
 */
export function errorClassForStatus(status: number): APIErrorClass {
  const m = loadOpenAI().module;
  const byStatus: Record<number, APIErrorClass> = {
    400: m.BadRequestError,
    401: m.AuthenticationError,
    403: m.PermissionDeniedError,
    404: m.NotFoundError,
    409: m.ConflictError,
    422: m.UnprocessableEntityError,
    429: m.RateLimitError,
  };
  if (status >= 500) return m.InternalServerError;
  return byStatus[status] ?? m.APIError;
}
