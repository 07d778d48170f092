import { merge } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { statefulStep } from '../operators/stateful-step.ts';
import { recordStep } from '../operators/record-step.ts';
import type { StreamPartitioner } from '../processor/nodes.ts';
import type { KeyValue, StreamRecord } from '../processor/record.ts';
import type { TaskStateManager } from '../state/state-manager.ts';
import type { ValueAndTimestamp } from '../state/store-api.ts';
import type { StoreChange, TimestampedKeyValueStore } from '../state/stores.ts';
import { changeDeserializer, changeSerde } from './change.ts';
import type { Change } from './change.ts';
import { NodePrefix } from './internal-builder.ts';
import type { InternalBuilder } from './internal-builder.ts';
import type { KStream } from './kstream.ts';
import { foreignKeyJoin } from './fk-join.ts';
import type { Grouped, Materialized, TableJoined } from './options.ts';
import type { Suppressed} from './suppressed.ts';
import { keyIdentity, suppressOperator } from './suppressed.ts';

type Rec<K, V> = StreamRecord<K, V>;

/** Looks up a table's current value for a key, inside one task. */
export type ValueGetter<K, V> = (key: K) => ValueAndTimestamp<V> | undefined;

/** How a task gets a table's value getter: the stores it reads, and the lookup built on them. */
export interface GetterSupplier<K, V> {
  readonly stores: readonly string[];
  make(state: TaskStateManager): ValueGetter<K, V>;
}

/** What a windowed table knows of its windows, for suppress and the late-record rule. */
export interface WindowInfo {
  readonly graceMs: number;
}

export interface KnownTableSerdes<K, V> {
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;
}

/** A table record as the store forwards it: the change, with the source context of the last update. */
export function changeRecord<K, V>(change: StoreChange<K, V>): Rec<K, Change<V>> {
  const { source } = change;
  return { key: change.key, value: { newValue: change.newValue, oldValue: change.oldValue }, timestamp: change.timestamp, headers: source.headers, topic: source.topic, partition: source.partition, offset: source.offset };
}

/** A getter reading a key-value store. */
export function storeGetter<K, V>(storeName: string): GetterSupplier<K, V> {
  return {
    stores: [storeName],
    make: (state) => {
      const store = state.get<TimestampedKeyValueStore<K, V>>(storeName);
      return (key) => store.getWithTimestamp(key);
    },
  };
}

/**
 * A changelog stream (Kafka's KTable): the latest value per key, a null value deleting it.
 * Every update travels downstream as a change (new and old value), so aggregations over a
 * table can subtract what they added. Tables are made by `builder.table()` and by
 * aggregations; `toStream()` turns the updates back into records.
 */
export class KTable<K, V> {
  /** @internal */
  readonly builder: InternalBuilder;
  readonly nodeName: string;
  /** @internal */
  readonly serdes: KnownTableSerdes<K, V>;
  /** @internal how joins look values up */
  readonly getter: GetterSupplier<K, V>;
  /** The store interactive queries can read, when the table is materialized. */
  readonly queryableStoreName: string | undefined;
  /** @internal set on windowed tables */
  readonly windows: WindowInfo | undefined;
  /**
   * @internal Makes the table's updates carry their old values (Kafka's enableSendingOldValues):
   * a table that would not keep them otherwise (a foreign-key join's result) starts keeping its
   * rows in a store. Operations that read old values (groupBy, joins) call it.
   */
  readonly sendOldValues: () => void;

  /** @internal made by the builder and by operations */
  constructor(builder: InternalBuilder, nodeName: string, serdes: KnownTableSerdes<K, V>, getter: GetterSupplier<K, V>, queryableStoreName: string | undefined, windows?: WindowInfo, sendOldValues?: () => void) {
    this.builder = builder;
    this.nodeName = nodeName;
    this.serdes = serdes;
    this.getter = getter;
    this.queryableStoreName = queryableStoreName;
    this.windows = windows;
    this.sendOldValues = sendOldValues ?? (() => undefined);
  }

