import type { ConsumerAssignment } from '../../core/protocol/index.ts';
import type { TopicPartition } from '../topic-partition.ts';

export type { TopicPartition };

export interface NewTopic {
  readonly topic: string;
  /** Default: the broker's num.partitions. */
  readonly numPartitions?: number;
  /** Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** Topic config overrides, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface MutationOptions {
  /** Ask the broker to check the request without applying it. */
  readonly validateOnly?: boolean;
  /** How long the broker may take (sent in the request). Default: the cluster's request timeout. */
  readonly timeoutMs?: number;
}

export interface PartitionDescription {
  readonly partition: number;
  /** -1 while the partition has no leader. */
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicDescription {
  readonly name: string;
  readonly internal: boolean;
  /** Sorted by partition. */
  readonly partitions: readonly PartitionDescription[];
  /** Only with `{ includeConfigs: true }`. */
  readonly configs?: readonly ConfigEntry[];
}

export type ConfigResourceType = 'topic' | 'broker';

/** Kafka's DescribeConfigsResponse.ConfigSource, by name. */
export const ConfigSource = {
  0: 'UNKNOWN',
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
} as const;
export type ConfigSourceName = (typeof ConfigSource)[keyof typeof ConfigSource];

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceName;
  readonly readOnly: boolean;
  readonly isDefault: boolean;
  readonly isSensitive: boolean;
}

export interface ConfigResource {
  readonly type: ConfigResourceType;
  /** A topic name, or a broker id ('' for the cluster-wide broker default). */
  readonly name: string;
}

export interface DescribeConfigsResource extends ConfigResource {
  /** Only these keys; default all. */
  readonly keys?: readonly string[];
}

export interface ConfigResourceEntries extends ConfigResource {
  readonly entries: readonly ConfigEntry[];
}

export type AlterConfigOpName = 'set' | 'delete' | 'append' | 'subtract';

export interface AlterConfigOp {
  readonly name: string;
  readonly op: AlterConfigOpName;
  /** Required for set, append and subtract. */
  readonly value?: string;
}

export interface AlterConfigsResource extends ConfigResource {
  readonly ops: readonly AlterConfigOp[];
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  /** Only with `{ includeState: true }`: Empty, Stable, PreparingRebalance, CompletingRebalance or Dead. */
  readonly state?: string;
}

export interface GroupMemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** The consumer-protocol assignment; null for other protocol types or unreadable bytes. */
  readonly assignment: ConsumerAssignment | null;
  readonly memberMetadata: Buffer;
  readonly memberAssignment: Buffer;
}

export interface GroupDescription {
  readonly groupId: string;
  /** Empty, Stable, PreparingRebalance, CompletingRebalance or Dead (Dead for a group that does not exist, as in Kafka). */
  readonly state: string;
  readonly protocolType: string;
  /** The chosen protocol, e.g. the assignor name `range`. */
  readonly protocol: string;
  readonly coordinator: number;
  readonly members: readonly GroupMemberDescription[];
}

/** `earliest`, `latest`, or a time in ms since the epoch (the first offset whose timestamp is at or after it). */
export type OffsetSpec = 'earliest' | 'latest' | number;

/** Where `resetOffsets` moves a group: an `OffsetSpec`, or one offset for every partition (moved into each log's range). */
export type ResetSpec = OffsetSpec | { readonly offset: bigint };

export interface ResetOffsetsOptions {
  /** Work out the new offsets without committing them. */
  readonly dryRun?: boolean;
}

export interface ListOffsetsRequest extends TopicPartition {
  readonly timestamp: OffsetSpec;
}

export interface ListedOffset extends TopicPartition {
  /** -1n when no record has a timestamp at or after the one asked for. */
  readonly offset: bigint;
  readonly timestamp: bigint;
}

export interface CommittedOffset extends TopicPartition {
  /** -1n when the group has no committed offset for the partition. */
  readonly offset: bigint;
  readonly metadata: string | null;
}

export interface ResetOffset extends CommittedOffset {
  /**
   * With `{ offset }`: the offset asked for, when it lay outside the partition's log and
   * `offset` is the nearer end (the earliest or the log end offset) instead.
   */
  readonly clampedFrom?: bigint;
}

export interface OffsetToCommit extends TopicPartition {
  readonly offset: bigint;
  readonly metadata?: string;
}

export interface DeleteRecordsRequest extends TopicPartition {
  /** Delete every record before this offset; -1n means up to the high watermark. */
  readonly offset: bigint;
}

export interface DeletedRecords extends TopicPartition {
  readonly lowWatermark: bigint;
}

/** One transactional id, as ListTransactions reports it. */
export interface TransactionListing {
  readonly transactionalId: string;
  readonly producerId: bigint;
  /** Kafka's state name: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, Dead, PrepareEpochFence. */
  readonly state: string;
}

export interface ListTransactionsOptions {
  /** Only transactions in one of these states (Kafka's names); none: every state. */
  readonly states?: readonly string[];
  /** Only transactions of these producer ids; none: every producer. */
  readonly producerIds?: readonly bigint[];
}

/** One transactional id, as its coordinator describes it (DescribeTransactions). */
export interface TransactionDescription {
  readonly transactionalId: string;
  readonly coordinatorId: number;
  readonly state: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly transactionTimeoutMs: number;
  /** When the ongoing transaction began (ms since the epoch); null when none is open. */
  readonly transactionStartTimeMs: bigint | null;
  /** The partitions of the open transaction (while markers are written, those still waiting), sorted. */
  readonly topicPartitions: readonly TopicPartition[];
}
