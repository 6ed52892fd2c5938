import type { LokiReceiver } from '../testing/loki-receiver.js';
import type { RemoteWriteReceiver } from '../testing/remote-write-receiver.js';

interface ModelRow {
  calls: number;
  /** Loki lines with level="error": failed calls, which have no compatible-series sample. */
  errors: number;
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
 * it: per model, answered calls, tokens, cost and latency from the compatible
 * series, failed calls from the Loki error lines, a total to hold against the
 * calls the app made, then one Loki line.
 *
 * @example
 * printSummary(prometheus, loki, 42);
 */
export function printSummary(prometheus: RemoteWriteReceiver, loki: LokiReceiver, appCalls: number): void {
  const rows = new Map<string, ModelRow>();
  const row = (model: string): ModelRow => {
    let r = rows.get(model);
    if (r === undefined) rows.set(model, (r = { calls: 0, errors: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, durations: [] }));
    return r;
  };
  for (const s of prometheus.samples('openai_requestDuration')) {
    row(s.labels.model).calls += 1;
    row(s.labels.model).durations.push(s.value);
  }
  for (const s of prometheus.samples('openai_promptTokens')) row(s.labels.model).promptTokens += s.value;
  for (const s of prometheus.samples('openai_completionTokens')) row(s.labels.model).completionTokens += s.value;
  for (const s of prometheus.samples('openai_usageCost')) row(s.labels.model).costUsd += s.value;
  // A failed call has no response, so its line's model label is the model it asked for.
  for (const l of loki.lines({ level: 'error' })) row(l.labels.model ?? '(none)').errors += 1;

  const sampleCount = prometheus.series().reduce((n, s) => n + s.samples.length, 0);
  const pushes = (requests: readonly { path: string }[], path: string): number => requests.filter((r) => r.path === path).length;
  console.log(
    `Prometheus received ${sampleCount} samples in ${pushes(prometheus.requests, '/api/v1/write')} remote-write request(s); ` +
      `Loki received ${loki.count()} lines in ${pushes(loki.requests, '/loki/api/v1/push')} push(es).`,
  );
  const violations = [...prometheus.violations, ...loki.violations];
  console.log(violations.length === 0 ? 'Every request followed the wire rules.\n' : `Wire-rule violations:\n  ${violations.join('\n  ')}\n`);
  const header = `${pad('model (as the response names it)', 34)}${pad('ok', 5, true)}${pad('errors', 8, true)}${pad('prompt tok', 12, true)}${pad('compl. tok', 12, true)}${pad('cost USD', 13, true)}${pad('p50 s', 8, true)}${pad('p95 s', 8, true)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  const total = { calls: 0, errors: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  for (const [model, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    const quantile = (p: number) => (r.durations.length === 0 ? '-' : percentile(r.durations, p).toFixed(3));
    console.log(
      `${pad(model, 34)}${pad(String(r.calls), 5, true)}${pad(String(r.errors), 8, true)}${pad(String(r.promptTokens), 12, true)}${pad(String(r.completionTokens), 12, true)}` +
        `${pad(r.costUsd.toFixed(8), 13, true)}${pad(quantile(50), 8, true)}${pad(quantile(95), 8, true)}`,
    );
    total.calls += r.calls;
    total.errors += r.errors;
    total.promptTokens += r.promptTokens;
    total.completionTokens += r.completionTokens;
    total.costUsd += r.costUsd;
  }
  console.log('-'.repeat(header.length));
  console.log(
    `${pad('total', 34)}${pad(String(total.calls), 5, true)}${pad(String(total.errors), 8, true)}${pad(String(total.promptTokens), 12, true)}` +
      `${pad(String(total.completionTokens), 12, true)}${pad(total.costUsd.toFixed(8), 13, true)}`,
  );
  const arrived = total.calls + total.errors;
  console.log(
    arrived === appCalls
      ? `${total.calls} ok + ${total.errors} errors = ${appCalls}: every call the app made arrived.`
      : `${total.calls} ok + ${total.errors} errors = ${arrived}, but the app made ${appCalls} calls: ${appCalls - arrived} did not arrive.`,
  );
  console.log('Failed calls have no response model: they are listed under the model they asked for.');
  const [example] = loki.lines({ level: 'info' });
  if (example !== undefined) {
    console.log(`\nA Loki line, stream ${JSON.stringify(example.labels)}:`);
    console.log(JSON.stringify(example.json ?? example.line, null, 2));
  }
}
