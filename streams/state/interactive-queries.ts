/**
 * Interactive queries: read-only views over the stores of the tasks an instance runs, and the
 * types the runtime answers "which instance holds this key" with (Kafka's KeyQueryMetadata).
 */
import type { Serializer } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { KeyValue } from '../processor/record.ts';
import type { ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyStore, ReadOnlyWindowStore, StoreKind, Windowed } from './store-api.ts';

/** An application instance, as `applicationServer` ("host:port") names it. */
export interface HostInfo {
  readonly host: string;
  readonly port: number;
}

/** Where a key lives (Kafka's KeyQueryMetadata). */
export interface KeyQueryMetadata {
  readonly activeHost: HostInfo;
  readonly standbyHosts: readonly HostInfo[];
  readonly partition: number;
}

/** How `store()` answers (Kafka's StoreQueryParameters). */
export interface StoreQueryOptions {
  /** Also read this instance's standby copies, which may lag the active (enableStaleStores). */
  readonly includeStale?: boolean;
}

/**
 * What the runtime offers for queries (KafkaStreams implements it): the owner of a key, from the
 * group assignment; the key is partitioned as a producer would (murmur2 of `keySerializer`'s
 * bytes) unless a partitioner is given. Undefined while the store is unknown or not yet assigned.
 */
export interface QueryableStreams {
  queryMetadataForKey<K>(storeName: string, key: K, keySerializer: Serializer<K>): KeyQueryMetadata | undefined;
  /** The local read-only view of a store across this instance's tasks (undefined when no local task has it). */
  store(storeName: string, options?: StoreQueryOptions): ReadOnlyStore | undefined;
}

function isKeyValue(store: ReadOnlyStore): store is ReadOnlyKeyValueStore<unknown, unknown> {
  return 'get' in store;
}

function isWindow(store: ReadOnlyStore): store is ReadOnlyWindowStore<unknown, unknown> {
  return 'fetchAll' in store;
}

/**
 * One read-only view over the same store in several tasks (one per partition, as Kafka's
 * composite store): a key lives in one partition, so lookups take the first answer and scans
 * concatenate in task order.
 */
export function compositeView(name: string, stores: readonly ReadOnlyStore[]): ReadOnlyStore {
  if (stores.length === 0) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `no task holds store '${name}'`);
  if (stores.length === 1) return stores[0]!;
  const first = stores[0]!;
  if (isKeyValue(first)) {
    const kv = stores as readonly ReadOnlyKeyValueStore<unknown, unknown>[];
    const view: ReadOnlyKeyValueStore<unknown, unknown> = {
      name,
      get: (key) => {
        for (const s of kv) {
          const v = s.get(key);
          if (v !== undefined) return v;
        }
        return undefined;
      },
      range: (from, to) => kv.flatMap((s) => s.range(from, to)),
      all: () => kv.flatMap((s) => s.all()),
      approximateNumEntries: () => kv.reduce((n, s) => n + s.approximateNumEntries(), 0),
    };
    return view;
  }
  if (isWindow(first)) {
    const ws = stores as readonly ReadOnlyWindowStore<unknown, unknown>[];
    const view: ReadOnlyWindowStore<unknown, unknown> = {
      name,
      fetch: (key, start) => {
        for (const s of ws) {
          const v = s.fetch(key, start);
          if (v !== undefined) return v;
        }
        return undefined;
      },
      fetchRange: (key, from, to) => ws.flatMap((s) => s.fetchRange(key, from, to)),
      fetchAll: (from, to) => byStart(ws.flatMap((s) => s.fetchAll(from, to))),
      all: () => byStart(ws.flatMap((s) => s.all())),
    };
    return view;
  }
  const ss = stores as readonly ReadOnlySessionStore<unknown, unknown>[];
  const view: ReadOnlySessionStore<unknown, unknown> = {
    name,
    fetch: (key) => ss.flatMap((s) => s.fetch(key)),
    findSessions: (key, earliestEnd, latestStart) => ss.flatMap((s) => s.findSessions(key, earliestEnd, latestStart)),
    all: () => ss.flatMap((s) => s.all()),
  };
  return view;
}

/** A store no task holds yet (no record reached its sub-topology): empty, of the right kind. */
export function emptyView(name: string, kind: StoreKind): ReadOnlyStore {
  switch (kind) {
    case 'keyValue':
      return { name, get: () => undefined, range: () => [], all: () => [], approximateNumEntries: () => 0 } satisfies ReadOnlyKeyValueStore<unknown, unknown>;
    case 'window':
      return { name, fetch: () => undefined, fetchRange: () => [], fetchAll: () => [], all: () => [] } satisfies ReadOnlyWindowStore<unknown, unknown>;
    case 'session':
      return { name, fetch: () => [], findSessions: () => [], all: () => [] } satisfies ReadOnlySessionStore<unknown, unknown>;
  }
}

function byStart<K, V>(entries: KeyValue<Windowed<K>, V>[]): KeyValue<Windowed<K>, V>[] {
  return entries.sort((a, b) => a.key.window.start - b.key.window.start);
}
