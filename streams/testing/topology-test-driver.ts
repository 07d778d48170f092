import type { Deserializer, Serde, Serializer } from '../../client/index.ts';
import { murmur2Partition } from '../../client/internal.ts';
import { VirtualScheduler } from '../../core/base/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { Topology } from '../dsl/topology.ts';
import type { ExceptionHandler, ProductionExceptionHandler, StreamsLogger } from '../processor/error-handlers.ts';
import type { Header, KeyValue } from '../processor/record.ts';
import { formatTaskId } from '../processor/task-api.ts';
import type { InputRecord, OutputRecord, StreamTask, SubtopologyInfo, TopicPartitionOffset } from '../processor/task-api.ts';
import { checkCopartitioning } from '../dsl/copartitioning.ts';
import { GlobalStateStores } from '../state/global-stores.ts';
import { compositeView, emptyView } from '../state/interactive-queries.ts';
import type { ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyStore, ReadOnlyWindowStore } from '../state/store-api.ts';

export interface TopologyTestDriverOptions {
  readonly applicationId?: string;
  /** Partitions per topic; topics not listed (and not sized by createInputTopic) get `defaultPartitions`. */
  readonly partitions?: Readonly<Record<string, number>>;
  /** Default 1, as Kafka's driver. */
  readonly defaultPartitions?: number;
  /** Virtual wall-clock time; default a VirtualScheduler at 2023-11-14. */
  readonly scheduler?: VirtualScheduler;
  readonly defaultKeySerde?: Serde<unknown>;
  readonly defaultValueSerde?: Serde<unknown>;
  readonly deserializationExceptionHandler?: ExceptionHandler;
  readonly processingExceptionHandler?: ExceptionHandler;
  /** Records a sink cannot serialize (Kafka's default.production.exception.handler); default `fail`. */
  readonly productionExceptionHandler?: ProductionExceptionHandler;
  readonly deadLetterQueueTopic?: string;
  readonly logger?: StreamsLogger;
  /** Record cache bytes per store; default 10 MiB. Commits after every record flush it anyway. */
  readonly cacheMaxBytes?: number;
  /**
   * Commit (and so flush record caches) after every piped record; default true. False commits
   * only on `advanceWallClockTime`, `flush` and `close`, so a test sees what caches collapse
   * between commits, as an app does over its commit interval.
   */
  readonly commitEveryRecord?: boolean;
  /**
   * Kafka's max.task.idle.ms, on virtual time: a task reading several partitions (a join, a
   * merge) with nothing waiting on one of them holds its other records up to this long, so they
   * are processed in timestamp order once the missing side arrives; `advanceWallClockTime`
   * ends the wait. Default 0 (never hold), -1 the same here: every record is already "fetched".
   */
  readonly maxTaskIdleMs?: number;
}

/** A record as a test reads it back from an output topic. */
export interface TestRecord<K, V> {
  readonly key: K | null;
  readonly value: V | null;
  readonly headers: readonly Header[];
  readonly timestamp: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

interface StoredRecord extends InputRecord {
  readonly sequence: number;
}

/** One task and the records waiting for it, per input partition (the runtime's lanes). */
interface TaskLanes {
  readonly task: StreamTask;
  /** Input topic → records not processed yet, in offset order; every input partition the task reads has one. */
  readonly lanes: Map<string, StoredRecord[]>;
  /** Per empty input: until when the task waits for it (set when records wait elsewhere, dropped when it has data). */
  readonly deadlines: Map<string, number>;
}

interface TopicLog {
  readonly partitions: number;
  /** Every record in write order, across partitions. */
  readonly records: StoredRecord[];
  readonly nextOffset: bigint[];
  roundRobin: number;
}

/**
 * Runs a Topology without a broker, as Kafka Streams' TopologyTestDriver and more: topics have
 * several partitions (records are partitioned as a producer would: murmur2 of the key bytes),
 * repartition topics are really written and read back, time is virtual and moves only by
 * `advanceWallClockTime`, and offsets are committed after every piped record (unless `commitEveryRecord: false`).
 *
 * Synchronous topologies produce their output before `pipeInput` returns. A topology with
 * `mapAsync` produces it later: `await driver.flush()` first.
 */
export class TopologyTestDriver {
  readonly scheduler: VirtualScheduler;
  readonly applicationId: string;
  private readonly topology: Topology;
  private readonly options: TopologyTestDriverOptions;
  private readonly subtopologies: SubtopologyInfo[];
  private readonly logs = new Map<string, TopicLog>();
  private readonly sizes = new Map<string, number>();
  private readonly tasks = new Map<string, StreamTask>();
  private readonly lanes = new Map<string, TaskLanes>();
  private readonly maxTaskIdleMs: number;
  private readonly commitEveryRecord: boolean;
  private readonly queue: StoredRecord[] = [];
  private readonly committed = new Map<string, TopicPartitionOffset>();
  private sequence = 0;
  private draining = false;
  private asyncFailure: Error | undefined;
  private closed = false;
  private readonly globals: GlobalStateStores;
  private copartitionChecked = false;

