import type { Serde } from '../../client/index.ts';
import type { StreamPartitioner, TimestampExtractor } from '../processor/nodes.ts';

/** How a source reads (Kafka's Consumed). */
export interface Consumed<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly timestampExtractor?: TimestampExtractor<K | null, V | null>;
  /** The source node's name instead of KSTREAM-SOURCE-nnnnnnnnnn. */
  readonly name?: string;
}

/** How a sink writes (Kafka's Produced). */
export interface Produced<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly partitioner?: StreamPartitioner<K, V>;
  readonly name?: string;
}

/** How repartition() writes its internal topic (Kafka's Repartitioned). */
export interface Repartitioned<K, V> {
  /** Names the topic `<applicationId>-<name>-repartition` and its nodes `<name>-repartition-sink/-filter/-source`. */
  readonly name?: string;
  /** Default: the most partitions among the upstream source topics. */
  readonly numberOfPartitions?: number;
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly partitioner?: StreamPartitioner<K, V>;
}

export interface MapAsyncConfig {
  /** Most calls in flight per task; records with equal keys still run one at a time, in order. */
  readonly concurrency: number;
  readonly name?: string;
}

/**
 * How a stateful operation keeps its store (Kafka's Materialized). Naming the store makes it
 * queryable by that name and names its changelog `<applicationId>-<storeName>-changelog`.
 */
export interface Materialized<K, V> {
  readonly storeName?: string | undefined;
  readonly keySerde?: Serde<K> | undefined;
  readonly valueSerde?: Serde<V> | undefined;
  /** Default true: the store is backed by a compacted changelog topic and restored from it. */
  readonly loggingEnabled?: boolean | undefined;
  /** Default true: updates collapse in a record cache between commits. */
  readonly cachingEnabled?: boolean | undefined;
  /** Window and session stores: how long windows are kept; at least window size + grace (the default). */
  readonly retentionMs?: number | undefined;
}

/** How a grouping repartitions (Kafka's Grouped): the name becomes `<name>-repartition`. */
export interface Grouped<K, V> {
  readonly name?: string | undefined;
  readonly keySerde?: Serde<K> | undefined;
  readonly valueSerde?: Serde<V> | undefined;
}

/** Serdes of a stream-table join's stream side and the processor name (Kafka's Joined). */
export interface Joined<K, V, VO> {
  readonly keySerde?: Serde<K> | undefined;
  readonly valueSerde?: Serde<V> | undefined;
  readonly otherValueSerde?: Serde<VO> | undefined;
  readonly name?: string | undefined;
}

/** Serdes of a stream-stream join's window stores (Kafka's StreamJoined). */
export interface StreamJoined<K, V, VO> {
  readonly keySerde?: Serde<K> | undefined;
  readonly valueSerde?: Serde<V> | undefined;
  readonly otherValueSerde?: Serde<VO> | undefined;
  /** Names the stores `<storeName>-this-join-store` / `-other-join-store` instead of generated names. */
  readonly storeName?: string | undefined;
  readonly loggingEnabled?: boolean | undefined;
}

/**
 * How a foreign-key table join names its parts and keeps its result (Kafka's TableJoined, with
 * the Materialized Kafka passes beside it).
 */
export interface TableJoined<K, VR> {
  /**
   * Names the join's nodes, stores and topics from this instead of generated names:
   * `<name>-subscription-registration-topic`, `<name>-subscription-store`, `<name>-result`, …
   */
  readonly name?: string | undefined;
  /**
   * Keeps the result in a store (queryable by `storeName`). Without it the result is kept only
   * when something downstream needs it (a join with it, a groupBy), as Kafka does.
   */
  readonly materialized?: Materialized<K, VR> | undefined;
}
