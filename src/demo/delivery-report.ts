import { acquireExporter } from '../export/exporter-registry.js';
import type { DropReason } from '../export/self-metrics.js';
import type { Signal } from '../export/http/retry-policy.js';
import type { ResolvedOptions } from '../monitor-options.js';
import type { MonitoringError } from '../monitoring-error.js';
import { USER_AGENT } from '../version.js';

/**
 * What the demo's endpoints did with its telemetry, per endpoint: accepted,
 * refused, dropped. The demo must not say "pushed" when a receiver answered
 * 401 to everything (issue 16), so it reads the exporter's own accounting (the
 * numbers behind `grafana_openai_monitoring_*`) and the `on_error` reports,
 * which carry the receiver's status and never a secret.
 */
export interface EndpointDelivery {
  readonly signal: Signal;
  /** The push URL (credentials are never part of it: push-endpoint.ts strips them). */
  readonly url: string;
  /** Samples or log lines the receiver accepted. */
  readonly delivered: number;
  /** HTTP attempts, and how many of them failed (a retried 503 counts, then succeeds). */
  readonly attempts: number;
  readonly failedAttempts: number;
  /** Samples or lines that will never arrive, by reason. */
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
  /** Distinct problems reported through `on_error`, in order. */
  readonly problems: readonly string[];
}

export interface DeliveryReport {
  readonly endpoints: readonly EndpointDelivery[];
  /** True when nothing was dropped and no problem was reported. */
  readonly clean: boolean;
}

/** Watches one destination's exporter while the demo runs. */
export interface DeliveryWatch {
  /** Delivers what is left (bounded by `shutdown_timeout_ms`) and tells what happened. */
  finish(): Promise<DeliveryReport>;
}

const noun: Record<Signal, string> = { metrics: 'samples', logs: 'log lines' };

/**
 * Joins the exporter that monitors with these options share (exporter-registry.ts):
 * call it after the demo's `monitor()` calls, so theirs are the exporter's
 * settings, and call `finish()` after the monitors' `shutdown()`: this lease is
 * the last, so its release is the final, bounded delivery.
 *
 * @example
 * const monitors = [chat_v2.monitor(openai, options)];
 * const watch = watchDelivery(resolveOptions(options));
 * // … workload, then monitors' shutdown() …
 * const report = await watch.finish();
 */
export function watchDelivery(resolved: ResolvedOptions): DeliveryWatch {
  const problems: Record<Signal, string[]> = { metrics: [], logs: [] };
  const onError = (err: MonitoringError): void => {
    const list = problems[err.signal ?? 'metrics'];
    const said = `${err.code}: ${err.message}`;
    // The same refusal repeats once per batch; the first few distinct ones tell the story.
    if (!list.includes(said) && list.length < 3) list.push(said);
  };
  const lease = acquireExporter({ metrics: resolved.metrics, logs: resolved.logs, userAgent: USER_AGENT, onError });
  return {
    async finish(): Promise<DeliveryReport> {
      await lease.release();
      const stats = lease.exporter.stats();
      const endpoint = (signal: Signal, url: string): EndpointDelivery => {
        const failedAttempts = Object.entries(stats.failures)
          .filter(([key]) => key.startsWith(`${signal}:`))
          .reduce((sum, [, n]) => sum + n, 0);
        return {
          signal,
          url,
          delivered: stats.delivered[signal],
          attempts: stats.pushes[signal],
          failedAttempts,
          dropped: signal === 'metrics' ? stats.droppedSamples : stats.droppedLogEntries,
          problems: problems[signal],
        };
      };
      const endpoints = [endpoint('metrics', resolved.metrics.url), endpoint('logs', resolved.logs.url)];
      const clean = endpoints.every((e) => totalDropped(e) === 0 && e.problems.length === 0);
      return { endpoints, clean };
    },
  };
}

function totalDropped(endpoint: EndpointDelivery): number {
  return Object.values(endpoint.dropped).reduce((sum: number, n) => sum + (n ?? 0), 0);
}

/**
 * The report as the demo prints it: one block per endpoint.
 *
 * @example
 * console.log(formatDelivery(report));
 * // metrics → http://127.0.0.1:9090/api/v1/write
 * //   delivered 812 samples in 3 push(es); nothing refused or dropped
 */
export function formatDelivery(report: DeliveryReport): string {
  const lines: string[] = [];
  for (const e of report.endpoints) {
    lines.push(`${e.signal} → ${e.url}`);
    const accepted = e.attempts - e.failedAttempts;
    const dropped = totalDropped(e);
    const byReason = Object.entries(e.dropped)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ');
    lines.push(
      `  delivered ${e.delivered} ${noun[e.signal]} in ${accepted} accepted push(es)` +
        (e.failedAttempts > 0 ? `; ${e.failedAttempts} attempt(s) failed` : '') +
        (dropped > 0 ? `; DROPPED ${dropped} ${noun[e.signal]} (${byReason})` : e.failedAttempts === 0 ? '; nothing refused or dropped' : '; nothing dropped'),
    );
    for (const problem of e.problems) lines.push(`  refused: ${problem}`);
  }
  return lines.join('\n');
}
