import type { DecodedSeries } from './decode-write-request.js';
import type { LocalReceivers } from './local-receivers.js';

interface ModelRow {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  durations: number[];
}

function samplesOf(series: readonly DecodedSeries[], name: string): { model: string; value: number }[] {
  return series
    .filter((s) => s.labels.__name__ === name)
    .flatMap((s) => s.samples.map((sample) => ({ model: s.labels.model, value: sample.value })));
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
 * printSummary(receivers);
 */
export function printSummary(receivers: LocalReceivers): void {
  const rows = new Map<string, ModelRow>();
  const row = (model: string): ModelRow => {
    let r = rows.get(model);
    if (r === undefined) rows.set(model, (r = { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, durations: [] }));
    return r;
  };
  for (const s of samplesOf(receivers.series, 'openai_requestDuration')) {
    row(s.model).calls += 1;
    row(s.model).durations.push(s.value);
  }
  for (const s of samplesOf(receivers.series, 'openai_promptTokens')) row(s.model).promptTokens += s.value;
  for (const s of samplesOf(receivers.series, 'openai_completionTokens')) row(s.model).completionTokens += s.value;
  for (const s of samplesOf(receivers.series, 'openai_usageCost')) row(s.model).costUsd += s.value;

  const sampleCount = receivers.series.reduce((n, s) => n + s.samples.length, 0);
  console.log(`Prometheus received ${sampleCount} samples in ${receivers.pushes.metrics} remote-write request(s); Loki received ${receivers.logLines.length} lines in ${receivers.pushes.logs} push(es).\n`);
  const header = `${pad('model (as the response names it)', 34)}${pad('calls', 7, true)}${pad('prompt tok', 12, true)}${pad('compl. tok', 12, true)}${pad('cost USD', 13, true)}${pad('p50 s', 8, true)}${pad('p95 s', 8, true)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const [model, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      `${pad(model, 34)}${pad(String(r.calls), 7, true)}${pad(String(r.promptTokens), 12, true)}${pad(String(r.completionTokens), 12, true)}` +
        `${pad(r.costUsd.toFixed(8), 13, true)}${pad(percentile(r.durations, 50).toFixed(3), 8, true)}${pad(percentile(r.durations, 95).toFixed(3), 8, true)}`,
    );
  }
  const errors = receivers.logLines.filter((l) => l.stream.level === 'error').length;
  console.log(`\nLoki lines with level="error": ${errors}`);
  const example = receivers.logLines.find((l) => l.stream.level === 'info');
  if (example !== undefined) {
    console.log(`\nA Loki line, stream ${JSON.stringify(example.stream)}:`);
    console.log(JSON.stringify(JSON.parse(example.line), null, 2));
  }
}
