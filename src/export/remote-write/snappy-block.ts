// Typed by src/types/snappyjs.d.ts (snappyjs ships no declarations).
import SnappyJS from 'snappyjs';

/**
 * Snappy **block** compression for remote-write bodies (reference/wire-protocols.md
 * §1.2, §8 item 2): a varint of the uncompressed length followed by literal/copy
 * elements. The framed/stream format (`ff 06 00 00 73 4e 61 50 70 59 …`, what
 * `snappystream` writes) is rejected by Prometheus with `snappy: corrupt input`;
 * snappyjs only ever writes the block format.
 */

/**
 * Compresses one whole message as a single snappy block.
 *
 * The result is an exact-size `Uint8Array` that owns its memory: snappyjs returns
 * a Node `Buffer` input as a slice of a worst-case-sized allocation, which a retry
 * queue holding the body would keep alive, so the input is handed over as a
 * plain `Uint8Array` view, for which snappyjs returns a trimmed copy.
 *
 * @example
 * const body = compressSnappyBlock(encodeWriteRequest(samples));
 * // body[0] is the varint of the uncompressed length, never 0xff (framed format)
 */
export function compressSnappyBlock(bytes: Uint8Array): Uint8Array {
  const plain = Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
  return SnappyJS.compress(plain);
}
