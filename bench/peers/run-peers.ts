import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../../src/index.js';
import { startPeerSink, type PeerSink } from './peer-sink.js';
import { renderPeerTable, type ModeResult, type PeerResults } from './peer-table.js';
import { installedVersion, PEERS_DIR, VARIANTS, type Mode, type Variant } from './peer-variants.js';

/**
 * `npm run bench:peers`: CPU added per call by ours and by the peer libraries,
 * through the same SDK and workload, each variant in its own process, rounds
 * interleaved across the processes (bench/README.md, "Against the peers").
 *
 *   node build/bench/peers/run-peers.js [--rounds N] [--warmup N] [--blocks N] [--calls-per-block N]
 *                                       [--no-install] [--write-readme] [--quick]
 *
 * First `npm install`s each folder of bench/peers (the project's own install
 * never brings the peers in). A round is `blocks` cycles; each cycle asks every
 * variant, in a shuffled order, for one block of calls; then each flushes. After
 * every round the sink's counts must equal the calls each variant made so far:
 * a variant that records nothing, late or without tokens fails the run (exit 1)
 * rather than look cheap. `--write-readme` puts the table into bench/README.md
 * between its peers markers. Exits 1 when a target is missed too.
 */

interface Settings {
  rounds: number;
  warmup: number;
  blocks: number;
  callsPerBlock: number;
  install: boolean;
  writeReadme: boolean;
}

function parseSettings(args: readonly string[]): Settings {
  const quick = args.includes('--quick');
  const settings: Settings = { rounds: quick ? 2 : 9, warmup: 1, blocks: quick ? 5 : 25, callsPerBlock: 20, install: !args.includes('--no-install'), writeReadme: args.includes('--write-readme') };
  const numeric: Record<string, keyof Settings> = { '--rounds': 'rounds', '--warmup': 'warmup', '--blocks': 'blocks', '--calls-per-block': 'callsPerBlock' };
  for (let i = 0; i < args.length; i++) {
    const key = numeric[args[i]];
    if (key !== undefined) {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < (key === 'warmup' ? 0 : 1)) throw new Error(`${args[i - 1]} needs a whole number`);
      (settings as unknown as Record<string, number>)[key] = value;
    } else if (!['--quick', '--no-install', '--write-readme'].includes(args[i])) throw new Error(`unknown argument ${args[i]}`);
  }
  return settings;
}

function installPeers(): void {
  // Under `npm run`, npm_execpath is npm's own CLI: use the npm that runs us.
  const npm = process.env.npm_execpath;
  for (const folder of [...new Set(VARIANTS.map((v) => v.folder))]) {
    // The project's .npmrc sets legacy-peer-deps, and `npm run` passes it on to child npm
    // processes through npm_config_legacy_peer_deps. The peers rely on npm installing their
    // peer dependencies (@langfuse/otel needs @opentelemetry/api), so each folder resolves
    // them as its own lockfile says.
    const args = ['install', '--prefix', join(PEERS_DIR, folder), '--legacy-peer-deps=false', '--no-audit', '--no-fund', '--loglevel=error'];
    console.log(`npm install --prefix bench/peers/${folder}`);
    if (npm !== undefined && npm.endsWith('.js')) execFileSync(process.execPath, [npm, ...args], { stdio: 'inherit' });
    else execFileSync('npm', args, { stdio: 'inherit', shell: process.platform === 'win32' });
  }
}

/** A forked variant, asked one message at a time. */
interface VariantProcess {
  readonly variant: Variant;
  ask(message: Record<string, unknown>): Promise<Record<string, unknown>>;
  readonly child: ChildProcess;
}

