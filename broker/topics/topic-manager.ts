import { randomUUID } from 'node:crypto';
import { resolveLogConfig } from '../../core/log/index.ts';
import type { AppendInfo, AppendOrigin, LogConfig, LogManager, PartitionLog } from '../../core/log/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { encodeControlBatch } from '../../core/records/index.ts';
import type { PartitionWatch } from '../fetch/partition-watch.ts';
import { storageFailure } from '../handlers/storage-errors.ts';
import type { Logger } from '../logger.ts';
import { ProducerStateStore } from '../producers/index.ts';
import type { ProducerBatch, TxnMarker } from '../producers/index.ts';
import { minInsyncReplicas, toLogConfig, validateTopicConfigs } from './topic-config.ts';
import type { TopicConfigResult, TopicConfigs } from './topic-config.ts';
import { collidingTopic, topicNameProblem } from './topic-name.ts';
import { TopicStore, TopicStoreError } from './topic-store.ts';
import type { TopicInfo } from './topic-store.ts';

/** A partition this broker leads: its log and its idempotent-producer state. */
export interface PartitionHandle {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  readonly producers: ProducerStateStore;
}

/** A Kafka error as a value, for handlers to put in their responses. */
export interface TopicFailure {
  readonly ok: false;
  readonly errorCode: number;
  readonly message: string;
}

export type TopicResult = { readonly ok: true; readonly topic: TopicInfo } | TopicFailure;

export interface PartitionAppendOptions {
  /** `client` for Produce (Kafka's rules for producer data), `internal` for the broker's own records. */
  readonly origin: AppendOrigin;
  /** The producer identity of each batch, for the idempotence checks; empty when no batch has a producer id. */
  readonly producerBatches: readonly ProducerBatch[];
  /** Woken when the appended records become readable, so long-polling fetches answer. */
  readonly watch: PartitionWatch;
}

/**
 * What one append to a partition came to. `durable` resolves once the records are as
 * durable as the flush policy promises; it may reject (a failed sync), so a caller that
 * does not wait for it must still catch it. A duplicate (an idempotent producer's retry)
 * was appended before, at the offsets given.
 */
export type PartitionAppend =
  | { readonly kind: 'appended'; readonly info: AppendInfo; readonly durable: Promise<void> }
  | { readonly kind: 'duplicate'; readonly firstOffset: bigint; readonly lastOffset: bigint }
  | { readonly kind: 'rejected'; readonly errorCode: number; readonly message: string; readonly fault: unknown };

export interface TopicManagerOptions {
  readonly dataDir: string;
  readonly logs: LogManager;
  /** The broker's log settings, under every topic's overrides. */
  readonly logDefaults: Partial<LogConfig>;
  readonly defaultPartitions: number;
  readonly maxPartitions?: number;
  readonly logger: Logger;
}

/** Kafka allows at most this many partitions per request; one node's file handles say the same. */
const DEFAULT_MAX_PARTITIONS = 10_000;

/** A catalogue change decided but not yet durable. */
interface PendingChange {
  /** Makes the change visible (and opens or removes logs); runs once the file holding it is durable. */
  readonly apply: () => void | Promise<void>;
  readonly done: (result: TopicResult) => void;
  readonly result: TopicResult;
}

/** What deciding a change came to: a refusal, nothing to write (validateOnly), or a change to write. */
type Decision = { readonly result: TopicResult; readonly apply?: () => void | Promise<void> };

/**
 * Topics: the catalogue (names, ids, partition counts, config overrides) and the
 * partition logs that hold their data. Every change is written to the catalogue before it
 * is acknowledged, so a restart serves the same topics with the same settings.
 */
export class TopicManager {
  /** What the broker serves: every topic whose catalogue entry is durable, plus auto-created ones being written. */
  private readonly topics = new Map<string, TopicInfo>();
  /**
   * The catalogue as it will be once every pending change is written; undefined when that is
   * `topics`. Changes are decided against it, so two concurrent requests never both create a
   * name, and each write carries every change decided before it (none is lost).
   */
  private latest: Map<string, TopicInfo> | undefined;
  private queued: PendingChange[] = [];
  private writing: Promise<void> | undefined;
  /** Auto-created topics whose catalogue entry is not yet durable: appends to them wait for it too. */
  private readonly undurable = new Map<string, Promise<void>>();
  private readonly handles = new Map<string, PartitionHandle>();
  /** Partitions whose log could not be opened, with the reason; they answer KAFKA_STORAGE_ERROR. */
  private readonly offlinePartitions = new Map<string, unknown>();
  private readonly store: TopicStore;
  private readonly options: TopicManagerOptions;
  private readonly defaults: LogConfig;

