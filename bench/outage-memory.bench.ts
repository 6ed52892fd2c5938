import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { OutageMemoryReport } from './outage-memory-child.js';
import { formatNumber, renderTable, type ResultRow } from './result-table.js';

/**
 * Issue 18: a dead Grafana endpoint must never be why an app runs out of
 * memory. The workload of the issue, each run in a fresh process
 * (outage-memory-child.ts): chat calls through the real SDK, 16 at a time,
 * content capture on, messages of 50 KB or 200 KB, while the metrics and logs
 * endpoints either accept connections and never answer, or refuse them. Each
 * monitored run is compared with the same calls unmonitored, side by side:
 * peak JS heap (live: after a full GC, once a second; and as sampled every
 * 10 ms, garbage included) and peak RSS. Target: the monitored peak
 * within the byte budget (32 MiB by default) plus a small constant of the
 * unmonitored peak; and a monitored app limited to `--max-old-space-size=256`
 * completes every call.
 *
 * node build/bench/outage-memory.bench.js [calls=20000] [kb=50,200] [endpoints=silent,refused]
 * e.g. `node build/bench/outage-memory.bench.js 100000 200 silent` for the largest case.
 */

const MiB = 1024 * 1024;
const BUDGET = 32 * MiB;
/** What "a small constant" is here: the exporter's own structures, the SDK's per-call garbage not yet collected, V8's slack. */
const CONSTANT = 32 * MiB;
const CHILD = join(__dirname, 'outage-memory-child.js');

async function blackHole(): Promise<{ origin: string; close(): void }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

async function refusedOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function runChild(args: string[], nodeFlags: string[]): Promise<{ report?: OutageMemoryReport; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeFlags, CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('close', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      resolve({ report: last.startsWith('{') ? (JSON.parse(last) as OutageMemoryReport) : undefined, code, signal, stderr: err.slice(-500) });
    });
  });
}

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 20_000);
  const sizes = (process.argv[3] ?? '50,200').split(',').map(Number);
  const kinds = (process.argv[4] ?? 'silent,refused').split(',');
  const hole = await blackHole();
  const refused = await refusedOrigin();
  const rows: ResultRow[] = [];
  let failed = false;
  try {
    for (const kind of kinds) {
      const origin = kind === 'silent' ? hole.origin : refused;
      for (const kb of sizes) {
        const args = (mode: string) => [String(calls), String(kb), `${origin}/api/v1/write`, `${origin}/loki/api/v1/push`, mode];
        const plain = await runChild(args('unmonitored'), ['--expose-gc']);
        const monitored = await runChild(args('monitored'), ['--expose-gc']);
        const small = await runChild(args('monitored'), ['--max-old-space-size=256']);
        if (!plain.report || !monitored.report) throw new Error(`a run failed: ${plain.stderr}${monitored.stderr}`);
        const heapOver = monitored.report.peakLiveHeap - plain.report.peakLiveHeap;
        const rssOver = monitored.report.peakRss - plain.report.peakRss;
        const smallOk = small.code === 0 && small.report?.completed === calls;
        failed ||= !(heapOver <= BUDGET + CONSTANT && rssOver <= BUDGET + CONSTANT && smallOk);
        const name = `${calls.toLocaleString('en')} × ${kb} KB, endpoint ${kind === 'silent' ? 'never answers' : 'refuses'}`;
        const mb = (bytes: number): string => `${formatNumber(bytes / MiB, 0)} MB`;
        const target = `≤ +${mb(BUDGET + CONSTANT)}`;
        rows.push(
          { measurement: `peak live heap (after full GC), ${name}`, baseline: mb(plain.report.peakLiveHeap), ours: mb(monitored.report.peakLiveHeap), ratio: monitored.report.peakLiveHeap / plain.report.peakLiveHeap, target, met: heapOver <= BUDGET + CONSTANT },
          { measurement: `peak heap used (garbage included), ${name}`, baseline: mb(plain.report.peakHeapUsed), ours: mb(monitored.report.peakHeapUsed), ratio: monitored.report.peakHeapUsed / plain.report.peakHeapUsed, target: '', met: undefined },
          { measurement: `peak RSS, ${name}`, baseline: mb(plain.report.peakRss), ours: mb(monitored.report.peakRss), ratio: monitored.report.peakRss / plain.report.peakRss, target, met: rssOver <= BUDGET + CONSTANT },
          {
            measurement: `calls completed under --max-old-space-size=256, ${name}`,
            baseline: String(calls),
            ours: smallOk ? String(calls) : `${small.report?.completed ?? 0} (${small.signal ?? `exit ${small.code}`})`,
            ratio: (small.report?.completed ?? 0) / calls,
            target: 'all',
            met: smallOk,
          },
        );
        process.stdout.write(`${name}: unmonitored ${JSON.stringify(plain.report)} monitored ${JSON.stringify(monitored.report)} 256MB ${JSON.stringify(small.report)}\n`);
      }
    }
  } finally {
    hole.close();
  }
  process.stdout.write(`${renderTable(rows)}\n`);
  process.exitCode = failed ? 1 : 0;
}

void main();
