import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode, encodeRequest } from '../../../core/protocol/index.ts';
import type { DescribeGroupsResponse, JoinGroupResponse, SyncGroupResponse } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { createTopic } from './records.ts';
import { pollUntil } from '../../helpers/wait-for.ts';

/*
 * The classic consumer-group state machine over the wire, answered as Kafka answers it:
 * FindCoordinator, JoinGroup (KIP-394 member ids, KIP-345 static members), SyncGroup,
 * Heartbeat, LeaveGroup, DescribeGroups, ListGroups and DeleteGroups. Every member has its
 * own connection, as real clients do: a parked JoinGroup holds back the answers queued
 * behind it on the same connection. Answers that need no network (error codes, version
 * differences) are checked without TCP in test/unit/broker/handlers/groups.test.ts.
 */

/**
 * Kafka's group.initial.rebalance.delay.ms would make every first join wait 3 s; one
 * __consumer_offsets partition instead of 50 keeps the many brokers of this file cheap.
 */
const GROUPS = { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 1 };
/** Long enough that no member's session ends while a slow, busy machine runs the test. */
const SESSION_MS = 60_000;
const REBALANCE_MS = 60_000;
const CLIENT_ID = 'wire-test';

type DescribedGroup = DescribeGroupsResponse['groups'][number];

interface JoinOptions {
  version?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: readonly { name: string; metadata: Buffer }[];
}

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

function protocols(metadata: string, ...names: string[]): { name: string; metadata: Buffer }[] {
  return (names.length === 0 ? ['range'] : names).map((name) => ({ name, metadata: Buffer.from(`${metadata}:${name}`) }));
}

function joinGroup(client: WireClient, groupId: string, options: JoinOptions = {}): Promise<JoinGroupResponse> {
  return client.request(ApiKey.JOIN_GROUP, options.version ?? 5, {
    groupId,
    sessionTimeoutMs: options.sessionTimeoutMs ?? SESSION_MS,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? REBALANCE_MS,
    memberId: options.memberId ?? '',
    groupInstanceId: options.groupInstanceId ?? null,
    protocolType: options.protocolType ?? 'consumer',
    protocols: options.protocols ?? protocols('sub'),
  });
}

/**
 * KIP-394 (JoinGroup v4+): the first join only hands out a member id (MEMBER_ID_REQUIRED);
 * the second, sent here and not awaited, is the real one. Resolves once the id is known.
 */
