import test from 'ava';
import { ApiKey, ErrorCode } from '../../../../core/protocol/index.ts';
import type { JoinGroupResponse, SyncGroupResponse } from '../../../../core/protocol/index.ts';
import { OFFSETS_TOPIC } from '../../../../broker/groups/index.ts';
import { injectBroker } from '../../../helpers/inject.ts';
import type { InjectedBroker } from '../../../helpers/inject.ts';

/*
 * The group APIs through the broker's dispatcher, without TCP: each request is encoded,
 * dispatched to its handler and the answer decoded, as on the wire, and the broker's
 * timers run on virtual time. What needs a network (one connection per member, parked
 * answers holding a pipeline back, hung-up connections) stays in the integration tests.
 */

const GROUPS = { groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 1 } };

interface JoinOptions {
  version?: number;
  memberId?: string;
  sessionTimeoutMs?: number;
  protocolType?: string;
}

function joinGroup(broker: InjectedBroker, groupId: string, options: JoinOptions = {}): Promise<JoinGroupResponse> {
  return broker.inject(ApiKey.JOIN_GROUP, options.version ?? 5, {
    groupId,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 60_000,
    rebalanceTimeoutMs: 60_000,
    memberId: options.memberId ?? '',
    groupInstanceId: null,
    protocolType: options.protocolType ?? 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
  });
}

function syncGroup(broker: InjectedBroker, groupId: string, generationId: number, memberId: string, assignment?: Buffer): Promise<SyncGroupResponse> {
  return broker.inject(ApiKey.SYNC_GROUP, 3, {
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    assignments: assignment === undefined ? [] : [{ memberId, assignment }],
  });
}

async function heartbeat(broker: InjectedBroker, groupId: string, generationId: number, memberId: string): Promise<number> {
  return (await broker.inject(ApiKey.HEARTBEAT, 3, { groupId, generationId, memberId, groupInstanceId: null })).errorCode;
}

/** One member joins directly (v3) and syncs its own assignment: the group is Stable with it alone. */
async function stableSolo(broker: InjectedBroker, groupId: string, sessionTimeoutMs = 60_000): Promise<{ memberId: string; generationId: number }> {
  const joined = await joinGroup(broker, groupId, { version: 3, sessionTimeoutMs });
  const synced = await syncGroup(broker, groupId, joined.generationId, joined.memberId, Buffer.from('asg'));
  if (joined.errorCode !== ErrorCode.NONE || synced.errorCode !== ErrorCode.NONE) throw new Error(`${groupId}: ${joined.errorCode}/${synced.errorCode}`);
  return { memberId: joined.memberId, generationId: joined.generationId };
}

test('FindCoordinator for a transactional id (key type 1) names this broker and creates __transaction_state; an unknown key type is INVALID_REQUEST', async (t) => {
  const broker = injectBroker(t, GROUPS);
  for (const version of [1, 2]) {
    const response = await broker.inject(ApiKey.FIND_COORDINATOR, version, { key: 'txn-1', keyType: 1 });
    t.is(response.errorCode, ErrorCode.NONE, `v${version}`);
    t.is(response.nodeId, broker.config.nodeId, `v${version}`);
  }
  t.is(broker.context.topics.get('__transaction_state')?.partitions, 50);
  const unknown = await broker.inject(ApiKey.FIND_COORDINATOR, 2, { key: 'x', keyType: 2 });
  t.is(unknown.errorCode, ErrorCode.INVALID_REQUEST);
});

test('JoinGroup v0-3 join directly with an empty member id; the member id carries the client id and the host the peer address', async (t) => {
  const broker = injectBroker(t, GROUPS);
  for (const version of [0, 1, 2, 3]) {
    const groupId = `direct-v${version}`;
    const joined = await joinGroup(broker, groupId, { version });
    t.is(joined.errorCode, ErrorCode.NONE, `v${version}`);
    t.is(joined.generationId, 1, `v${version}`);
    t.regex(joined.memberId, /^inject-test-[0-9a-f-]{36}$/);
    t.is(joined.leader, joined.memberId);
    t.deepEqual(
      joined.members.map((m) => ({ memberId: m.memberId, metadata: m.metadata })),
      [{ memberId: joined.memberId, metadata: Buffer.from('sub') }],
    );
    const sync = await syncGroup(broker, groupId, 1, joined.memberId, Buffer.from([version]));
    t.deepEqual({ errorCode: sync.errorCode, assignment: sync.assignment }, { errorCode: ErrorCode.NONE, assignment: Buffer.from([version]) });
  }
  const described = await broker.inject(ApiKey.DESCRIBE_GROUPS, 0, { groups: ['direct-v0'], includeAuthorizedOperations: false });
  t.is(described.groups[0]?.members[0]?.clientHost, '/127.0.0.1');
});

