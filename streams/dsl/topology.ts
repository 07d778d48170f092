import { formatTopologyDescription } from './describe.ts';
import type { TopologyDescription } from './describe.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { GraphNode, InternalTopicNode } from '../processor/nodes.ts';
import { TopologyTask } from '../processor/stream-task.ts';
import type { SubtopologyNodes } from '../processor/stream-task.ts';
import type { InternalTopicSpec, RunnableTopology, StreamTask, SubtopologyInfo, TaskId, TaskOptions } from '../processor/task-api.ts';
import { changelogTopicName } from '../state/changelog.ts';
import type { GlobalTableSpec } from '../state/global-stores.ts';
import type { StoreSpec } from '../state/state-manager.ts';
import type { GlobalTableNode } from './internal-builder.ts';

/** Kafka Streams' settings for repartition topics (RepartitionTopicConfig): it purges them itself. */
const REPARTITION_TOPIC_CONFIGS = {
  'cleanup.policy': 'delete',
  'retention.ms': '-1',
  'segment.bytes': '52428800',
  'message.timestamp.type': 'CreateTime',
} as const;

/** Kafka Streams' windowstore.changelog.additional.retention.ms default. */
const CHANGELOG_ADDITIONAL_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * A built topology (`builder.build()`): the graph cut into sub-topologies, which the runtime
 * and the test driver turn into tasks. Immutable.
 */
export class Topology implements RunnableTopology {
  private readonly groups: readonly SubtopologyNodes[];
  private readonly internal: readonly InternalTopicNode[];
  private readonly globals: readonly GlobalTableNode[];
  private readonly copartitioned: readonly string[];

  /** @internal made by StreamsBuilder.build() */
  constructor(nodes: readonly GraphNode[], internalTopics: readonly InternalTopicNode[], stores: readonly StoreSpec[] = [], globals: readonly GlobalTableNode[] = [], copartitioned: readonly string[] = []) {
    this.groups = groupSubtopologies(nodes, stores);
    this.internal = internalTopics;
    this.globals = globals;
    this.copartitioned = copartitioned;
  }

  /**
   * The topic sets that must be co-partitioned (same partition count): the source topics of each
   * sub-topology that joins. Check them with `checkCopartitioning` before starting tasks.
   */
  copartitionGroups(applicationId: string): string[][] {
    const infos = this.subtopologies(applicationId);
    return this.groups
      .filter((group) => group.nodes.some((node) => this.copartitioned.includes(node.name)))
      .map((group) => [...infos[group.id]!.sourceTopics])
      .filter((topics) => topics.length > 1);
  }

  /** Sub-topologies, sources, processors, sinks as Kafka Streams' TopologyDescription; `String()` prints it the same way. */
  describe(): TopologyDescription {
    return formatTopologyDescription(this.groups, this.globals);
  }

  /** Global tables: the runtime reads every partition of each topic into one GlobalStateStores per instance. */
  globalTables(): GlobalTableSpec[] {
    return this.globals.map((g) => ({ topic: g.topic, store: g.store }));
  }

  /** Every store name, with the sub-topology that holds it (-1 for global stores): for interactive queries. */
  storeNames(): { readonly name: string; readonly kind: StoreSpec['kind']; readonly subtopology: number }[] {
    return [
      ...this.groups.flatMap((g) => (g.stores ?? []).map((s) => ({ name: s.name, kind: s.kind, subtopology: g.id }))),
      ...this.globals.map((g) => ({ name: g.store.name, kind: g.store.kind, subtopology: -1 })),
    ];
  }

  subtopologies(applicationId: string): SubtopologyInfo[] {
    return this.groups.map((group) => {
      const sourceTopics: string[] = [];
      const repartitionSourceTopics: string[] = [];
      const sourcePatterns: RegExp[] = [];
      const sinkTopics: string[] = [];
      for (const node of group.nodes) {
        if (node.kind === 'source') {
          for (const topic of node.topics) {
            const resolved = node.internal ? `${applicationId}-${topic}` : topic;
            sourceTopics.push(resolved);
            if (node.internal) repartitionSourceTopics.push(resolved);
          }
          if (node.pattern !== undefined) sourcePatterns.push(node.pattern);
        } else if (node.kind === 'sink' && typeof node.topic === 'string') {
          sinkTopics.push(node.internal ? `${applicationId}-${node.topic}` : node.topic);
        }
      }
      return { id: group.id, sourceTopics, sourcePatterns, repartitionSourceTopics, sinkTopics };
    });
  }

  internalTopics(applicationId: string): InternalTopicSpec[] {
    const infos = this.subtopologies(applicationId);
    const repartition = this.internal.map((topic): InternalTopicSpec => {
      const group = this.groups.find((g) => g.nodes.some((n) => n.name === topic.sinkName))!;
      return {
        name: `${applicationId}-${topic.topic}`,
        numberOfPartitions: topic.numberOfPartitions,
        upstreamSourceTopics: infos[group.id]!.sourceTopics,
        configs: REPARTITION_TOPIC_CONFIGS,
      };
    });
    // A changelog has as many partitions as the task's inputs: one changelog partition per task.
    const changelogs = this.groups.flatMap((group) =>
      (group.stores ?? [])
        .filter((store) => store.logged)
        .map(
          (store): InternalTopicSpec => ({
            name: changelogTopicName(applicationId, store.name),
            numberOfPartitions: undefined,
            upstreamSourceTopics: infos[group.id]!.sourceTopics,
            configs:
              store.kind === 'keyValue'
                ? { 'cleanup.policy': 'compact' }
                : { 'cleanup.policy': 'compact,delete', 'retention.ms': String((store.retentionMs ?? 0) + CHANGELOG_ADDITIONAL_RETENTION_MS) },
            kind: 'changelog',
          }),
        ),
    );
    return [...repartition, ...changelogs];
  }

  createTask(id: TaskId, options: TaskOptions): StreamTask {
    const group = this.groups[id.subtopology];
    if (group === undefined) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `the topology has no sub-topology ${id.subtopology} (it has ${this.groups.length})`);
    if (!Number.isInteger(id.partition) || id.partition < 0) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `a task's partition must be an integer >= 0, not ${id.partition}`);
    return new TopologyTask(group, id, options);
  }
}

/**
 * Connected pieces of the graph (edges run parent → child; internal topics are not edges),
 * numbered in the order of their first node, as Kafka Streams numbers node groups.
 */
function groupSubtopologies(nodes: readonly GraphNode[], stores: readonly StoreSpec[]): SubtopologyNodes[] {
  const root = new Map<string, string>();
  const find = (name: string): string => {
    let r = name;
    while (root.get(r) !== r) r = root.get(r)!;
    root.set(name, r);
    return r;
  };
  for (const node of nodes) root.set(node.name, node.name);
  for (const node of nodes) for (const parent of node.parents) root.set(find(node.name), find(parent));
  // Processors sharing a store run in one task (a join reads the table's store), as Kafka groups them.
  const storeOwner = new Map<string, string>();
  for (const node of nodes) {
    if (node.kind !== 'processor') continue;
    for (const store of node.stores) {
      const owner = storeOwner.get(store);
      if (owner === undefined) storeOwner.set(store, node.name);
      else root.set(find(node.name), find(owner));
    }
  }
  const groups = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    const r = find(node.name);
    let group = groups.get(r);
    if (group === undefined) groups.set(r, (group = []));
    group.push(node);
  }
  return [...groups.values()].map((group, id) => {
    const used = new Set(group.flatMap((n) => (n.kind === 'processor' ? n.stores : [])));
    return { id, nodes: group, stores: stores.filter((s) => used.has(s.name)) };
  });
}