  /** Keeps rows the predicate accepts; an update that leaves the filter forwards a delete. */
  filter(predicate: (key: K, value: V) => boolean, name?: string): KTable<K, V> {
    return this.filterImpl(predicate, false, name);
  }

  filterNot(predicate: (key: K, value: V) => boolean, name?: string): KTable<K, V> {
    return this.filterImpl(predicate, true, name);
  }

  private filterImpl(predicate: (key: K, value: V) => boolean, not: boolean, name: string | undefined): KTable<K, V> {
    const keep = (key: K, value: V | null): V | null => (value !== null && predicate(key, value) !== not ? value : null);
    const parent = this.getter;
    return this.tableStep(
      NodePrefix.KTABLE_FILTER,
      name,
      (change, key) => {
        const next = { newValue: keep(key, change.newValue), oldValue: keep(key, change.oldValue) };
        return next.newValue === null && next.oldValue === null ? null : next;
      },
      this.serdes,
      {
        // Read only when a lookup is wired: a foreign-key join's result keeps a store only then.
        get stores() {
          return parent.stores;
        },
        make: (state) => {
          const get = parent.make(state);
          return (key) => {
            const found = get(key);
            return found !== undefined && keep(key, found.value) !== null ? found : undefined;
          };
        },
      },
    );
  }

  private tableStep<V2>(prefix: string, name: string | undefined, transform: (change: Change<V>, key: K) => Change<V2> | null, serdes: KnownTableSerdes<K, V2>, getter: GetterSupplier<K, V2>): KTable<K, V2> {
    const nodeName = this.builder.nameOr(prefix, name);
    this.builder.addProcessor(nodeName, [this.nodeName], (inputs, context) =>
      recordStep<Rec<K, Change<V>>, Rec<K, Change<V2>>>((record, emit) => {
        const value = transform(record.value, record.key);
        if (value !== null) emit({ ...record, value });
      }, context.onError)(inputs[0] as Observable<Rec<K, Change<V>>>),
    );
    return new KTable<K, V2>(this.builder, nodeName, serdes, getter, undefined, this.windows, this.sendOldValues);
  }

  /** A new value per row, same key. */
  mapValues<V2>(mapper: (value: V, key: K) => V2, name?: string): KTable<K, V2> {
    const map = (key: K, value: V | null): V2 | null => (value === null ? null : mapper(value, key));
    const parent = this.getter;
    return this.tableStep<V2>(
      NodePrefix.KTABLE_MAPVALUES,
      name,
      (change, key) => ({ newValue: map(key, change.newValue), oldValue: map(key, change.oldValue) }),
      { keySerde: this.serdes.keySerde, valueSerde: undefined },
      {
        // Read only when a lookup is wired: a foreign-key join's result keeps a store only then.
        get stores() {
          return parent.stores;
        },
        make: (state) => {
          const get = parent.make(state);
          return (key) => {
            const found = get(key);
            return found === undefined ? undefined : { value: mapper(found.value, key), timestamp: found.timestamp };
          };
        },
      },
    );
  }

  /** The table's updates as a record stream: the new value per update, null for a delete. */
  toStream(name?: string): KStream<K, V | null> {
    const nodeName = this.builder.nameOr(NodePrefix.KTABLE_TOSTREAM, name);
    this.builder.addProcessor(nodeName, [this.nodeName], (inputs, context) =>
      recordStep<Rec<K, Change<V>>, Rec<K, V | null>>((record, emit) => {
        emit({ ...record, value: record.value.newValue });
      }, context.onError)(inputs[0] as Observable<Rec<K, Change<V>>>),
    );
    return this.builder.streamFactory!(nodeName, this.serdes, false) as KStream<K, V | null>;
  }

