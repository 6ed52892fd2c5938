import { dirname, sep } from 'node:path';
import { loadOpenAI, type OpenAIModule } from '../test/support/openai-sdk.js';
import { repoRoot } from '../test/support/paths.js';

/**
 * A second copy of this run's `openai` SDK: the same files loaded again, so its
 * classes and resource prototypes are its own. `monitor(OpenAI)` patches the
 * resource prototypes of the copy it is given (src/instrument/class-target.ts);
 * measuring it on a copy of its own keeps every other contender of the
 * overhead benchmark off those prototypes, as an app's unmonitored copy would be.
 *
 * @example
 * const OpenAI = separateOpenAICopy();
 * chat_v2.monitor(OpenAI, options); // other clients of loadOpenAI().OpenAI stay unpatched
 */
export function separateOpenAICopy(): OpenAIModule['OpenAI'] {
  const entry = require.resolve(loadOpenAI().packageName, { paths: [repoRoot] });
  const packageDir = dirname(entry) + sep;
  const ours = (): string[] => Object.keys(require.cache).filter((file) => file.startsWith(packageDir));
  const saved = new Map(ours().map((file) => [file, require.cache[file]]));
  for (const file of saved.keys()) delete require.cache[file];
  try {
    return (require(entry) as OpenAIModule).OpenAI;
  } finally {
    // The copy keeps the modules it loaded; the cache goes back to the first copy for everyone else.
    for (const file of ours()) delete require.cache[file];
    for (const [file, module] of saved) require.cache[file] = module;
  }
}
