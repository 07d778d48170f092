import { ErrorCode } from '../../core/protocol/index.ts';
import { decodeRecordBatch, encodeRecordBatch, isControlBatch, iterateBatches } from '../../core/records/index.ts';
import type { CoordinatorLog, CoordinatorRecord, WriteOutcome } from '../coordinator/index.ts';
import type { PartitionWatch } from '../fetch/partition-watch.ts';
import { storageFailure } from '../handlers/storage-errors.ts';
import type { TopicManager, TopicResult } from '../topics/topic-manager.ts';
import { transactionStatePartitionFor } from './txn-records.ts';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;

export interface TransactionStateTopicOptions {
  readonly topics: TopicManager;
  /** transaction.state.log.num.partitions: fixed once the topic exists. */
  readonly partitions: number;
  readonly segmentBytes: number;
  readonly watch: PartitionWatch;
}

/**
 * The compacted topic that holds every transactional id's state, partitioned by the id as
 * Kafka does. Created on first use; a write resolves once it is durable, so a decided
 * commit survives a crash and a restart finishes it.
 */
export class TransactionStateTopic implements CoordinatorLog {
  private readonly options: TransactionStateTopicOptions;

  constructor(options: TransactionStateTopicOptions) {
    this.options = options;
  }

  exists(): boolean {
    return this.options.topics.get(TRANSACTION_STATE_TOPIC) !== undefined;
  }

  ensure(): TopicResult {
    const existing = this.options.topics.get(TRANSACTION_STATE_TOPIC);
    if (existing !== undefined) return { ok: true, topic: existing };
    return this.options.topics.createNow(TRANSACTION_STATE_TOPIC, this.options.partitions, [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'segment.bytes', value: String(this.options.segmentBytes) },
    ]);
  }

  partitionFor(transactionalId: string): number {
    const count = this.options.topics.get(TRANSACTION_STATE_TOPIC)?.partitions ?? this.options.partitions;
    return transactionStatePartitionFor(transactionalId, count);
  }

  async append(transactionalId: string, records: readonly CoordinatorRecord[], timestamp: bigint): Promise<WriteOutcome> {
    const created = this.ensure();
    if (!created.ok) return { ok: false, errorCode: created.errorCode, message: `cannot create ${TRANSACTION_STATE_TOPIC}: ${created.message}`, fault: undefined, appended: false };
    const partition = this.partitionFor(transactionalId);
    const handle = this.options.topics.partition(TRANSACTION_STATE_TOPIC, partition);
    if (handle === undefined) {
      return { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `${TRANSACTION_STATE_TOPIC} partition ${partition} is offline`, fault: undefined, appended: false };
    }
    const batch = encodeRecordBatch(records.map((r) => ({ timestamp, key: r.key, value: r.value })));
    const appended = this.options.topics.append(handle, batch, { origin: 'internal', producerBatches: [], watch: this.options.watch });
    if (appended.kind === 'rejected') return { ok: false, errorCode: appended.errorCode, message: appended.message, fault: appended.fault, appended: false };
    if (appended.kind === 'duplicate') return { ok: true };
    try {
      await appended.durable;
    } catch (error) {
      const failure = storageFailure(error, ErrorCode.KAFKA_STORAGE_ERROR);
      return { ok: false, errorCode: failure.errorCode, message: failure.message, fault: error, appended: true };
    }
    return { ok: true };
  }

  read(visit: (record: CoordinatorRecord) => void, transactionalId?: string): void {
    if (!this.exists()) return;
    const only = transactionalId === undefined ? undefined : this.partitionFor(transactionalId);
    for (const handle of this.options.topics.partitionsOf(TRANSACTION_STATE_TOPIC)) {
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
          if (isControlBatch(batch.header.attributes)) continue;
          for (const record of batch.records) if (record.key !== null) visit({ key: record.key, value: record.value });
        }
      }
    }
  }
}