  /**
   * Holds updates back (Kafka's suppress): `Suppressed.untilWindowCloses()` emits one final
   * result per window once stream time passes its end + grace; `untilTimeLimit(ms)` emits a
   * key's latest value at most once per `ms` of stream time.
   */
  suppress(suppressed: Suppressed, name?: string): KTable<K, V> {
    if (suppressed.kind === 'untilWindowCloses' && this.windows === undefined) {
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'suppress(untilWindowCloses) needs a windowed table (windowedBy(...).aggregate/count/reduce)');
    }
    const nodeName = this.builder.nameOr(NodePrefix.KTABLE_SUPPRESS, name);
    const grace = this.windows?.graceMs ?? 0;
    this.builder.addProcessor(nodeName, [this.nodeName], (inputs, context) =>
      suppressOperator<K, V>(suppressed, grace, context)(inputs[0] as Observable<Rec<K, Change<V>>>),
    );
    return new KTable<K, V>(this.builder, nodeName, this.serdes, this.getter, undefined, this.windows, this.sendOldValues);
  }

  /** Inner join with another table on the key: a row when both sides have one. */
  join<VO, VR>(other: KTable<K, VO>, joiner: (value: V, other: VO) => VR, name?: string): KTable<K, VR>;
  /**
   * Foreign-key join (KIP-213): each row joins the row of `other` whose key
   * `foreignKeyExtractor(value, key)` names; a row whose foreign key is null, or names no row,
   * has no result. The tables need not be co-partitioned: subscriptions and answers travel
   * through two internal topics (see dsl/README.md). The result is keyed like this table.
   */
  join<KO, VO, VR>(other: KTable<KO, VO>, foreignKeyExtractor: (value: V, key: K) => KO | null | undefined, joiner: (value: V, other: VO) => VR, joined?: TableJoined<K, VR>): KTable<K, VR>;
  join<KO, VO, VR>(
    other: KTable<K, VO> | KTable<KO, VO>,
    joinerOrExtractor: ((value: V, other: VO) => VR) | ((value: V, key: K) => KO | null | undefined),
    joinerOrName?: ((value: V, other: VO) => VR) | string,
    joined: TableJoined<K, VR> = {},
  ): KTable<K, VR> {
    if (typeof joinerOrName === 'function') {
      return this.foreignKeyJoinImpl(other as KTable<KO, VO>, joinerOrExtractor as (value: V, key: K) => KO | null | undefined, joinerOrName as (value: V, other: VO | null) => VR, false, joined);
    }
    return this.joinImpl(other as KTable<K, VO>, 'inner', joinerOrExtractor as (value: V | null, other: VO | null) => VR, joinerOrName);
  }

  /** Left join: a row for every row of this table, `other` null when that table has none. */
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V, other: VO | null) => VR, name?: string): KTable<K, VR>;
  /** Foreign-key left join (KIP-213): a row for every row of this table, `other` null when its foreign key is null or names no row. */
  leftJoin<KO, VO, VR>(other: KTable<KO, VO>, foreignKeyExtractor: (value: V, key: K) => KO | null | undefined, joiner: (value: V, other: VO | null) => VR, joined?: TableJoined<K, VR>): KTable<K, VR>;
  leftJoin<KO, VO, VR>(
    other: KTable<K, VO> | KTable<KO, VO>,
    joinerOrExtractor: ((value: V, other: VO | null) => VR) | ((value: V, key: K) => KO | null | undefined),
    joinerOrName?: ((value: V, other: VO | null) => VR) | string,
    joined: TableJoined<K, VR> = {},
  ): KTable<K, VR> {
    if (typeof joinerOrName === 'function') {
      return this.foreignKeyJoinImpl(other as KTable<KO, VO>, joinerOrExtractor as (value: V, key: K) => KO | null | undefined, joinerOrName, true, joined);
    }
    return this.joinImpl(other as KTable<K, VO>, 'left', joinerOrExtractor as (value: V | null, other: VO | null) => VR, joinerOrName);
  }

  private foreignKeyJoinImpl<KO, VO, VR>(other: KTable<KO, VO>, extractor: (value: V, key: K) => KO | null | undefined, joiner: (value: V, other: VO | null) => VR, leftJoin: boolean, joined: TableJoined<K, VR>): KTable<K, VR> {
    if (typeof extractor !== 'function') throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'a foreign-key join needs a foreignKeyExtractor function');
    const result = foreignKeyJoin<K, V, KO, VO, VR>(this, other, extractor, joiner, leftJoin, joined);
    return new KTable<K, VR>(this.builder, result.nodeName, { keySerde: this.serdes.keySerde, valueSerde: result.valueSerde }, result.getter, result.queryableStoreName, undefined, result.materialize);
  }

  /** Outer join: a row when either side has one. */
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V | null, other: VO | null) => VR, name?: string): KTable<K, VR> {
    return this.joinImpl(other, 'outer', joiner, name);
  }

  private joinImpl<VO, VR>(other: KTable<K, VO>, type: 'inner' | 'left' | 'outer', joiner: (value: V | null, other: VO | null) => VR, name: string | undefined): KTable<K, VR> {
    if (other.builder !== this.builder) throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'both tables of a join must come from the same StreamsBuilder');
    this.sendOldValues();
    other.sendOldValues();
    const mergeName = this.builder.nameOr(NodePrefix.KTABLE_MERGE, name);
    const thisName = name === undefined ? this.builder.newName(NodePrefix.KTABLE_JOINTHIS) : `${name}-join-this`;
    const otherName = name === undefined ? this.builder.newName(NodePrefix.KTABLE_JOINOTHER) : `${name}-join-other`;
    const leftGetter = this.getter;
    const rightGetter = other.getter;
    // One side's update joins the other side's current value; the old result is the old value joined the same way.
    const join = (left: V | null, right: VO | null): VR | null => {
      if (type === 'inner' && (left === null || right === null)) return null;
      if (type === 'left' && left === null) return null;
      if (left === null && right === null) return null;
      return joiner(left, right);
    };
    this.addJoinSide<VO>(thisName, this.nodeName, rightGetter, (mine, theirs) => join(mine as V | null, theirs));
    this.addJoinSide<V>(otherName, other.nodeName, leftGetter, (mine, theirs) => join(theirs, mine as VO | null));
    this.builder.addProcessor(mergeName, [thisName, otherName], (inputs) => merge(...inputs));
    this.builder.copartitioned.add(thisName);
    return new KTable<K, VR>(this.builder, mergeName, { keySerde: this.serdes.keySerde, valueSerde: undefined }, {
      stores: [...leftGetter.stores, ...rightGetter.stores],
      make: (state) => {
        const left = leftGetter.make(state);
        const right = rightGetter.make(state);
        return (key) => {
          const l = left(key);
          const r = right(key);
          const value = join(l?.value ?? null, r?.value ?? null);
          return value === null ? undefined : { value, timestamp: Math.max(l?.timestamp ?? -1, r?.timestamp ?? -1) };
        };
      },
    }, undefined);
  }

  /** @internal one side of a table-table join: this side's changes joined with the other side's current value. */
  addJoinSide<B>(nodeName: string, parent: string, lookup: GetterSupplier<K, B>, combine: (mine: unknown, theirs: B | null) => unknown): void {
    this.builder.addProcessor(
      nodeName,
      [parent],
      (inputs, context) =>
        statefulStep<Rec<K, Change<unknown>>, Rec<K, Change<unknown>>>((emit) => {
          const get = lookup.make(context.state);
          return {
            step: (record) => {
              if (record.key === null) return;
              const found = get(record.key);
              const theirs = found?.value ?? null;
              const value = { newValue: combine(record.value.newValue, theirs), oldValue: combine(record.value.oldValue, theirs) };
              if (value.newValue === null && value.oldValue === null) return;
              emit({ ...record, value, timestamp: Math.max(record.timestamp, found?.timestamp ?? -1) });
            },
          };
        }, context.onError)(inputs[0] as Observable<Rec<K, Change<unknown>>>),
      lookup.stores,
    );
  }

  /**
   * Re-groups the table by a new key (Kafka's KTable.groupBy), always through a repartition
   * topic. An update sends the old row's pair to be subtracted and the new row's to be added.
   */
  groupBy<K2, V2>(selector: (key: K, value: V) => KeyValue<K2, V2>, grouped: Grouped<K2, V2> = {}): KGroupedTable<K2, V2> {
    // The subtractor needs each update's old row.
    this.sendOldValues();
    const selectName = this.builder.newName(NodePrefix.KTABLE_SELECT);
    this.builder.addProcessor(selectName, [this.nodeName], (inputs, context) =>
      recordStep<Rec<K, Change<V>>, Rec<K2, Change<V2>>>((record, emit) => {
        const { newValue, oldValue } = record.value;
        // Kafka's KTableRepartitionMap: a pair with a null key or value goes nowhere.
        const usable = (pair: KeyValue<K2, V2> | null): pair is KeyValue<K2, V2> => pair !== null && pair.key !== null && pair.key !== undefined && pair.value !== null && pair.value !== undefined;
        const oldPair = oldValue === null ? null : selector(record.key, oldValue);
        const newPair = newValue === null ? null : selector(record.key, newValue);
        // A row staying in its group sends one change, so the aggregate never forwards the
        // intermediate "row removed" result; a row moving leaves the old group before joining the new.
        if (usable(oldPair) && usable(newPair) && keyIdentity(oldPair.key) === keyIdentity(newPair.key)) {
          emit({ ...record, key: newPair.key, value: { newValue: newPair.value, oldValue: oldPair.value } });
          return;
        }
        if (usable(oldPair)) emit({ ...record, key: oldPair.key, value: { newValue: null, oldValue: oldPair.value } });
        if (usable(newPair)) emit({ ...record, key: newPair.key, value: { newValue: newPair.value, oldValue: null } });
      }, context.onError)(inputs[0] as Observable<Rec<K, Change<V>>>),
    );
    return new KGroupedTable<K2, V2>(this.builder, selectName, grouped);
  }
}

