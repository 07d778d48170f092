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

/**
 * Reads back what a source connector's tasks already wrote, so a task restarted after a crash
 * can resume after its last written record rather than after its last stored offset (which
 * lags by up to offset.flush.interval.ms and would repeat what came in between). Not in Kafka:
 * its exactly-once source (KIP-618) needs transactions instead.
 */
export interface WrittenRecordReader {
  /**
   * Records of `topic`, headers converted back with the task's header converter: for each
   * partition a suffix holding at least every record written since the connector's last offset
   * flush (the whole partition when the worker cannot tell), in offset order within the
   * partition. Partitions may come one after another. Ends at the log end of when it was called.
   */
  tail(topic: string): AsyncIterable<Pick<SinkRecord, 'headers' | 'kafkaPartition' | 'kafkaOffset'>>;
  /**
   * The positions the task resumed from after reading the tail, ahead of the stored offsets:
   * the worker stores them at its next offset flush (as if records carrying them had just been
   * acknowledged). Until a task says so, the worker cannot tell when the records it read back
   * are covered by stored offsets, so every later tail starts at least as far back as this one.
   */
  resumedAt?(offsets: readonly { readonly partition: SourcePartition; readonly offset: SourceOffset }[]): void;
}

/**
 * A single-partition topic a source task keeps its own history in, as Debezium keeps the DDL it
 * has seen in schema.history.internal.kafka.topic: read whole at task start, appended to
 * durably. Not in Kafka Connect, where Debezium opens its own clients; here the worker does.
 */
export interface SchemaHistoryStore {
  /** Every value in the topic, oldest first, parsed from JSON (records that are not JSON are skipped). */
  load(): Promise<unknown[]>;
  /** Writes each value as a JSON record and resolves once all are acknowledged by every in-sync replica. */
  append(values: readonly unknown[]): Promise<void>;
  /** Whether appended values survive a restart of the worker. */
  readonly durable: boolean;
}

/** Where a schema history topic lives. */
export interface SchemaHistoryStoreOptions {
  /** The brokers holding the topic when the worker has no cluster of its own to offer. */
  readonly bootstrapServers?: string;
}

/** Kafka's SourceTaskContext. */
export interface SourceTaskContext extends RuntimeContext {
  /** This task's config, as the connector's taskConfigs() gave it. */
  readonly configs: Readonly<Record<string, unknown>>;
  readonly offsetStorageReader: OffsetStorageReader;
  /** Present when the worker can read back written records (Brook's worker does; see WrittenRecordReader). */
  readonly writtenRecordReader?: WrittenRecordReader;
  /** Present when the worker can keep a history topic for the task (Brook's worker does; see SchemaHistoryStore). */
  readonly schemaHistoryStore?: (topic: string, options?: SchemaHistoryStoreOptions) => SchemaHistoryStore;
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