  private constructor(options: TopicManagerOptions, store: TopicStore) {
    this.options = options;
    this.store = store;
    this.defaults = resolveLogConfig(options.logDefaults);
  }

  /** Loads the catalogue and opens every partition; partition directories without a catalogue entry are adopted. */
  static open(options: TopicManagerOptions, store = new TopicStore(options.dataDir)): TopicManager {
    const manager = new TopicManager(options, store);
    for (const topic of store.load()) manager.topics.set(topic.name, topic);
    manager.adoptOrphanPartitions();
    for (const topic of manager.topics.values()) manager.openPartitions(topic, 0);
    return manager;
  }

  /** Log overrides for a topic, as the LogManager asks for them when it opens a partition. */
  static logOverrides(configs: TopicConfigs): Partial<LogConfig> {
    return toLogConfig(configs);
  }

  list(): TopicInfo[] {
    return [...this.topics.values()];
  }

  get(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  partition(topic: string, partition: number): PartitionHandle | undefined {
    return this.handles.get(handleKey(topic, partition));
  }

  isOffline(topic: string, partition: number): boolean {
    return this.offlinePartitions.has(handleKey(topic, partition));
  }

  partitionsOf(topic: string): PartitionHandle[] {
    const info = this.topics.get(topic);
    if (info === undefined) return [];
    const out: PartitionHandle[] = [];
    for (let p = 0; p < info.partitions; p++) {
      const handle = this.partition(topic, p);
      if (handle !== undefined) out.push(handle);
    }
    return out;
  }

  allPartitions(): PartitionHandle[] {
    return [...this.handles.values()];
  }

  minInsyncReplicas(topic: string): number {
    const info = this.topics.get(topic);
    return info === undefined ? 1 : minInsyncReplicas(info.configs);
  }

  get defaultPartitions(): number {
    return this.options.defaultPartitions;
  }

  get logDefaults(): Readonly<LogConfig> {
    return this.defaults;
  }

  /**
   * Creates a topic. `partitions` -1 means the broker default; `configs` are Kafka topic
   * configs as strings. With `validateOnly` nothing is written. Resolves once the catalogue
   * holding the topic is durable and its partitions are open; only then is it served.
   */
  create(name: string, partitions: number, configs: Iterable<{ name: string; value: string | null }>, validateOnly = false): Promise<TopicResult> {
    return this.change((catalogue) => {
      const decided = this.decideCreate(catalogue, name, partitions, configs);
      if (!decided.ok || validateOnly) return { result: decided };
      const topic = decided.topic;
      catalogue.set(name, topic);
      return {
        result: decided,
        apply: () => {
          this.topics.set(name, topic);
          this.openPartitions(topic, 0);
        },
      };
    });
  }

  /**
   * Creates a topic a client named (Metadata, Produce) or the broker needs (its internal
   * topics) and serves it at once, because Produce appends synchronously to keep pipelined
   * requests in order. Its catalogue entry is written in the background, and every append
   * to the topic counts as durable only once that entry is (see `append`), so nothing is
   * acknowledged that a crash could leave without its topic's settings. A name whose
   * creation is being written answers LEADER_NOT_AVAILABLE, which clients retry.
   */
  createNow(name: string, partitions: number, configs: Iterable<{ name: string; value: string | null }>): TopicResult {
    const catalogue = this.latest ?? new Map(this.topics);
    if (catalogue.has(name) !== this.topics.has(name)) {
      return failure(ErrorCode.LEADER_NOT_AVAILABLE, `Topic '${name}' is being created or deleted.`);
    }
    const decided = this.decideCreate(catalogue, name, partitions, configs);
    if (!decided.ok) return decided;
    const topic = decided.topic;
    catalogue.set(name, topic);
    this.latest = catalogue;
    this.topics.set(name, topic);
    this.openPartitions(topic, 0);
    const durable = new Promise<void>((resolve, reject) => {
      this.enqueue({
        result: decided,
        apply: () => undefined,
        done: (result) => {
          if (result.ok) resolve();
          else reject(new TopicStoreError(result.message));
        },
      });
    });
    this.undurable.set(name, durable);
    // The appends that join this promise report a failure; here it only has to be forgotten.
    const forget = (): void => {
      if (this.undurable.get(name) === durable) this.undurable.delete(name);
    };
    durable.then(forget, forget);
    return decided;
  }

  /** Resolves once the topic is gone from the durable catalogue and its partition logs are deleted. */
  delete(name: string): Promise<TopicResult> {
    return this.change((catalogue) => {
      const topic = catalogue.get(name);
      if (topic === undefined) return { result: failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`) };
      catalogue.delete(name);
      return {
        result: { ok: true, topic },
        apply: async () => {
          this.topics.delete(name);
          for (let p = 0; p < topic.partitions; p++) {
            this.handles.delete(handleKey(name, p));
            this.offlinePartitions.delete(handleKey(name, p));
            await this.options.logs.delete(name, p);
          }
        },
      };
    });
  }

  /**
   * Computes the topic's new overrides from its current ones with `change` (validating them)
   * and, unless `validateOnly`, stores them and applies them to its open logs. The current
   * overrides include every change decided before, also one still being written, so two
   * concurrent alterations both take effect.
   */
  alterConfigs(name: string, change: (current: TopicConfigs) => TopicConfigResult, validateOnly = false): Promise<TopicResult> {
    return this.change((catalogue) => {
      const topic = catalogue.get(name);
      if (topic === undefined) return { result: failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`) };
      const changed = change(topic.configs);
      if (!changed.ok) return { result: failure(changed.errorCode, changed.message) };
      const updated: TopicInfo = { ...topic, configs: changed.configs };
      if (validateOnly) return { result: { ok: true, topic: updated } };
      catalogue.set(name, updated);
      return {
        result: { ok: true, topic: updated },
        apply: () => {
          const current = this.topics.get(name);
          if (current === undefined) return;
          this.topics.set(name, { ...current, configs: changed.configs });
          const effective = { ...this.defaults, ...toLogConfig(changed.configs) };
          for (const handle of this.partitionsOf(name)) handle.log.updateConfig(effective);
        },
      };
    });
  }

