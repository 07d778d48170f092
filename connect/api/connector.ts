import type { ConnectorContext, SinkTaskContext, SourceConnectorContext, SourceTaskContext } from './context.ts';
import type { SinkRecord, SourceRecord, TopicPartition, TopicPartitionOffset, WrittenRecordMetadata } from './records.ts';

/** A task's config: JSON data, stored in connect-configs as the connector's taskConfigs() returned it. */
export type TaskConfig = Readonly<Record<string, unknown>>;

/** Kafka's Task: one unit of work the worker runs. Methods may be sync or async. */
export interface Task<Config = TaskConfig> {
  start(config: Config): void | Promise<void>;
  /**
   * Ends the task. It may be called while a poll() or put() is pending: such a call should then
   * finish promptly (poll resolving to null), since the worker waits for it before closing.
   */
  stop(): void | Promise<void>;
}

/**
 * Kafka's SourceTask. The worker calls poll() in a loop, converts, transforms and produces what it
 * returns, and stores each record's sourceOffset once the record is acknowledged, every
 * offset.flush.interval.ms.
 */
export interface SourceTask<Config = TaskConfig> extends Task<Config> {
  initialize(context: SourceTaskContext): void;
  /**
   * The next records, or null/empty when there are none yet. Wait a little for data (with the
   * context's scheduler) rather than returning at once in a busy loop, and resolve promptly once
   * stop() is called. A retriable ConnectError is retried; any other error fails the task.
   */
  poll(): Promise<SourceRecord[] | null>;
  /** Offsets up to the last flush are committed (Kafka's commit()): the source may let go of data. */
  commit?(): void | Promise<void>;
  /**
   * One record was acknowledged by Kafka (metadata) or dropped by a transform or by error
   * tolerance (metadata null).
   */
  commitRecord?(record: SourceRecord, metadata: WrittenRecordMetadata | null): void | Promise<void>;
}

/**
 * Kafka's SinkTask. The worker consumes the connector's topics in consumer group
 * `connect-<name>`, calls put() with converted, transformed records, and before committing the
 * group's offsets calls preCommit() (default: flush()).
 */
export interface SinkTask<Config = TaskConfig> extends Task<Config> {
  initialize(context: SinkTaskContext): void;
  put(records: readonly SinkRecord[]): void | Promise<void>;
  /** Make everything put() so far durable; `currentOffsets` are the offsets about to be committed. */
  flush?(currentOffsets: readonly TopicPartitionOffset[]): void | Promise<void>;
  /**
   * The offsets safe to commit: defaults to flush(currentOffsets) then committing them all. A task
   * that writes asynchronously returns less; an empty array commits nothing.
   */
  preCommit?(currentOffsets: readonly TopicPartitionOffset[]): readonly TopicPartitionOffset[] | Promise<readonly TopicPartitionOffset[]>;
  /** Partitions were assigned to this task (Kafka's open()). */
  open?(partitions: readonly TopicPartition[]): void | Promise<void>;
  /** Partitions are taken away: the task drops their buffers (Kafka's close(partitions)). */
  close?(partitions: readonly TopicPartition[]): void | Promise<void>;
}

/**
 * Kafka's Connector: it reads its config and splits the work into at most `maxTasks` task
 * configs. It runs on one worker; its tasks may run on others, built with taskClass().
 */
export interface Connector<Config = Readonly<Record<string, unknown>>, Context extends ConnectorContext = ConnectorContext> {
  initialize(context: Context): void;
  /** `config` is validated against the plugin's configSchema, with its defaults filled in. */
  start(config: Config): void | Promise<void>;
  /** Up to maxTasks configs, one per task to run (fewer is fine; more is an error). */
  taskConfigs(maxTasks: number): TaskConfig[] | Promise<TaskConfig[]>;
  stop(): void | Promise<void>;
}

export interface SourceConnector<Config = Readonly<Record<string, unknown>>> extends Connector<Config, SourceConnectorContext> {
  /** The task class the worker instantiates, with no arguments, for each task config. */
  taskClass(): new () => SourceTask;
}

export interface SinkConnector<Config = Readonly<Record<string, unknown>>> extends Connector<Config> {
  taskClass(): new () => SinkTask;
}
