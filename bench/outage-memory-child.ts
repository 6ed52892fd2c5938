import { chat_v2 } from '../src/index.js';
import { fakeClient } from './bench-clients.js';

/**
 * One run of the outage-memory benchmark (outage-memory.bench.ts), in a
 * process of its own: CALLS chat calls through the real `openai` SDK
 * (answered in process, fake-openai-fetch.ts), each with a user message of
 * KB kilobytes made for that call, 16 at a time, content capture on, and
 * monitoring pushing to METRICS_URL/LOGS_URL, which never answer or refuse
 * connections. Default options otherwise (10 s flush, 32 MiB byte budget).
 * Heap and RSS are sampled every 10 ms and after every 256 calls, the heap
 * left after a full GC once a second (with --expose-gc); the peaks are
 * printed as one JSON line.
 *
 * argv: <calls> <kb> <metrics url> <logs url> <monitored|unmonitored>
 */

/** What the parent reads from the last stdout line. */
export interface OutageMemoryReport {
  readonly calls: number;
  readonly completed: number;
  readonly peakHeapUsed: number;
  /** The most heap still in use right after a full GC (forced once a second): what is really held, garbage left out. */
  readonly peakLiveHeap: number;
  readonly peakRss: number;
  readonly seconds: number;
}

const CONCURRENCY = 16;

async function main(): Promise<void> {
  const [callsArg, kbArg, metricsUrl, logsUrl, mode] = process.argv.slice(2);
  const calls = Number(callsArg);
  const kb = Number(kbArg);
  const client = fakeClient();
  if (mode === 'monitored') chat_v2.monitor(client, { metrics_url: metricsUrl, logs_url: logsUrl, instance: 'bench:outage' });
  let peakHeapUsed = 0;
  let peakRss = 0;
  const sample = (): void => {
    const { heapUsed, rss } = process.memoryUsage();
    if (heapUsed > peakHeapUsed) peakHeapUsed = heapUsed;
    if (rss > peakRss) peakRss = rss;
  };
  const sampler = setInterval(sample, 10);
  // Peak heapUsed counts garbage V8 has not collected yet, more of it the faster a process allocates;
  // what a process holds is what survives a full GC. Both runs get the same forced GC (--expose-gc).
  let peakLiveHeap = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const liveSampler = setInterval(() => {
    if (gc === undefined) return;
    gc();
    peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
  }, 1000);
  const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil((kb * 1024) / 27)).slice(0, kb * 1024 - 12);
  const started = Date.now();
  let next = 0;
  let completed = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      // A message of its own per call: a rope over the shared filler, which V8 makes a flat string of
      // its own the moment anything slices it (the monitor's content copy does), as an app's would be.
      const content = `${String(i).padStart(10, '0')} ${filler}`;
      await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content }] });
      completed += 1;
      // The in-process fetch answers in microtasks; a real one waits for I/O, where timers (the
      // exporter's flush, these samplers) and sockets get their turn. Both runs yield alike.
      await new Promise((resolve) => setImmediate(resolve));
      if (completed % 256 === 0) sample();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  sample();
  clearInterval(sampler);
  clearInterval(liveSampler);
  const report: OutageMemoryReport = { calls, completed, peakHeapUsed, peakLiveHeap, peakRss, seconds: (Date.now() - started) / 1000 };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0); // the bench measures the calls, not the delivery at exit
}

void main();
