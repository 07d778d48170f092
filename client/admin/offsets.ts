import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import { kafkaError, throwIfKafkaError } from '../errors.ts';
import { byTopic, byTopicPartition, groupBy, missing, quoted, tpKey } from './context.ts';
import type { AdminContext } from './context.ts';
import { describeTopics } from './topics.ts';
import type {
  CommittedOffset,
  DeleteRecordsRequest,
  DeletedRecords,
  ListOffsetsRequest,
  ListedOffset,
  MutationOptions,
  OffsetSpec,
  OffsetToCommit,
  ResetOffset,
  ResetOffsetsOptions,
  ResetSpec,
  TopicPartition,
} from './types.ts';

const LATEST = -1n;
const EARLIEST = -2n;
const CONSUMER_REPLICA_ID = -1;
const READ_UNCOMMITTED = 0;

/** A new offset worked out by `resetOffsets`, before it is committed. */
type PlannedOffset = TopicPartition & { readonly offset: bigint; readonly clampedFrom?: bigint };

export async function listOffsets(ctx: AdminContext, requests: readonly ListOffsetsRequest[]): Promise<ListedOffset[]> {
  ctx.ensureOpen();
  if (requests.length === 0) return [];
  const seen = new Map<string, number>();
  const rounds = groupBy(
    requests.map((request, index) => {
      const round = seen.get(tpKey(request)) ?? 0;
      seen.set(tpKey(request), round + 1);
      return { request, index, round };
    }),
    (item) => item.round,
  );
  return ctx.retry(async () => {
    const leaders = await ctx.leaders(requests);
    const results: ListedOffset[] = [];
    const sends = [...rounds.values()].flatMap((round) =>
      [...groupBy(round, (item) => leaders.get(tpKey(item.request))!)].map(async ([leader, items]) => {
        const connection = await ctx.cluster.connectionTo(leader);
        const { response } = await ctx.cluster.send(
          connection,
          ApiKey.LIST_OFFSETS,
          {
            replicaId: CONSUMER_REPLICA_ID,
            isolationLevel: READ_UNCOMMITTED,
            topics: byTopic(
              items.map((item) => item.request),
              (r) => ({ partitionIndex: r.partition, currentLeaderEpoch: -1, timestamp: offsetSpec(r.timestamp) }),
            ),
          },
          { minVersion: 1 },
        );
        for (const { request, index } of items) {
          const p = response.topics.find((t) => t.name === request.topic)?.partitions.find((x) => x.partitionIndex === request.partition);
          if (p === undefined) throw missing('ListOffsets', 'partition', `${request.topic}-${request.partition}`);
          throwIfKafkaError(p.errorCode, `ListOffsets for ${request.topic}-${request.partition}`);
          results[index] = { topic: request.topic, partition: request.partition, offset: p.offset, timestamp: p.timestamp };
        }
      }),
    );
    await Promise.all(sends);
    return results;
  });
}

export async function fetchCommittedOffsets(ctx: AdminContext, groupId: string, topics?: readonly string[]): Promise<CommittedOffset[]> {
  ctx.ensureOpen();
  let wanted: { name: string; partitionIndexes: number[] }[] | null = null;
  if (topics !== undefined) {
    const described = await describeTopics(ctx, topics);
    wanted = described.map((t) => ({ name: t.name, partitionIndexes: t.partitions.map((p) => p.partition) }));
  }
  return ctx.retry(async () => {
    const { connection } = await ctx.cluster.coordinator(groupId);
    const { response } = await ctx.cluster.send(connection, ApiKey.OFFSET_FETCH, { groupId, topics: wanted }, { minVersion: wanted === null ? 2 : 1 });
    throwIfKafkaError(response.errorCode, `OffsetFetch for group ${quoted(groupId)}`);
    const out: CommittedOffset[] = [];
    for (const t of response.topics) {
      for (const p of t.partitions) {
        throwIfKafkaError(p.errorCode, `OffsetFetch for group ${quoted(groupId)}, ${t.name}-${p.partitionIndex}`);
        if (wanted === null && p.committedOffset < 0n) continue;
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
      }
    }
    return out.sort(byTopicPartition);
  });
}

export async function commitOffsets(ctx: AdminContext, groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
  ctx.ensureOpen();
  if (offsets.length === 0) return;
  await ctx.retry(async () => {
    const { connection } = await ctx.cluster.coordinator(groupId);
    const { response } = await ctx.cluster.send(connection, ApiKey.OFFSET_COMMIT, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: byTopic(offsets, (o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: o.metadata ?? '' })),
    });
    for (const o of offsets) {
      const code = response.topics.find((t) => t.name === o.topic)?.partitions.find((p) => p.partitionIndex === o.partition)?.errorCode;
      if (code === undefined) throw missing('OffsetCommit', 'partition', `${o.topic}-${o.partition}`);
      const context = `OffsetCommit for group ${quoted(groupId)}, ${o.topic}-${o.partition}`;
      if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
        throw kafkaError(code, context, 'offsets can be reset only while the group is Empty; stop its consumers first');
      }
      throwIfKafkaError(code, context);
    }
  });
}

