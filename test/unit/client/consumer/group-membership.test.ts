/**
 * A consumer's group membership on virtual time, without sockets: the real GroupMembership,
 * GroupCoordinator and Cluster talk to brokers FakeKafka plays, and each test answers the
 * group requests by hand, steps time, and checks what was sent and when — the join/sync
 * handshake, heartbeats every heartbeatIntervalMs, rejoins the coordinator asks for,
 * coordinator errors, leaving when the application stops polling, and close.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ApiKey, ErrorCode, decodeConsumerSubscription, encodeConsumerAssignment } from '../../../../core/protocol/index.ts';
import { Cluster } from '../../../../client/cluster.ts';
import { rangeAssignor } from '../../../../client/consumer/assignors.ts';
import { GroupCoordinator } from '../../../../client/consumer/coordinator.ts';
import { GroupMembership } from '../../../../client/consumer/group-membership.ts';
import type { MembershipOptions } from '../../../../client/consumer/group-membership.ts';
import type { TopicPartition } from '../../../../client/consumer/offsets.ts';
import { PollWatch } from '../../../../client/consumer/poll-watch.ts';
import { FakeKafka, brokerAddress, metadataAnswer } from '../../../helpers/fake-kafka.ts';
import type { Layout } from '../../../helpers/fake-kafka.ts';

const HEARTBEAT_MS = 3000;

interface Setup {
  readonly scheduler: VirtualScheduler;
  readonly kafka: FakeKafka;
  readonly cluster: Cluster;
  readonly membership: GroupMembership;
  /** What the hooks saw, in order: `assign orders-0,orders-1`, `revoke orders-0 lost`. */
  readonly events: string[];
  readonly failures: Error[];
  /** The node FindCoordinator names. */
  coordinatorId: number;
  /** What Metadata answers: `orders` has two partitions until a test adds some. */
  layout: Layout;
}

const names = (partitions: readonly TopicPartition[]): string => partitions.map((p) => `${p.topic}-${p.partition}`).join(',');

/** A member of `group` subscribing to `orders` (2 partitions), on brokers 1 and 2; broker 1 coordinates. */
function setup(options: Partial<MembershipOptions> = {}): Setup {
  const scheduler = new VirtualScheduler();
  const kafka = new FakeKafka(scheduler);
  const cluster = new Cluster({ bootstrapServers: 'seed:9092', scheduler, connect: kafka.connect });
  const events: string[] = [];
  const failures: Error[] = [];
  const membership = new GroupMembership(
    cluster,
    new GroupCoordinator(cluster, 'group'),
    {
      groupId: 'group',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 60_000,
      heartbeatIntervalMs: HEARTBEAT_MS,
      groupInstanceId: null,
      assignors: [rangeAssignor()],
      metadataMaxAgeMs: 300_000,
      ...options,
    },
    {
      topics: () => Promise.resolve(['orders']),
      revoke: (partitions, lost) => {
        events.push(`revoke ${names(partitions)}${lost ? ' lost' : ''}`);
        return Promise.resolve();
      },
      assign: (partitions) => {
        events.push(`assign ${names(partitions)}`);
        return Promise.resolve();
      },
      fail: (error) => failures.push(error),
      subscriptionChanged: () => Promise.resolve(false),
    },
  );
  const s: Setup = { scheduler, kafka, cluster, membership, events, failures, coordinatorId: 1, layout: { orders: [1, 2] } };
  kafka.answer(ApiKey.METADATA, (request) => metadataAnswer(s.layout, [1, 2], request.body.topics));
  kafka.answer(ApiKey.FIND_COORDINATOR, () => ({ errorCode: 0, nodeId: s.coordinatorId, host: `b${s.coordinatorId}`, port: 9092 }));
  kafka.answer(ApiKey.LEAVE_GROUP, () => ({ errorCode: 0, members: [] }));
  return s;
}

/** Answers the next JoinGroup (making this member the only one, and leader) and its SyncGroup; waits for the assignment. */
async function joinAs(s: Setup, memberId: string, generationId: number): Promise<void> {
  const join = await s.kafka.next(ApiKey.JOIN_GROUP);
  const protocol = join.body.protocols[0]!;
  join.respond({ errorCode: 0, generationId, protocolName: protocol.name, leader: memberId, memberId, members: [{ memberId, groupInstanceId: null, metadata: protocol.metadata }] });
  const sync = await s.kafka.next(ApiKey.SYNC_GROUP);
  const mine = sync.body.assignments.find((a) => a.memberId === memberId);
  sync.respond({ errorCode: 0, assignment: mine?.assignment ?? encodeConsumerAssignment({ topics: [] }) });
  const assigned = s.events.length + 1;
  await s.kafka.until(() => s.events.length >= assigned && s.membership.canCommit, 'the assignment');
}

