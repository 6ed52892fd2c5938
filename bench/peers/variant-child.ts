import { cpuMicros } from '../cpu-rounds.js';
import { chatRequest } from '../fake-openai-fetch.js';
import { VARIANTS, type ChatClient, type Mode } from './peer-variants.js';

/**
 * One variant of the peers benchmark, alone in its process (run-peers.ts forks
 * one per variant): `node variant-child.js <variant> <sink origin>`.
 *
 * The coordinator drives it over IPC, one message at a time:
 * - `start`: a round begins; CPU is read (`process.cpuUsage()`, user + system,
 *   every thread).
 * - `block`: `calls` calls, one after the other, streamed ones read to the end.
 * - `end`: the library's flush, awaited; the answer is the CPU used since
 *   `start`, all of it: the blocks, the flush, and whatever the library did in
 *   between on its own (timers, batch exports, sockets) while the other
 *   variants ran their blocks. The messages themselves cost every variant the
 *   same, and the baseline's are subtracted with them.
 * A call that throws ends the answer with `error` (the table says "throws").
 */

type Message = { op: 'start' } | { op: 'block'; calls: number; mode: Mode } | { op: 'end' } | { op: 'stop' };

function request(mode: Mode, asksUsage: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = chatRequest(mode === 'stream');
  return mode === 'stream' && asksUsage ? { ...body, stream_options: { include_usage: true } } : body;
}

async function call(client: ChatClient, body: Record<string, unknown>, mode: Mode): Promise<void> {
  const result = await client.chat.completions.create(body);
  if (mode === 'stream') {
    for await (const chunk of result as AsyncIterable<unknown>) void chunk;
  }
}

async function main(): Promise<void> {
  const [name, sink] = process.argv.slice(2);
  const variant = VARIANTS.find((v) => v.name === name);
  if (variant === undefined || sink === undefined) throw new Error(`usage: variant-child.js <${VARIANTS.map((v) => v.name).join('|')}> <sink origin>`);
  const runtime = await variant.setup(sink);
  const bodies = { chat: request('chat', variant.appAsksStreamUsage), stream: request('stream', variant.appAsksStreamUsage) };
  let start = process.cpuUsage();
  let roundStartMs = Date.now();
  let callsThisRound = 0;
  let made = 0;
  const answer = async (message: Message): Promise<Record<string, unknown>> => {
    switch (message.op) {
      case 'start':
        start = process.cpuUsage();
        roundStartMs = Date.now();
        callsThisRound = 0;
        return {};
      case 'block':
        for (let i = 0; i < message.calls; i++) {
          await call(runtime.client, bodies[message.mode], message.mode);
          callsThisRound += 1;
          made += 1;
        }
        return {};
      case 'end': {
        const flushStart = process.cpuUsage();
        await runtime.flush(roundStartMs, callsThisRound);
        return { cpu: cpuMicros(start), flushCpu: cpuMicros(flushStart), made };
      }
      case 'stop':
        setImmediate(() => process.exit(0));
        return {};
    }
  };
  process.on('message', (message: Message) => {
    answer(message).then(
      (reply) => process.send?.(reply),
      (error: unknown) => process.send?.({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
