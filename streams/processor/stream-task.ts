import { Subject, merge, share } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { Deserializer, Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode, messageOf } from '../errors.ts';
import { deadLetterRecord } from './dead-letter.ts';
import { decide, silentLogger } from './error-handlers.ts';
import type { ExceptionHandler, StreamsLogger } from './error-handlers.ts';
import type { AnyRecord, GraphNode, NodeContext, SinkNode, SourceNode } from './nodes.ts';
import { TaskOffsets } from './offset-tracker.ts';
import type { Hold, PartitionOffsets } from './offset-tracker.ts';
import type { SourcePosition } from './record.ts';
import { rxScheduler } from './rx-scheduler.ts';
import { SinkFailure, productionFailure, sendFailure, sinkOutput } from './sink-writer.ts';
import { RecordsRefused, formatTaskId } from './task-api.ts';
import type { InputRecord, OutputRecord, RecordSendFailure, StreamTask, TaskId, TaskOptions, TaskStateAccess, TopicPartitionOffset } from './task-api.ts';
import { TaskStateManager } from '../state/state-manager.ts';
import type { StoreSpec } from '../state/state-manager.ts';
import type { ChangelogRecord } from '../state/changelog.ts';

/** The nodes of one sub-topology, in creation order (parents before children). */
export interface SubtopologyNodes {
  readonly id: number;
  readonly nodes: readonly GraphNode[];
  /** The state stores its processors use. */
  readonly stores?: readonly StoreSpec[];
}

/** Kafka's statestore.cache.max.bytes default. */
const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 * 1024;

/** The late-record headers, in the style of KIP-1034's dead-letter headers. */
export const LateRecordHeaders = {
  NODE: '__streams.late.node',
  STREAM_TIME: '__streams.late.stream.time',
} as const;

interface BoundSource {
  readonly node: SourceNode;
  readonly subject: Subject<AnyRecord>;
  readonly keySerde: Deserializer<unknown>;
  readonly valueSerde: Deserializer<unknown>;
}

/** ` in topic 'orders' partition 2 at offset 17` */
function where(position: SourcePosition): string {
  return `in topic '${position.topic}' partition ${position.partition} at offset ${position.offset}`;
}

/**
 * One sub-topology running on one partition number: its own Subjects and operator state, the
 * offset bookkeeping that decides commits, and the error handlers. See README "From a Topology
 * to tasks" for the contract.
 */
export class TopologyTask implements StreamTask {
  readonly id: TaskId;
  private readonly label: string;
  private readonly options: TaskOptions;
  private readonly logger: StreamsLogger;
  private readonly offsets: TaskOffsets;
  /** The sends whose holds wait for the collector's promise last returned (one `.then` per promise). */
  private sends: SendBatch | undefined;
  /**
   * Whether a store of this task caches: an input's effect may then sit in a cache entry whose
   * eventual send carries a later input's offset (the key's latest update), so that send's hold
   * alone does not keep the earlier input from being committed.
   */
  private readonly caching: boolean;
  /**
   * Per input partition, a hold on the lowest input that reached this task's stores since the
   * caches were last flushed: the first record processed since, or an older one that came out of
   * an async stage or a buffering operator later. Every later effect is in a cache, or in a send
   * of `cacheWindow` (an eviction, the flush). It is released once all of those sends are
   * acknowledged (see `closeCacheWindow`).
   */
  private readonly cacheWindowHolds = new Map<PartitionOffsets, { readonly seq: number; readonly offset: bigint }>();
  /** The send batches since the caches were last flushed. */
  private cacheWindow: SendBatch[] = [];
  /** Resolves when the holds of every flushed cache window are released. */
  private cacheWindowsReleased: Promise<void> = Promise.resolve();
  /** The consumed record during its synchronous pass: its raw bytes for handlers without keeping every record. */
  private current: InputRecord | undefined;
  private readonly byTopic = new Map<string, BoundSource>();
  private readonly byPattern: { readonly pattern: RegExp; readonly source: BoundSource }[] = [];
  private readonly subjects: Subject<AnyRecord>[] = [];
  private readonly subscriptions: Subscription[] = [];
  private failure: StreamsError | undefined;
  private flushWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private closing: Promise<void> | undefined;
  private abandoned = false;
  private time = -1;
  private readonly stateManager: TaskStateManager;
  readonly state: TaskStateAccess | undefined;

