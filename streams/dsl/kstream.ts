import { merge, pipe as rxPipe } from 'rxjs';
import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs';
import type { Serde } from '../../client/index.ts';
import type { Scheduler } from '../../core/base/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { filterRecords } from '../operators/filter-records.ts';
import type { RecordPredicate } from '../operators/filter-records.ts';
import { flatMapRecords } from '../operators/flat-map-records.ts';
import { flatMapValues } from '../operators/flat-map-values.ts';
import { mapAsync } from '../operators/map-async.ts';
import { mapRecords } from '../operators/map-records.ts';
import { mapValues } from '../operators/map-values.ts';
import { peekRecords } from '../operators/peek-records.ts';
import { processValues } from '../operators/process-values.ts';
import type { ValueUpdate } from '../operators/process-values.ts';
import type { RecordErrorHook } from '../operators/record-step.ts';
import { selectKey } from '../operators/select-key.ts';
import { trackedSegment } from '../operators/tracked-segment.ts';
import type { AnyRecord, NodeContext, StreamPartitioner, TopicNameExtractor } from '../processor/nodes.ts';
import type { KeyValue, StreamRecord } from '../processor/record.ts';
import type { TaskId } from '../processor/task-api.ts';
import { BranchedKStream } from './branched-kstream.ts';
import { NodePrefix } from './internal-builder.ts';
import type { InternalBuilder } from './internal-builder.ts';
import type { Grouped, Joined, MapAsyncConfig, Produced, Repartitioned, StreamJoined } from './options.ts';
import { KGroupedStream } from './kgrouped-stream.ts';
import { GlobalKTable, KTable } from './ktable.ts';
import { streamGlobalTableJoin, streamStreamJoin, streamTableJoin } from './stream-joins.ts';
import type { JoinType } from './stream-joins.ts';
import type { JoinWindows } from '../windows/join-windows.ts';

/** What a `pipeWith` factory gets, once per task. */
export interface PipeContext {
  readonly taskId: TaskId;
  /** The task's time as an RxJS scheduler: pass it to `delay`, `bufferTime`, `debounceTime`… */
  readonly scheduler: SchedulerLike;
  /** The same time as Brook's Scheduler. */
  readonly clock: Scheduler;
}

type Op<I, O> = OperatorFunction<I, O>;
type Rec<K, V> = StreamRecord<K, V>;

/** The serdes a stream knows (what it was read or last written with); a key or value change forgets them. */
interface KnownSerdes<K, V> {
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;
}

/**
 * A record stream (Kafka's KStream): every record is a new fact. Operations return new streams;
 * nothing runs until the topology is built and started. Callbacks get the key, the value and the
 * whole record (headers, timestamp, source topic/partition/offset).
 *
 * @example
 * builder.stream('clicks', { keySerde: Serdes.String(), valueSerde: Serdes.Json<Click>() })
 *   .filter((_user, click) => click?.page === '/checkout')
 *   .to('checkouts');
 */
export class KStream<K, V> {
  /** @internal */
  readonly builder: InternalBuilder;
  /** The node this stream is the output of. */
  readonly nodeName: string;
  /** @internal */
  readonly serdes: KnownSerdes<K, V>;
  /** True after a key change: a grouping or join must repartition first (Kafka's repartitionRequired). */
  readonly repartitionRequired: boolean;

  /** @internal Streams are made by StreamsBuilder.stream() and by operations. */
  constructor(builder: InternalBuilder, nodeName: string, serdes: KnownSerdes<K, V>, repartitionRequired: boolean) {
    this.builder = builder;
    this.nodeName = nodeName;
    this.serdes = serdes;
    this.repartitionRequired = repartitionRequired;
  }

  /** Keeps records the predicate accepts. A type guard on the value narrows the stream's type. */
  filter<V2 extends V>(predicate: (key: K, value: V, record: Rec<K, V>) => value is V2, name?: string): KStream<K, V2>;
  filter(predicate: RecordPredicate<K, V>, name?: string): KStream<K, V>;
  filter(predicate: RecordPredicate<K, V>, name?: string): KStream<K, V> {
    return this.step(NodePrefix.FILTER, name, (onError) => filterRecords(predicate, false, onError), this.serdes, this.repartitionRequired);
  }

