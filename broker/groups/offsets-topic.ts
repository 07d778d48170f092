import { decodeRecordBatch, encodeRecordBatch, isControlBatch, iterateBatches } from '../../core/records/index.ts';
import type { TopicManager, TopicResult } from '../topics/topic-manager.ts';
import { offsetsPartitionFor } from './offsets-records.ts';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** How much of a partition one replay read takes. */
const REPLAY_CHUNK_BYTES = 4 * 1024 * 1024;

export interface OffsetsTopicOptions {
  readonly topics: TopicManager;
  /** offsets.topic.num.partitions: fixed once the topic exists. */
  readonly partitions: number;
  /** offsets.topic.segment.bytes: small, so compaction (which skips the active segment) has work to do. */
  readonly segmentBytes: number;
}

/**
 * The compacted topic that holds committed offsets and group metadata, partitioned by
 * group. Created on first use, as Kafka does; a write resolves once it is durable, so a
 * commit that was acknowledged survives a crash.
 */
export class OffsetsTopic {
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
    return this.options.topics.create(OFFSETS_TOPIC, this.options.partitions, [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'segment.bytes', value: String(this.options.segmentBytes) },
    ]);
  }

  /** The partition that holds a group's records (the topic's real count, once it exists). */
  partitionFor(group: string): number {
    const count = this.options.topics.get(OFFSETS_TOPIC)?.partitions ?? this.options.partitions;
    return offsetsPartitionFor(group, count);
  }

  /** Appends records for one group in one batch and resolves once they are durable. */
  async append(group: string, records: readonly { key: Buffer; value: Buffer | null }[], timestamp: bigint): Promise<void> {
    const created = this.ensure();
    if (!created.ok) throw new Error(`cannot create ${OFFSETS_TOPIC}: ${created.message}`);
    const handle = this.options.topics.partition(OFFSETS_TOPIC, this.partitionFor(group));
    if (handle === undefined) throw new Error(`${OFFSETS_TOPIC} partition ${this.partitionFor(group)} is offline`);
    const batch = encodeRecordBatch(records.map((r) => ({ timestamp, key: r.key, value: r.value })));
    const info = handle.log.append(batch, { origin: 'internal' });
    await handle.log.waitDurable(info.lastOffset);
  }

  /** Calls `visit` for every record of every partition, oldest first, so later records win. */
  replay(visit: (key: Buffer, value: Buffer | null) => void): void {
    for (const handle of this.options.topics.partitionsOf(OFFSETS_TOPIC)) {
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
          for (const record of batch.records) if (record.key !== null) visit(record.key, record.value);
        }
      }
    }
  }
}
