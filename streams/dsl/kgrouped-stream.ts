import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { Windowed } from '../state/store-api.ts';
import { SessionWindows } from '../windows/session-windows.ts';
import { SlidingWindows } from '../windows/sliding-windows.ts';
import { TimeWindows } from '../windows/time-windows.ts';
import { keyValueAggregate, sessionAggregate, sessionGetter, timeWindowAggregate, timeWindowGetter, windowRetention } from './aggregate-processors.ts';
import type { Aggregator } from './aggregate-processors.ts';
import { CogroupedKStream } from './cogrouped-kstream.ts';
import { NodePrefix } from './internal-builder.ts';
import type { InternalBuilder } from './internal-builder.ts';
import type { KStream } from './kstream.ts';
import { KTable, int64NumberSerde, storeGetter } from './ktable.ts';
import type { Grouped, Materialized } from './options.ts';
import { WindowedSerdes, listSerde } from './windowed-serdes.ts';

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

/** The stream an aggregation reads: through a repartition topic (`<grouped name or store>-repartition`) when the key changed upstream. */
function aggregationInput<K, V>(stream: KStream<K, V>, grouped: Grouped<K, V>, storeName: string): KStream<K, V> {
  return stream.repartitionIfRequired(grouped.name ?? storeName, {
    ...(grouped.keySerde === undefined ? {} : { keySerde: grouped.keySerde }),
    ...(grouped.valueSerde === undefined ? {} : { valueSerde: grouped.valueSerde }),
  });
}

/** The repartition, store and node names of one aggregation, drawn in Kafka's order. */
function prepare<K, V>(stream: KStream<K, V>, grouped: Grouped<K, V>, storeName: string | undefined, prefix: string): { input: KStream<K, V>; storeName: string; nodeName: string; keySerde: Serde<K> | undefined } {
  const builder = stream.builder;
  const store = storeName ?? builder.newStoreName(prefix);
  const nodeName = builder.newName(prefix);
  const input = aggregationInput(stream, grouped, store);
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

  /**
   * Starts a cogroup (Kafka's KIP-150): this stream and others, each with its own value type and
   * aggregator, folded into one aggregate per key in one store.
   */
  cogroup<VOut>(aggregator: Aggregator<K, V, VOut>): CogroupedKStream<K, VOut> {
    return new CogroupedKStream<K, VOut>(this, aggregator);
  }

  /** @internal a cogroup's input: the stream to read (repartitioned when needed, the topic named after `storeName` unless grouped with a name), and its key serde. */
  cogroupInput(storeName: string): { input: KStream<K, V>; repartitioned: boolean; keySerde: Serde<K> | undefined } {
    const input = aggregationInput(this.stream, this.grouped, storeName);
    return { input, repartitioned: input !== this.stream, keySerde: this.grouped.keySerde ?? this.stream.serdes.keySerde };
  }

  /** @internal the builder a cogroup adds its nodes to. */
  get builder(): InternalBuilder {
    return this.stream.builder;
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
      keyValueAggregate(storeName, initializer, aggregator, skipNullValues),
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
    builder.addProcessor(
      nodeName,
      [input.nodeName],
      timeWindowAggregate({ storeName, recordsStore, windows, initializer, aggregator, skipNullValues, strategy: this.strategy, lateRecordsTopic: options.lateRecordsTopic }),
      stores,
    );
    const windowedKeySerde = storeKeySerde === undefined ? undefined : WindowedSerdes.timeWindowed(storeKeySerde as Serde<K>, sizeMs);
    return new KTable<Windowed<K>, VA>(builder, nodeName, { keySerde: windowedKeySerde, valueSerde: materialized.valueSerde }, timeWindowGetter<K, VA>(storeName), storeName, { graceMs: sliding ? graceMs + 1 : graceMs });
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
      sessionAggregate({ storeName, windows: this.windows, initializer, aggregator, merger, skipNullValues: prefix === NodePrefix.REDUCE, strategy, lateRecordsTopic: options.lateRecordsTopic }),
      [storeName],
    );
    const windowedKeySerde = storeKeySerde === undefined ? undefined : WindowedSerdes.sessionWindowed(storeKeySerde as Serde<K>);
    return new KTable<Windowed<K>, VA>(builder, nodeName, { keySerde: windowedKeySerde, valueSerde: materialized.valueSerde }, sessionGetter<K, VA>(storeName), storeName, { graceMs: gap + graceMs + 1 });
  }
}
