import { Attributes, BatchLayout, DEFAULT_MAX_DECOMPRESSED_BYTES, checkBatch, recordsProblem } from '../records/index.ts';
import { LogError, LogErrorCode } from './errors.ts';

/** Where each validated batch sits inside the appended buffer. */
export interface ValidatedBatch {
  position: number;
  size: number;
  recordCount: number;
  lastOffsetDelta: number;
  maxTimestamp: bigint;
}

/**
 * `client` appends follow Kafka's rules for producer data (baseOffset 0, dense offsets,
 * no control batches); `internal` appends (transaction markers, replicated or compacted
 * data) only need to be well-formed.
 */
export type AppendOrigin = 'client' | 'internal';

/**
 * Checks every batch in `bytes` before anything is written, so an append is all or
 * nothing. Throws LogError CORRUPT_BATCH / INVALID_BATCH / BATCH_TOO_LARGE.
 */
export function validateAppend(bytes: Buffer, origin: AppendOrigin, maxMessageBytes: number): ValidatedBatch[] {
  const batches: ValidatedBatch[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const check = checkBatch(bytes, pos, bytes.length);
    if (!check.ok) {
      // As Kafka: bytes that fail their checksum or are garbage are corrupt (a client may
      // retry); a batch cut short or in an old format is an invalid request (it must not).
      const invalid = check.problem === 'torn' || /^(magic [01],|negative )/.test(check.reason);
      const code = invalid ? LogErrorCode.INVALID_BATCH : LogErrorCode.CORRUPT_BATCH;
      throw new LogError(code, `batch ${batches.length} at byte ${pos} is ${invalid ? 'invalid' : 'corrupt'}: ${check.reason}`);
    }
    if (check.size > maxMessageBytes) {
      throw new LogError(
        LogErrorCode.BATCH_TOO_LARGE,
        `batch ${batches.length} is ${check.size} bytes, above max.message.bytes ${maxMessageBytes}; send smaller batches or raise the topic's max.message.bytes`,
      );
    }
    const attributes = bytes.readInt16BE(pos + BatchLayout.ATTRIBUTES);
    const recordCount = bytes.readInt32BE(pos + BatchLayout.RECORDS_COUNT);
    const lastOffsetDelta = bytes.readInt32BE(pos + BatchLayout.LAST_OFFSET_DELTA);
    if (origin === 'client') {
      const rule = clientRuleBroken(bytes, pos, attributes, recordCount, lastOffsetDelta) ?? recordsProblem(bytes, pos, DEFAULT_MAX_DECOMPRESSED_BYTES);
      if (rule !== undefined) throw new LogError(LogErrorCode.INVALID_BATCH, `batch ${batches.length}: ${rule}`);
    }
    batches.push({
      position: pos,
      size: check.size,
      recordCount,
      lastOffsetDelta,
      maxTimestamp: bytes.readBigInt64BE(pos + BatchLayout.MAX_TIMESTAMP),
    });
    pos += check.size;
  }
  if (batches.length === 0) throw new LogError(LogErrorCode.INVALID_BATCH, 'an append must contain at least one batch');
  return batches;
}

function clientRuleBroken(bytes: Buffer, pos: number, attributes: number, recordCount: number, lastOffsetDelta: number): string | undefined {
  const baseOffset = bytes.readBigInt64BE(pos + BatchLayout.BASE_OFFSET);
  if (baseOffset !== 0n) return `baseOffset must be 0 in a produced batch, got ${baseOffset}`;
  if ((attributes & Attributes.CONTROL) !== 0) return 'clients may not write control batches';
  if (recordCount <= 0) return 'a produced batch must hold at least one record';
  if (lastOffsetDelta + 1 !== recordCount) return `lastOffsetDelta ${lastOffsetDelta} does not match ${recordCount} records`;
  const producerId = bytes.readBigInt64BE(pos + BatchLayout.PRODUCER_ID);
  if (producerId >= 0n && bytes.readInt32BE(pos + BatchLayout.BASE_SEQUENCE) < 0) return 'an idempotent batch must carry a base sequence';
  return undefined;
}
