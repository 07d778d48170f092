import { ErrorCode } from '../../core/protocol/index.ts';
import { ControlRecordType, decodeControlRecordType, decodeRecordBatch, encodeRecordBatch, isControlBatch, isTransactionalBatch, iterateBatches } from '../../core/records/index.ts';
import type { DecodedBatch } from '../../core/records/index.ts';
import type { PartitionWatch } from '../fetch/partition-watch.ts';
import { storageFailure } from '../handlers/storage-errors.ts';
import type { TopicManager, TopicResult } from '../topics/topic-manager.ts';
import type { CoordinatorLog, CoordinatorRecord, WriteOutcome } from './coordinator-runtime.ts';
import { coordinatorPartitionFor } from './coordinator-partition.ts';

/** How much of a partition one replay read takes. */
const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;
const EMPTY_KEY = Buffer.alloc(0);

export interface InternalTopicOptions {
  /** The topic's name (`__consumer_offsets`, `__transaction_state`). */
  readonly name: string;
  readonly topics: TopicManager;
  /** The partition count it is created with: fixed once the topic exists. */
  readonly partitions: number;
  /** Small, so compaction (which skips the active segment) has work to do. */
  readonly segmentBytes: number;
  /** Wakes fetches that wait on the topic (tools that read it), as Produce does. */
  readonly watch: PartitionWatch;
  /**
   * Whether the topic holds records written inside producers' transactions (TxnOffsetCommit's
   * offsets): reads then give each such record its producer, and give the transaction markers
   * that decide them. Off, control batches are passed over and every record is read as the
   * coordinator's own, so a reader that knows no markers never meets one.
   */
  readonly transactional: boolean;
}

/**
 * A coordinator's compacted topic: the `CoordinatorLog` the runtime writes and replays. A key
 * (a group, a transactional id) lives in Kafka's partition for it; the topic is created on
 * first use, as Kafka does; a write goes through the same partition write path as Produce and
 * resolves once it is durable, so an acknowledged write survives a crash.
 */
export class InternalTopic implements CoordinatorLog {
  private readonly options: InternalTopicOptions;

  constructor(options: InternalTopicOptions) {
    this.options = options;
  }

  exists(): boolean {
    return this.options.topics.get(this.options.name) !== undefined;
  }

  ensure(): TopicResult {
    const existing = this.options.topics.get(this.options.name);
    if (existing !== undefined) return { ok: true, topic: existing };
    return this.options.topics.createNow(this.options.name, this.options.partitions, [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'segment.bytes', value: String(this.options.segmentBytes) },
    ]);
  }

  /** The partition that holds a key's records (the topic's real count, once it exists). */
  partitionFor(key: string): number {
    const count = this.options.topics.get(this.options.name)?.partitions ?? this.options.partitions;
    return coordinatorPartitionFor(key, count);
  }

  /** Appends records for one key in one batch and resolves once they are durable; a failure is a Kafka error value. */
  async append(key: string, records: readonly CoordinatorRecord[], timestamp: bigint): Promise<WriteOutcome> {
    const { name, topics, watch } = this.options;
    const created = this.ensure();
    if (!created.ok) return { ok: false, errorCode: created.errorCode, message: `cannot create ${name}: ${created.message}`, fault: undefined, appended: false };
    const partition = this.partitionFor(key);
    const handle = topics.partition(name, partition);
    if (handle === undefined) {
      return { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `${name} partition ${partition} is offline`, fault: undefined, appended: false };
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
    const appended = topics.append(handle, batch, { origin: 'internal', producerBatches, watch });
    if (appended.kind === 'rejected') return { ok: false, errorCode: appended.errorCode, message: appended.message, fault: appended.fault, appended: false };
    // Internal batches carry no producer sequence, so they are never a producer's duplicate.
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
   * Calls `visit` for every record of every partition (or, given a key, of the partition
   * that holds it), oldest first, so later records win.
   */
  read(visit: (record: CoordinatorRecord) => void, key?: string): void {
    if (!this.exists()) return;
    const only = key === undefined ? undefined : this.partitionFor(key);
    for (const handle of this.options.topics.partitionsOf(this.options.name)) {
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
          if (this.options.transactional) visitTransactional(batch, visit);
          else if (!isControlBatch(batch.header.attributes)) visitPlain(batch, visit);
        }
      }
    }
  }
}

function visitPlain(batch: DecodedBatch, visit: (record: CoordinatorRecord) => void): void {
  for (const record of batch.records) if (record.key !== null) visit({ key: record.key, value: record.value });
}

function visitTransactional(batch: DecodedBatch, visit: (record: CoordinatorRecord) => void): void {
  const { producerId, producerEpoch, attributes } = batch.header;
  if (isControlBatch(attributes)) {
    const type = producerId >= 0n ? markerType(batch.records[0]?.key ?? null) : undefined;
    if (type !== undefined) visit({ key: EMPTY_KEY, value: null, marker: { producerId, committed: type === ControlRecordType.COMMIT } });
    return;
  }
  if (!isTransactionalBatch(attributes)) {
    visitPlain(batch, visit);
    return;
  }
  const producer = { producerId, producerEpoch };
  for (const record of batch.records) if (record.key !== null) visit({ key: record.key, value: record.value, producer });
}

function markerType(key: Buffer | null): ControlRecordType | undefined {
  try {
    return decodeControlRecordType(key);
  } catch {
    return undefined;
  }
}
