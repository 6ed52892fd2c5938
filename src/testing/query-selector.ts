/**
 * The small subset of PromQL and LogQL the testing receivers answer on their
 * query endpoints: enough for `grafana-openai-monitoring check`'s read-back
 * and for a test that wants to query what it pushed the way Grafana would.
 *
 * - PromQL: one vector selector, `name{label="v", other=~"re"}` or `{__name__="name"}`
 *   (Prometheus docs "Querying basics": matchers `=`, `!=`, `=~`, `!~`; regexes
 *   are fully anchored; a missing label counts as the empty string).
 * - LogQL: a stream selector followed by line filters `|= "text"`, `!= "text"`,
 *   `|~ "re"`, `!~ "re"` (Loki docs "Log queries"; line-filter regexes are not anchored).
 * Anything else is refused with a message saying what is supported.
 */

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOperator;
  readonly value: string;
}

export interface LineFilter {
  readonly op: '|=' | '!=' | '|~' | '!~';
  readonly value: string;
}

export interface LogQuery {
  readonly matchers: readonly LabelMatcher[];
  readonly filters: readonly LineFilter[];
}

/**
 * A query the testing receivers cannot answer; they answer it 400.
 *
 * @example
 * try { parsePromSelector('rate(x[5m])'); } catch (e) { e instanceof UnsupportedQueryError; } // true
 */
export class UnsupportedQueryError extends Error {}

const NAME_START = /[a-zA-Z_:]/;
const NAME_PART = /[a-zA-Z0-9_:]/;

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  peek(length = 1): string {
    this.skipSpace();
    return this.text.slice(this.pos, this.pos + length);
  }

  fail(what: string): never {
    throw new UnsupportedQueryError(`${what} at position ${this.pos} of ${JSON.stringify(this.text)}`);
  }

  name(): string {
    this.skipSpace();
    const start = this.pos;
    if (!NAME_START.test(this.text[this.pos] ?? '')) this.fail('expected a name');
    while (this.pos < this.text.length && NAME_PART.test(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A quoted string: "…" with JSON-style escapes, '…', or `…` (raw), as PromQL takes them. */
  string(): string {
    this.skipSpace();
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'" && quote !== '`') this.fail('expected a quoted string');
    let out = '';
    for (let i = this.pos + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === quote) {
        this.pos = i + 1;
        return out;
      }
      if (c === '\\' && quote !== '`') {
        const next = this.text[++i];
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next ?? '';
      } else out += c;
    }
    return this.fail('unterminated string');
  }

  operator<T extends string>(ops: readonly T[]): T | undefined {
    const found = ops.find((op) => this.peek(op.length) === op);
    if (found !== undefined) this.pos += found.length;
    return found;
  }
}

/** Refuses a bad regex at parse time, so the query is answered 400 (bad_data) as Prometheus and Loki do. */
function checkRegExp(cursor: Cursor, source: string): void {
  try {
    new RegExp(source);
  } catch (error) {
    cursor.fail(`invalid regular expression ${JSON.stringify(source)} (${(error as Error).message})`);
  }
}

function matchers(cursor: Cursor): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  if (cursor.peek() !== '{') return out;
  cursor.pos++;
  while (cursor.peek() !== '}') {
    const name = cursor.name();
    const op = cursor.operator(['=~', '!~', '!=', '='] as const) ?? cursor.fail('expected =, !=, =~ or !~');
    const value = cursor.string();
    if (op === '=~' || op === '!~') checkRegExp(cursor, value);
    out.push({ name, op, value });
    if (cursor.peek() === ',') cursor.pos++;
    else if (cursor.peek() !== '}') cursor.fail('expected , or }');
  }
  cursor.pos++;
  return out;
}

/**
 * Parses a PromQL vector selector into matchers (the metric name becomes a
 * `__name__` matcher).
 *
 * @example
 * parsePromSelector('grafana_openai_monitoring_check{check_id="abc"}');
 * // [{ name: '__name__', op: '=', value: 'grafana_openai_monitoring_check' }, { name: 'check_id', op: '=', value: 'abc' }]
 */
export function parsePromSelector(query: string): LabelMatcher[] {
  const cursor = new Cursor(query);
  const out: LabelMatcher[] = [];
  if (cursor.peek() !== '{') out.push({ name: '__name__', op: '=', value: cursor.name() });
  out.push(...matchers(cursor));
  if (out.length === 0) cursor.fail('expected a metric name or {matchers}');
  if (!cursor.atEnd()) cursor.fail('the testing receiver answers only a vector selector such as name{label="value"}; unexpected text');
  return out;
}

/**
 * Parses a LogQL log query made of a stream selector and line filters.
 *
 * @example
 * parseLogQuery('{job="grafana-openai-monitoring"} |= "check-1"');
 * // { matchers: [{ name: 'job', op: '=', value: 'grafana-openai-monitoring' }], filters: [{ op: '|=', value: 'check-1' }] }
 */
export function parseLogQuery(query: string): LogQuery {
  const cursor = new Cursor(query);
  if (cursor.peek() !== '{') cursor.fail('a log query starts with a stream selector {label="value"}');
  const selector = matchers(cursor);
  if (selector.length === 0) cursor.fail('a stream selector needs at least one matcher');
  const filters: LineFilter[] = [];
  while (!cursor.atEnd()) {
    const op =
      cursor.operator(['|=', '!=', '|~', '!~'] as const) ??
      cursor.fail('the testing receiver answers only line filters (|= != |~ !~) after the selector');
    const value = cursor.string();
    if (op === '|~' || op === '!~') checkRegExp(cursor, value);
    filters.push({ op, value });
  }
  return { matchers: selector, filters };
}

/**
 * True when `labels` satisfy every matcher (PromQL semantics: a label that is
 * absent has the value "", `=~`/`!~` are anchored).
 *
 * @example
 * selectorMatches({ __name__: 'up', job: 'x' }, parsePromSelector('up{job=~"x|y"}')); // true
 */
export function selectorMatches(labels: Readonly<Record<string, string>>, selector: readonly LabelMatcher[]): boolean {
  return selector.every((m) => {
    const value = labels[m.name] ?? '';
    if (m.op === '=') return value === m.value;
    if (m.op === '!=') return value !== m.value;
    const matched = new RegExp(`^(?:${m.value})$`).test(value);
    return m.op === '=~' ? matched : !matched;
  });
}

/**
 * True when a log line passes every line filter.
 *
 * @example
 * lineMatches('{"check_id":"abc"}', [{ op: '|=', value: 'abc' }]); // true
 */
export function lineMatches(line: string, filters: readonly LineFilter[]): boolean {
  return filters.every((f) => {
    if (f.op === '|=') return line.includes(f.value);
    if (f.op === '!=') return !line.includes(f.value);
    const matched = new RegExp(f.value).test(line);
    return f.op === '|~' ? matched : !matched;
  });
}
