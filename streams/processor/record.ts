/** A record header: keys are strings, order is kept and a key may repeat (Kafka's headers). */
export interface Header {
  readonly key: string;
  readonly value: Buffer | null;
}

/**
 * Where a record comes from: the task input it derives from. Kafka Streams calls this the record
 * context; Brook also uses it as the record's provenance for commits (see README "At-least-once").
 */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * The record every stream carries. `timestamp` is a number of milliseconds: event-time arithmetic
 * (windows, grace) reads better on numbers, and they are exact far beyond any real timestamp.
 * The source fields are plain data so that `{ ...record, value }` keeps them.
 */
export interface StreamRecord<K, V> extends SourcePosition {
  readonly key: K;
  readonly value: V;
  readonly timestamp: number;
  readonly headers: readonly Header[];
}

/** A key and a value, as map/flatMap return them and output topics read them (Kafka's KeyValue). */
export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

/** Builds a KeyValue: `keyValue('alice', 3)`. */
export function keyValue<K, V>(key: K, value: V): KeyValue<K, V> {
  return { key, value };
}
