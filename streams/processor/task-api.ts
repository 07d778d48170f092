/**
 * The contract between a compiled Topology and whatever runs it: the runtime (KafkaStreams,
 * against a cluster) and the TopologyTestDriver (in memory). See streams/README.md, "From a
 * Topology to tasks" and "At-least-once", for the rules these types carry.
 */
import type { Serde } from '../../client/index.ts';
import type { Scheduler } from '../../core/base/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { ExceptionHandler, ProductionExceptionHandler, StreamsLogger } from './error-handlers.ts';
import type { Header, SourcePosition } from './record.ts';
import type { ChangelogRecord } from '../state/changelog.ts';
import type { ChangelogPartition } from '../state/state-manager.ts';
import type { ReadOnlyStore } from '../state/store-api.ts';
import type { GlobalStateStores, GlobalTableSpec } from '../state/global-stores.ts';
import type { StoreKind } from '../state/store-api.ts';

/** One sub-topology × one partition number, as Kafka Streams assigns work. Printed `0_2`. */
export interface TaskId {
  readonly subtopology: number;
  readonly partition: number;
}

/** `0_2`, Kafka Streams' spelling of a task id. */
export function formatTaskId(id: TaskId): string {
  return `${id.subtopology}_${id.partition}`;
}

/**
 * A consumed record as the task takes it. The client's `TopicRecord` has this shape, so the
 * runtime passes consumer records as they are.
 */
export interface InputRecord extends SourcePosition {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly Header[];
  /** Milliseconds since the epoch, as the broker stores it. */
  readonly timestamp: bigint;
}

/** A record a sink writes, already serialized. */
export interface OutputRecord {
  /** Resolved: the static topic, the extractor's answer, or the prefixed repartition topic. */
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly Header[];
  /** Inherited from the input record, as Kafka Streams does. */
  readonly timestamp: number;
  /** Chosen by the sink's partitioner; undefined leaves it to the producer (murmur2 of the key bytes). */
  readonly partition: number | undefined;
}

/**
 * Where sink output goes. The runtime wraps a Producer; the test driver keeps lists.
 */
/** A record the broker refused on its own account (too large, invalid), with the broker's error. */
export interface RecordSendFailure {
  readonly record: OutputRecord;
  readonly error: Error;
}

/**
 * How a collector's promise rejects when the broker refused records one by one while it took
 * the others: the task hands each of its refused records (matched by identity) to the
 * production handler instead of failing.
 */
export class RecordsRefused extends StreamsError {
  readonly failures: readonly RecordSendFailure[];

  constructor(failures: readonly RecordSendFailure[]) {
    super(StreamsErrorCode.PRODUCTION, `the broker refused ${failures.length} record(s): ${failures.map((f) => `topic '${f.record.topic}': ${f.error.message}`).join('; ')}`, { cause: failures[0]?.error });
    this.failures = failures;
  }
}

export interface RecordCollector {
  /**
   * Writes one record. Return nothing when it is acknowledged already, or a promise (which
   * several records may share) that resolves when the broker acknowledged it and rejects when the
   * producer gave up (the task then fails), or with RecordsRefused once every record is answered
   * when the broker refused some on their own account. `source` is the task input the record
   * derives from: the task does the offset accounting, the collector may use it for logs or
   * transactions.
   */
  send(record: OutputRecord, source: SourcePosition): Promise<void> | void;
  /** Partitions of a topic, for custom partitioners; undefined while unknown (the partitioner is then skipped). */
  partitionCount(topic: string): number | undefined;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: what Kafka stores as committed. */
  readonly offset: bigint;
}

export interface TaskOptions {
  /** Prefixes internal topics: `<applicationId>-<name>-repartition`. */
  readonly applicationId: string;
  /** Wall-clock time and timers for everything in the task (wall-clock punctuation, `delay`); tests pass a VirtualScheduler. */
  readonly scheduler: Scheduler;
  readonly collector: RecordCollector;
  /** For sources and sinks given no serde (Kafka's default.key.serde). */
  readonly defaultKeySerde?: Serde<unknown>;
  readonly defaultValueSerde?: Serde<unknown>;
  /** Default `logAndFail`. */
  readonly deserializationExceptionHandler?: ExceptionHandler;
  /** Default `logAndFail`. */
  readonly processingExceptionHandler?: ExceptionHandler;
  /** Records a sink cannot serialize; default `fail`. */
  readonly productionExceptionHandler?: ProductionExceptionHandler;
  /** When set, records either handler skips or fails go here first (KIP-1034). */
  readonly deadLetterQueueTopic?: string;
  /** pino-compatible; default silent. */
  readonly logger?: StreamsLogger;
  /** Told once when the task fails asynchronously (a rejected send, an async stage failing). */
  readonly onError?: (error: StreamsError) => void;
  /** Record cache bytes per state store (Kafka's statestore.cache.max.bytes, here per store); 0 disables caching. Default 10 MiB. */
  readonly cacheMaxBytes?: number;
  /** The instance's global tables (one set shared by all tasks); needed when the topology has any. */
  readonly globalStores?: GlobalStateStores;
}

/**
 * A task's state stores, as the runtime restores and checkpoints them (see streams/README.md,
 * "State"). Every call happens between createTask and the first process().
 */
