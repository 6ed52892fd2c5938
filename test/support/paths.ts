import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root, found from this file's compiled location (build/test/support)
 * or, when tests are compiled elsewhere, from the working directory.
 */
function findRepoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = start;
    for (;;) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'grafana-openai-monitoring') return dir;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error('cannot find the grafana-openai-monitoring repository root');
}

export const repoRoot = findRepoRoot();
/**
 * The recorded OpenAI traffic the tests replay, kept in the repository (its README
 * lists every quirk) so that a plain clone carries everything its tests read.
 */
export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'openai');
