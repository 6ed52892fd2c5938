import { createHash } from 'node:crypto';
import type { MonitoringError } from '../monitoring-error.js';
import { Exporter, warnDeliveryProblem, type ExporterOptions } from './exporter.js';
import { claimInstance } from './instance-claims.js';
import { checkSharedSettings } from './shared-exporter-settings.js';
import { headerIdentity } from './user-headers.js';

/**
 * Monitors with the same destination share one Exporter (DESIGN.md §1: "one
 * queue, one connection pool, one push per flush interval, so chat_v1 + chat_v2
 * on the same options cost no more than one"), and a single writer per series
 * is what keeps timestamps strictly increasing (wire-protocols.md §8 item 6).
 *
 * The destination is the two URLs, their credentials and their extra headers
 * (another `X-Scope-OrgID` is another tenant: its data must never ride on a
 * shared exporter's requests). The map key is a SHA-256 digest of them, so no
 * string that could end up in a log, a heap snapshot diff or a debugger watch
 * holds the token or a header value in clear. A later acquirer that asks for
 * other bounds (interval, queue, timeouts) is refused
 * (shared-exporter-settings.ts); selfLabels are the first acquirer's; every
 * acquirer's `onError` receives the shared exporter's problems. Exporters that
 * share a metrics URL but not credentials or headers write as distinct
 * instances (instance-claims.ts).
 */

export interface ExporterLease {
  readonly exporter: Exporter;
  /**
   * The `instance` this lease's series must carry: `selfLabels.instance` as
   * asked, or `…#2`, `#3` when another exporter (other credentials or headers)
   * already writes as it to the same metrics URL. Undefined when none was asked.
   */
  readonly instance: string | undefined;
  /** Gives the exporter back; the last release shuts it down (final flush, bounded). Idempotent. */
  release(): Promise<void>;
}

interface Entry {
  readonly exporter: Exporter;
  readonly handlers: Set<(err: MonitoringError) => void>;
  leases: number;
}

const live = new Map<string, Entry>();

function destinationKey(options: ExporterOptions): string {
  const { metrics, logs } = options;
  const parts = [
    metrics.url, metrics.username ?? null, metrics.password ?? null, headerIdentity(metrics.headers),
    logs.url, logs.username ?? null, logs.password ?? null, headerIdentity(logs.headers),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Returns the exporter for this destination, creating it on first use.
 *
 * @example
 * const { exporter, release } = acquireExporter({ metrics, logs, userAgent: 'grafana-openai-monitoring/1.0.0' });
 * exporter.addSample(series, 1, Date.now());
 * await release(); // the last one flushes and stops it
 */
export function acquireExporter(options: ExporterOptions): ExporterLease {
  const key = destinationKey(options);
  let entry = live.get(key);
  if (entry) {
    checkSharedSettings(entry.exporter.settings, {
      flushIntervalMs: options.flushIntervalMs,
      maxQueue: options.maxQueue === undefined ? undefined : Math.ceil(options.maxQueue),
      timeoutMs: options.timeoutMs,
      shutdownTimeoutMs: options.shutdownTimeoutMs,
    });
  }
  const requested = options.selfLabels?.instance;
  const claim = requested === undefined ? undefined : claimInstance(options.metrics.url, requested, key);
  if (!entry) {
    const handlers = new Set<(err: MonitoringError) => void>();
    const selfLabels = claim === undefined ? options.selfLabels : { ...options.selfLabels, instance: claim.instance };
    let exporter: Exporter;
    try {
      exporter = new Exporter({
        ...options,
        selfLabels,
        onError: (err) => {
          if (handlers.size === 0) return warnDeliveryProblem(err);
          for (const handler of [...handlers]) {
            try {
              handler(err);
            } catch {
              // One monitor's throwing on_error must not keep the others from hearing about it.
            }
          }
        },
      });
    } catch (err) {
      claim?.release();
      throw err;
    }
    entry = { exporter, handlers, leases: 0 };
    live.set(key, entry);
  }
  const owned = entry;
  owned.leases += 1;
  // A wrapper per lease, so two monitors passing the same function each get their own registration.
  const handler = options.onError ? (err: MonitoringError): void => options.onError?.(err) : undefined;
  if (handler) owned.handlers.add(handler);
  let released: Promise<void> | undefined;
  return {
    exporter: owned.exporter,
    instance: claim?.instance,
    release(): Promise<void> {
      if (released) return released;
      claim?.release();
      const forget = (): void => {
        if (handler) owned.handlers.delete(handler);
      };
      owned.leases -= 1;
      if (owned.leases > 0) {
        forget();
        return (released = Promise.resolve());
      }
      // Forget it before the final flush, so a monitor created meanwhile gets a fresh exporter;
      // the last monitor still hears about problems of that final flush.
      if (live.get(key) === owned) live.delete(key);
      return (released = owned.exporter.shutdown().then(forget));
    },
  };
}

/**
 * How many distinct destinations have a live exporter (for tests and diagnostics).
 *
 * @example
 * liveExporterCount(); // 0 after every monitor was shut down
 */
export function liveExporterCount(): number {
  return live.size;
}
