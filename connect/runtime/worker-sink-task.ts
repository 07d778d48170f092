import type { Scheduler, Timer } from '../../core/base/index.ts';
import type { Consumer, ConsumerBatch, TopicPartition as ClientTopicPartition } from '../../client/index.ts';
import type { ConnectLogger, Header, SchemaAndValue, SinkRecord, SinkTask, TaskConfig, TopicPartition, TopicPartitionOffset } from '../api/index.ts';
import { TimestampType } from '../api/index.ts';
import type { TaskConverters } from './converters/task-converters.ts';
import type { ConsumedRecord } from './errors/error-reporter.ts';
import type { RetryWithToleranceOperator } from './errors/retry-with-tolerance.ts';
import { isRetriable } from './errors/retry-with-tolerance.ts';
import type { Outcome } from './errors/retry-with-tolerance.ts';
import { Stage } from './errors/stage.ts';
import type { TaskId, TaskStatusListener } from './task-status.ts';
import { FAILED } from './transforms/transformation-chain.ts';
import type { TransformationChain } from './transforms/transformation-chain.ts';

export interface WorkerSinkTaskOptions {
  readonly id: TaskId;
  readonly task: SinkTask;
  readonly taskConfig: TaskConfig;
  /** A consumer in group connect-<name>, autoCommit off; this class subscribes it. */
  readonly consumer: Consumer;
  readonly topics: readonly string[] | RegExp;
  readonly converters: TaskConverters;
  readonly transforms: TransformationChain;
  readonly operator: RetryWithToleranceOperator;
  readonly listener: TaskStatusListener;
  readonly scheduler: Scheduler;
  readonly logger: ConnectLogger;
  readonly offsetFlushIntervalMs: number;
  readonly topicUsed?: (topic: string) => void;
  readonly startPaused: boolean;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Kafka's default wait before redelivering a batch after a RetriableException from put(). */
const DEFAULT_PUT_RETRY_MS = 1000;

/**
 * Kafka's WorkerSinkTask: consumes the connector's topics in group connect-<name>, converts and
 * transforms each record, hands batches to put(), and every offset.flush.interval.ms commits
 * what preCommit() (default: flush()) says is safe. A failed record (conversion, transform,
 * or put with errors.tolerance=all) goes to the dead letter queue and the task keeps going.
 */
export class WorkerSinkTask {
  private readonly o: WorkerSinkTaskOptions;
  /** The next offset to commit per partition: past every record handed to put() or skipped. */
  private readonly currentOffsets = new Map<string, TopicPartitionOffset>();
  private readonly lastCommitted = new Map<string, bigint>();
  private stopping = false;
  private paused: boolean;
  private loop: Promise<void> | undefined;
  private commitTimer: Timer | undefined;
  private commitRequested = false;
  private retryTimeoutMs: number | undefined;
  /** Serialises put() batches, commits and rebalance callbacks. */
  private lock: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(options: WorkerSinkTaskOptions) {
    this.o = options;
    this.paused = options.startPaused;
  }

  get id(): TaskId {
    return this.o.id;
  }

  start(): void {
    this.loop = this.run();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.lock.then(work);
    this.lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.o.consumer.pause(this.o.consumer.assignment());
    this.o.listener.onPause(this.o.id);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.o.consumer.resume(this.o.consumer.assignment());
    this.o.listener.onResume(this.o.id);
  }

  private async run(): Promise<void> {
    const { task, id, consumer, scheduler } = this.o;
    try {
      task.initialize({
        configs: this.o.taskConfig,
        scheduler,
        logger: this.o.logger,
        offset: (offsets) => {
          for (const o of offsets) {
            consumer.seek(o.topic, o.partition, o.offset);
            this.currentOffsets.set(key(o.topic, o.partition), o);
          }
        },
        timeout: (ms) => {
          this.retryTimeoutMs = ms;
        },
        assignment: () => consumer.assignment(),
        pause: (partitions) => {
          consumer.pause(partitions);
        },
        resume: (partitions) => {
          if (!this.paused) consumer.resume(partitions);
        },
        requestCommit: () => {
          this.commitRequested = true;
        },
        errantRecordReporter: () =>
          this.o.operator.toleratesAll
            ? {
                report: async (record, error) => {
                  await this.o.operator.handle(Stage.TASK_PUT, id.connector, error, { record });
                },
              }
            : null,
      });
      await task.start(this.o.taskConfig);
      consumer.on('assigned', (partitions) => this.exclusive(() => this.onAssigned(partitions)));
      consumer.on('revoked', (partitions) => this.exclusive(() => this.onRevoked(partitions)));
      consumer.subscribe(Array.isArray(this.o.topics) ? this.o.topics : [this.o.topics as RegExp]);
      await consumer.connect();
      if (this.paused) this.o.listener.onPause(id);
      else this.o.listener.onStartup(id);
      this.commitTimer = scheduler.setInterval(() => {
        this.commitRequested = true;
        // An idle task commits too: the loop may be waiting for records that do not come.
        void this.exclusive(() => this.commitIfRequested()).catch((err: unknown) => {
          this.fail(err);
        });
      }, this.o.offsetFlushIntervalMs);
      this.commitTimer.unref();
      for await (const batch of consumer) {
        if (this.stopping) break;
        await this.exclusive(() => this.deliver(batch));
        if (this.failure !== undefined) throw this.failure;
        await this.exclusive(() => this.commitIfRequested());
      }
      if (this.failure !== undefined) throw this.failure;
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.stopping) return;
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.failure === undefined) {
      this.failure = error;
      this.o.logger.error({ err: error }, `task ${this.o.id.connector}-${this.o.id.task} failed`);
      this.o.listener.onFailure(this.o.id, error);
      // Stop consuming: a failed task holds its partitions until it is restarted or stopped.
      void this.o.consumer.close().catch(() => undefined);
    }
  }

