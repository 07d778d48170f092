import type { SubtopologyNodes } from '../processor/stream-task.ts';
import type { GlobalTableNode } from './internal-builder.ts';

export interface NodeDescription {
  readonly kind: 'source' | 'processor' | 'sink';
  readonly name: string;
  /** Sources: topic names, or the pattern's source for a RegExp source. */
  readonly topics?: readonly string[] | string;
  /** Sinks: the topic, or undefined when an extractor picks it per record. */
  readonly topic?: string | undefined;
  readonly stores?: readonly string[];
  readonly predecessors: readonly string[];
  readonly successors: readonly string[];
}

export interface SubtopologyDescription {
  readonly id: number;
  /** In Kafka's print order: larger downstream graphs first, then by name. */
  readonly nodes: readonly NodeDescription[];
}

export interface TopologyDescription {
  readonly subtopologies: readonly SubtopologyDescription[];
  /** Kafka Streams' TopologyDescription#toString, character for character. */
  toString(): string;
}

/** Java's `List.toString`: `[a, b]`. */
function javaList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

function names(list: readonly string[]): string {
  return list.length === 0 ? 'none' : list.join(', ');
}

/**
 * Describes sub-topologies as Kafka Streams does (InternalTopologyBuilder#describe): within a
 * sub-topology, nodes (and each node's neighbours) are ordered by the size of the graph below
 * them, largest first, ties by name — so sources come first and sinks last.
 */
export function formatTopologyDescription(groups: readonly SubtopologyNodes[], globals: readonly GlobalTableNode[] = []): TopologyDescription {
  const subtopologies = groups.map((group) => describeGroup(group));
  return {
    subtopologies,
    toString() {
      let text = 'Topologies:\n ';
      for (const subtopology of subtopologies) {
        text += `  Sub-topology: ${subtopology.id}\n`;
        for (const node of subtopology.nodes) text += `    ${nodeLine(node)}\n`;
        text += '\n';
      }
      // Kafka numbers global store groups among the others; Brook keeps task ids stable and
      // numbers them after the sub-topologies that make tasks.
      globals.forEach((global, i) => {
        text += `  Sub-topology: ${groups.length + i} for global store (will not generate tasks)\n`;
        text += `    Source: ${global.sourceName} (topics: [${global.topic}])\n      --> ${global.processorName}\n`;
        text += `    Processor: ${global.processorName} (stores: [${global.store.name}])\n      --> none\n      <-- ${global.sourceName}\n\n`;
      });
      return text;
    },
  };
}

function nodeLine(node: NodeDescription): string {
  switch (node.kind) {
    case 'source': {
      const topics = typeof node.topics === 'string' ? node.topics : javaList(node.topics ?? []);
      return `Source: ${node.name} (topics: ${topics})\n      --> ${names(node.successors)}`;
    }
    case 'processor':
      return `Processor: ${node.name} (stores: ${javaList(node.stores ?? [])})\n      --> ${names(node.successors)}\n      <-- ${names(node.predecessors)}`;
    case 'sink':
      return node.topic === undefined
        ? `Sink: ${node.name} (extractor class: topic name extractor)\n      <-- ${names(node.predecessors)}`
        : `Sink: ${node.name} (topic: ${node.topic})\n      <-- ${names(node.predecessors)}`;
  }
}

function describeGroup(group: SubtopologyNodes): SubtopologyDescription {
  const successors = new Map<string, string[]>(group.nodes.map((n) => [n.name, []]));
  for (const node of group.nodes) for (const parent of node.parents) successors.get(parent)?.push(node.name);
  // Kafka's size: 1 + the sizes of the successors (a node reached twice counts twice).
  const sizes = new Map<string, number>();
  const size = (name: string): number => {
    let s = sizes.get(name);
    if (s === undefined) {
      s = 1 + successors.get(name)!.reduce((sum, child) => sum + size(child), 0);
      sizes.set(name, s);
    }
    return s;
  };
  const order = (a: string, b: string): number => size(b) - size(a) || (a < b ? -1 : a > b ? 1 : 0);
  const nodes = group.nodes
    .map((node): NodeDescription => {
      const neighbours = {
        predecessors: [...node.parents].sort(order),
        successors: [...successors.get(node.name)!].sort(order),
      };
      switch (node.kind) {
        case 'source':
          return { kind: 'source', name: node.name, topics: node.pattern !== undefined ? node.pattern.source : node.topics, ...neighbours };
        case 'processor':
          return { kind: 'processor', name: node.name, stores: node.stores, ...neighbours };
        case 'sink':
          return { kind: 'sink', name: node.name, topic: typeof node.topic === 'string' ? node.topic : undefined, ...neighbours };
      }
    })
    .sort((a, b) => order(a.name, b.name));
  return { id: group.id, nodes };
}
