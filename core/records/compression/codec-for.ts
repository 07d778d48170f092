import { asBuffer } from './as-buffer.ts';
import type { BlockCodec } from './block-codec.ts';
import { decompressedTooLarge } from './codec-errors.ts';
import { codecName } from './codec-name.ts';
import type { CompressionCodec } from './compression-codec.ts';
import { gzipCodec } from './gzip-codec.ts';
import { lz4Codec } from './lz4-codec.ts';
import { snappyCodec } from './snappy-codec.ts';
import { zstdCodec } from './zstd-codec.ts';

/** Codec none: the records block is stored as is, so only the cap applies. */
const identityCodec: BlockCodec = {
  compress: asBuffer,
  decompress(data, maxBytes) {
    if (data.length > maxBytes) {
      throw decompressedTooLarge('none', maxBytes, `the uncompressed records are ${data.length} bytes`);
    }
    return asBuffer(data);
  },
};

export function codecFor(codec: CompressionCodec): BlockCodec {
  const name = codecName(codec);
  switch (name) {
    case 'none':
      return identityCodec;
    case 'gzip':
      return gzipCodec;
    case 'snappy':
      return snappyCodec;
    case 'lz4':
      return lz4Codec;
    case 'zstd':
      return zstdCodec;
  }
}
