import { ApiKey, CONSUMER_PROTOCOL_TYPE, ErrorCode, decodeConsumerAssignment } from '../../core/protocol/index.ts';
import type { ConsumerAssignment } from '../../core/protocol/index.ts';
import { kafkaError, throwIfKafkaError } from '../errors.ts';
import { missing, quoted } from './context.ts';
import type { AdminContext } from './context.ts';
import type { GroupDescription, GroupListing } from './types.ts';

export async function listGroups(ctx: AdminContext, options: { includeState?: boolean } = {}): Promise<GroupListing[]> {
  ctx.ensureOpen();
  await ctx.retry(() => ctx.cluster.refreshMetadata([]));
  const brokers = ctx.cluster.brokerList();
  const lists = await Promise.all(
    brokers.map((b) =>
      ctx.retry(async (): Promise<GroupListing[]> => {
        const connection = await ctx.cluster.connectionTo(b.nodeId);
        const { response } = await ctx.cluster.send(connection, ApiKey.LIST_GROUPS, {});
        throwIfKafkaError(response.errorCode, `ListGroups on broker ${b.nodeId}`);
        const listed = response.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType }));
        if (options.includeState !== true || listed.length === 0) return listed;
        const described = await ctx.cluster.send(connection, ApiKey.DESCRIBE_GROUPS, { groups: listed.map((g) => g.groupId), includeAuthorizedOperations: false });
        const states = new Map<string, string>();
        for (const g of described.response.groups) {
          const error = g.errorCode === ErrorCode.NONE ? undefined : kafkaError(g.errorCode, `DescribeGroups for group ${quoted(g.groupId)}`);
          // A coordinator still loading (or a group that moved) is asked again; a lasting error leaves the state unknown.
          if (error?.retriable === true) throw error;
          states.set(g.groupId, error === undefined ? g.groupState : 'Unknown');
        }
        return listed.map((g) => ({ ...g, state: states.get(g.groupId) ?? 'Unknown' }));
      }),
    ),
  );
  return lists.flat().sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

export async function describeGroups(ctx: AdminContext, groupIds: readonly string[]): Promise<GroupDescription[]> {
  ctx.ensureOpen();
  return Promise.all(
    groupIds.map((groupId) =>
      ctx.retry(async () => {
        const { nodeId, connection } = await ctx.cluster.coordinator(groupId);
        const { response } = await ctx.cluster.send(connection, ApiKey.DESCRIBE_GROUPS, { groups: [groupId], includeAuthorizedOperations: false });
        const group = response.groups.find((g) => g.groupId === groupId);
        if (group === undefined) throw missing('DescribeGroups', 'group', groupId);
        throwIfKafkaError(group.errorCode, `DescribeGroups for group ${quoted(groupId)}`);
        const consumer = group.protocolType === CONSUMER_PROTOCOL_TYPE;
        return {
          groupId,
          state: group.groupState,
          protocolType: group.protocolType,
          protocol: group.protocolData,
          coordinator: nodeId,
          members: group.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            assignment: consumer ? readAssignment(m.memberAssignment) : null,
            memberMetadata: m.memberMetadata,
            memberAssignment: m.memberAssignment,
          })),
        };
      }),
    ),
  );
}

export async function deleteGroups(ctx: AdminContext, groupIds: readonly string[]): Promise<void> {
  ctx.ensureOpen();
  const results = await Promise.all(
    groupIds.map((groupId) =>
      ctx.retry(async () => {
        const { connection } = await ctx.cluster.coordinator(groupId);
        const { response } = await ctx.cluster.send(connection, ApiKey.DELETE_GROUPS, { groupsNames: [groupId] });
        const result = response.results.find((r) => r.groupId === groupId);
        if (result === undefined) throw missing('DeleteGroups', 'group', groupId);
        const error = result.errorCode === ErrorCode.NONE ? undefined : kafkaError(result.errorCode, `DeleteGroups for group ${quoted(groupId)}`);
        // A retriable code (coordinator loading) is retried; a final one is reported in order below.
        if (error?.retriable === true) throw error;
        return error;
      }),
    ),
  );
  const failed = results.find((e) => e !== undefined);
  if (failed !== undefined) throw failed;
}

function readAssignment(bytes: Buffer): ConsumerAssignment | null {
  try {
    return decodeConsumerAssignment(bytes);
  } catch {
    return null;
  }
}
