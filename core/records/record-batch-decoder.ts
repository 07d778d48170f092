import { Attributes, BatchLayout, readBatchHeader } from './batch-header.ts';
import type { BatchHeader } from './batch-header.ts';
import { checkBatch } from './batch-check.ts';
import { codecFromAttributes, CompressionCodec, decompress } from './compression/index.ts';
import { RecordsError, RecordsErrorCode } from './errors.ts';
import type { Record, RecordHeader } from './record.ts';
import { ByteCursor } from './varint.ts';

export interface DecodedBatch {
  header: BatchHeader;
  records: Record[];
}

export interface DecodeOptions {
  /** Cap on the decompressed records block; default 100 MiB. */
  maxDecompressedBytes?: number;
  /** Check the CRC before decoding; default true. */
  verifyCrc?: boolean;
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 100 * 1024 * 1024;

/** The smallest encoded record: length, attributes, three 1-byte varints, null key/value, no headers. */
const MIN_RECORD_SIZE = 7;
/** The smallest encoded header: empty key, null value. */
const MIN_HEADER_SIZE = 2;

/**
 * Decodes one batch at `pos`. Every count and length is checked against the bytes that
 * are present before anything is allocated for it.
 */
export function decodeRecordBatch(buf: Buffer, pos = 0, options: DecodeOptions = {}): DecodedBatch {
  const check = checkBatch(buf, pos, buf.length, { verifyCrc: options.verifyCrc ?? true });
  if (!check.ok) {
    const code = check.problem === 'crc' ? RecordsErrorCode.CRC_MISMATCH : RecordsErrorCode.CORRUPT_BATCH;
    throw new RecordsError(code, `record batch at byte ${pos}: ${check.reason}`);
  }
  const header = readBatchHeader(buf, pos);
  const end = pos + header.batchLength + BatchLayout.LOG_OVERHEAD;
  const codec = codecFromAttributes(header.attributes);
  let body = buf.subarray(pos + BatchLayout.HEADER_SIZE, end);
  if (codec !== CompressionCodec.none) {
    body = decompress(codec, body, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  }
  if (header.recordsCount > body.length / MIN_RECORD_SIZE) {
    throw new RecordsError(
      RecordsErrorCode.CORRUPT_BATCH,
      `record batch at byte ${pos} claims ${header.recordsCount} records in ${body.length} bytes`,
    );
  }
  const cursor = new ByteCursor(body);
  const inner = new ByteCursor(body);
  const timestamps = { delta: -1n, value: header.baseTimestamp - 1n };
  const headerKeys = new HeaderKeys();
  const records = new Array<Record>(header.recordsCount);
  for (let i = 0; i < header.recordsCount; i++) {
    records[i] = readRecord(cursor, inner, header, timestamps, headerKeys);
  }
  if (cursor.remaining() !== 0) cursor.fail(`${cursor.remaining()} bytes left after the last record`);
  return { header, records };
}

/** Shared by every record without headers, most of them: one array fewer for the GC per record. */
const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/**
 * The last timestamp delta read in a batch and its timestamp. Records of one batch mostly
 * share their millisecond, so consecutive equal deltas share one bigint instead of each
 * allocating its own: fewer objects for the GC to move while a fetch is being consumed.
 */
interface TimestampMemo {
  delta: bigint;
  value: bigint;
}

/**
 * The header keys of the batch's previous record, by position, and where their bytes lie in the
 * batch. Records of a batch mostly carry the same keys in the same order: a key whose bytes
 * repeat is the same string, so comparing a few bytes spares decoding it and a string per
 * header of every record.
 */
class HeaderKeys {
  private readonly keys: string[] = [];
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];

  /** Reads the key of the record's `index`th header at the cursor. */
  read(cursor: ByteCursor, index: number): string {
    const length = cursor.varint();
    if (length === -1) cursor.fail('null header key');
    if (length < -1) cursor.fail(`negative length ${length}`);
    if (length > cursor.end - cursor.pos) cursor.fail(`length ${length} exceeds the ${cursor.end - cursor.pos} bytes left`);
    const buf = cursor.buf;
    const start = cursor.pos;
    cursor.pos = start + length;
    if (index < this.keys.length && this.lengths[index] === length) {
      const before = this.starts[index]!;
      let i = 0;
      while (i < length && buf[before + i] === buf[start + i]) i++;
      if (i === length) return this.keys[index]!;
    }
    const key = buf.toString('utf8', start, start + length);
    this.keys[index] = key;
    this.starts[index] = start;
    this.lengths[index] = length;
    return key;
  }
}

function readRecord(cursor: ByteCursor, inner: ByteCursor, header: BatchHeader, timestamps: TimestampMemo, headerKeys: HeaderKeys): Record {
  const length = cursor.varint();
  if (length < MIN_RECORD_SIZE - 1 || length > cursor.remaining()) cursor.fail(`record length ${length}`);
  const recordEnd = cursor.pos + length;
  inner.pos = cursor.pos;
  inner.end = recordEnd;
  inner.int8(); // record attributes: unused in v2
  const timestampDelta = inner.varlong();
  const offsetDelta = inner.varint();
  const key = inner.bytes(inner.varint());
  const value = inner.bytes(inner.varint());
  const headerCount = inner.varint();
  if (headerCount < 0 || headerCount > inner.remaining() / MIN_HEADER_SIZE) inner.fail(`header count ${headerCount}`);
  let headers = NO_HEADERS;
  if (headerCount > 0) {
    const list = new Array<RecordHeader>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const key = headerKeys.read(inner, h);
      list[h] = { key, value: inner.bytes(inner.varint()) };
    }
    headers = list;
  }
  if (inner.pos !== recordEnd) inner.fail(`record has ${recordEnd - inner.pos} trailing bytes`);
  cursor.pos = recordEnd;
  if (timestampDelta !== timestamps.delta) {
    timestamps.delta = timestampDelta;
    timestamps.value = header.baseTimestamp + timestampDelta;
  }
  return {
    offset: header.baseOffset + BigInt(offsetDelta),
    // LogAppendTime batches carry the broker's time in maxTimestamp for every record.
    timestamp: (header.attributes & Attributes.LOG_APPEND_TIME) !== 0 ? header.maxTimestamp : timestamps.value,
    key,
    value,
    headers,
  };
}

/** Splits a buffer of concatenated batches (as a fetch returns them), ignoring a trailing partial batch. */
export function* iterateBatches(buf: Buffer): Generator<{ pos: number; size: number }> {
  let pos = 0;
  while (buf.length - pos >= BatchLayout.HEADER_SIZE) {
    const size = buf.readInt32BE(pos + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
    if (size < BatchLayout.HEADER_SIZE || size > buf.length - pos) return;
    yield { pos, size };
    pos += size;
  }
}
