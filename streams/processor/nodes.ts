import type { Observable, SchedulerLike } from 'rxjs';
import type { Deserializer, Serde } from '../../client/index.ts';
import type { Scheduler } from '../../core/base/index.ts';
import type { RecordErrorHook } from '../operators/record-step.ts';
import type { SegmentHooks } from '../operators/tracked-segment.ts';
import type { StreamRecord } from './record.ts';
import type { TaskId } from './task-api.ts';
import type { Hold } from './offset-tracker.ts';
import type { TaskStateManager } from '../state/state-manager.ts';

/** Records inside the compiled graph are untyped: the DSL's generics check them where they are built. */
export type AnyRecord = StreamRecord<unknown, unknown>;

/**
 * Kafka's TimestampExtractor: the event time of a consumed record, given deserialized, with the
 * broker's timestamp in `timestamp`. `partitionTime` is the largest timestamp the task has seen,
 * -1 before any. A negative or non-finite answer is an invalid timestamp: the record fails.
 */
export type TimestampExtractor<K = unknown, V = unknown> = (record: StreamRecord<K, V>, partitionTime: number) => number;

/** Kafka's StreamPartitioner: the partition for a record, or undefined for the producer's default. */
export type StreamPartitioner<K, V> = (topic: string, key: K, value: V, partitionCount: number) => number | undefined;

/** Kafka's TopicNameExtractor: the topic a sink writes one record to. */
export type TopicNameExtractor<K, V> = (key: K, value: V, record: StreamRecord<K, V>) => string;

/** What a processor node gets when a task builds its piece of the pipeline. */
export interface NodeContext {
  readonly taskId: TaskId;
  readonly nodeName: string;
  readonly scheduler: Scheduler;
  /** The task's time as an RxJS scheduler, for time-based RxJS operators. */
  readonly rxScheduler: SchedulerLike;
  /** Per-record failures of user functions: returns to drop the record, throws to fail the task. */
  readonly onError: RecordErrorHook<AnyRecord>;
  /** For async stages: hold a record's offset back from commits (and from flush()) until released. */
  readonly asyncHooks: SegmentHooks<Hold>;
  /** For opaque user operators: hold records back from commits, but not from flush(). */
  readonly segmentHooks: SegmentHooks<Hold>;
  /** The task's state stores (those the topology connects to this sub-topology). */
  readonly state: TaskStateManager;
  /**
   * A record a window operation refused as late: counted in the task's dropped-records metric
   * and, when `topic` is given, written there with the raw bytes it was consumed with.
   */
  readonly dropLate: (record: AnyRecord, topic: string | undefined) => void;
  /** The config's default serdes, for processors that serialize themselves (a foreign-key join). */
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
}

interface NodeBase {
  readonly name: string;
  /** Creation order; sub-topologies are numbered by their first node. */
  readonly order: number;
  readonly parents: readonly string[];
}

export interface SourceNode extends NodeBase {
  readonly kind: 'source';
  /** Topic names; for an internal (repartition) source, the unprefixed `<name>-repartition`. */
  readonly topics: readonly string[];
  readonly pattern: RegExp | undefined;
  readonly internal: boolean;
  readonly keySerde: Deserializer<unknown> | undefined;
  readonly valueSerde: Deserializer<unknown> | undefined;
  readonly timestampExtractor: TimestampExtractor | undefined;
  /** Wraps the resolved value serde (internal topics carrying table changes). */
  readonly wrapValueSerde?: (serde: Deserializer<unknown>) => Deserializer<unknown>;
}

export interface ProcessorNode extends NodeBase {
  readonly kind: 'processor';
  readonly stores: readonly string[];
  build(inputs: readonly Observable<unknown>[], context: NodeContext): Observable<unknown>;
}

export interface SinkNode extends NodeBase {
  readonly kind: 'sink';
  readonly topic: string | TopicNameExtractor<unknown, unknown>;
  /** A repartition sink: the topic is prefixed with the application id. */
  readonly internal: boolean;
  readonly keySerde: Serde<unknown> | undefined;
  readonly valueSerde: Serde<unknown> | undefined;
  readonly partitioner: StreamPartitioner<unknown, unknown> | undefined;
  /** Wraps the resolved value serde (internal topics carrying table changes). */
  readonly wrapValueSerde?: (serde: Serde<unknown>) => Serde<unknown>;
}

export type GraphNode = SourceNode | ProcessorNode | SinkNode;

/** An internal topic as the builder records it, before the application id is known. */
export interface InternalTopicNode {
  /** `<name>-repartition`, or a foreign-key join's `…-SUBSCRIPTION-REGISTRATION-<n>-topic` / `…-SUBSCRIPTION-RESPONSE-<n>-topic`. */
  readonly topic: string;
  readonly numberOfPartitions: number | undefined;
  /** The sink node writing it. */
  readonly sinkName: string;
}
