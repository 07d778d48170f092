import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { TimestampExtractor } from '../processor/nodes.ts';
import { InternalBuilder, NodePrefix } from './internal-builder.ts';
import type { Observable } from 'rxjs';
import { KStream } from './kstream.ts';
import type { Consumed, Materialized } from './options.ts';
import { Topology } from './topology.ts';
import { GlobalKTable, KTable, changeRecord, storeGetter } from './ktable.ts';
import { statefulStep } from '../operators/stateful-step.ts';
import type { StreamRecord } from '../processor/record.ts';
import type { TimestampedKeyValueStore } from '../state/stores.ts';
import type { Change } from './change.ts';

/**
 * Where a topology starts (Kafka's StreamsBuilder): read topics as streams, transform them,
 * then `build()`.
 *
 * @example
 * const builder = new StreamsBuilder();
 * builder.stream('in', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
 *   .mapValues((v) => v?.toUpperCase() ?? null)
 *   .to('out');
 * const topology = builder.build();
 */
export class StreamsBuilder {
  private readonly graph = new InternalBuilder();

  constructor() {
    this.graph.streamFactory = (nodeName, serdes, repartitionRequired) => new KStream(this.graph, nodeName, serdes as { keySerde: undefined; valueSerde: undefined }, repartitionRequired);
  }

  /**
   * A table of a topic (Kafka's builder.table): the latest value per key, a null value deleting
   * it. Materialized in a store, `<topic>-STATE-STORE-<n>` unless named, which the table's updates
   * go through (and which the table's joins read).
   */
  table<K, V>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): KTable<K, V> {
    if (topic === '') throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'table() needs a topic name');
    const storeName = materialized.storeName ?? this.graph.newStoreName(`${topic}-`);
    const sourceName = this.graph.nameOr(NodePrefix.SOURCE, consumed.name);
    const tableName = consumed.name === undefined ? this.graph.newName(NodePrefix.KTABLE_SOURCE) : `${consumed.name}-table-source`;
    const keySerde = materialized.keySerde ?? consumed.keySerde;
    const valueSerde = materialized.valueSerde ?? consumed.valueSerde;
    this.graph.addSource({ name: sourceName, topics: [topic], pattern: undefined, internal: false, keySerde: consumed.keySerde, valueSerde: consumed.valueSerde, timestampExtractor: consumed.timestampExtractor as TimestampExtractor | undefined });
    this.graph.addStore({ name: storeName, kind: 'keyValue', keySerde: keySerde, valueSerde: valueSerde, logged: materialized.loggingEnabled ?? true, cached: materialized.cachingEnabled ?? true });
    this.graph.addProcessor(
      tableName,
      [sourceName],
      (inputs, context) =>
        statefulStep<StreamRecord<K | null, V | null>, StreamRecord<K, Change<V>>>((emit) => {
          const store = context.state.get<TimestampedKeyValueStore<K, V>>(storeName);
          store.onChange = (change) => {
            emit(changeRecord(change));
          };
          return {
            step: (record) => {
              // Kafka skips table records without a key: there is no row to update.
              if (record.key === null) return;
              store.put(record.key, record.value, record.timestamp, record);
            },
          };
        }, context.onError)(inputs[0] as Observable<StreamRecord<K | null, V | null>>),
      [storeName],
    );
    return new KTable<K, V>(this.graph, tableName, { keySerde, valueSerde }, storeGetter(storeName), storeName);
  }

  /**
   * A global table (Kafka's builder.globalTable): every instance reads all partitions of the
   * topic into its own store, and streams join it by a key computed per record, with no
   * co-partitioning.
   */
  globalTable<K, V>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): GlobalKTable<K, V> {
    if (topic === '') throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'globalTable() needs a topic name');
    const storeName = materialized.storeName ?? this.graph.newStoreName(`${topic}-`);
    const sourceName = this.graph.nameOr(NodePrefix.SOURCE, consumed.name);
    const tableName = consumed.name === undefined ? this.graph.newName(NodePrefix.KTABLE_SOURCE) : `${consumed.name}-table-source`;
    this.graph.addGlobalTable({
      topic,
      sourceName,
      processorName: tableName,
      store: { name: storeName, kind: 'keyValue', keySerde: (materialized.keySerde ?? consumed.keySerde), valueSerde: (materialized.valueSerde ?? consumed.valueSerde), logged: false, cached: false },
    });
    return new GlobalKTable<K, V>(this.graph, storeName);
  }

  /**
   * A stream of one topic, several topics, or every topic whose whole name matches a RegExp.
   * Keys and values may be null in Kafka (no key, tombstones), so the stream's types include null.
   */
  stream<K = Buffer, V = Buffer>(topics: string | readonly string[] | RegExp, consumed: Consumed<K, V> = {}): KStream<K | null, V | null> {
    const list = typeof topics === 'string' ? [topics] : topics instanceof RegExp ? [] : [...topics];
    if (!(topics instanceof RegExp) && (list.length === 0 || list.some((t) => t === ''))) {
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'stream() needs at least one topic name, and names must not be empty');
    }
    const name = this.graph.nameOr(NodePrefix.SOURCE, consumed.name);
    this.graph.addSource({
      name,
      topics: list,
      pattern: topics instanceof RegExp ? topics : undefined,
      internal: false,
      keySerde: consumed.keySerde,
      valueSerde: consumed.valueSerde,
      timestampExtractor: consumed.timestampExtractor as TimestampExtractor | undefined,
    });
    return new KStream<K | null, V | null>(this.graph, name, { keySerde: consumed.keySerde, valueSerde: consumed.valueSerde }, false);
  }

  /** The topology as built so far. The builder can keep growing, but a Topology never changes. */
  build(): Topology {
    return new Topology([...this.graph.nodes], [...this.graph.internalTopics], [...this.graph.stores], [...this.graph.globalTables], [...this.graph.copartitioned]);
  }
}