  constructor(topology: Topology, options: TopologyTestDriverOptions = {}) {
    this.topology = topology;
    this.options = options;
    this.applicationId = options.applicationId ?? 'test-driver';
    this.scheduler = options.scheduler ?? new VirtualScheduler();
    this.maxTaskIdleMs = options.maxTaskIdleMs ?? 0;
    this.commitEveryRecord = options.commitEveryRecord ?? true;
    if (!Number.isInteger(this.maxTaskIdleMs) || this.maxTaskIdleMs < -1) {
      throw new StreamsError(StreamsErrorCode.INVALID_CONFIG, `maxTaskIdleMs must be an integer >= -1, not ${this.maxTaskIdleMs}`);
    }
    this.subtopologies = topology.subtopologies(this.applicationId);
    for (const [topic, count] of Object.entries(options.partitions ?? {})) this.sizes.set(topic, checkPartitions(count, topic));
    this.globals = new GlobalStateStores(topology.globalTables(), { keySerde: options.defaultKeySerde, valueSerde: options.defaultValueSerde });
  }

  /**
   * A store, read-only, as interactive queries see it: across every task that holds it (one per
   * partition), or the global table's store; empty before any task holds it. Undefined for an unknown name.
   */
  store(name: string): ReadOnlyStore | undefined {
    const global = this.globals.get(name);
    if (global !== undefined) return global;
    const views = [...this.tasks.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, task]) => task.state?.store(name))
      .filter((v): v is ReadOnlyStore => v !== undefined);
    if (views.length > 0) return compositeView(name, views);
    const known = this.topology.storeNames().find((s) => s.name === name);
    return known === undefined ? undefined : emptyView(name, known.kind);
  }

  /** A key-value store (`store(name)` narrowed); throws when it is missing or of another kind. */
  keyValueStore<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    return this.storeOf(name, 'get') as ReadOnlyKeyValueStore<K, V>;
  }

  windowStore<K, V>(name: string): ReadOnlyWindowStore<K, V> {
    return this.storeOf(name, 'fetchAll') as ReadOnlyWindowStore<K, V>;
  }

  sessionStore<K, V>(name: string): ReadOnlySessionStore<K, V> {
    return this.storeOf(name, 'findSessions') as ReadOnlySessionStore<K, V>;
  }

  private storeOf(name: string, method: string): ReadOnlyStore {
    const store = this.store(name);
    if (store === undefined || !(method in store)) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `no ${method === 'get' ? 'key-value' : method === 'fetchAll' ? 'window' : 'session'} store '${name}' (stores: ${this.topology.storeNames().map((s) => s.name).join(', ') || 'none'})`);
    return store;
  }

  /** Task metrics summed over tasks: records dropped as late (Kafka's dropped-records-total). */
  metrics(): { readonly droppedRecordsTotal: number } {
    let dropped = 0;
    for (const task of this.tasks.values()) dropped += task.state?.droppedRecords ?? 0;
    return { droppedRecordsTotal: dropped };
  }

  /** A topic to pipe records into. `partitions` sizes it (else the driver's options do). */
  createInputTopic<K, V>(topic: string, keySerde: Serializer<K>, valueSerde: Serializer<V>, options: { readonly partitions?: number } = {}): TestInputTopic<K, V> {
    if (options.partitions !== undefined) {
      if (this.logs.has(topic) && this.logs.get(topic)!.partitions !== options.partitions) {
        throw new StreamsError(StreamsErrorCode.TOPOLOGY, `topic '${topic}' already has ${this.logs.get(topic)!.partitions} partitions`);
      }
      this.sizes.set(topic, checkPartitions(options.partitions, topic));
    }
    return new TestInputTopic(this, topic, keySerde, valueSerde);
  }

  /** A topic to read records from, in the order they were written (across partitions). */
  createOutputTopic<K, V>(topic: string, keySerde: Deserializer<K>, valueSerde: Deserializer<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(this, topic, keySerde, valueSerde);
  }

  /**
   * Moves virtual time, firing wall-clock timers (punctuation, `delay`, `bufferTime`) that fall
   * due, processes records whose task waited long enough for an empty input (maxTaskIdleMs),
   * then commits.
   */
  advanceWallClockTime(ms: number): void {
    this.checkOpen();
    this.scheduler.advance(ms);
    this.drain();
    this.commit();
  }

  /** Waits until async stages (mapAsync) are done and their output is processed downstream, then commits. */
  async flush(): Promise<void> {
    this.checkOpen();
    for (;;) {
      await Promise.all([...this.tasks.values()].map((task) => task.flush()));
      this.rethrowAsyncFailure();
      if (this.queue.length === 0) break;
      this.drain();
    }
    this.commit();
  }

  /** Offsets committed so far (after every piped record), by input partition. */
  committedOffsets(): TopicPartitionOffset[] {
    return [...this.committed.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /** The committed offset of one input partition, or undefined before its first record. */
  committedOffset(topic: string, partition = 0): bigint | undefined {
    return this.committed.get(`${partition}:${topic}`)?.offset;
  }

  /** The tasks created so far, as `0_1` ids. */
  taskIds(): string[] {
    return [...this.tasks.keys()].sort();
  }

  /**
   * Closes every task (buffering operators emit what they hold), processes that output, commits.
   * Records still held for maxTaskIdleMs are not processed, as the runtime drops its buffered
   * records on close: their offsets stay uncommitted.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.tasks.values()].map((task) => task.close()));
    this.drain();
    this.commit();
    this.closed = true;
  }

  /** @internal */
  partitionCount(topic: string): number {
    return this.logFor(topic).partitions;
  }

  /** @internal appends to a topic as a producer would, then processes what the topology reads. */
  produce(record: Omit<OutputRecord, 'partition'> & { readonly partition: number | undefined }): void {
    this.checkOpen();
    this.rethrowAsyncFailure();
    this.append(record);
    this.drain();
    if (this.commitEveryRecord) this.commit();
  }

  /** @internal */
  recordsOf(topic: string): readonly StoredRecord[] {
    return this.logs.get(topic)?.records ?? [];
  }

  private append(record: Omit<OutputRecord, 'partition'> & { readonly partition: number | undefined }): void {
    this.checkCopartitioning();
    const log = this.logFor(record.topic);
    let partition = record.partition;
    if (partition === undefined) partition = record.key === null ? log.roundRobin++ % log.partitions : murmur2Partition(record.key, log.partitions);
    if (!Number.isInteger(partition) || partition < 0 || partition >= log.partitions) {
      throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `topic '${record.topic}' has ${log.partitions} partitions; there is no partition ${partition}`);
    }
    const offset = log.nextOffset[partition]!;
    log.nextOffset[partition] = offset + 1n;
    const stored: StoredRecord = {
      topic: record.topic,
      partition,
      offset,
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: BigInt(Math.trunc(record.timestamp)),
      sequence: this.sequence++,
    };
    log.records.push(stored);
    if (this.globals.topics().includes(record.topic)) this.globals.update(stored);
    if (this.subtopologyOf(record.topic) !== undefined) this.queue.push(stored);
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const record = this.queue.shift();
        if (record !== undefined) {
          const entry = this.lanesFor(record);
          entry.lanes.get(record.topic)!.push(record);
          this.processReady(entry);
          continue;
        }
        // Time moved (or a side filled up): tasks that were holding records may go on.
        let progressed = false;
        for (const entry of this.lanes.values()) if (this.processReady(entry)) progressed = true;
        if (!progressed) break;
      }
    } finally {
      this.draining = false;
    }
  }

  /** Processes the task's records in timestamp order while it may; true when it processed any. */
  private processReady(entry: TaskLanes): boolean {
    let processed = false;
    for (let lane = this.nextLane(entry); lane !== undefined; lane = this.nextLane(entry)) {
      entry.task.process(lane.shift()!);
      processed = true;
    }
    return processed;
  }

  /**
   * The input whose next record has the lowest timestamp, as the runtime picks (TaskManager,
   * Kafka's PartitionGroup). While another input is empty the task waits for it until
   * maxTaskIdleMs of virtual time has passed since it was found empty with records waiting
   * elsewhere (Kafka's per-partition idle deadline); data on that input clears its deadline, so
   * the next time it runs dry the task waits anew.
   */
  private nextLane(entry: TaskLanes): StoredRecord[] | undefined {
    let best: StoredRecord[] | undefined;
    for (const lane of entry.lanes.values()) {
      if (lane.length > 0 && (best === undefined || lane[0]!.timestamp < best[0]!.timestamp)) best = lane;
    }
    if (best === undefined || this.maxTaskIdleMs <= 0) return best;
    const now = this.scheduler.now();
    let ready = true;
    for (const [topic, lane] of entry.lanes) {
      if (lane.length > 0) {
        entry.deadlines.delete(topic);
        continue;
      }
      let deadline = entry.deadlines.get(topic);
      if (deadline === undefined) entry.deadlines.set(topic, (deadline = now + this.maxTaskIdleMs));
      if (now < deadline) ready = false;
    }
    return ready ? best : undefined;
  }

  /**
   * Commits every task. A commit flushes record caches, whose output may feed tasks downstream
   * (through repartition topics) and fill their caches: commit again until nothing new comes.
   */
  private commit(): void {
    for (let round = 0; ; round++) {
      const before = this.sequence;
      for (const task of [...this.tasks.values()]) {
        for (const position of task.committableOffsets()) this.committed.set(`${position.partition}:${position.topic}`, position);
      }
      this.drain();
      if (this.sequence === before || round > 100) break;
    }
    this.rethrowAsyncFailure();
  }

  /** Joined topics must have equal partition counts (checked once, before the first record, as the runtime does at start). */
  private checkCopartitioning(): void {
    if (this.copartitionChecked) return;
    this.copartitionChecked = true;
    const repartition = new Set(this.topology.internalTopics(this.applicationId).filter((t) => t.kind !== 'changelog').map((t) => t.name));
    const sizes = checkCopartitioning(this.topology.copartitionGroups(this.applicationId), (topic) => this.sizes.get(topic) ?? (repartition.has(topic) ? undefined : this.options.defaultPartitions ?? 1), repartition);
    for (const [topic, count] of sizes) if (!this.sizes.has(topic)) this.sizes.set(topic, count);
  }

  /** The record's task with its lanes: one per input partition the task reads (created with the task). */
  private lanesFor(record: InputRecord): TaskLanes {
    const subtopology = this.subtopologyOf(record.topic)!;
    const key = formatTaskId({ subtopology: subtopology.id, partition: record.partition });
    let entry = this.lanes.get(key);
    if (entry === undefined) {
      const task = this.taskFor(subtopology, record.partition);
      // Sized as logFor would, without creating topics nothing was written to (createInputTopic may still size them).
      const size = (topic: string): number => this.logs.get(topic)?.partitions ?? this.sizes.get(topic) ?? this.repartitionSize(topic) ?? this.options.defaultPartitions ?? 1;
      const topics = subtopology.sourceTopics.filter((topic) => record.partition < size(topic));
      entry = { task, lanes: new Map(topics.map((topic) => [topic, []])), deadlines: new Map() };
      this.lanes.set(key, entry);
    }
    // A topic read by pattern joins the task when its first record comes.
    if (!entry.lanes.has(record.topic)) entry.lanes.set(record.topic, []);
    return entry;
  }

  private taskFor(subtopology: SubtopologyInfo, partition: number): StreamTask {
    const id = { subtopology: subtopology.id, partition };
    const key = formatTaskId(id);
    let task = this.tasks.get(key);
    if (task === undefined) {
      const { defaultKeySerde, defaultValueSerde, deserializationExceptionHandler, processingExceptionHandler, productionExceptionHandler, deadLetterQueueTopic, logger, cacheMaxBytes } = this.options;
      task = this.topology.createTask(id, {
        applicationId: this.applicationId,
        scheduler: this.scheduler,
        collector: {
          send: (output) => {
            this.append(output);
            // Output made outside a piped record (a timer, an async stage) is processed at once.
            if (!this.draining) {
              try {
                this.drain();
              } catch (error) {
                this.asyncFailure ??= error instanceof Error ? error : new Error(String(error));
              }
            }
          },
          partitionCount: (topic) => this.partitionCount(topic),
        },
        onError: (error) => {
          this.asyncFailure ??= error;
        },
        ...(defaultKeySerde === undefined ? {} : { defaultKeySerde }),
        ...(defaultValueSerde === undefined ? {} : { defaultValueSerde }),
        ...(deserializationExceptionHandler === undefined ? {} : { deserializationExceptionHandler }),
        ...(processingExceptionHandler === undefined ? {} : { processingExceptionHandler }),
        ...(productionExceptionHandler === undefined ? {} : { productionExceptionHandler }),
        ...(deadLetterQueueTopic === undefined ? {} : { deadLetterQueueTopic }),
        ...(logger === undefined ? {} : { logger }),
        ...(cacheMaxBytes === undefined ? {} : { cacheMaxBytes }),
        globalStores: this.globals,
      });
      this.tasks.set(key, task);
    }
    return task;
  }

  private subtopologyOf(topic: string): SubtopologyInfo | undefined {
    return this.subtopologies.find((s) => s.sourceTopics.includes(topic) || s.sourcePatterns.some((p) => new RegExp(`^(?:${p.source})$`, p.flags.replace(/[gy]/g, '')).test(topic)));
  }

  private logFor(topic: string): TopicLog {
    let log = this.logs.get(topic);
    if (log === undefined) {
      const partitions = this.sizes.get(topic) ?? this.repartitionSize(topic) ?? this.options.defaultPartitions ?? 1;
      log = { partitions, records: [], nextOffset: Array.from({ length: partitions }, () => 0n), roundRobin: 0 };
      this.logs.set(topic, log);
    }
    return log;
  }

  /** A repartition topic has the partitions asked for, else as many as its largest upstream source (Kafka's rule). */
  private repartitionSize(topic: string): number | undefined {
    const spec = this.topology.internalTopics(this.applicationId).find((t) => t.name === topic);
    if (spec === undefined) return undefined;
    return spec.numberOfPartitions ?? Math.max(1, ...spec.upstreamSourceTopics.map((t) => this.logFor(t).partitions));
  }

  private rethrowAsyncFailure(): void {
    if (this.asyncFailure !== undefined) {
      const failure = this.asyncFailure;
      this.asyncFailure = undefined;
      throw failure;
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StreamsError(StreamsErrorCode.TASK_CLOSED, 'the test driver is closed');
  }
}

