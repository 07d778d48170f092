import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { FetchResponse, ProduceResponse } from '../../../core/protocol/index.ts';
import { BatchLayout, encodeRecordBatch, iterateBatches } from '../../../core/records/index.ts';
import type { BatchOptions, Record as StoredRecord } from '../../../core/records/index.ts';
import { decodeAll } from '../../helpers/decode-all.ts';
import type { WireClient } from '../../helpers/kafka-wire.ts';

export type ProducePartition = ProduceResponse['responses'][number]['partitionResponses'][number];
export type FetchPartition = FetchResponse['responses'][number]['partitions'][number];

/** A producer-style batch (baseOffset 0) of string values; record i gets timestamp `firstTimestamp + i`. */
export function valuesBatch(values: readonly string[], options: BatchOptions & { firstTimestamp?: bigint } = {}): Buffer {
  const { firstTimestamp = 1_700_000_000_000n, ...batchOptions } = options;
  return encodeRecordBatch(
    values.map((value, i) => ({ timestamp: firstTimestamp + BigInt(i), key: Buffer.from(`k-${value}`), value: Buffer.from(value) })),
    batchOptions,
  );
}

/** The batches in a fetch result, each as its own buffer. */
export function splitBatches(bytes: Buffer): Buffer[] {
  return [...iterateBatches(bytes)].map(({ pos, size }) => bytes.subarray(pos, pos + size));
}

/** A copy of a produced batch as the log stores it: baseOffset and partitionLeaderEpoch stamped. */
export function stamped(batch: Buffer, baseOffset: bigint, partitionLeaderEpoch: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeBigInt64BE(baseOffset, BatchLayout.BASE_OFFSET);
  copy.writeInt32BE(partitionLeaderEpoch, BatchLayout.PARTITION_LEADER_EPOCH);
  return copy;
}

export async function createTopic(
  client: WireClient,
  name: string,
  partitions = 1,
  configs: Readonly<Record<string, string>> = {},
): Promise<void> {
  const response = await client.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })) }],
    timeoutMs: 5000,
  });
  const result = response.topics[0];
  if (result?.errorCode !== 0) throw new Error(`creating topic ${name} failed: ${JSON.stringify(result)}`);
}

export interface ProduceOptions {
  version?: number;
  acks?: number;
}

/** Produces `records` to one partition and returns that partition's response. */
export async function produce(client: WireClient, topic: string, partition: number, records: Buffer, options: ProduceOptions = {}): Promise<ProducePartition> {
  const response = await client.request(ApiKey.PRODUCE, options.version ?? 8, {
    transactionalId: null,
    acks: options.acks ?? -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const result = response.responses[0]?.partitionResponses[0];
  if (response.responses.length !== 1 || result === undefined) throw new Error(`unexpected produce response shape: ${JSON.stringify(response.responses.length)}`);
  return result;
}

export interface FetchOptions {
  version?: number;
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  partitionMaxBytes?: number;
}

/** Fetches one partition and returns that partition's data. */
export async function fetchOne(client: WireClient, topic: string, partition: number, offset: bigint, options: FetchOptions = {}): Promise<FetchPartition> {
  const response = await client.request(ApiKey.FETCH, options.version ?? 11, {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 0,
    maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
    isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024 }] }],
  });
  const result = response.responses[0]?.partitions[0];
  if (response.responses.length !== 1 || result === undefined) throw new Error('unexpected fetch response shape');
  return result;
}

const MIB = 1024 * 1024;

/**
 * Reads a whole partition: Fetch v11 from offset 0 until the high watermark, each record once
 * (a fetch from inside a batch returns the whole batch; the records before the offset are dropped).
 */
export async function readPartition(client: WireClient, topic: string, partition: number): Promise<{ records: StoredRecord[]; highWatermark: bigint; logStartOffset: bigint }> {
  const records: StoredRecord[] = [];
  let next = 0n;
  for (;;) {
    const data = await fetchOne(client, topic, partition, next, { maxBytes: 8 * MIB, partitionMaxBytes: 4 * MIB });
    if (data.errorCode !== ErrorCode.NONE) throw new Error(`fetch ${topic}-${partition} at ${next}: error ${data.errorCode}`);
    const floor = next;
    const fresh = decodeAll(data.records ?? Buffer.alloc(0)).filter((r) => r.offset >= floor);
    records.push(...fresh);
    const last = fresh[fresh.length - 1];
    if (last === undefined || last.offset + 1n >= data.highWatermark) {
      return { records, highWatermark: data.highWatermark, logStartOffset: data.logStartOffset };
    }
    next = last.offset + 1n;
  }
}
