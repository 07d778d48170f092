import test from 'ava';
import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { createLogger } from '../../../../broker/index.ts';
import { ClassicGroup } from '../../../../broker/groups/classic-group.ts';
import { GROUP_TRANSITIONS, GroupCoordinator, GroupErrorCode, GroupState } from '../../../../broker/groups/index.ts';
import type { CoordinatorLog, CoordinatorRecord, GroupSettings, JoinResult, SyncResult, WriteOutcome } from '../../../../broker/groups/index.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

/*
 * The group coordinator on virtual time, with an in-memory `__consumer_offsets`: step it
 * with requests, advance the clock, and assert what it answered and what state it is in
 * (Kafka's GroupCoordinatorShard tests with MockTime). No broker, no sockets, no waiting.
 */

const SETTINGS: GroupSettings = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 1_000,
  maxSessionTimeoutMs: 300_000,
  maxSize: 100,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

/** `__consumer_offsets` as a list of records; a write can be made to fail. */
class MemoryLog implements CoordinatorLog {
  readonly records: CoordinatorRecord[] = [];
  failWith: WriteOutcome | undefined;

  append(_key: string, records: readonly CoordinatorRecord[]): Promise<WriteOutcome> {
    if (this.failWith !== undefined) return Promise.resolve(this.failWith);
    this.records.push(...records);
    return Promise.resolve({ ok: true });
  }

  read(visit: (record: CoordinatorRecord) => void): void {
    for (const record of this.records) visit(record);
  }
}

interface Harness {
  readonly scheduler: VirtualScheduler;
  readonly log: MemoryLog;
  readonly coordinator: GroupCoordinator;
}

function harness(t: ExecutionContext, log = new MemoryLog(), scheduler = new VirtualScheduler(), settings: Partial<GroupSettings> = {}): Harness {
  const coordinator = new GroupCoordinator({
    offsetsTopic: log,
    settings: { ...SETTINGS, ...settings },
    scheduler,
    logger: createLogger({ level: 'silent' }),
    partitionExists: (topic) => topic !== 'missing',
  });
  coordinator.start();
  t.teardown(() => {
    coordinator.close();
  });
  return { scheduler, log, coordinator };
}

interface JoinOptions {
  memberId?: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  subscription?: string;
  groupInstanceId?: string | null;
}

function join(coordinator: GroupCoordinator, groupId: string, options: JoinOptions = {}): Promise<JoinResult> {
  return Promise.resolve(
    coordinator.join({
      groupId,
      memberId: options.memberId ?? '',
      groupInstanceId: options.groupInstanceId ?? null,
      clientId: 'client',
      clientHost: '/127.0.0.1',
      sessionTimeoutMs: options.sessionTimeoutMs ?? 60_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from(options.subscription ?? 'sub') }],
      requireKnownMemberId: false,
    }),
  );
}

function sync(coordinator: GroupCoordinator, groupId: string, joined: JoinResult, assignments: Record<string, string> = {}): Promise<SyncResult> {
  return Promise.resolve(
    coordinator.sync(
      { groupId, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null },
      Object.entries(assignments).map(([memberId, assignment]) => ({ memberId, assignment: Buffer.from(assignment) })),
    ),
  );
}

function heartbeat(coordinator: GroupCoordinator, groupId: string, joined: { memberId: string; generationId: number }): number {
  return coordinator.heartbeat({ groupId, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null });
}

/** Tracks whether a promise has settled, to show that an answer is being held back. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  void promise.then(() => (done = true));
  return { promise, settled: () => done };
}

/** A alone, then B: both rejoin and sync. Returns both at generation 2, Stable. */
async function stablePair(coordinator: GroupCoordinator, groupId: string, a: JoinOptions, b: JoinOptions): Promise<{ a: JoinResult; b: JoinResult }> {
  const a1 = await join(coordinator, groupId, a);
  await sync(coordinator, groupId, a1, { [a1.memberId]: 'a1' });
  const bJoin = join(coordinator, groupId, b);
  const a2 = await join(coordinator, groupId, { ...a, memberId: a1.memberId });
  const b2 = await bJoin;
  const [aSync, bSync] = await Promise.all([sync(coordinator, groupId, a2, { [a2.memberId]: 'a2', [b2.memberId]: 'b2' }), sync(coordinator, groupId, b2)]);
  if (aSync.errorCode !== ErrorCode.NONE || bSync.errorCode !== ErrorCode.NONE) throw new Error(`pair sync failed: ${aSync.errorCode}/${bSync.errorCode}`);
  return { a: a2, b: b2 };
}

