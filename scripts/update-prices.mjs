// `npm run update-prices` (Node >= 20): regenerates src/pricing/price-table.generated.ts
// from the installed @pydantic/genai-prices. To take newer prices: bump the
// package in devDependencies, install, run this, review the diff, commit the
// file (CI has no network and never regenerates it). test/pricing/price-table.test.ts
// fails while the committed file and the installed package disagree.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGenaiPrices, priceTableFromGenaiPrices, renderPriceTableModule } from './price-table-from-genai-prices.mjs';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`update-prices needs Node >= 20 (@pydantic/genai-prices requires it); this is ${process.version}`);
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src', 'pricing', 'price-table.generated.ts');
const { genaiPrices, version } = await loadGenaiPrices();
const table = priceTableFromGenaiPrices(genaiPrices);
const source = renderPriceTableModule(table, version);
writeFileSync(out, source);
const counts = Object.entries(table).map(([id, entries]) => `${id} ${entries.length}`).join(', ');
console.log(`wrote ${out} from @pydantic/genai-prices ${version} (${counts} models, ${source.length} bytes)`);