  private async onAssigned(partitions: ClientTopicPartition[]): Promise<void> {
    if (this.paused) this.o.consumer.pause(partitions);
    await this.o.task.open?.(partitions);
  }

  private async onRevoked(partitions: ClientTopicPartition[]): Promise<void> {
    // At stop the commit already happened; a failed task commits nothing more.
    if (this.failure === undefined && !this.stopping) await this.commit(partitions).catch((err: unknown) => { this.o.logger.warn({ err }, 'commit on revoke failed'); });
    await this.o.task.close?.(partitions);
    for (const p of partitions) {
      this.currentOffsets.delete(key(p.topic, p.partition));
      this.lastCommitted.delete(key(p.topic, p.partition));
    }
  }

  /**
   * Converts and transforms a fetched batch and hands it to put(). A record that converts and
   * transforms without an error costs no promise and no context object; only a failing stage
   * goes through the operator (retries, tolerance, DLQ).
   */
  private async deliver(batch: ConsumerBatch): Promise<void> {
    const consumed = batch.records;
    const records: SinkRecord[] = [];
    /** Per record handed to put(), its index in the batch: the DLQ writes its original bytes. */
    const origins: number[] = [];
    for (let i = 0; i < consumed.length; i++) {
      let record = this.toSinkRecord(batch, consumed[i]!);
      if (record instanceof Promise) record = await record;
      if (record === null) continue;
      records.push(record);
      origins.push(i);
    }
    if (records.length > 0) await this.put(records, (i) => consumedRecord(batch, consumed[origins[i]!]!));
    const last = consumed.at(-1);
    if (last !== undefined) {
      this.currentOffsets.set(key(batch.topic, batch.partition), { topic: batch.topic, partition: batch.partition, offset: last.offset + 1n });
      this.o.topicUsed?.(batch.topic);
    }
  }

  /** The sink record of one consumed record; null when it failed and was tolerated, or a transform dropped it. */
  private toSinkRecord(batch: ConsumerBatch, r: ConsumerRecordOf): SinkRecord | null | Promise<SinkRecord | null> {
    const { converters } = this.o;
    const topic = batch.topic;
    let stage: Stage = Stage.KEY_CONVERTER;
    let k: SchemaAndValue | undefined;
    let v: SchemaAndValue | undefined;
    let headers: Header[];
    try {
      k = converters.key.toConnectData(topic, r.key);
      stage = Stage.VALUE_CONVERTER;
      v = converters.value.toConnectData(topic, r.value);
      stage = Stage.HEADER_CONVERTER;
      headers = this.connectHeaders(topic, r);
    } catch (error) {
      return this.convertAfterFailure(batch, r, stage, error, k, v);
    }
    return this.transform(batch, r, sinkRecord(batch, r, k, v, headers));
  }

  private connectHeaders(topic: string, r: ConsumerRecordOf): Header[] {
    const count = r.headers.length;
    if (count === 0) return [];
    const { header: converter } = this.o.converters;
    const out = new Array<Header>(count);
    for (let i = 0; i < count; i++) {
      const header = r.headers[i]!;
      const sv = converter.toConnectHeader(topic, header.key, header.value);
      out[i] = { key: header.key, schema: sv.schema, value: sv.value };
    }
    return out;
  }

  /** Kafka's path for a record whose conversion failed at `failed`: retry that stage, then go on stage by stage. */
  private async convertAfterFailure(batch: ConsumerBatch, r: ConsumerRecordOf, failed: Stage, error: unknown, k: SchemaAndValue | undefined, v: SchemaAndValue | undefined): Promise<SinkRecord | null> {
    const { converters, operator } = this.o;
    const topic = batch.topic;
    const context = { consumed: consumedRecord(batch, r) };
    const run = <T>(stage: Stage, className: string, operation: () => T): Promise<Outcome<T>> =>
      stage === failed ? operator.retry(stage, className, operation, error, context) : operator.execute(stage, className, operation, context);
    const key = k !== undefined ? { ok: true as const, value: k } : await run(Stage.KEY_CONVERTER, converters.keyClass, () => converters.key.toConnectData(topic, r.key));
    if (!key.ok) return null;
    const value = v !== undefined ? { ok: true as const, value: v } : await run(Stage.VALUE_CONVERTER, converters.valueClass, () => converters.value.toConnectData(topic, r.value));
    if (!value.ok) return null;
    const headers = await run(Stage.HEADER_CONVERTER, converters.headerClass, () => this.connectHeaders(topic, r));
    if (!headers.ok) return null;
    return this.transform(batch, r, sinkRecord(batch, r, key.value, value.value, headers.value));
  }

