import type { Scheduler } from '../../core/base/index.ts';
import type { SourceOffset, SourcePartition, SinkRecord, TopicPartition, TopicPartitionOffset } from './records.ts';

/**
 * The logging calls connectors may make: pino's signature (an object of fields, then a message),
 * so the worker hands in a child of its own logger that already names the connector and task.
 */
export interface ConnectLogger {
  trace(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** What every connector and task is given besides its config. */
export interface RuntimeContext {
  /** Time and timers: connectors never call Date.now or setTimeout themselves (virtual time in tests). */
  readonly scheduler: Scheduler;
  readonly logger: ConnectLogger;
}

/** Kafka's ConnectorContext. */
export interface ConnectorContext extends RuntimeContext {
  /** The connector's task configs changed (a new table, a new file): ask taskConfigs() again. */
  requestTaskReconfiguration(): void;
  /** Fails the connector from outside a call (a background thread of its own noticed a fault). */
  raiseError(error: Error): void;
}

/** Kafka's OffsetStorageReader: the last committed source offsets. */
export interface OffsetStorageReader {
  /** The last committed offset of one source partition, or null when none was committed. */
  offset(partition: SourcePartition): Promise<SourceOffset | null>;
  /** The last committed offsets of several partitions, in order; null where none was committed. */
  offsets(partitions: readonly SourcePartition[]): Promise<(SourceOffset | null)[]>;
}

/** Kafka's SourceConnectorContext. */
export interface SourceConnectorContext extends ConnectorContext {
  readonly offsetStorageReader: OffsetStorageReader;
}

/** Kafka's SinkConnectorContext. */
export type SinkConnectorContext = ConnectorContext;

/** Kafka's SourceTaskContext. */
export interface SourceTaskContext extends RuntimeContext {
  /** This task's config, as the connector's taskConfigs() gave it. */
  readonly configs: Readonly<Record<string, unknown>>;
  readonly offsetStorageReader: OffsetStorageReader;
}

/** Kafka's ErrantRecordReporter (KIP-610): send one failed record to the dead letter queue. */
export interface ErrantRecordReporter {
  /** Resolves once the record is reported; rejects (and fails the task) when errors.tolerance is none. */
  report(record: SinkRecord, error: Error): Promise<void>;
}

/** Kafka's SinkTaskContext. */
export interface SinkTaskContext extends RuntimeContext {
  readonly configs: Readonly<Record<string, unknown>>;
  /** Rewinds (or skips) consumption: each partition continues from the given offset. */
  offset(offsets: readonly TopicPartitionOffset[]): void;
  /** Kafka's timeout(ms): the task threw a retriable error; redeliver the batch after this long. */
  timeout(timeoutMs: number): void;
  /** The partitions currently assigned to this task. */
  assignment(): readonly TopicPartition[];
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Flush and commit offsets as soon as possible rather than at the next commit interval. */
  requestCommit(): void;
  /** The reporter for records the task cannot write, or null when no DLQ/tolerance is configured. */
  errantRecordReporter(): ErrantRecordReporter | null;
}
