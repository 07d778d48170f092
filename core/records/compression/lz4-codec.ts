import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { asBuffer } from './as-buffer.ts';
import type { BlockCodec } from './block-codec.ts';
import { corruptCompressed, errorMessage } from './codec-errors.ts';
import { scanLz4Frames } from './lz4-frame-scan.ts';

export const lz4Codec: BlockCodec = {
  compress(data) {
    // An LZ4 frame with independent blocks and no block checksums, as Kafka's Java client writes:
    // the Java reader rejects linked blocks, and librdkafka, kafka-python and kafkajs-lz4 accept this.
    return compressFrameSync(asBuffer(data), { blockChecksums: false, contentChecksum: false });
  },

  decompress(data, maxBytes) {
    const scan = scanLz4Frames(data, maxBytes);
    if (scan.frames.length === 0) {
      throw corruptCompressed('lz4', 'the payload holds no LZ4 frame');
    }
    const parts: Buffer[] = [];
    for (const frame of scan.frames) {
      let out: Buffer;
      try {
        // Only the scanned frame is handed over: the native decoder ignores anything after it.
        out = decompressFrameSync(asBuffer(data.subarray(frame.start, frame.end)));
      } catch (err: unknown) {
        throw corruptCompressed('lz4', `frame at byte ${frame.start}: ${errorMessage(err)}`, err);
      }
      if (out.length !== frame.decodedBytes) {
        throw corruptCompressed('lz4', `frame at byte ${frame.start} decoded to ${out.length} bytes, not the ${frame.decodedBytes} its blocks describe`);
      }
      parts.push(out);
    }
    const [only] = parts;
    return parts.length === 1 && only !== undefined ? only : Buffer.concat(parts, scan.decodedBytes);
  },
};