function checkPartitions(count: number, topic: string): number {
  if (!Number.isInteger(count) || count < 1) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `topic '${topic}' needs an integer number of partitions >= 1, not ${count}`);
  return count;
}

/** Pipes records into one topic (Kafka's TestInputTopic). */
export class TestInputTopic<K, V> {
  private readonly driver: TopologyTestDriver;
  readonly topic: string;
  private readonly keySerde: Serializer<K>;
  private readonly valueSerde: Serializer<V>;

  /** @internal made by TopologyTestDriver.createInputTopic */
  constructor(driver: TopologyTestDriver, topic: string, keySerde: Serializer<K>, valueSerde: Serializer<V>) {
    this.driver = driver;
    this.topic = topic;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  /**
   * One record; `timestamp` defaults to the driver's virtual now. `partition` defaults to the
   * producer's choice (murmur2 of the key bytes; round robin without a key).
   */
  pipeInput(key: K | null, value: V | null, timestamp?: number, options: { readonly partition?: number; readonly headers?: readonly Header[] } = {}): void {
    const context = { topic: this.topic };
    this.driver.produce({
      topic: this.topic,
      key: this.keySerde.serialize(key, context),
      value: this.valueSerde.serialize(value, context),
      headers: options.headers ?? [],
      timestamp: timestamp ?? this.driver.scheduler.now(),
      partition: options.partition,
    });
  }

  /** A record without a key. */
  pipeValue(value: V | null, timestamp?: number): void {
    this.pipeInput(null, value, timestamp);
  }

  /** Bytes as they are, past the serdes: for records a serde could not have written. */
  pipeRaw(key: Buffer | null, value: Buffer | null, timestamp?: number, partition?: number): void {
    this.driver.produce({ topic: this.topic, key, value, headers: [], timestamp: timestamp ?? this.driver.scheduler.now(), partition });
  }

  pipeKeyValueList(records: readonly KeyValue<K | null, V | null>[], timestamp?: number): void {
    for (const { key, value } of records) this.pipeInput(key, value, timestamp);
  }

  pipeValueList(values: readonly (V | null)[], timestamp?: number): void {
    for (const value of values) this.pipeValue(value, timestamp);
  }
}

/** Reads one topic (Kafka's TestOutputTopic): each read consumes, in write order across partitions. */
export class TestOutputTopic<K, V> {
  private readonly driver: TopologyTestDriver;
  readonly topic: string;
  private readonly keySerde: Deserializer<K>;
  private readonly valueSerde: Deserializer<V>;
  private position = 0;