function memberIds(coordinator: GroupCoordinator, groupId: string): string[] {
  return coordinator.describe(groupId).members.map((m) => m.memberId);
}

test('a member whose session times out is removed and the group rebalances without it', async (t) => {
  const { scheduler, coordinator } = harness(t);
  const { a, b } = await stablePair(coordinator, 'g', { sessionTimeoutMs: 60_000 }, { sessionTimeoutMs: 10_000 });
  t.is(a.generationId, 2);
  t.is(coordinator.describe('g').state, GroupState.STABLE);

  // B's session started with its SyncGroup; nothing has been heard from it since.
  scheduler.advance(9_999);
  t.deepEqual(memberIds(coordinator, 'g'), [a.memberId, b.memberId]);
  t.is(coordinator.describe('g').state, GroupState.STABLE);
  scheduler.advance(1);
  t.deepEqual(memberIds(coordinator, 'g'), [a.memberId]);
  t.is(coordinator.describe('g').state, GroupState.PREPARING_REBALANCE);

  t.is(heartbeat(coordinator, 'g', a), ErrorCode.REBALANCE_IN_PROGRESS);
  t.is(heartbeat(coordinator, 'g', b), ErrorCode.UNKNOWN_MEMBER_ID);
  const rejoined = await join(coordinator, 'g', { memberId: a.memberId });
  t.is(rejoined.errorCode, ErrorCode.NONE);
  t.is(rejoined.generationId, 3);
  t.deepEqual(
    rejoined.members.map((m) => m.memberId),
    [a.memberId],
  );
  t.is((await sync(coordinator, 'g', rejoined, { [a.memberId]: 'a3' })).errorCode, ErrorCode.NONE);
  t.is(coordinator.describe('g').state, GroupState.STABLE);
});

test('heartbeats keep a session alive on virtual time; silence ends it exactly at the session timeout', async (t) => {
  const { scheduler, coordinator } = harness(t);
  const a = await join(coordinator, 'g', { sessionTimeoutMs: 10_000 });
  await sync(coordinator, 'g', a, { [a.memberId]: 'a' });
  for (let i = 0; i < 10; i++) {
    scheduler.advance(9_000);
    t.is(heartbeat(coordinator, 'g', a), ErrorCode.NONE);
  }
  scheduler.advance(10_000);
  t.is(heartbeat(coordinator, 'g', a), ErrorCode.UNKNOWN_MEMBER_ID);
  // The last member gone, the join phase ends at once: the next generation is empty.
  t.is(coordinator.describe('g').state, GroupState.EMPTY);
  t.is(coordinator.describe('g').generation, 2);
});

test('a straggler that does not rejoin within the rebalance timeout is removed; the generation completes without it', async (t) => {
  const { scheduler, coordinator } = harness(t);
  const timeouts = { sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 5_000 };
  const { a, b } = await stablePair(coordinator, 'g', timeouts, timeouts);

  // C joins: A and B must rejoin. A does; B, the straggler, only keeps heartbeating.
  const cJoin = track(join(coordinator, 'g', timeouts));
  t.is(heartbeat(coordinator, 'g', a), ErrorCode.REBALANCE_IN_PROGRESS);
  const aJoin = track(join(coordinator, 'g', { ...timeouts, memberId: a.memberId }));
  await scheduler.tick(4_999);
  t.is(heartbeat(coordinator, 'g', b), ErrorCode.REBALANCE_IN_PROGRESS);
  t.false(aJoin.settled(), 'the join phase waits for the straggler until the rebalance timeout');
  t.false(cJoin.settled());
  t.is(coordinator.describe('g').state, GroupState.PREPARING_REBALANCE);

  await scheduler.tick(1);
  const [aJoined, cJoined] = await Promise.all([aJoin.promise, cJoin.promise]);
  t.is(aJoined.errorCode, ErrorCode.NONE);
  t.is(aJoined.generationId, 3);
  t.is(cJoined.generationId, 3);
  t.is(aJoined.leader, a.memberId);
  t.deepEqual(
    aJoined.members.map((m) => m.memberId),
    [a.memberId, cJoined.memberId],
  );
  t.is(heartbeat(coordinator, 'g', b), ErrorCode.UNKNOWN_MEMBER_ID);

  const [aSync, cSync] = await Promise.all([
    sync(coordinator, 'g', aJoined, { [a.memberId]: 'a3', [cJoined.memberId]: 'c3' }),
    sync(coordinator, 'g', cJoined),
  ]);
  t.deepEqual(cSync, { errorCode: ErrorCode.NONE, assignment: Buffer.from('c3') });
  t.is(aSync.errorCode, ErrorCode.NONE);
  const described = coordinator.describe('g');
  t.is(described.state, GroupState.STABLE);
  t.is(described.generation, 3);
  t.deepEqual(
    described.members.map((m) => m.memberId),
    [a.memberId, cJoined.memberId],
  );
});

