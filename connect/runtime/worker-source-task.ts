import type { Scheduler, Timer } from '../../core/base/index.ts';
import type { Producer, ProducerRecord, RecordMetadata } from '../../client/index.ts';
import type { ConnectLogger, Header, SinkRecord, SourceOffset, SourcePartition, SourceRecord, SourceTask, TaskConfig, WrittenRecordReader } from '../api/index.ts';
import type { TaskConverters } from './converters/task-converters.ts';
import type { RetryWithToleranceOperator } from './errors/retry-with-tolerance.ts';
import { isRetriable } from './errors/retry-with-tolerance.ts';
import type { Outcome } from './errors/retry-with-tolerance.ts';
import { SchemaHistoryTopic } from './schema-history-topic.ts';
import { Stage } from './errors/stage.ts';
import type { OffsetStore } from './storage/offset-store.ts';
import { SubmittedRecords } from './submitted-records.ts';
import type { SubmittedRecord } from './submitted-records.ts';
import type { TaskId, TaskStatusListener } from './task-status.ts';
import { connectorWrittenMarks, encodeWrittenMarks, topicPartitionKey, writtenMarksPartition } from './written-marks.ts';
import type { ReadWrittenRecords } from './written-record-reader.ts';
import { FAILED } from './transforms/transformation-chain.ts';
import type { TransformationChain } from './transforms/transformation-chain.ts';

/**
 * Bytes of keys and values converted and handed to the producer between two turns of the event
 * loop: a few milliseconds of conversion, and about what a default produce request holds.
 */
export const SEND_SLICE_BYTES = 1024 * 1024;

export interface WorkerSourceTaskOptions {
  readonly id: TaskId;
  readonly task: SourceTask;
  readonly taskConfig: TaskConfig;
  readonly producer: Producer;
  readonly converters: TaskConverters;
  readonly transforms: TransformationChain;
  readonly operator: RetryWithToleranceOperator;
  readonly offsetStore: OffsetStore;
  readonly listener: TaskStatusListener;
  readonly scheduler: Scheduler;
  readonly logger: ConnectLogger;
  readonly offsetFlushIntervalMs: number;
  readonly offsetFlushTimeoutMs: number;
  /** Called with each topic the task wrote to (KIP-558 topic tracking). */
  readonly topicUsed?: (topic: string) => void;
  readonly startPaused: boolean;
  /** Reads output topics back for the task's writtenRecordReader; without it the task has none. */
  readonly readWritten?: ReadWrittenRecords;
  /** The worker's cluster, for history topics the task keeps (else the task must name the brokers). */
  readonly bootstrapServers?: string;
}

/**
 * Kafka's WorkerSourceTask: polls the task, transforms and converts each record, produces it,
 * and every offset.flush.interval.ms stores the offsets of what was acknowledged, then calls the
 * task's commit(). On stop, the last acknowledged offsets are stored before the producer closes.
 */
export class WorkerSourceTask {
  private readonly o: WorkerSourceTaskOptions;
  private readonly submitted = new SubmittedRecords();
  private stopping = false;
  private paused: boolean;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private flushTimer: Timer | undefined;
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Marks stored by the connector's tasks before this start: where tails begin. */
  private startMarks = new Map<string, bigint>();
  /** Per output partition, the offset of this task's last acknowledged record there. */
  private readonly lastWritten = new Map<string, bigint>();
  /**
   * Per output partition, the first record a tail read back: the marks stay at or before it
   * until the task says where it resumed (resumedAt) and those offsets are stored, since only
   * then are the records read back covered by stored offsets.
   */
  private readonly held = new Map<string, bigint>();
  private resumed = false;
  /** The last output partition acknowledged, and its key. */
  private lastTopic = '';
  private lastPartition = -1;
  private lastKey = '';
  /**
   * Topics reported through topicUsed since the last poll was sent: once per poll, not per
   * record, is enough for the status store, which records each topic once, and again soon
   * after a topics reset (Kafka looks its store up at every record).
   */
  private readonly reportedTopics = new Set<string>();
  /** Frozen header lists the task shares between records, converted for the topic last seen. */
  private readonly sharedHeaders = new WeakMap<readonly Header[], { topic: string; converted: readonly { key: string; value: Buffer | null }[] }>();

  constructor(options: WorkerSourceTaskOptions) {
    this.o = options;
    this.paused = options.startPaused;
  }

  get id(): TaskId {
    return this.o.id;
  }

