/**
 * The stores the DSL uses, with Kafka Streams' layering folded into one class per kind: serdes
 * (Metered), the record cache (Caching), the changelog (ChangeLogging) and the in-memory bytes
 * store (InMemory). Values carry a timestamp (Kafka's timestamped stores). Keys are ordered by
 * their serialized bytes, so ranges read as Kafka's stores do.
 */
import type { Serde } from '../../client/index.ts';
import type { Header, KeyValue, SourcePosition } from '../processor/record.ts';
import { parseSessionChangelogKey, parseWindowChangelogKey, sessionChangelogKey, windowChangelogKey } from './changelog.ts';
import type { ChangelogRecord } from './changelog.ts';
import { InMemoryKeyValueBytesStore, bytesKey } from './in-memory-key-value-store.ts';
import { InMemorySessionBytesStore } from './in-memory-session-store.ts';
import { InMemoryWindowBytesStore } from './in-memory-window-store.ts';
import { RecordCache, cacheEntrySize } from './record-cache.ts';
import type { ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore, StoreKind, ValueAndTimestamp, Windowed } from './store-api.ts';

/** The record a write derives from: its source position (commits wait for the changelog write) and headers. */
export interface RecordContext extends SourcePosition {
  readonly headers: readonly Header[];
}

/** Writes one changelog record; undefined when the store is not logged. */
export type ChangeLogger = (key: Buffer, value: Buffer | null, timestamp: number, source: RecordContext) => void;

/** What a store forwards when an update leaves the cache (or at once, uncached): Kafka's Change with its key. */
export interface StoreChange<K, V> {
  readonly key: K;
  readonly newValue: V | null;
  readonly oldValue: V | null;
  readonly timestamp: number;
  readonly source: RecordContext;
}

/** What every store offers its task: cache flushing (on commit) and restore (from the changelog). */
export interface ManagedStore {
  readonly name: string;
  readonly kind: StoreKind;
  /** Writes cached updates to the store and changelog and forwards them (Kafka's flush on commit). */
  flushCache(): void;
  /** Applies changelog records to the bytes store, bypassing cache and changelog. */
  restore(records: Iterable<ChangelogRecord>): void;
  /** Every stored entry as its changelog record would carry it (key in changelog format), for a local snapshot. */
  entries(): { key: Buffer; value: Buffer; timestamp: number }[];
}

export interface StoreSerdes<K, V> {
  readonly name: string;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  /** The changelog topic, for serde contexts; the store's name when not logged. */
  readonly topic: string;
  readonly logger: ChangeLogger | undefined;
  /** 0 disables caching. */
  readonly cacheMaxBytes: number;
}

interface CacheEntry<K, V> {
  readonly key: K;
  readonly keyBytes: Buffer;
  /** Window start for window stores, session start for session stores; unused by key-value stores. */
  readonly windowStart: number;
  /** Session end for session stores; unused by the others. */
  readonly windowEnd?: number;
  readonly value: V | null;
  readonly valueBytes: Buffer | null;
  readonly timestamp: number;
  readonly oldValue: V | null;
  readonly source: RecordContext;
}

abstract class SerdeStore<K, V> {
  readonly name: string;
  protected readonly keySerde: Serde<K>;
  protected readonly valueSerde: Serde<V>;
  protected readonly context: { readonly topic: string };
  protected readonly logger: ChangeLogger | undefined;
  protected readonly cache: RecordCache<CacheEntry<K, V>> | undefined;
  onChange: ((change: StoreChange<K, V>) => void) | undefined;

  constructor(options: StoreSerdes<K, V>) {
    this.name = options.name;
    this.keySerde = options.keySerde;
    this.valueSerde = options.valueSerde;
    this.context = { topic: options.topic };
    this.logger = options.logger;
    this.cache = options.cacheMaxBytes > 0 ? new RecordCache(options.cacheMaxBytes, (entry) => { this.writeThrough(entry); }) : undefined;
  }

