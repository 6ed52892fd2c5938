import type { LokiReceiver } from '../testing/loki-receiver.js';
import type { RemoteWriteReceiver } from '../testing/remote-write-receiver.js';

interface ModelRow {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  durations: number[];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/**
 * Prints what the local receivers got, the way a Grafana dashboard would show
 * it: per model, calls, tokens, cost and latency from the compatible series,
 * then one Loki line.
 *
 * @example
 * printSummary(prometheus, loki);
 */
export function printSummary(prometheus: RemoteWriteReceiver, loki: LokiReceiver): void {
  const rows = new Map<string, ModelRow>();
  const row = (model: string): ModelRow => {
    let r = rows.get(model);
    if (r === undefined) rows.set(model, (r = { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, durations: [] }));
    return r;
  };
  for (const s of prometheus.samples('openai_requestDuration')) {
    row(s.labels.model).calls += 1;
    row(s.labels.model).durations.push(s.value);
  }
  for (const s of prometheus.samples('openai_promptTokens')) row(s.labels.model).promptTokens += s.value;
  for (const s of prometheus.samples('openai_completionTokens')) row(s.labels.model).completionTokens += s.value;
  for (const s of prometheus.samples('openai_usageCost')) row(s.labels.model).costUsd += s.value;

  const sampleCount = prometheus.series().reduce((n, s) => n + s.samples.length, 0);
  const pushes = (requests: readonly { path: string }[], path: string): number => requests.filter((r) => r.path === path).length;
  console.log(
    `Prometheus received ${sampleCount} samples in ${pushes(prometheus.requests, '/api/v1/write')} remote-write request(s); ` +
      `Loki received ${loki.count()} lines in ${pushes(loki.requests, '/loki/api/v1/push')} push(es).`,
  );
  const violations = [...prometheus.violations, ...loki.violations];
  console.log(violations.length === 0 ? 'Every request followed the wire rules.\n' : `Wire-rule violations:\n  ${violations.join('\n  ')}\n`);
  const header = `${pad('model (as the response names it)', 34)}${pad('calls', 7, true)}${pad('prompt tok', 12, true)}${pad('compl. tok', 12, true)}${pad('cost USD', 13, true)}${pad('p50 s', 8, true)}${pad('p95 s', 8, true)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const [model, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      `${pad(model, 34)}${pad(String(r.calls), 7, true)}${pad(String(r.promptTokens), 12, true)}${pad(String(r.completionTokens), 12, true)}` +
        `${pad(r.costUsd.toFixed(8), 13, true)}${pad(percentile(r.durations, 50).toFixed(3), 8, true)}${pad(percentile(r.durations, 95).toFixed(3), 8, true)}`,
    );
  }
  console.log(`\nLoki lines with level="error": ${loki.count({ level: 'error' })}`);
  const [example] = loki.lines({ level: 'info' });
  if (example !== undefined) {
    console.log(`\nA Loki line, stream ${JSON.stringify(example.labels)}:`);
    console.log(JSON.stringify(example.json ?? example.line, null, 2));
  }
}
