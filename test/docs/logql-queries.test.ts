import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths';

// Grafana's own LogQL grammar (the one Grafana's query editor uses).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@grafana/lezer-logql') as { parser: { parse(query: string): { iterate(spec: { enter(node: { type: { isError: boolean } }): void }): void } } };

/**
 * Every query in a ```logql block of the README and docs/: consecutive lines
 * form one query; a blank line or a `#` comment line ends it.
 */
function documentedQueries(): { file: string; query: string }[] {
  const files = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
  const found: { file: string; query: string }[] = [];
  for (const file of files) {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    for (const block of text.matchAll(/```logql\n([\s\S]*?)```/g)) {
      let current: string[] = [];
      const end = (): void => {
        if (current.length > 0) found.push({ file, query: current.join(' ') });
        current = [];
      };
      for (const line of block[1].split('\n')) {
        const text = line.trim();
        if (text === '' || text.startsWith('#')) end();
        else current.push(text);
      }
      end();
    }
  }
  return found;
}

/** Queries of Loki panels in the dashboards (a target whose datasource is Loki, or whose expr is a stream selector). */
function dashboardQueries(): { file: string; query: string }[] {
  const found: { file: string; query: string }[] = [];
  for (const name of readdirSync(join(repoRoot, 'dashboards')).filter((f) => f.endsWith('.json'))) {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        const record = node as { expr?: unknown; datasource?: { type?: string } };
        if (typeof record.expr === 'string' && (record.datasource?.type === 'loki' || record.expr.trim().startsWith('{'))) {
          found.push({ file: join('dashboards', name), query: record.expr });
        }
        Object.values(node).forEach(walk);
      }
    };
    walk(JSON.parse(readFileSync(join(repoRoot, 'dashboards', name), 'utf8')));
  }
  return found;
}

function parses(query: string): boolean {
  let ok = true;
  parser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) ok = false;
    },
  });
  return ok;
}

describe('LogQL we show users', () => {
  const queries = [...documentedQueries(), ...dashboardQueries()];

  it('there are LogQL recipes to check', () => {
    assert.ok(queries.length >= 4, `found ${queries.length}`);
  });

  for (const { file, query } of queries) {
    it(`parses with Grafana's LogQL grammar: ${file}: ${query.slice(0, 80)}`, () => {
      assert.ok(parses(query), query);
    });
  }

  it('the grammar does reject a broken query (so the checks above can fail)', () => {
    assert.equal(parses('{job="integrations/openai"} |= '), false);
  });
});
