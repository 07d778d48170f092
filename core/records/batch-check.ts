import { BatchLayout } from './batch-header.ts';
import { crc32c } from './crc32c.ts';

/** Minimum batchLength: the header after the length field, with no records. */
const MIN_BATCH_LENGTH = BatchLayout.HEADER_SIZE - BatchLayout.LOG_OVERHEAD;

/**
 * `torn`: the bytes simply stop early, the normal sign of a crash mid-write.
 * `corrupt`: the bytes are present but do not form a v2 batch. `crc`: the checksum fails.
 */
export type BatchProblem = 'torn' | 'corrupt' | 'crc';

export type BatchCheck = { ok: true; size: number } | { ok: false; problem: BatchProblem; reason: string };

export interface BatchCheckOptions {
  maxBatchSize?: number;
  verifyCrc?: boolean;
}

/**
 * Checks the structure and CRC of the batch at `pos` against the bytes that are really
 * there (up to `end`). Returns a value rather than throwing: log recovery calls this on
 * every tail batch, and the broker on every produced batch.
 */
export function checkBatch(buf: Buffer, pos: number, end: number = buf.length, options: BatchCheckOptions = {}): BatchCheck {
  const maxBatchSize = options.maxBatchSize ?? 0x7fffffff;
  const available = end - pos;
  if (available < BatchLayout.LOG_OVERHEAD) {
    return { ok: false, problem: 'torn', reason: `only ${available} bytes left, a batch header needs ${BatchLayout.HEADER_SIZE}` };
  }
  const batchLength = buf.readInt32BE(pos + BatchLayout.BATCH_LENGTH);
  if (batchLength < MIN_BATCH_LENGTH) {
    return { ok: false, problem: 'corrupt', reason: `batchLength ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}` };
  }
  const size = batchLength + BatchLayout.LOG_OVERHEAD;
  if (size > maxBatchSize) {
    return { ok: false, problem: 'corrupt', reason: `batch of ${size} bytes exceeds the limit of ${maxBatchSize}` };
  }
  if (size > available) {
    return { ok: false, problem: 'torn', reason: `batch of ${size} bytes but only ${available} present` };
  }
  const magic = buf.readInt8(pos + BatchLayout.MAGIC);
  if (magic !== 2) {
    return { ok: false, problem: 'corrupt', reason: `magic ${magic}, only record batch v2 (magic 2) is supported` };
  }
  const lastOffsetDelta = buf.readInt32BE(pos + BatchLayout.LAST_OFFSET_DELTA);
  const recordsCount = buf.readInt32BE(pos + BatchLayout.RECORDS_COUNT);
  if (lastOffsetDelta < 0 || recordsCount < 0) {
    return { ok: false, problem: 'corrupt', reason: `negative lastOffsetDelta ${lastOffsetDelta} or recordsCount ${recordsCount}` };
  }
  if (options.verifyCrc === false) return { ok: true, size };
  const stored = buf.readUInt32BE(pos + BatchLayout.CRC);
  const actual = crc32c(buf.subarray(pos + BatchLayout.ATTRIBUTES, pos + size));
  if (stored !== actual) {
    return {
      ok: false,
      problem: 'crc',
      reason: `CRC-32C mismatch: stored ${stored.toString(16)}, computed ${actual.toString(16)}`,
    };
  }
  return { ok: true, size };
}
