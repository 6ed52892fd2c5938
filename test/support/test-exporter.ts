import { Exporter, type ExporterOptions } from '../../src/export/exporter.js';
import type { MonitoringError } from '../../src/monitoring-error.js';

/**
 * Exporters for the export tests: flushed by hand (an hour's interval), short
 * timeouts and backoff so fault scenarios take milliseconds, every reported
 * error collected. Each is remembered until `shutDownTestExporters()`, which
 * a test file calls after each test so no timer or exit hook outlives it.
 * Each has its own `instance` on its self-monitoring series, as each process
 * has (wire-protocols.md §8 item 8): exporters sharing a receiver in one test
 * file must not write the same series.
 */

let exportersMade = 0;

/** The User-Agent every test exporter sends. */
export const TEST_USER_AGENT = 'grafana-openai-monitoring/1.0.0';

const made: Exporter[] = [];

/**
 * @example
 * const { exporter, errors } = testExporter(prom.url, loki.url, { maxQueue: 50_000 });
 * await exporter.flush();
 * assert.deepEqual(errors, []);
 */
export function testExporter(metricsUrl: string, logsUrl: string, overrides: Partial<ExporterOptions> = {}): { exporter: Exporter; errors: MonitoringError[] } {
  const errors: MonitoringError[] = [];
  const exporter = new Exporter({
    metrics: { url: metricsUrl },
    logs: { url: logsUrl },
    flushIntervalMs: 3_600_000,
    timeoutMs: 1000,
    shutdownTimeoutMs: 1000,
    userAgent: TEST_USER_AGENT,
    onError: (err) => errors.push(err),
    retry: { initialBackoffMs: 20, maxAttempts: 6 },
    selfLabels: { instance: `test-exporter-${(exportersMade += 1)}` },
    ...overrides,
  });
  made.push(exporter);
  return { exporter, errors };
}

/**
 * Shuts down every exporter made since the last call.
 *
 * @example
 * afterEach(shutDownTestExporters);
 */
export async function shutDownTestExporters(): Promise<void> {
  await Promise.all(made.splice(0).map((e) => e.shutdown()));
}
