import type { Observable } from 'rxjs';
import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import { statefulStep } from '../operators/stateful-step.ts';
import type { NodeContext } from '../processor/nodes.ts';
import type { StreamRecord } from '../processor/record.ts';
import type { Window, Windowed } from '../state/store-api.ts';
import type { SessionStore, TimestampedKeyValueStore, TimestampedWindowStore } from '../state/stores.ts';
import { SessionWindows } from '../windows/session-windows.ts';
import { SlidingWindows } from '../windows/sliding-windows.ts';
import { TimeWindows } from '../windows/time-windows.ts';
import type { Change } from './change.ts';
import { NodePrefix } from './internal-builder.ts';
import type { KStream } from './kstream.ts';
import { KTable, changeRecord, int64NumberSerde, storeGetter } from './ktable.ts';
import type { GetterSupplier } from './ktable.ts';
import type { Grouped, Materialized } from './options.ts';
import { Suppressed, suppressOperator } from './suppressed.ts';
import { WindowedSerdes, listSerde } from './windowed-serdes.ts';

type Rec<K, V> = StreamRecord<K, V>;

/** When a windowed aggregation emits (Kafka's EmitStrategy, KIP-825). */
export class EmitStrategy {
  readonly kind: 'onWindowUpdate' | 'onWindowClose';
  readonly idleTimeoutMs: number | undefined;

  private constructor(kind: EmitStrategy['kind'], idleTimeoutMs: number | undefined) {
    this.kind = kind;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /** Every update, collapsed by the record cache between commits (the default). */
  static onWindowUpdate(): EmitStrategy {
    return new EmitStrategy('onWindowUpdate', undefined);
  }

  /**
   * Only the final result, once stream time passes window end + grace. `idleTimeoutMs` (beyond
   * Kafka) moves stream time on after that much wall-clock quiet, so final results of a quiet
   * partition still come out.
   */
  static onWindowClose(options: { readonly idleTimeoutMs?: number } = {}): EmitStrategy {
    const idle = options.idleTimeoutMs;
    if (idle !== undefined && (!Number.isSafeInteger(idle) || idle < 1)) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `idleTimeoutMs must be an integer >= 1, not ${idle}`);
    return new EmitStrategy('onWindowClose', idle);
  }
}

/** Options of a windowed aggregation beyond Materialized. */
export interface WindowedOptions {
  /** Beyond Kafka: records dropped as late are also written here (raw bytes, with the node's name in a header). */
  readonly lateRecordsTopic?: string;
}

type Aggregator<K, V, VA> = (key: K, value: V, aggregate: VA) => VA;

/** The repartition, store and node names of one aggregation, drawn in Kafka's order. */
function prepare<K, V>(stream: KStream<K, V>, grouped: Grouped<K, V>, storeName: string | undefined, prefix: string): { input: KStream<K, V>; storeName: string; nodeName: string; keySerde: Serde<K> | undefined } {
  const builder = stream.builder;
  const store = storeName ?? builder.newStoreName(prefix);
  const nodeName = builder.newName(prefix);
  const input = stream.repartitionIfRequired(grouped.name ?? store, {
    ...(grouped.keySerde === undefined ? {} : { keySerde: grouped.keySerde }),
    ...(grouped.valueSerde === undefined ? {} : { valueSerde: grouped.valueSerde }),
  });
  return { input, storeName: store, nodeName, keySerde: grouped.keySerde ?? stream.serdes.keySerde };
}

/** A stream grouped by key (Kafka's KGroupedStream): aggregate it into a table, optionally per window. */
export class KGroupedStream<K, V> {
  private readonly stream: KStream<K, V>;
  private readonly grouped: Grouped<K, V>;

  /** @internal made by KStream.groupByKey/groupBy */
  constructor(stream: KStream<K, V>, grouped: Grouped<K, V>) {
    this.stream = stream;
    this.grouped = grouped;
  }