/** Closes the member and the cluster, and checks that nothing is left armed. */
async function closeAll(t: ExecutionContext, s: Setup): Promise<void> {
  await s.membership.close();
  await s.cluster.close();
  await s.scheduler.tick(0);
  t.is(s.scheduler.pendingTimers(), 0, 'close() leaves no timer armed');
  t.deepEqual(s.failures, []);
}

test('joins with the id the coordinator hands out, leads, and gets the assignment it computed', async (t) => {
  const s = setup();
  s.membership.start();
  const first = await s.kafka.next(ApiKey.JOIN_GROUP);
  t.is(first.address, brokerAddress(1), 'JoinGroup goes to the coordinator');
  t.is(first.body.memberId, '');
  t.deepEqual(decodeConsumerSubscription(first.body.protocols[0]!.metadata).topics, ['orders']);
  first.respond({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'm-1' });
  const second = await s.kafka.next(ApiKey.JOIN_GROUP);
  t.is(second.body.memberId, 'm-1', 'the member comes back with the id it was given');
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));
  second.respond({
    errorCode: 0,
    generationId: 1,
    protocolName: 'range',
    leader: 'm-1',
    memberId: 'm-1',
    members: [{ memberId: 'm-1', groupInstanceId: null, metadata: second.body.protocols[0]!.metadata }],
  });
  const sync = await s.kafka.next(ApiKey.SYNC_GROUP);
  t.is(sync.body.generationId, 1);
  t.deepEqual(
    sync.body.assignments.map((a) => a.memberId),
    ['m-1'],
  );
  sync.respond({ errorCode: 0, assignment: sync.body.assignments[0]!.assignment });
  await s.kafka.until(() => s.events.length === 1, 'the assignment');
  t.deepEqual(s.events, ['assign orders-0,orders-1']);
  t.is(s.membership.memberId, 'm-1');
  t.is(s.membership.generationId, 1);
  t.true(s.membership.canCommit);
  await closeAll(t, s);
});

test('heartbeats every heartbeatIntervalMs with its generation; close revokes, sends LeaveGroup, and heartbeats stop', async (t) => {
  const s = setup();
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));
  s.membership.start();
  await joinAs(s, 'm-1', 1);
  const joinedAt = s.scheduler.now();

  await s.scheduler.tick(HEARTBEAT_MS - 1);
  t.is(s.kafka.sent(ApiKey.HEARTBEAT).length, 0, 'no heartbeat before the interval');
  await s.scheduler.tick(1 + 3 * HEARTBEAT_MS);
  const beats = s.kafka.sent(ApiKey.HEARTBEAT);
  t.deepEqual(
    beats.map((b) => b.at - joinedAt),
    [1, 2, 3, 4].map((n) => n * HEARTBEAT_MS),
  );
  for (const beat of beats) {
    t.is(beat.address, brokerAddress(1));
    t.like(beat.body, { groupId: 'group', generationId: 1, memberId: 'm-1' });
  }

  await s.membership.close();
  t.deepEqual(s.events, ['assign orders-0,orders-1', 'revoke orders-0,orders-1']);
  const leaves = s.kafka.sent(ApiKey.LEAVE_GROUP);
  t.is(leaves.length, 1);
  const leave = leaves[0]!.body;
  t.deepEqual(leaves[0]!.version >= 3 ? leave.members.map((m) => m.memberId) : [leave.memberId], ['m-1']);
  await s.scheduler.tick(10 * HEARTBEAT_MS);
  t.is(s.kafka.sent(ApiKey.HEARTBEAT).length, 4, 'no heartbeat after leaving');
  await closeAll(t, s);
});

test('REBALANCE_IN_PROGRESS on a heartbeat: revokes (eager) and rejoins at once with the same member id', async (t) => {
  const s = setup();
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS }));
  s.membership.start();
  await joinAs(s, 'm-1', 1);
  await s.scheduler.tick(HEARTBEAT_MS);
  await s.kafka.until(() => s.kafka.sent(ApiKey.HEARTBEAT).length === 1, 'a heartbeat');
  const beat = s.kafka.sent(ApiKey.HEARTBEAT)[0]!;
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));

  const rejoin = await s.kafka.next(ApiKey.JOIN_GROUP);
  t.is(rejoin.at, beat.at, 'the rejoin does not wait');
  t.is(rejoin.body.memberId, 'm-1');
  t.deepEqual(s.events, ['assign orders-0,orders-1', 'revoke orders-0,orders-1']);
  t.false(s.membership.canCommit, 'no commits once JoinGroup is sent');
  await joinAs(s, 'm-1', 2);
  t.is(s.membership.generationId, 2);
  t.deepEqual(s.events.at(-1), 'assign orders-0,orders-1');

  const requests = s.kafka.requests.map((r) => r.apiKey).filter((k) => k !== ApiKey.METADATA && k !== ApiKey.FIND_COORDINATOR);
  t.deepEqual(requests, [ApiKey.JOIN_GROUP, ApiKey.SYNC_GROUP, ApiKey.HEARTBEAT, ApiKey.JOIN_GROUP, ApiKey.SYNC_GROUP]);
  await s.scheduler.tick(HEARTBEAT_MS);
  t.like(s.kafka.sent(ApiKey.HEARTBEAT).at(-1)?.body, { generationId: 2, memberId: 'm-1' });
  await closeAll(t, s);
});

