import { formatTopologyDescription } from './describe.ts';
import type { TopologyDescription } from './describe.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { GraphNode, InternalTopicNode } from '../processor/nodes.ts';
import { TopologyTask } from '../processor/stream-task.ts';
import type { SubtopologyNodes } from '../processor/stream-task.ts';
import type { InternalTopicSpec, RunnableTopology, StreamTask, SubtopologyInfo, TaskId, TaskOptions } from '../processor/task-api.ts';

/** Kafka Streams' settings for repartition topics (RepartitionTopicConfig): it purges them itself. */
const REPARTITION_TOPIC_CONFIGS = {
  'cleanup.policy': 'delete',
  'retention.ms': '-1',
  'segment.bytes': '52428800',
  'message.timestamp.type': 'CreateTime',
} as const;

/**
 * A built topology (`builder.build()`): the graph cut into sub-topologies, which the runtime
 * and the test driver turn into tasks. Immutable.
 */
export class Topology implements RunnableTopology {
  private readonly groups: readonly SubtopologyNodes[];
  private readonly internal: readonly InternalTopicNode[];

  /** @internal made by StreamsBuilder.build() */
  constructor(nodes: readonly GraphNode[], internalTopics: readonly InternalTopicNode[]) {
    this.groups = groupSubtopologies(nodes);
    this.internal = internalTopics;
  }

  /** Sub-topologies, sources, processors, sinks as Kafka Streams' TopologyDescription; `String()` prints it the same way. */
  describe(): TopologyDescription {
    return formatTopologyDescription(this.groups);
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
    return this.internal.map((topic) => {
      const group = this.groups.find((g) => g.nodes.some((n) => n.name === topic.sinkName))!;
      return {
        name: `${applicationId}-${topic.topic}`,
        numberOfPartitions: topic.numberOfPartitions,
        upstreamSourceTopics: infos[group.id]!.sourceTopics,
        configs: REPARTITION_TOPIC_CONFIGS,
      };
    });
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
function groupSubtopologies(nodes: readonly GraphNode[]): SubtopologyNodes[] {
  const root = new Map<string, string>();
  const find = (name: string): string => {
    let r = name;
    while (root.get(r) !== r) r = root.get(r)!;
    root.set(name, r);
    return r;
  };
  for (const node of nodes) root.set(node.name, node.name);
  for (const node of nodes) for (const parent of node.parents) root.set(find(node.name), find(parent));
  const groups = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    const r = find(node.name);
    let group = groups.get(r);
    if (group === undefined) groups.set(r, (group = []));
    group.push(node);
  }
  return [...groups.values()].map((group, id) => ({ id, nodes: group }));
}
