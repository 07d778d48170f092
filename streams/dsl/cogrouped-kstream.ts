import { merge } from 'rxjs';
import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { Windowed } from '../state/store-api.ts';
import { SessionWindows } from '../windows/session-windows.ts';
import { SlidingWindows } from '../windows/sliding-windows.ts';
import { TimeWindows } from '../windows/time-windows.ts';
import { keyValueAggregate, sessionAggregate, sessionGetter, timeWindowAggregate, timeWindowGetter, windowRetention } from './aggregate-processors.ts';
import type { Aggregator, ProcessorBuild } from './aggregate-processors.ts';
import type { InternalBuilder } from './internal-builder.ts';
import type { KGroupedStream } from './kgrouped-stream.ts';
import { KTable, storeGetter } from './ktable.ts';
import type { Materialized } from './options.ts';
import { WindowedSerdes } from './windowed-serdes.ts';

/** Kafka's CogroupedKStreamImpl prefixes: one aggregate node per input, one merge node after them. */
export const CogroupPrefix = {
  AGGREGATE: 'COGROUPKSTREAM-AGGREGATE-',
  MERGE: 'COGROUPKSTREAM-MERGE-',
} as const;

/** Kafka's cogroup has no other emit strategy. */
const ON_UPDATE = { kind: 'onWindowUpdate', idleTimeoutMs: undefined } as const;

/** What a cogroup needs of a grouped stream (KGroupedStream, whatever its value type). */
interface CogroupSource<K> {
  readonly builder: InternalBuilder;
  cogroupInput(storeName: string): { input: { readonly nodeName: string }; repartitioned: boolean; keySerde: Serde<K> | undefined };
}

/** A cogroup's inputs (insertion order, one aggregator per grouped stream) and the repartition nodes its aggregations share. */
interface CogroupInputs<K, VOut> {
  readonly aggregators: Map<CogroupSource<K>, Aggregator<K, unknown, VOut>>;
  readonly repartitioned: Map<CogroupSource<K>, string>;
}

/** What one kind of aggregation (key-value, time windows, sessions) adds around the shared nodes. */
interface AggregationKind<KT, VOut> {
  addStores(builder: InternalBuilder, storeName: string, keySerde: Serde<unknown> | undefined): string[];
  processor(storeName: string, aggregator: Aggregator<unknown, unknown, VOut>): ProcessorBuild;
  table(builder: InternalBuilder, mergeName: string, storeName: string, keySerde: Serde<unknown> | undefined): KTable<KT, VOut>;
}

/** Kafka's NamedInternal#suffixWithOrElseGet: the generated name is drawn either way, so later names do not depend on the user's. */
function suffixedOrGenerated(builder: InternalBuilder, named: string | undefined, suffix: string, prefix: string): string {
  const generated = builder.newName(prefix);
  if (named === '') throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'a processor name must not be empty');
  return named === undefined ? generated : `${named}${suffix}`;
}

/**
 * The nodes of a cogrouped aggregation, in Kafka's order (CogroupedStreamAggregateBuilder): the
 * store name, each input's repartition, one aggregate processor per input on the one store, and a
 * merge node the table reads from.
 */
