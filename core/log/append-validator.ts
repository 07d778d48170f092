import { Attributes, BatchLayout, DEFAULT_MAX_DECOMPRESSED_BYTES, checkBatch, decodeRecordBatch, recordsProblem } from '../records/index.ts';
import type { LogConfig } from './log-config.ts';
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

/** The window a CreateTime record's timestamp must fall in: [now - beforeMs, now + afterMs]. */
export interface TimestampWindow {
  readonly earliest: bigint;
  readonly latest: bigint;
}

/** Kafka's RecordBatch.NO_TIMESTAMP: a record without a timestamp is never out of range. */
const NO_TIMESTAMP = -1n;

/** Kafka's Long.MAX_VALUE as a double: the "unset" of the timestamp bounds. */
const LONG_MAX_MS = 2 ** 63;

/**
 * The bounds in force, with Kafka 3.6's precedence: before.max.ms and after.max.ms each apply
 * when not Long.MAX_VALUE; a side left at Long.MAX_VALUE takes difference.max.ms instead.
 */
export function timestampBounds(config: Readonly<LogConfig>): { beforeMs: number; afterMs: number } {
  const difference = config.messageTimestampDifferenceMaxMs;
  return {
    beforeMs: config.messageTimestampBeforeMaxMs < LONG_MAX_MS ? config.messageTimestampBeforeMaxMs : difference,
    afterMs: config.messageTimestampAfterMaxMs < LONG_MAX_MS ? config.messageTimestampAfterMaxMs : difference,
  };
}

/**
 * The timestamp window for appends at `now`, or undefined when nothing is checked:
 * LogAppendTime topics overwrite the timestamps, and Long.MAX_VALUE on both sides bounds
 * nothing (a bound above 2 ** 62 ms, millions of years, bounds nothing either).
 */
export function timestampWindow(config: Readonly<LogConfig>, now: number): TimestampWindow | undefined {
  if (config.messageTimestampType === 'LogAppendTime') return undefined;
  const { beforeMs, afterMs } = timestampBounds(config);
  const unbounded = 2 ** 62;
  if (beforeMs >= unbounded && afterMs >= unbounded) return undefined;
  const at = BigInt(now);
  return { earliest: at - BigInt(beforeMs), latest: at + BigInt(afterMs) };
}

/**
 * Checks every batch in `bytes` before anything is written, so an append is all or
 * nothing. Throws LogError CORRUPT_BATCH / INVALID_BATCH / BATCH_TOO_LARGE.
 */
export function validateAppend(bytes: Buffer, origin: AppendOrigin, maxMessageBytes: number, timestamps?: TimestampWindow): ValidatedBatch[] {
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
      if (timestamps !== undefined) checkTimestamps(bytes, pos, timestamps);
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

/**
 * Kafka's LogValidator check, with its message. Every record is read, since a batch's
 * timestamp deltas may go below its base timestamp; only topics that set a window pay for
 * the decode. The records were checked well-formed just before.
 */
function checkTimestamps(bytes: Buffer, pos: number, window: TimestampWindow): void {
  for (const record of decodeRecordBatch(bytes, pos, { verifyCrc: false }).records) {
    if (record.timestamp === NO_TIMESTAMP) continue;
    if (record.timestamp < window.earliest || record.timestamp > window.latest) {
      throw new LogError(
        LogErrorCode.INVALID_TIMESTAMP,
        `Timestamp ${record.timestamp} of message with offset ${record.offset} is out of range. The timestamp should be within [${window.earliest}, ${window.latest}]`,
      );
    }
  }
}
