import { MonitoringError } from '../monitoring-error.js';

/**
 * The settings of an exporter that every monitor sharing it lives with
 * (exporter-registry.ts). A later monitor on the same destination that asks for
 * other values is refused at `monitor()` (issue 22 item 6: they used to be
 * ignored without a word): one exporter has one timer, one queue bound, one
 * timeout and one shutdown bound, and honouring two would mean either
 * exporter could break the other's promise. A value left out means "whatever
 * the destination already uses".
 */

export interface SharedSettings {
  readonly flushIntervalMs: number;
  readonly maxQueue: number;
  readonly timeoutMs: number;
  readonly shutdownTimeoutMs: number;
}

const OPTION_NAMES: Readonly<Record<keyof SharedSettings, string>> = {
  flushIntervalMs: 'flush_interval_ms',
  maxQueue: 'max_queue',
  timeoutMs: 'timeout_ms',
  shutdownTimeoutMs: 'shutdown_timeout_ms',
};

/**
 * Throws GOM_INVALID_OPTION naming the first setting `requested` gives that
 * differs from what the live exporter uses.
 *
 * @example
 * checkSharedSettings(exporter.settings, { flushIntervalMs: 5000 });
 * // MonitoringError: flush_interval_ms is 5000, but a monitor already pushing to this destination uses 10000 …
 */
export function checkSharedSettings(live: SharedSettings, requested: Partial<SharedSettings>): void {
  for (const name of Object.keys(OPTION_NAMES) as (keyof SharedSettings)[]) {
    const wanted = requested[name];
    if (wanted === undefined || wanted === live[name]) continue;
    const option = OPTION_NAMES[name];
    throw new MonitoringError(
      'GOM_INVALID_OPTION',
      `${option} is ${wanted}, but a monitor already pushing to this destination (same URLs, credentials and headers) uses ${live[name]}: ` +
        `monitors of one destination share one exporter, so give them the same ${option}, or leave it out of all but the first`,
      { option },
    );
  }
}
