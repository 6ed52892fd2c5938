import type { Series } from './series.js';

/**
 * Series a remote-write receiver refused by name, kept out of later pushes
 * (issue 22 item 4).
 *
 * Cumulative series (histograms, counters) are re-sent at every flush, so a
 * series a receiver will never take (a label value over a tenant's
 * `max_label_value_length`, a label it finds invalid, too many labels) would
 * make every later push fail, good series with it: Prometheus stores nothing of
 * a refused request, and Mimir answers 400 for the whole request (§1.4, §9).
 * Mimir's answer names the series: `… label: 'gen_ai_request_model', value:
 * '…' (truncated) series: 'gen_ai_client_token_usage_bucket{…' (truncated to
 * 200 characters, grafana/mimir pkg/distributor/validate.go). When it names a
 * label value, every series with that value is refused from then on; else the
 * series it names: its samples are dropped, counted as
 * `rejected`, and the push goes out without it. The refusal itself was
 * reported once with the push that met it.
 */

/** What one refusal named: a series' text (a prefix of it) and/or a label with a value prefix. */
interface RefusalRule {
  readonly seriesPrefix?: string;
  readonly label?: string;
  readonly valuePrefix?: string;
}

const SERIES_TEXT = /series: '([^']+)'/;
const LABEL_VALUE = /label: '([^']+)', value: '([^']*)'/;
const INVALID_VALUE = /invalid value in label '([^']+)': '([^']*)'/;
/** Past this many refusals a receiver refusing series by name is refusing everything; stop learning. */
const MAX_RULES = 100;

/**
 * @example
 * const refused = new RefusedSeries();
 * refused.learn("… label: 'model', value: 'xxxx' (truncated) series: 'openai_totalTokens{…' (err-mimir-label-value-too-long)");
 * refused.refuses(series); // true for the series the answer named
 */
export class RefusedSeries {
  private readonly rules: RefusalRule[] = [];
  /** Verdicts by series key, so each series is matched once. */
  private readonly verdicts = new Map<string, boolean>();

  /**
   * True once any series was refused: until then nothing is checked.
   *
   * @example
   * if (refused.active) part = part.filter((s) => !refused.refuses(s.series));
   */
  get active(): boolean {
    return this.rules.length > 0;
  }

  /**
   * Reads a receiver's answer to a refused push; true when it named a series.
   *
   * @example
   * refused.learn(result.message);
   */
  learn(answer: string): boolean {
    if (this.rules.length >= MAX_RULES) return false;
    const series = SERIES_TEXT.exec(answer)?.[1];
    const labelValue = LABEL_VALUE.exec(answer) ?? INVALID_VALUE.exec(answer);
    if (series === undefined && labelValue === null) return false;
    // A refused label value is refused in every series that has it (Mimir names only the first such series
    // of a request: the buckets, _sum, _count and token series of the same call would each cost a push).
    this.rules.push(labelValue === null ? { seriesPrefix: series } : { label: labelValue[1], valuePrefix: labelValue[2] });
    this.verdicts.clear();
    return true;
  }

  /**
   * True when a refusal named this series.
   *
   * @example
   * refused.refuses(sample.series);
   */
  refuses(series: Series): boolean {
    let verdict = this.verdicts.get(series.key);
    if (verdict === undefined) {
      verdict = this.rules.some((rule) => matches(rule, series));
      if (this.verdicts.size < 100_000) this.verdicts.set(series.key, verdict);
    }
    return verdict;
  }
}

function matches(rule: RefusalRule, series: Series): boolean {
  if (rule.seriesPrefix !== undefined && !seriesText(series).startsWith(rule.seriesPrefix)) return false;
  if (rule.label !== undefined) {
    const value = series.labels.find((l) => l.name === rule.label)?.value;
    if (value === undefined || !value.startsWith(rule.valuePrefix ?? '')) return false;
  }
  return true;
}

/** `name{a="b", c="d"}`, as Prometheus' `model.Metric.String()` prints a series and Mimir quotes it. */
function seriesText(series: Series): string {
  const name = series.labels.find((l) => l.name === '__name__')?.value ?? '';
  const rest = series.labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}=${JSON.stringify(l.value)}`);
  return `${name}{${rest.join(', ')}}`;
}