function buildCogroup<K, KT, VOut>(inputs: CogroupInputs<K, VOut>, materialized: Materialized<K, VOut>, named: string | undefined, kind: AggregationKind<KT, VOut>): KTable<KT, VOut> {
  const groupedStreams = [...inputs.aggregators.keys()];
  const builder = groupedStreams[0]!.builder;
  const storeName = materialized.storeName ?? builder.newStoreName(CogroupPrefix.AGGREGATE);
  let keySerde = materialized.keySerde as Serde<unknown> | undefined;
  const parents = groupedStreams.map((grouped) => {
    const shared = inputs.repartitioned.get(grouped);
    if (shared !== undefined) {
      // Kafka reuses a cogroup's repartition topic across its aggregations, still drawing its three names.
      for (let i = 0; i < 3; i++) builder.newName(CogroupPrefix.AGGREGATE);
      return shared;
    }
    const { input, repartitioned, keySerde: inputKeySerde } = grouped.cogroupInput(storeName);
    keySerde ??= inputKeySerde as Serde<unknown> | undefined;
    if (repartitioned) inputs.repartitioned.set(grouped, input.nodeName);
    return input.nodeName;
  });
  const stores = kind.addStores(builder, storeName, keySerde);
  const aggregateNames = groupedStreams.map((grouped, i) => {
    const name = suffixedOrGenerated(builder, named, `-cogroup-agg-${i}`, CogroupPrefix.AGGREGATE);
    builder.addProcessor(name, [parents[i]!], kind.processor(storeName, inputs.aggregators.get(grouped) as Aggregator<unknown, unknown, VOut>), stores);
    return name;
  });
  const mergeName = suffixedOrGenerated(builder, named, '-cogroup-merge', CogroupPrefix.MERGE);
  // Every aggregate processor writes the one store, whose changes reach downstream through
  // whichever of them registered last; the merge node gathers them all either way.
  builder.addProcessor(mergeName, aggregateNames, (streams) => merge(...streams));
  // One store per task: the inputs must share partitioning, as joined topics do.
  if (groupedStreams.length > 1) builder.copartitioned.add(mergeName);
  return kind.table(builder, mergeName, storeName, keySerde);
}

/**
 * Several grouped streams aggregated into one table (Kafka's CogroupedKStream, KIP-150): each
 * input keeps its own value type and aggregator, and all fold into the same aggregate per key.
 */
export class CogroupedKStream<K, VOut> {
  private readonly inputs: CogroupInputs<K, VOut> = { aggregators: new Map(), repartitioned: new Map() };

  /** @internal made by KGroupedStream.cogroup */
  constructor(first: CogroupSource<K>, aggregator: Aggregator<K, never, VOut>) {
    this.inputs.aggregators.set(first, aggregator as Aggregator<K, unknown, VOut>);
  }

  /** Adds an input stream with its aggregator; cogrouping the same grouped stream again replaces its aggregator, as in Kafka. */
  cogroup<VIn>(grouped: KGroupedStream<K, VIn>, aggregator: Aggregator<K, VIn, VOut>): this {
    if (grouped.builder !== [...this.inputs.aggregators.keys()][0]!.builder) throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'cogroup needs grouped streams of the same StreamsBuilder');
    this.inputs.aggregators.set(grouped, aggregator as Aggregator<K, unknown, VOut>);
    return this;
  }

  /** Folds every input's values per key from `initializer()`. Records with a null key are skipped. `name` names the nodes `<name>-cogroup-agg-<n>` and `<name>-cogroup-merge`. */
  aggregate(initializer: () => VOut, materialized: Materialized<K, VOut> = {}, name?: string): KTable<K, VOut> {
    return buildCogroup<K, K, VOut>(this.inputs, materialized, name, {
      addStores: (builder, storeName, keySerde) => {
        builder.addStore({ name: storeName, kind: 'keyValue', keySerde, valueSerde: materialized.valueSerde, logged: materialized.loggingEnabled ?? true, cached: materialized.cachingEnabled ?? true });
        return [storeName];
      },
      processor: (storeName, aggregator) => keyValueAggregate(storeName, initializer, aggregator, false),
      table: (builder, mergeName, storeName, keySerde) => new KTable<K, VOut>(builder, mergeName, { keySerde: keySerde as Serde<K> | undefined, valueSerde: materialized.valueSerde }, storeGetter(storeName), storeName),
    });
  }

  /** Aggregations per time window (tumbling or hopping). */
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedCogroupedKStream<K, VOut>;
  /** Aggregations per session. */
  windowedBy(windows: SessionWindows): SessionWindowedCogroupedKStream<K, VOut>;
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedCogroupedKStream<K, VOut> | SessionWindowedCogroupedKStream<K, VOut> {
    if (windows instanceof SessionWindows) return new SessionWindowedCogroupedKStream(this.inputs, windows);
    if (windows instanceof TimeWindows) return new TimeWindowedCogroupedKStream(this.inputs, windows);
    // Brook's sliding aggregate folds new windows from the records it keeps, with the one
    // aggregator of its input; a cogroup would need each record's own aggregator there.
    if (windows instanceof SlidingWindows) throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'a cogroup cannot be windowed by SlidingWindows yet; use TimeWindows (hopping) or aggregate each stream on its own and join the tables');
    throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'windowedBy needs TimeWindows or SessionWindows');
  }
}

