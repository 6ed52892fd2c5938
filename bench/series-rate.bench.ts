import { chat_v2 } from '../src/index.js';
import { startRemoteWriteReceiver } from '../test/support/remote-write-receiver.js';
import { COMPLETION_BODY } from './fake-openai-fetch.js';
import { startReceiver } from './receiver-process.js';
import { answeredWith, failOnUnobservedCalls, type StandInAPIPromise } from './stand-in-api-promise.js';

/**
 * What call rate one process sustains on one series (issue 20), today.
 *
 * Prometheus needs strictly increasing timestamps per series
 * (wire-protocols.md §8 item 6), so each compatible sample of a series takes
 * a millisecond of its own: one model's calls faster than 1,000 per second get
 * stamped ahead of the clock, and a flush keeps samples still in the future for
 * a later one. This measures it: for each offered rate, calls on one model for
 * a few seconds, paced in 10 ms ticks, through the real patch against the
 * stand-in APIPromise (a real SDK call costs ~250-800 µs of CPU here, too slow
 * to offer several thousand calls per second); flushes every 250 ms to a
 * remote-write receiver that decodes the samples (test/support, snappyjs and
 * prometheus-remote-write's decoder); `max_queue` raised so the queue bound
 * (2,000 calls by default) does not drop samples first. It reports how many
 * `openai_promptTokens` samples arrived while the calls went on, per second,
 * how far the newest one's timestamp ran ahead of the end of the calls, and
 * how long after that the last one arrived.
 *
 *   node build/bench/series-rate.bench.js [seconds] [rate …]   (default 4 s; 250 500 1000 2000 4000 calls/s)
 */

const parsed = JSON.parse(COMPLETION_BODY) as unknown;
const standInClient = { chat: { completions: { create: (_body: unknown): StandInAPIPromise => answeredWith(parsed) } } };
const request = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'how many angels can dance on the head of a pin\n' }] };
const TICK_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface RateResult {
  offered: number;
  made: number;
  achieved: number;
  deliveredDuring: number;
  aheadMs: number;
  drainMs: number;
}

async function measure(rate: number, seconds: number, logsUrl: string): Promise<RateResult> {
  const prom = await startRemoteWriteReceiver({ maxFutureMs: Number.MAX_SAFE_INTEGER });
  const monitor = chat_v2.monitor(standInClient, { metrics_url: prom.url, logs_url: logsUrl, instance: `rate:${rate}`, flush_interval_ms: 250, max_queue: 1_000_000 });
  const delivered = (): number => prom.samplesOf('openai_promptTokens').length;
  try {
    const start = Date.now();
    let made = 0;
    while (Date.now() - start < seconds * 1000) {
      // Catch up to the rate at every tick, so a slow tick does not lower it.
      const due = Math.floor(((Date.now() - start) / 1000) * rate);
      const calls: Promise<unknown>[] = [];
      for (; made < due; made++) calls.push(standInClient.chat.completions.create(request).then(() => undefined));
      await Promise.all(calls);
      await sleep(TICK_MS);
    }
    const end = Date.now();
    const deliveredDuring = delivered();
    await monitor.flush();
    while (delivered() < made && Date.now() - end < 120_000) await sleep(50);
    const last = Date.now();
    const newest = Math.max(...prom.samplesOf('openai_promptTokens').map((s) => s.timestampMs));
    return { offered: rate, made, achieved: made / ((end - start) / 1000), deliveredDuring: deliveredDuring / ((end - start) / 1000), aheadMs: newest - end, drainMs: delivered() >= made ? last - end : NaN };
  } finally {
    await monitor.shutdown();
    await prom.close();
  }
}

async function main(): Promise<void> {
  failOnUnobservedCalls();
  const [secondsArg, ...rateArgs] = process.argv.slice(2);
  const seconds = secondsArg === undefined ? 4 : Number(secondsArg);
  const rates = rateArgs.length > 0 ? rateArgs.map(Number) : [250, 500, 1000, 2000, 4000];
  const logs = await startReceiver();
  console.log(`one series (one model), ${seconds} s per rate, flush every 250 ms`);
  console.log('| offered calls/s | made calls/s | samples delivered per s during the calls | newest sample ahead of the end of the calls | last sample delivered after the end |');
  console.log('|--:|--:|--:|--:|--:|');
  try {
    for (const rate of rates) {
      const r = await measure(rate, seconds, logs.logsUrl);
      console.log(`| ${r.offered} | ${r.achieved.toFixed(0)} | ${r.deliveredDuring.toFixed(0)} | ${(r.aheadMs / 1000).toFixed(2)} s | ${(r.drainMs / 1000).toFixed(2)} s |`);
    }
  } finally {
    await logs.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