  /** Records per key. Records with a null key are skipped. */
  count(materialized: Materialized<K, number> = {}): KTable<K, number> {
    return this.aggregateImpl<number>(() => 0, (_k, _v, n) => n + 1, { ...materialized, valueSerde: materialized.valueSerde ?? int64NumberSerde() }, NodePrefix.AGGREGATE, false);
  }

  /** Combines values per key; the first value is the start. Null keys and values are skipped. */
  reduce(reducer: (aggregate: V, value: V) => V, materialized: Materialized<K, V> = {}): KTable<K, V> {
    return this.aggregateImpl<V>(undefined, (_k, v, agg) => (agg === undefined ? v : reducer(agg, v)), { ...materialized, valueSerde: materialized.valueSerde ?? this.grouped.valueSerde ?? this.stream.serdes.valueSerde }, NodePrefix.REDUCE, true);
  }

  /** Folds values per key from `initializer()`. Records with a null key are skipped. */
  aggregate<VA>(initializer: () => VA, aggregator: Aggregator<K, V, VA>, materialized: Materialized<K, VA> = {}): KTable<K, VA> {
    return this.aggregateImpl<VA>(initializer, aggregator, materialized, NodePrefix.AGGREGATE, false);
  }

  private aggregateImpl<VA>(initializer: (() => VA) | undefined, aggregator: Aggregator<K, V, VA>, materialized: Materialized<K, VA>, prefix: string, skipNullValues: boolean): KTable<K, VA> {
    const { input, storeName, nodeName, keySerde } = prepare(this.stream, this.grouped, materialized.storeName, prefix);
    const builder = input.builder;
    const storeKeySerde = materialized.keySerde ?? keySerde;
    builder.addStore({ name: storeName, kind: 'keyValue', keySerde: storeKeySerde, valueSerde: materialized.valueSerde, logged: materialized.loggingEnabled ?? true, cached: materialized.cachingEnabled ?? true });
    builder.addProcessor(
      nodeName,
      [input.nodeName],
      (inputs, context) =>
        statefulStep<Rec<K, V>, Rec<K, Change<VA>>>((emit) => {
          const store = context.state.get<TimestampedKeyValueStore<K, VA>>(storeName);
          store.onChange = (change) => {
            emit(changeRecord(change));
          };
          return {
            step: (record) => {
              if (record.key === null || (skipNullValues && record.value === null)) return;
              const current = store.getWithTimestamp(record.key);
              const agg = aggregator(record.key, record.value, (current?.value ?? initializer?.()) as VA);
              store.put(record.key, agg, Math.max(record.timestamp, current?.timestamp ?? -1), record);
            },
          };
        }, context.onError)(inputs[0] as Observable<Rec<K, V>>),
      [storeName],
    );
    return new KTable<K, VA>(builder, nodeName, { keySerde: storeKeySerde, valueSerde: materialized.valueSerde }, storeGetter(storeName), storeName);
  }

  /** Aggregations per time window (tumbling, hopping, sliding). */
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedKStream<K, V>;
  /** Aggregations per session. */
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    if (windows instanceof SessionWindows) return new SessionWindowedKStream(this.stream, this.grouped, windows);
    if (windows instanceof TimeWindows || windows instanceof SlidingWindows) return new TimeWindowedKStream(this.stream, this.grouped, windows);
    throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'windowedBy needs TimeWindows, SlidingWindows or SessionWindows');
  }
}

/** Per-task bookkeeping every windowed processor shares: its stream time and the late-record rule. */
function lateCheck(context: NodeContext, lateTopic: string | undefined): { advance(record: Rec<unknown, unknown>): number; late(record: Rec<unknown, unknown>): void } {
  let streamTime = -1;
  return {
    advance(record) {
      if (record.timestamp > streamTime) streamTime = record.timestamp;
      return streamTime;
    },
    late(record) {
      context.dropLate(record, lateTopic);
    },
  };
}

