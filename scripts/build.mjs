// Compiles src/ twice (CommonJS and ESM) so both `require` and `import` work on
// Node 16-24, and with --tests also compiles src/ + test/ into build/ for the
// node:test runner (Node 16 cannot load TypeScript by itself).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compile(project) {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit', cwd: root });
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
compile('tsconfig.json');
compile('tsconfig.esm.json');
// The package root is CommonJS; dist/esm needs its own marker so Node treats
// its .js files as ES modules.
writeFileSync(join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
writeFileSync(join(root, 'dist/esm/package.json'), '{ "type": "module" }\n');

if (process.argv.includes('--tests')) {
  rmSync(join(root, 'build'), { recursive: true, force: true });
  mkdirSync(join(root, 'build'), { recursive: true });
  compile('tsconfig.test.json');
}
