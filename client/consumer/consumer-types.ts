import type { Scheduler } from '../../core/base/index.ts';
import type { RecordHeader } from '../../core/records/index.ts';
import type { Assignor } from './assignors.ts';
import type { ConsumerConfigInput } from './consumer-config.ts';
import type { TopicPartition } from './offsets.ts';

export interface ConsumerRecord {
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  readonly timestamp: bigint;
}

/** What the async iterator yields: records of one partition, in offset order. */
export interface ConsumerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumerRecord[];
  /** The partition's high watermark when the records were fetched. */
  readonly highWatermark: bigint;
}

/** What the Observable emits: one record with its topic and partition. */
export interface TopicRecord extends ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
}

export type PartitionsListener = (partitions: TopicPartition[]) => void | Promise<void>;

/**
 * The JSON options (declared with their defaults in consumer-config.ts, where the cluster's are
 * spread in) and, here, the ones that are functions and objects.
 */
export interface ConsumerOptions extends ConsumerConfigInput {
  /** Partition assignors in preference order; default [rangeAssignor(), roundRobinAssignor()]. */
  readonly assignors?: readonly Assignor[];
  readonly onAssigned?: PartitionsListener;
  readonly onRevoked?: PartitionsListener;
  /** Time and timers of every part of this consumer; tests pass a VirtualScheduler. Default the system's. */
  readonly scheduler?: Scheduler;
}
