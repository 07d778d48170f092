import { codecFor } from './codec-for.ts';
import type { CompressionCodec } from './compression-codec.ts';

/**
 * Compress a whole records block as Kafka producers do for this codec. For codec none the result
 * shares memory with `data`.
 */
export function compress(codec: CompressionCodec, data: Uint8Array): Buffer {
  return codecFor(codec).compress(data);
}
