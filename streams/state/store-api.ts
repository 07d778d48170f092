/**
 * State store contracts, with Kafka Streams' names. Reads return arrays, not iterators: a
 * snapshot cannot leak (Kafka's iterators must be closed, and unclosed ones are a classic leak),
 * and the stores are in memory, so a range costs the same either way.
 */
import type { KeyValue } from '../processor/record.ts';

/** A time window: `[start, end)` for time windows, `[start, end]` for sliding and session windows. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** A key of a windowed table (Kafka's Windowed<K>). */
export interface Windowed<K> {
  readonly key: K;
  readonly window: Window;
}

/** A value and the timestamp it carries (Kafka's ValueAndTimestamp): the max of the records it was made of. */
export interface ValueAndTimestamp<V> {
  readonly value: V;
  readonly timestamp: number;
}

/** Read-only key-value access, for interactive queries and value getters. */
export interface ReadOnlyKeyValueStore<K, V> {
  readonly name: string;
  get(key: K): V | undefined;
  /** Entries with `from <= key <= to` in serialized-key byte order (as Kafka's stores sort); an undefined bound is open. */
  range(from: K | undefined, to: K | undefined): KeyValue<K, V>[];
  /** Every entry, in serialized-key byte order. */
  all(): KeyValue<K, V>[];
  approximateNumEntries(): number;
}

/** Read-only window access: per key, one value per window start. */
export interface ReadOnlyWindowStore<K, V> {
  readonly name: string;
  /** The value of the window of `key` that starts at `windowStart`. */
  fetch(key: K, windowStart: number): V | undefined;
  /** Windows of `key` with `timeFrom <= start <= timeTo`, by start. */
  fetchRange(key: K, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  /** Windows of every key with `timeFrom <= start <= timeTo`. */
  fetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  all(): KeyValue<Windowed<K>, V>[];
}

/** Read-only session access. */
export interface ReadOnlySessionStore<K, V> {
  readonly name: string;
  /** Sessions of `key`, by start. */
  fetch(key: K): KeyValue<Windowed<K>, V>[];
  /** Sessions of `key` that end at or after `earliestSessionEndTime` and start at or before `latestSessionStartTime`. */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValue<Windowed<K>, V>[];
  all(): KeyValue<Windowed<K>, V>[];
}

export type StoreKind = 'keyValue' | 'window' | 'session';

/** Any store of the three kinds, read-only, as interactive queries get it. */
export type ReadOnlyStore = ReadOnlyKeyValueStore<unknown, unknown> | ReadOnlyWindowStore<unknown, unknown> | ReadOnlySessionStore<unknown, unknown>;
