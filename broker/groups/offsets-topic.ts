import { ErrorCode } from '../../core/protocol/index.ts';
import { ControlRecordType, decodeControlRecordType, decodeRecordBatch, encodeRecordBatch, isControlBatch, isTransactionalBatch, iterateBatches } from '../../core/records/index.ts';
import type { PartitionWatch } from '../fetch/partition-watch.ts';
import { storageFailure } from '../handlers/storage-errors.ts';
import type { TopicManager, TopicResult } from '../topics/topic-manager.ts';
import type { CoordinatorLog, CoordinatorRecord, WriteOutcome } from '../coordinator/index.ts';
import { offsetsPartitionFor } from './offsets-records.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** How much of a partition one replay read takes. */
const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;
const EMPTY_KEY = Buffer.alloc(0);

export interface OffsetsTopicOptions {
  readonly topics: TopicManager;
  /** offsets.topic.num.partitions: fixed once the topic exists. */
  readonly partitions: number;
  /** offsets.topic.segment.bytes: small, so compaction (which skips the active segment) has work to do. */
  readonly segmentBytes: number;
  /** Wakes fetches that wait on `__consumer_offsets` (tools that read it), as Produce does. */
  readonly watch: PartitionWatch;
}

/**
 * The compacted topic that holds committed offsets and group metadata, partitioned by
 * group. Created on first use, as Kafka does; a write resolves once it is durable, so a
 * commit that was acknowledged survives a crash.
 */
export class OffsetsTopic implements CoordinatorLog {
  private readonly options: OffsetsTopicOptions;

  constructor(options: OffsetsTopicOptions) {
    this.options = options;
  }

  exists(): boolean {
    return this.options.topics.get(OFFSETS_TOPIC) !== undefined;
  }

  ensure(): TopicResult {
    const existing = this.options.topics.get(OFFSETS_TOPIC);
    if (existing !== undefined) return { ok: true, topic: existing };
    return this.options.topics.createNow(OFFSETS_TOPIC, this.options.partitions, [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'segment.bytes', value: String(this.options.segmentBytes) },
    ]);
  }

  /** The partition that holds a group's records (the topic's real count, once it exists). */
  partitionFor(group: string): number {
    const count = this.options.topics.get(OFFSETS_TOPIC)?.partitions ?? this.options.partitions;
    return offsetsPartitionFor(group, count);
  }

  /**
   * Appends records for one group in one batch, through the same partition write path as
   * Produce, and resolves once they are durable; a failure is a Kafka error value.
   */
  async append(group: string, records: readonly CoordinatorRecord[], timestamp: bigint): Promise<WriteOutcome> {
    const created = this.ensure();
    if (!created.ok) return { ok: false, errorCode: created.errorCode, message: `cannot create ${OFFSETS_TOPIC}: ${created.message}`, fault: undefined, appended: false };
    const partition = this.partitionFor(group);
    const handle = this.options.topics.partition(OFFSETS_TOPIC, partition);
    if (handle === undefined) {
      return { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `${OFFSETS_TOPIC} partition ${partition} is offline`, fault: undefined, appended: false };
    }
    // Transactional offsets go in a batch of the producer's transaction, as Kafka writes them:
    // the partition's producer state then holds the transaction open until its marker.
    const producer = records[0]?.producer;
    const batch = encodeRecordBatch(
      records.map((r) => ({ timestamp, key: r.key, value: r.value })),
      producer === undefined ? {} : { transactional: true, producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: -1 },
    );
    const producerBatches =
      producer === undefined ? [] : [{ producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: -1, recordCount: records.length, transactional: true, coordinatorWrite: true }];
    const appended = this.options.topics.append(handle, batch, { origin: 'internal', producerBatches, watch: this.options.watch });
    if (appended.kind === 'rejected') return { ok: false, errorCode: appended.errorCode, message: appended.message, fault: appended.fault, appended: false };
    // Internal batches carry no producer id, so they are never a producer's duplicate.
    if (appended.kind === 'duplicate') return { ok: true };
    try {
      await appended.durable;
    } catch (error) {
      const failure = storageFailure(error, ErrorCode.KAFKA_STORAGE_ERROR);
      // The batch is in the log (readable under log.visibility append, and a later sync may
      // keep it) though not known to be durable: the coordinator must follow the log.
      return { ok: false, errorCode: failure.errorCode, message: failure.message, fault: error, appended: true };
    }
    return { ok: true };
  }

  /**
   * Calls `visit` for every record of every partition (or, given a group, of the partition
   * that holds it), oldest first, so later records win.
   */
  read(visit: (record: CoordinatorRecord) => void, group?: string): void {
    if (!this.exists()) return;
    const only = group === undefined ? undefined : this.partitionFor(group);
    for (const handle of this.options.topics.partitionsOf(OFFSETS_TOPIC)) {
      if (only !== undefined && handle.partition !== only) continue;
      const { log } = handle;
      let offset = log.logStartOffset;
      const end = log.logEndOffset;
      while (offset < end) {
        const { records } = log.read(offset, REPLAY_CHUNK_BYTES, { maxOffset: end });
        if (records.length === 0) break;
        for (const { pos } of iterateBatches(records)) {
          const batch = decodeRecordBatch(records, pos);
          offset = batch.header.baseOffset + BigInt(batch.header.lastOffsetDelta) + 1n;
          const { producerId, producerEpoch, attributes } = batch.header;
          if (isControlBatch(attributes)) {
            const type = producerId >= 0n ? markerType(batch.records[0]?.key ?? null) : undefined;
            if (type !== undefined) visit({ key: EMPTY_KEY, value: null, marker: { producerId, committed: type === ControlRecordType.COMMIT } });
            continue;
          }
          const producer = isTransactionalBatch(attributes) ? { producerId, producerEpoch } : undefined;
          for (const record of batch.records) {
            if (record.key !== null) visit(producer === undefined ? { key: record.key, value: record.value } : { key: record.key, value: record.value, producer });
          }
        }
      }
    }
  }
}

function markerType(key: Buffer | null): ControlRecordType | undefined {
  try {
    return decodeControlRecordType(key);
  } catch {
    return undefined;
  }
}
