import { createHash } from 'node:crypto';
import { acquireExporter } from './export/exporter-registry.js';
import { headerIdentity } from './export/user-headers.js';
import type { EndpointSpec } from './instrument/endpoint-spec.js';
import { hasEndpoint, patchEndpoint } from './instrument/patch-endpoint.js';
import { resolveOptions, type MonitorOptions, type ResolvedOptions } from './monitor-options.js';
import { MonitoringError } from './monitoring-error.js';
import { createPricer } from './pricing/price-call.js';
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
  /** Pushes what is buffered now. Never rejects: delivery problems go to `on_error`. */
  flush(): Promise<void>;
  /** Flushes (bounded by `shutdown_timeout_ms`), stops timers and restores the client's original methods. */
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

function describeMissing(specs: readonly EndpointSpec[]): string {
  return specs.map((s) => `client.${s.path.join('.')}.create`).join(', ');
}

/**
 * Validates options, patches the client's endpoints that `specs` name, and
 * wires them to a (shared) exporter. `requireAll` is true for the
 * single-endpoint entry points, where a missing method means a wrong client.
 *
 * @example
 * monitorEndpoints(openai, options, [chatCompletionsEndpoint], true);
 */
export function monitorEndpoints(client: unknown, options: MonitorOptions, specs: readonly EndpointSpec[], requireAll: boolean): Monitor {
  if (typeof client !== 'object' || client === null) {
    throw new MonitoringError('GOM_INVALID_CLIENT', 'client is required: pass your OpenAI client, e.g. chat_v2.monitor(new OpenAI(), options)');
  }
  const resolved = resolveOptions(options);
  const available = specs.filter((spec) => hasEndpoint(client, spec));
  const missing = specs.filter((spec) => !available.includes(spec));
  if (available.length === 0 || (requireAll && missing.length > 0)) {
    throw new MonitoringError(
      'GOM_INVALID_CLIENT',
      `client has no ${describeMissing(missing)}: pass an OpenAI or AzureOpenAI client from the openai package (4.x to 7.x)`,
    );
  }
  const { exporter, release } = acquireExporter({
    metrics: resolved.metrics,
    logs: resolved.logs,
    flushIntervalMs: resolved.flushIntervalMs,
    timeoutMs: resolved.timeoutMs,
    shutdownTimeoutMs: resolved.shutdownTimeoutMs,
    maxQueue: resolved.maxQueue,
    maxBufferedBytes: resolved.maxBufferedBytes,
    handleSignals: resolved.handleSignals,
    onError: resolved.onError,
    userAgent: USER_AGENT,
    selfLabels: { job: 'integrations/openai', environment: resolved.environment, instance: resolved.instance },
  });
  const recorder = new Recorder(exporter, createPricer(resolved.prices), resolved);
  const key = monitorKey(resolved);
  const unpatches = available.map((spec) => patchEndpoint(client, spec, key, (observation) => recorder.record(observation), { streamUsage: resolved.streamUsage }));
  let shutdown: Promise<void> | undefined;
  return {
    flush: () => exporter.flush(),
    shutdown: (): Promise<void> => {
      return (shutdown ??= (async () => {
        for (const unpatch of unpatches) unpatch();
        await release();
        recorder.release();
      })());
    },
  };
}
