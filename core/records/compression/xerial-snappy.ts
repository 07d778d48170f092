import { uncompressSync } from 'snappy';
import { asBuffer } from './as-buffer.ts';
import { corruptCompressed, decompressedTooLarge, errorMessage } from './codec-errors.ts';
import { readSnappyRawLength } from './snappy-raw-length.ts';

/** snappy-java's stream magic, `\x82SNAPPY\0`; the Java producer writes this framing. */
const MAGIC = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00);
/** Magic, then int32 BE version and int32 BE compatible version (neither is checked, as in librdkafka). */
const HEADER_BYTES = 16;
const CHUNK_LENGTH_BYTES = 4;

interface Chunk {
  readonly start: number;
  readonly end: number;
  readonly length: number;
}

export function isXerialSnappy(data: Uint8Array): boolean {
  if (data.length < HEADER_BYTES) return false;
  for (let i = 0; i < MAGIC.length; i++) {
    if (data[i] !== MAGIC[i]) return false;
  }
  return true;
}

/**
 * Decode snappy-java framing: header, then [int32 BE length, raw snappy block] repeated.
 * The first pass sums the declared lengths so the cap is enforced before anything is allocated.
 */
export function decodeXerialSnappy(data: Uint8Array, maxBytes: number): Buffer {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const chunks: Chunk[] = [];
  let total = 0;
  let pos = HEADER_BYTES;
  while (pos < data.length) {
    if (data.length - pos < CHUNK_LENGTH_BYTES) {
      throw corruptCompressed('snappy', `xerial chunk header at byte ${pos} is truncated`);
    }
    const chunkBytes = view.getUint32(pos);
    const start = pos + CHUNK_LENGTH_BYTES;
    if (chunkBytes > data.length - start) {
      throw corruptCompressed(
        'snappy',
        `xerial chunk at byte ${pos} declares ${chunkBytes} bytes but only ${data.length - start} remain`,
      );
    }
    const end = start + chunkBytes;
    const { length } = readSnappyRawLength(data, start, end);
    total += length;
    if (total > maxBytes) {
      throw decompressedTooLarge('snappy', maxBytes, `xerial chunks declare at least ${total} bytes`);
    }
    chunks.push({ start, end, length });
    pos = end;
  }

  const out = Buffer.allocUnsafe(total);
  let written = 0;
  for (const chunk of chunks) {
    let decoded: string | Buffer;
    try {
      decoded = uncompressSync(asBuffer(data.subarray(chunk.start, chunk.end)), { asBuffer: true });
    } catch (err: unknown) {
      throw corruptCompressed('snappy', `xerial chunk at byte ${chunk.start - CHUNK_LENGTH_BYTES}: ${errorMessage(err)}`, err);
    }
    // The first pass sized `out` from the preambles; a chunk that disagrees would overrun it.
    if (!Buffer.isBuffer(decoded) || decoded.length !== chunk.length) {
      throw corruptCompressed('snappy', `xerial chunk at byte ${chunk.start - CHUNK_LENGTH_BYTES} decoded to an unexpected length`);
    }
    decoded.copy(out, written);
    written += decoded.length;
  }
  return out;
}
