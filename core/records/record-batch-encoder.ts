import { Attributes, BatchLayout, NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from './batch-header.ts';
import { CompressionCodec, compress } from './compression/index.ts';
import { crc32c } from './crc32c.ts';
import type { RecordInput, TimestampType } from './record.ts';
import { varintSize, varlongSize, writeVarint, writeVarlong } from './varint.ts';

export interface BatchOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  compression?: CompressionCodec;
  timestampType?: TimestampType;
  transactional?: boolean;
  control?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Defaults to the first record's timestamp, as Kafka producers set it. */
  baseTimestamp?: bigint;
  /** Defaults to the largest record timestamp (LogAppendTime batches pass the append time). */
  maxTimestamp?: bigint;
  /** Defaults to the last record's offsetDelta; compaction keeps the original value. */
  lastOffsetDelta?: number;
}

const textEncoder = new TextEncoder();

interface SizedRecord {
  input: RecordInput;
  offsetDelta: number;
  timestampDelta: bigint;
  headerKeys: Uint8Array[];
  bodySize: number;
}

function sizeOf(bytes: Uint8Array | null | undefined): number {
  return bytes == null ? varintSize(-1) : varintSize(bytes.length) + bytes.length;
}

function measure(input: RecordInput, offsetDelta: number, baseTimestamp: bigint): SizedRecord {
  const timestampDelta = input.timestamp - baseTimestamp;
  const headerKeys: Uint8Array[] = [];
  const headers = input.headers ?? [];
  let bodySize = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + sizeOf(input.key) + sizeOf(input.value);
  bodySize += varintSize(headers.length);
  for (const header of headers) {
    const key = textEncoder.encode(header.key);
    headerKeys.push(key);
    bodySize += sizeOf(key) + sizeOf(header.value);
  }
  return { input, offsetDelta, timestampDelta, headerKeys, bodySize };
}

function writeBytes(buf: Uint8Array, pos: number, bytes: Uint8Array | null | undefined): number {
  if (bytes == null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

function writeRecords(sized: readonly SizedRecord[], totalSize: number): Buffer {
  const out = Buffer.allocUnsafe(totalSize);
  let pos = 0;
  for (const r of sized) {
    pos = writeVarint(out, pos, r.bodySize);
    out[pos++] = 0; // record attributes: unused in v2
    pos = writeVarlong(out, pos, r.timestampDelta);
    pos = writeVarint(out, pos, r.offsetDelta);
    pos = writeBytes(out, pos, r.input.key);
    pos = writeBytes(out, pos, r.input.value);
    const headers = r.input.headers ?? [];
    pos = writeVarint(out, pos, headers.length);
    headers.forEach((header, i) => {
      pos = writeBytes(out, pos, r.headerKeys[i]);
      pos = writeBytes(out, pos, header.value);
    });
  }
  return out;
}

/** Encodes records into one record batch v2, byte for byte as Kafka's producer would. */
export function encodeRecordBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  let maxTs: bigint | undefined;
  for (const r of records) {
    if (maxTs === undefined || r.timestamp > maxTs) maxTs = r.timestamp;
  }
  const baseTimestamp = options.baseTimestamp ?? records[0]?.timestamp ?? -1n;
  const sized = records.map((r, i) => measure(r, r.offsetDelta ?? i, baseTimestamp));
  let recordsSize = 0;
  for (const r of sized) recordsSize += varintSize(r.bodySize) + r.bodySize;

  const codec = options.compression ?? CompressionCodec.none;
  const plain = writeRecords(sized, recordsSize);
  const payload = codec === CompressionCodec.none ? plain : compress(codec, plain);

  const size = BatchLayout.HEADER_SIZE + payload.length;
  const buf = Buffer.allocUnsafe(size);
  let attributes = codec;
  if (options.timestampType === 'log-append-time') attributes |= Attributes.LOG_APPEND_TIME;
  if (options.transactional === true) attributes |= Attributes.TRANSACTIONAL;
  if (options.control === true) attributes |= Attributes.CONTROL;
  const lastOffsetDelta = options.lastOffsetDelta ?? sized[sized.length - 1]?.offsetDelta ?? 0;

  buf.writeBigInt64BE(options.baseOffset ?? 0n, BatchLayout.BASE_OFFSET);
  buf.writeInt32BE(size - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
  buf.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, BatchLayout.PARTITION_LEADER_EPOCH);
  buf.writeInt8(2, BatchLayout.MAGIC);
  buf.writeInt16BE(attributes, BatchLayout.ATTRIBUTES);
  buf.writeInt32BE(lastOffsetDelta, BatchLayout.LAST_OFFSET_DELTA);
  buf.writeBigInt64BE(baseTimestamp, BatchLayout.BASE_TIMESTAMP);
  buf.writeBigInt64BE(options.maxTimestamp ?? maxTs ?? -1n, BatchLayout.MAX_TIMESTAMP);
  buf.writeBigInt64BE(options.producerId ?? NO_PRODUCER_ID, BatchLayout.PRODUCER_ID);
  buf.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, BatchLayout.PRODUCER_EPOCH);
  buf.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BatchLayout.BASE_SEQUENCE);
  buf.writeInt32BE(records.length, BatchLayout.RECORDS_COUNT);
  payload.copy(buf, BatchLayout.HEADER_SIZE);
  buf.writeUInt32BE(crc32c(buf.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
  return buf;
}