  /** Drops records the predicate accepts. */
  filterNot(predicate: RecordPredicate<K, V>, name?: string): KStream<K, V> {
    return this.step(NodePrefix.FILTER, name, (onError) => filterRecords(predicate, true, onError), this.serdes, this.repartitionRequired);
  }

  /** New key and value per record. Marks the stream for repartitioning. */
  map<K2, V2>(mapper: (key: K, value: V, record: Rec<K, V>) => KeyValue<K2, V2>, name?: string): KStream<K2, V2> {
    return this.step(NodePrefix.MAP, name, (onError) => mapRecords(mapper, onError), noSerdes(), true);
  }

  /** New value per record, same key: never needs a repartition. */
  mapValues<V2>(mapper: (value: V, key: K, record: Rec<K, V>) => V2, name?: string): KStream<K, V2> {
    return this.step(NodePrefix.MAPVALUES, name, (onError) => mapValues(mapper, onError), { keySerde: this.serdes.keySerde, valueSerde: undefined }, this.repartitionRequired);
  }

  /** Zero or more key-value pairs per record. Marks the stream for repartitioning. */
  flatMap<K2, V2>(mapper: (key: K, value: V, record: Rec<K, V>) => Iterable<KeyValue<K2, V2>>, name?: string): KStream<K2, V2> {
    return this.step(NodePrefix.FLATMAP, name, (onError) => flatMapRecords(mapper, onError), noSerdes(), true);
  }

  /** Zero or more values per record, same key. */
  flatMapValues<V2>(mapper: (value: V, key: K, record: Rec<K, V>) => Iterable<V2>, name?: string): KStream<K, V2> {
    return this.step(NodePrefix.FLATMAPVALUES, name, (onError) => flatMapValues(mapper, onError), { keySerde: this.serdes.keySerde, valueSerde: undefined }, this.repartitionRequired);
  }

  /** A new key computed from each record. Marks the stream for repartitioning. */
  selectKey<K2>(selector: (key: K, value: V, record: Rec<K, V>) => K2, name?: string): KStream<K2, V> {
    return this.step(NodePrefix.KEY_SELECT, name, (onError) => selectKey(selector, onError), { keySerde: undefined, valueSerde: this.serdes.valueSerde }, true);
  }

  /** Calls `action` per record and passes records on unchanged (outside exactly-once: a retry calls it again). */
  peek(action: (key: K, value: V, record: Rec<K, V>) => void, name?: string): KStream<K, V> {
    return this.step(NodePrefix.PEEK, name, (onError) => peekRecords(action, onError), this.serdes, this.repartitionRequired);
  }

  /** Calls `action` per record; the stream ends here. */
  foreach(action: (key: K, value: V, record: Rec<K, V>) => void, name?: string): void {
    this.step(NodePrefix.FOREACH, name, (onError) => peekRecords(action, onError), this.serdes, this.repartitionRequired);
  }

  /**
   * Sees the whole record (headers, timestamp, source topic/partition/offset) and returns its new
   * value, and optionally new headers or timestamp; null drops it. The key stays.
   */
  processValues<V2>(processor: (record: Rec<K, V>) => ValueUpdate<V2> | null, name?: string): KStream<K, V2> {
    return this.step(NodePrefix.PROCESSVALUES, name, (onError) => processValues(processor, onError), { keySerde: this.serdes.keySerde, valueSerde: undefined }, this.repartitionRequired);
  }

