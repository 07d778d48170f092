import type { Scheduler } from '../../core/base/index.ts';
import { Admin, Consumer, KafkaError } from '../../client/index.ts';
import { topicPartitionKey } from './written-marks.ts';

/** A record read back from an output topic, headers still in bytes. */
export interface WrittenRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
}

/** Reads `topic` from `from` (per `topic:partition`, 0 where absent) to its end at call time. */
export type ReadWrittenRecords = (topic: string, from: ReadonlyMap<string, bigint>) => AsyncIterable<WrittenRecord>;

export interface WrittenRecordClients {
  readonly bootstrapServers: string;
  readonly clientId: string;
  readonly scheduler: Scheduler;
}

/**
 * Reads written records with a consumer of its own (assigned partitions, no group, so nothing
 * is committed) up to the log end offsets listed before reading: records written later are
 * the task's own and need no recovery.
 */
export function readWrittenRecords(clients: WrittenRecordClients): ReadWrittenRecords {
  return async function* read(topic, from) {
    const { bootstrapServers, clientId, scheduler } = clients;
    const consumer = new Consumer({ bootstrapServers, clientId: `${clientId}-written-reader`, autoOffsetReset: 'earliest', scheduler });
    const admin = new Admin({ bootstrapServers, clientId: `${clientId}-written-admin`, scheduler });
    try {
      await consumer.connect();
      await admin.connect();
      const partitions = await consumer.partitionsFor(topic).catch((err: unknown) => {
        // A topic that does not exist yet holds nothing of ours (the first send may create it).
        if (err instanceof KafkaError && err.errorName === 'UNKNOWN_TOPIC_OR_PARTITION') return [];
        throw err;
      });
      if (partitions.length === 0) return;
      const [ends, starts] = await Promise.all([
        admin.listOffsets(partitions.map((partition) => ({ topic, partition, timestamp: 'latest' as const }))),
        admin.listOffsets(partitions.map((partition) => ({ topic, partition, timestamp: 'earliest' as const }))),
      ]);
      const endOf = new Map(ends.map((e) => [e.partition, e.offset]));
      const wanted: { topic: string; partition: number; offset: bigint }[] = [];
      for (const { partition, offset: earliest } of starts) {
        const mark = from.get(topicPartitionKey(topic, partition)) ?? 0n;
        const start = mark > earliest ? mark : earliest;
        if (start < (endOf.get(partition) ?? 0n)) wanted.push({ topic, partition, offset: start });
      }
      if (wanted.length === 0) return;
      const pending = new Set(wanted.map((w) => w.partition));
      await consumer.assign(wanted);
      for await (const batch of consumer) {
        const end = endOf.get(batch.partition) ?? 0n;
        for (const record of batch.records) {
          if (record.offset >= end) break;
          yield { partition: batch.partition, offset: record.offset, headers: record.headers };
        }
        // The position, not the last record: control batches and compaction leave gaps.
        for (const partition of [...pending]) {
          if ((consumer.position(topic, partition) ?? 0n) >= (endOf.get(partition) ?? 0n)) pending.delete(partition);
        }
        if (pending.size === 0) return;
      }
    } finally {
      await Promise.all([consumer.close(), admin.close()]);
    }
  };
}