  flushCache(): void {
    this.cache?.flush();
  }

  /** Bytes currently held by the cache (0 uncached). */
  get cacheBytes(): number {
    return this.cache?.sizeBytes ?? 0;
  }

  protected serializeKey(key: K): Buffer {
    const bytes = this.keySerde.serialize(key, this.context);
    if (bytes === null) throw new TypeError(`store '${this.name}' cannot hold a null key`);
    return bytes;
  }

  protected serializeValue(value: V | null): Buffer | null {
    return value === null ? null : this.valueSerde.serialize(value, this.context);
  }

  protected deserializeKey(bytes: Buffer): K {
    return this.keySerde.deserialize(bytes, this.context) as K;
  }

  protected deserializeValue(bytes: Buffer): V {
    return this.valueSerde.deserialize(bytes, this.context) as V;
  }

  /** Through the cache when there is one, else straight to the store, changelog and listener. */
  protected write(key: K, keyBytes: Buffer, windowStart: number, value: V | null, timestamp: number, source: RecordContext, cacheKey: string, current: () => V | null, valueBytes = this.serializeValue(value)): void {
    if (this.cache === undefined) {
      this.writeThrough({ key, keyBytes, windowStart, value, valueBytes, timestamp, oldValue: current(), source });
      return;
    }
    // The old value forwarded at flush is the one downstream saw last: the store's, not an
    // intermediate cached one.
    const cached = this.cache.get(cacheKey);
    const oldValue = cached !== undefined ? cached.oldValue : current();
    this.cache.put(cacheKey, { key, keyBytes, windowStart, value, valueBytes, timestamp, oldValue, source }, cacheEntrySize(keyBytes, valueBytes));
  }

  protected writeThrough(entry: CacheEntry<K, V>): void {
    if (!this.persist(entry)) return;
    this.onChange?.({ key: entry.key, newValue: entry.value, oldValue: entry.oldValue, timestamp: entry.timestamp, source: entry.source });
  }

  /** Writes one entry to the bytes store and the changelog; false when the store refused it (expired). */
  protected abstract persist(entry: CacheEntry<K, V>): boolean;
}

/** A key-value store of values with timestamps (Kafka's TimestampedKeyValueStore). */
export class TimestampedKeyValueStore<K, V> extends SerdeStore<K, V> implements ManagedStore, ReadOnlyKeyValueStore<K, V> {
  readonly kind = 'keyValue' as const;
  readonly inner = new InMemoryKeyValueBytesStore();

  getWithTimestamp(key: K): ValueAndTimestamp<V> | undefined {
    const keyBytes = this.serializeKey(key);
    const cached = this.cache?.get(bytesKey(keyBytes));
    if (cached !== undefined) return cached.value === null ? undefined : { value: cached.value, timestamp: cached.timestamp };
    const entry = this.inner.get(keyBytes);
    return entry === undefined ? undefined : { value: this.deserializeValue(entry.value), timestamp: entry.timestamp };
  }

  get(key: K): V | undefined {
    return this.getWithTimestamp(key)?.value;
  }

  /** A null value deletes the key. */
  put(key: K, value: V | null, timestamp: number, source: RecordContext): void {
    const keyBytes = this.serializeKey(key);
    this.putBytes(key, keyBytes, value, this.serializeValue(value), timestamp, source);
  }

  /**
   * Writes unless the update changes nothing (Kafka's putIfDifferentValues, KIP-557): the same
   * serialized value at the same or a later timestamp, or a delete of an absent key; a value
   * going back in time is written, as its timestamp starts the row's validity. True when written.
   * Source tables do not use it: Kafka 3.x turned KIP-557 off in KTableSource (KAFKA-12508), as
   * skipping updates against a store left dirty by a crash under at-least-once can lose them.
   */
  putIfDifferent(key: K, value: V | null, timestamp: number, source: RecordContext): boolean {
    const keyBytes = this.serializeKey(key);
    const valueBytes = this.serializeValue(value);
    const current = this.currentBytes(keyBytes);
    const unchanged = valueBytes === null ? current === undefined : current !== undefined && timestamp >= current.timestamp && valueBytes.equals(current.value);
    if (unchanged) return false;
    this.putBytes(key, keyBytes, value, valueBytes, timestamp, source);
    return true;
  }