test('UNKNOWN_MEMBER_ID on a heartbeat: the partitions are lost and the member rejoins with no id', async (t) => {
  const s = setup();
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID }));
  s.membership.start();
  await joinAs(s, 'm-1', 1);
  await s.scheduler.tick(HEARTBEAT_MS);
  const rejoin = await s.kafka.next(ApiKey.JOIN_GROUP);
  t.is(rejoin.body.memberId, '');
  t.deepEqual(s.events, ['assign orders-0,orders-1', 'revoke orders-0,orders-1 lost']);
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));
  await joinAs(s, 'm-2', 2);
  await closeAll(t, s);
});

test('a coordinator error backs off, finds the coordinator again, and heartbeats to the new one', async (t) => {
  const s = setup();
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: ErrorCode.NOT_COORDINATOR }));
  s.membership.start();
  await joinAs(s, 'm-1', 1);
  const joinedAt = s.scheduler.now();
  t.is(s.kafka.sent(ApiKey.FIND_COORDINATOR).length, 1);

  // The group moved to broker 2.
  s.coordinatorId = 2;
  await s.scheduler.tick(HEARTBEAT_MS);
  await s.kafka.until(() => s.kafka.sent(ApiKey.HEARTBEAT).length === 1, 'the failing heartbeat');
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));
  // A 100 ms backoff, then the usual interval.
  await s.scheduler.tick(100 + HEARTBEAT_MS - 1);
  t.is(s.kafka.sent(ApiKey.HEARTBEAT).length, 1);
  await s.scheduler.tick(1);
  await s.kafka.until(() => s.kafka.sent(ApiKey.HEARTBEAT).length === 2, 'the heartbeat to the new coordinator');
  const find = s.kafka.sent(ApiKey.FIND_COORDINATOR);
  t.is(find.length, 2, 'the coordinator is looked up again');
  t.is(find[1]!.at - joinedAt, 2 * HEARTBEAT_MS + 100);
  const beat = s.kafka.sent(ApiKey.HEARTBEAT)[1]!;
  t.is(beat.address, brokerAddress(2));
  t.like(beat.body, { generationId: 1, memberId: 'm-1' });
  t.deepEqual(s.events, ['assign orders-0,orders-1'], 'a coordinator move costs no partitions');
  await closeAll(t, s);
});

test('a coordinator still loading: JoinGroup is retried with a backoff that doubles', async (t) => {
  const s = setup();
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));
  s.membership.start();
  const start = s.scheduler.now();
  for (const wait of [100, 200]) {
    const join = await s.kafka.next(ApiKey.JOIN_GROUP);
    join.respond({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    await s.kafka.until(() => s.scheduler.pendingTimers() === 1, 'the backoff');
    await s.scheduler.tick(wait - 1);
    t.is(s.kafka.sent(ApiKey.JOIN_GROUP).filter((r) => !r.answered).length, 0, `the retry waits ${wait} ms`);
    await s.scheduler.tick(1);
  }
  await joinAs(s, 'm-1', 1);
  t.deepEqual(
    s.kafka.sent(ApiKey.JOIN_GROUP).map((r) => r.at - start),
    [0, 100, 300],
  );
  await closeAll(t, s);
});

