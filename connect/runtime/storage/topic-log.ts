/** One record of an internal topic, as replayed. */
export interface LogRecord {
  readonly key: string;
  readonly value: Buffer | null;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * Kafka's KafkaBasedLog: a compacted topic read from the beginning into memory, and written to.
 * Every record, the worker's own writes included, reaches `onRecord` in offset order per
 * partition, so loading at start and applying a live write are the same code path (replay).
 */
export interface TopicLog {
  /** Creates the topic when missing, then replays it to the end. */
  start(onRecord: (record: LogRecord) => void): Promise<void>;
  /** Writes one record; resolves once it is acknowledged (not yet necessarily replayed). */
  send(key: string, value: Buffer | null): Promise<void>;
  /** Resolves once every record written before the call has been replayed. */
  readToEnd(): Promise<void>;
  close(): Promise<void>;
}

/** How a worker opens its internal topics. */
export interface TopicLogFactory {
  open(topic: string, partitions: number): TopicLog;
}