function startVariant(variant: Variant, sink: PeerSink): Promise<VariantProcess> {
  const child = fork(join(__dirname, 'variant-child.js'), [variant.name, sink.origin], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (message: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`${variant.name} exited (${String(code)})`));
      child.once('exit', onExit);
      child.once('message', (reply: Record<string, unknown>) => {
        child.off('exit', onExit);
        resolve(reply);
      });
      child.send(message);
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${variant.name} exited with code ${String(code)} while setting up`)));
    child.once('message', () => {
      child.removeAllListeners('exit');
      resolve({ variant, ask, child });
    });
  });
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

class VerificationError extends Error {}

/** After a round's flushes: every counter a variant must fill equals the calls it made, and nothing else showed up. */
async function verify(sink: PeerSink, processes: readonly VariantProcess[], made: Map<string, number>, when: string): Promise<string[]> {
  const counts = await sink.counts();
  const lines: string[] = [];
  for (const { variant } of processes) {
    const calls = made.get(variant.name) ?? 0;
    const seen = counts[variant.name];
    if (variant.mustEqualCalls.length === 0) {
      if (seen !== undefined) throw new VerificationError(`${variant.name} was expected to export nothing, and sent ${JSON.stringify(seen.requests)}`);
      continue;
    }
    if (seen === undefined) throw new VerificationError(`${variant.name} exported nothing ${when}: ${calls} calls made`);
    const wrong = variant.mustEqualCalls.filter((k) => seen[k] !== calls);
    if (wrong.length > 0 || seen.problems.length > 0)
      throw new VerificationError(`${variant.name} ${when}: ${calls} calls made, but ${wrong.map((k) => `${k} = ${String(seen[k])}`).join(', ')}${seen.problems.length > 0 ? `; problems: ${seen.problems.slice(0, 3).join('; ')}` : ''}`);
    lines.push(`${variant.name}: ${variant.mustEqualCalls.map((k) => `${k} ${String(seen[k])}`).join(', ')} (of ${calls} calls)`);
  }
  return lines;
}

async function runMode(mode: Mode, processes: readonly VariantProcess[], sink: PeerSink, settings: Settings, made: Map<string, number>, random: () => number): Promise<Map<string, ModeResult>> {
  const results = new Map<string, { cpu: number[]; flushCpu: number[]; throws?: string }>();
  let active = processes.filter((p) => p.variant.modes.includes(mode));
  for (const p of active) results.set(p.variant.name, { cpu: [], flushCpu: [] });
  const drop = (p: VariantProcess, error: unknown): void => {
    (results.get(p.variant.name) as { throws?: string }).throws = String(error);
    console.log(`  ${p.variant.name} throws on ${mode}: ${String(error)}`);
    active = active.filter((a) => a !== p);
  };
  for (let round = 0; round < settings.warmup + settings.rounds; round++) {
    for (const p of shuffle(active, random)) await p.ask({ op: 'start' });
    for (let block = 0; block < settings.blocks; block++) {
      for (const p of shuffle(active, random)) {
        const reply = await p.ask({ op: 'block', calls: settings.callsPerBlock, mode });
        if (typeof reply.error === 'string') drop(p, reply.error);
        else made.set(p.variant.name, (made.get(p.variant.name) ?? 0) + settings.callsPerBlock);
      }
    }
    for (const p of shuffle(active, random)) {
      const reply = await p.ask({ op: 'end' });
      if (typeof reply.error === 'string') {
        drop(p, reply.error);
        continue;
      }
      if (round < settings.warmup) continue;
      const entry = results.get(p.variant.name) as { cpu: number[]; flushCpu: number[] };
      entry.cpu.push(Number(reply.cpu));
      entry.flushCpu.push(Number(reply.flushCpu));
    }
    const checked = await verify(sink, active, made, `after ${mode} round ${round + 1}`);
    if (round === 0) console.log(`  ${mode}: every variant verified after round 1 (then after each round): ${checked.join('; ')}`);
  }
  return results;
}

function writeReadme(section: string): void {
  const path = join(PEERS_DIR, '..', 'README.md');
  const text = readFileSync(path, 'utf8');
  const start = '<!-- bench:peers:start -->';
  const end = '<!-- bench:peers:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`bench/README.md has no ${start} … ${end} markers`);
  writeFileSync(path, `${text.slice(0, from + start.length)}\n${section}\n${text.slice(to)}`);
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  if (settings.install) installPeers();
  const cpu = cpus();
  const versions = [...new Set(VARIANTS.flatMap((v) => v.packages.filter((p) => !p.includes('(this repository)')).map((p) => `${p} ${installedVersion(v.folder, p)}`)))];
  const header = [
    `${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}; grafana-openai-monitoring ${VERSION}; ${versions.join(', ')}.`,
    `${settings.warmup} + ${settings.rounds} rounds × ${settings.blocks} blocks × ${settings.callsPerBlock} calls per variant (\`node build/bench/peers/run-peers.js --rounds ${settings.rounds} --warmup ${settings.warmup} --blocks ${settings.blocks} --calls-per-block ${settings.callsPerBlock}\`); medians over rounds.`,
  ];
  console.log(header.join('\n'));
  const sink = await startPeerSink();
  const processes: VariantProcess[] = [];
  try {
    for (const variant of VARIANTS) processes.push(await startVariant(variant, sink));
    const made = new Map<string, number>();
    let state = 0x9e3779b9;
    const random = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    const results: PeerResults = { chat: new Map(), stream: new Map() };
    for (const mode of ['chat', 'stream'] as const) {
      const started = Date.now();
      results[mode] = await runMode(mode, processes, sink, settings, made, random);
      console.log(`  ${mode}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const { table, verdicts } = renderPeerTable(VARIANTS, results, settings.blocks * settings.callsPerBlock);
    const verdictLines = verdicts.map((v) => (v.info === true ? `- ${v.text}` : `- ${v.text}: ${v.met ? 'met' : 'NOT met'}`));
    console.log(`\n${table}\n\n${verdictLines.join('\n')}`);
    if (settings.writeReadme) writeReadme(['', ...header, '', table, '', ...verdictLines, ''].join('\n'));
    if (verdicts.some((v) => !v.met)) process.exitCode = 1;
  } finally {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill();
    sink.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof VerificationError ? `FAILED: ${error.message}` : error);
  process.exitCode = 1;
});
