import { crc32c } from './crc32c.ts';

/**
 * Byte layout of the record batch v2 header (Kafka's DefaultRecordBatch). All offsets
 * are from the start of the batch.
 */
export const BatchLayout = {
  BASE_OFFSET: 0,
  BATCH_LENGTH: 8,
  PARTITION_LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORDS_COUNT: 57,
  /** Size of the fixed header; records follow. */
  HEADER_SIZE: 61,
  /** batchLength counts everything after the baseOffset and batchLength fields. */
  LOG_OVERHEAD: 12,
} as const;

export const Attributes = {
  CODEC_MASK: 0x07,
  LOG_APPEND_TIME: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40,
} as const;

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/** Reads the header fields; the caller must have checked that 61 bytes are present. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: buf.readBigInt64BE(pos + BatchLayout.BASE_OFFSET),
    batchLength: buf.readInt32BE(pos + BatchLayout.BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(pos + BatchLayout.PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(pos + BatchLayout.MAGIC),
    crc: buf.readUInt32BE(pos + BatchLayout.CRC),
    attributes: buf.readInt16BE(pos + BatchLayout.ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + BatchLayout.LAST_OFFSET_DELTA),
    baseTimestamp: buf.readBigInt64BE(pos + BatchLayout.BASE_TIMESTAMP),
    maxTimestamp: buf.readBigInt64BE(pos + BatchLayout.MAX_TIMESTAMP),
    producerId: buf.readBigInt64BE(pos + BatchLayout.PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + BatchLayout.PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + BatchLayout.BASE_SEQUENCE),
    recordsCount: buf.readInt32BE(pos + BatchLayout.RECORDS_COUNT),
  };
}

/** Total size of the batch starting at pos, from its batchLength field. */
export function batchSizeAt(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
}

export function lastOffsetOf(buf: Buffer, pos = 0): bigint {
  return buf.readBigInt64BE(pos + BatchLayout.BASE_OFFSET) + BigInt(buf.readInt32BE(pos + BatchLayout.LAST_OFFSET_DELTA));
}

/** CRC-32C over attributes..end, which is what the header's crc field must equal. */
export function computeBatchCrc(buf: Buffer, pos = 0, size = batchSizeAt(buf, pos)): number {
  return crc32c(buf.subarray(pos + BatchLayout.ATTRIBUTES, pos + size));
}

/**
 * Stamps baseOffset and partitionLeaderEpoch in place. Both lie outside the CRC, so the
 * batch stays valid without recomputing it.
 */
export function stampBatch(buf: Buffer, pos: number, baseOffset: bigint, partitionLeaderEpoch: number): void {
  buf.writeBigInt64BE(baseOffset, pos + BatchLayout.BASE_OFFSET);
  buf.writeInt32BE(partitionLeaderEpoch, pos + BatchLayout.PARTITION_LEADER_EPOCH);
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & Attributes.CONTROL) !== 0;
}

export function isTransactionalBatch(attributes: number): boolean {
  return (attributes & Attributes.TRANSACTIONAL) !== 0;
}
