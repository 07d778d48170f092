import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { InputRecord } from '../processor/task-api.ts';
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
    if (record.key === null) return;
    store.inner.put(record.key, record.value, Number(record.timestamp));
  }

  get(name: string): TimestampedKeyValueStore<unknown, unknown> | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