  private transform(batch: ConsumerBatch, r: ConsumerRecordOf, record: SinkRecord): SinkRecord | null | Promise<SinkRecord | null> {
    const { transforms, operator } = this.o;
    if (transforms.empty) return record;
    const transformed = transforms.applyNow(record, operator, { consumed: consumedRecord(batch, r), record });
    if (transformed instanceof Promise) return transformed.then((t) => (t === FAILED ? null : t));
    return transformed === FAILED ? null : transformed;
  }

  /**
   * put() with Kafka's handling: a retriable error redelivers the same batch after the task's
   * timeout; any other error fails the task, unless errors.tolerance=all, where the batch is
   * put again one record at a time so only the records that fail go to the dead letter queue.
   */
  private async put(records: readonly SinkRecord[], consumedOf: (index: number) => ConsumedRecord): Promise<void> {
    const { task, operator, scheduler } = this.o;
    for (;;) {
      try {
        await task.put(records);
        return;
      } catch (err) {
        if (this.stopping) return;
        if (isRetriable(err)) {
          const wait = this.retryTimeoutMs ?? DEFAULT_PUT_RETRY_MS;
          this.retryTimeoutMs = undefined;
          this.o.logger.warn({ err, retryInMs: wait }, 'put() failed with a retriable error; redelivering the batch');
          await scheduler.sleep(wait);
          continue;
        }
        if (!operator.toleratesAll) throw err;
        break;
      }
    }
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const outcome = await operator.execute(Stage.TASK_PUT, this.o.id.connector, () => task.put([record]), { consumed: consumedOf(i), record });
      if (!outcome.ok) this.o.logger.debug({ offset: record.kafkaOffset.toString() }, 'record skipped after put() failed');
    }
  }

  private async commitIfRequested(): Promise<void> {
    if (!this.commitRequested || this.failure !== undefined || this.stopping) return;
    this.commitRequested = false;
    await this.commit();
  }

  /** preCommit (default flush + everything), then commits what moved since the last commit. */
  private async commit(only?: readonly TopicPartition[]): Promise<void> {
    const wanted = only === undefined ? undefined : new Set(only.map((p) => key(p.topic, p.partition)));
    const current = [...this.currentOffsets.entries()].filter(([k]) => wanted === undefined || wanted.has(k)).map(([, o]) => o);
    if (current.length === 0) return;
    const { task } = this.o;
    let safe: readonly TopicPartitionOffset[];
    if (task.preCommit !== undefined) safe = await task.preCommit(current);
    else {
      await task.flush?.(current);
      safe = current;
    }
    const moved = safe.filter((o) => this.lastCommitted.get(key(o.topic, o.partition)) !== o.offset);
    if (moved.length === 0) return;
    await this.o.consumer.commit(moved.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
    for (const o of moved) this.lastCommitted.set(key(o.topic, o.partition), o.offset);
  }

  /**
   * Waits for the batch in put() to finish, commits what was put (after flush), leaves the group
   * (close(partitions) runs on revoke), then stops the task, as Kafka's WorkerSinkTask.close().
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.o.scheduler.clearInterval(this.commitTimer);
    if (this.failure === undefined) {
      await this.exclusive(() => this.commit()).catch((err: unknown) => {
        this.o.logger.warn({ err }, 'the last commit failed');
      });
    }
    await this.o.consumer.close().catch(() => undefined);
    await this.loop;
    try {
      await this.o.task.stop();
    } catch (err) {
      this.o.logger.warn({ err }, 'task stop() failed');
    }
    this.o.transforms.close();
    await this.o.operator.close();
    if (this.failure === undefined) this.o.listener.onShutdown(this.o.id);
  }
}

type ConsumerRecordOf = ConsumerBatch['records'][number];

/** The consumed record as the DLQ writes it back (its original bytes): built only for a failure. */
function consumedRecord(batch: ConsumerBatch, r: ConsumerRecordOf): ConsumedRecord {
  return { topic: batch.topic, partition: batch.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers };
}

function sinkRecord(batch: ConsumerBatch, r: ConsumerRecordOf, k: SchemaAndValue, v: SchemaAndValue, headers: Header[]): SinkRecord {
  const stamped = r.timestamp >= 0n;
  return {
    topic: batch.topic,
    kafkaPartition: batch.partition,
    keySchema: k.schema,
    key: k.value,
    valueSchema: v.schema,
    value: v.value,
    timestamp: stamped ? Number(r.timestamp) : null,
    headers,
    kafkaOffset: r.offset,
    timestampType: stamped ? TimestampType.CREATE_TIME : TimestampType.NO_TIMESTAMP_TYPE,
    originalTopic: batch.topic,
    originalKafkaPartition: batch.partition,
    originalKafkaOffset: r.offset,
  };
}
