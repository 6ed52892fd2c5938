/**
 * Label values as receivers take them: well-formed UTF-8 and bounded in bytes.
 *
 * Remote-write label values are UTF-8 strings (wire-protocols.md §1.1, §1.3);
 * protobufjs writes a lone UTF-16 surrogate as the 3 bytes of its code point
 * (`ed a0 80`), which is not UTF-8, and Mimir refuses the series. Mimir
 * refuses values over 2,048 bytes by default (`max_label_value_length`,
 * §3), Loki too (§4), and Grafana Cloud truncates and hashes them. A refused
 * value in a cumulative series is re-sent at every flush, so one odd model name
 * from a server would make every later push fail (issue 22 item 4): values are
 * made safe where series and streams are built, whatever their source.
 */

/** Mimir's and Loki's default bound on one label value, in UTF-8 bytes (§3, §4). */
export const MAX_LABEL_VALUE_BYTES = 2048;

/** The replacement character, written for a lone surrogate as UTF-8 decoders do. */
const REPLACEMENT = '\uFFFD';

/**
 * True when `value` has no lone UTF-16 surrogate, i.e. encodes to valid UTF-8
 * (`String.prototype.isWellFormed`, which Node 16 and 18 lack).
 *
 * @example
 * isWellFormed('gpt-4o'); // true
 * isWellFormed('gpt-\uD800'); // false
 */
export function isWellFormed(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = value.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i += 1;
  }
  return true;
}

/**
 * `value` with each lone surrogate replaced by U+FFFD and cut to at most
 * `maxBytes` UTF-8 bytes, never inside a character. Returns `value` itself
 * when it is already safe (the common case costs one scan of a short string).
 *
 * @example
 * safeLabelValue('x'.repeat(5000)).length; // 2048
 * safeLabelValue('gpt-\uD800'); // 'gpt-\uFFFD'
 */
export function safeLabelValue(value: string, maxBytes: number = MAX_LABEL_VALUE_BYTES): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short well-formed values need no byte count.
  const wellFormed = isWellFormed(value);
  if (wellFormed && (value.length * 3 <= maxBytes || Buffer.byteLength(value, 'utf8') <= maxBytes)) return value;
  let out = '';
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let char: string;
    let size: number;
    if (c < 0x80) [char, size] = [value[i], 1];
    else if (c < 0x800) [char, size] = [value[i], 2];
    else if (c < 0xd800 || c > 0xdfff) [char, size] = [value[i], 3];
    else {
      const next = value.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        [char, size] = [value.slice(i, i + 2), 4];
        i += 1;
      } else [char, size] = [REPLACEMENT, 3];
    }
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}