  private putBytes(key: K, keyBytes: Buffer, value: V | null, valueBytes: Buffer | null, timestamp: number, source: RecordContext): void {
    this.write(
      key,
      keyBytes,
      0,
      value,
      timestamp,
      source,
      bytesKey(keyBytes),
      () => {
        const entry = this.inner.get(keyBytes);
        return entry === undefined ? null : this.deserializeValue(entry.value);
      },
      valueBytes,
    );
  }

  /** The stored bytes of a key as reads see them: the cache's pending write first, then the store. */
  private currentBytes(keyBytes: Buffer): { value: Buffer; timestamp: number } | undefined {
    const cached = this.cache?.get(bytesKey(keyBytes));
    if (cached !== undefined) return cached.valueBytes === null ? undefined : { value: cached.valueBytes, timestamp: cached.timestamp };
    return this.inner.get(keyBytes);
  }

  range(from: K | undefined, to: K | undefined): KeyValue<K, V>[] {
    const lo = from === undefined ? undefined : bytesKey(this.serializeKey(from));
    const hi = to === undefined ? undefined : bytesKey(this.serializeKey(to));
    const merged = new Map<string, { keyBytes: Buffer; value: () => V | null }>();
    for (const entry of this.inner.range(from === undefined ? undefined : this.serializeKey(from), to === undefined ? undefined : this.serializeKey(to))) {
      merged.set(bytesKey(entry.key), { keyBytes: entry.key, value: () => this.deserializeValue(entry.value) });
    }
    if (this.cache !== undefined) {
      for (const entry of this.cache.values()) {
        const k = bytesKey(entry.keyBytes);
        if ((lo === undefined || k >= lo) && (hi === undefined || k <= hi)) merged.set(k, { keyBytes: entry.keyBytes, value: () => entry.value });
      }
    }
    const out: KeyValue<K, V>[] = [];
    for (const k of [...merged.keys()].sort()) {
      const { keyBytes, value } = merged.get(k)!;
      const v = value();
      if (v !== null) out.push({ key: this.deserializeKey(keyBytes), value: v });
    }
    return out;
  }

  all(): KeyValue<K, V>[] {
    return this.range(undefined, undefined);
  }

  approximateNumEntries(): number {
    return this.inner.size + (this.cache?.size ?? 0);
  }

  restore(records: Iterable<ChangelogRecord>): void {
    for (const record of records) if (record.key !== null) this.inner.put(record.key, record.value, Number(record.timestamp));
  }

  entries(): { key: Buffer; value: Buffer; timestamp: number }[] {
    return this.inner.all();
  }

  protected persist(entry: CacheEntry<K, V>): boolean {
    this.inner.put(entry.keyBytes, entry.valueBytes, entry.timestamp);
    this.logger?.(entry.keyBytes, entry.valueBytes, entry.timestamp, entry.source);
    return true;
  }
}

/** A window store: per key, one timestamped value per window start (Kafka's TimestampedWindowStore). */
export class TimestampedWindowStore<K, V> extends SerdeStore<K, V> implements ManagedStore, ReadOnlyWindowStore<K, V> {
  readonly kind = 'window' as const;
  readonly inner: InMemoryWindowBytesStore;
  /** For the Windowed keys reads return: `end = start + windowSize`. */
  readonly windowSize: number;
  onChangeWindowed: ((change: StoreChange<Windowed<K>, V>) => void) | undefined;

