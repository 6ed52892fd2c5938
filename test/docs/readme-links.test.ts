import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths';
import { readmeRelativeLinks } from '../support/readme-links';

// Every link of the README must resolve on the repository host (here: in the
// checkout) and for a reader of the packed package (test/package/packed-tarball.test.ts
// checks the tarball holds the same targets).

/** GitHub's anchor of a heading: lower-cased, punctuation dropped, spaces to dashes. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
}

describe('README links', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

  it('point at files of the repository', () => {
    const links = readmeRelativeLinks(readme);
    assert.ok(links.length >= 5, `found ${links.length} relative links`);
    assert.deepEqual(links.filter((target) => !existsSync(join(repoRoot, target))), []);
  });

  it('point at headings that exist, for #anchors', () => {
    const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])));
    const used = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(used.length > 0);
    assert.deepEqual(used.filter((a) => !anchors.has(a)), []);
  });

  it('documents every error code the library throws, reports or warns with', () => {
    const codes = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name.endsWith('.ts')) for (const m of readFileSync(join(dir, entry.name), 'utf8').matchAll(/'(GOM_[A-Z_]+)'/g)) codes.add(m[1]);
      }
    };
    walk(join(repoRoot, 'src'));
    // InvalidSeriesError never reaches the app: the exporter's addSample guard catches it (export/exporter.ts).
    codes.delete('GOM_INVALID_SERIES');
    assert.ok(codes.has('GOM_INVALID_CLIENT') && codes.has('GOM_UNPRICED_MODEL'), [...codes].join(' '));
    const errorsSection = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## What lands in Prometheus'));
    assert.deepEqual([...codes].filter((code) => !errorsSection.includes(`| \`${code}\` |`)).sort(), []);
  });
});
