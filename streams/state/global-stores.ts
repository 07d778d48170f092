import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { InputRecord } from '../processor/task-api.ts';
import type { BytesEntry } from './in-memory-key-value-store.ts';
import type { StoreSpec } from './state-manager.ts';
import { TimestampedKeyValueStore } from './stores.ts';

/** A global table: its topic and its store. */
export interface GlobalTableSpec {
  readonly topic: string;
  readonly store: StoreSpec;
}

/**
 * The stores of global tables (Kafka's GlobalStateManager): one per application instance,
 * shared by every task, fed with every partition of the global topics. The topic is the
 * changelog: no other is written, and restore is reading the topic from the start.
 */
export class GlobalStateStores {
  private readonly byTopic = new Map<string, TimestampedKeyValueStore<unknown, unknown>>();
  private readonly byName = new Map<string, TimestampedKeyValueStore<unknown, unknown>>();
  /** Per `partition\u0000topic`, the offset after the last record applied (what a checkpoint records). */
  private readonly positions = new Map<string, { topic: string; partition: number; offset: bigint }>();

  constructor(specs: readonly GlobalTableSpec[], defaults: { readonly keySerde?: Serde<unknown> | undefined; readonly valueSerde?: Serde<unknown> | undefined } = {}) {
    for (const { topic, store: spec } of specs) {
      const keySerde = spec.keySerde ?? defaults.keySerde;
      const valueSerde = spec.valueSerde ?? defaults.valueSerde;
      if (keySerde === undefined || valueSerde === undefined) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `global store '${spec.name}' has no key or value serde: pass them to globalTable(), or set default serdes in the config`);
      const store = new TimestampedKeyValueStore<unknown, unknown>({ name: spec.name, keySerde, valueSerde, topic, logger: undefined, cacheMaxBytes: 0 });
      this.byTopic.set(topic, store);
      this.byName.set(spec.name, store);
    }
  }

  /** The global topics: read every partition of each, from the start, before tasks start. */
  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** Applies one record of a global topic (null value = delete; a null key is skipped, as Kafka does). */
  update(record: InputRecord): void {
    const store = this.byTopic.get(record.topic);
    if (store === undefined) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `topic '${record.topic}' is not a global table's topic`);
    this.positions.set(`${record.partition}\u0000${record.topic}`, { topic: record.topic, partition: record.partition, offset: record.offset + 1n });
    if (record.key === null) return;
    store.inner.put(record.key, record.value, Number(record.timestamp));
  }

  /** Per partition read, the offset after the last record applied or loaded; partitions never read are absent. */
  offsets(): { topic: string; partition: number; offset: bigint }[] {
    return [...this.positions.values()];
  }

  /** Marks a partition as covered up to `offset` (exclusive) without a record: a checkpoint loaded, or a partition empty so far. */
  setOffset(topic: string, partition: number, offset: bigint): void {
    this.positions.set(`${partition}\u0000${topic}`, { topic, partition, offset });
  }

  /** Every entry of the topic's store as bytes, for a local snapshot. */
  snapshot(topic: string): BytesEntry[] {
    return this.storeOf(topic).inner.all();
  }

  /** Loads a snapshot taken by snapshot() into the topic's store (before the topic is read). */
  load(topic: string, entries: Iterable<BytesEntry>): void {
    const store = this.storeOf(topic);
    for (const e of entries) store.inner.put(e.key, e.value, e.timestamp);
  }

  private storeOf(topic: string): TimestampedKeyValueStore<unknown, unknown> {
    const store = this.byTopic.get(topic);
    if (store === undefined) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `topic '${topic}' is not a global table's topic`);
    return store;
  }

  /** The name of the store fed by `topic`. */
  storeName(topic: string): string {
    return this.storeOf(topic).name;
  }

  get(name: string): TimestampedKeyValueStore<unknown, unknown> | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