export interface TaskStateAccess {
  /** The changelog partitions to restore: `<applicationId>-<store>-changelog`, the task's partition. */
  changelogPartitions(): readonly ChangelogPartition[];
  /** Replays changelog records (in offset order, from the checkpointed offset or the start) into the store. */
  restore(changelogTopic: string, records: Iterable<ChangelogRecord>): void;
  /** Per changelog partition restored, the offset after the last restored record. */
  restoredOffsets(): readonly TopicPartitionOffset[];
  /**
   * The entries of the store logged to `changelogTopic`, as changelog records would carry them:
   * what the runtime saves next to the checkpoint, since in-memory stores do not outlive the process.
   */
  snapshot?(changelogTopic: string): readonly { readonly key: Buffer; readonly value: Buffer; readonly timestamp: number }[] | undefined;
  /** A store for interactive queries, read-only; undefined when the task has no store of that name. */
  store(name: string): ReadOnlyStore | undefined;
  storeNames(): readonly string[];
  /** Records dropped as late by window operations (Kafka's dropped-records-total for the task). */
  readonly droppedRecords: number;
}

/** What one sub-topology needs from the cluster, with internal topic names resolved. */
export interface SubtopologyInfo {
  readonly id: number;
  /** Topics read by name, repartition topics included (prefixed). */
  readonly sourceTopics: readonly string[];
  /** Topics read by pattern (a RegExp source): match them against the cluster's topics. */
  readonly sourcePatterns: readonly RegExp[];
  /** The repartition topics among sourceTopics. */
  readonly repartitionSourceTopics: readonly string[];
  /** Static sink topics (extractor sinks are known only per record). */
  readonly sinkTopics: readonly string[];
}

/** An internal topic the runtime creates before starting tasks. */
export interface InternalTopicSpec {
  /** `<applicationId>-<name>-repartition`. */
  readonly name: string;
  /** Set by `repartition({ numberOfPartitions })`; otherwise use the most partitions among upstreamSourceTopics. */
  readonly numberOfPartitions: number | undefined;
  /** Source topics (resolved) of the sub-topology that writes this topic. */
  readonly upstreamSourceTopics: readonly string[];
  /** Topic configs Kafka Streams sets on repartition topics (and on changelogs: compaction). */
  readonly configs: Readonly<Record<string, string>>;
  /** Absent means repartition: topics the runtime must create before starting tasks. */
  readonly kind?: 'repartition' | 'changelog';
}

/** One sub-topology running on one partition number. */
export interface StreamTask {
  readonly id: TaskId;
  /**
   * Processes one record, synchronously: when it returns, every synchronous operator has run
   * and every record that reached a sink was handed to the collector. Call in offset order per
   * input partition. Throws a StreamsError when a handler says fail, or when the task already failed.
   */
  process(record: InputRecord): void;
  /**
   * Per input partition seen so far, the next offset safe to commit (see README "At-least-once").
   * This is the commit point: it first flushes the record caches of the task's stores (their
   * updates go to changelogs and downstream, and hold their offsets until acknowledged).
   */
  committableOffsets(): TopicPartitionOffset[];
  /**
   * Records held inside the topology (including inputs a user `pipe()` holds until a later output
   * passes) plus sends not yet acknowledged: what a close leaves uncommitted.
   */
  readonly inFlight: number;
  /**
   * Sends not yet acknowledged plus records inside async stages (`mapAsync`): the work that
   * finishes by itself, so the runtime pauses a task on this. Inputs held by a user `pipe()`
   * are not counted: one that drops every record would otherwise stop its partition for good.
   */
  readonly asyncInFlight: number;
  /** The largest record timestamp processed, -1 before the first. */
  readonly streamTime: number;
  /** Set once the task has failed; every later process() throws it. */
  readonly error: StreamsError | undefined;
  /** Resolves when every send so far is acknowledged and async stages are empty; rejects if the task fails. */
  flush(): Promise<void>;
  /**
   * Completes the sources (operators that buffer emit what they hold), waits as flush(), then
   * unsubscribes. Idempotent. Commit `committableOffsets()` after it.
   */
  close(): Promise<void>;
  /**
   * Drops the task without flushing or emitting anything, and stops reporting its failures: its
   * transaction was aborted (exactly-once), so a new task redoes its work from the committed offsets.
   */
  abandon?(): void;
  /** The task's state stores; absent for a task without stores (and in test doubles). */
  readonly state?: TaskStateAccess | undefined;
}

/** What a Topology offers its runners. */
export interface RunnableTopology {
  subtopologies(applicationId: string): SubtopologyInfo[];
  internalTopics(applicationId: string): InternalTopicSpec[];
  createTask(id: TaskId, options: TaskOptions): StreamTask;
  /** Topic sets that must be co-partitioned (joins); absent means none. */
  copartitionGroups?(applicationId: string): string[][];
  /** Global tables, read into one GlobalStateStores per instance; absent means none. */
  globalTables?(): GlobalTableSpec[];
  /** Store names with the sub-topology holding each (-1: global), for interactive queries. */
  storeNames?(): readonly { readonly name: string; readonly kind: StoreKind; readonly subtopology: number }[];
}