test('a member handed an id (MEMBER_ID_REQUIRED) that never comes back holds the join phase only for its session timeout', async (t) => {
  const { scheduler, coordinator } = harness(t);
  const a = await join(coordinator, 'g', { rebalanceTimeoutMs: 60_000 });
  await sync(coordinator, 'g', a, { [a.memberId]: 'a' });
  const pending = await Promise.resolve(
    coordinator.join({
      groupId: 'g',
      memberId: '',
      groupInstanceId: null,
      clientId: 'late',
      clientHost: '/127.0.0.1',
      sessionTimeoutMs: 3_000,
      rebalanceTimeoutMs: 60_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
      requireKnownMemberId: true,
    }),
  );
  t.is(pending.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  // A rejoins for another reason (new metadata): the phase must not wait for the pending id past its session.
  const rejoin = track(join(coordinator, 'g', { memberId: a.memberId, subscription: 'new' }));
  await scheduler.tick(2_999);
  t.false(rejoin.settled());
  await scheduler.tick(1);
  const joined = await rejoin.promise;
  t.is(joined.generationId, 2);
  t.deepEqual(
    joined.members.map((m) => m.memberId),
    [a.memberId],
  );
});

test('offsets of a group that stays Empty expire after the retention period, checked on the retention interval', async (t) => {
  const { scheduler, log, coordinator } = harness(t, new MemoryLog(), new VirtualScheduler(), { offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
  const committed = await coordinator.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', groupInstanceId: null }, [
    { topic: 't', partitions: [{ partition: 0, offset: 5n, leaderEpoch: -1, metadata: null }] },
  ]);
  t.is(committed[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  await scheduler.tick(50_000);
  t.is(coordinator.fetchOffsets('idle', null)[0]?.partitions[0]?.committed?.offset, 5n);
  await scheduler.tick(20_000);
  t.deepEqual(coordinator.fetchOffsets('idle', null), []);
  t.is(coordinator.describe('idle').state, GroupState.DEAD);
  // The expiry was written: an offset tombstone and a group tombstone.
  t.deepEqual(
    log.records.slice(-2).map((r) => r.value),
    [null, null],
  );
});

test('replaying the records that live operations wrote yields the same groups and offsets', async (t) => {
  const live = harness(t);
  const { coordinator } = live;
  const member = (joined: JoinResult) => ({ groupId: 'stable', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null });

  // A Stable pair with assignments, and offsets committed by its members (a later commit replaces an earlier one).
  const { a } = await stablePair(coordinator, 'stable', {}, { subscription: 'sub-b' });
  await coordinator.commitOffsets(member(a), [{ topic: 't', partitions: [{ partition: 0, offset: 1n, leaderEpoch: 1, metadata: 'first' }] }]);
  live.scheduler.advance(1_000);
  await coordinator.commitOffsets(member(a), [
    {
      topic: 't',
      partitions: [
        { partition: 0, offset: 7n, leaderEpoch: 2, metadata: 'second' },
        { partition: 1, offset: 3n, leaderEpoch: -1, metadata: null },
      ],
    },
  ]);
  // A group whose only member left: Empty at its last generation, with its offsets.
  const solo = await join(coordinator, 'emptied');
  await sync(coordinator, 'emptied', solo, { [solo.memberId]: 'x' });
  await coordinator.commitOffsets({ groupId: 'emptied', generationId: solo.generationId, memberId: solo.memberId, groupInstanceId: null }, [
    { topic: 't', partitions: [{ partition: 2, offset: 11n, leaderEpoch: -1, metadata: 'm' }] },
  ]);
  coordinator.leave('emptied', [{ memberId: solo.memberId, groupInstanceId: null }]);
  // Offsets committed from outside the group protocol, and a group deleted with its offsets.
  await coordinator.commitOffsets({ groupId: 'admin', generationId: -1, memberId: '', groupInstanceId: null }, [
    { topic: 'u', partitions: [{ partition: 0, offset: 100n, leaderEpoch: -1, metadata: '' }] },
  ]);
  await coordinator.commitOffsets({ groupId: 'doomed', generationId: -1, memberId: '', groupInstanceId: null }, [
    { topic: 'u', partitions: [{ partition: 0, offset: 9n, leaderEpoch: -1, metadata: '' }] },
  ]);
  t.is(await coordinator.deleteGroup('doomed'), ErrorCode.NONE);
  // Let the write of the emptied group (not awaited by anyone) land.
  await live.scheduler.tick();
  t.true(live.log.records.length >= 8, `${live.log.records.length} records written`);

  const loaded = harness(t, live.log, new VirtualScheduler(live.scheduler.now())).coordinator;
  const groupIds = ['stable', 'emptied', 'admin', 'doomed'];
  t.deepEqual(
    loaded.list().sort((x, y) => x.groupId.localeCompare(y.groupId)),
    coordinator.list().sort((x, y) => x.groupId.localeCompare(y.groupId)),
  );
  for (const groupId of groupIds) {
    t.deepEqual(loaded.describe(groupId), coordinator.describe(groupId), groupId);
    t.deepEqual(loaded.fetchOffsets(groupId, null), coordinator.fetchOffsets(groupId, null), groupId);
  }
  // The checks above compare something: the states the live operations left.
  t.is(coordinator.describe('stable').state, GroupState.STABLE);
  t.deepEqual(
    coordinator.describe('stable').members.map((m) => m.assignment.toString()),
    ['a2', 'b2'],
  );
  t.is(coordinator.describe('emptied').state, GroupState.EMPTY);
  t.is(coordinator.describe('doomed').state, GroupState.DEAD);
  t.is(coordinator.fetchOffsets('stable', [{ topic: 't', partitions: [0] }])[0]?.partitions[0]?.committed?.metadata, 'second');
});

test('a loaded Stable group keeps its members: one that heartbeats carries on, one that does not expires', async (t) => {
  const live = harness(t);
  const { a, b } = await stablePair(live.coordinator, 'g', { sessionTimeoutMs: 10_000 }, { sessionTimeoutMs: 10_000 });
  live.coordinator.close();

  const { scheduler, coordinator } = harness(t, live.log, new VirtualScheduler(live.scheduler.now() + 60_000));
  t.is(coordinator.describe('g').state, GroupState.STABLE);
  scheduler.advance(9_000);
  t.is(heartbeat(coordinator, 'g', a), ErrorCode.NONE);
  scheduler.advance(1_000);
  t.is(heartbeat(coordinator, 'g', b), ErrorCode.UNKNOWN_MEMBER_ID);
  t.is(heartbeat(coordinator, 'g', a), ErrorCode.REBALANCE_IN_PROGRESS);
});

test('memory changes only once a write succeeded: a failed commit is not visible, a failed group write answers SyncGroup with the error', async (t) => {
  const { log, coordinator } = harness(t);
  log.failWith = { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: 'disk gone', fault: undefined, appended: false };
  const results = await coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null }, [
    { topic: 't', partitions: [{ partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] },
  ]);
  // Kafka's answer to a storage fault: this node cannot coordinate the group now; look again.
  t.is(results[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR);
  t.is(coordinator.fetchOffsets('g', [{ topic: 't', partitions: [0] }])[0]?.partitions[0]?.committed, undefined);
  t.is(coordinator.describe('g').state, GroupState.DEAD, 'a failed commit does not create the group');

  log.failWith = { ok: false, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, message: 'min.insync.replicas', fault: undefined, appended: false };
  const notEnough = await coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null }, [
    { topic: 't', partitions: [{ partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] },
  ]);
  t.is(notEnough[0]!.partitions[0]!.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);

  log.failWith = { ok: false, errorCode: ErrorCode.MESSAGE_TOO_LARGE, message: 'too large', fault: undefined, appended: false };
  const tooLarge = await coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null }, [
    { topic: 't', partitions: [{ partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] },
  ]);
  t.is(tooLarge[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_COMMIT_OFFSET_SIZE);

  const joined = await join(coordinator, 'h');
  const synced = await sync(coordinator, 'h', joined, { [joined.memberId]: 'a' });
  t.deepEqual(synced, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, assignment: Buffer.alloc(0) });
  t.is(coordinator.describe('h').state, GroupState.PREPARING_REBALANCE);

  log.failWith = undefined;
  const rejoined = await join(coordinator, 'h', { memberId: joined.memberId });
  t.deepEqual(await sync(coordinator, 'h', rejoined, { [joined.memberId]: 'b' }), { errorCode: ErrorCode.NONE, assignment: Buffer.from('b') });
});

test('a group deletion whose tombstones cannot be written leaves the group as it was', async (t) => {
  const { log, coordinator } = harness(t);
  await coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null }, [
    { topic: 't', partitions: [{ partition: 0, offset: 4n, leaderEpoch: -1, metadata: null }] },
  ]);
  log.failWith = { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: 'disk gone', fault: undefined, appended: false };
  t.is(await coordinator.deleteGroup('g'), ErrorCode.NOT_COORDINATOR);
  t.is(coordinator.describe('g').state, GroupState.EMPTY);
  t.is(coordinator.fetchOffsets('g', null)[0]?.partitions[0]?.committed?.offset, 4n);
  log.failWith = undefined;
  t.is(await coordinator.deleteGroup('g'), ErrorCode.NONE);
  t.is(coordinator.describe('g').state, GroupState.DEAD);
});