  /** Starts the task and its poll loop; failures are reported to the listener, not thrown. */
  start(): void {
    this.loop = this.run();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.o.listener.onPause(this.o.id);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.o.listener.onResume(this.o.id);
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private async run(): Promise<void> {
    const { task, id, scheduler } = this.o;
    try {
      if (this.o.readWritten !== undefined) this.startMarks = connectorWrittenMarks(await this.o.offsetStore.list(id.connector));
      task.initialize({
        configs: this.o.taskConfig,
        offsetStorageReader: {
          offset: (partition) => this.o.offsetStore.get(id.connector, partition),
          offsets: (partitions) => Promise.all(partitions.map((p) => this.o.offsetStore.get(id.connector, p))),
        },
        ...(this.o.readWritten === undefined ? {} : { writtenRecordReader: this.writtenRecordReader(this.o.readWritten) }),
        scheduler,
        logger: this.o.logger,
        schemaHistoryStore: (topic, options) => {
          const bootstrapServers = this.o.bootstrapServers ?? options?.bootstrapServers;
          if (bootstrapServers === undefined) throw new Error(`no brokers known for the schema history topic ${topic}`);
          return new SchemaHistoryTopic({ topic, bootstrapServers, clientId: `connector-${id.connector}-${id.task}`, producer: this.o.producer, scheduler, logger: this.o.logger });
        },
      });
      await task.start(this.o.taskConfig);
      if (this.paused) this.o.listener.onPause(id);
      else this.o.listener.onStartup(id);
      this.flushTimer = scheduler.setInterval(() => {
        void this.commitOffsets().catch((err: unknown) => {
          this.o.logger.warn({ err }, 'storing source offsets failed; trying again at the next flush');
        });
      }, this.o.offsetFlushIntervalMs);
      this.flushTimer.unref();
      while (!this.stopping) {
        if (this.failure !== undefined) throw this.failure;
        if (this.paused) {
          await new Promise<void>((resolve) => (this.wakeUp = resolve));
          continue;
        }
        const records = await this.poll();
        const some = records !== null && records.length > 0;
        // stop() may have been called while poll() was pending.
        if (some && !this.isStopping()) await this.send(records);
        // A task that answers at once must not starve the event loop (acks, timers, REST). After
        // records the next turn is enough (a timer would cost a millisecond per poll); a task
        // that answers at once with nothing waits a timer's tick, not spin a core.
        if (some) await nextTurn();
        else await scheduler.sleep(0);
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (!this.stopping) {
        this.o.logger.error({ err: error }, `task ${id.connector}-${id.task} failed`);
        this.failure ??= error;
        this.o.listener.onFailure(id, error);
      }
    }
  }

  private writtenRecordReader(read: ReadWrittenRecords): WrittenRecordReader {
    const { converters, id } = this.o;
    const held = this.held;
    const startMarks = this.startMarks;
    return {
      async *tail(topic: string): AsyncIterable<Pick<SinkRecord, 'headers' | 'kafkaPartition' | 'kafkaOffset'>> {
        for await (const record of read(topic, startMarks)) {
          const key = topicPartitionKey(topic, record.partition);
          const known = held.get(key);
          if (known === undefined || record.offset < known) held.set(key, record.offset);
          yield {
            kafkaPartition: record.partition,
            kafkaOffset: record.offset,
            headers: record.headers.map((h) => {
              const converted = converters.header.toConnectHeader(topic, h.key, h.value);
              return { key: h.key, schema: converted.schema, value: converted.value };
            }),
          };
        }
      },
      resumedAt: (offsets: readonly { readonly partition: SourcePartition; readonly offset: SourceOffset }[]) => {
        // Queued ahead of every record the task will send, so they are stored at the next flush.
        for (const { partition, offset } of offsets) this.submitted.submit(partition, offset).ack();
        this.resumed = true;
        this.o.logger.debug({ task: id.task, partitions: offsets.length }, 'task resumed ahead of its stored offsets');
      },
    };
  }

  /**
   * Where a reader must start per output partition to see every record the offsets being
   * stored do not cover: the first uncovered record, else the offset after the last one
   * written (later records land after it), else what was stored before.
   */
  private writtenMarks(uncovered: ReadonlyMap<string, bigint>, release: boolean): Map<string, bigint> {
    const marks = new Map<string, bigint>();
    for (const key of new Set([...this.startMarks.keys(), ...this.lastWritten.keys(), ...this.held.keys()])) {
      const last = this.lastWritten.get(key);
      let mark = uncovered.get(key) ?? (last === undefined ? undefined : last + 1n) ?? this.startMarks.get(key);
      const held = release ? undefined : this.held.get(key);
      if (held !== undefined && (mark === undefined || held < mark)) mark = held;
      if (mark !== undefined) marks.set(key, mark);
    }
    return marks;
  }

  private isStopping(): boolean {
    return this.stopping;
  }

  private async poll(): Promise<SourceRecord[] | null> {
    try {
      return await this.o.task.poll();
    } catch (err) {
      // Kafka's poll: a RetriableException means "nothing this time", anything else fails the task.
      if (isRetriable(err)) {
        this.o.logger.warn({ err }, 'poll failed with a retriable error; polling again');
        await this.o.scheduler.sleep(100);
        return null;
      }
      throw err;
    }
  }

  /**
   * Transforms, converts and produces a poll's records, a slice at a time: each slice goes to the
   * producer with one sendBatch, and each record is acknowledged on its own (its offset becomes
   * committable, commitRecord is called), without a promise or closures per record. Between
   * slices the event loop takes a turn, so acknowledgements are read and the producer's sender
   * sends while the rest is converted: a whole poll converted in one go (tens of milliseconds
   * for a few thousand change events with schemas) would leave the broker without requests
   * for that long, and the converter waiting for memory afterwards.
   */
  private async send(records: readonly SourceRecord[]): Promise<void> {
    this.reportedTopics.clear();
    for (let from = 0; from < records.length; ) {
      if (from > 0) await nextTurn();
      from = await this.sendSlice(records, from);
    }
  }

  /** Sends records from `from` on until SEND_SLICE_BYTES are converted; returns where it stopped. */
  private async sendSlice(records: readonly SourceRecord[], from: number): Promise<number> {
    const { producer, task } = this.o;
    const batch = new InFlightBatch(records.length - from, task.commitRecord !== undefined);
    let bytes = 0;
    let i = from;
    // Indexed: an iterator over the poll would be an object more per record (the loop awaits).
    while (i < records.length && bytes < SEND_SLICE_BYTES) {
      const record = records[i++]!;
      let produced = this.toProducerRecord(record);
      if (produced instanceof Promise) produced = await produced;
      if (produced === null) {
        // Dropped or tolerated: its offset still counts, as Kafka commits offsets of filtered records.
        this.submitted.submit(record.sourcePartition, record.sourceOffset).ack();
        if (task.commitRecord !== undefined) await task.commitRecord(record, null);
        continue;
      }
      bytes += (produced.key?.length ?? 0) + (produced.value?.length ?? 0);
      batch.add(produced, this.submitted.submit(record.sourcePartition, record.sourceOffset), record);
    }
    if (batch.length === 0) return i;
    batch.seal();
    // Only when records queue for metadata or buffer memory: the producer holds at most one
    // slice's records beyond its buffer memory.
    if (producer.waitingRecords > 0) await producer.waitForRoom();
    // The callbacks keep what the acknowledgements need, not the records (encoded once sent).
    const { submitted, sourceRecords } = batch;
    const topic = batch.records[0]!.topic;
    producer
      .sendBatch(batch.records, (index, metadata) => {
        this.acknowledged(sourceRecords?.[index], submitted[index]!, metadata);
      })
      .catch((err: unknown) => {
        // The producer retried within its delivery timeout; the record is lost to this task.
        this.failure ??= new Error(`producing records to ${topic} failed: ${(err as Error).message}`, { cause: err });
        this.wake();
      });
    return i;
  }

  /**
   * The record to produce: transforms, then the key, value and header converters. Synchronous
   * while every stage succeeds (the usual case); a stage that throws goes through the operator
   * (retries, then tolerance and the DLQ), and null means the record is not produced.
   */
  private toProducerRecord(record: SourceRecord): ProducerRecord | null | Promise<ProducerRecord | null> {
    const { transforms, operator } = this.o;
    if (transforms.empty) return this.convert(record);
    const transformed = transforms.applyNow(record, operator, { record });
    if (transformed instanceof Promise) return transformed.then((r) => (r === null || r === FAILED ? null : this.convert(r)));
    return transformed === null || transformed === FAILED ? null : this.convert(transformed);
  }

  private convert(record: SourceRecord): ProducerRecord | null | Promise<ProducerRecord | null> {
    const { converters } = this.o;
    const topic = record.topic;
    let stage: Stage = Stage.KEY_CONVERTER;
    let key: Uint8Array | null | undefined;
    let value: Uint8Array | null | undefined;
    let headers: readonly { key: string; value: Buffer | null }[];
    try {
      key = converters.key.fromConnectData(topic, record.keySchema, record.key, record.headers);
      stage = Stage.VALUE_CONVERTER;
      value = converters.value.fromConnectData(topic, record.valueSchema, record.value, record.headers);
      stage = Stage.HEADER_CONVERTER;
      headers = this.convertHeaders(record);
    } catch (error) {
      return this.convertAfterFailure(record, stage, error, key, value);
    }
    return producerRecord(record, key, value, headers);
  }

  private convertHeaders(record: SourceRecord): readonly { key: string; value: Buffer | null }[] {
    const { converters } = this.o;
    const headers = record.headers;
    // A frozen list is one a task shares between records (a CDC task's context headers on every
    // change): converted once per topic, not once per record.
    const shareable = headers.length > 0 && Object.isFrozen(headers);
    const shared = shareable ? this.sharedHeaders.get(headers) : undefined;
    if (shared?.topic === record.topic) return shared.converted;
    const out = new Array<{ key: string; value: Buffer | null }>(headers.length);
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      out[i] = { key: h.key, value: toBuffer(converters.header.fromConnectHeader(record.topic, h.key, h.schema, h.value)) };
    }
    // Frozen through and through, so the producer's batches may encode it once as well.
    if (shareable) this.sharedHeaders.set(headers, { topic: record.topic, converted: Object.freeze(out.map((h) => Object.freeze(h))) });
    return out;
  }

  /**
   * Kafka's path for a record whose conversion failed at `failed` (the stages before it gave
   * `key` and `value`): that stage is retried, the later ones run through the operator.
   */
  private async convertAfterFailure(record: SourceRecord, failed: Stage, error: unknown, key: Uint8Array | null | undefined, value: Uint8Array | null | undefined): Promise<ProducerRecord | null> {
    const { converters, operator } = this.o;
    const topic = record.topic;
    const context = { record };
    const run = <T>(stage: Stage, className: string, operation: () => T): Promise<Outcome<T>> =>
      stage === failed ? operator.retry(stage, className, operation, error, context) : operator.execute(stage, className, operation, context);
    const k = key !== undefined ? { ok: true as const, value: key } : await run(Stage.KEY_CONVERTER, converters.keyClass, () => converters.key.fromConnectData(topic, record.keySchema, record.key, record.headers));
    if (!k.ok) return null;
    const v = value !== undefined ? { ok: true as const, value } : await run(Stage.VALUE_CONVERTER, converters.valueClass, () => converters.value.fromConnectData(topic, record.valueSchema, record.value, record.headers));
    if (!v.ok) return null;
    const headers = await run(Stage.HEADER_CONVERTER, converters.headerClass, () => this.convertHeaders(record));
    if (!headers.ok) return null;
    return producerRecord(record, k.value, v.value, headers.value);
  }

  /**
   * A record's acknowledgement: its offset may be committed, and where it landed is remembered.
   * `record` is given when the task has a commitRecord to call.
   */
  private acknowledged(record: SourceRecord | undefined, submitted: SubmittedRecord, metadata: RecordMetadata): void {
    const key = this.topicPartitionKey(metadata.topic, metadata.partition);
    if (metadata.offset >= 0n) {
      submitted.ack({ topicPartition: key, offset: metadata.offset });
      const last = this.lastWritten.get(key);
      if (last === undefined || last < metadata.offset) this.lastWritten.set(key, metadata.offset);
    } else submitted.ack();
    if (!this.reportedTopics.has(metadata.topic)) {
      this.reportedTopics.add(metadata.topic);
      this.o.topicUsed?.(metadata.topic);
    }
    const task = this.o.task;
    if (record === undefined || task.commitRecord === undefined) return;
    void Promise.resolve(task.commitRecord(record, { topic: metadata.topic, partition: metadata.partition, offset: metadata.offset, timestamp: Number(metadata.timestamp) })).catch((err: unknown) => {
      this.o.logger.warn({ err }, 'commitRecord failed');
    });
  }

  /** `topic:partition`, the same string for the same partition while records go to it. */
  private topicPartitionKey(topic: string, partition: number): string {
    if (topic === this.lastTopic && partition === this.lastPartition) return this.lastKey;
    this.lastTopic = topic;
    this.lastPartition = partition;
    this.lastKey = topicPartitionKey(topic, partition);
    return this.lastKey;
  }

  /** Stores the offsets of every acknowledged record (Kafka's commitOffsets), then calls task.commit(). */
  commitOffsets(): Promise<void> {
    this.flushing ??= (async () => {
      // Yield first: a flush that returns synchronously would run its finally before
      // `this.flushing` is assigned, leaving a settled promise there that blocks every later flush.
      await Promise.resolve();
      try {
        const offsets = this.submitted.committable();
        if (offsets.length === 0) return;
        // Taken with the offsets, before any await: acks that come later are not covered by them.
        const release = this.resumed;
        const marks = this.o.readWritten === undefined ? undefined : this.writtenMarks(this.submitted.uncoveredWrites(), release);
        await this.o.offsetStore.set(this.o.id.connector, offsets);
        // After the offsets: marks stored without their offsets would skip uncovered records.
        if (marks !== undefined) {
          await this.o.offsetStore.set(this.o.id.connector, [{ partition: writtenMarksPartition(this.o.id.task), offset: encodeWrittenMarks(marks) }]);
          if (release) {
            this.held.clear();
            this.resumed = false;
          }
        }
        await this.o.task.commit?.();
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /**
   * Stops polling, calls task.stop() (which ends a pending poll), waits for the records in
   * flight (up to offset.flush.timeout.ms), stores their offsets and closes the producer.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.o.scheduler.clearInterval(this.flushTimer);
    this.wake();
    try {
      await this.o.task.stop();
    } catch (err) {
      this.o.logger.warn({ err }, 'task stop() failed');
    }
    await this.loop;
    await this.withTimeout(this.o.producer.flush(), this.o.offsetFlushTimeoutMs);
    // A periodic flush under way took its offsets before the last acknowledgements: let it
    // finish, then flush again so those are stored too (else a restart repeats their records).
    await this.flushing?.catch(() => undefined);
    await this.commitOffsets().catch((err: unknown) => {
      this.o.logger.warn({ err }, 'storing the last source offsets failed');
    });
    await this.o.producer.close();
    this.o.transforms.close();
    await this.o.operator.close();
    if (this.failure === undefined) this.o.listener.onShutdown(this.o.id);
  }

  private async withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
    let timer: Timer | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = this.o.scheduler.setTimeout(resolve, ms);
    });
    try {
      await Promise.race([work.then(() => undefined, () => undefined), timeout]);
    } finally {
      this.o.scheduler.clearTimeout(timer);
    }
  }
}

/**
 * A poll's records on their way to the producer, and what each one's acknowledgement needs. The
 * lists are sized for the whole poll up front (records the task drops leave them shorter), so
 * they do not grow and copy themselves record by record.
 */
class InFlightBatch {
  readonly records: ProducerRecord[];
  readonly submitted: SubmittedRecord[];
  /** Kept only for a task with commitRecord(). */
  readonly sourceRecords: SourceRecord[] | undefined;
  private count = 0;

  constructor(capacity: number, keepSourceRecords: boolean) {
    this.records = new Array<ProducerRecord>(capacity);
    this.submitted = new Array<SubmittedRecord>(capacity);
    this.sourceRecords = keepSourceRecords ? new Array<SourceRecord>(capacity) : undefined;
  }

  get length(): number {
    return this.count;
  }

  add(produced: ProducerRecord, submitted: SubmittedRecord, record: SourceRecord): void {
    const i = this.count++;
    this.records[i] = produced;
    this.submitted[i] = submitted;
    if (this.sourceRecords !== undefined) this.sourceRecords[i] = record;
  }

  /** Cuts the lists to the records added (some of the poll may have been dropped). */
  seal(): void {
    this.records.length = this.count;
    this.submitted.length = this.count;
    if (this.sourceRecords !== undefined) this.sourceRecords.length = this.count;
  }
}

function producerRecord(record: SourceRecord, key: Uint8Array | null, value: Uint8Array | null, headers: readonly { key: string; value: Buffer | null }[]): ProducerRecord {
  const produced: { -readonly [K in keyof ProducerRecord]: ProducerRecord[K] } = { topic: record.topic, key: toBuffer(key), value: toBuffer(value), headers };
  if (record.kafkaPartition !== null) produced.partition = record.kafkaPartition;
  if (record.timestamp !== null) produced.timestamp = record.timestamp;
  return produced;
}

/** Resolves in the event loop's next turn, after the I/O and timers due now. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function toBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
