/**
 * kafkajs 2.2.4's own record batch v2 encoder and decoder, used as an independent
 * implementation to cross-check Brook's bytes. These are kafkajs internals (CommonJS,
 * untyped), so this file gives them the narrow types the tests use.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface KafkajsEncoder {
  readonly buffer: Buffer;
}

type KafkajsHeaders = Partial<Record<string, Buffer | Buffer[]>>;

interface KafkajsRecordArgs {
  offsetDelta: number;
  timestampDelta: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkajsHeaders;
}

interface KafkajsRecordBatchArgs {
  compression: number;
  firstOffset: bigint;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  transactional: boolean;
  producerId: bigint;
  producerEpoch: number;
  firstSequence: number;
  records: KafkajsEncoder[];
}

export interface KafkajsDecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Partial<Record<string, Buffer | null | (Buffer | null)[]>>;
}

export interface KafkajsDecodedBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  timestampType: number;
  records: KafkajsDecodedRecord[];
}

type KafkajsDecoderClass = new (buffer: Buffer) => object;

const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (args: KafkajsRecordBatchArgs) => Promise<KafkajsEncoder>;
};
const KafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (args: KafkajsRecordArgs) => KafkajsEncoder;
const decodeKafkajsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: object) => Promise<KafkajsDecodedBatch>;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as KafkajsDecoderClass;

export const KafkajsCompression = { none: 0, gzip: 1 } as const;

export interface ReferenceRecord {
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** Grouped as kafkajs takes them: one key, one or several values, keys in insertion order. */
  headers?: KafkajsHeaders;
}

export interface ReferenceBatchOptions {
  compression?: number;
  baseOffset?: bigint;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  partitionLeaderEpoch: number;
  transactional?: boolean;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

/** Encodes one batch the way kafkajs's Produce v3+ request does, with offsetDelta = index. */
export async function kafkajsEncodeBatch(records: readonly ReferenceRecord[], options: ReferenceBatchOptions): Promise<Buffer> {
  const encoded = records.map((r, i) =>
    KafkajsRecord({
      offsetDelta: i,
      timestampDelta: r.timestamp - options.baseTimestamp,
      key: r.key,
      value: r.value,
      headers: r.headers ?? {},
    }),
  );
  const batch = await RecordBatch({
    compression: options.compression ?? KafkajsCompression.none,
    firstOffset: options.baseOffset ?? 0n,
    firstTimestamp: options.baseTimestamp,
    maxTimestamp: options.maxTimestamp,
    partitionLeaderEpoch: options.partitionLeaderEpoch,
    lastOffsetDelta: records.length - 1,
    transactional: options.transactional ?? false,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    firstSequence: options.baseSequence,
    records: encoded,
  });
  return Buffer.from(batch.buffer);
}

/** Decodes one batch with kafkajs's fetch-path decoder (which does not check the CRC). */
export async function kafkajsDecodeBatch(bytes: Buffer): Promise<KafkajsDecodedBatch> {
  return decodeKafkajsBatch(new KafkajsDecoder(bytes));
}