  constructor(subtopology: SubtopologyNodes, id: TaskId, options: TaskOptions) {
    this.id = id;
    this.label = formatTaskId(id);
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    // Only dead letters need a record's raw bytes after its synchronous pass.
    this.offsets = new TaskOffsets(options.deadLetterQueueTopic !== undefined);
    const specs = subtopology.stores ?? [];
    this.caching = (options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES) > 0 && specs.some((spec) => spec.cached);
    this.stateManager = new TaskStateManager(specs, {
      applicationId: options.applicationId,
      partition: id.partition,
      defaultKeySerde: options.defaultKeySerde,
      defaultValueSerde: options.defaultValueSerde,
      cacheMaxBytes: options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES,
      globals: options.globalStores,
      send: (record, source) => {
        this.send(record, source);
      },
    });
    const manager = this.stateManager;
    this.state =
      specs.length === 0
        ? undefined
        : {
            changelogPartitions: () => manager.changelogPartitions(),
            restore: (topic: string, records: Iterable<ChangelogRecord>) => {
              manager.restore(topic, records);
            },
            restoredOffsets: () => manager.restoredOffsets(),
            snapshot: (topic: string) => manager.snapshot(topic),
            store: (name: string) => manager.view(name),
            storeNames: () => manager.names(),
            get droppedRecords() {
              return manager.droppedRecords;
            },
          };
    this.build(subtopology);
  }

  get inFlight(): number {
    return this.offsets.inFlight;
  }

  get asyncInFlight(): number {
    return this.offsets.asyncInFlight;
  }

  get streamTime(): number {
    return this.time;
  }

  get error(): StreamsError | undefined {
    return this.failure;
  }

