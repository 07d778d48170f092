import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import { kafkaError, throwIfKafkaError } from '../errors.ts';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: bigint;
}

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export type OffsetResetPolicy = 'earliest' | 'latest';
export type IsolationLevel = 'read_committed' | 'read_uncommitted';

export const isolationLevelCode = (level: IsolationLevel): number => (level === 'read_committed' ? 1 : 0);

function byTopic<T extends TopicPartition>(items: readonly T[]): Map<string, T[]> {
  const topics = new Map<string, T[]>();
  for (const item of items) {
    const list = topics.get(item.topic);
    if (list === undefined) topics.set(item.topic, [item]);
    else list.push(item);
  }
  return topics;
}

/** The group's committed offsets (OffsetFetch); partitions with none committed are absent. */
export async function fetchCommittedOffsets(cluster: Cluster, groupId: string, partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
  const result = new Map<string, bigint>();
  if (partitions.length === 0) return result;
  await cluster.retrying(async () => {
    const { connection } = await cluster.coordinator(groupId);
    const { version, response } = await cluster.send(
      connection,
      ApiKey.OFFSET_FETCH,
      {
        groupId,
        topics: [...byTopic(partitions)].map(([name, tps]) => ({ name, partitionIndexes: tps.map((tp) => tp.partition) })),
      },
      { minVersion: 1 },
    );
    if (version >= 2) throwIfKafkaError(response.errorCode, `OffsetFetch for group '${groupId}'`);
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        throwIfKafkaError(p.errorCode, `OffsetFetch for group '${groupId}', ${topic.name}-${p.partitionIndex}`);
        if (p.committedOffset >= 0n) result.set(tpKey(topic.name, p.partitionIndex), p.committedOffset);
      }
    }
  });
  return result;
}

/**
 * Commits offsets for a group (OffsetCommit). `generationId` -1 and an empty `memberId` commit
 * outside any generation (a consumer using assign()). A static member's `groupInstanceId`
 * needs OffsetCommit v7.
 */
export async function commitOffsets(
  cluster: Cluster,
  groupId: string,
  generationId: number,
  memberId: string,
  offsets: readonly TopicPartitionOffset[],
  groupInstanceId: string | null = null,
): Promise<void> {
  if (offsets.length === 0) return;
  const { connection } = await cluster.coordinator(groupId);
  const { response } = await cluster.send(
    connection,
    ApiKey.OFFSET_COMMIT,
    {
      groupId,
      generationIdOrMemberEpoch: generationId,
      memberId,
      groupInstanceId,
      topics: [...byTopic(offsets)].map(([name, tps]) => ({
        name,
        partitions: tps.map((tp) => ({ partitionIndex: tp.partition, committedOffset: tp.offset, committedMetadata: null })),
      })),
    },
    { minVersion: groupInstanceId === null ? 2 : 7 },
  );
  for (const topic of response.topics) {
    for (const p of topic.partitions) throwIfKafkaError(p.errorCode, `OffsetCommit for group '${groupId}', ${topic.name}-${p.partitionIndex}`);
  }
}

const EARLIEST_TIMESTAMP = -2n;
const LATEST_TIMESTAMP = -1n;

/** The earliest or latest offset of each partition (ListOffsets to each leader). */
export async function resetOffsets(
  cluster: Cluster,
  partitions: readonly TopicPartition[],
  policy: OffsetResetPolicy,
  isolationLevel: IsolationLevel,
): Promise<Map<string, bigint>> {
  const result = new Map<string, bigint>();
  const byLeader = new Map<number, TopicPartition[]>();
  for (const tp of partitions) {
    const leader = await cluster.leaderFor(tp.topic, tp.partition);
    const list = byLeader.get(leader);
    if (list === undefined) byLeader.set(leader, [tp]);
    else list.push(tp);
  }
  const timestamp = policy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
  await Promise.all(
    [...byLeader].map(([leader, tps]) =>
      cluster.retrying(async () => {
        const connection = await cluster.connectionTo(leader);
        const { response } = await cluster.send(
          connection,
          ApiKey.LIST_OFFSETS,
          {
            replicaId: -1,
            isolationLevel: isolationLevelCode(isolationLevel),
            topics: [...byTopic(tps)].map(([name, list]) => ({
              name,
              partitions: list.map((tp) => ({ partitionIndex: tp.partition, timestamp })),
            })),
          },
          { minVersion: 1 },
        );
        for (const topic of response.topics) {
          for (const p of topic.partitions) {
            if (p.errorCode !== ErrorCode.NONE) throw kafkaError(p.errorCode, `ListOffsets for ${topic.name}-${p.partitionIndex}`);
            result.set(tpKey(topic.name, p.partitionIndex), p.offset);
          }
        }
      }),
    ),
  );
  return result;
}
