import { median } from '../cpu-rounds.js';
import { formatNumber } from '../result-table.js';
import type { Mode, Variant } from './peer-variants.js';

/**
 * The peers benchmark's table: per variant and workload, the CPU it adds per
 * call over the unpatched baseline measured in the same rounds, and that
 * figure against the cheapest peer's; then the target rows of bench/README.md.
 */

/** What one variant did in one workload: CPU per round (µs) and, when it could not run it, why. */
export interface ModeResult {
  readonly cpu: number[];
  readonly flushCpu: number[];
  readonly throws?: string;
}

/** Results by variant name, per workload. */
export type PeerResults = Record<Mode, Map<string, ModeResult>>;

/** The target: ours (content on) adds at most this fraction of the cheapest peer's added CPU. */
export const PEER_TARGET = 0.25;

/**
 * Median over rounds of (variant − baseline) CPU in the same round, per call.
 *
 * @example
 * addedPerCall({ cpu: [300, 320], flushCpu: [0, 0] }, { cpu: [250, 260], flushCpu: [0, 0] }, 1); // 55
 */
export function addedPerCall(result: ModeResult, baseline: ModeResult, callsPerRound: number): number {
  return median(result.cpu.map((cpu, i) => cpu - baseline.cpu[i])) / callsPerRound;
}

function cheapestPeer(variants: readonly Variant[], results: Map<string, ModeResult>, callsPerRound: number): number {
  const baseline = results.get('unpatched');
  if (baseline === undefined) return NaN;
  const peers = variants.filter((v) => v.role === 'peer').map((v) => results.get(v.name)).filter((r): r is ModeResult => r !== undefined && r.throws === undefined);
  return Math.min(...peers.map((r) => addedPerCall(r, baseline, callsPerRound)));
}

function cells(variant: Variant, results: Map<string, ModeResult>, callsPerRound: number, cheapest: number): [string, string, string] {
  const result = results.get(variant.name);
  const baseline = results.get('unpatched');
  if (result === undefined || baseline === undefined) return ['—', '—', '—'];
  if (result.throws !== undefined) return ['throws', '—', '—'];
  if (variant.role === 'baseline') return [`${formatNumber(median(baseline.cpu) / callsPerRound)} µs per call`, '—', '—'];
  const added = addedPerCall(result, baseline, callsPerRound);
  // The library's flush, awaited at the round's end (its export, its HTTP): the rest of `added` is on the calls' side.
  const flush = median(result.flushCpu) / callsPerRound;
  return [
    `${added >= 0 ? '+' : '−'}${formatNumber(Math.abs(added))} µs`,
    variant.role === 'noise' ? '—' : `${formatNumber(flush)} µs`,
    Number.isFinite(cheapest) && variant.role !== 'noise' ? `${(added / cheapest).toFixed(2)}×` : '—',
  ];
}

/** One target row's verdict. */
export interface TargetVerdict {
  readonly text: string;
  readonly met: boolean;
  /** A figure printed beside the targets, not judged. */
  readonly info?: boolean;
}

/**
 * The table (Markdown) and the verdicts of the peer targets.
 *
 * @example
 * const { table, verdicts } = renderPeerTable(VARIANTS, results, 500);
 * console.log(table);
 */
export function renderPeerTable(variants: readonly Variant[], results: PeerResults, callsPerRound: number): { table: string; verdicts: TargetVerdict[] } {
  const cheapest = { chat: cheapestPeer(variants, results.chat, callsPerRound), stream: cheapestPeer(variants, results.stream, callsPerRound) };
  const rows = variants.map((v) => [v.label, ...cells(v, results.chat, callsPerRound, cheapest.chat), ...cells(v, results.stream, callsPerRound, cheapest.stream)]);
  const header = ['variant', 'chat: CPU added per call', 'of it, the flush', '÷ cheapest peer', 'stream: CPU added per call', 'of it, the flush', '÷ cheapest peer'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const verdicts: TargetVerdict[] = [];
  for (const mode of ['chat', 'stream'] as const) {
    const ours = results[mode].get('ours-on');
    const baseline = results[mode].get('unpatched');
    if (ours === undefined || baseline === undefined || !Number.isFinite(cheapest[mode])) continue;
    const oursAdded = addedPerCall(ours, baseline, callsPerRound);
    const ratio = oursAdded / cheapest[mode];
    verdicts.push({ text: `${mode}, content on: ours ÷ cheapest peer = ${ratio.toFixed(2)}× (target ≤ ${PEER_TARGET.toFixed(2)}×)`, met: ratio <= PEER_TARGET });
    // Where the contract itself sits: a target below the floor's ratio no implementation can meet.
    const floor = results[mode].get('floor-on');
    if (floor === undefined || floor.throws !== undefined) continue;
    const floorAdded = addedPerCall(floor, baseline, callsPerRound);
    verdicts.push({
      text: `${mode}, content on: the contract's floor ÷ cheapest peer = ${(floorAdded / cheapest[mode]).toFixed(2)}×; ours ÷ the floor = ${(oursAdded / floorAdded).toFixed(2)}×`,
      met: true,
      info: true,
    });
  }
  return { table: [line(header), rule, ...rows.map(line)].join('\n'), verdicts };
}