  /** Grows a topic to `count` partitions (Kafka never shrinks one). */
  addPartitions(name: string, count: number, validateOnly = false): Promise<TopicResult> {
    return this.change((catalogue) => {
      const topic = catalogue.get(name);
      if (topic === undefined) return { result: failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`) };
      const limit = this.options.maxPartitions ?? DEFAULT_MAX_PARTITIONS;
      // The first two in the Kafka controller's words; the ceiling is this node's own.
      if (count === topic.partitions) return { result: failure(ErrorCode.INVALID_PARTITIONS, `Topic already has ${topic.partitions} partition(s).`) };
      if (!Number.isInteger(count) || count < topic.partitions) {
        return { result: failure(ErrorCode.INVALID_PARTITIONS, `The topic ${name} currently has ${topic.partitions} partition(s); ${count} would not be an increase.`) };
      }
      if (count > limit) {
        return { result: failure(ErrorCode.INVALID_PARTITIONS, `Topic '${name}' has ${topic.partitions} partitions; the new count may be at most ${limit}, got ${count}.`) };
      }
      const updated: TopicInfo = { ...topic, partitions: count };
      if (validateOnly) return { result: { ok: true, topic: updated } };
      catalogue.set(name, updated);
      return {
        result: { ok: true, topic: updated },
        apply: () => {
          const current = this.topics.get(name);
          if (current === undefined) return;
          const grown = { ...current, partitions: count };
          this.topics.set(name, grown);
          this.openPartitions(grown, current.partitions);
        },
      };
    });
  }

  /** Resolves once every catalogue change decided so far is written (or failed): for shutdown. */
  async close(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /**
   * The one write path into a partition, for Produce and for the broker's own records
   * (`__consumer_offsets`, and every internal topic after it): idempotent-producer checks,
   * the log append, and the wake-up of fetches waiting for the records, in that order. A
   * refused or failed append is a Kafka error value, mapped in one place.
   */
  append(handle: PartitionHandle, records: Buffer, options: PartitionAppendOptions): PartitionAppend {
    const { log, topic, partition } = handle;
    const idempotent = options.producerBatches.some((batch) => batch.producerId >= 0n);
    const check = idempotent ? handle.producers.state.prepare(options.producerBatches, log.logEndOffset) : undefined;
    if (check?.kind === 'error') return { kind: 'rejected', errorCode: check.errorCode, message: check.message, fault: undefined };
    if (check?.kind === 'duplicate') return { kind: 'duplicate', firstOffset: check.firstOffset, lastOffset: check.lastOffset };
    let info: AppendInfo;
    try {
      info = log.append(records, { origin: options.origin });
    } catch (error) {
      const failure = storageFailure(error);
      return { kind: 'rejected', errorCode: failure.errorCode, message: failure.message, fault: failure.fault ? error : undefined };
    }
    check?.commit();
    // Readers wake when the records become readable: now, unless only durable records are
    // visible, then once the sync that covers them is done.
    const visible = log.highWatermark > info.lastOffset;
    if (visible) options.watch.notify(topic, partition);
    const catalogued = this.undurable.get(topic);
    const synced = log.waitDurable(info.lastOffset);
    const durable = (catalogued === undefined ? synced : Promise.all([synced, catalogued])).then(() => {
      if (!visible) options.watch.notify(topic, partition);
    });
    return { kind: 'appended', info, durable };
  }

  /**
   * Appends a transaction marker (COMMIT or ABORT) for a producer, the write path of the
   * transaction coordinator's markers: the producer state closes the transaction, and an
   * abort is recorded in the aborted-transaction index of the segment holding the marker,
   * so read_committed fetches can filter it out.
   */
  appendMarker(handle: PartitionHandle, marker: TxnMarker & { readonly coordinatorEpoch: number; readonly timestamp: bigint }, watch: PartitionWatch): PartitionAppend {
    const { log, topic, partition } = handle;
    const state = handle.producers.state;
    const check = state.prepareMarker(marker, log.logEndOffset);
    if (check.kind === 'error') return { kind: 'rejected', errorCode: check.errorCode, message: check.message, fault: undefined };
    const batch = encodeControlBatch(marker);
    let info: AppendInfo;
    try {
      info = log.append(batch, { origin: 'internal', leaderEpoch: 0 });
    } catch (error) {
      const failure = storageFailure(error);
      return { kind: 'rejected', errorCode: failure.errorCode, message: failure.message, fault: failure.fault ? error : undefined };
    }
    check.commit();
    const done = check.completed;
    if (done?.aborted === true) {
      try {
        log.recordAbortedTransaction({ producerId: done.producerId, firstOffset: done.firstOffset, lastOffset: done.lastOffset, lastStableOffset: done.lastStableOffset });
      } catch (error) {
        // The marker is in the log: the next start's replay restores the entry.
        this.options.logger.error({ err: error, topic, partition }, 'aborted transaction index entry could not be written');
      }
    }
    watch.notify(topic, partition);
    const durable = log.waitDurable(info.lastOffset);
    return { kind: 'appended', info, durable };
  }

  /**
   * The last stable offset (Kafka's LSO): below it every transaction is decided, so a
   * read_committed consumer may read up to it. The first offset of the earliest open
   * transaction, or the high watermark when that is lower.
   */
  lastStableOffset(handle: PartitionHandle): bigint {
    const highWatermark = handle.log.highWatermark;
    const firstUnstable = handle.producers.state.firstUnstableOffset();
    return firstUnstable !== undefined && firstUnstable < highWatermark ? firstUnstable : highWatermark;
  }

  /** Every open partition's producer state, for the snapshot rounds that spare the next start a log scan. */
  producerStateStores(): ProducerStateStore[] {
    return [...this.handles.values()].map((handle) => handle.producers);
  }

  private openPartitions(topic: TopicInfo, from: number): void {
    const config = toLogConfig(topic.configs);
    const offline = new Set(this.options.logs.offline().map((tp) => handleKey(tp.topic, tp.partition)));
    for (let p = from; p < topic.partitions; p++) {
      const key = handleKey(topic.name, p);
      if (offline.has(key)) {
        this.offlinePartitions.set(key, 'the partition directory could not be opened');
        continue;
      }
      try {
        const log = this.options.logs.getOrCreate(topic.name, p, config);
        const producers = ProducerStateStore.open(log);
        if (producers.snapshotProblem !== undefined) {
          this.options.logger.warn({ topic: topic.name, partition: p, problem: producers.snapshotProblem }, 'producer state rebuilt from the log');
        }
        const handle = { topic: topic.name, partition: p, log, producers };
        log.setStableOffset(() => this.lastStableOffset(handle));
        this.handles.set(key, handle);
      } catch (error) {
        this.options.logger.error({ err: error, topic: topic.name, partition: p }, 'partition could not be opened; it is offline');
        this.offlinePartitions.set(key, error);
      }
    }
  }

  /** Partition directories whose topic the catalogue lacks (it was lost or predates it) become topics again. */
  private adoptOrphanPartitions(): void {
    const counts = new Map<string, number>();
    for (const { topic, partition } of this.options.logs.partitions()) {
      if (this.topics.has(topic)) continue;
      counts.set(topic, Math.max(counts.get(topic) ?? 0, partition + 1));
    }
    if (counts.size === 0) return;
    for (const [name, partitions] of counts) this.topics.set(name, { name, topicId: randomUUID(), partitions, configs: {} });
    this.persist();
  }

  private persist(): void {
    this.store.save(this.topics.values());
  }

  /** Kafka's checks for a new topic, against `catalogue` (which includes changes still being written). */
  private decideCreate(
    catalogue: ReadonlyMap<string, TopicInfo>,
    name: string,
    partitions: number,
    configs: Iterable<{ name: string; value: string | null }>,
  ): TopicResult {
    const nameProblem = topicNameProblem(name);
    if (nameProblem !== undefined) return failure(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    if (catalogue.has(name)) return failure(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const collision = collidingTopic(name, catalogue.keys());
    if (collision !== undefined) {
      return failure(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${name}' collides with existing topic '${collision}': '.' and '_' map to the same metric names, so use one or the other`,
      );
    }
    const count = partitions === -1 ? this.options.defaultPartitions : partitions;
    const limit = this.options.maxPartitions ?? DEFAULT_MAX_PARTITIONS;
    // Kafka's wording for a non-positive count; the ceiling is this node's own.
    if (!Number.isInteger(count) || count < 1) return failure(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
    if (count > limit) return failure(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be between 1 and ${limit}, got ${partitions}.`);
    const validated = validateTopicConfigs(configs);
    if (!validated.ok) return failure(validated.errorCode, validated.message);
    return { ok: true, topic: { name, topicId: randomUUID(), partitions: count, configs: validated.configs } };
  }

  /**
   * Decides a change against the catalogue-to-be and, when it changes something, queues it
   * for the next catalogue write; resolves once it is durable and applied.
   */
  private change(decide: (catalogue: Map<string, TopicInfo>) => Decision): Promise<TopicResult> {
    const catalogue = this.latest ?? new Map(this.topics);
    const { result, apply } = decide(catalogue);
    if (apply === undefined) return Promise.resolve(result);
    this.latest = catalogue;
    return new Promise((resolve) => {
      this.enqueue({ result, apply, done: resolve });
    });
  }

  private enqueue(change: PendingChange): void {
    this.queued.push(change);
    this.writing ??= this.writeQueued().finally(() => {
      this.writing = undefined;
    });
  }

  /**
   * One catalogue write at a time (they share a temporary file, and a later write must not
   * be overtaken by an earlier one). Changes decided while a write runs go together into the
   * next, so a burst of admin requests costs a few writes, not one each.
   */
  private async writeQueued(): Promise<void> {
    // Let the rest of the current request decide first: a CreateTopics of many topics is one write.
    await Promise.resolve();
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      const contents = [...(this.latest ?? this.topics).values()];
      try {
        await this.store.saveAsync(contents);
      } catch (error) {
        // Nothing decided since the last good write is durable: drop it all, so the next
        // decision starts again from what the broker serves.
        const failed = [...batch, ...this.queued];
        this.queued = [];
        this.latest = undefined;
        this.options.logger.error({ err: error, file: this.store.file }, 'could not write the topic catalogue');
        const message = `could not write the topic catalogue: ${error instanceof Error ? error.message : String(error)}`;
        for (const change of failed) change.done(failure(ErrorCode.UNKNOWN_SERVER_ERROR, message));
        continue;
      }
      for (const change of batch) {
        try {
          await change.apply();
          change.done(change.result);
        } catch (error) {
          this.options.logger.error({ err: error }, 'a topic change was stored but could not be applied');
          change.done(failure(ErrorCode.UNKNOWN_SERVER_ERROR, error instanceof Error ? error.message : String(error)));
        }
      }
      // Everything decided is now written and served: decisions start from `topics` again.
      if (this.queued.length === 0) this.latest = undefined;
    }
  }
}

function handleKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function failure(errorCode: number, message: string): TopicFailure {
  return { ok: false, errorCode, message };
}
