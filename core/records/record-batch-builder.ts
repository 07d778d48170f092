import { Attributes, BatchLayout, NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from './batch-header.ts';
import { CompressionCodec, compress } from './compression/index.ts';
import { crc32c } from './crc32c.ts';
import type { TimestampType } from './record.ts';
import { SAFE_VARLONG_LIMIT, varintSize, varlongNumberSize, varlongSize, writeVarint, writeVarlong, writeVarlongNumber } from './varint.ts';

/** Header fields of a finished batch; everything else comes from the records appended. */
export interface BatchHeaderOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  compression?: CompressionCodec;
  timestampType?: TimestampType;
  transactional?: boolean;
  control?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Defaults to the largest record timestamp (LogAppendTime batches pass the append time). */
  maxTimestamp?: bigint;
  /** Defaults to the last record's offsetDelta; compaction keeps the original value. */
  lastOffsetDelta?: number;
}

export interface RecordBatchBuilderOptions {
  /**
   * Where the batch is written (records from byte 61 on, the header in front at finish).
   * Replaced by a larger one when records outgrow it; `detachBuffer` hands back the current one.
   */
  buffer?: Buffer;
  /** Capacity of the buffer allocated when none is given; default 1 KiB. */
  initialCapacity?: number;
  /** Defaults to the first record's timestamp, as Kafka producers set it. */
  baseTimestamp?: bigint | number;
}

export interface RecordHeaderInput {
  readonly key: string;
  readonly value: Uint8Array | null;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const EMPTY = Buffer.alloc(0);

function bytesSize(bytes: Uint8Array | null | undefined): number {
  return bytes == null ? 1 : varintSize(bytes.length) + bytes.length;
}

/** Strings up to this length are measured and written in JS when they are ASCII: a native call costs more. */
const SHORT_STRING = 32;

/**
 * The UTF-8 length of a string. It equals the string's length exactly when every character is
 * ASCII (any other UTF-16 unit takes two bytes or more), which a short header key checks here.
 */
export function utf8Length(text: string): number {
  const length = text.length;
  if (length > SHORT_STRING) return Buffer.byteLength(text, 'utf8');
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, 'utf8');
  return length;
}

/** Writes a header key of `byteLength` UTF-8 bytes (utf8Length's) at `pos`. */
function writeKey(buf: Buffer, pos: number, key: string, byteLength: number): number {
  if (byteLength !== key.length || byteLength > SHORT_STRING) return pos + buf.write(key, pos, byteLength, 'utf8');
  for (let i = 0; i < byteLength; i++) buf[pos + i] = key.charCodeAt(i);
  return pos + byteLength;
}

/**
 * Header sections (count, then each header) of header lists that are frozen, entries included,
 * and so cannot change: a source that puts the same headers on every record (a CDC connector's
 * context headers) has them encoded once instead of once per record.
 */
const encodedHeaderSections = new WeakMap<readonly RecordHeaderInput[], Buffer>();

function sharedHeaderSection(headers: readonly RecordHeaderInput[]): Buffer | undefined {
  const known = encodedHeaderSections.get(headers);
  if (known !== undefined) return known;
  if (!Object.isFrozen(headers) || !headers.every((h) => Object.isFrozen(h))) return undefined;
  const keyLengths = headers.map((h) => utf8Length(h.key));
  const size = varintSize(headers.length) + headers.reduce((sum, h, i) => sum + varintSize(keyLengths[i]!) + keyLengths[i]! + bytesSize(h.value), 0);
  const section = Buffer.allocUnsafe(size);
  let pos = writeVarint(section, 0, headers.length);
  headers.forEach((h, i) => {
    pos = writeVarint(section, pos, keyLengths[i]!);
    pos = writeKey(section, pos, h.key, keyLengths[i]!);
    pos = writeBytes(section, pos, h.value);
  });
  encodedHeaderSections.set(headers, section);
  return section;
}