/** A cogroup's inputs with the windows it aggregates by. */
abstract class WindowedCogroup<K, VOut, W> {
  protected readonly inputs: CogroupInputs<K, VOut>;
  protected readonly windows: W;

  /** @internal made by CogroupedKStream.windowedBy */
  constructor(inputs: CogroupInputs<K, VOut>, windows: W) {
    this.inputs = inputs;
    this.windows = windows;
  }
}

/** A cogroup with time windows (Kafka's TimeWindowedCogroupedKStream); emits on every window update. */
export class TimeWindowedCogroupedKStream<K, VOut> extends WindowedCogroup<K, VOut, TimeWindows> {

  aggregate(initializer: () => VOut, materialized: Materialized<K, VOut> = {}, name?: string): KTable<Windowed<K>, VOut> {
    const windows = this.windows;
    const retentionMs = windowRetention(materialized, windows.retentionMs(), 'window size + grace');
    return buildCogroup<K, Windowed<K>, VOut>(this.inputs, materialized, name, {
      addStores: (builder, storeName, keySerde) => {
        builder.addStore({ name: storeName, kind: 'window', keySerde, valueSerde: materialized.valueSerde, logged: materialized.loggingEnabled ?? true, cached: materialized.cachingEnabled ?? true, retentionMs, windowSize: windows.sizeMs });
        return [storeName];
      },
      processor: (storeName, aggregator) =>
        timeWindowAggregate({ storeName, recordsStore: `${storeName}-records`, windows, initializer, aggregator, skipNullValues: false, strategy: ON_UPDATE, lateRecordsTopic: undefined }),
      table: (builder, mergeName, storeName, keySerde) => {
        const windowedKeySerde = keySerde === undefined ? undefined : WindowedSerdes.timeWindowed(keySerde as Serde<K>, windows.sizeMs);
        return new KTable<Windowed<K>, VOut>(builder, mergeName, { keySerde: windowedKeySerde, valueSerde: materialized.valueSerde }, timeWindowGetter<K, VOut>(storeName), storeName, { graceMs: windows.graceMs });
      },
    });
  }
}

/** A cogroup with session windows (Kafka's SessionWindowedCogroupedKStream); emits on every session update. */
export class SessionWindowedCogroupedKStream<K, VOut> extends WindowedCogroup<K, VOut, SessionWindows> {

  /** `sessionMerger` combines two sessions' aggregates when a record bridges them. */
  aggregate(initializer: () => VOut, sessionMerger: (key: K, aggregate1: VOut, aggregate2: VOut) => VOut, materialized: Materialized<K, VOut> = {}, name?: string): KTable<Windowed<K>, VOut> {
    const windows = this.windows;
    const retentionMs = windowRetention(materialized, windows.retentionMs(), 'gap + grace');
    return buildCogroup<K, Windowed<K>, VOut>(this.inputs, materialized, name, {
      addStores: (builder, storeName, keySerde) => {
        builder.addStore({ name: storeName, kind: 'session', keySerde, valueSerde: materialized.valueSerde, logged: materialized.loggingEnabled ?? true, cached: materialized.cachingEnabled ?? true, retentionMs });
        return [storeName];
      },
      processor: (storeName, aggregator) =>
        sessionAggregate({ storeName, windows, initializer, aggregator, merger: sessionMerger as (key: unknown, a: VOut, b: VOut) => VOut, skipNullValues: false, strategy: ON_UPDATE, lateRecordsTopic: undefined }),
      table: (builder, mergeName, storeName, keySerde) => {
        const windowedKeySerde = keySerde === undefined ? undefined : WindowedSerdes.sessionWindowed(keySerde as Serde<K>);
        return new KTable<Windowed<K>, VOut>(builder, mergeName, { keySerde: windowedKeySerde, valueSerde: materialized.valueSerde }, sessionGetter<K, VOut>(storeName), storeName, { graceMs: windows.inactivityGapMs + windows.graceMs + 1 });
      },
    });
  }
}