/** A re-grouped table (Kafka's KGroupedTable): aggregate with an adder and a subtractor. */
export class KGroupedTable<K, V> {
  private readonly builder: InternalBuilder;
  private readonly selectName: string;
  private readonly grouped: Grouped<K, V>;

  /** @internal made by KTable.groupBy */
  constructor(builder: InternalBuilder, selectName: string, grouped: Grouped<K, V>) {
    this.builder = builder;
    this.selectName = selectName;
    this.grouped = grouped;
  }

  /** Rows per key; a row leaving the group counts down. */
  count(materialized: Materialized<K, number> = {}): KTable<K, number> {
    return this.aggregateImpl<number>(
      () => 0,
      (_k, _v, agg) => agg + 1,
      (_k, _v, agg) => agg - 1,
      { ...materialized, valueSerde: materialized.valueSerde ?? int64NumberSerde() },
      NodePrefix.KTABLE_AGGREGATE,
    );
  }

  reduce(adder: (agg: V, value: V) => V, subtractor: (agg: V, value: V) => V, materialized: Materialized<K, V> = {}): KTable<K, V> {
    return this.aggregateImpl<V>(
      undefined,
      (_k, v, agg) => (agg === undefined ? v : adder(agg, v)),
      (_k, v, agg) => subtractor(agg, v),
      { ...materialized, valueSerde: materialized.valueSerde ?? this.grouped.valueSerde },
      NodePrefix.KTABLE_REDUCE,
    );
  }