function writeBytes(buf: Buffer, pos: number, bytes: Uint8Array | null | undefined): number {
  if (bytes == null) {
    buf[pos] = 1; // zigzag(-1): null
    return pos + 1;
  }
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/**
 * Builds one record batch v2 a record at a time, as Kafka's MemoryRecordsBuilder does: each
 * record is encoded into a growing buffer as it is appended, so nothing of it needs to be kept,
 * and `finish` writes the 61-byte header in front (compressing the records first if asked) and
 * stamps the CRC-32C. Timestamps and deltas are plain numbers while they are exact and BigInt
 * only when they are not, so the common case does no BigInt arithmetic per record.
 *
 * `finish` may be called again with other header fields (a retry with a new sequence): the
 * records are compressed only once. The bytes it returns belong to the builder, so a later
 * `finish` rewrites their header. No record can be appended after `finish`.
 */
export class RecordBatchBuilder {
  private buffer: Buffer;
  /** End of the encoded records in `buffer`. */
  private end: number = BatchLayout.HEADER_SIZE;
  private records = 0;
  private lastDelta = 0;
  private baseSet = false;
  /** Timestamps as numbers until one is not a safe integer; BigInt from then on. */
  private big = false;
  private baseNum = 0;
  private maxNum = 0;
  private baseBig = 0n;
  private maxBig = 0n;
  /** Header key lengths of the record being appended, reused across appends. */
  private readonly keyLengths: number[] = [];
  private finished = false;
  private compressed: Buffer | undefined;
  private compressedCodec: CompressionCodec = CompressionCodec.none;

  constructor(options: RecordBatchBuilderOptions = {}) {
    const given = options.buffer;
    this.buffer = given !== undefined && given.length >= BatchLayout.HEADER_SIZE ? given : Buffer.allocUnsafe(Math.max(BatchLayout.HEADER_SIZE, options.initialCapacity ?? 1024));
    if (options.baseTimestamp !== undefined) {
      this.baseSet = true;
      const base = options.baseTimestamp;
      if (typeof base === 'number') this.baseNum = checkedTimestamp(base);
      else if (base >= MIN_SAFE && base <= MAX_SAFE) this.baseNum = Number(base);
      else {
        this.big = true;
        this.baseBig = base;
      }
    }
  }

  /** Records appended so far. */
  get count(): number {
    return this.records;
  }

  /** Bytes of the batch so far, header included, before compression. */
  get sizeInBytes(): number {
    return this.end;
  }

  /**
   * Encodes a record at the end of the batch and returns the bytes it took. `offsetDelta`
   * defaults to the record's index; a compacted batch passes the original one.
   */
  append(timestamp: number | bigint, key: Uint8Array | null | undefined, value: Uint8Array | null, headers?: readonly RecordHeaderInput[], offsetDelta?: number): number {
    // A producer's record, written here in one piece (a call more costs measurably per record):
    // ms as a number within an int32 of the batch's first (the varint is then the varlong's
    // bytes), default offsetDelta, no headers.
    if (typeof timestamp === 'number' && offsetDelta === undefined && (headers === undefined || headers.length === 0) && this.baseSet && !this.big && !this.finished) {
      const delta = timestamp - this.baseNum;
      if ((delta | 0) === delta && Number.isSafeInteger(timestamp)) {
        const index = this.records;
        const bodySize = 1 + varintSize(delta) + varintSize(index) + bytesSize(key) + bytesSize(value) + 1;
        const size = varintSize(bodySize) + bodySize;
        if (this.end + size > this.buffer.length) this.grow(size);
        const buf = this.buffer;
        let pos = writeVarint(buf, this.end, bodySize);
        buf[pos++] = 0; // record attributes: unused in v2
        pos = writeVarint(buf, pos, delta);
        pos = writeVarint(buf, pos, index);
        pos = writeBytes(buf, pos, key);
        pos = writeBytes(buf, pos, value);
        buf[pos++] = 0; // no headers
        this.end = pos;
        if (index === 0 || timestamp > this.maxNum) this.maxNum = timestamp;
        this.records = index + 1;
        this.lastDelta = index;
        return size;
      }
    }
    return this.appendAny(timestamp, key, value, headers, offsetDelta ?? this.records);
  }

  private appendAny(timestamp: number | bigint, key: Uint8Array | null | undefined, value: Uint8Array | null, headers: readonly RecordHeaderInput[] | undefined, offsetDelta: number): number {
    if (this.finished) throw new Error('RecordBatchBuilder: append after finish');
    if (offsetDelta !== this.records && ((offsetDelta | 0) !== offsetDelta || offsetDelta < 0)) {
      throw new RangeError(`offsetDelta must be an int32 >= 0, not ${offsetDelta}`);
    }
    let tsNum: number | undefined;
    if (typeof timestamp === 'number') tsNum = checkedTimestamp(timestamp);
    else if (timestamp >= MIN_SAFE && timestamp <= MAX_SAFE) tsNum = Number(timestamp);
    if (!this.baseSet) {
      this.baseSet = true;
      if (tsNum === undefined) {
        this.big = true;
        this.baseBig = timestamp as bigint;
      } else this.baseNum = tsNum;
    }
    if (!this.big && tsNum === undefined) this.toBigTimestamps();

    // The delta as a number when it is exact, else as a BigInt (deltaBig).
    let delta = 0;
    let deltaBig: bigint | undefined;
    let tsBig = 0n;
    if (!this.big) {
      const ts = tsNum!;
      delta = ts - this.baseNum;
      if (delta <= -SAFE_VARLONG_LIMIT || delta >= SAFE_VARLONG_LIMIT) deltaBig = BigInt(ts) - BigInt(this.baseNum);
    } else {
      tsBig = BigInt(timestamp);
      deltaBig = tsBig - this.baseBig;
      if (deltaBig > -BigInt(SAFE_VARLONG_LIMIT) && deltaBig < BigInt(SAFE_VARLONG_LIMIT)) {
        delta = Number(deltaBig);
        deltaBig = undefined;
      }
    }

    let bodySize = 1 + (deltaBig === undefined ? varlongNumberSize(delta) : varlongSize(deltaBig)) + varintSize(offsetDelta) + bytesSize(key) + bytesSize(value);
    const headerCount = headers === undefined ? 0 : headers.length;
    const shared = headerCount === 0 ? undefined : sharedHeaderSection(headers!);
    if (headerCount === 0) bodySize += 1;
    else if (shared !== undefined) bodySize += shared.length;
    else {
      const keyLengths = this.keyLengths;
      bodySize += varintSize(headerCount);
      for (let i = 0; i < headerCount; i++) {
        const header = headers![i]!;
        const keyLength = utf8Length(header.key);
        keyLengths[i] = keyLength;
        bodySize += varintSize(keyLength) + keyLength + bytesSize(header.value);
      }
    }
    const size = varintSize(bodySize) + bodySize;
    if (this.end + size > this.buffer.length) this.grow(size);

    const buf = this.buffer;
    let pos = writeVarint(buf, this.end, bodySize);
    buf[pos++] = 0; // record attributes: unused in v2
    pos = deltaBig === undefined ? writeVarlongNumber(buf, pos, delta) : writeVarlong(buf, pos, deltaBig);
    pos = writeVarint(buf, pos, offsetDelta);
    pos = writeBytes(buf, pos, key);
    pos = writeBytes(buf, pos, value);
    if (headerCount === 0) buf[pos++] = 0;
    else if (shared !== undefined) {
      buf.set(shared, pos);
      pos += shared.length;
    } else {
      pos = writeVarint(buf, pos, headerCount);
      for (let i = 0; i < headerCount; i++) {
        const header = headers![i]!;
        const keyLength = this.keyLengths[i]!;
        pos = writeVarint(buf, pos, keyLength);
        pos = writeKey(buf, pos, header.key, keyLength);
        pos = writeBytes(buf, pos, header.value);
      }
    }
    this.end = pos;
    // Only now: a delta outside int64 (a RangeError above) leaves the builder as it was.
    if (!this.big) {
      if (this.records === 0 || tsNum! > this.maxNum) this.maxNum = tsNum!;
    } else if (this.records === 0 || tsBig > this.maxBig) this.maxBig = tsBig;
    this.records++;
    this.lastDelta = offsetDelta;
    return size;
  }

  /**
   * The batch: header, then the records (compressed with `options.compression`), CRC-32C
   * stamped. Uncompressed, it is the builder's own buffer, written in place.
   */
  finish(options: BatchHeaderOptions = {}): Buffer {
    this.finished = true;
    const codec = options.compression ?? CompressionCodec.none;
    let out: Buffer;
    if (codec === CompressionCodec.none) out = this.buffer.subarray(0, this.end);
    else {
      if (this.compressed === undefined || this.compressedCodec !== codec) {
        const payload = compress(codec, this.buffer.subarray(BatchLayout.HEADER_SIZE, this.end));
        this.compressed = Buffer.allocUnsafe(BatchLayout.HEADER_SIZE + payload.length);
        payload.copy(this.compressed, BatchLayout.HEADER_SIZE);
        this.compressedCodec = codec;
      }
      out = this.compressed;
    }
    let attributes: number = codec;
    if (options.timestampType === 'log-append-time') attributes |= Attributes.LOG_APPEND_TIME;
    if (options.transactional === true) attributes |= Attributes.TRANSACTIONAL;
    if (options.control === true) attributes |= Attributes.CONTROL;
    let baseTimestamp = -1n;
    let maxTimestamp = -1n;
    if (this.baseSet) baseTimestamp = this.big ? this.baseBig : BigInt(this.baseNum);
    if (this.records > 0) maxTimestamp = this.big ? this.maxBig : BigInt(this.maxNum);

    out.writeBigInt64BE(options.baseOffset ?? 0n, BatchLayout.BASE_OFFSET);
    out.writeInt32BE(out.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
    out.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, BatchLayout.PARTITION_LEADER_EPOCH);
    out.writeInt8(2, BatchLayout.MAGIC);
    out.writeInt16BE(attributes, BatchLayout.ATTRIBUTES);
    out.writeInt32BE(options.lastOffsetDelta ?? this.lastDelta, BatchLayout.LAST_OFFSET_DELTA);
    out.writeBigInt64BE(baseTimestamp, BatchLayout.BASE_TIMESTAMP);
    out.writeBigInt64BE(options.maxTimestamp ?? maxTimestamp, BatchLayout.MAX_TIMESTAMP);
    out.writeBigInt64BE(options.producerId ?? NO_PRODUCER_ID, BatchLayout.PRODUCER_ID);
    out.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, BatchLayout.PRODUCER_EPOCH);
    out.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BatchLayout.BASE_SEQUENCE);
    out.writeInt32BE(this.records, BatchLayout.RECORDS_COUNT);
    out.writeUInt32BE(crc32c(out.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
    return out;
  }

  /** Hands the buffer back (to reuse for another batch); the builder holds nothing after. */
  detachBuffer(): Buffer {
    const buffer = this.buffer;
    this.buffer = EMPTY;
    this.compressed = undefined;
    this.finished = true;
    return buffer;
  }

  private toBigTimestamps(): void {
    this.big = true;
    this.baseBig = BigInt(this.baseNum);
    this.maxBig = BigInt(this.maxNum);
  }

  private grow(size: number): void {
    let capacity = Math.max(this.buffer.length * 2, BatchLayout.HEADER_SIZE);
    while (capacity < this.end + size) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.end);
    this.buffer = grown;
  }
}

function checkedTimestamp(value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`a timestamp must be a safe integer (ms), not ${value}`);
  return value;
}
