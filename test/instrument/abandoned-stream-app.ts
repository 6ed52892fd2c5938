/**
 * Child process of abandoned-streams.test.ts: makes streaming calls through a
 * patched real SDK client against the fake OpenAI server, lets go of the
 * streams as the test's ABANDON says, forces garbage collection, and prints
 * what was recorded as one JSON line.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { chatCompletionsEndpoint } from '../../src/instrument/endpoint-spec';
import { patchEndpoint } from '../../src/instrument/patch-endpoint';
import type { Observation } from '../../src/record/observation';
import { startFakeOpenAI } from '../support/fake-openai-server';
import { newClient } from '../support/openai-sdk';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function main(): Promise<void> {
  const fake = await startFakeOpenAI();
  const client = newClient(fake);
  const seen: Observation[] = [];
  patchEndpoint(client, chatCompletionsEndpoint, 'child', (o) => seen.push(o));
  const messages = [{ role: 'user' as const, content: 'Say hello' }];
  let kept: AsyncIterator<unknown> | undefined;
  // Made in a function of their own, so that no local of main() keeps them.
  await (async () => {
    await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }); // never iterated, dropped
    const iteratedLater = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    kept = iteratedLater[Symbol.asyncIterator](); // the Stream is dropped, its iterator kept
  })();
  for (let i = 0; i < 20 && seen.length === 0; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const abandonedFirst = seen.map((o) => o.outcome);
  // The kept iterator is read to the end: that call is ok, never abandoned.
  if (kept !== undefined) while (!(await kept.next()).done);
  gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  process.stdout.write(`${JSON.stringify({ abandonedFirst, all: seen.map((o) => ({ outcome: o.outcome, durationS: o.durationS, stream: o.stream })) })}\n`);
  await fake.close();
  process.exit(0);
}

void main();
