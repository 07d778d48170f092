import { corruptCompressed } from './codec-errors.ts';

export interface SnappyRawLength {
  /** Uncompressed length the block declares. */
  readonly length: number;
  /** Bytes the varint preamble takes. */
  readonly preambleBytes: number;
}

/**
 * Longest output any snappy element can yield per input byte: a 3-byte copy-2 tag emits at most
 * 64 bytes; literals and the other copy tags expand less.
 */
const MAX_EXPANSION = 64 / 3;

/**
 * Read the uncompressed-length varint that opens a raw snappy block in data[start, end).
 * Decoders allocate the full declared length up front, so the caller must check it against its
 * cap before decoding. A length no snappy stream of this size could produce is rejected here.
 */
export function readSnappyRawLength(data: Uint8Array, start: number, end: number): SnappyRawLength {
  let length = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    const pos = start + i;
    if (pos >= end) {
      throw corruptCompressed('snappy', 'the block ends inside its length preamble');
    }
    const byte = data[pos] ?? 0;
    // The fifth byte may carry only 4 bits: the length is a uint32.
    if (i === 4 && byte > 0x0f) {
      throw corruptCompressed('snappy', 'the length preamble is longer than 32 bits');
    }
    length += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) {
      const preambleBytes = i + 1;
      const body = end - start - preambleBytes;
      if (length > Math.floor(body * MAX_EXPANSION)) {
        throw corruptCompressed(
          'snappy',
          `a ${body}-byte block cannot expand to the ${length} bytes its preamble declares`,
        );
      }
      return { length, preambleBytes };
    }
  }
  throw corruptCompressed('snappy', 'the length preamble is longer than 32 bits');
}
