import type { Scheduler } from '../../core/base/index.ts';
import { Admin, Consumer, KafkaError } from '../../client/index.ts';
import type { Producer } from '../../client/index.ts';
import type { ConnectLogger, SourceTaskContext } from '../api/index.ts';

type SchemaHistoryStore = ReturnType<NonNullable<SourceTaskContext['schemaHistoryStore']>>;

export interface SchemaHistoryTopicOptions {
  readonly topic: string;
  readonly bootstrapServers: string;
  readonly clientId: string;
  /** The task's own producer (acks=all): history and records share one connection. */
  readonly producer: Producer;
  readonly scheduler: Scheduler;
  readonly logger: ConnectLogger;
}

/**
 * Debezium's KafkaSchemaHistory on the worker's clients: a single-partition topic (so the
 * history has one order) that is never deleted from (cleanup.policy=delete with infinite
 * retention, as Debezium creates it: compaction would drop statements, time would drop the
 * tables' creation). Loading reads it whole with a group-less consumer; appending awaits the
 * acks of every value, so the task goes on only once its history is durable.
 */
export class SchemaHistoryTopic implements SchemaHistoryStore {
  readonly durable = true;
  private readonly o: SchemaHistoryTopicOptions;
  private ensured: Promise<void> | undefined;

  constructor(options: SchemaHistoryTopicOptions) {
    this.o = options;
  }

  async load(): Promise<unknown[]> {
    const { topic, bootstrapServers, clientId, scheduler } = this.o;
    await this.ensureTopic();
    const admin = new Admin({ bootstrapServers, clientId: `${clientId}-history-admin`, scheduler });
    let end: bigint;
    try {
      await admin.connect();
      const [listed] = await admin.listOffsets([{ topic, partition: 0, timestamp: 'latest' }]);
      end = listed?.offset ?? 0n;
    } finally {
      await admin.close();
    }
    const values: unknown[] = [];
    if (end === 0n) return values;
    const consumer = new Consumer({ bootstrapServers, clientId: `${clientId}-history-consumer`, autoOffsetReset: 'earliest', scheduler, maxWaitMs: 100 });
    try {
      await consumer.connect();
      await consumer.assign([{ topic, partition: 0, offset: 0n }]);
      for await (const batch of consumer) {
        for (const r of batch.records) {
          if (r.offset >= end || r.value === null) continue;
          try {
            values.push(JSON.parse(r.value.toString('utf8')));
          } catch {
            // Not written by a history store (a tool wrote to the topic): not history.
          }
        }
        if ((consumer.position(topic, 0) ?? 0n) >= end) break;
      }
    } finally {
      await consumer.close();
    }
    return values;
  }

  async append(values: readonly unknown[]): Promise<void> {
    if (values.length === 0) return;
    await this.ensureTopic();
    const { producer, topic } = this.o;
    await Promise.all(values.map((v) => producer.send({ topic, partition: 0, key: null, value: JSON.stringify(v) })));
  }

  private ensureTopic(): Promise<void> {
    this.ensured ??= this.createTopic().catch((err: unknown) => {
      // Let the next call try again rather than remember a transient failure.
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }

  private async createTopic(): Promise<void> {
    const { topic, bootstrapServers, clientId, scheduler, logger } = this.o;
    const admin = new Admin({ bootstrapServers, clientId: `${clientId}-history-admin`, scheduler });
    try {
      await admin.connect();
      await admin.createTopics([{ topic, numPartitions: 1, configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' } }]);
      logger.info({ topic }, 'created the schema history topic');
    } catch (err) {
      if (!(err instanceof KafkaError && err.errorName === 'TOPIC_ALREADY_EXISTS')) throw err;
    } finally {
      await admin.close();
    }
  }
}