  constructor(options: StoreSerdes<K, V> & { readonly retentionMs: number; readonly windowSize: number; readonly segmentIntervalMs?: number }) {
    super(options);
    this.inner = new InMemoryWindowBytesStore(options.retentionMs, options.segmentIntervalMs);
    this.windowSize = options.windowSize;
  }

  fetchWithTimestamp(key: K, windowStart: number): ValueAndTimestamp<V> | undefined {
    const keyBytes = this.serializeKey(key);
    const cached = this.cache?.get(`${bytesKey(keyBytes)}:${windowStart}`);
    if (cached !== undefined) return cached.value === null ? undefined : { value: cached.value, timestamp: cached.timestamp };
    const entry = this.inner.fetch(keyBytes, windowStart);
    return entry === undefined ? undefined : { value: this.deserializeValue(entry.value), timestamp: entry.timestamp };
  }

  fetch(key: K, windowStart: number): V | undefined {
    return this.fetchWithTimestamp(key, windowStart)?.value;
  }

  put(key: K, value: V | null, windowStart: number, timestamp: number, source: RecordContext): void {
    const keyBytes = this.serializeKey(key);
    this.write(key, keyBytes, windowStart, value, timestamp, source, `${bytesKey(keyBytes)}:${windowStart}`, () => {
      const entry = this.inner.fetch(keyBytes, windowStart);
      return entry === undefined ? null : this.deserializeValue(entry.value);
    });
  }

