import type { Schema } from './schema.ts';

/** A JSON value, as stored in connect-offsets and connect-configs. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Where a source record came from (a file, a database server): Kafka's sourcePartition map. */
export type SourcePartition = Readonly<Record<string, JsonValue>>;
/** How far into its source partition a record is (a byte position, a binlog position). */
export type SourceOffset = Readonly<Record<string, JsonValue>>;

/** One header of a record; `schema` null means the value is schemaless. */
export interface Header {
  readonly key: string;
  readonly schema: Schema | null;
  readonly value: unknown;
}

/**
 * Kafka's ConnectRecord: what converters and transforms see. Every field is present (null when
 * unset), so a transform derives a new record with a spread (`{ ...record, value }`), which keeps
 * the fields of SourceRecord or SinkRecord as Kafka's newRecord() does.
 */
export interface ConnectRecord {
  readonly topic: string;
  /** The partition to write to (source) or read from (sink); null lets the producer choose. */
  readonly kafkaPartition: number | null;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  readonly value: unknown;
  /** Milliseconds since the epoch, or null for "when it is produced". */
  readonly timestamp: number | null;
  readonly headers: readonly Header[];
}

/** A record a source task polled, with the position it came from. */
export interface SourceRecord extends ConnectRecord {
  readonly sourcePartition: SourcePartition;
  readonly sourceOffset: SourceOffset;
}

/** Kafka's TimestampType for the records a sink task is given. */
export const TimestampType = {
  NO_TIMESTAMP_TYPE: 'NoTimestampType',
  CREATE_TIME: 'CreateTime',
  LOG_APPEND_TIME: 'LogAppendTime',
} as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/** A record a sink task is given: a consumed record after conversion and transforms. */
export interface SinkRecord extends ConnectRecord {
  readonly kafkaPartition: number;
  readonly kafkaOffset: bigint;
  readonly timestampType: TimestampType;
  /** Topic, partition and offset before transforms changed them (KIP-793). */
  readonly originalTopic: string;
  readonly originalKafkaPartition: number;
  readonly originalKafkaOffset: bigint;
}

/** A topic partition, for sink tasks. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A partition and the next offset to consume in it (Kafka's committed offset = last + 1). */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: bigint;
}

/** Where the producer wrote a source record (Kafka's RecordMetadata). */
export interface WrittenRecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: number;
}
