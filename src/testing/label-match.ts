/**
 * How the testing receivers' query helpers pick series and streams: every
 * label named in the match must be present and equal (a string) or match (a
 * RegExp); labels not named are ignored.
 *
 * @example
 * const match: LabelMatch = { model: /^gpt-4o/, environment: 'test' };
 */
export type LabelMatch = Readonly<Record<string, string | RegExp>>;

/**
 * True when `labels` satisfy `match` (an empty or missing match takes everything).
 *
 * @example
 * matchesLabels({ model: 'gpt-4o-2024-08-06', job: 'integrations/openai' }, { model: /^gpt-4o/ }); // true
 * matchesLabels({ model: 'gpt-4o' }, { level: 'error' }); // false: no level label
 */
export function matchesLabels(labels: Readonly<Record<string, string>>, match: LabelMatch | undefined): boolean {
  if (match === undefined) return true;
  for (const name of Object.keys(match)) {
    const wanted = match[name];
    const value = labels[name];
    if (value === undefined) return false;
    if (typeof wanted === 'string' ? value !== wanted : !regExpTest(wanted, value)) return false;
  }
  return true;
}

/** `test()` without the `lastIndex` trap of a /g or /y RegExp reused across calls. */
function regExpTest(pattern: RegExp, value: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(value);
}
