import type { LogRecord, TopicLog, TopicLogFactory } from './topic-log.ts';

/**
 * An in-memory compacted topic: one list of records per topic name, shared by every log opened
 * on it from the same factory, so a "restart" (a new store on the same factory) replays what the
 * previous one wrote. For unit tests and for a worker that needs no durability.
 */
export class MemoryTopicLogFactory implements TopicLogFactory {
  readonly topics = new Map<string, { key: string; value: Buffer | null; partition: number }[]>();

  open(topic: string, partitions: number): TopicLog {
    let records = this.topics.get(topic);
    if (records === undefined) {
      records = [];
      this.topics.set(topic, records);
    }
    return new MemoryTopicLog(records, partitions);
  }
}

class MemoryTopicLog implements TopicLog {
  private readonly records: { key: string; value: Buffer | null; partition: number }[];
  private readonly partitions: number;
  private onRecord: ((record: LogRecord) => void) | undefined;
  private replayed = 0;

  constructor(records: { key: string; value: Buffer | null; partition: number }[], partitions: number) {
    this.records = records;
    this.partitions = partitions;
  }

  start(onRecord: (record: LogRecord) => void): Promise<void> {
    this.onRecord = onRecord;
    return this.readToEnd();
  }

  send(key: string, value: Buffer | null): Promise<void> {
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) | 0;
    this.records.push({ key, value, partition: Math.abs(hash) % this.partitions });
    return Promise.resolve();
  }

  readToEnd(): Promise<void> {
    while (this.replayed < this.records.length) {
      const record = this.records[this.replayed]!;
      this.onRecord?.({ ...record, offset: BigInt(this.replayed) });
      this.replayed++;
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.onRecord = undefined;
    return Promise.resolve();
  }
}
