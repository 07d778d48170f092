/**
 * The changelog record formats, as Kafka Streams writes them, so a changelog written by one
 * instance restores in another (and reads the same in any Kafka tool): key-value stores log the
 * key as is; window stores log `[key][window start: int64][sequence: int32]` (WindowKeySchema);
 * session stores log `[key][end: int64][start: int64]` (SessionKeySchema). A null value is a
 * tombstone; the record timestamp carries the entry's timestamp.
 */
import { StreamsError, StreamsErrorCode } from '../errors.ts';

/** One changelog record, as the restore path gets it from the consumer (the client's TopicRecord fits). */
export interface ChangelogRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: bigint | number;
  readonly offset: bigint;
}

/** `<applicationId>-<store>-changelog`. */
export function changelogTopicName(applicationId: string, storeName: string): string {
  return `${applicationId}-${storeName}-changelog`;
}

export function windowChangelogKey(key: Buffer, windowStart: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + 12);
  key.copy(out, 0);
  out.writeBigInt64BE(BigInt(windowStart), key.length);
  out.writeInt32BE(0, key.length + 8);
  return out;
}

export function parseWindowChangelogKey(bytes: Buffer): { key: Buffer; windowStart: number } {
  if (bytes.length < 12) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `a window changelog key needs at least 12 bytes, got ${bytes.length}`);
  return { key: bytes.subarray(0, bytes.length - 12), windowStart: Number(bytes.readBigInt64BE(bytes.length - 12)) };
}

export function sessionChangelogKey(key: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + 16);
  key.copy(out, 0);
  out.writeBigInt64BE(BigInt(end), key.length);
  out.writeBigInt64BE(BigInt(start), key.length + 8);
  return out;
}

export function parseSessionChangelogKey(bytes: Buffer): { key: Buffer; start: number; end: number } {
  if (bytes.length < 16) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `a session changelog key needs at least 16 bytes, got ${bytes.length}`);
  return {
    key: bytes.subarray(0, bytes.length - 16),
    end: Number(bytes.readBigInt64BE(bytes.length - 16)),
    start: Number(bytes.readBigInt64BE(bytes.length - 8)),
  };
}
