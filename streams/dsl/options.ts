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