test('OffsetCommit validation is Kafka’s: generation -1 commits are taken for an unknown or Empty group whatever the member id, refused for a group with members', async (t) => {
  const { coordinator } = harness(t);
  const commit = async (ref: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null }): Promise<number> =>
    (await coordinator.commitOffsets(ref, [{ topic: 't', partitions: [{ partition: 0, offset: 1n, leaderEpoch: -1, metadata: null }] }]))[0]!.partitions[0]!.errorCode;

  t.is(await commit({ groupId: 'unknown', generationId: -1, memberId: 'stale-member', groupInstanceId: null }), ErrorCode.NONE);
  t.is(await commit({ groupId: 'unknown-2', generationId: 3, memberId: 'stale-member', groupInstanceId: null }), ErrorCode.ILLEGAL_GENERATION);
  // A consumer whose member id outlived its group (the group is Empty now) may still commit at generation -1.
  t.is(await commit({ groupId: 'unknown', generationId: -1, memberId: 'stale-member', groupInstanceId: null }), ErrorCode.NONE);

  const a = await join(coordinator, 'live');
  await sync(coordinator, 'live', a, { [a.memberId]: 'a' });
  t.is(await commit({ groupId: 'live', generationId: -1, memberId: '', groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  t.is(await commit({ groupId: 'live', generationId: -1, memberId: a.memberId, groupInstanceId: null }), ErrorCode.ILLEGAL_GENERATION);
  t.is(await commit({ groupId: 'live', generationId: a.generationId, memberId: 'someone-else', groupInstanceId: null }), ErrorCode.UNKNOWN_MEMBER_ID);
  t.is(await commit({ groupId: 'live', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null }), ErrorCode.NONE);
});

test('close disarms every timer the coordinator armed', async (t) => {
  const { scheduler, coordinator } = harness(t);
  await stablePair(coordinator, 'g', {}, {});
  void join(coordinator, 'other');
  t.true(scheduler.pendingTimers() > 1);
  coordinator.close();
  t.is(scheduler.pendingTimers(), 0);
});

// ---- the state machine's transition table ------------------------------------------------

const STATES = Object.values(GroupState);

test('the transition table is Kafka’s: each state may follow only the states it lists', (t) => {
  t.deepEqual(GROUP_TRANSITIONS, {
    Empty: ['PreparingRebalance', 'Dead'],
    PreparingRebalance: ['CompletingRebalance', 'Empty', 'Dead'],
    CompletingRebalance: ['Stable', 'PreparingRebalance', 'Dead'],
    Stable: ['PreparingRebalance', 'Dead'],
    Dead: ['Dead'],
  });
});

/** A group brought to `state` along legal transitions. */
function groupIn(state: GroupState): ClassicGroup {
  const group = new ClassicGroup('g', 0);
  const path: Record<GroupState, GroupState[]> = {
    Empty: [],
    PreparingRebalance: ['PreparingRebalance'],
    CompletingRebalance: ['PreparingRebalance', 'CompletingRebalance'],
    Stable: ['PreparingRebalance', 'CompletingRebalance', 'Stable'],
    Dead: ['Dead'],
  };
  for (const next of path[state]) group.transitionTo(next);
  return group;
}

for (const from of STATES) {
  test(`from ${from}, the legal transitions succeed and every other one throws`, (t) => {
    for (const to of STATES) {
      const group = groupIn(from);
      if (GROUP_TRANSITIONS[from].includes(to)) {
        group.transitionTo(to);
        t.is(group.state, to);
      } else {
        throwsCode(t, () => {
          group.transitionTo(to);
        }, GroupErrorCode.ILLEGAL_TRANSITION);
        t.is(group.state, from, `${from} → ${to} leaves the state alone`);
      }
    }
  });
}

test('an illegal transition names the group and both states', (t) => {
  const error = t.throws(() => {
    new ClassicGroup('orders', 0).transitionTo(GroupState.STABLE);
  });
  t.regex(error.message, /'orders' cannot go from Empty to Stable/);
});
