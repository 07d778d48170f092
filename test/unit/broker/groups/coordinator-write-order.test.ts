import test from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { GroupState } from '../../../../broker/groups/index.ts';
import type { JoinResult } from '../../../../broker/groups/index.ts';
import { encodeGroupKey, encodeOffsetKey, encodeOffsetValue } from '../../../../broker/groups/offsets-records.ts';
import { PendingLog, coordinatorOn, joinRequest, offsetsOf, standalone, track } from './coordinator-harness.ts';

/*
 * Operations that arrive while another write of the same group is in flight, on a log whose
 * writes stay pending until the test lets them land (or fail): each write is decided on the
 * state every earlier write left, and memory never disagrees with the log.
 */

const member = (groupId: string, joined: JoinResult, groupInstanceId: string | null = null) => ({
  groupId,
  generationId: joined.generationId,
  memberId: joined.memberId,
  groupInstanceId,
});

test('a DeleteGroups that arrives while an OffsetCommit is being written deletes that offset too: the group does not come back after compaction and a restart', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = new PendingLog();
  log.hold = false;
  const coordinator = coordinatorOn(t, log, scheduler);
  await coordinator.commitOffsets(standalone('g'), offsetsOf('t', { 0: 1n }));

  log.hold = true;
  const commit = track(coordinator.commitOffsets(standalone('g'), offsetsOf('t', { 1: 5n })));
  const deletion = track(coordinator.deleteGroup('g'));
  await scheduler.tick();
  t.is(log.waiting, 1, 'the deletion is decided only once the commit has landed');
  log.release();
  t.is((await commit.promise)[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  await scheduler.tick();
  t.false(deletion.settled());
  t.is(log.waiting, 1);
  log.release();
  t.is(await deletion.promise, ErrorCode.NONE);
  t.is(coordinator.describe('g').state, GroupState.DEAD);
  t.deepEqual(coordinator.fetchOffsets('g', null), []);

  const reloaded = coordinatorOn(t, log.compacted());
  t.deepEqual(reloaded.fetchOffsets('g', null), [], 'a deleted group must not come back with offsets');
  t.is(reloaded.describe('g').state, GroupState.DEAD);
});

test('an OffsetCommit and a JoinGroup that arrive while a DeleteGroups is being written are decided after it: they start a new group', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = new PendingLog();
  log.hold = false;
  const coordinator = coordinatorOn(t, log, scheduler);
  await coordinator.commitOffsets(standalone('g'), offsetsOf('t', { 0: 1n, 1: 2n }));

  log.hold = true;
  const deletion = coordinator.deleteGroup('g');
  await scheduler.tick();
  t.is(log.waiting, 1);
  t.is(coordinator.describe('g').state, GroupState.DEAD, 'a group whose deletion is being written shows as Dead');
  const commit = track(coordinator.commitOffsets(standalone('g'), offsetsOf('t', { 2: 9n })));
  const joined = track(Promise.resolve(coordinator.join(joinRequest('g'))));
  await scheduler.tick();
  t.false(commit.settled());
  t.false(joined.settled());
  t.is(log.waiting, 1);

  log.release();
  t.is(await deletion, ErrorCode.NONE);
  await scheduler.tick();
  log.release();
  t.is((await commit.promise)[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  const join = await joined.promise;
  t.is(join.errorCode, ErrorCode.NONE);
  t.is(join.generationId, 1, 'the name starts over');
  t.deepEqual(
    coordinator.fetchOffsets('g', null).flatMap((topic) => topic.partitions.map((p) => [p.partition, p.committed?.offset])),
    [[2, 9n]],
  );
  const reloaded = coordinatorOn(t, log);
  t.deepEqual(reloaded.fetchOffsets('g', null), coordinator.fetchOffsets('g', null));
});

test('an OffsetCommit and a JoinGroup that arrive while the leader’s SyncGroup is being written wait for it: the generation completes first', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = new PendingLog();
  log.hold = false;
  const coordinator = coordinatorOn(t, log, scheduler);
  const a = await coordinator.join(joinRequest('g'));

  log.hold = true;
  const synced = track(Promise.resolve(coordinator.sync(member('g', a), [{ memberId: a.memberId, assignment: Buffer.from('asg-a') }])));
  await scheduler.tick();
  t.is(log.waiting, 1);
  t.is(coordinator.describe('g').state, GroupState.COMPLETING_REBALANCE, 'Stable only once the generation is written');
  const commit = track(coordinator.commitOffsets(member('g', a), offsetsOf('t', { 0: 3n })));
  const b = track(Promise.resolve(coordinator.join(joinRequest('g', { clientId: 'b' }))));
  await scheduler.tick();
  t.false(synced.settled());
  t.false(commit.settled(), 'not refused as mid-rebalance: decided once the generation is written');
  t.false(b.settled());

  log.release();
  t.deepEqual(await synced.promise, { errorCode: ErrorCode.NONE, assignment: Buffer.from('asg-a') });
  await scheduler.tick();
  t.is(log.waiting, 1, 'the commit of the now Stable generation is being written');
  log.release();
  t.is((await commit.promise)[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  await scheduler.tick();
  // B's join came last: it starts the next rebalance, which A joins.
  t.is(coordinator.describe('g').state, GroupState.PREPARING_REBALANCE);
  log.hold = false;
  const a2 = await coordinator.join(joinRequest('g', { memberId: a.memberId }));
  t.is(a2.generationId, 2);
  t.is((await b.promise).generationId, 2);
});

test('a static member that rejoins a Stable group under a new member id is answered once that id is written, and is not fenced after a restart', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = new PendingLog();
  log.hold = false;
  const coordinator = coordinatorOn(t, log, scheduler);
  const request = joinRequest('g', { groupInstanceId: 'instance-1' });
  const first = await coordinator.join(request);
  await coordinator.sync(member('g', first, 'instance-1'), [{ memberId: first.memberId, assignment: Buffer.from('a') }]);
  t.is(coordinator.describe('g').state, GroupState.STABLE);

  // The consumer process restarts: same group.instance.id, no member id.
  log.hold = true;
  const rejoin = track(Promise.resolve(coordinator.join(request)));
  await scheduler.tick();
  t.is(log.waiting, 1);
  t.false(rejoin.settled(), 'answered only once the new member id is durable');
  log.release();
  const second = await rejoin.promise;
  t.is(second.errorCode, ErrorCode.NONE);
  t.not(second.memberId, first.memberId);
  t.is(second.generationId, first.generationId, 'no rebalance');
  const ref = member('g', second, 'instance-1');
  t.is(coordinator.heartbeat(ref), ErrorCode.NONE);
  t.is(coordinator.heartbeat(member('g', first, 'instance-1')), ErrorCode.FENCED_INSTANCE_ID);

  // The broker restarts.
  coordinator.close();
  const reloaded = coordinatorOn(t, log, new VirtualScheduler(scheduler.now()));
  t.is(reloaded.heartbeat(ref), ErrorCode.NONE, 'FENCED_INSTANCE_ID would be fatal to the consumer');
  t.deepEqual(
    reloaded.describe('g').members.map((m) => [m.memberId, m.assignment.toString()]),
    [[second.memberId, 'a']],
  );
});

test('a static member whose new member id cannot be written gets the error, and the old member id is restored', async (t) => {
  const log = new PendingLog();
  log.hold = false;
  const coordinator = coordinatorOn(t, log);
  const request = joinRequest('g', { groupInstanceId: 'instance-1' });
  const first = await coordinator.join(request);
  await coordinator.sync(member('g', first, 'instance-1'), [{ memberId: first.memberId, assignment: Buffer.from('a') }]);

  log.refuseWith = { ok: false, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: 'partition offline', fault: undefined, appended: false };
  const refused = await coordinator.join(request);
  t.is(refused.errorCode, ErrorCode.NOT_COORDINATOR);
  t.is(refused.memberId, '');
  t.is(coordinator.heartbeat(member('g', first, 'instance-1')), ErrorCode.NONE, 'the old member id still holds the instance');
  t.deepEqual(
    coordinator.describe('g').members.map((m) => m.memberId),
    [first.memberId],
  );
  t.is(coordinator.describe('g').state, GroupState.STABLE);

  log.refuseWith = undefined;
  const retried = await coordinator.join(request);
  t.is(retried.errorCode, ErrorCode.NONE);
  t.is(coordinator.heartbeat(member('g', retried, 'instance-1')), ErrorCode.NONE);
});

test('a write refused before it reached the log changes nothing, and the writes queued behind it go ahead', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = new PendingLog();
  log.hold = false;
  const coordinator = coordinatorOn(t, log, scheduler);
  await coordinator.commitOffsets(standalone('g'), offsetsOf('t', { 0: 1n }));

  log.hold = true;
  const commit = coordinator.commitOffsets(standalone('g'), offsetsOf('t', { 1: 5n }));
  const deletion = coordinator.deleteGroup('g');
  await scheduler.tick();
  log.refuse(ErrorCode.MESSAGE_TOO_LARGE);
  t.is((await commit)[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
  await scheduler.tick();
  log.release();
  t.is(await deletion, ErrorCode.NONE);
  t.deepEqual(coordinator.fetchOffsets('g', null), []);
  t.deepEqual(coordinatorOn(t, log.compacted()).fetchOffsets('g', null), []);
});

test('an OffsetCommit whose sync fails after it reached the log is answered NOT_COORDINATOR, and memory follows the log', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = new PendingLog();
  const coordinator = coordinatorOn(t, log, scheduler);
  const commit = coordinator.commitOffsets(standalone('g'), offsetsOf('t', { 0: 7n }));
  await scheduler.tick();
  log.failSync();
  t.is((await commit)[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR);
  // The record is in the log (readers see it; a later sync keeps it): so is the offset in memory.
  t.is(coordinator.fetchOffsets('g', null)[0]?.partitions[0]?.committed?.offset, 7n);
  log.hold = false;
  t.deepEqual(coordinatorOn(t, log).fetchOffsets('g', null), coordinator.fetchOffsets('g', null));
});

test('a SyncGroup whose group record fails to sync: the group is reloaded from the log and carries on as it says', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = new PendingLog();
  log.hold = false;
  const coordinator = coordinatorOn(t, log, scheduler);
  const a = await coordinator.join(joinRequest('g'));
  log.hold = true;
  const synced = coordinator.sync(member('g', a), [{ memberId: a.memberId, assignment: Buffer.from('asg-a') }]);
  await scheduler.tick();
  log.failSync();
  // Waiting requests get Kafka's answer for a coordinator that was unloaded.
  t.deepEqual(await synced, { errorCode: ErrorCode.NOT_COORDINATOR, assignment: Buffer.alloc(0) });
  // The log holds the generation: reloaded, the group is Stable with it.
  t.is(coordinator.describe('g').state, GroupState.STABLE);
  t.is(coordinator.heartbeat(member('g', a)), ErrorCode.NONE);
  t.deepEqual(await coordinator.sync(member('g', a), []), { errorCode: ErrorCode.NONE, assignment: Buffer.from('asg-a') });
});

test('a group whose reload from the log fails answers NOT_COORDINATOR until a reload succeeds', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = new PendingLog();
  log.hold = false;
  const coordinator = coordinatorOn(t, log, scheduler);
  const a = await coordinator.join(joinRequest('g'));
  await coordinator.sync(member('g', a), [{ memberId: a.memberId, assignment: Buffer.from('asg-a') }]);
  await coordinator.commitOffsets(member('g', a), offsetsOf('t', { 0: 1n }));

  log.hold = true;
  const commit = coordinator.commitOffsets(member('g', a), offsetsOf('t', { 0: 2n }));
  await scheduler.tick();
  log.readFails = new Error('segment unreadable');
  log.failSync();
  t.is((await commit)[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR);
  t.is(coordinator.heartbeat(member('g', a)), ErrorCode.NOT_COORDINATOR);
  t.is(coordinator.coordinatorError('g'), ErrorCode.NOT_COORDINATOR, 'OffsetFetch and DescribeGroups must not answer from a group that is not loaded');
  t.is((await coordinator.commitOffsets(standalone('g'), offsetsOf('t', { 0: 0n })))[0]!.partitions[0]!.errorCode, ErrorCode.NOT_COORDINATOR);
  t.is((await coordinator.join(joinRequest('g'))).errorCode, ErrorCode.NOT_COORDINATOR);
  t.is(await coordinator.deleteGroup('g'), ErrorCode.NOT_COORDINATOR);
  t.is(coordinator.coordinatorError('other'), ErrorCode.NONE, 'other groups are unaffected');

  log.readFails = undefined;
  t.is(coordinator.coordinatorError('g'), ErrorCode.NONE);
  t.is(coordinator.heartbeat(member('g', a)), ErrorCode.NONE);
  t.is(coordinator.fetchOffsets('g', null)[0]?.partitions[0]?.committed?.offset, 2n);
});

test('a group tombstone does not delete offsets: those without their own tombstone stay, as a load rebuilds them', (t) => {
  const log = new PendingLog();
  log.hold = false;
  log.records.push(
    { key: encodeOffsetKey('g', 't', 0), value: encodeOffsetValue({ offset: 4n, leaderEpoch: -1, metadata: '', commitTimestamp: 0n }) },
    { key: encodeOffsetKey('g', 't', 1), value: encodeOffsetValue({ offset: 5n, leaderEpoch: -1, metadata: '', commitTimestamp: 0n }) },
    { key: encodeOffsetKey('g', 't', 1), value: null },
    { key: encodeGroupKey('g'), value: null },
  );
  const loaded = coordinatorOn(t, log);
  t.deepEqual(
    loaded.fetchOffsets('g', null).flatMap((topic) => topic.partitions.map((p) => [p.partition, p.committed?.offset])),
    [[0, 4n]],
  );
  t.is(loaded.describe('g').state, GroupState.EMPTY);

  // Live replay agrees with the load.
  const live = coordinatorOn(t, new PendingLog());
  for (const record of log.records) live.replay(record);
  t.deepEqual(live.fetchOffsets('g', null), loaded.fetchOffsets('g', null));
});