async function joinNew(client: WireClient, groupId: string, options: JoinOptions = {}): Promise<{ memberId: string; joined: Promise<JoinGroupResponse> }> {
  const first = await joinGroup(client, groupId, { ...options, memberId: '' });
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) throw new Error(`first join to ${groupId}: expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  const memberId = first.memberId;
  return { memberId, joined: joinGroup(client, groupId, { ...options, memberId }) };
}

function heartbeat(client: WireClient, groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null, version = 3): Promise<number> {
  return client.request(ApiKey.HEARTBEAT, version, { groupId, generationId, memberId, groupInstanceId }).then((r) => r.errorCode);
}

function syncGroup(
  client: WireClient,
  groupId: string,
  generationId: number,
  memberId: string,
  assignments: readonly { memberId: string; assignment: Buffer }[] = [],
  groupInstanceId: string | null = null,
  version = 3,
): Promise<SyncGroupResponse> {
  return client.request(ApiKey.SYNC_GROUP, version, { groupId, generationId, memberId, groupInstanceId, assignments });
}

async function describeGroup(client: WireClient, groupId: string, version = 4): Promise<DescribedGroup> {
  const response = await client.request(ApiKey.DESCRIBE_GROUPS, version, { groups: [groupId], includeAuthorizedOperations: false });
  const group = response.groups[0];
  if (response.groups.length !== 1 || group === undefined) throw new Error(`DescribeGroups answered ${response.groups.length} groups`);
  return group;
}


function waitForState(admin: WireClient, groupId: string, state: string): Promise<DescribedGroup> {
  return pollUntil(
    () => describeGroup(admin, groupId),
    (g) => g.groupState === state,
    `group ${groupId} to be ${state}`,
  );
}

/** Tracks whether a promise has settled, to show that an answer is being held back. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

interface SoloMember {
  client: WireClient;
  memberId: string;
  generationId: number;
}

/** One member joins (v5, two steps) and syncs its own assignment: the group is Stable with it alone. */
async function stableSolo(t: ExecutionContext, port: number, groupId: string, assignment = Buffer.from('asg-solo'), options: JoinOptions = {}): Promise<SoloMember> {
  const client = await connect(t, port);
  const { memberId, joined } = await joinNew(client, groupId, options);
  const join = await joined;
  if (join.errorCode !== ErrorCode.NONE) throw new Error(`join ${groupId} failed: ${join.errorCode}`);
  const sync = await syncGroup(client, groupId, join.generationId, memberId, [{ memberId, assignment }]);
  if (sync.errorCode !== ErrorCode.NONE) throw new Error(`sync ${groupId} failed: ${sync.errorCode}`);
  return { client, memberId, generationId: join.generationId };
}

/**
 * Two members, A (leader) and B, in a Stable group: A alone first, then B joins, A is told
 * to rejoin, and both sync. Returns both at the final generation.
 */
async function stablePair(t: ExecutionContext, port: number, groupId: string): Promise<{ a: SoloMember; b: SoloMember; generationId: number }> {
  const a = await stableSolo(t, port, groupId, Buffer.from('asg-a1'), { protocols: protocols('sub-a') });
  const bClient = await connect(t, port);
  const b = await joinNew(bClient, groupId, { protocols: protocols('sub-b') });
  await pollUntil(
    () => heartbeat(a.client, groupId, a.generationId, a.memberId),
    (code) => code === ErrorCode.REBALANCE_IN_PROGRESS,
    'A to be told to rejoin',
  );
  const [aJoin, bJoin] = await Promise.all([joinGroup(a.client, groupId, { memberId: a.memberId, protocols: protocols('sub-a') }), b.joined]);
  if (aJoin.errorCode !== ErrorCode.NONE || bJoin.errorCode !== ErrorCode.NONE) throw new Error(`pair rejoin failed: ${aJoin.errorCode}/${bJoin.errorCode}`);
  const generationId = aJoin.generationId;
  const [aSync, bSync] = await Promise.all([
    syncGroup(a.client, groupId, generationId, a.memberId, [
      { memberId: a.memberId, assignment: Buffer.from('asg-a') },
      { memberId: b.memberId, assignment: Buffer.from('asg-b') },
    ]),
    syncGroup(bClient, groupId, generationId, b.memberId),
  ]);
  if (aSync.errorCode !== ErrorCode.NONE || bSync.errorCode !== ErrorCode.NONE) throw new Error(`pair sync failed: ${aSync.errorCode}/${bSync.errorCode}`);
  return {
    a: { client: a.client, memberId: a.memberId, generationId },
    b: { client: bClient, memberId: b.memberId, generationId },
    generationId,
  };
}

// ---------------------------------------------------------------------------------------------
// FindCoordinator

test('FindCoordinator v0-2 for a group names this broker and creates __consumer_offsets (internal)', async (t) => {
  const { port } = await startTestBroker(t, { groups: { initialRebalanceDelayMs: 0 } });
  const client = await connect(t, port);
  const before = await client.request(ApiKey.METADATA, 8, { topics: null, allowAutoTopicCreation: false });
  t.false(before.topics.some((topic) => topic.name === '__consumer_offsets'));

  for (const version of [0, 1, 2]) {
    const response = await client.request(ApiKey.FIND_COORDINATOR, version, { key: `g-${version}`, keyType: 0 });
    t.is(response.errorCode, ErrorCode.NONE, `v${version}`);
    t.is(response.nodeId, 0, `v${version}`);
    t.is(response.host, '127.0.0.1', `v${version}`);
    t.is(response.port, port, `v${version}`);
    if (version >= 1) t.is(response.errorMessage, null);
  }

  const after = await client.request(ApiKey.METADATA, 8, { topics: null, allowAutoTopicCreation: false });
  const offsets = after.topics.find((topic) => topic.name === '__consumer_offsets');
  t.truthy(offsets);
  t.is(offsets?.errorCode, ErrorCode.NONE);
  t.true(offsets?.isInternal);
  t.is(offsets?.partitions.length, 50);
  // v1 is the first Metadata version that carries isInternal.
  const v1 = await client.request(ApiKey.METADATA, 1, { topics: [{ name: '__consumer_offsets' }] });
  t.true(v1.topics[0]?.isInternal);
});

test('__consumer_offsets gets the configured number of partitions', async (t) => {
  const { port } = await startTestBroker(t, { groups: { ...GROUPS, offsetsTopicPartitions: 3 } });
  const client = await connect(t, port);
  t.is((await client.request(ApiKey.FIND_COORDINATOR, 2, { key: 'g', keyType: 0 })).errorCode, ErrorCode.NONE);
  const metadata = await client.request(ApiKey.METADATA, 8, { topics: [{ name: '__consumer_offsets' }], allowAutoTopicCreation: false });
  t.is(metadata.topics[0]?.partitions.length, 3);
});

// ---------------------------------------------------------------------------------------------
// Joining

test('JoinGroup v4 and v5 with an empty member id answer MEMBER_ID_REQUIRED with an id; the rejoin with it joins generation 1 as leader', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  for (const version of [4, 5]) {
    const client = await connect(t, port);
    const groupId = `kip394-v${version}`;
    const first = await joinGroup(client, groupId, { version });
    t.is(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED, `v${version}`);
    t.regex(first.memberId, new RegExp(`^${CLIENT_ID}-[0-9a-f-]{36}$`));
    t.is(first.generationId, -1);
    t.deepEqual(first.members, []);

    const joined = await joinGroup(client, groupId, { version, memberId: first.memberId });
    t.is(joined.errorCode, ErrorCode.NONE, `v${version}`);
    t.is(joined.generationId, 1);
    t.is(joined.memberId, first.memberId);
    t.is(joined.leader, first.memberId);
    t.is(joined.protocolName, 'range');
    t.deepEqual(joined.members, [{ memberId: first.memberId, groupInstanceId: null, metadata: Buffer.from('sub:range') }]);
  }
});

test('a second member triggers a rebalance: the first is told to rejoin, both get generation 2, the leader gets every subscription and the follower waits for its assignment', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const groupId = 'pair';
  const a = await stableSolo(t, port, groupId, Buffer.from('asg-a1'), { protocols: protocols('sub-a') });
  t.is(a.generationId, 1);
  t.is(await heartbeat(a.client, groupId, 1, a.memberId), ErrorCode.NONE);

  const bClient = await connect(t, port);
  const b = await joinNew(bClient, groupId, { protocols: protocols('sub-b') });
  const bJoined = track(b.joined);
  await waitForState(admin, groupId, 'PreparingRebalance');
  t.is(await heartbeat(a.client, groupId, 1, a.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
  t.false(bJoined.settled(), 'B waits until A rejoins');

  const aJoin = await joinGroup(a.client, groupId, { memberId: a.memberId, protocols: protocols('sub-a') });
  const bJoin = await bJoined.promise;
  for (const join of [aJoin, bJoin]) {
    t.is(join.errorCode, ErrorCode.NONE);
    t.is(join.generationId, 2);
    t.is(join.leader, a.memberId);
    t.is(join.protocolName, 'range');
  }
  t.is(aJoin.memberId, a.memberId);
  t.is(bJoin.memberId, b.memberId);
  t.deepEqual(
    [...aJoin.members].sort((x, y) => x.memberId.localeCompare(y.memberId)),
    [
      { memberId: a.memberId, groupInstanceId: null, metadata: Buffer.from('sub-a:range') },
      { memberId: b.memberId, groupInstanceId: null, metadata: Buffer.from('sub-b:range') },
    ].sort((x, y) => x.memberId.localeCompare(y.memberId)),
  );
  t.deepEqual(bJoin.members, []);

  // The follower's SyncGroup is held until the leader sends the assignments.
  const bSync = track(syncGroup(bClient, groupId, 2, b.memberId));
  t.is((await describeGroup(admin, groupId)).groupState, 'CompletingRebalance');
  // Kafka answers heartbeats with NONE while the group completes its rebalance.
  t.is(await heartbeat(a.client, groupId, 2, a.memberId), ErrorCode.NONE);
  t.false(bSync.settled(), 'the follower waits for the leader');

  const aSync = await syncGroup(a.client, groupId, 2, a.memberId, [
    { memberId: a.memberId, assignment: Buffer.from('asg-a2') },
    { memberId: b.memberId, assignment: Buffer.from('asg-b2') },
  ]);
  t.is(aSync.errorCode, ErrorCode.NONE);
  t.deepEqual(aSync.assignment, Buffer.from('asg-a2'));
  const bSynced = await bSync.promise;
  t.is(bSynced.errorCode, ErrorCode.NONE);
  t.deepEqual(bSynced.assignment, Buffer.from('asg-b2'));

  t.is(await heartbeat(a.client, groupId, 2, a.memberId), ErrorCode.NONE);
  t.is(await heartbeat(bClient, groupId, 2, b.memberId), ErrorCode.NONE);
  const described = await describeGroup(admin, groupId);
  t.is(described.groupState, 'Stable');
  t.is(described.members.length, 2);
  // A SyncGroup in a Stable group returns the member's current assignment again.
  const again = await syncGroup(bClient, groupId, 2, b.memberId);
  t.is(again.errorCode, ErrorCode.NONE);
  t.deepEqual(again.assignment, Buffer.from('asg-b2'));
});

test('a follower that rejoins a Stable group with unchanged metadata gets the current generation without a rebalance', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const { a, b, generationId } = await stablePair(t, port, 'follower-rejoin');
  const rejoin = await joinGroup(b.client, 'follower-rejoin', { memberId: b.memberId, protocols: protocols('sub-b') });
  t.is(rejoin.errorCode, ErrorCode.NONE);
  t.is(rejoin.generationId, generationId);
  t.is(rejoin.leader, a.memberId);
  t.deepEqual(rejoin.members, []);
  t.is((await describeGroup(admin, 'follower-rejoin')).groupState, 'Stable');
  t.is(await heartbeat(a.client, 'follower-rejoin', generationId, a.memberId), ErrorCode.NONE);
});

// ---------------------------------------------------------------------------------------------
// Errors

test('SyncGroup while the group prepares a rebalance answers REBALANCE_IN_PROGRESS', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const groupId = 'sync-during-rebalance';
  const a = await stableSolo(t, port, groupId);
  const b = await joinNew(await connect(t, port), groupId);
  void b.joined.catch(() => undefined);
  await waitForState(admin, groupId, 'PreparingRebalance');
  const sync = await syncGroup(a.client, groupId, 1, a.memberId, [{ memberId: a.memberId, assignment: Buffer.from('x') }]);
  t.is(sync.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  t.deepEqual(sync.assignment, Buffer.alloc(0));
});

test('a joiner with another protocol type or no protocol in common gets INCONSISTENT_GROUP_PROTOCOL', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const groupId = 'inconsistent';
  const a = await stableSolo(t, port, groupId, Buffer.from('x'), { protocols: protocols('sub', 'range', 'roundrobin') });
  const other = await connect(t, port);
  for (const version of [3, 5]) {
    const otherType = await joinGroup(other, groupId, { version, protocolType: 'connect' });
    t.is(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `v${version} protocol type`);
    const noCommon = await joinGroup(other, groupId, { version, protocols: protocols('sub', 'sticky', 'cooperative-sticky') });
    t.is(noCommon.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `v${version} protocols`);
  }
  // An empty protocol type or list is refused even by an empty group.
  t.is((await joinGroup(other, 'fresh', { version: 3, protocolType: '' })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  t.is((await joinGroup(other, 'fresh', { version: 3, protocols: [] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  // The refused joins did not start a rebalance.
  t.is(await heartbeat(a.client, groupId, 1, a.memberId), ErrorCode.NONE);
});

test('static membership: a second join with the same group.instance.id replaces the member; the old member id is fenced', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const groupId = 'static';
  const instance = 'instance-1';
  const oldClient = await connect(t, port);
  // A static member joins directly: no MEMBER_ID_REQUIRED round.
  const first = await joinGroup(oldClient, groupId, { groupInstanceId: instance });
  t.is(first.errorCode, ErrorCode.NONE);
  t.is(first.generationId, 1);
  t.deepEqual(first.members, [{ memberId: first.memberId, groupInstanceId: instance, metadata: Buffer.from('sub:range') }]);
  const oldId = first.memberId;
  const synced = await syncGroup(oldClient, groupId, 1, oldId, [{ memberId: oldId, assignment: Buffer.from('static-asg') }], instance);
  t.is(synced.errorCode, ErrorCode.NONE);

  // The same instance restarts and joins without a member id.
  const newClient = await connect(t, port);
  const second = await joinGroup(newClient, groupId, { groupInstanceId: instance });
  t.is(second.errorCode, ErrorCode.NONE);
  t.not(second.memberId, oldId);
  t.is(second.generationId, 1, 'an unchanged static member comes back without a rebalance');
  const newId = second.memberId;

  t.is(await heartbeat(oldClient, groupId, 1, oldId, instance), ErrorCode.FENCED_INSTANCE_ID);
  t.is((await syncGroup(oldClient, groupId, 1, oldId, [], instance)).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  t.is(await heartbeat(newClient, groupId, 1, newId, instance), ErrorCode.NONE);
  const newSync = await syncGroup(newClient, groupId, 1, newId, [], instance);
  t.is(newSync.errorCode, ErrorCode.NONE);
  t.deepEqual(newSync.assignment, Buffer.from('static-asg'), 'the replacement keeps the assignment');

  const described = await describeGroup(admin, groupId);
  t.is(described.groupState, 'Stable');
  t.deepEqual(
    described.members.map((m) => [m.memberId, m.groupInstanceId]),
    [[newId, instance]],
  );
});

test('a static member rejoining with new metadata keeps the generation; one that changes the selected protocol rebalances', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const groupId = 'static-metadata';
  const instance = 'instance-m';
  const first = await connect(t, port);
  const joined = await joinGroup(first, groupId, { groupInstanceId: instance, protocols: protocols('v1', 'cooperative-sticky', 'range') });
  t.is(joined.protocolName, 'cooperative-sticky');
  await syncGroup(first, groupId, 1, joined.memberId, [{ memberId: joined.memberId, assignment: Buffer.from('asg') }], instance);

  // Restarted with other subscription bytes (owned partitions change them), same protocols: no rebalance, new bytes kept.
  const second = await connect(t, port);
  const rejoined = await joinGroup(second, groupId, { groupInstanceId: instance, protocols: protocols('v2', 'cooperative-sticky', 'range') });
  t.is(rejoined.errorCode, ErrorCode.NONE);
  t.is(rejoined.generationId, 1);
  const stable = await describeGroup(admin, groupId);
  t.is(stable.groupState, 'Stable');
  t.deepEqual(stable.members.map((m) => m.memberMetadata), [Buffer.from('v2:cooperative-sticky')]);

  // Restarted offering only range: the group's protocol would change, so it rebalances.
  const third = await connect(t, port);
  const changed = await joinGroup(third, groupId, { groupInstanceId: instance, protocols: protocols('v3', 'range') });
  t.is(changed.errorCode, ErrorCode.NONE);
  t.is(changed.generationId, 2);
  t.is(changed.protocolName, 'range');
});

test('groups.maxSize caps a group: the third joiner gets GROUP_MAX_SIZE_REACHED', async (t) => {
  const { port } = await startTestBroker(t, { groups: { ...GROUPS, maxSize: 2 } });
  const groupId = 'capped';
  await stablePair(t, port, groupId);
  const third = await connect(t, port);
  for (const version of [3, 5]) {
    const joined = await joinGroup(third, groupId, { version });
    t.is(joined.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED, `v${version}`);
    t.is(joined.memberId, '');
  }
  const admin = await connect(t, port);
  const described = await describeGroup(admin, groupId);
  t.is(described.groupState, 'Stable');
  t.is(described.members.length, 2);
});

// ---------------------------------------------------------------------------------------------
// Leaving

test('LeaveGroup v0-2: the remaining member must rejoin; when the last member leaves the group is Empty', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  for (const version of [0, 1, 2]) {
    const groupId = `leave-v${version}`;
    const { a, b, generationId } = await stablePair(t, port, groupId);
    const left = await b.client.request(ApiKey.LEAVE_GROUP, version, { groupId, memberId: b.memberId });
    t.is(left.errorCode, ErrorCode.NONE, `v${version}`);
    t.is(await heartbeat(a.client, groupId, generationId, a.memberId), ErrorCode.REBALANCE_IN_PROGRESS, `v${version}`);
    t.is(await heartbeat(b.client, groupId, generationId, b.memberId), ErrorCode.UNKNOWN_MEMBER_ID, `v${version}`);

    const rejoin = await joinGroup(a.client, groupId, { memberId: a.memberId, protocols: protocols('sub-a') });
    t.is(rejoin.errorCode, ErrorCode.NONE);
    t.is(rejoin.generationId, generationId + 1);
    t.deepEqual(
      rejoin.members.map((m) => m.memberId),
      [a.memberId],
    );
    t.is((await syncGroup(a.client, groupId, rejoin.generationId, a.memberId, [{ memberId: a.memberId, assignment: Buffer.from('all') }])).errorCode, ErrorCode.NONE);

    const unknown = await admin.request(ApiKey.LEAVE_GROUP, version, { groupId, memberId: 'nobody' });
    t.is(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, `v${version} unknown member`);

    t.is((await a.client.request(ApiKey.LEAVE_GROUP, version, { groupId, memberId: a.memberId })).errorCode, ErrorCode.NONE);
    const described = await waitForState(admin, groupId, 'Empty');
    t.deepEqual(described.members, []);
    t.is(described.protocolType, 'consumer');
    t.is(described.protocolData, '');
  }
});

test('LeaveGroup v3 takes a batch and answers each member on its own', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const groupId = 'leave-batch';
  const { a, b, generationId } = await stablePair(t, port, groupId);
  const left = await admin.request(ApiKey.LEAVE_GROUP, 3, {
    groupId,
    members: [
      { memberId: a.memberId, groupInstanceId: null },
      { memberId: 'nobody', groupInstanceId: null },
    ],
  });
  t.is(left.errorCode, ErrorCode.NONE);
  t.deepEqual(left.members, [
    { memberId: a.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE },
    { memberId: 'nobody', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
  ]);
  t.is(await heartbeat(b.client, groupId, generationId, b.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoin = await joinGroup(b.client, groupId, { memberId: b.memberId, protocols: protocols('sub-b') });
  t.is(rejoin.errorCode, ErrorCode.NONE);
  t.is(rejoin.generationId, generationId + 1);
  t.is(rejoin.leader, b.memberId, 'the leader left, so the remaining member leads');
  t.deepEqual(
    rejoin.members.map((m) => m.memberId),
    [b.memberId],
  );

  const last = await admin.request(ApiKey.LEAVE_GROUP, 3, { groupId, members: [{ memberId: b.memberId, groupInstanceId: null }] });
  t.deepEqual(last.members, [{ memberId: b.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE }]);
  const described = await waitForState(admin, groupId, 'Empty');
  t.deepEqual(described.members, []);
});

test('a static member leaves by its instance id alone (LeaveGroup v3, empty member id)', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const client = await connect(t, port);
  const joined = await joinGroup(client, 'static-leave', { groupInstanceId: 'inst' });
  t.is(joined.errorCode, ErrorCode.NONE);
  const left = await admin.request(ApiKey.LEAVE_GROUP, 3, { groupId: 'static-leave', members: [{ memberId: '', groupInstanceId: 'inst' }] });
  t.deepEqual(left.members, [{ memberId: '', groupInstanceId: 'inst', errorCode: ErrorCode.NONE }]);
  await waitForState(admin, 'static-leave', 'Empty');
  t.pass();
});

// ---------------------------------------------------------------------------------------------
// Sessions

test('a member that stops heartbeating is removed after its session timeout; the other rejoins alone', async (t) => {
  const { port } = await startTestBroker(t, { groups: { ...GROUPS, minSessionTimeoutMs: 100 } });
  const admin = await connect(t, port);
  const groupId = 'expiry';
  const a = await stableSolo(t, port, groupId, Buffer.from('a1'), { protocols: protocols('sub-a') });
  const bClient = await connect(t, port);
  // B: a 300 ms session (this broker allows sessions from 100 ms). It joins directly (v3) and
  // then sends nothing more: no SyncGroup, no heartbeat.
  const bJoined = joinGroup(bClient, groupId, { version: 3, protocols: protocols('sub-b'), sessionTimeoutMs: 300 });
  await pollUntil(
    () => heartbeat(a.client, groupId, 1, a.memberId),
    (code) => code === ErrorCode.REBALANCE_IN_PROGRESS,
    'A to be told to rejoin',
  );
  const [aJoin, bJoin] = await Promise.all([joinGroup(a.client, groupId, { memberId: a.memberId, protocols: protocols('sub-a') }), bJoined]);
  t.is(aJoin.generationId, 2);
  t.is(bJoin.generationId, 2);
  t.is(aJoin.members.length, 2);
  const bId = bJoin.memberId;

  // B's session runs from the end of the join. Whether it expires before or after the
  // leader's SyncGroup, A is told to rejoin: by the SyncGroup itself or by a heartbeat.
  const aSync = await syncGroup(a.client, groupId, 2, a.memberId, [
    { memberId: a.memberId, assignment: Buffer.from('a2') },
    { memberId: bId, assignment: Buffer.from('b2') },
  ]);
  t.true(aSync.errorCode === ErrorCode.NONE || aSync.errorCode === ErrorCode.REBALANCE_IN_PROGRESS, `sync answered ${aSync.errorCode}`);
  if (aSync.errorCode === ErrorCode.NONE) {
    await pollUntil(
      () => heartbeat(a.client, groupId, 2, a.memberId),
      (code) => code === ErrorCode.REBALANCE_IN_PROGRESS,
      'B’s session to expire',
      10_000,
    );
  }
  const rejoin = await joinGroup(a.client, groupId, { memberId: a.memberId, protocols: protocols('sub-a') });
  t.is(rejoin.errorCode, ErrorCode.NONE);
  t.is(rejoin.generationId, 3);
  t.deepEqual(
    rejoin.members.map((m) => m.memberId),
    [a.memberId],
  );
  t.is((await syncGroup(a.client, groupId, 3, a.memberId, [{ memberId: a.memberId, assignment: Buffer.from('a3') }])).errorCode, ErrorCode.NONE);
  const described = await describeGroup(admin, groupId);
  t.is(described.groupState, 'Stable');
  t.deepEqual(
    described.members.map((m) => m.memberId),
    [a.memberId],
  );
  t.is(await heartbeat(bClient, groupId, 2, bId), ErrorCode.UNKNOWN_MEMBER_ID);
});

// ---------------------------------------------------------------------------------------------
// Administration

test('DescribeGroups v0-4 report Stable groups with protocol, members, metadata and assignments; unknown groups are Dead', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const groupId = 'described';
  const { a, b, generationId } = await stablePair(t, port, groupId);
  for (const version of [0, 1, 2, 3, 4]) {
    const described = await describeGroup(admin, groupId, version);
    t.is(described.errorCode, ErrorCode.NONE, `v${version}`);
    t.is(described.groupId, groupId);
    t.is(described.groupState, 'Stable');
    t.is(described.protocolType, 'consumer');
    t.is(described.protocolData, 'range');
    const members = [...described.members].sort((x, y) => x.memberId.localeCompare(y.memberId));
    const expected = [
      { memberId: a.memberId, groupInstanceId: null, clientId: CLIENT_ID, clientHost: '/127.0.0.1', memberMetadata: Buffer.from('sub-a:range'), memberAssignment: Buffer.from('asg-a') },
      { memberId: b.memberId, groupInstanceId: null, clientId: CLIENT_ID, clientHost: '/127.0.0.1', memberMetadata: Buffer.from('sub-b:range'), memberAssignment: Buffer.from('asg-b') },
    ].sort((x, y) => x.memberId.localeCompare(y.memberId));
    t.deepEqual(members, expected, `v${version}`);
  }
  t.is(generationId, 2);

  const unknown = await describeGroup(admin, 'never-existed', 0);
  t.is(unknown.errorCode, ErrorCode.NONE);
  t.is(unknown.groupState, 'Dead');
  t.is(unknown.protocolType, '');
  t.is(unknown.protocolData, '');
  t.deepEqual(unknown.members, []);

  // Several groups in one request, answered in order.
  const both = await admin.request(ApiKey.DESCRIBE_GROUPS, 4, { groups: ['never-existed', groupId], includeAuthorizedOperations: false });
  t.deepEqual(
    both.groups.map((g) => [g.groupId, g.groupState]),
    [
      ['never-existed', 'Dead'],
      [groupId, 'Stable'],
    ],
  );
});

test('DescribeGroups of a group completing its rebalance shows no protocol, metadata or assignment (as Kafka)', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const client = await connect(t, port);
  const joined = await joinGroup(client, 'completing', { version: 3 });
  t.is(joined.errorCode, ErrorCode.NONE);
  const described = await describeGroup(admin, 'completing');
  t.is(described.groupState, 'CompletingRebalance');
  t.is(described.protocolType, 'consumer');
  t.is(described.protocolData, '');
  t.deepEqual(
    described.members.map((m) => [m.memberId, m.memberMetadata, m.memberAssignment]),
    [[joined.memberId, Buffer.alloc(0), Buffer.alloc(0)]],
  );
});

test('ListGroups v0-2 list every live group with its protocol type', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  for (const version of [0, 1, 2]) {
    const none = await admin.request(ApiKey.LIST_GROUPS, version, {});
    t.is(none.errorCode, ErrorCode.NONE);
    t.deepEqual(none.groups, []);
  }
  await stableSolo(t, port, 'listed-stable');
  const leaver = await stableSolo(t, port, 'listed-empty', Buffer.from('x'), { protocolType: 'connect' });
  t.is((await leaver.client.request(ApiKey.LEAVE_GROUP, 1, { groupId: 'listed-empty', memberId: leaver.memberId })).errorCode, ErrorCode.NONE);
  await waitForState(admin, 'listed-empty', 'Empty');
  for (const version of [0, 1, 2]) {
    const listed = await admin.request(ApiKey.LIST_GROUPS, version, {});
    t.is(listed.errorCode, ErrorCode.NONE);
    t.deepEqual(
      [...listed.groups].sort((x, y) => x.groupId.localeCompare(y.groupId)),
      [
        { groupId: 'listed-empty', protocolType: 'connect' },
        { groupId: 'listed-stable', protocolType: 'consumer' },
      ],
      `v${version}`,
    );
  }
});

test('DeleteGroups: a non-empty group is refused, an unknown one is not found, an empty one is deleted with its offsets', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  await createTopic(admin, 'deleted-offsets', 2);
  const live = await stableSolo(t, port, 'del-live');
  const leaver = await stableSolo(t, port, 'del-empty');
  const commit = await leaver.client.request(ApiKey.OFFSET_COMMIT, 7, {
    groupId: 'del-empty',
    generationIdOrMemberEpoch: leaver.generationId,
    memberId: leaver.memberId,
    groupInstanceId: null,
    topics: [{ name: 'deleted-offsets', partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
  });
  t.is(commit.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  t.is((await leaver.client.request(ApiKey.LEAVE_GROUP, 1, { groupId: 'del-empty', memberId: leaver.memberId })).errorCode, ErrorCode.NONE);
  await waitForState(admin, 'del-empty', 'Empty');

  for (const version of [0, 1]) {
    const refused = await admin.request(ApiKey.DELETE_GROUPS, version, { groupsNames: ['del-live', 'del-unknown'] });
    t.deepEqual(refused.results, [
      { groupId: 'del-live', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'del-unknown', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
  }
  t.is(await heartbeat(live.client, 'del-live', live.generationId, live.memberId), ErrorCode.NONE);

  const deleted = await admin.request(ApiKey.DELETE_GROUPS, 1, { groupsNames: ['del-empty'] });
  t.deepEqual(deleted.results, [{ groupId: 'del-empty', errorCode: ErrorCode.NONE }]);
  const fetched = await admin.request(ApiKey.OFFSET_FETCH, 5, { groupId: 'del-empty', topics: [{ name: 'deleted-offsets', partitionIndexes: [1] }] });
  t.is(fetched.topics[0]?.partitions[0]?.committedOffset, -1n);
  t.is((await describeGroup(admin, 'del-empty')).groupState, 'Dead');
  const listed = await admin.request(ApiKey.LIST_GROUPS, 2, {});
  t.deepEqual(
    listed.groups.map((g) => g.groupId),
    ['del-live'],
  );
  const again = await admin.request(ApiKey.DELETE_GROUPS, 1, { groupsNames: ['del-empty'] });
  t.deepEqual(again.results, [{ groupId: 'del-empty', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
});

test('a SyncGroup or Heartbeat racing a DeleteGroups gets an error, never an answer for a group that is gone', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const racer = await connect(t, port);
  const groupId = 'being-deleted';
  const m = await stableSolo(t, port, groupId);
  t.is((await m.client.request(ApiKey.LEAVE_GROUP, 1, { groupId, memberId: m.memberId })).errorCode, ErrorCode.NONE);
  await waitForState(admin, groupId, 'Empty');

  const deleting = admin.request(ApiKey.DELETE_GROUPS, 1, { groupsNames: [groupId] });
  const [deleted, sync, beat] = await Promise.all([
    deleting,
    syncGroup(racer, groupId, m.generationId, m.memberId, [{ memberId: m.memberId, assignment: Buffer.from('x') }]),
    heartbeat(racer, groupId, m.generationId, m.memberId),
  ]);
  t.deepEqual(deleted.results, [{ groupId, errorCode: ErrorCode.NONE }]);
  // COORDINATOR_NOT_AVAILABLE while the group is Dead (Kafka's answer mid-deletion), UNKNOWN_MEMBER_ID once it is gone.
  const goneOrGoing = (code: number): boolean => code === ErrorCode.COORDINATOR_NOT_AVAILABLE || code === ErrorCode.UNKNOWN_MEMBER_ID;
  t.true(goneOrGoing(sync.errorCode), `sync answered ${sync.errorCode}`);
  t.deepEqual(sync.assignment, Buffer.alloc(0));
  t.true(goneOrGoing(beat), `heartbeat answered ${beat}`);
  t.is((await syncGroup(racer, groupId, m.generationId, m.memberId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  // The name can be used again, from scratch.
  const fresh = await joinGroup(racer, groupId, { version: 3 });
  t.is(fresh.errorCode, ErrorCode.NONE);
  t.is(fresh.generationId, 1);
});

// ---------------------------------------------------------------------------------------------
// Abuse

test('a flood of 200 joins to one group from one connection does not hold up another group', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const flood = await connect(t, port);
  const floodJoins = Array.from({ length: 200 }, () =>
    // v3 joins directly; a long rebalance timeout keeps the flood's rebalance open for the whole test.
    joinGroup(flood, 'flood', { version: 3, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 120_000 }),
  );
  for (const join of floodJoins) void join.catch(() => undefined);

  const calm = await stableSolo(t, port, 'calm', Buffer.from('calm-asg'));
  t.is(calm.generationId, 1);
  t.is(await heartbeat(calm.client, 'calm', 1, calm.memberId), ErrorCode.NONE);
  t.is((await describeGroup(admin, 'calm')).groupState, 'Stable');

  const firstFlood = await floodJoins[0]!;
  t.is(firstFlood.errorCode, ErrorCode.NONE);
  t.is(firstFlood.generationId, 1);
  // The broker stops reading a connection with 100 answers outstanding; at least that many joined.
  const flooded = await pollUntil(
    () => describeGroup(admin, 'flood'),
    (g) => g.members.length >= 100,
    'the flood to arrive',
  );
  t.is(flooded.groupState, 'PreparingRebalance');
  t.true(flooded.members.length <= 200);
  t.is(await heartbeat(calm.client, 'calm', 1, calm.memberId), ErrorCode.NONE);
});

test('a JoinGroup with 1 MiB of protocol metadata is answered and the broker keeps serving', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const admin = await connect(t, port);
  const client = await connect(t, port);
  const blob = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 31) & 0xff;
  const joined = await joinGroup(client, 'big', { version: 3, protocols: [{ name: 'range', metadata: blob }] });
  t.is(joined.errorCode, ErrorCode.NONE);
  t.is(joined.members.length, 1);
  t.true(joined.members[0]?.metadata.equals(blob));

  // The group's record (1 MiB of subscription) exceeds __consumer_offsets' max.message.bytes, as it
  // would in Kafka, which answers the SyncGroup with UNKNOWN_SERVER_ERROR (the coordinator's
  // normalizeException maps RecordTooLarge to it) and starts another rebalance.
  const sync = await syncGroup(client, 'big', 1, joined.memberId, [{ memberId: joined.memberId, assignment: Buffer.from('a') }]);
  t.false(client.isClosed);
  t.is(sync.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  t.deepEqual(sync.assignment, Buffer.alloc(0));
  t.is(await heartbeat(client, 'big', 1, joined.memberId), ErrorCode.REBALANCE_IN_PROGRESS);
  const other = await stableSolo(t, port, 'small');
  t.is(await heartbeat(other.client, 'small', 1, other.memberId), ErrorCode.NONE);
  t.is((await describeGroup(admin, 'small')).groupState, 'Stable');
});

test('a JoinGroup whose protocol count lies closes that connection only', async (t) => {
  const { port } = await startTestBroker(t, { groups: GROUPS });
  const liar = await connect(t, port);
  const frame = encodeRequest(
    { apiKey: ApiKey.JOIN_GROUP, apiVersion: 3, correlationId: 99, clientId: CLIENT_ID },
    { groupId: 'lie', sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: REBALANCE_MS, memberId: '', protocolType: 'consumer', protocols: [] },
  ).finish();
  // The protocols array is the body's last field: claim 2^31-1 entries with no bytes behind them.
  frame.writeInt32BE(0x7fffffff, frame.length - 4);
  const answer = liar.expect(99);
  void answer.catch(() => undefined);
  liar.writeRaw(frame);
  await liar.closed;
  await t.throwsAsync(answer);
  const other = await stableSolo(t, port, 'after-lie');
  t.is(await heartbeat(other.client, 'after-lie', 1, other.memberId), ErrorCode.NONE);
});