  /**
   * Maps values through an async function, up to `concurrency` calls at once, keeping the order
   * of records with equal keys. Commits wait for records still in flight; a rejection goes to the
   * processing exception handler.
   */
  mapAsync<V2>(mapper: (value: V, key: K, record: Rec<K, V>) => Promise<V2> | V2, config: MapAsyncConfig): KStream<K, V2> {
    const { concurrency } = config;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `mapAsync concurrency must be an integer >= 1, not ${concurrency}`);
    const name = this.builder.nameOr(NodePrefix.MAPASYNC, config.name);
    this.builder.addProcessor(name, [this.nodeName], (inputs, context) => {
      const holds = new Map<AnyRecord, ReturnType<NodeContext['asyncHooks']['hold']>>();
      const operator = mapAsync<unknown, unknown, unknown>(mapper as (value: unknown, key: unknown, record: AnyRecord) => unknown, {
        concurrency,
        onAccept: (record) => holds.set(record, context.asyncHooks.hold(record)),
        onSettle: (record) => {
          const hold = holds.get(record);
          holds.delete(record);
          if (hold !== undefined) context.asyncHooks.release(hold);
        },
        onError: context.onError,
      });
      return operator(inputs[0] as Observable<AnyRecord>);
    });
    return new KStream<K, V2>(this.builder, name, { keySerde: this.serdes.keySerde, valueSerde: undefined }, this.repartitionRequired);
  }

  /**
   * Applies RxJS operators to the record stream. The operators must emit records (spread the
   * input: `{ ...record, value }`) that carry the source position of the latest input they
   * account for, and must not reorder records of one partition: an output with offset `o` tells
   * the task every input up to `o` is done, so commits never pass a record an operator still
   * holds (see streams/README.md, "At-least-once"). Time-based operators need the task's
   * scheduler: use `pipeWith`. Marks the stream for repartitioning (the key may have changed).
   */
  pipe<K2, V2>(op1: Op<Rec<K, V>, Rec<K2, V2>>): KStream<K2, V2>;
  pipe<A, K2, V2>(op1: Op<Rec<K, V>, A>, op2: Op<A, Rec<K2, V2>>): KStream<K2, V2>;
  pipe<A, B, K2, V2>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, Rec<K2, V2>>): KStream<K2, V2>;
  pipe<A, B, C, K2, V2>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, Rec<K2, V2>>): KStream<K2, V2>;
  pipe<A, B, C, D, K2, V2>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, D>, op5: Op<D, Rec<K2, V2>>): KStream<K2, V2>;
  pipe<K2, V2>(...operators: Op<never, unknown>[]): KStream<K2, V2> {
    if (operators.length === 0) throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'pipe() needs at least one operator');
    const [first, ...rest] = operators;
    const composed = rest.reduce<Op<unknown, unknown>>((acc, op) => rxPipe(acc, op as Op<unknown, unknown>), first as Op<unknown, unknown>);
    return this.pipeWith(() => composed as Op<Rec<K, V>, Rec<K2, V2>>);
  }

  /**
   * Like `pipe`, with the operator built once per task from `factory`, which gets the task's
   * scheduler: `stream.pipeWith(({ scheduler }) => pipe(bufferTime(1000, scheduler), map(last)))`.
   */
  pipeWith<K2, V2>(factory: (context: PipeContext) => Op<Rec<K, V>, Rec<K2, V2>>, name?: string): KStream<K2, V2> {
    const nodeName = this.builder.nameOr(NodePrefix.PIPE, name);
    this.builder.addProcessor(nodeName, [this.nodeName], (inputs, context) => {
      const operator = factory({ taskId: context.taskId, scheduler: context.rxScheduler, clock: context.scheduler }) as unknown as Op<AnyRecord, AnyRecord>;
      return trackedSegment(operator, context.segmentHooks)(inputs[0] as Observable<AnyRecord>);
    });
    return new KStream<K2, V2>(this.builder, nodeName, noSerdes(), true);
  }

  /** Records of both streams, interleaved; the order within each input is kept. */
  merge(other: KStream<K, V>, name?: string): KStream<K, V> {
    const nodeName = this.builder.nameOr(NodePrefix.MERGE, name);
    this.builder.addProcessor(nodeName, [this.nodeName, other.nodeName], (inputs) => merge(...inputs));
    // As Kafka Streams: the serdes are dropped, since neither input's can be assumed for both.
    return new KStream<K, V>(this.builder, nodeName, noSerdes(), this.repartitionRequired || other.repartitionRequired);
  }

  /**
   * Splits the stream into named branches: a record goes to the first branch whose predicate
   * accepts it, else to the default branch, else nowhere. Branch names are `<name><branch>`
   * (`KSTREAM-BRANCH-0000000001` + `1`, or the names given), as Kafka Streams names them.
   */
  split(name?: string): BranchedKStream<K, V> {
    return new BranchedKStream<K, V>(this, this.builder.nameOr(NodePrefix.BRANCH, name), (nodeName) => new KStream<K, V>(this.builder, nodeName, this.serdes, this.repartitionRequired));
  }

  /** Groups by the current key for an aggregation; repartitions first only if the key changed upstream. */
  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(this, grouped);
  }

  /** Groups by a new key (selectKey + groupByKey): always repartitions. */
  groupBy<K2>(selector: (key: K, value: V, record: Rec<K, V>) => K2, grouped: Grouped<K2, V> = {}): KGroupedStream<K2, V> {
    const keyed = this.selectKey(selector);
    return new KGroupedStream<K2, V>(new KStream<K2, V>(this.builder, keyed.nodeName, { keySerde: grouped.keySerde, valueSerde: grouped.valueSerde ?? this.serdes.valueSerde }, true), grouped);
  }

  /**
   * Inner join. With a stream and JoinWindows: every pair of records with equal keys whose
   * timestamps are within the window. With a table: each record joined with the table's current
   * value for its key (no result when there is none). With a global table: the table key is
   * `keySelector(key, value)`. Joiners get `(value, otherValue, key)`.
   */
  join<VO, VR>(other: KStream<K, VO>, joiner: (value: V, other: VO, key: K) => VR, windows: JoinWindows, joined?: StreamJoined<K, V, VO>): KStream<K, VR>;
  join<VT, VR>(table: KTable<NonNullable<K>, VT>, joiner: (value: V, tableValue: VT, key: NonNullable<K>) => VR, joined?: Joined<K, V, VT>): KStream<K, VR>;
  join<GK, VT, VR>(table: GlobalKTable<GK, VT>, keySelector: (key: K, value: V) => GK, joiner: (value: V, tableValue: VT, key: K) => VR, name?: string): KStream<K, VR>;
  join(other: unknown, a: unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    return this.joinAny('inner', other, a, b, c);
  }

  /** Left join: every record of this stream yields a result; the other side is null when it has no match. */
  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: (value: V, other: VO | null, key: K) => VR, windows: JoinWindows, joined?: StreamJoined<K, V, VO>): KStream<K, VR>;
  leftJoin<VT, VR>(table: KTable<NonNullable<K>, VT>, joiner: (value: V, tableValue: VT | null, key: NonNullable<K>) => VR, joined?: Joined<K, V, VT>): KStream<K, VR>;
  leftJoin<GK, VT, VR>(table: GlobalKTable<GK, VT>, keySelector: (key: K, value: V) => GK, joiner: (value: V, tableValue: VT | null, key: K) => VR, name?: string): KStream<K, VR>;
  leftJoin(other: unknown, a: unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    return this.joinAny('left', other, a, b, c);
  }

  /** Outer join of two streams: a record of either side with no match yields a result with null for the other. */
  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: (value: V | null, other: VO | null, key: K) => VR, windows: JoinWindows, joined: StreamJoined<K, V, VO> = {}): KStream<K, VR> {
    const { nodeName } = streamStreamJoin(this, other, joiner, windows, 'outer', joined);
    return new KStream<K, VR>(this.builder, nodeName, { keySerde: this.serdes.keySerde, valueSerde: undefined }, false);
  }

  private joinAny(type: JoinType, other: unknown, a: unknown, b: unknown, c: unknown): KStream<K, unknown> {
    type AnyJoiner = (value: unknown, other: unknown, key: K) => unknown;
    let nodeName: string;
    if (other instanceof KStream) {
      ({ nodeName } = streamStreamJoin(this, other as KStream<K, unknown>, a as AnyJoiner, b as JoinWindows, type, (c ?? {}) as StreamJoined<K, V, unknown>));
    } else if (other instanceof KTable) {
      ({ nodeName } = streamTableJoin(this, other as KTable<K, unknown>, a as AnyJoiner, type === 'inner' ? 'inner' : 'left', (b ?? {}) as Joined<K, V, unknown>));
    } else if (other instanceof GlobalKTable) {
      ({ nodeName } = streamGlobalTableJoin(this, other as GlobalKTable<unknown, unknown>, a as (key: K, value: V) => unknown, b as AnyJoiner, type === 'inner' ? 'inner' : 'left', c as string | undefined));
    } else {
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'join() takes a KStream (with JoinWindows), a KTable or a GlobalKTable');
    }
    // A join keeps the key: the result is partitioned as its inputs (after any repartition).
    return new KStream<K, unknown>(this.builder, nodeName, { keySerde: this.serdes.keySerde, valueSerde: undefined }, false);
  }

  /**
   * Writes every record to a topic, or to the topic `extractor` names per record. Serdes default
   * to the stream's own (when key and value are unchanged since the source), then to the config's.
   */
  to(topic: string | TopicNameExtractor<K, V>, produced: Produced<K, V> = {}): void {
    if (typeof topic === 'string' && topic === '') throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'to() needs a topic name');
    const name = this.builder.nameOr(NodePrefix.SINK, produced.name);
    this.builder.addSink({
      name,
      parents: [this.nodeName],
      topic: topic as string | TopicNameExtractor<unknown, unknown>,
      internal: false,
      keySerde: (produced.keySerde ?? this.serdes.keySerde),
      valueSerde: (produced.valueSerde ?? this.serdes.valueSerde),
      partitioner: produced.partitioner as StreamPartitioner<unknown, unknown> | undefined,
    });
  }

  /**
   * Writes the stream through an internal topic `<applicationId>-<name>-repartition` and reads it
   * back, so records are partitioned by their current key (or the partitioner). Starts a new
   * sub-topology.
   */
  repartition(options: Repartitioned<K, V> = {}): KStream<K, V> {
    const { numberOfPartitions } = options;
    if (numberOfPartitions !== undefined && (!Number.isInteger(numberOfPartitions) || numberOfPartitions < 1)) {
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, `repartition numberOfPartitions must be an integer >= 1, not ${numberOfPartitions}`);
    }
    const name = options.name ?? this.builder.newName(NodePrefix.REPARTITION);
    return this.throughRepartitionTopic(name, options);
  }

  /**
   * The repartition a grouping or join inserts when the stream is marked (Streams II calls it):
   * this stream itself when no repartition is needed.
   * @internal
   */
  repartitionIfRequired(name: string, options: Repartitioned<K, V> = {}): KStream<K, V> {
    return this.repartitionRequired ? this.throughRepartitionTopic(name, options) : this;
  }

  private throughRepartitionTopic(name: string, options: Repartitioned<K, V>): KStream<K, V> {
    const topic = name.endsWith('-repartition') ? name : `${name}-repartition`;
    // The three generated names are always drawn, as Kafka Streams does, so the counter (and
    // every later name) is the same whether or not the user named the topic.
    const generated = { sink: this.builder.newName(NodePrefix.SINK), filter: this.builder.newName(NodePrefix.FILTER), source: this.builder.newName(NodePrefix.SOURCE) };
    const names = /^KSTREAM.*-[0-9]{10}$/.test(name) ? generated : { sink: `${topic}-sink`, filter: `${topic}-filter`, source: `${topic}-source` };
    const keySerde = (options.keySerde ?? this.serdes.keySerde) as Serde<unknown> | undefined;
    const valueSerde = (options.valueSerde ?? this.serdes.valueSerde) as Serde<unknown> | undefined;
    this.builder.addProcessor(names.filter, [this.nodeName], (inputs) => inputs[0]!);
    this.builder.addSink({
      name: names.sink,
      parents: [names.filter],
      topic,
      internal: true,
      keySerde,
      valueSerde,
      partitioner: options.partitioner as StreamPartitioner<unknown, unknown> | undefined,
    });
    this.builder.internalTopics.push({ topic, numberOfPartitions: options.numberOfPartitions, sinkName: names.sink });
    this.builder.addSource({ name: names.source, topics: [topic], pattern: undefined, internal: true, keySerde, valueSerde, timestampExtractor: undefined });
    return new KStream<K, V>(this.builder, names.source, { keySerde: options.keySerde ?? this.serdes.keySerde, valueSerde: options.valueSerde ?? this.serdes.valueSerde }, false);
  }

  /** One processor node made of one record operator, whose per-record errors go to the processing handler. */
  private step<K2, V2>(
    prefix: string,
    name: string | undefined,
    operator: (onError: RecordErrorHook<Rec<K, V>>) => Op<Rec<K, V>, Rec<K2, V2>>,
    serdes: KnownSerdes<K2, V2>,
    repartitionRequired: boolean,
  ): KStream<K2, V2> {
    const nodeName = this.builder.nameOr(prefix, name);
    this.builder.addProcessor(nodeName, [this.nodeName], (inputs, context) => operator(context.onError)(inputs[0] as Observable<Rec<K, V>>));
    return new KStream<K2, V2>(this.builder, nodeName, serdes, repartitionRequired);
  }
}

function noSerdes<K, V>(): KnownSerdes<K, V> {
  return { keySerde: undefined, valueSerde: undefined };
}
