import type { Observable } from 'rxjs';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { StoreSpec } from '../state/state-manager.ts';
import type { GraphNode, InternalTopicNode, NodeContext, SinkNode, SourceNode } from '../processor/nodes.ts';

/** Kafka Streams' node name prefixes, so generated names (and describe()) read the same. */
export const NodePrefix = {
  SOURCE: 'KSTREAM-SOURCE-',
  SINK: 'KSTREAM-SINK-',
  FILTER: 'KSTREAM-FILTER-',
  MAP: 'KSTREAM-MAP-',
  MAPVALUES: 'KSTREAM-MAPVALUES-',
  FLATMAP: 'KSTREAM-FLATMAP-',
  FLATMAPVALUES: 'KSTREAM-FLATMAPVALUES-',
  KEY_SELECT: 'KSTREAM-KEY-SELECT-',
  PEEK: 'KSTREAM-PEEK-',
  FOREACH: 'KSTREAM-FOREACH-',
  PROCESSVALUES: 'KSTREAM-PROCESSVALUES-',
  MERGE: 'KSTREAM-MERGE-',
  BRANCH: 'KSTREAM-BRANCH-',
  REPARTITION: 'KSTREAM-REPARTITION-',
  // Brook's own operations, named in the same style.
  MAPASYNC: 'KSTREAM-MAPASYNC-',
  PIPE: 'KSTREAM-PIPE-',
  // Streams II: tables, aggregations, windows, joins (Kafka Streams' prefixes).
  AGGREGATE: 'KSTREAM-AGGREGATE-',
  REDUCE: 'KSTREAM-REDUCE-',
  KTABLE_SOURCE: 'KTABLE-SOURCE-',
  KTABLE_FILTER: 'KTABLE-FILTER-',
  KTABLE_MAPVALUES: 'KTABLE-MAPVALUES-',
  KTABLE_TOSTREAM: 'KTABLE-TOSTREAM-',
  KTABLE_SELECT: 'KTABLE-SELECT-',
  KTABLE_AGGREGATE: 'KTABLE-AGGREGATE-',
  KTABLE_REDUCE: 'KTABLE-REDUCE-',
  KTABLE_JOINTHIS: 'KTABLE-JOINTHIS-',
  KTABLE_JOINOTHER: 'KTABLE-JOINOTHER-',
  KTABLE_MERGE: 'KTABLE-MERGE-',
  KTABLE_SUPPRESS: 'KTABLE-SUPPRESS-',
  // Foreign-key joins (KIP-213), as Kafka's KTableImpl#doJoinOnForeignKey names them.
  KTABLE_FK_JOIN_SUBSCRIPTION_REGISTRATION: 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-',
  KTABLE_FK_JOIN_SUBSCRIPTION_STATE_STORE: 'KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-',
  KTABLE_FK_JOIN_SUBSCRIPTION_PROCESSOR: 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-',
  KTABLE_FK_JOIN_SUBSCRIPTION_RESPONSE: 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-',
  KTABLE_FK_JOIN_RESPONSE_RESOLVER: 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-',
  KTABLE_FK_JOIN_OUTPUT: 'KTABLE-FK-JOIN-OUTPUT-',
  SESSION_AGGREGATE: 'KSTREAM-SESSION-AGGREGATE-',
  JOIN: 'KSTREAM-JOIN-',
  LEFTJOIN: 'KSTREAM-LEFTJOIN-',
  OUTERJOIN: 'KSTREAM-OUTERJOIN-',
  JOINTHIS: 'KSTREAM-JOINTHIS-',
  JOINOTHER: 'KSTREAM-JOINOTHER-',
  OUTERTHIS: 'KSTREAM-OUTERTHIS-',
  OUTEROTHER: 'KSTREAM-OUTEROTHER-',
  WINDOWED: 'KSTREAM-WINDOWED-',
  MERGE_JOIN: 'KSTREAM-MERGE-',
} as const;

/** A table read from a topic into every instance (builder.globalTable): no tasks, a store fed from all partitions. */
export interface GlobalTableNode {
  readonly topic: string;
  readonly sourceName: string;
  readonly processorName: string;
  readonly store: StoreSpec;
}

/** The graph a StreamsBuilder grows: nodes in creation order, one name counter, internal topics. */
export class InternalBuilder {
  readonly nodes: GraphNode[] = [];
  readonly internalTopics: InternalTopicNode[] = [];
  readonly stores: StoreSpec[] = [];
  readonly globalTables: GlobalTableNode[] = [];
  /** Processor nodes whose inputs must be co-partitioned (joins). */
  readonly copartitioned = new Set<string>();
  /**
   * Makes a KStream on this builder. Set by StreamsBuilder: tables turn into streams
   * (toStream), and a direct import of KStream here would make a module cycle.
   * @internal
   */
  streamFactory: ((nodeName: string, serdes: { keySerde: unknown; valueSerde: unknown }, repartitionRequired: boolean) => unknown) | undefined;
  private index = 0;
  private readonly names = new Set<string>();
  private readonly topics = new Set<string>();

  /** `KSTREAM-FILTER-0000000001`: the prefix and the builder-wide counter, which every new name advances. */
  newName(prefix: string): string {
    return `${prefix}${String(this.index++).padStart(10, '0')}`;
  }

  /** The user's name if given (no counter used, as Kafka's Named), else a generated one. */
  nameOr(prefix: string, given: string | undefined): string {
    if (given === undefined) return this.newName(prefix);
    if (given === '') throw new StreamsError(StreamsErrorCode.TOPOLOGY, 'a processor name must not be empty');
    return given;
  }

  addSource(node: Omit<SourceNode, 'kind' | 'order' | 'parents'>): void {
    for (const topic of node.topics) {
      if (this.topics.has(topic)) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `topic '${topic}' is already read by another source; read it once and share the stream`);
      this.topics.add(topic);
    }
    this.add({ ...node, kind: 'source', parents: [], order: this.nodes.length });
  }

  /** `KSTREAM-AGGREGATE-STATE-STORE-0000000003`: Kafka's generated store names draw from the same counter. */
  newStoreName(prefix: string): string {
    return this.newName(`${prefix}STATE-STORE-`);
  }

  addProcessor(name: string, parents: readonly string[], build: (inputs: readonly Observable<unknown>[], context: NodeContext) => Observable<unknown>, stores: readonly string[] = []): void {
    this.add({ kind: 'processor', name, parents, stores, build, order: this.nodes.length });
  }

  addStore(spec: StoreSpec): void {
    if (this.stores.some((s) => s.name === spec.name) || this.globalTables.some((g) => g.store.name === spec.name)) {
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the store name '${spec.name}' is used twice; store names must be unique in a topology`);
    }
    this.stores.push(spec);
  }

  addGlobalTable(node: GlobalTableNode): void {
    for (const name of [node.sourceName, node.processorName]) {
      if (this.names.has(name)) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the name '${name}' is used by two nodes; names must be unique in a topology`);
      this.names.add(name);
    }
    if (this.topics.has(node.topic)) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `topic '${node.topic}' is already read by another source; read it once and share the stream`);
    this.topics.add(node.topic);
    this.addStore(node.store);
    this.stores.pop();
    this.globalTables.push(node);
  }

  addSink(node: Omit<SinkNode, 'kind' | 'order'>): void {
    this.add({ ...node, kind: 'sink', order: this.nodes.length });
  }

  private add(node: GraphNode): void {
    if (this.names.has(node.name)) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the name '${node.name}' is used by two nodes; names must be unique in a topology`);
    this.names.add(node.name);
    this.nodes.push(node);
  }
}
