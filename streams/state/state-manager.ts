import type { Serde } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { OutputRecord } from '../processor/task-api.ts';
import { changelogTopicName } from './changelog.ts';
import type { GlobalStateStores } from './global-stores.ts';
import type { ChangelogRecord } from './changelog.ts';
import { SessionStore, TimestampedKeyValueStore, TimestampedWindowStore } from './stores.ts';
import type { ManagedStore, RecordContext } from './stores.ts';
import type { ReadOnlyStore, StoreKind } from './store-api.ts';

/** A store as the topology declares it: made once per task by the task's state manager. */
export interface StoreSpec {
  readonly name: string;
  readonly kind: StoreKind;
  /** Undefined: the config's default serdes. */
  readonly keySerde: Serde<unknown> | undefined;
  readonly valueSerde: Serde<unknown> | undefined;
  /** Backed by `<applicationId>-<name>-changelog` (Kafka's default; withLoggingDisabled turns it off). */
  readonly logged: boolean;
  /** Through a record cache (Kafka's default; withCachingDisabled turns it off). */
  readonly cached: boolean;
  /** Window and session stores: how long behind stream time entries are kept. */
  readonly retentionMs?: number;
  /** Window stores: the window size, for the Windowed keys reads return. */
  readonly windowSize?: number;
  /** Wraps the resolved value serde (a store of lists of the stream's values). */
  readonly wrapValueSerde?: (serde: Serde<unknown>) => Serde<unknown>;
  /** Wraps the resolved key serde (a store keyed by time and key). */
  readonly wrapKeySerde?: (serde: Serde<unknown>) => Serde<unknown>;
}

/** A changelog partition a task restores from. */
export interface ChangelogPartition {
  readonly store: string;
  readonly topic: string;
  readonly partition: number;
}

export interface StateManagerOptions {
  readonly applicationId: string;
  readonly partition: number;
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
  /** Per store; 0 disables caching. */
  readonly cacheMaxBytes: number;
  /** Writes a changelog record, holding `source` back from commits until it is acknowledged. */
  readonly send: (record: OutputRecord, source: RecordContext) => void;
  /** The instance's global tables, which every task reads. */
  readonly globals?: GlobalStateStores | undefined;
}

export type AnyManagedStore = TimestampedKeyValueStore<unknown, unknown> | TimestampedWindowStore<unknown, unknown> | SessionStore<unknown, unknown>;

/**
 * The stores of one task (Kafka's ProcessorStateManager): built from the specs, restored from
 * their changelogs before processing, their caches flushed at every commit.
 */
export class TaskStateManager {
  private readonly stores = new Map<string, AnyManagedStore>();
  private readonly byChangelog = new Map<string, AnyManagedStore>();
  private readonly restored = new Map<string, bigint>();
  private readonly partition: number;
  private readonly globals: GlobalStateStores | undefined;
  private started = false;
  /** Records later than their window's close, dropped (Kafka's dropped-records-total). */
  droppedRecords = 0;

  constructor(specs: readonly StoreSpec[], options: StateManagerOptions) {
    this.partition = options.partition;
    this.globals = options.globals;
    for (const spec of specs) {
      const resolvedKeySerde = spec.keySerde ?? options.defaultKeySerde;
      const keySerde = resolvedKeySerde === undefined || spec.wrapKeySerde === undefined ? resolvedKeySerde : spec.wrapKeySerde(resolvedKeySerde);
      const resolvedValueSerde = spec.valueSerde ?? options.defaultValueSerde;
      const valueSerde = resolvedValueSerde === undefined || spec.wrapValueSerde === undefined ? resolvedValueSerde : spec.wrapValueSerde(resolvedValueSerde);
      if (keySerde === undefined || valueSerde === undefined) {
        throw new StreamsError(StreamsErrorCode.TOPOLOGY, `store '${spec.name}' has no ${keySerde === undefined ? 'key' : 'value'} serde: pass it in Materialized/Grouped, or set default${keySerde === undefined ? 'Key' : 'Value'}Serde in the config`);
      }
      const topic = changelogTopicName(options.applicationId, spec.name);
      const logger = spec.logged
        ? (key: Buffer, value: Buffer | null, timestamp: number, source: RecordContext): void => {
            options.send({ topic, key, value, headers: [], timestamp, partition: options.partition }, source);
          }
        : undefined;
      const base = { name: spec.name, keySerde, valueSerde, topic, logger, cacheMaxBytes: spec.cached ? options.cacheMaxBytes : 0 };
      const retentionMs = spec.retentionMs ?? Number.MAX_SAFE_INTEGER;
      const store: AnyManagedStore =
        spec.kind === 'keyValue'
          ? new TimestampedKeyValueStore(base)
          : spec.kind === 'window'
            ? new TimestampedWindowStore({ ...base, retentionMs, windowSize: spec.windowSize ?? 0 })
            : new SessionStore({ ...base, retentionMs });
      this.stores.set(spec.name, store);
      if (spec.logged) this.byChangelog.set(topic, store);
    }
  }

  // The caller names the store class it declared for `name` in the topology; the spec decides the instance.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  get<T extends ManagedStore = AnyManagedStore>(name: string): T {
    const store = this.stores.get(name) ?? this.globals?.get(name);
    if (store === undefined) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `no store '${name}' is connected to this task (it has ${[...this.stores.keys()].join(', ') || 'none'})`);
    return store as unknown as T;
  }

  /** A read-only view, for interactive queries. */
  view(name: string): ReadOnlyStore | undefined {
    return this.stores.get(name);
  }

  names(): string[] {
    return [...this.stores.keys()];
  }

  changelogPartitions(): ChangelogPartition[] {
    return [...this.byChangelog].map(([topic, store]) => ({ store: store.name, topic, partition: this.partition }));
  }

  /**
   * Replays changelog records into a store (restore = replay). Only before the task processes
   * its first record: restoring under live writes would reorder them.
   */
  restore(topic: string, records: Iterable<ChangelogRecord>): void {
    if (this.started) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `changelog '${topic}' must be restored before the task processes records`);
    const store = this.byChangelog.get(topic);
    if (store === undefined) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `no store of this task is logged to '${topic}'`);
    let last: bigint | undefined;
    const tracked = function* (): Generator<ChangelogRecord> {
      for (const record of records) {
        last = record.offset;
        yield record;
      }
    };
    store.restore(tracked());
    if (last !== undefined) this.restored.set(topic, last + 1n);
  }

  /** The entries of the store logged to `topic`, in changelog format (undefined: no such changelog). */
  snapshot(topic: string): { key: Buffer; value: Buffer; timestamp: number }[] | undefined {
    return this.byChangelog.get(topic)?.entries();
  }

  /** Per changelog partition, the next offset after the last record restored (what a checkpoint records when nothing was written since). */
  restoredOffsets(): { topic: string; partition: number; offset: bigint }[] {
    return [...this.restored].map(([topic, offset]) => ({ topic, partition: this.partition, offset }));
  }

  private readonly sharedState = new Map<string, unknown>();

  /** Per-task state several processors share (a join's two sides share stream time). */
  shared<T>(name: string, create: () => T): T {
    if (!this.sharedState.has(name)) this.sharedState.set(name, create());
    return this.sharedState.get(name) as T;
  }

  /** Marks the end of restore: called on the first processed record. */
  markStarted(): void {
    this.started = true;
  }

  /** Writes every cached update through (store, changelog, downstream): the first step of a commit. */
  flushCaches(): void {
    for (const store of this.stores.values()) store.flushCache();
  }
}
