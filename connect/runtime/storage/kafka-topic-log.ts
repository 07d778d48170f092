import type { Scheduler } from '../../../core/base/index.ts';
import { Admin, Consumer, KafkaError, Producer } from '../../../client/index.ts';
import type { ConnectLogger } from '../../api/index.ts';
import type { LogRecord, TopicLog, TopicLogFactory } from './topic-log.ts';

export interface KafkaTopicLogOptions {
  readonly bootstrapServers: string;
  readonly clientId: string;
  /** Replication factor for topics this log creates; -1 for the broker's default. */
  readonly replicationFactor: number;
  readonly scheduler: Scheduler;
  readonly logger: ConnectLogger;
}

/** Opens internal topics on a Kafka-compatible cluster. */
export class KafkaTopicLogFactory implements TopicLogFactory {
  private readonly options: KafkaTopicLogOptions;

  constructor(options: KafkaTopicLogOptions) {
    this.options = options;
  }

  open(topic: string, partitions: number): TopicLog {
    return new KafkaTopicLog(this.options, topic, partitions);
  }
}

/**
 * A compacted topic replayed by a group-less consumer that reads every partition from the
 * start, and written by an idempotent acks=all producer (Kafka's KafkaBasedLog).
 */
class KafkaTopicLog implements TopicLog {
  private readonly options: KafkaTopicLogOptions;
  private readonly topic: string;
  private readonly partitions: number;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private loop: Promise<void> | undefined;
  private onRecord: ((record: LogRecord) => void) | undefined;
  private partitionIds: number[] = [];
  private waiters: (() => void)[] = [];
  private failure: Error | undefined;
  private closed = false;

  constructor(options: KafkaTopicLogOptions, topic: string, partitions: number) {
    this.options = options;
    this.topic = topic;
    this.partitions = partitions;
  }

  async start(onRecord: (record: LogRecord) => void): Promise<void> {
    this.onRecord = onRecord;
    const { bootstrapServers, clientId, scheduler } = this.options;
    // Kept open: readToEnd asks it for the end offsets.
    const admin = new Admin({ bootstrapServers, clientId: `${clientId}-admin`, scheduler });
    this.admin = admin;
    await admin.connect();
    await this.ensureTopic(admin);
    this.producer = new Producer({ bootstrapServers, clientId: `${clientId}-producer`, acks: 'all', lingerMs: 0, scheduler });
    await this.producer.connect();
    const consumer = new Consumer({ bootstrapServers, clientId: `${clientId}-consumer`, autoOffsetReset: 'earliest', scheduler, maxWaitMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    this.partitionIds = await consumer.partitionsFor(this.topic);
    await consumer.assign(this.partitionIds.map((partition) => ({ topic: this.topic, partition, offset: 0n })));
    this.loop = this.consume(consumer);
    await this.readToEnd();
  }

  private async ensureTopic(admin: Admin): Promise<void> {
    const { replicationFactor } = this.options;
    try {
      await admin.createTopics([
        {
          topic: this.topic,
          numPartitions: this.partitions,
          ...(replicationFactor > 0 ? { replicationFactor } : {}),
          configs: { 'cleanup.policy': 'compact' },
        },
      ]);
      this.options.logger.info({ topic: this.topic, partitions: this.partitions }, 'created internal topic');
    } catch (err) {
      if (!(err instanceof KafkaError && err.errorName === 'TOPIC_ALREADY_EXISTS')) throw err;
    }
  }

  private async consume(consumer: Consumer): Promise<void> {
    try {
      for await (const batch of consumer) {
        for (const r of batch.records) {
          if (r.key === null) continue;
          this.onRecord?.({ key: r.key.toString('utf8'), value: r.value, partition: batch.partition, offset: r.offset });
        }
        this.wake();
      }
    } catch (err) {
      if (!this.closed) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.options.logger.error({ err, topic: this.topic }, 'reading an internal topic failed');
      }
    } finally {
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  async send(key: string, value: Buffer | null): Promise<void> {
    if (this.producer === undefined) throw new Error(`the log of ${this.topic} is not started`);
    await this.producer.send({ topic: this.topic, key, value });
  }

  async readToEnd(): Promise<void> {
    const consumer = this.consumer;
    const admin = this.admin;
    if (consumer === undefined || admin === undefined) return;
    const ends = await admin.listOffsets(this.partitionIds.map((partition) => ({ topic: this.topic, partition, timestamp: 'latest' })));
    const behind = (): boolean => ends.some((e) => (consumer.position(this.topic, e.partition) ?? 0n) < e.offset);
    while (behind()) {
      if (this.failure !== undefined) throw this.failure;
      if (this.closed) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.consumer?.close();
    await this.loop;
    await this.producer?.close();
    await this.admin?.close();
    this.wake();
  }
}
