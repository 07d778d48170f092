import { ErrorCode } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import { kafkaError } from '../errors.ts';

/**
 * The partition count of each topic, from fresh metadata, as a group leader assigns from. A
 * topic that does not exist is absent (it gets partitions once created, and the leader's next
 * metadata check sees that); so is one the cluster refuses for good (not authorized, invalid
 * name), as Kafka's assignors skip it. Retriable errors (a topic still being created has no
 * leader yet) are retried until the request timeout, never taken for an empty topic.
 */
export async function partitionCounts(cluster: Cluster, topics: readonly string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  return cluster.retrying(async () => {
    const counts = new Map<string, number>();
    for (const topic of (await cluster.requestMetadata(topics)).topics) {
      if (topic.errorCode === ErrorCode.NONE) {
        if (topic.partitions.length > 0) counts.set(topic.name, topic.partitions.length);
        continue;
      }
      if (topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue;
      const error = kafkaError(topic.errorCode, `metadata for topic ${topic.name}`);
      if (error.retriable) throw error;
    }
    return counts;
  });
}

/** The partition counts of `topics` in `a` and `b` agree (absent counts as none). */
export function sameCounts(topics: readonly string[], a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  return topics.every((topic) => (a.get(topic) ?? 0) === (b.get(topic) ?? 0));
}

/** The cluster's non-internal topics matching any of `patterns` (a regex subscription). */
export async function matchingTopics(cluster: Cluster, patterns: readonly RegExp[]): Promise<string[]> {
  // A global or sticky regex keeps state between test() calls: match with a plain copy.
  const plain = patterns.map((p) => new RegExp(p.source, p.flags.replace('g', '').replace('y', '')));
  const names: string[] = [];
  for (const topic of (await cluster.requestMetadata(null)).topics) {
    if (topic.isInternal || topic.errorCode !== ErrorCode.NONE) continue;
    if (plain.some((p) => p.test(topic.name))) names.push(topic.name);
  }
  return names;
}