test('Heartbeat and SyncGroup with a wrong generation answer ILLEGAL_GENERATION, with an unknown member UNKNOWN_MEMBER_ID', async (t) => {
  const broker = injectBroker(t, GROUPS);
  const groupId = 'errors';
  const a = await stableSolo(broker, groupId);
  t.is(await heartbeat(broker, groupId, 2, a.memberId), ErrorCode.ILLEGAL_GENERATION);
  t.is(await heartbeat(broker, groupId, 0, a.memberId), ErrorCode.ILLEGAL_GENERATION);
  t.is((await syncGroup(broker, groupId, 7, a.memberId)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  t.is(await heartbeat(broker, groupId, 1, 'nobody'), ErrorCode.UNKNOWN_MEMBER_ID);
  t.is((await syncGroup(broker, groupId, 1, 'nobody')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  t.is(await heartbeat(broker, 'no-such-group', 1, a.memberId), ErrorCode.UNKNOWN_MEMBER_ID);
  t.is((await joinGroup(broker, groupId, { memberId: 'made-up-member' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  t.is((await joinGroup(broker, 'no-such-group', { memberId: a.memberId })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // None of that disturbed the group.
  t.is(await heartbeat(broker, groupId, 1, a.memberId), ErrorCode.NONE);
});

test('a session timeout outside the configured range answers INVALID_SESSION_TIMEOUT', async (t) => {
  const broker = injectBroker(t, { groups: { ...GROUPS.groups, maxSessionTimeoutMs: 30_000 } });
  for (const version of [0, 3, 5]) {
    t.is((await joinGroup(broker, 'session', { version, sessionTimeoutMs: 5999 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT, `v${version} below`);
    t.is((await joinGroup(broker, 'session', { version, sessionTimeoutMs: 30_001 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT, `v${version} above`);
  }
  t.is((await joinGroup(broker, 'session-min', { version: 3, sessionTimeoutMs: 6000 })).errorCode, ErrorCode.NONE);
  t.is((await joinGroup(broker, 'session-max', { version: 3, sessionTimeoutMs: 30_000 })).errorCode, ErrorCode.NONE);
});

test('an empty group id answers INVALID_GROUP_ID to JoinGroup, SyncGroup, Heartbeat and LeaveGroup', async (t) => {
  const broker = injectBroker(t, GROUPS);
  t.is((await joinGroup(broker, '', { version: 5 })).errorCode, ErrorCode.INVALID_GROUP_ID);
  t.is((await joinGroup(broker, '', { version: 0 })).errorCode, ErrorCode.INVALID_GROUP_ID);
  t.is(await heartbeat(broker, '', 1, 'm'), ErrorCode.INVALID_GROUP_ID);
  t.is((await syncGroup(broker, '', 1, 'm')).errorCode, ErrorCode.INVALID_GROUP_ID);
  t.is((await broker.inject(ApiKey.LEAVE_GROUP, 1, { groupId: '', memberId: 'm' })).errorCode, ErrorCode.INVALID_GROUP_ID);
});

test('a member that stops heartbeating is gone exactly when its session ends, on the broker’s virtual clock', async (t) => {
  const broker = injectBroker(t, GROUPS);
  const a = await stableSolo(broker, 'expiry', 10_000);
  broker.scheduler.advance(9_999);
  t.is(await heartbeat(broker, 'expiry', a.generationId, a.memberId), ErrorCode.NONE);
  broker.scheduler.advance(9_999);
  t.is(await heartbeat(broker, 'expiry', a.generationId, a.memberId), ErrorCode.NONE);
  broker.scheduler.advance(10_000);
  t.is(await heartbeat(broker, 'expiry', a.generationId, a.memberId), ErrorCode.UNKNOWN_MEMBER_ID);
  const listed = await broker.inject(ApiKey.LIST_GROUPS, 2, { statesFilter: [] });
  t.deepEqual(listed.groups, [{ groupId: 'expiry', protocolType: 'consumer' }]);
  const described = await broker.inject(ApiKey.DESCRIBE_GROUPS, 4, { groups: ['expiry'], includeAuthorizedOperations: false });
  t.is(described.groups[0]?.groupState, 'Empty');
});

test('an OffsetCommit is written to __consumer_offsets through the partition write path: waiting fetches wake, OffsetFetch sees it', async (t) => {
  const broker = injectBroker(t, GROUPS);
  const created = await broker.inject(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name: 'orders', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  t.is(created.topics[0]?.errorCode, ErrorCode.NONE);
  t.is((await broker.inject(ApiKey.FIND_COORDINATOR, 2, { key: 'g', keyType: 0 })).errorCode, ErrorCode.NONE);
  const offsets = broker.context.topics.partition(OFFSETS_TOPIC, 0)!;
  t.is(offsets.log.logEndOffset, 0n);
  let woken = 0;
  broker.context.watch.watch([{ topic: OFFSETS_TOPIC, partition: 0 }], () => woken++);

  const committed = await broker.inject(ApiKey.OFFSET_COMMIT, 2, {
    groupId: 'g',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'm' }] }],
  });
  t.is(committed.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  t.is(offsets.log.logEndOffset, 1n);
  t.true(offsets.log.highWatermark >= 1n);
  t.is(woken, 1);
  const fetched = await broker.inject(ApiKey.OFFSET_FETCH, 1, { groupId: 'g', topics: [{ name: 'orders', partitionIndexes: [1] }] });
  t.is(fetched.topics[0]?.partitions[0]?.committedOffset, 42n);
  t.is(fetched.topics[0]?.partitions[0]?.metadata, 'm');
});
