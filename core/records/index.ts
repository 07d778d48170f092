export { RecordsError, RecordsErrorCode } from './errors.ts';
export { crc32c, crc32cJs, crc32cImplementation } from './crc32c.ts';
export type { Crc32c } from './crc32c.ts';
export {
  Attributes,
  BatchLayout,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  batchSizeAt,
  computeBatchCrc,
  isControlBatch,
  isTransactionalBatch,
  lastOffsetOf,
  readBatchHeader,
  stampBatch,
} from './batch-header.ts';
export type { BatchHeader } from './batch-header.ts';
export { checkBatch } from './batch-check.ts';
export { varintSize, writeVarint } from './varint.ts';
export { recordsProblem } from './record-check.ts';
export type { BatchCheck, BatchCheckOptions, BatchProblem } from './batch-check.ts';
export { RecordBatchBuilder, utf8Length } from './record-batch-builder.ts';
export type { BatchHeaderOptions, RecordBatchBuilderOptions, RecordHeaderInput } from './record-batch-builder.ts';
export { encodeRecordBatch } from './record-batch-encoder.ts';
export type { BatchOptions } from './record-batch-encoder.ts';
export { DEFAULT_MAX_DECOMPRESSED_BYTES, decodeRecordBatch, iterateBatches } from './record-batch-decoder.ts';
export type { DecodeOptions, DecodedBatch } from './record-batch-decoder.ts';
export { ControlRecordType, decodeControlRecordType, encodeControlBatch, encodeControlRecord } from './control-record.ts';
export type { ControlBatchOptions } from './control-record.ts';
export { TimestampType } from './record.ts';
export type { Record, RecordHeader, RecordInput } from './record.ts';
export {
  CompressionCodec,
  codecFromAttributes,
  codecName,
  compress,
  decompress,
  parseCompressionName,
} from './compression/index.ts';
export type { CompressionName } from './compression/index.ts';
