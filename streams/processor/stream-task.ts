import { Subject, merge, share } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { Deserializer, Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode, messageOf } from '../errors.ts';
import { deadLetterRecord } from './dead-letter.ts';
import { decide, silentLogger } from './error-handlers.ts';
import type { ExceptionHandler, StreamsLogger } from './error-handlers.ts';
import type { AnyRecord, GraphNode, NodeContext, SinkNode, SourceNode } from './nodes.ts';
import { TaskOffsets } from './offset-tracker.ts';
import type { Hold } from './offset-tracker.ts';
import type { SourcePosition } from './record.ts';
import { rxScheduler } from './rx-scheduler.ts';
import { formatTaskId } from './task-api.ts';
import type { InputRecord, OutputRecord, StreamTask, TaskId, TaskOptions, TopicPartitionOffset } from './task-api.ts';

/** The nodes of one sub-topology, in creation order (parents before children). */
export interface SubtopologyNodes {
  readonly id: number;
  readonly nodes: readonly GraphNode[];
}

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
  private readonly offsets = new TaskOffsets();
  private readonly byTopic = new Map<string, BoundSource>();
  private readonly byPattern: { readonly pattern: RegExp; readonly source: BoundSource }[] = [];
  private readonly subjects: Subject<AnyRecord>[] = [];
  private readonly subscriptions: Subscription[] = [];
  private failure: StreamsError | undefined;
  private flushWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private closing: Promise<void> | undefined;
  private time = -1;

  constructor(subtopology: SubtopologyNodes, id: TaskId, options: TaskOptions) {
    this.id = id;
    this.label = formatTaskId(id);
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.build(subtopology);
  }

  get inFlight(): number {
    return this.offsets.inFlight;
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
    const partition = this.offsets.of(record);
    partition.begin(record);
    try {
      this.deliver(source, record);
    } finally {
      partition.release(record.offset);
    }
    this.throwIfFailed();
  }

  /** A failure during the synchronous pass (a handler said fail deep in an operator) surfaces here. */
  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  committableOffsets(): TopicPartitionOffset[] {
    return this.offsets.committable();
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

  private async shutdown(): Promise<void> {
    // Completing the sources lets operators that buffer emit what they hold (bufferCount,
    // bufferTime); whatever stays held (a pending delay) is not committed and is read again.
    for (const subject of this.subjects) subject.complete();
    try {
      if (this.failure === undefined) await this.flush();
    } catch {
      // The failure was reported when it happened; closing still releases everything.
    }
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private deliver(source: BoundSource, raw: InputRecord): void {
    const context = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
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
    const raw = this.offsets.raw(record) ?? { topic: record.topic, partition: record.partition, offset: record.offset, key: null, value: null, headers: [], timestamp: BigInt(Math.trunc(record.timestamp)) };
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
    if (this.failure !== undefined) return;
    this.failure = error instanceof StreamsError ? error : new StreamsError(StreamsErrorCode.PROCESSING, `task ${this.label} failed: ${messageOf(error)}`, { cause: error });
    this.logger.error({ task: this.label, error: this.failure.message }, 'stream task failed');
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const waiter of waiters) waiter.reject(this.failure);
    this.options.onError?.(this.failure);
  }

  /** Hands one record to the collector, holding its source offset until the ack. */
  private send(record: OutputRecord, source: SourcePosition): void {
    const hold = this.offsets.hold(source, true);
    let result: Promise<void> | void;
    try {
      result = this.options.collector.send(record, source);
    } catch (error) {
      this.fail(new StreamsError(StreamsErrorCode.PRODUCTION, `task ${this.label}: sending to topic '${record.topic}' failed for the record ${where(source)}: ${messageOf(error)}`, { cause: error }));
      return;
    }
    if (result === undefined) {
      this.offsets.release(hold);
      return;
    }
    result.then(
      () => {
        this.offsets.release(hold);
      },
      (error: unknown) => {
        // The hold stays: nothing past this record may be committed.
        this.fail(new StreamsError(StreamsErrorCode.PRODUCTION, `task ${this.label}: topic '${record.topic}' did not acknowledge the record from ${where(source)}: ${messageOf(error)}`, { cause: error }));
      },
    );
  }

  private sinkRecord(node: SinkNode, keySerde: Serde<unknown>, valueSerde: Serde<unknown>, record: AnyRecord): void {
    let output: OutputRecord;
    try {
      const topic = typeof node.topic === 'string' ? (node.internal ? `${this.options.applicationId}-${node.topic}` : node.topic) : node.topic(record.key, record.value, record);
      const key = keySerde.serialize(record.key, { topic });
      const value = valueSerde.serialize(record.value, { topic });
      let partition: number | undefined;
      if (node.partitioner !== undefined) {
        const count = this.options.collector.partitionCount(topic);
        if (count !== undefined) {
          partition = node.partitioner(topic, record.key, record.value, count);
          if (partition !== undefined && (!Number.isInteger(partition) || partition < 0 || partition >= count)) {
            throw new RangeError(`the partitioner chose partition ${partition} of topic '${topic}', which has ${count}`);
          }
        }
      }
      output = { topic, key, value, headers: record.headers, timestamp: record.timestamp, partition };
    } catch (error) {
      const failure = new StreamsError(StreamsErrorCode.PRODUCTION, `task ${this.label}: ${node.name} cannot write the record ${where(record)}: ${messageOf(error)}`, { cause: error });
      this.fail(failure);
      return;
    }
    this.send(output, record);
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
        offsets.release(hold);
      },
    });
    return {
      taskId: this.id,
      nodeName,
      scheduler: this.options.scheduler,
      rxScheduler: rxScheduler(this.options.scheduler),
      onError: (error, record) => {
        this.recordFailed(nodeName, record, error);
      },
      asyncHooks: hooks(true),
      segmentHooks: hooks(false),
    };
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
            valueSerde: this.serdeFor(node.valueSerde, defaultValueSerde, node, 'value'),
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
            valueSerde: this.serdeFor(node.valueSerde, defaultValueSerde, node, 'value'),
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
