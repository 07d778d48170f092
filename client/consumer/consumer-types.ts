import type { RecordHeader } from '../../core/records/index.ts';
import type { Assignor } from './assignors.ts';
import type { IsolationLevel, OffsetResetPolicy, TopicPartition } from './offsets.ts';

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

export interface ConsumerOptions {
  readonly bootstrapServers: string | readonly string[];
  /** Required for subscribe() and for commits. */
  readonly groupId?: string;
  readonly clientId?: string;
  /**
   * How long the coordinator keeps a member that stopped heartbeating (session.timeout.ms);
   * default 45 000 ms, as Kafka 3.0+ (KIP-735) and librdkafka 2.x. The broker's group min/max
   * session timeouts bound it.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Static membership (group.instance.id, KIP-345): a stable identity for this consumer. It
   * sends no LeaveGroup on close, so a restart within sessionTimeoutMs keeps its partitions
   * without a rebalance. Unique per running consumer: a second one with the same id fences
   * the first (FENCED_INSTANCE_ID, fatal).
   */
  readonly groupInstanceId?: string;
  /** Default 3000 ms. */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long the coordinator waits for every member to rejoin (JoinGroup's rebalance timeout);
   * default maxPollIntervalMs, which Kafka's and librdkafka's consumers send, since a member
   * rejoins only once its application lets go of the partitions being revoked.
   */
  readonly rebalanceTimeoutMs?: number;
  /**
   * max.poll.interval.ms: in a group, if the application does not ask for the next batch
   * (iterator `next()`, or the Observable moving on) for this long, the member leaves the group
   * so its partitions go to the others, and rejoins when the application asks again; default
   * 300 000 ms.
   */
  readonly maxPollIntervalMs?: number;
  /** Commit processed offsets every autoCommitIntervalMs and on close; default true. */
  readonly autoCommit?: boolean;
  /** Default 5000 ms. */
  readonly autoCommitIntervalMs?: number;
  /** Where to start without a committed offset, or when the offset is out of range; default 'latest'. */
  readonly autoOffsetReset?: OffsetResetPolicy;
  /** Default 'read_uncommitted'. */
  readonly isolationLevel?: IsolationLevel;
  /** Fetch response limit (fetch.max.bytes); default 50 MiB. */
  readonly maxBytes?: number;
  /** Per partition (max.partition.fetch.bytes); default 1 MiB. */
  readonly maxPartitionBytes?: number;
  /** Long-poll wait (fetch.max.wait.ms); default 500 ms. */
  readonly maxWaitMs?: number;
  /** Default 1. */
  readonly minBytes?: number;
  /** No new fetch while fetched, unread data holds this many bytes; default 32 MiB. */
  readonly maxPrefetchBytes?: number;
  /** Partition assignors in preference order; default [range, roundrobin]. */
  readonly assignors?: readonly Assignor[];
  /** Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * metadata.max.age.ms: metadata is refreshed at least this often, and a group leader checks
   * the partition counts it assigned from this often, rejoining when partitions were added so
   * they get an owner; default 300 000 ms.
   */
  readonly metadataMaxAgeMs?: number;
  readonly onAssigned?: PartitionsListener;
  readonly onRevoked?: PartitionsListener;
}