function windowRetention(materialized: Materialized<unknown, unknown>, minimum: number, what: string): number {
  const retention = materialized.retentionMs ?? minimum;
  if (retention < minimum) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the retention (${retention} ms) must be at least ${what} (${minimum} ms)`);
  return retention;
}

/** A grouped stream with time windows (Kafka's TimeWindowedKStream): tumbling, hopping or sliding. */
export class TimeWindowedKStream<K, V> {
  private readonly stream: KStream<K, V>;
  private readonly grouped: Grouped<K, V>;
  private readonly windows: TimeWindows | SlidingWindows;
  private strategy = EmitStrategy.onWindowUpdate();

  /** @internal made by KGroupedStream.windowedBy */
  constructor(stream: KStream<K, V>, grouped: Grouped<K, V>, windows: TimeWindows | SlidingWindows) {
    this.stream = stream;
    this.grouped = grouped;
    this.windows = windows;
  }

  /** Emit on every update (default) or only final results when a window closes. */
  emitStrategy(strategy: EmitStrategy): this {
    this.strategy = strategy;
    return this;
  }

  count(materialized: Materialized<K, number> = {}, options: WindowedOptions = {}): KTable<Windowed<K>, number> {
    return this.aggregateImpl<number>(() => 0, (_k, _v, n) => n + 1, { ...materialized, valueSerde: materialized.valueSerde ?? int64NumberSerde() }, NodePrefix.AGGREGATE, options, false);
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized: Materialized<K, V> = {}, options: WindowedOptions = {}): KTable<Windowed<K>, V> {
    return this.aggregateImpl<V>(undefined, (_k, v, agg) => (agg === undefined ? v : reducer(agg, v)), { ...materialized, valueSerde: materialized.valueSerde ?? this.grouped.valueSerde ?? this.stream.serdes.valueSerde }, NodePrefix.REDUCE, options, true);
  }

  aggregate<VA>(initializer: () => VA, aggregator: Aggregator<K, V, VA>, materialized: Materialized<K, VA> = {}, options: WindowedOptions = {}): KTable<Windowed<K>, VA> {
    return this.aggregateImpl<VA>(initializer, aggregator, materialized, NodePrefix.AGGREGATE, options, false);
  }

  private aggregateImpl<VA>(initializer: (() => VA) | undefined, aggregator: Aggregator<K, V, VA>, materialized: Materialized<K, VA>, prefix: string, options: WindowedOptions, skipNullValues: boolean): KTable<Windowed<K>, VA> {
    const { input, storeName, nodeName, keySerde } = prepare(this.stream, this.grouped, materialized.storeName, prefix);
    const builder = input.builder;
    const windows = this.windows;
    const sliding = windows instanceof SlidingWindows;
    const sizeMs = sliding ? windows.timeDifferenceMs : windows.sizeMs;
    const retentionMs = windowRetention(materialized, windows.retentionMs(), sliding ? '2 × time difference + grace + 1' : 'window size + grace');
    const storeKeySerde = (materialized.keySerde ?? keySerde) as Serde<unknown> | undefined;
    const logged = materialized.loggingEnabled ?? true;
    const onClose = this.strategy.kind === 'onWindowClose';
    builder.addStore({ name: storeName, kind: 'window', keySerde: storeKeySerde, valueSerde: materialized.valueSerde, logged, cached: (materialized.cachingEnabled ?? true) && !onClose, retentionMs, windowSize: sizeMs });
    const recordsStore = `${storeName}-records`;
    const stores = [storeName];
    if (sliding) {
      // Sliding windows are created at record times: a new window's aggregate is folded from the
      // records it covers, which this store keeps (per key and timestamp) for as long as they can matter.
      builder.addStore({ name: recordsStore, kind: 'window', keySerde: storeKeySerde, valueSerde: (this.grouped.valueSerde ?? this.stream.serdes.valueSerde), wrapValueSerde: listSerde, logged, cached: false, retentionMs, windowSize: 0 });
      stores.push(recordsStore);
    }
    const graceMs = windows.graceMs;
    const strategy = this.strategy;
    builder.addProcessor(
      nodeName,
      [input.nodeName],
      (inputs, context) => {
        const aggregated = statefulStep<Rec<K, V>, Rec<Windowed<K>, Change<VA>>>((emit) => {
          const store = context.state.get<TimestampedWindowStore<K, VA>>(storeName);
          store.onChangeWindowed = (change) => {
            emit(changeRecord(change));
          };
          const time = lateCheck(context, options.lateRecordsTopic);
          const init = (): VA => initializer?.() as VA;
          const fold = (key: K, window: Window, current: { value: VA; timestamp: number } | undefined, value: V, record: Rec<K, V>): void => {
            const agg = aggregator(key, value, current === undefined ? init() : current.value);
            store.put(key, agg, window.start, Math.max(record.timestamp, current?.timestamp ?? -1), record);
          };
          if (!sliding) {
            return {
              step: (record) => {
                if (record.key === null || (skipNullValues && record.value === null)) return;
                const streamTime = time.advance(record);
                let dropped = false;
                for (const window of windows.windowsFor(record.timestamp)) {
                  // Kafka's rule: a window takes records until stream time reaches end + grace.
                  if (window.end > streamTime - graceMs) fold(record.key, window, store.fetchWithTimestamp(record.key, window.start), record.value, record);
                  else dropped = true;
                }
                if (dropped) time.late(record);
              },
            };
          }
          const records = context.state.get<TimestampedWindowStore<K, V[]>>(recordsStore);
          const d = sizeMs;
          return {
            step: (record) => {
              // Kafka's sliding aggregate skips null values for every operation, not only reduce.
              if (record.key === null || record.value === null) return;
              const key = record.key;
              const t = record.timestamp;
              const closeTime = time.advance(record) - graceMs;
              // Windows include their end: one is open while end >= stream time - grace. The record is
              // late only when its right window [t + 1, t + 1 + d] is closed too; otherwise each
              // window it falls in takes it if still open (KStreamSlidingWindowAggregate).
              if (t + 1 + d <= closeTime) {
                time.late(record);
                return;
              }
              const open = (start: number): boolean => start + d >= closeTime;
              let skippedClosed = false;
              const existing = new Map(store.fetchRangeWithTimestamps(key, t - 2 * d - 1, t + 1).map((kv) => [kv.key.window.start, kv.value]));
              records.put(key, [...(records.fetch(key, t) ?? []), record.value], t, t, record);
              const raw = records.fetchRangeWithTimestamps(key, Math.max(0, t - 2 * d - 1), t + 1 + d);
              const foldNew = (start: number): void => {
                if (existing.has(start)) return;
                if (!open(start)) {
                  skippedClosed = true;
                  return;
                }
                let agg: VA | undefined;
                let timestamp = -1;
                for (const kv of raw) {
                  const at = kv.key.window.start;
                  if (at < start || at > start + d) continue;
                  for (const value of kv.value.value) agg = aggregator(key, value, agg === undefined ? init() : agg);
                  timestamp = Math.max(timestamp, at);
                }
                if (agg === undefined) return;
                existing.set(start, { value: agg, timestamp });
                store.put(key, agg, start, timestamp, record);
              };
              // Windows that existed and contain t take the record.
              for (const [start, current] of [...existing]) {
                if (start > t || t > start + d) continue;
                if (open(start)) fold(key, { start, end: start + d }, current, record.value, record);
                else skippedClosed = true;
              }
              // New windows: the one ending at t, the one starting after t, and the right windows of
              // earlier records that were empty until now.
              foldNew(Math.max(0, t - d));
              foldNew(t + 1);
              for (const kv of raw) {
                const p = kv.key.window.start;
                if (p < t && p + 1 + d >= t && p + 1 <= t) foldNew(p + 1);
              }
              if (skippedClosed) time.late(record);
            },
          };
        }, context.onError)(inputs[0] as Observable<Rec<K, V>>);
        if (strategy.kind === 'onWindowUpdate') return aggregated;
        const suppressed = strategy.idleTimeoutMs === undefined ? Suppressed.untilWindowCloses() : Suppressed.untilWindowCloses().withIdleTimeout(strategy.idleTimeoutMs);
        // Sliding windows include their end: they close one millisecond later than [start, end).
        return suppressOperator<Windowed<K>, VA>(suppressed, sliding ? graceMs + 1 : graceMs, context)(aggregated);
      },
      stores,
    );
    const windowedKeySerde = storeKeySerde === undefined ? undefined : WindowedSerdes.timeWindowed(storeKeySerde as Serde<K>, sizeMs);
    const getter: GetterSupplier<Windowed<K>, VA> = {
      stores: [storeName],
      make: (state) => {
        const store = state.get<TimestampedWindowStore<K, VA>>(storeName);
        return (windowed) => store.fetchWithTimestamp(windowed.key, windowed.window.start);
      },
    };
    return new KTable<Windowed<K>, VA>(builder, nodeName, { keySerde: windowedKeySerde, valueSerde: materialized.valueSerde }, getter, storeName, { graceMs: sliding ? graceMs + 1 : graceMs });
  }
}

/** A grouped stream with session windows (Kafka's SessionWindowedKStream). */
export class SessionWindowedKStream<K, V> {
  private readonly stream: KStream<K, V>;
  private readonly grouped: Grouped<K, V>;
  private readonly windows: SessionWindows;
  private strategy = EmitStrategy.onWindowUpdate();

  /** @internal made by KGroupedStream.windowedBy */
  constructor(stream: KStream<K, V>, grouped: Grouped<K, V>, windows: SessionWindows) {
    this.stream = stream;
    this.grouped = grouped;
    this.windows = windows;
  }

  emitStrategy(strategy: EmitStrategy): this {
    this.strategy = strategy;
    return this;
  }

  count(materialized: Materialized<K, number> = {}, options: WindowedOptions = {}): KTable<Windowed<K>, number> {
    return this.aggregate<number>(() => 0, (_k, _v, n) => n + 1, (_k, a, b) => a + b, { ...materialized, valueSerde: materialized.valueSerde ?? int64NumberSerde() }, options);
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized: Materialized<K, V> = {}, options: WindowedOptions = {}): KTable<Windowed<K>, V> {
    return this.aggregateImpl<V>(
      undefined,
      (_k, v, agg) => (agg === undefined ? v : reducer(agg, v)),
      (_k, a, b) => (a === undefined ? b : reducer(a, b)),
      { ...materialized, valueSerde: materialized.valueSerde ?? this.grouped.valueSerde ?? this.stream.serdes.valueSerde },
      options,
      NodePrefix.REDUCE,
    );
  }

  /** `merger` combines two sessions' aggregates when a record bridges them. */
  aggregate<VA>(initializer: () => VA, aggregator: Aggregator<K, V, VA>, merger: (key: K, aggregate1: VA, aggregate2: VA) => VA, materialized: Materialized<K, VA> = {}, options: WindowedOptions = {}): KTable<Windowed<K>, VA> {
    return this.aggregateImpl<VA>(initializer, aggregator, merger, materialized, options, NodePrefix.SESSION_AGGREGATE);
  }

  private aggregateImpl<VA>(initializer: (() => VA) | undefined, aggregator: Aggregator<K, V, VA>, merger: (key: K, a: VA, b: VA) => VA, materialized: Materialized<K, VA>, options: WindowedOptions, prefix: string): KTable<Windowed<K>, VA> {
    const { input, storeName, nodeName, keySerde } = prepare(this.stream, this.grouped, materialized.storeName, prefix === NodePrefix.REDUCE ? NodePrefix.REDUCE : NodePrefix.SESSION_AGGREGATE);
    const builder = input.builder;
    const { inactivityGapMs: gap, graceMs } = this.windows;
    const retentionMs = windowRetention(materialized, this.windows.retentionMs(), 'gap + grace');
    const storeKeySerde = (materialized.keySerde ?? keySerde) as Serde<unknown> | undefined;
    const strategy = this.strategy;
    // As for window stores: emit-on-window-close suppresses anyway, so it gains nothing from a cache.
    builder.addStore({ name: storeName, kind: 'session', keySerde: storeKeySerde, valueSerde: materialized.valueSerde, logged: materialized.loggingEnabled ?? true, cached: (materialized.cachingEnabled ?? true) && strategy.kind === 'onWindowUpdate', retentionMs });
    builder.addProcessor(
      nodeName,
      [input.nodeName],
      (inputs, context) => {
        const aggregated = statefulStep<Rec<K, V>, Rec<Windowed<K>, Change<VA>>>((emit) => {
          const store = context.state.get<SessionStore<K, VA>>(storeName);
          // Writes reach downstream through the store: at once uncached, at flush (commit) or eviction cached.
          store.onChangeSession = (change) => {
            emit(changeRecord(change));
          };
          const time = lateCheck(context, options.lateRecordsTopic);
          return {
            step: (record) => {
              // Kafka's session aggregate skips only null keys; unlike Kafka, a reducer is never handed a null value.
              if (record.key === null || (prefix === NodePrefix.REDUCE && record.value === null)) return;
              const key = record.key;
              const t = record.timestamp;
              const streamTime = time.advance(record);
              const overlapping = store.findSessionsWithTimestamps(key, t - gap, t + gap);
              let window: Window = { start: t, end: t };
              let agg: VA | undefined = initializer?.();
              let timestamp = t;
              for (const session of overlapping) {
                window = { start: Math.min(window.start, session.key.window.start), end: Math.max(window.end, session.key.window.end) };
                agg = agg === undefined ? session.value.value : merger(key, agg, session.value.value);
                timestamp = Math.max(timestamp, session.value.timestamp);
              }
              // Kafka's rule for sessions: late when the merged session ended before stream time -
              // grace - gap (a session can still grow while a record gap after its end is on time).
              if (window.end + gap + graceMs < streamTime) {
                time.late(record);
                return;
              }
              for (const session of overlapping) {
                const same = session.key.window.start === window.start && session.key.window.end === window.end;
                if (!same) store.put(session.key, null, session.value.timestamp, record);
              }
              const next = aggregator(key, record.value, agg as VA);
              store.put({ key, window }, next, timestamp, record);
            },
          };
        }, context.onError)(inputs[0] as Observable<Rec<K, V>>);
        if (strategy.kind === 'onWindowUpdate') return aggregated;
        const suppressed = strategy.idleTimeoutMs === undefined ? Suppressed.untilWindowCloses() : Suppressed.untilWindowCloses().withIdleTimeout(strategy.idleTimeoutMs);
        return suppressOperator<Windowed<K>, VA>(suppressed, gap + graceMs + 1, context)(aggregated);
      },
      [storeName],
    );
    const getter: GetterSupplier<Windowed<K>, VA> = {
      stores: [storeName],
      make: (state) => {
        const store = state.get<SessionStore<K, VA>>(storeName);
        return (windowed) => store.findSessionsWithTimestamps(windowed.key, windowed.window.end, windowed.window.start).find((s) => s.key.window.start === windowed.window.start && s.key.window.end === windowed.window.end)?.value;
      },
    };
    const windowedKeySerde = storeKeySerde === undefined ? undefined : WindowedSerdes.sessionWindowed(storeKeySerde as Serde<K>);
    return new KTable<Windowed<K>, VA>(builder, nodeName, { keySerde: windowedKeySerde, valueSerde: materialized.valueSerde }, getter, storeName, { graceMs: gap + graceMs + 1 });
  }
}
