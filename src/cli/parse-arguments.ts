/**
 * The CLI's argument syntax: `<command> [--flag value | --flag=value]…`, plus
 * `--help`/`-h` anywhere. No dependency (the package has two runtime
 * dependencies and a CLI parser would be a third) and no positional arguments
 * beyond the command, so a typo is reported instead of silently ignored.
 */

/**
 * A mistake on the command line; the CLI prints it and exits with 2.
 *
 * @example
 * throw new ArgumentError('--read-wait-ms must be a whole number of milliseconds');
 */
export class ArgumentError extends Error {}

export interface ParsedArguments {
  /** The first non-flag argument, e.g. `check`; undefined when there is none. */
  readonly command: string | undefined;
  /** Flag values by name without the dashes, e.g. `metrics-url`; the last one given wins. */
  readonly flags: ReadonlyMap<string, string>;
  readonly help: boolean;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * The known flag closest to a mistyped one, if any is close.
 *
 * @example
 * closestFlag('metric-url', ['metrics-url', 'logs-url']); // 'metrics-url'
 */
export function closestFlag(given: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const distance = name.includes(given) || given.includes(name) ? 1 : editDistance(given, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return bestDistance <= 3 ? best : undefined;
}

/**
 * Parses argv (without `node` and the script) against the flags a command takes.
 * Every known flag takes a value.
 *
 * @example
 * parseArguments(['check', '--metrics-url', 'http://127.0.0.1:9090', '--timeout-ms=2000'], ['metrics-url', 'timeout-ms']);
 * // { command: 'check', flags: Map { 'metrics-url' => 'http://127.0.0.1:9090', 'timeout-ms' => '2000' }, help: false }
 */
export function parseArguments(argv: readonly string[], knownFlags: readonly string[]): ParsedArguments {
  let command: string | undefined;
  let help = false;
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-')) {
      if (command !== undefined) throw new ArgumentError(`unexpected argument ${JSON.stringify(arg)}: flags take the form --name value`);
      command = arg;
      continue;
    }
    const equals = arg.indexOf('=');
    const name = (equals < 0 ? arg : arg.slice(0, equals)).replace(/^--?/, '');
    if (!knownFlags.includes(name)) {
      const suggestion = closestFlag(name, knownFlags);
      throw new ArgumentError(`unknown option --${name}${suggestion ? `; did you mean --${suggestion}?` : ''}`);
    }
    let value: string | undefined;
    if (equals >= 0) value = arg.slice(equals + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    if (value === undefined) throw new ArgumentError(`--${name} needs a value: --${name} <value> or --${name}=<value>`);
    flags.set(name, value);
  }
  return { command, flags, help };
}
