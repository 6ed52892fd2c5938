import { chatCalls, fakeClient, monitorChat } from './bench-clients.js';
import { LOGS_PATH, METRICS_PATH, type ReceiverProcess } from './receiver-process.js';
import { formatNumber, type ResultRow } from './result-table.js';

/**
 * Pushes (issue 6): HTTP requests the receiver gets per flush interval at
 * different call rates. The original library sent two requests per call (one
 * to Influx, one to Loki: issue 6), so its figure is 2 × calls; ours should be
 * a fixed number per flush (one remote-write, one Loki push), growing only
 * when a flush holds more than one request's worth (5,000 samples or 4 MiB of
 * lines: the receivers' batch bounds, wire-protocols.md §8 item 11).
 *
 * Each rate runs `total` calls, flushing after every `perFlush` of them, as
 * `flush_interval_ms` would at that rate (10 calls per 10 s interval is 1 call/s),
 * with the default options (max_queue 10,000).
 */

export interface PushesSettings {
  /** Calls per measured rate. */
  readonly total: number;
  /** Calls per flush interval to compare; the first is the reference the others must equal. */
  readonly perFlush: readonly number[];
}

export const DEFAULT_PUSHES: PushesSettings = { total: 2_000, perFlush: [10, 100, 1_000] };

interface PushCount {
  readonly flushes: number;
  readonly metrics: number;
  readonly logs: number;
}

async function countPushes(receiver: ReceiverProcess, total: number, perFlush: number): Promise<PushCount> {
  const client = fakeClient();
  const monitor = monitorChat(client, receiver);
  try {
    await receiver.reset();
    let flushes = 0;
    for (let done = 0; done < total; done += perFlush) {
      const startedAt = Date.now();
      const calls = Math.min(perFlush, total - done);
      await chatCalls(client, calls, 10, false);
      // Each sample gets a millisecond of its series to itself (wire-protocols.md §8 item 6): `calls` of them
      // are due `calls` ms after the first; the interval timer would not fire sooner than that either.
      const due = startedAt + calls + 1 - Date.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      await monitor.flush();
      flushes += 1;
    }
    const { requests } = await receiver.counts();
    return { flushes, metrics: requests[METRICS_PATH] ?? 0, logs: requests[LOGS_PATH] ?? 0 };
  } finally {
    await monitor.shutdown();
  }
}

/**
 * One row per rate: requests per flush against the original's two per call,
 * and what that makes per 10,000 calls.
 *
 * @example
 * const rows = await runPushes(receiver, DEFAULT_PUSHES);
 */
export async function runPushes(receiver: ReceiverProcess, settings: PushesSettings = DEFAULT_PUSHES): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  let reference: number | undefined;
  for (const perFlush of settings.perFlush) {
    const count = await countPushes(receiver, settings.total, perFlush);
    const perInterval = (count.metrics + count.logs) / count.flushes;
    reference ??= perInterval;
    const first = perFlush === settings.perFlush[0];
    const per10k = (perInterval * 10_000) / perFlush;
    rows.push({
      measurement: `HTTP requests per flush interval, ${formatNumber(perFlush, 0)} calls per interval`,
      baseline: `${formatNumber(2 * perFlush, 0)} (original: 2 per call)`,
      ours: `${formatNumber(perInterval, 2)} (${formatNumber(count.metrics / count.flushes, 2)} remote-write + ${formatNumber(count.logs / count.flushes, 2)} Loki; ${formatNumber(per10k, 0)} per 10,000 calls)`,
      ratio: perInterval / (2 * perFlush),
      target: first ? '' : `= ${formatNumber(reference, 2)} (as at ${formatNumber(settings.perFlush[0], 0)} calls)`,
      met: first ? undefined : perInterval === reference,
    });
  }
  return rows;
}