  fetchRangeWithTimestamps(key: K | undefined, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, ValueAndTimestamp<V>>[] {
    const keyBytes = key === undefined ? undefined : this.serializeKey(key);
    const k = keyBytes === undefined ? undefined : bytesKey(keyBytes);
    const merged = new Map<string, { keyBytes: Buffer; start: number; value: () => ValueAndTimestamp<V> | null }>();
    const id = (kb: Buffer, start: number): string => `${start}:${bytesKey(kb)}`;
    for (const entry of this.inner.fetchRange(keyBytes, timeFrom, timeTo)) {
      merged.set(id(entry.key, entry.windowStart), { keyBytes: entry.key, start: entry.windowStart, value: () => ({ value: this.deserializeValue(entry.value), timestamp: entry.timestamp }) });
    }
    if (this.cache !== undefined) {
      const horizon = this.inner.streamTime - this.inner.retentionMs;
      for (const entry of this.cache.values()) {
        if ((k !== undefined && bytesKey(entry.keyBytes) !== k) || entry.windowStart < timeFrom || entry.windowStart > timeTo || entry.windowStart <= horizon) continue;
        merged.set(id(entry.keyBytes, entry.windowStart), { keyBytes: entry.keyBytes, start: entry.windowStart, value: () => (entry.value === null ? null : { value: entry.value, timestamp: entry.timestamp }) });
      }
    }
    const out: KeyValue<Windowed<K>, ValueAndTimestamp<V>>[] = [];
    const order = [...merged.values()].sort((a, b) => a.start - b.start || Buffer.compare(a.keyBytes, b.keyBytes));
    for (const { keyBytes: kb, start, value } of order) {
      const v = value();
      if (v !== null) out.push({ key: { key: this.deserializeKey(kb), window: { start, end: start + this.windowSize } }, value: v });
    }
    return out;
  }

  fetchRange(key: K, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[] {
    return this.fetchRangeWithTimestamps(key, timeFrom, timeTo).map(({ key: k, value }) => ({ key: k, value: value.value }));
  }

  fetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[] {
    return this.fetchRangeWithTimestamps(undefined, timeFrom, timeTo).map(({ key: k, value }) => ({ key: k, value: value.value }));
  }

  all(): KeyValue<Windowed<K>, V>[] {
    return this.fetchAll(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  restore(records: Iterable<ChangelogRecord>): void {
    for (const record of records) {
      if (record.key === null) continue;
      const { key, windowStart } = parseWindowChangelogKey(record.key);
      this.inner.put(key, windowStart, record.value, Number(record.timestamp));
    }
  }

  entries(): { key: Buffer; value: Buffer; timestamp: number }[] {
    return this.inner.all().map((e) => ({ key: windowChangelogKey(e.key, e.windowStart), value: e.value, timestamp: e.timestamp }));
  }

  protected persist(entry: CacheEntry<K, V>): boolean {
    if (!this.inner.put(entry.keyBytes, entry.windowStart, entry.valueBytes, entry.timestamp)) return false;
    this.logger?.(windowChangelogKey(entry.keyBytes, entry.windowStart), entry.valueBytes, entry.timestamp, entry.source);
    this.onChangeWindowed?.({
      key: { key: entry.key, window: { start: entry.windowStart, end: entry.windowStart + this.windowSize } },
      newValue: entry.value,
      oldValue: entry.oldValue,
      timestamp: entry.timestamp,
      source: entry.source,
    });
    return true;
  }
}

/**
 * A session store (Kafka's SessionStore, with CachingSessionStore's cache): sessions keyed by key,
 * start and end. Cached, the updates of one session between commits collapse into one write and
 * one forward, and a merge's removals of the sessions it absorbed are cached as removals (a
 * session created and absorbed between two commits never reaches the changelog or downstream).
 * Reads see the cache over the store.
 */
export class SessionStore<K, V> extends SerdeStore<K, V> implements ManagedStore, ReadOnlySessionStore<K, V> {
  readonly kind = 'session' as const;
  readonly inner: InMemorySessionBytesStore;
  /** Told every session write or removal that leaves the cache (or at once, uncached), with the value downstream saw before. */
  onChangeSession: ((change: StoreChange<Windowed<K>, V>) => void) | undefined;
  /**
   * Per key (hex of its bytes), the cache keys of its cached sessions: the aggregation looks up a
   * key's sessions for every record, which must not cost a scan of the whole cache.
   */
  private readonly cachedByKey = new Map<string, Set<string>>();

  constructor(options: StoreSerdes<K, V> & { readonly retentionMs: number }) {
    super(options);
    this.inner = new InMemorySessionBytesStore(options.retentionMs);
  }

  /** Sessions of `key` ending at or after `earliestSessionEndTime` and starting at or before `latestSessionStartTime`, by start. */
  findSessionsWithTimestamps(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValue<Windowed<K>, ValueAndTimestamp<V>>[] {
    const keyBytes = this.serializeKey(key);
    const found = new Map<string, { start: number; end: number; value: () => ValueAndTimestamp<V> | null }>();
    for (const s of this.inner.findSessions(keyBytes, earliestSessionEndTime, latestSessionStartTime)) {
      found.set(`${s.start}:${s.end}`, { start: s.start, end: s.end, value: () => ({ value: this.deserializeValue(s.value), timestamp: s.timestamp }) });
    }
    const cacheKeys = this.cachedByKey.get(bytesKey(keyBytes));
    if (this.cache !== undefined && cacheKeys !== undefined) {
      const horizon = this.inner.streamTime - this.inner.retentionMs;
      for (const cacheKey of cacheKeys) {
        const entry = this.cache.get(cacheKey);
        if (entry === undefined) continue;
        const end = entry.windowEnd ?? entry.windowStart;
        if (end < earliestSessionEndTime || entry.windowStart > latestSessionStartTime || end <= horizon) continue;
        found.set(`${entry.windowStart}:${end}`, { start: entry.windowStart, end, value: () => (entry.value === null ? null : { value: entry.value, timestamp: entry.timestamp }) });
      }
    }
    const out: KeyValue<Windowed<K>, ValueAndTimestamp<V>>[] = [];
    for (const { start, end, value } of [...found.values()].sort((a, b) => a.start - b.start || a.end - b.end)) {
      const v = value();
      if (v !== null) out.push({ key: { key, window: { start, end } }, value: v });
    }
    return out;
  }

  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValue<Windowed<K>, V>[] {
    return this.findSessionsWithTimestamps(key, earliestSessionEndTime, latestSessionStartTime).map(({ key: k, value }) => ({ key: k, value: value.value }));
  }

  fetch(key: K): KeyValue<Windowed<K>, V>[] {
    return this.findSessions(key, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  all(): KeyValue<Windowed<K>, V>[] {
    const keys = new Map<string, Buffer>();
    for (const s of this.inner.all()) keys.set(bytesKey(s.key), s.key);
    for (const entry of this.cache?.values() ?? []) keys.set(bytesKey(entry.keyBytes), entry.keyBytes);
    return [...keys.keys()].sort().flatMap((k) => this.fetch(this.deserializeKey(keys.get(k)!)));
  }

  /** Writes (a value) or removes (null) one session. */
  put(session: Windowed<K>, value: V | null, timestamp: number, source: RecordContext): void {
    const keyBytes = this.serializeKey(session.key);
    const { start, end } = session.window;
    const current = (): V | null => {
      const stored = this.inner.fetchSession(keyBytes, start, end);
      return stored === undefined ? null : this.deserializeValue(stored.value);
    };
    const valueBytes = this.serializeValue(value);
    if (this.cache === undefined) {
      this.writeThrough({ key: session.key, keyBytes, windowStart: start, windowEnd: end, value, valueBytes, timestamp, oldValue: current(), source });
      return;
    }
    const k = bytesKey(keyBytes);
    const cacheKey = `${k}:${start}:${end}`;
    const cached = this.cache.get(cacheKey);
    const oldValue = cached !== undefined ? cached.oldValue : current();
    let cacheKeys = this.cachedByKey.get(k);
    if (cacheKeys === undefined) this.cachedByKey.set(k, (cacheKeys = new Set()));
    cacheKeys.add(cacheKey);
    this.cache.put(cacheKey, { key: session.key, keyBytes, windowStart: start, windowEnd: end, value, valueBytes, timestamp, oldValue, source }, cacheEntrySize(keyBytes, valueBytes) + 16);
  }

  restore(records: Iterable<ChangelogRecord>): void {
    for (const record of records) {
      if (record.key === null) continue;
      const { key, start, end } = parseSessionChangelogKey(record.key);
      this.inner.put(key, start, end, record.value, Number(record.timestamp));
    }
  }

  entries(): { key: Buffer; value: Buffer; timestamp: number }[] {
    return this.inner.all().map((e) => ({ key: sessionChangelogKey(e.key, e.start, e.end), value: e.value, timestamp: e.timestamp }));
  }

  protected persist(entry: CacheEntry<K, V>): boolean {
    const start = entry.windowStart;
    const end = entry.windowEnd ?? start;
    // Every entry leaving the cache (flush or eviction) passes here.
    const k = bytesKey(entry.keyBytes);
    const cacheKeys = this.cachedByKey.get(k);
    if (cacheKeys !== undefined && cacheKeys.delete(`${k}:${start}:${end}`) && cacheKeys.size === 0) this.cachedByKey.delete(k);
    // The removal of a session the store never held (created and absorbed by a merge between two
    // commits): nothing to delete, and nothing downstream ever saw (Kafka's CachingSessionStore
    // forwards only when the new or the old value is there).
    if (entry.valueBytes === null && this.inner.fetchSession(entry.keyBytes, start, end) === undefined) return false;
    if (!this.inner.put(entry.keyBytes, start, end, entry.valueBytes, entry.timestamp)) return false;
    this.logger?.(sessionChangelogKey(entry.keyBytes, start, end), entry.valueBytes, entry.timestamp, entry.source);
    this.onChangeSession?.({ key: { key: entry.key, window: { start, end } }, newValue: entry.value, oldValue: entry.oldValue, timestamp: entry.timestamp, source: entry.source });
    return true;
  }
}
