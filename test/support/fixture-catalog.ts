import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from './paths.js';

/**
 * The recorded OpenAI traffic of test/fixtures/openai: its manifest, each
 * fixture's raw bytes and captured request, and which endpoint a path names.
 */

/** One record of `fixtures/openai/manifest.json` (fixtures README, "Manifest fields"). */
export interface FixtureRecord {
  id: string;
  method: string;
  /** Path (Azure shape kept) or, for third-party fixtures, the full URL it was captured from. */
  endpoint: string;
  status: number;
  stream: boolean;
  request_file: string | null;
  response_file: string;
  response_headers: Record<string, string>;
  headers_provenance: string;
  derived: boolean;
  notes: string;
  tags: string[];
  response_bytes: number;
}

/** A fixture ready to replay: its record, the raw response bytes and the request body it was captured with. */
export interface Fixture {
  record: FixtureRecord;
  body: Buffer;
  /** `request_file` parsed, when the fixture has one. */
  request: Record<string, unknown> | undefined;
}

/** Which OpenAI endpoint a path (or a manifest `endpoint`) addresses, whatever its prefix. */
export type EndpointKind = 'chat' | 'completions' | 'embeddings' | 'responses';

let manifestCache: FixtureRecord[] | undefined;
const fixtureCache = new Map<string, Fixture>();

function manifest(): FixtureRecord[] {
  if (!manifestCache) {
    const parsed = JSON.parse(readFileSync(join(fixturesDir, 'manifest.json'), 'utf8')) as { fixtures: FixtureRecord[] };
    manifestCache = parsed.fixtures;
  }
  return manifestCache;
}

/**
 * Ids of the recorded fixtures, in manifest order, optionally filtered by an id
 * prefix/substring, a RegExp on the id, or a predicate on the record.
 *
 * @example
 * for (const id of fixtureIds((r) => r.stream && endpointKind(r.endpoint) === 'chat')) fake.reply(id);
 * fixtureIds('errors.'); // every error fixture
 */
export function fixtureIds(filter?: string | RegExp | ((record: FixtureRecord) => boolean)): string[] {
  return manifest()
    .filter((r) => {
      if (filter === undefined) return true;
      if (typeof filter === 'string') return r.id.includes(filter);
      if (filter instanceof RegExp) return filter.test(r.id);
      return filter(r);
    })
    .map((r) => r.id);
}

/**
 * One fixture: manifest record, raw response bytes (never re-serialised: fixtures README
 * "Serving" rule 2) and the parsed request body. Throws on an unknown id.
 *
 * @example
 * const { record, body, request } = loadFixture('chat.simple.gpt-4.1');
 * assert.deepEqual(await client.chat.completions.create(request as never), JSON.parse(body.toString()));
 */
export function loadFixture(id: string): Fixture {
  const cached = fixtureCache.get(id);
  if (cached) return cached;
  const record = manifest().find((r) => r.id === id);
  if (!record) throw new Error(`unknown fixture "${id}" (see fixtures/openai/manifest.json)`);
  const request = record.request_file
    ? (JSON.parse(readFileSync(join(fixturesDir, record.request_file), 'utf8')) as Record<string, unknown>)
    : undefined;
  const fixture = { record, body: readFileSync(join(fixturesDir, record.response_file)), request };
  fixtureCache.set(id, fixture);
  return fixture;
}

/**
 * The endpoint a request path or manifest `endpoint` names, by its suffix, so that
 * `/v1/…`, Azure's `/openai/deployments/<d>/…?api-version=…`, `/openai/v1/…` and
 * third-party prefixes (`/api/v1/…`) all match.
 *
 * @example
 * endpointKind('/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21'); // 'chat'
 */
export function endpointKind(path: string): EndpointKind | undefined {
  const p = path.split('?')[0].replace(/\/+$/, '');
  if (p.endsWith('/chat/completions')) return 'chat';
  if (p.endsWith('/completions')) return 'completions';
  if (p.endsWith('/embeddings')) return 'embeddings';
  if (p.endsWith('/responses')) return 'responses';
  return undefined;
}
