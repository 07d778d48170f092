import { constants as bufferConstants } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { BlockCodec } from './block-codec.ts';
import { corruptCompressed, decompressedTooLarge, errorMessage } from './codec-errors.ts';

export const gzipCodec: BlockCodec = {
  compress(data) {
    // zlib's default level (6) is what the Java client and librdkafka use unless configured.
    return gzipSync(data);
  },

  decompress(data, maxBytes) {
    // zlib inflates chunk by chunk and stops once the total passes maxOutputLength, so a bomb
    // costs at most the cap plus one chunk. The option must lie in [1, MAX_LENGTH].
    const limit = Math.min(Math.max(maxBytes, 1), bufferConstants.MAX_LENGTH);
    let out: Buffer;
    try {
      out = gunzipSync(data, { maxOutputLength: limit });
    } catch (err: unknown) {
      if (err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw decompressedTooLarge('gzip', maxBytes, 'inflating stopped at the limit');
      }
      throw corruptCompressed('gzip', errorMessage(err), err);
    }
    if (out.length > maxBytes) {
      throw decompressedTooLarge('gzip', maxBytes, `it inflates to ${out.length} bytes`);
    }
    return out;
  },
};
