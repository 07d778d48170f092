import { codecFor } from './codec-for.ts';
import type { CompressionCodec } from './compression-codec.ts';

/**
 * Decompress a records block, refusing to produce more than maxBytes: throws RecordsError
 * DECOMPRESSED_TOO_LARGE before allocating past the cap, and CORRUPT_COMPRESSED for bytes that are
 * not a valid stream of the codec. For codec none the result shares memory with `data`.
 */
export function decompress(codec: CompressionCodec, data: Uint8Array, maxBytes: number): Buffer {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative safe integer, got ${String(maxBytes)}`);
  }
  return codecFor(codec).decompress(data, maxBytes);
}
