import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fixturesDir, repoRoot } from '../support/paths';

/**
 * A user clones the repository into a folder of its own and runs `npm test`:
 * nothing beside the clone exists for them. These facts keep it so.
 */

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(name) ? [path] : [];
  });
}

describe('a plain clone carries everything its tests read', () => {
  it('keeps the recorded OpenAI traffic inside the repository', () => {
    assert.ok(!relative(repoRoot, fixturesDir).startsWith('..'), `fixtures at ${fixturesDir} lie outside the repository`);
    const manifest = JSON.parse(readFileSync(join(fixturesDir, 'manifest.json'), 'utf8')) as {
      fixtures: { id: string; request_file: string | null; response_file: string }[];
    };
    assert.ok(manifest.fixtures.length > 0, 'the manifest lists no fixture');
    const missing = manifest.fixtures
      .flatMap((f) => [f.response_file, f.request_file])
      .filter((file): file is string => file !== null && !existsSync(join(fixturesDir, file)));
    assert.deepEqual(missing, [], 'files the manifest names are not in test/fixtures/openai');
  });

  it('has no test, script or benchmark that reaches beside the repository', () => {
    const offenders = ['test', 'bench', 'scripts', 'src']
      .flatMap((dir) => sourceFiles(join(repoRoot, dir)))
      .filter((file) => /(['"`])\.\.\1\s*,\s*(['"`])shared\2|\.\.\/shared\//.test(readFileSync(file, 'utf8')))
      .map((file) => relative(repoRoot, file));
    assert.deepEqual(offenders, []);
  });

  it('runs in CI from a copy with nothing beside it', { skip: process.env.CI !== 'true' && 'only .ci/run lays out the isolated copy' }, () => {
    const beside = readdirSync(dirname(repoRoot)).filter((name) => name !== repoRoot.split(sep).pop());
    assert.deepEqual(beside, [], `.ci/run should run the suite from a folder holding only the checkout; found ${beside.join(', ')}`);
  });
});
