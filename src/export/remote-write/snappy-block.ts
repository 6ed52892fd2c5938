import { runAtOnce } from '../sliced-work.js';

/**
 * Snappy **block** compression for remote-write bodies (reference/wire-protocols.md
 * §1.2, §8 item 2): a varint of the uncompressed length followed by literal/copy
 * elements. The framed/stream format (`ff 06 00 00 73 4e 61 50 70 59 …`, what
 * `snappystream` writes) is rejected by Prometheus with `snappy: corrupt input`.
 *
 * Our own compressor rather than snappyjs' (which DESIGN §4 names): it is the
 * same algorithm as Snappy's reference (a hash table of 4-byte sequences per
 * 64 KiB fragment, lookups that skip ahead faster the longer nothing matches)
 * and gives the same sizes, but it reads and compares 4 bytes at a time through
 * a DataView, which V8 compiles to single loads: about twice as fast on the
 * 10,000-series batch of bench/encoding.bench.ts, where compression was half of
 * our encode+compress time (issue 6). snappyjs stays the independent decoder
 * of the tests and of `grafana-openai-monitoring/testing`.
 *
 * Element encoding (Snappy's format_description.txt, §2.1-2.2):
 * - literal: tag `(len-1) << 2` for len ≤ 60, else tag 60 or 61 followed by
 *   len-1 in 1 or 2 little-endian bytes; then the bytes themselves;
 * - copy with a 1-byte offset: 4 ≤ len ≤ 11 and offset < 2048, tag
 *   `01 | (len-4) << 2 | (offset >> 8) << 5`, then offset & 0xff;
 * - copy with a 2-byte offset: 1 ≤ len ≤ 64, tag `10 | (len-1) << 2`, then the
 *   offset in 2 little-endian bytes. Fragments of 64 KiB keep offsets below 65,536.
 */

const FRAGMENT_BYTES = 1 << 16;
const MAX_HASH_BITS = 14;
/** The reference stops looking for matches this close to a fragment's end (its reads run ahead). */
const INPUT_MARGIN = 15;
/** Positions of 4-byte sequences within the current fragment; shared, since compression is synchronous. */
const hashTable = new Int32Array(1 << MAX_HASH_BITS);

/**
 * Compresses one whole message as a single snappy block.
 *
 * The result is an exact-size `Uint8Array` that owns its memory (not a view on
 * the worst-case-sized buffer it was written into), so a retry queue holding
 * the body holds only its bytes.
 *
 * @example
 * const body = compressSnappyBlock(encodeWriteRequest(samples));
 * // body[0] is the varint of the uncompressed length, never 0xff (framed format)
 */
export function compressSnappyBlock(input: Uint8Array): Uint8Array {
  return runAtOnce(compressSnappyBlockSteps(input));
}

/**
 * `compressSnappyBlock` as steps: it yields after each 64 KiB fragment, where
 * it may be paused (sliced-work.ts), so a large body does not stall the event
 * loop. Safe to interleave with other compressions: each fragment starts
 * from a cleared hash table.
 *
 * @example
 * const body = await runSliced(compressSnappyBlockSteps(encoded));
 */
export function* compressSnappyBlockSteps(input: Uint8Array): Generator<void, Uint8Array, void> {
  const length = input.length;
  // Snappy's MaxCompressedLength: literals cost at most 1 byte per 6 beyond their own.
  const out = new Uint8Array(32 + length + Math.floor(length / 6));
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let op = 0;
  let rest = length;
  do {
    out[op++] = rest > 0x7f ? (rest & 0x7f) | 0x80 : rest;
    rest >>>= 7;
  } while (rest > 0);
  for (let start = 0; start < length; start += FRAGMENT_BYTES) {
    op = compressFragment(input, view, start, Math.min(length, start + FRAGMENT_BYTES), out, op);
    yield;
  }
  return out.slice(0, op);
}

function hashOf(bytes: number, shift: number): number {
  return Math.imul(bytes, 0x1e35a7bd) >>> shift;
}

/** Writes `input[base, end)` as elements from `op`; returns the new end of the output. */
function compressFragment(input: Uint8Array, view: DataView, base: number, end: number, out: Uint8Array, op: number): number {
  const size = end - base;
  let bits = 8;
  while (bits < MAX_HASH_BITS && 1 << bits < size) bits++;
  const shift = 32 - bits;
  hashTable.fill(0, 0, 1 << bits);
  let nextEmit = base;
  if (size >= INPUT_MARGIN) {
    const limit = end - INPUT_MARGIN;
    let ip = base + 1;
    let nextHash = hashOf(view.getUint32(ip, true), shift);
    search: for (;;) {
      // Look for a 4-byte sequence seen before; after 32 misses, step 2 bytes, after 64, 3…
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      for (;;) {
        ip = nextIp;
        const hash = nextHash;
        nextIp = ip + (skip++ >>> 5);
        if (nextIp > limit) break search;
        nextHash = hashOf(view.getUint32(nextIp, true), shift);
        candidate = base + hashTable[hash];
        hashTable[hash] = ip - base;
        if (view.getUint32(ip, true) === view.getUint32(candidate, true)) break;
      }
      op = emitLiteral(input, nextEmit, ip, out, op);
      // Emit copies while the position right after one starts another match.
      for (;;) {
        let matchEnd = ip + 4;
        let from = candidate + 4;
        while (matchEnd + 4 <= end && view.getUint32(matchEnd, true) === view.getUint32(from, true)) {
          matchEnd += 4;
          from += 4;
        }
        while (matchEnd < end && input[matchEnd] === input[from]) {
          matchEnd++;
          from++;
        }
        op = emitCopy(out, op, ip - candidate, matchEnd - ip);
        ip = matchEnd;
        nextEmit = ip;
        if (ip >= limit) break search;
        hashTable[hashOf(view.getUint32(ip - 1, true), shift)] = ip - 1 - base;
        const hash = hashOf(view.getUint32(ip, true), shift);
        candidate = base + hashTable[hash];
        hashTable[hash] = ip - base;
        if (view.getUint32(ip, true) !== view.getUint32(candidate, true)) break;
      }
      ip += 1;
      nextHash = hashOf(view.getUint32(ip, true), shift);
    }
  }
  if (nextEmit < end) op = emitLiteral(input, nextEmit, end, out, op);
  return op;
}

function emitLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  const n = to - from - 1;
  if (n < 60) out[op++] = n << 2;
  else if (n < 256) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else {
    // A fragment is at most 64 KiB, so two length bytes always suffice.
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  }
  // A subarray costs an object; for a few bytes the loop is cheaper.
  if (n >= 32) {
    out.set(input.subarray(from, to), op);
    return op + n + 1;
  }
  for (let i = from; i < to; i++) out[op++] = input[i];
  return op;
}

function emitCopy(out: Uint8Array, op: number, offset: number, length: number): number {
  // Long matches go out as 64-byte copies; one of 60 first keeps the last one at 4 bytes or more.
  while (length >= 68) {
    op = emitCopy2(out, op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    op = emitCopy2(out, op, offset, 60);
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    out[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
    return op;
  }
  return emitCopy2(out, op, offset, length);
}

function emitCopy2(out: Uint8Array, op: number, offset: number, length: number): number {
  out[op++] = 2 | ((length - 1) << 2);
  out[op++] = offset & 0xff;
  out[op++] = offset >>> 8;
  return op;
}
