import { StreamsError, StreamsErrorCode } from '../errors.ts';

/**
 * Checks that each group of joined topics has one partition count, as Kafka Streams does at
 * start (CopartitionedTopicsEnforcer): a join of 3 partitions with 2 would pair keys of
 * different partitions and silently miss matches. Repartition topics (`repartitionTopics`) are
 * not checked but sized: the answer maps each to the count its group needs, for the runtime to
 * create them with. A topic whose count is unknown (undefined) is an error too: it must exist.
 */
export function checkCopartitioning(groups: readonly (readonly string[])[], partitionCount: (topic: string) => number | undefined, repartitionTopics: ReadonlySet<string> = new Set()): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const group of groups) {
    const external = group.filter((topic) => !repartitionTopics.has(topic));
    // Only repartition topics: they all take the upstream rule's size, nothing to compare.
    if (external.length === 0) continue;
    const counts = external.map((topic) => ({ topic, count: partitionCount(topic) }));
    const missing = counts.filter((c) => c.count === undefined);
    if (missing.length > 0) throw new StreamsError(StreamsErrorCode.TOPOLOGY, `cannot check co-partitioning: topic${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c.topic}'`).join(', ')} not found`);
    const distinct = new Set(counts.map((c) => c.count));
    if (distinct.size > 1) {
      const list = counts.map((c) => `'${c.topic}' (${c.count} partitions)`).join(', ');
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, `topics ${list} are joined but not co-partitioned: they need the same number of partitions; repartition one side (repartition({ numberOfPartitions })) or recreate the topic`);
    }
    const count = counts[0]!.count!;
    for (const topic of group) if (repartitionTopics.has(topic)) sizes.set(topic, count);
  }
  return sizes;
}