test('past max.poll.interval the member leaves (LeaveGroup, partitions lost, no heartbeats) and rejoins when the application polls', async (t) => {
  const s = setup();
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));
  const maxPollIntervalMs = 10_000;
  // Wired as the Consumer wires them.
  const watch = new PollWatch(s.scheduler);
  s.membership.start();
  watch.start(maxPollIntervalMs, () => {
    s.membership.pollTimedOut();
  });
  const start = s.scheduler.now();
  await joinAs(s, 'm-1', 1);

  await s.scheduler.tick(maxPollIntervalMs);
  t.is(s.kafka.sent(ApiKey.LEAVE_GROUP).length, 0, 'still within the interval');
  // The watch looks every second (interval / 5, at most 1 s): it sees the expiry at its next look.
  await s.scheduler.tick(1000);
  await s.kafka.until(() => s.kafka.sent(ApiKey.LEAVE_GROUP).length === 1, 'LeaveGroup');
  const leave = s.kafka.sent(ApiKey.LEAVE_GROUP)[0]!;
  t.is(leave.at - start, maxPollIntervalMs + 1000);
  t.deepEqual(leave.version >= 3 ? leave.body.members.map((m) => m.memberId) : [leave.body.memberId], ['m-1']);
  t.deepEqual(s.events, ['assign orders-0,orders-1', 'revoke orders-0,orders-1 lost']);
  t.false(s.membership.canCommit);
  t.deepEqual(
    s.kafka.sent(ApiKey.HEARTBEAT).map((b) => b.at - start),
    [1, 2, 3].map((n) => n * HEARTBEAT_MS),
    'no heartbeat once the interval passed',
  );

  await s.scheduler.tick(60_000);
  t.is(s.kafka.sent(ApiKey.HEARTBEAT).length, 3, 'no heartbeat while out of the group');
  t.is(s.kafka.sent(ApiKey.JOIN_GROUP).length, 1, 'no rejoin until the application polls');

  // The application asks for records again.
  const polled = watch.poll(
    () => {
      s.membership.resumePolling();
    },
    () => Promise.resolve(),
  );
  const rejoin = await s.kafka.next(ApiKey.JOIN_GROUP);
  t.is(rejoin.body.memberId, '', 'a member that left joins as a new one');
  await joinAs(s, 'm-2', 2);
  await polled;
  t.false(watch.expired);
  watch.stop();
  await closeAll(t, s);
});

test('the leader checks the partition counts it assigned from every metadataMaxAgeMs and rejoins when partitions were added', async (t) => {
  const s = setup({ metadataMaxAgeMs: 10_000 });
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));
  s.membership.start();
  await joinAs(s, 'm-1', 1);
  const joinedAt = s.scheduler.now();
  const metadataAtJoin = s.kafka.sent(ApiKey.METADATA).length;
  s.layout = { orders: [1, 2, 1] };

  // Checked after the first heartbeat at least metadataMaxAgeMs after the assignment: the fourth.
  await s.scheduler.tick(3 * HEARTBEAT_MS);
  t.is(s.kafka.sent(ApiKey.JOIN_GROUP).length, 1);
  t.is(s.kafka.sent(ApiKey.METADATA).length, metadataAtJoin, 'no check within metadataMaxAgeMs');
  await s.scheduler.tick(HEARTBEAT_MS);
  const rejoin = await s.kafka.next(ApiKey.JOIN_GROUP);
  t.is(rejoin.at - joinedAt, 4 * HEARTBEAT_MS);
  await joinAs(s, 'm-1', 2);
  t.is(s.events.at(-1), 'assign orders-0,orders-1,orders-2');
  await closeAll(t, s);
});

test('while a subscribed topic does not exist the leader checks after every heartbeat, and rejoins once it is created', async (t) => {
  const s = setup();
  s.layout = {};
  s.kafka.answer(ApiKey.HEARTBEAT, () => ({ errorCode: 0 }));
  s.membership.start();
  const join = await s.kafka.next(ApiKey.JOIN_GROUP);
  const protocol = join.body.protocols[0]!;
  join.respond({ errorCode: 0, generationId: 1, protocolName: protocol.name, leader: 'm-1', memberId: 'm-1', members: [{ memberId: 'm-1', groupInstanceId: null, metadata: protocol.metadata }] });
  const sync = await s.kafka.next(ApiKey.SYNC_GROUP);
  t.deepEqual(sync.body.assignments.map((a) => a.memberId), ['m-1']);
  sync.respond({ errorCode: 0, assignment: sync.body.assignments[0]!.assignment });
  await s.kafka.until(() => s.membership.canCommit, 'the empty assignment');
  const metadataAtJoin = s.kafka.sent(ApiKey.METADATA).length;

  // Far inside metadataMaxAgeMs (300 s): each heartbeat is followed by a look for the topic.
  await s.scheduler.tick(HEARTBEAT_MS);
  t.is(s.kafka.sent(ApiKey.METADATA).length, metadataAtJoin + 1);
  await s.scheduler.tick(HEARTBEAT_MS);
  t.is(s.kafka.sent(ApiKey.METADATA).length, metadataAtJoin + 2);
  t.is(s.kafka.sent(ApiKey.JOIN_GROUP).length, 1);

  s.layout = { orders: [1, 2] };
  await s.scheduler.tick(HEARTBEAT_MS);
  const rejoin = await s.kafka.next(ApiKey.JOIN_GROUP);
  t.truthy(rejoin);
  await joinAs(s, 'm-1', 2);
  t.is(s.events.at(-1), 'assign orders-0,orders-1');
  await closeAll(t, s);
});
