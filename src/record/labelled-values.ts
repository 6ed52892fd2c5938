import { makeSeries, type Series } from '../export/series.js';
import type { CollectedValue } from '../export/telemetry-sink.js';
import { birthMs } from './series-birth.js';

/**
 * One number per label set of a metric: a counter when only `add` is used
 * (cumulative for the life of the process, never going down), a gauge when
 * `set` is. The series of a label set is built the first time it is seen; the
 * number of label sets is capped because model names come from servers. A
 * counter's series is born at zero (series-birth.ts); a gauge's is not.
 *
 * @example
 * const cached = new LabelledValues('gen_ai_usage_cached_input_tokens_total');
 * cached.add({ gen_ai_response_model: 'gpt-4o' }, 'gpt-4o', 1024);
 * const remaining = new LabelledValues('openai_ratelimit_remaining_requests', 'gauge');
 * remaining.set({ server_address: 'api.openai.com' }, 'api.openai.com', 4999);
 */
/**
 * One label set's series and number; callers that see the same label set on every call keep it (native-metrics.ts).
 *
 * @example
 * const cell = cached.cell({ gen_ai_response_model: 'gpt-4o' }, 'gpt-4o');
 * if (cell !== undefined) addTo(cell, 1024);
 */
export interface ValueCell {
  readonly series: Series;
  value: number;
  /** A counter's: when its 0 is stamped, until its first collect (series-birth.ts). */
  bornMs: number | undefined;
}

/** A counter only goes up and is born at zero; a gauge holds the last reading. */
export type ValueKind = 'counter' | 'gauge';

export class LabelledValues {
  private readonly cells = new Map<string, ValueCell>();

  constructor(private readonly name: string, private readonly kind: ValueKind = 'counter', private readonly maxLabelSets = 2000) {}

  /** Adds a non-negative amount (counter). */
  add(labels: Readonly<Record<string, string | undefined>>, key: string, amount: number): void {
    if (!Number.isFinite(amount) || amount < 0) return;
    const cell = this.cell(labels, key);
    if (cell !== undefined) addTo(cell, amount);
  }

  /** Replaces the value (gauge). */
  set(labels: Readonly<Record<string, string | undefined>>, key: string, value: number): void {
    if (!Number.isFinite(value)) return;
    const cell = this.cell(labels, key);
    if (cell !== undefined) cell.value = value;
  }

  /** Current value of every series, each new counter series' 0 (dated at its birth) first. */
  *collect(): Iterable<CollectedValue> {
    for (const cell of this.cells.values()) {
      const bornMs = cell.bornMs;
      if (bornMs !== undefined) {
        cell.bornMs = undefined;
        yield { series: cell.series, value: 0, timestampMs: bornMs };
      }
      yield cell;
    }
  }

  /**
   * The cell of the label set identified by `key`, built the first time (a
   * counter's series then born at zero just before `firstObservationMs`);
   * undefined once the label-set cap is reached.
   *
   * @example
   * const cell = cached.cell({ gen_ai_response_model: 'gpt-4o' }, 'gpt-4o', observation.endMs);
   * if (cell !== undefined) addTo(cell, 1024);
   */
  cell(labels: Readonly<Record<string, string | undefined>>, key: string, firstObservationMs: number = Date.now()): ValueCell | undefined {
    let cell = this.cells.get(key);
    if (cell === undefined) {
      if (this.cells.size >= this.maxLabelSets) return undefined;
      cell = { series: makeSeries(this.name, labels), value: 0, bornMs: this.kind === 'counter' ? birthMs(firstObservationMs) : undefined };
      this.cells.set(key, cell);
    }
    return cell;
  }
}

/**
 * Adds a non-negative finite amount to a counter cell; anything else is ignored.
 *
 * @example
 * addTo(cell, 1024);
 */
export function addTo(cell: ValueCell, amount: number): void {
  if (Number.isFinite(amount) && amount >= 0) cell.value += amount;
}

/**
 * Replaces a gauge cell's value with a finite number; anything else is ignored.
 *
 * @example
 * setIn(cell, 4999);
 */
export function setIn(cell: ValueCell, value: number): void {
  if (Number.isFinite(value)) cell.value = value;
}
