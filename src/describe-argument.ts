/**
 * Says what kind of value an app passed where a client was expected, for the
 * GOM_INVALID_CLIENT message. Only the kind and a class name, never the value:
 * the value may well be a secret (the API key passed in place of the client).
 *
 * @example
 * describeArgument(undefined);        // 'undefined'
 * describeArgument('sk-…');           // 'a string'
 * describeArgument(new Map());        // 'a Map object'
 * describeArgument(() => undefined);  // 'a function'
 */
export function describeArgument(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const kind = typeof value;
  if (kind === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name} object` : 'a plain object';
  }
  return `a${/^[aeiou]/.test(kind) ? 'n' : ''} ${kind}`;
}
