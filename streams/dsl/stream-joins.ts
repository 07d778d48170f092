import { merge } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { statefulStep } from '../operators/stateful-step.ts';
import type { StreamRecord } from '../processor/record.ts';
import type { TimestampedKeyValueStore, TimestampedWindowStore } from '../state/stores.ts';
import type { JoinWindows } from '../windows/join-windows.ts';
import { NodePrefix } from './internal-builder.ts';
import type { KStream } from './kstream.ts';
import type { GetterSupplier, GlobalKTable, KTable } from './ktable.ts';
import type { Joined, StreamJoined } from './options.ts';
import { listSerde } from './windowed-serdes.ts';

type Rec<K, V> = StreamRecord<K, V>;
export type JoinType = 'inner' | 'left' | 'outer';

/** `[timestamp: int64][key]`: unmatched records ordered by time, so the expired ones are a prefix. */
function timeKeySerde(inner: Serde<unknown>): Serde<unknown> {
  return {
    serialize(value, context) {
      const { t, key } = value as { t: number; key: unknown };
      const bytes = inner.serialize(key, context) ?? Buffer.alloc(0);
      const out = Buffer.allocUnsafe(8 + bytes.length);
      out.writeBigInt64BE(BigInt(t), 0);
      bytes.copy(out, 8);
      return out;
    },
    deserialize(data, context) {
      if (data === null) return null;
      return { t: Number(data.readBigInt64BE(0)), key: inner.deserialize(data.subarray(8), context) };
    },
  };
}

/** The result of a join as the DSL wraps it into a KStream. */
export interface JoinResult {
  readonly nodeName: string;
}

/**
 * A windowed stream-stream join (Kafka's KStreamKStreamJoin with KIP-633 semantics). Each side
 * keeps its records for the window in a store; a record joins every record of the other side
 * within `[t - before, t + after]`. For left/outer joins a record with no match waits in an
 * "unmatched" store and is emitted with a null partner once the window closed (after + grace),
 * so no premature null result is emitted.
 */