export async function resetOffsets(ctx: AdminContext, groupId: string, partitions: readonly TopicPartition[], to: ResetSpec, options: ResetOffsetsOptions = {}): Promise<ResetOffset[]> {
  ctx.ensureOpen();
  if (partitions.length === 0) return [];
  const plan = typeof to === 'object' ? await clampedOffsets(ctx, partitions, to.offset) : await offsetsAt(ctx, partitions, to);
  if (options.dryRun !== true) await commitOffsets(ctx, groupId, plan);
  return plan.map((p) => ({ ...p, metadata: '' }));
}

export async function deleteRecords(ctx: AdminContext, requests: readonly DeleteRecordsRequest[], options: Pick<MutationOptions, 'timeoutMs'> = {}): Promise<DeletedRecords[]> {
  ctx.ensureOpen();
  if (requests.length === 0) return [];
  const leaders = await ctx.retry(() => ctx.leaders(requests));
  const out = new Map<string, DeletedRecords>();
  await Promise.all(
    [...groupBy(requests, (r) => leaders.get(tpKey(r))!)].map(async ([leader, list]) => {
      const connection = await ctx.cluster.connectionTo(leader);
      const { response } = await ctx.cluster.send(connection, ApiKey.DELETE_RECORDS, {
        topics: byTopic(list, (r) => ({ partitionIndex: r.partition, offset: r.offset })),
        timeoutMs: ctx.brokerTimeout(options),
      }, { timeoutMs: ctx.responseTimeout(options) });
      for (const t of response.topics) {
        for (const p of t.partitions) {
          out.set(tpKey({ topic: t.name, partition: p.partitionIndex }), { topic: t.name, partition: p.partitionIndex, lowWatermark: p.lowWatermark });
          throwIfKafkaError(p.errorCode, `DeleteRecords for ${t.name}-${p.partitionIndex}`);
        }
      }
    }),
  );
  return requests.map((r) => {
    const result = out.get(tpKey(r));
    if (result === undefined) throw missing('DeleteRecords', 'partition', `${r.topic}-${r.partition}`);
    return result;
  });
}

/** The offset `to` names in each partition; the log end where no record is as new as a time asked for. */
async function offsetsAt(ctx: AdminContext, partitions: readonly TopicPartition[], to: OffsetSpec): Promise<PlannedOffset[]> {
  const listed = await listOffsets(ctx, partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, timestamp: to })));
  const tooNew = listed.filter((l) => l.offset < 0n);
  const ends = new Map((await listOffsets(ctx, tooNew.map((l) => ({ topic: l.topic, partition: l.partition, timestamp: 'latest' })))).map((l) => [tpKey(l), l.offset]));
  return listed.map((l) => ({ topic: l.topic, partition: l.partition, offset: l.offset < 0n ? (ends.get(tpKey(l)) ?? l.offset) : l.offset }));
}

/** `offset` in each partition, moved to the nearer end of its log when outside it. */
async function clampedOffsets(ctx: AdminContext, partitions: readonly TopicPartition[], offset: bigint): Promise<PlannedOffset[]> {
  const bounds = await listOffsets(ctx, 
    partitions.flatMap((tp): ListOffsetsRequest[] => [
      { topic: tp.topic, partition: tp.partition, timestamp: 'earliest' },
      { topic: tp.topic, partition: tp.partition, timestamp: 'latest' },
    ]),
  );
  return partitions.map(({ topic, partition }, i) => {
    const low = bounds[2 * i]!.offset;
    const high = bounds[2 * i + 1]!.offset;
    if (offset < low) return { topic, partition, offset: low, clampedFrom: offset };
    if (offset > high) return { topic, partition, offset: high, clampedFrom: offset };
    return { topic, partition, offset };
  });
}

function offsetSpec(spec: OffsetSpec): bigint {
  if (spec === 'earliest') return EARLIEST;
  if (spec === 'latest') return LATEST;
  // A caller's mistake, not a fault of the cluster.
  if (!Number.isSafeInteger(spec) || spec < 0) throw new RangeError(`a ListOffsets timestamp must be 'earliest', 'latest' or ms since the epoch, not ${String(spec)}`);
  return BigInt(spec);
}
