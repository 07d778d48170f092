import {
  Attributes,
  BatchLayout,
  CompressionCodec,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  checkBatch,
  codecFromAttributes,
  compress,
  computeBatchCrc,
  decompress,
} from '../records/index.ts';
import type { CompressionTypeConfig } from './log-config.ts';

/** Bits 0-2 of a batch's attributes name its codec. */
const CODEC_MASK = 0x07;

function targetCodec(type: CompressionTypeConfig): CompressionCodec | undefined {
  if (type === 'producer') return undefined;
  return type === 'uncompressed' ? CompressionCodec.none : CompressionCodec[type];
}

/**
 * Rewrites produced batches into the topic's compression.type codec, as Kafka's broker does
 * when the topic names a codec other than `producer`. Only the records block and the header
 * fields that describe it (attributes, length, CRC) change: offsets, timestamps, producer
 * identity and sequence stay, so idempotence and the later offset stamping see the same batch.
 *
 * Returns `bytes` itself when nothing needs rewriting, and also when a batch is malformed or
 * will not decompress: the append validation then refuses it with the precise reason.
 */
export function recompress(bytes: Buffer, type: CompressionTypeConfig): Buffer {
  const codec = targetCodec(type);
  if (codec === undefined) return bytes;
  const pieces: Buffer[] = [];
  let changed = false;
  let pos = 0;
  while (pos < bytes.length) {
    const check = checkBatch(bytes, pos, bytes.length);
    if (!check.ok) return bytes;
    const batch = bytes.subarray(pos, pos + check.size);
    pos += check.size;
    const attributes = batch.readInt16BE(BatchLayout.ATTRIBUTES);
    const current = codecFromAttributes(attributes);
    // Control batches (transaction markers) are the broker's own and never recompressed.
    if (current === codec || (attributes & Attributes.CONTROL) !== 0) {
      pieces.push(batch);
      continue;
    }
    let records: Buffer;
    try {
      const body = batch.subarray(BatchLayout.HEADER_SIZE);
      records = current === CompressionCodec.none ? body : decompress(current, body, DEFAULT_MAX_DECOMPRESSED_BYTES);
    } catch {
      return bytes;
    }
    const body = codec === CompressionCodec.none ? records : compress(codec, records);
    const out = Buffer.allocUnsafe(BatchLayout.HEADER_SIZE + body.length);
    batch.copy(out, 0, 0, BatchLayout.HEADER_SIZE);
    body.copy(out, BatchLayout.HEADER_SIZE);
    out.writeInt32BE(out.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
    out.writeInt16BE((attributes & ~CODEC_MASK) | codec, BatchLayout.ATTRIBUTES);
    out.writeUInt32BE(computeBatchCrc(out, 0, out.length), BatchLayout.CRC);
    pieces.push(out);
    changed = true;
  }
  return changed ? Buffer.concat(pieces) : bytes;
}
