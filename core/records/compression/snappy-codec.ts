import { compressSync, uncompressSync } from 'snappy';
import { asBuffer } from './as-buffer.ts';
import type { BlockCodec } from './block-codec.ts';
import { corruptCompressed, decompressedTooLarge, errorMessage } from './codec-errors.ts';
import { readSnappyRawLength } from './snappy-raw-length.ts';
import { decodeXerialSnappy, isXerialSnappy } from './xerial-snappy.ts';

export const snappyCodec: BlockCodec = {
  compress(data) {
    // Raw snappy, as librdkafka writes it; every Kafka client reads it.
    return compressSync(asBuffer(data));
  },

  decompress(data, maxBytes) {
    // Java producers wrap snappy in snappy-java's framing; librdkafka and others write it raw.
    if (isXerialSnappy(data)) {
      return decodeXerialSnappy(data, maxBytes);
    }
    const { length } = readSnappyRawLength(data, 0, data.length);
    if (length > maxBytes) {
      throw decompressedTooLarge('snappy', maxBytes, `its preamble declares ${length} bytes`);
    }
    let out: string | Buffer;
    try {
      out = uncompressSync(asBuffer(data), { asBuffer: true });
    } catch (err: unknown) {
      throw corruptCompressed('snappy', errorMessage(err), err);
    }
    if (!Buffer.isBuffer(out) || out.length !== length) {
      throw corruptCompressed('snappy', `the block decoded to a different length than the ${length} bytes it declares`);
    }
    return out;
  },
};
