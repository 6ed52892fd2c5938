import { createHash } from 'node:crypto';
import { acquireExporter } from './export/exporter-registry.js';
import { headerIdentity } from './export/user-headers.js';
import { waitAtMost } from './export/wait-at-most.js';
import { clientSecrets, SeenClientSecrets } from './instrument/client-secrets.js';
import type { EndpointSpec } from './instrument/endpoint-spec.js';
import { patchClassEndpoint } from './instrument/class-target.js';
import { conflictingMonitor, watchCalls, type WatchedCalls } from './instrument/monitor-overlap.js';
import { patchEndpoint } from './instrument/patch-endpoint.js';
import { resolveOptions, type MonitorOptions, type ResolvedOptions } from './monitor-options.js';
import { MonitoringError } from './monitoring-error.js';
import { resolveMonitorTarget } from './monitor-target.js';
import { createPricer } from './pricing/price-call.js';
import type { Observation } from './record/observation.js';
import { Recorder } from './record/recorder.js';
import { USER_AGENT } from './version.js';

/**
 * What every `monitor()` returns.
 *
 * @example
 * const monitor = chat_v2.monitor(openai, options);
 * process.on('SIGTERM', () => monitor.shutdown().then(() => process.exit(0)));
 */
export interface Monitor {
  /**
   * Pushes what is buffered now; resolves when it was delivered, or after
   * `timeout_ms` at most (a dead endpoint's retries go on in the background).
   * Never rejects: delivery problems go to `on_error`. Await it before a
   * serverless handler returns.
   */
  flush(): Promise<void>;
  /** Flushes (bounded by `shutdown_timeout_ms`), stops timers and restores the original methods (the client's, or the class's resources'). */
  shutdown(): Promise<void>;
}

/**
 * Identity of a monitor's settings: the same client monitored twice with the
 * same settings observes each call once; other headers (another tenant) are
 * other settings. The token and header values are hashed, never kept in clear.
 */
function monitorKey(resolved: ResolvedOptions): string {
  const identity = JSON.stringify([
    resolved.metrics.url, resolved.metrics.username, resolved.logs.url, resolved.logs.username,
    resolved.environment, resolved.instance, resolved.labels, resolved.disableContent,
    resolved.maxContentLength, resolved.structuredMetadata, resolved.streamUsage,
    headerIdentity(resolved.metrics.headers),
  ]);
  const token = resolved.metrics.password ?? resolved.logs.password ?? '';
  return createHash('sha256').update(identity).update('\u0000').update(token).digest('hex');
}

/** Whose calls a monitor records, for the error that names a clash. */
function describeWatched(watched: WatchedCalls): string {
  const name = watched.clientClass.name || 'an anonymous class';
  return watched.scope === 'class' ? `a monitor of the class ${name} (every client of it)` : `a monitor of one ${name} client`;
}

/**
 * Validates options and the client (or client class), patches the endpoints
 * that `specs` name, and wires them to a (shared) exporter. `requireAll` is
 * true for the single-endpoint entry points, where a missing method means a
 * wrong client.
 *
 * @example
 * monitorEndpoints(openai, options, [chatCompletionsEndpoint], true);
 * monitorEndpoints(OpenAI, options, [chatCompletionsEndpoint], true); // every client of the class
 */
export function monitorEndpoints(client: unknown, options: MonitorOptions, specs: readonly EndpointSpec[], requireAll: boolean): Monitor {
  const { target, available } = resolveMonitorTarget(client, specs, requireAll);
  const resolved = resolveOptions(options);
  const key = monitorKey(resolved);
  const watched = available.map((spec): WatchedCalls => ({ scope: target.kind, clientClass: target.clientClass, source: spec.source, key }));
  for (const wanted of watched) {
    const clash = conflictingMonitor(wanted);
    if (clash === undefined) continue;
    throw new MonitoringError(
      'GOM_CONFLICTING_MONITORS',
      `these ${wanted.source} calls are already recorded by ${describeWatched(clash)} with other options; a call is recorded once, so ` +
        'give both monitors the same options, monitor the class alone, or shut the other monitor down first',
    );
  }
  // Bounds the app left out are no preference: such a monitor joins a destination's exporter whatever its
  // bounds; one it set must match them (shared-exporter-settings.ts). Unset, the exporter's defaults are resolveOptions'.
  const given = (name: keyof MonitorOptions, value: number): number | undefined => (options[name] === undefined ? undefined : value);
  const { exporter, release, instance } = acquireExporter({
    metrics: resolved.metrics,
    logs: resolved.logs,
    flushIntervalMs: given('flush_interval_ms', resolved.flushIntervalMs),
    timeoutMs: given('timeout_ms', resolved.timeoutMs),
    shutdownTimeoutMs: given('shutdown_timeout_ms', resolved.shutdownTimeoutMs),
    maxQueue: given('max_queue', resolved.maxQueue),
    maxBufferedBytes: resolved.maxBufferedBytes,
    handleSignals: resolved.handleSignals,
    onError: resolved.onError,
    userAgent: USER_AGENT,
    selfLabels: { job: 'integrations/openai', environment: resolved.environment, instance: resolved.instance },
  });
  // The scrubber knows the client's own key (issue 22 item 5); a class monitor learns its clients' keys call by call.
  const seen = target.kind === 'class' ? new SeenClientSecrets() : undefined;
  const keys = target.kind === 'instance' ? clientSecrets(target.client) : (seen as SeenClientSecrets).secrets;
  const token = resolved.metrics.password ?? resolved.logs.password;
  // Another exporter (other credentials or headers) may already write as this instance to this URL (instance-claims.ts).
  const recorder = new Recorder(exporter, createPricer(resolved.prices), { ...resolved, instance: instance ?? resolved.instance, secrets: () => [...keys(), token] });
  const sink = (observation: Observation): void => recorder.record(observation);
  const settings = { streamUsage: resolved.streamUsage, onClient: seen === undefined ? undefined : (client: object) => seen.see(client) };
  const unpatches = available.map((spec) =>
    target.kind === 'class' ? patchClassEndpoint(target.clientClass, spec, key, sink, settings) : patchEndpoint(target.client, spec, key, sink, settings),
  );
  unpatches.push(...watched.map(watchCalls));
  let shutdown: Promise<void> | undefined;
  return {
    flush: () => waitAtMost(exporter.flush(), resolved.timeoutMs),
    shutdown: (): Promise<void> => {
      return (shutdown ??= (async () => {
        for (const unpatch of unpatches) unpatch();
        await release();
        recorder.release();
      })());
    },
  };
}