export function streamStreamJoin<K, V, VO>(
  left: KStream<K, V>,
  right: KStream<K, VO>,
  joiner: (value: V | null, other: VO | null, key: K) => unknown,
  windows: JoinWindows,
  type: JoinType,
  joined: StreamJoined<K, V, VO>,
): JoinResult {
  const builder = left.builder;
  if (right.builder !== builder) throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'both streams of a join must come from the same StreamsBuilder');
  const leftIn = left.repartitionIfRequired(builder.newName(NodePrefix.REPARTITION), joined.keySerde === undefined ? {} : { keySerde: joined.keySerde });
  const rightIn = right.repartitionIfRequired(builder.newName(NodePrefix.REPARTITION), joined.keySerde === undefined ? {} : { keySerde: joined.keySerde });
  const thisWindowed = builder.newName(NodePrefix.WINDOWED);
  const otherWindowed = builder.newName(NodePrefix.WINDOWED);
  const thisJoin = builder.newName(type === 'outer' ? NodePrefix.OUTERTHIS : NodePrefix.JOINTHIS);
  const otherJoin = builder.newName(type === 'inner' ? NodePrefix.JOINOTHER : NodePrefix.OUTEROTHER);
  const mergeName = builder.newName(NodePrefix.MERGE_JOIN);
  const base = joined.storeName;
  const stores = {
    this: base === undefined ? `${thisJoin}-store` : `${base}-this-join-store`,
    other: base === undefined ? `${otherJoin}-store` : `${base}-other-join-store`,
    thisUnmatched: base === undefined ? `${thisJoin}-unmatched-store` : `${base}-this-unmatched-store`,
    otherUnmatched: base === undefined ? `${otherJoin}-unmatched-store` : `${base}-other-unmatched-store`,
  };
  const keySerde = (joined.keySerde ?? left.serdes.keySerde ?? right.serdes.keySerde) as Serde<unknown> | undefined;
  const thisValueSerde = (joined.valueSerde ?? left.serdes.valueSerde) as Serde<unknown> | undefined;
  const otherValueSerde = (joined.otherValueSerde ?? right.serdes.valueSerde) as Serde<unknown> | undefined;
  const retentionMs = windows.retentionMs();
  const logged = joined.loggingEnabled ?? true;
  builder.addStore({ name: stores.this, kind: 'window', keySerde, valueSerde: thisValueSerde, wrapValueSerde: listSerde, logged, cached: false, retentionMs, windowSize: 0 });
  builder.addStore({ name: stores.other, kind: 'window', keySerde, valueSerde: otherValueSerde, wrapValueSerde: listSerde, logged, cached: false, retentionMs, windowSize: 0 });
  const thisEmitsUnmatched = type !== 'inner';
  const otherEmitsUnmatched = type === 'outer';
  if (thisEmitsUnmatched) builder.addStore({ name: stores.thisUnmatched, kind: 'keyValue', keySerde, wrapKeySerde: timeKeySerde, valueSerde: thisValueSerde, wrapValueSerde: listSerde, logged, cached: false });
  if (otherEmitsUnmatched) builder.addStore({ name: stores.otherUnmatched, kind: 'keyValue', keySerde, wrapKeySerde: timeKeySerde, valueSerde: otherValueSerde, wrapValueSerde: listSerde, logged, cached: false });

  // The windowed nodes pass each record on, then keep it for the other side (Kafka's order).
  const windowedNode = (name: string, parent: string, store: string): void => {
    builder.addProcessor(
      name,
      [parent],
      (inputs, context) =>
        statefulStep<Rec<K, unknown>, Rec<K, unknown>>((emit) => {
          const windowStore = context.state.get<TimestampedWindowStore<K, unknown[]>>(store);
          return {
            step: (record) => {
              emit(record);
              if (record.key === null || record.value === null) return;
              windowStore.put(record.key, [...(windowStore.fetch(record.key, record.timestamp) ?? []), record.value], record.timestamp, record.timestamp, record);
            },
          };
        }, context.onError)(inputs[0] as Observable<Rec<K, unknown>>),
      [store],
    );
  };
  windowedNode(thisWindowed, leftIn.nodeName, stores.this);
  windowedNode(otherWindowed, rightIn.nodeName, stores.other);

  interface Side {
    readonly otherStore: string;
    readonly ownUnmatched: string | undefined;
    readonly otherUnmatched: string | undefined;
    readonly before: number;
    readonly after: number;
    readonly join: (mine: unknown, theirs: unknown, key: K) => unknown;
    readonly unmatched: (mine: unknown, key: K) => unknown;
  }
  const sides: Record<'this' | 'other', Side> = {
    this: {
      otherStore: stores.other,
      ownUnmatched: thisEmitsUnmatched ? stores.thisUnmatched : undefined,
      otherUnmatched: otherEmitsUnmatched ? stores.otherUnmatched : undefined,
      before: windows.beforeMs,
      after: windows.afterMs,
      join: (mine, theirs, key) => joiner(mine as V, theirs as VO, key),
      unmatched: (mine, key) => joiner(mine as V, null, key),
    },
    other: {
      otherStore: stores.this,
      ownUnmatched: otherEmitsUnmatched ? stores.otherUnmatched : undefined,
      otherUnmatched: thisEmitsUnmatched ? stores.thisUnmatched : undefined,
      before: windows.afterMs,
      after: windows.beforeMs,
      join: (mine, theirs, key) => joiner(theirs as V, mine as VO, key),
      unmatched: (mine, key) => joiner(null, mine as VO, key),
    },
  };
  const joinNode = (name: string, parent: string, side: Side, mirror: Side): void => {
    const used = [side.otherStore, ...[stores.thisUnmatched, stores.otherUnmatched].filter((s) => s === side.ownUnmatched || s === side.otherUnmatched)];
    builder.addProcessor(
      name,
      [parent],
      (inputs, context) =>
        statefulStep<Rec<K, unknown>, Rec<K, unknown>>((emit) => {
          const otherStore = context.state.get<TimestampedWindowStore<K, unknown[]>>(side.otherStore);
          type Unmatched = TimestampedKeyValueStore<{ t: number; key: K }, unknown[]>;
          const own = side.ownUnmatched === undefined ? undefined : context.state.get<Unmatched>(side.ownUnmatched);
          const theirs = side.otherUnmatched === undefined ? undefined : context.state.get<Unmatched>(side.otherUnmatched);
          // Both sides of a join share the task's stream time for it, as Kafka's shared time tracker.
          const time = context.state.shared(`${mergeName}-time`, () => ({ streamTime: -1 }));
          const flushExpired = (store: Unmatched | undefined, owner: Side, record: Rec<K, unknown>): void => {
            if (store === undefined) return;
            for (const { key: at, value: values } of store.all()) {
              if (at.t + owner.after + windows.graceMs >= time.streamTime) break;
              store.put(at, null, at.t, record);
              for (const value of values) emit({ ...record, key: at.key, value: owner.unmatched(value, at.key), timestamp: at.t });
            }
          };
          return {
            step: (record) => {
              const t = record.timestamp;
              time.streamTime = Math.max(time.streamTime, t);
              // KIP-962: a side that emits unmatched records emits a null-key record at once, with a null partner.
              if (record.key === null && record.value !== null && own !== undefined) {
                emit({ ...record, value: side.unmatched(record.value, record.key) });
                return;
              }
              if (record.key === null || record.value === null) return;
              const key = record.key;
              // Kafka emits the expired null results before this record's own results, and drops
              // no record as late here: a late record joins what the other store still keeps, and
              // an unmatched one gets its null result at once (its window is already closed).
              flushExpired(own, side, record);
              flushExpired(theirs, mirror, record);
              let matched = false;
              for (const { key: windowed, value } of otherStore.fetchRangeWithTimestamps(key, t - side.before, t + side.after)) {
                const o = windowed.window.start;
                matched = true;
                for (const theirValue of value.value) emit({ ...record, value: side.join(record.value, theirValue, key), timestamp: Math.max(t, o) });
                // Their record found a partner: it no longer waits for a null result.
                if (theirs?.get({ t: o, key }) !== undefined) theirs.put({ t: o, key }, null, o, record);
              }
              if (!matched && own !== undefined) {
                own.put({ t, key }, [...(own.get({ t, key }) ?? []), record.value], t, record);
                flushExpired(own, side, record);
              }
            },
          };
        }, context.onError)(inputs[0] as Observable<Rec<K, unknown>>),
      used,
    );
  };
  joinNode(thisJoin, thisWindowed, sides.this, sides.other);
  joinNode(otherJoin, otherWindowed, sides.other, sides.this);
  builder.addProcessor(mergeName, [thisJoin, otherJoin], (inputs) => merge(...inputs));
  builder.copartitioned.add(thisJoin);
  return { nodeName: mergeName };
}