  /** @internal made by TopologyTestDriver.createOutputTopic */
  constructor(driver: TopologyTestDriver, topic: string, keySerde: Deserializer<K>, valueSerde: Deserializer<V>) {
    this.driver = driver;
    this.topic = topic;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  readRecord(): TestRecord<K, V> {
    const stored = this.driver.recordsOf(this.topic)[this.position];
    if (stored === undefined) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `topic '${this.topic}' has no more records to read`);
    this.position++;
    const context = { topic: stored.topic, partition: stored.partition, offset: stored.offset };
    return {
      key: this.keySerde.deserialize(stored.key, context),
      value: this.valueSerde.deserialize(stored.value, context),
      headers: stored.headers,
      timestamp: Number(stored.timestamp),
      topic: stored.topic,
      partition: stored.partition,
      offset: stored.offset,
    };
  }

  readKeyValue(): KeyValue<K | null, V | null> {
    const { key, value } = this.readRecord();
    return { key, value };
  }

  readValue(): V | null {
    return this.readRecord().value;
  }

  readRecordsToList(): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  readKeyValuesToList(): KeyValue<K | null, V | null>[] {
    return this.readRecordsToList().map(({ key, value }) => ({ key, value }));
  }

  readValuesToList(): (V | null)[] {
    return this.readRecordsToList().map(({ value }) => value);
  }

  /** Records written and not read yet. */
  getQueueSize(): number {
    return this.driver.recordsOf(this.topic).length - this.position;
  }

  isEmpty(): boolean {
    return this.getQueueSize() === 0;
  }
}
