import type { Observable } from 'rxjs';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
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
} as const;

/** The graph a StreamsBuilder grows: nodes in creation order, one name counter, internal topics. */
export class InternalBuilder {
  readonly nodes: GraphNode[] = [];
  readonly internalTopics: InternalTopicNode[] = [];
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

  addProcessor(name: string, parents: readonly string[], build: (inputs: readonly Observable<unknown>[], context: NodeContext) => Observable<unknown>): void {
    this.add({ kind: 'processor', name, parents, stores: [], build, order: this.nodes.length });
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
