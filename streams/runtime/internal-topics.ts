import type { Admin } from '../../client/index.ts';
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { InternalTopicSpec } from '../processor/task-api.ts';

/**
 * Partition counts of the topics named: existing ones from the cluster; a missing one fails the
 * app, as Kafka Streams' MissingSourceTopicException does, rather than waiting silently.
 */
export async function describePartitionCounts(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (topics.length === 0) return counts;
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new StreamsError(StreamsErrorCode.TOPOLOGY, `source topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `'${t}'`).join(', ')} not found: create ${missing.length > 1 ? 'them' : 'it'} before starting the app`);
  }
  for (const description of await admin.describeTopics(topics)) counts.set(description.name, description.partitions.length);
  return counts;
}

/**
 * Creates the internal topics a topology needs (repartition topics and store changelogs, with
 * the configs the topology gives), with Kafka Streams' rule for their size: the count the user
 * set, else the count a co-partitioned join needs (`copartitioned`), else the most partitions among the topics the writing sub-topology reads
 * (which may themselves be repartition topics, so counts are worked out in dependency order).
 * An existing topic of another size is an error: records keyed for one count would be routed
 * to the wrong tasks with another. Returns every internal topic's partition count.
 */
export async function ensureInternalTopics(
  admin: Admin,
  specs: readonly InternalTopicSpec[],
  sourceCounts: ReadonlyMap<string, number>,
  copartitioned: ReadonlyMap<string, number> = new Map(),
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const pending = [...specs];
  while (pending.length > 0) {
    const ready = pending.findIndex((spec) => spec.numberOfPartitions !== undefined || copartitioned.has(spec.name) || spec.upstreamSourceTopics.every((t) => sourceCounts.has(t) || counts.has(t)));
    if (ready < 0) {
      throw new StreamsError(StreamsErrorCode.TOPOLOGY, `cannot size the repartition topics ${pending.map((s) => `'${s.name}'`).join(', ')}: their upstream topics are unknown; give repartition() a numberOfPartitions`);
    }
    const spec = pending.splice(ready, 1)[0]!;
    const upstream = spec.upstreamSourceTopics.map((t) => sourceCounts.get(t) ?? counts.get(t) ?? 0);
    // A repartition topic joined with an external topic takes that topic's count (the join needs
    // them co-partitioned); a changelog has one partition per task, as many as its task's inputs.
    const partitions = spec.numberOfPartitions ?? copartitioned.get(spec.name) ?? Math.max(1, ...upstream);
    counts.set(spec.name, partitions);
  }
  if (counts.size === 0) return counts;
  const existing = new Set(await admin.listTopics());
  const toCreate = specs.filter((s) => !existing.has(s.name));
  if (toCreate.length > 0) {
    try {
      await admin.createTopics(toCreate.map((s) => ({ topic: s.name, numPartitions: counts.get(s.name)!, configs: s.configs })));
    } catch (error) {
      // Another instance of the app created it first: the size check below decides.
      if ((error as { errorName?: unknown }).errorName !== 'TOPIC_ALREADY_EXISTS') throw error;
    }
  }
  for (const description of await admin.describeTopics([...counts.keys()])) {
    const want = counts.get(description.name)!;
    if (description.partitions.length !== want) {
      throw new StreamsError(
        StreamsErrorCode.TOPOLOGY,
        `${specs.find((s) => s.name === description.name)?.kind ?? 'repartition'} topic '${description.name}' has ${description.partitions.length} partitions but the topology needs ${want}: delete it (the app is stopped)${description.name.endsWith('-repartition') ? ` or set repartition({ numberOfPartitions: ${description.partitions.length} })` : ''}`,
      );
    }
  }
  return counts;
}
