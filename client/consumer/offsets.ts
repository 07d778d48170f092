import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import type { GroupCoordinator } from './coordinator.ts';
import { STALE_METADATA_ERRORS, kafkaError, throwIfKafkaError } from '../errors.ts';
import type { KafkaError } from '../errors.ts';
import type { TopicPartition } from '../topic-partition.ts';

export type { TopicPartition };

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
export async function fetchCommittedOffsets(cluster: Cluster, coordinator: GroupCoordinator, partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
  const result = new Map<string, bigint>();
  if (partitions.length === 0) return result;
  const groupId = coordinator.groupId;
  await coordinator.retrying(async (connection) => {
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
 * Commits offsets for a group (OffsetCommit) on its coordinator, retrying retriable errors
 * (the coordinator moving among them) until the request timeout; a rebalance's errors are not
 * retriable. `generationId` -1 and an empty `memberId` commit outside any generation (a
 * consumer using assign()). A static member's `groupInstanceId` needs OffsetCommit v7.
 */
export async function commitOffsets(
  cluster: Cluster,
  coordinator: GroupCoordinator,
  generationId: number,
  memberId: string,
  offsets: readonly TopicPartitionOffset[],
  groupInstanceId: string | null = null,
): Promise<void> {
  if (offsets.length === 0) return;
  const groupId = coordinator.groupId;
  await coordinator.retrying(async (connection) => {
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
  });
}

const EARLIEST_TIMESTAMP = -2n;
const LATEST_TIMESTAMP = -1n;

/**
 * The earliest or latest offset of each partition (ListOffsets to each leader). Retriable
 * errors, finding the leaders included (a topic still being created has none yet), are retried
 * until the request timeout.
 */
export async function resetOffsets(
  cluster: Cluster,
  partitions: readonly TopicPartition[],
  policy: OffsetResetPolicy,
  isolationLevel: IsolationLevel,
): Promise<Map<string, bigint>> {
  const result = new Map<string, bigint>();
  if (partitions.length === 0) return result;
  const timestamp = policy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
  await cluster.retrying(async () => {
    const byLeader = new Map<number, TopicPartition[]>();
    for (const tp of partitions) {
      if (result.has(tpKey(tp.topic, tp.partition))) continue;
      const leader = await cluster.leaderFor(tp.topic, tp.partition);
      const list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, [tp]);
      else list.push(tp);
    }
    const failures: KafkaError[] = [];
    const settled = await Promise.allSettled(
      [...byLeader].map(async ([leader, tps]) => {
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
          // ListOffsets carries the isolation level from v2 on: an older broker would answer read_committed with the high watermark.
          { minVersion: isolationLevel === 'read_committed' ? 2 : 1 },
        );
        for (const topic of response.topics) {
          for (const p of topic.partitions) {
            if (p.errorCode === ErrorCode.NONE) result.set(tpKey(topic.name, p.partitionIndex), p.offset);
            else failures.push(kafkaError(p.errorCode, `ListOffsets for ${topic.name}-${p.partitionIndex}`));
          }
        }
      }),
    );
    const rejected = settled.find((s) => s.status === 'rejected');
    if (rejected !== undefined) throw rejected.reason;
    if (failures.length === 0) return;
    if (failures.some((f) => STALE_METADATA_ERRORS.has(f.errorCode))) {
      await cluster.refreshMetadata([...new Set(partitions.map((tp) => tp.topic))]).catch(() => undefined);
    }
    throw failures[0]!;
  });
  return result;
}
