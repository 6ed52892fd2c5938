/**
 * The one table `npm run bench` prints: per measurement the baseline, ours,
 * their ratio, the target and whether it holds.
 */

export interface ResultRow {
  /** What was measured, e.g. "CPU per chat call, content capture on". */
  readonly measurement: string;
  /** The baseline, formatted with its unit. */
  readonly baseline: string;
  /** Ours (monitored), formatted with its unit. */
  readonly ours: string;
  /** ours / baseline (or baseline / ours for throughput), as the target states it. */
  readonly ratio: number;
  /** The target, e.g. "≤ 1.10×"; "" when the row is informative only. */
  readonly target: string;
  /** Whether the target holds; undefined for informative rows. */
  readonly met: boolean | undefined;
}

/**
 * A number with at most `digits` decimals and thousands separators.
 *
 * @example
 * formatNumber(1234567.891, 1); // '1,234,567.9'
 */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/**
 * Renders rows as a Markdown table (readable in a terminal, pasteable into the README).
 *
 * @example
 * console.log(renderTable([{ measurement: 'CPU per call', baseline: '250 µs', ours: '260 µs', ratio: 1.04, target: '≤ 1.05×', met: true }]));
 */
export function renderTable(rows: readonly ResultRow[]): string {
  const header = ['measurement', 'baseline', 'monitored / ours', 'ratio', 'target', 'met?'];
  const body = rows.map((r) => [
    r.measurement,
    r.baseline,
    r.ours,
    Number.isFinite(r.ratio) ? `${r.ratio.toFixed(r.ratio >= 100 ? 0 : r.ratio >= 10 ? 1 : 3)}×` : '—',
    r.target === '' ? '—' : r.target,
    r.met === undefined ? '—' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