  aggregate<VA>(initializer: () => VA, adder: (key: K, value: V, agg: VA) => VA, subtractor: (key: K, value: V, agg: VA) => VA, materialized: Materialized<K, VA> = {}): KTable<K, VA> {
    return this.aggregateImpl<VA>(initializer, adder, subtractor, materialized, NodePrefix.KTABLE_AGGREGATE);
  }

  private aggregateImpl<VA>(
    initializer: (() => VA) | undefined,
    adder: (key: K, value: V, agg: VA) => VA,
    subtractor: (key: K, value: V, agg: VA) => VA,
    materialized: Materialized<K, VA>,
    prefix: string,
  ): KTable<K, VA> {
    const storeName = materialized.storeName ?? this.builder.newStoreName(prefix);
    const sinkName = this.builder.newName(NodePrefix.SINK);
    const sourceName = this.builder.newName(NodePrefix.SOURCE);
    const funcName = this.builder.newName(prefix);
    const topic = `${this.grouped.name ?? storeName}-repartition`;
    const keySerde = (this.grouped.keySerde ?? materialized.keySerde) as Serde<unknown> | undefined;
    const valueSerde = this.grouped.valueSerde as Serde<unknown> | undefined;
    this.builder.addSink({ name: sinkName, parents: [this.selectName], topic, internal: true, keySerde, valueSerde, partitioner: undefined as StreamPartitioner<unknown, unknown> | undefined, wrapValueSerde: changeSerde });
    this.builder.internalTopics.push({ topic, numberOfPartitions: undefined, sinkName });
    this.builder.addSource({ name: sourceName, topics: [topic], pattern: undefined, internal: true, keySerde, valueSerde, timestampExtractor: undefined, wrapValueSerde: changeDeserializer });
    this.builder.addStore({ name: storeName, kind: 'keyValue', keySerde, valueSerde: materialized.valueSerde, logged: materialized.loggingEnabled ?? true, cached: materialized.cachingEnabled ?? true });
    this.builder.addProcessor(
      funcName,
      [sourceName],
      (inputs, context) =>
        statefulStep<Rec<K, Change<V>>, Rec<K, Change<VA>>>((emit) => {
          const store = context.state.get<TimestampedKeyValueStore<K, VA>>(storeName);
          store.onChange = (change) => {
            emit(changeRecord(change));
          };
          return {
            step: (record) => {
              if (record.key === null) return;
              const current = store.getWithTimestamp(record.key);
              let agg = current?.value;
              const { newValue, oldValue } = record.value;
              if (oldValue !== null && agg !== undefined) agg = subtractor(record.key, oldValue, agg);
              if (newValue !== null) agg = adder(record.key, newValue, (agg ?? initializer?.()) as VA);
              if (agg === undefined) return;
              store.put(record.key, agg, Math.max(record.timestamp, current?.timestamp ?? -1), record);
            },
          };
        }, context.onError)(inputs[0] as Observable<Rec<K, Change<V>>>),
      [storeName],
    );
    return new KTable<K, VA>(this.builder, funcName, { keySerde: keySerde as Serde<K> | undefined, valueSerde: materialized.valueSerde }, storeGetter(storeName), storeName);
  }
}

/** A number stored as Kafka's Long (8 bytes, big-endian), so a count reads the same from Java. */
export function int64NumberSerde(): Serde<number> {
  return {
    serialize(value) {
      if (value === null) return null;
      const out = Buffer.allocUnsafe(8);
      out.writeBigInt64BE(BigInt(value), 0);
      return out;
    },
    deserialize(data) {
      return data === null ? null : Number(data.readBigInt64BE(0));
    },
  };
}

/** A global table (Kafka's GlobalKTable): every instance holds all of it; joined by a key derived from the stream record. */
export class GlobalKTable<K, V> {
  readonly storeName: string;
  /** @internal */
  readonly builder: InternalBuilder;

  /** @internal made by StreamsBuilder.globalTable */
  constructor(builder: InternalBuilder, storeName: string) {
    this.builder = builder;
    this.storeName = storeName;
  }

  /** @internal */
  getter(): GetterSupplier<K, V> {
    return { stores: [], make: (state) => {
      const store = state.get<TimestampedKeyValueStore<K, V>>(this.storeName);
      return (key) => store.getWithTimestamp(key);
    } };
  }
}