  process(record: InputRecord): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closing !== undefined) throw new StreamsError(StreamsErrorCode.TASK_CLOSED, `task ${this.label} is closed; it takes no more records`);
    const source = this.sourceFor(record.topic);
    if (source === undefined || record.partition !== this.id.partition) {
      throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `task ${this.label} does not read topic '${record.topic}' partition ${record.partition}`);
    }
    this.stateManager.markStarted();
    const partition = this.offsets.of(record);
    const pass = partition.begin(record);
    if (this.caching && !this.cacheWindowHolds.has(partition)) this.cacheWindowHolds.set(partition, { seq: partition.hold(record.offset), offset: record.offset });
    this.current = record;
    try {
      this.deliver(source, record);
    } finally {
      this.current = undefined;
      // The task failed on this record: its hold stays, so no commit ever passes it.
      if (this.error === undefined) partition.release(pass);
    }
    this.throwIfFailed();
  }

  /** A failure during the synchronous pass (a handler said fail deep in an operator) surfaces here. */
  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  committableOffsets(): TopicPartitionOffset[] {
    // Kafka flushes the stores before committing: cached updates reach the changelog and
    // downstream first, and the sends hold their source offsets until acknowledged.
    if (this.failure === undefined && this.closing === undefined) this.flushStores();
    return this.offsets.committable();
  }

  private flushStores(): void {
    try {
      this.stateManager.flushCaches();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.closeCacheWindow();
  }

  /**
   * After a flush every input since the previous one has its effect in a send: its window's
   * holds go once those sends are acknowledged. Until then the commit stops at the window's first
   * record, as Kafka Streams commits only after the flushed output is acknowledged. A send that
   * fails fails the task, and the holds stay; records refused one by one and handled by the
   * production handler end the window as acknowledged ones do.
   */
  private closeCacheWindow(): void {
    if (this.cacheWindowHolds.size === 0) return;
    const holds = [...this.cacheWindowHolds];
    this.cacheWindowHolds.clear();
    const pending = this.cacheWindow.filter((batch) => !batch.acknowledged);
    this.cacheWindow = [];
    const release = (): void => {
      for (const [partition, { seq }] of holds) partition.release(seq);
    };
    if (pending.length === 0) {
      release();
      return;
    }
    // A batch with records the broker refused settles by rejecting; once the production handler
    // took them (its own callback runs first) the window is over all the same. A failed task keeps
    // its holds.
    const released = Promise.allSettled(pending.map((batch) => batch.promise)).then(() => {
      if (this.failure === undefined) release();
    });
    this.cacheWindowsReleased = Promise.all([this.cacheWindowsReleased, released]).then(() => undefined);
  }

  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      this.flushWaiters.push(waiter);
      void this.offsets.settled().then(() => {
        if (!this.flushWaiters.includes(waiter)) return;
        this.flushWaiters = this.flushWaiters.filter((w) => w !== waiter);
        if (this.failure === undefined) resolve();
        else reject(this.failure);
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Drops the task as it stands, without flushing or emitting anything (its transaction was
   * aborted: what it sent is discarded, and its input is read again from the committed offsets
   * by a new task). Sends that fail afterwards are not reported.
   */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.closing ??= Promise.resolve();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    const dropped = new StreamsError(StreamsErrorCode.TASK_CLOSED, `task ${this.label} was abandoned`);
    for (const waiter of waiters) waiter.reject(dropped);
  }

  private async shutdown(): Promise<void> {
    // Completing the sources lets operators that buffer emit what they hold (bufferCount,
    // bufferTime); whatever stays held (a pending delay) is not committed and is read again.
    // Caches go first, while the pipeline below them is still subscribed.
    if (this.failure === undefined) this.flushStores();
    for (const subject of this.subjects) subject.complete();
    try {
      if (this.failure === undefined) await this.flush();
      await this.cacheWindowsReleased;
    } catch {
      // The failure was reported when it happened; closing still releases everything.
    }
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private deliver(source: BoundSource, raw: InputRecord): void {
    // The record is its own serde context (topic, partition, offset).
    const context = raw;
    let key: unknown;
    let value: unknown;
    try {
      key = source.keySerde.deserialize(raw.key, context);
    } catch (error) {
      this.deserializationFailed(source.node, raw, error, 'key');
      return;
    }
    try {
      value = source.valueSerde.deserialize(raw.value, context);
    } catch (error) {
      this.deserializationFailed(source.node, raw, error, 'value');
      return;
    }
    let record: AnyRecord = { key, value, timestamp: Number(raw.timestamp), headers: raw.headers, topic: raw.topic, partition: raw.partition, offset: raw.offset };
    const extractor = source.node.timestampExtractor;
    if (extractor !== undefined) {
      let timestamp: number;
      try {
        timestamp = extractor(record, this.time);
        if (!Number.isFinite(timestamp) || timestamp < 0) throw new RangeError(`the timestamp extractor returned ${timestamp}; timestamps must be >= 0`);
      } catch (error) {
        this.recordFailed(source.node.name, record, error, 'extracting the timestamp failed');
        return;
      }
      record = { ...record, timestamp };
    }
    if (record.timestamp > this.time) this.time = record.timestamp;
    source.subject.next(record);
  }

  private deserializationFailed(node: SourceNode, raw: InputRecord, error: unknown, part: 'key' | 'value'): void {
    const what = `cannot deserialize the ${part} of the record ${where(raw)}: ${messageOf(error)}`;
    this.handle(this.options.deserializationExceptionHandler, node.name, raw, error, what, StreamsErrorCode.DESERIALIZATION);
  }

  /** A user function failed on `record` in `nodeName`: the processing handler decides. */
  private recordFailed(nodeName: string, record: AnyRecord, error: unknown, what = 'processing failed'): void {
    const raw = this.rawOf(record) ?? { topic: record.topic, partition: record.partition, offset: record.offset, key: null, value: null, headers: [], timestamp: BigInt(Math.trunc(record.timestamp)) };
    const message = `${nodeName} ${what} on the record ${where(record)}: ${messageOf(error)}`;
    this.handle(this.options.processingExceptionHandler, nodeName, raw, error, message, StreamsErrorCode.PROCESSING);
  }

  /** Runs a handler; writes the dead letter; returns on continue, throws (after failing the task) on fail. */
  private handle(handler: ExceptionHandler | undefined, nodeName: string, raw: InputRecord, error: unknown, message: string, code: StreamsErrorCode): void {
    const response = decide(handler ?? 'logAndFail', { taskId: this.id, record: raw, nodeName, error }, this.logger, message);
    const dlq = this.options.deadLetterQueueTopic;
    if (dlq !== undefined) this.send(deadLetterRecord(dlq, raw, error), raw);
    if (response === 'continue') return;
    const failure = new StreamsError(code, `task ${this.label}: ${message}`, { cause: error });
    this.fail(failure);
    throw failure;
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined || this.abandoned) return;
    this.failure = error instanceof StreamsError ? error : new StreamsError(StreamsErrorCode.PROCESSING, `task ${this.label} failed: ${messageOf(error)}`, { cause: error });
    this.logger.error({ task: this.label, error: this.failure.message }, 'stream task failed');
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const waiter of waiters) waiter.reject(this.failure);
    this.options.onError?.(this.failure);
  }

  /** The consumed record at `position`: the one being processed, or one kept for dead letters. */
  private rawOf(position: SourcePosition): InputRecord | undefined {
    const current = this.current;
    if (current !== undefined && current.offset === position.offset && current.partition === position.partition && current.topic === position.topic) return current;
    return this.offsets.raw(position);
  }

  /**
   * Hands one record to the collector, holding its source offset until the ack. Collectors
   * batch (the runtime's gives every record of a turn one promise), so the holds of the records
   * sharing a promise are kept in lists and released by one callback: no closure, promise or
   * hold object per record.
   */
  private send(record: OutputRecord, source: SourcePosition, node?: SinkNode): void {
    const offsets = this.offsets;
    const partition = offsets.of(source);
    const seq = offsets.holdSend(partition, source.offset);
    let result: Promise<void> | void;
    try {
      result = this.options.collector.send(record, source);
    } catch (error) {
      this.fail(new StreamsError(StreamsErrorCode.PRODUCTION, `task ${this.label}: sending to topic '${record.topic}' failed for the record ${where(source)}: ${messageOf(error)}`, { cause: error }));
      return;
    }
    if (result === undefined) {
      offsets.releaseSends([partition], [seq], 1);
      return;
    }
    let batch = this.sends;
    if (batch === undefined || batch.promise !== result) {
      batch = new SendBatch(result, record.topic, source);
      this.sends = batch;
      if (this.cacheWindowHolds.size > 0) this.cacheWindow.push(batch);
      const sent = batch;
      const release = (): void => {
        sent.acknowledged = true;
        offsets.releaseSends(sent.partitions, sent.seqs, sent.seqs.length);
      };
      result.then(
        () => {
          if (this.sends === sent) this.sends = undefined;
          release();
        },
        (error: unknown) => {
          if (this.sends === sent) this.sends = undefined;
          // Records the broker refused one by one go to the production handler; the rest of the
          // batch was acknowledged.
          if (error instanceof RecordsRefused) {
            if (this.handleRefused(sent, error.failures)) release();
            return;
          }
          // The holds stay: nothing past these records may be committed.
          this.fail(
            new StreamsError(StreamsErrorCode.PRODUCTION, `task ${this.label}: topic '${sent.topic}' did not acknowledge the record from ${where(sent.first)}: ${messageOf(error)}`, { cause: error }),
          );
        },
      );
    }
    batch.partitions.push(partition);
    batch.seqs.push(seq);
    batch.records.push(record);
    batch.sources.push(source);
    batch.nodes.push(node);
  }

  /**
   * Records of this task the broker refused one by one: a sink's output goes to the production
   * handler, anything else (changelog, dead-letter and late-record writes) fails the task. False
   * when the task fails.
   */
  private handleRefused(sent: SendBatch, refused: readonly RecordSendFailure[]): boolean {
    for (const { record, error } of refused) {
      const at = sent.records.indexOf(record);
      if (at < 0) continue;
      const source = sent.sources[at]!;
      const node = sent.nodes[at];
      if (node === undefined) {
        this.fail(new StreamsError(StreamsErrorCode.PRODUCTION, `task ${this.label}: topic '${record.topic}' refused the record from ${where(source)}: ${messageOf(error)}`, { cause: error }));
        return false;
      }
      const failure = sendFailure(error, {
        taskId: this.id,
        label: this.label,
        node,
        output: record,
        source,
        raw: this.rawOf(source),
        options: this.options,
        logger: this.logger,
        send: (deadLetter, from) => {
          this.send(deadLetter, from);
        },
      });
      if (failure !== undefined) {
        this.fail(failure);
        return false;
      }
      this.stateManager.droppedRecords++;
    }
    return true;
  }

  private sinkRecord(node: SinkNode, keySerde: Serde<unknown>, valueSerde: Serde<unknown>, record: AnyRecord): void {
    const output = sinkOutput(node, keySerde, valueSerde, record, this.options);
    if (!(output instanceof SinkFailure)) {
      this.send(output, record, node);
      return;
    }
    // The production handler decides on records that cannot be serialized (sink-writer.ts).
    const failure = productionFailure(output, {
      taskId: this.id,
      label: this.label,
      node,
      record,
      raw: this.rawOf(record),
      options: this.options,
      logger: this.logger,
      send: (deadLetter, source) => {
        this.send(deadLetter, source);
      },
    });
    if (failure !== undefined) this.fail(failure);
  }


  private sourceFor(topic: string): BoundSource | undefined {
    const exact = this.byTopic.get(topic);
    if (exact !== undefined) return exact;
    for (const { pattern, source } of this.byPattern) if (pattern.test(topic)) return source;
    return undefined;
  }

  private nodeContext(nodeName: string): NodeContext {
    const offsets = this.offsets;
    const hooks = (async: boolean) => ({
      hold: (position: SourcePosition): Hold => offsets.hold(position, async),
      release: (hold: Hold): void => {
        if (this.caching) this.widenCacheWindow(hold);
        offsets.release(hold);
      },
    });
    return {
      taskId: this.id,
      nodeName,
      defaultKeySerde: this.options.defaultKeySerde,
      defaultValueSerde: this.options.defaultValueSerde,
      scheduler: this.options.scheduler,
      rxScheduler: rxScheduler(this.options.scheduler),
      onError: (error, record) => {
        this.recordFailed(nodeName, record, error);
      },
      asyncHooks: hooks(true),
      segmentHooks: hooks(false),
      state: this.stateManager,
      dropLate: (record, topic) => {
        this.stateManager.droppedRecords++;
        this.logger.warn({ task: this.label, node: nodeName, topic: record.topic, partition: record.partition, offset: String(record.offset), timestamp: record.timestamp }, 'dropping a late record: its window is closed');
        if (topic === undefined) return;
        const raw = this.rawOf(record);
        const headers = [
          ...record.headers,
          { key: LateRecordHeaders.NODE, value: Buffer.from(nodeName) },
        ];
        this.send({ topic, key: raw?.key ?? null, value: raw?.value ?? null, headers, timestamp: record.timestamp, partition: undefined }, record);
      },
    };
  }

  /**
   * A record leaving an async stage or a buffering operator goes on downstream outside
   * `process()`, maybe into a cache: the cache window must cover it as well, or a commit after the
   * next flush could pass it while only that flush's unacknowledged write carries its effect.
   * Called while its hold still stands, so the window's hold lands on its offset.
   */
  private widenCacheWindow(hold: Hold): void {
    const { partition } = hold;
    const offset = partition.offsetOf(hold.seq);
    if (offset === undefined) return;
    const current = this.cacheWindowHolds.get(partition);
    if (current !== undefined && current.offset <= offset) return;
    this.cacheWindowHolds.set(partition, { seq: partition.hold(offset), offset });
    if (current !== undefined) partition.release(current.seq);
  }

  private serdeFor<T extends Deserializer<unknown>>(given: T | undefined, fallback: T | undefined, node: GraphNode, part: 'key' | 'value'): T {
    const serde = given ?? fallback;
    if (serde === undefined) {
      throw new StreamsError(
        StreamsErrorCode.TOPOLOGY,
        `${node.name} has no ${part} serde: pass ${part}Serde to ${node.kind === 'source' ? 'stream()' : 'to()/repartition()'}, or set default${part === 'key' ? 'Key' : 'Value'}Serde in the config`,
      );
    }
    return serde;
  }

  private build(subtopology: SubtopologyNodes): void {
    const children = new Map<string, number>();
    for (const node of subtopology.nodes) for (const parent of node.parents) children.set(parent, (children.get(parent) ?? 0) + 1);
    const outputs = new Map<string, Observable<unknown>>();
    const leaves: Observable<unknown>[] = [];
    const sinks: { node: SinkNode; input: Observable<unknown>; keySerde: Serde<unknown>; valueSerde: Serde<unknown> }[] = [];
    const { defaultKeySerde, defaultValueSerde } = this.options;
    for (const node of subtopology.nodes) {
      const inputs = node.parents.map((parent) => outputs.get(parent)!);
      switch (node.kind) {
        case 'source': {
          const subject = new Subject<AnyRecord>();
          const bound: BoundSource = {
            node,
            subject,
            keySerde: this.serdeFor(node.keySerde, defaultKeySerde, node, 'key'),
            valueSerde: wrap(node.wrapValueSerde, this.serdeFor(node.valueSerde, defaultValueSerde, node, 'value')),
          };
          this.subjects.push(subject);
          for (const topic of node.topics) this.byTopic.set(node.internal ? `${this.options.applicationId}-${topic}` : topic, bound);
          if (node.pattern !== undefined) this.byPattern.push({ pattern: new RegExp(`^(?:${node.pattern.source})$`, node.pattern.flags.replace(/[gy]/g, '')), source: bound });
          outputs.set(node.name, this.shareIfFanOut(subject.asObservable(), children.get(node.name)));
          break;
        }
        case 'processor': {
          const output = node.build(inputs, this.nodeContext(node.name));
          if ((children.get(node.name) ?? 0) === 0) leaves.push(output);
          outputs.set(node.name, this.shareIfFanOut(output, children.get(node.name)));
          break;
        }
        case 'sink':
          sinks.push({
            node,
            input: inputs.length === 1 ? inputs[0]! : merge(...inputs),
            keySerde: this.serdeFor(node.keySerde, defaultKeySerde, node, 'key'),
            valueSerde: wrap(node.wrapValueSerde, this.serdeFor(node.valueSerde, defaultValueSerde, node, 'value')),
          });
          break;
        default: {
          const unknown: never = node;
          throw new StreamsError(StreamsErrorCode.TOPOLOGY, `unknown node ${String(unknown)}`);
        }
      }
    }
    const onError = (error: unknown): void => {
      this.fail(error);
    };
    for (const { node, input, keySerde, valueSerde } of sinks) {
      this.subscriptions.push(
        input.subscribe({
          next: (record) => {
            this.sinkRecord(node, keySerde, valueSerde, record as AnyRecord);
          },
          error: onError,
        }),
      );
    }
    // Streams that end in no sink (foreach, peek) still run: their side effects are the point.
    for (const leaf of leaves) this.subscriptions.push(leaf.subscribe({ error: onError }));
  }

  /** A node read by several children runs once per record, not once per child. */
  private shareIfFanOut(output: Observable<unknown>, childCount: number | undefined): Observable<unknown> {
    return (childCount ?? 0) > 1 ? output.pipe(share()) : output;
  }
}

/** Sends that share one collector promise, with their holds as parallel lists. */
class SendBatch {
  readonly promise: Promise<void>;
  /** The first record's topic and source, for the message when the promise rejects. */
  readonly topic: string;
  readonly first: SourcePosition;
  readonly partitions: PartitionOffsets[] = [];
  readonly seqs: number[] = [];
  /** Per record, for the production handler when the broker refuses one. */
  readonly records: OutputRecord[] = [];
  readonly sources: SourcePosition[] = [];
  readonly nodes: (SinkNode | undefined)[] = [];
  acknowledged = false;

  constructor(promise: Promise<void>, topic: string, source: SourcePosition) {
    this.promise = promise;
    this.topic = topic;
    this.first = { topic: source.topic, partition: source.partition, offset: source.offset };
  }
}

function wrap<T>(wrapper: ((serde: T) => T) | undefined, serde: T): T {
  return wrapper === undefined ? serde : wrapper(serde);
}