/** A stream-table join (Kafka's KStreamKTableJoin): each stream record looks the table up; table updates emit nothing. */
export function streamTableJoin<K, V, VT>(stream: KStream<K, V>, table: KTable<K, VT>, joiner: (value: V, tableValue: VT | null, key: K) => unknown, type: 'inner' | 'left', joined: Joined<K, V, VT>): JoinResult {
  const builder = stream.builder;
  if (table.builder !== builder) throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'the stream and the table of a join must come from the same StreamsBuilder');
  const name = builder.nameOr(type === 'inner' ? NodePrefix.JOIN : NodePrefix.LEFTJOIN, joined.name);
  const input = stream.repartitionIfRequired(`${name}-left`, {
    ...(joined.keySerde === undefined ? {} : { keySerde: joined.keySerde }),
    ...(joined.valueSerde === undefined ? {} : { valueSerde: joined.valueSerde }),
  });
  lookupJoin(builder, name, input.nodeName, table.getter, (key) => key, joiner, type);
  builder.copartitioned.add(name);
  return { nodeName: name };
}

/** A stream-globalTable join (Kafka's KStreamGlobalKTableJoin): the table key comes from the record; no co-partitioning. */
export function streamGlobalTableJoin<K, V, GK, VT>(stream: KStream<K, V>, table: GlobalKTable<GK, VT>, keySelector: (key: K, value: V) => GK, joiner: (value: V, tableValue: VT | null, key: K) => unknown, type: 'inner' | 'left', name: string | undefined): JoinResult {
  const builder = stream.builder;
  const nodeName = builder.nameOr(type === 'inner' ? NodePrefix.JOIN : NodePrefix.LEFTJOIN, name);
  lookupJoin(builder, nodeName, stream.nodeName, table.getter(), keySelector, joiner, type);
  return { nodeName };
}

function lookupJoin<K, V, LK, VT>(builder: KStream<K, V>['builder'], name: string, parent: string, getter: GetterSupplier<LK, VT>, lookupKey: (key: K, value: V) => LK, joiner: (value: V, tableValue: VT | null, key: K) => unknown, type: 'inner' | 'left'): void {
  builder.addProcessor(
    name,
    [parent],
    (inputs, context) =>
      statefulStep<Rec<K, V>, Rec<K, unknown>>((emit) => {
        const get = getter.make(context.state);
        return {
          step: (record) => {
            // Kafka's KStreamKTableJoinProcessor (KIP-962): a null value, or a null lookup key, drops
            // the record, except that a left join keeps a record whose own key is null and joins it
            // with null. A global table's key selector may map a null record key to a lookup key.
            if (record.value === null) return;
            const key = lookupKey(record.key, record.value);
            const noLookupKey = key === null || key === undefined;
            if (noLookupKey && !(type === 'left' && record.key === null)) return;
            const found = noLookupKey ? undefined : get(key);
            if (found === undefined && type === 'inner') return;
            emit({ ...record, value: joiner(record.value, found?.value ?? null, record.key) });
          },
        };
      }, context.onError)(inputs[0] as Observable<Rec<K, V>>),
    getter.stores,
  );
}
