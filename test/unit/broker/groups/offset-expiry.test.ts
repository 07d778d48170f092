import test from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { GroupState } from '../../../../broker/groups/index.ts';
import { DAY, PendingLog, coordinatorOn, joinRequest, offsetsOf, standalone } from './coordinator-harness.ts';

/*
 * Kafka's offset expiry (offsetExpirationCondition): a group without a protocol type
 * expires each offset offsets.retention.ms after that offset's commit; a group that had
 * members expires its offsets that long after it became Empty, and keeps them while it has
 * members. Checked every offsets.retention.check.interval.ms.
 */

const CHECK_MS = 600_000;

function instantLog(): PendingLog {
  const log = new PendingLog();
  log.hold = false;
  return log;
}

const offsetOf = (coordinator: ReturnType<typeof coordinatorOn>, groupId: string, partition: number): bigint | undefined =>
  coordinator.fetchOffsets(groupId, [{ topic: 't', partitions: [partition] }])[0]?.partitions[0]?.committed?.offset;

test('a standalone consumer that commits every day keeps its offsets past offsets.retention.ms', async (t) => {
  const scheduler = new VirtualScheduler();
  const coordinator = coordinatorOn(t, instantLog(), scheduler);
  for (let day = 0; day < 10; day++) {
    await coordinator.commitOffsets(standalone('assign-user'), offsetsOf('t', { 0: BigInt(day) }));
    await scheduler.tick(DAY);
    t.is(offsetOf(coordinator, 'assign-user', 0), BigInt(day), `day ${day}: committed one day ago (retention 7 days), must not be expired`);
  }
});

test('a standalone consumer’s offsets expire one by one, each after its own commit; the group goes with the last', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = instantLog();
  const coordinator = coordinatorOn(t, log, scheduler);
  await coordinator.commitOffsets(standalone('s'), offsetsOf('t', { 0: 1n, 1: 1n }));
  await scheduler.tick(3 * DAY);
  await coordinator.commitOffsets(standalone('s'), offsetsOf('t', { 1: 2n }));
  await scheduler.tick(4 * DAY + CHECK_MS);
  t.is(offsetOf(coordinator, 's', 0), undefined, 'partition 0 was last committed 7 days ago');
  t.is(offsetOf(coordinator, 's', 1), 2n);
  t.is(coordinator.describe('s').state, GroupState.EMPTY);
  await scheduler.tick(3 * DAY);
  t.deepEqual(coordinator.fetchOffsets('s', null), []);
  t.is(coordinator.describe('s').state, GroupState.DEAD);
  t.deepEqual(coordinatorOn(t, log.compacted()).fetchOffsets('s', null), []);
});

test('a consumer group’s offsets expire offsets.retention.ms after it became Empty, counted from the stored time across a restart', async (t) => {
  const scheduler = new VirtualScheduler();
  const log = instantLog();
  const coordinator = coordinatorOn(t, log, scheduler);
  const a = await coordinator.join(joinRequest('g', { sessionTimeoutMs: 300_000 }));
  const ref = { groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: null };
  await coordinator.sync(ref, [{ memberId: a.memberId, assignment: Buffer.from('a') }]);
  await coordinator.commitOffsets(ref, offsetsOf('t', { 0: 5n }));
  // Eight days of heartbeats and no commit.
  let answered = 0;
  for (let elapsed = 0; elapsed < 8 * DAY; elapsed += 240_000) {
    await scheduler.tick(240_000);
    if (coordinator.heartbeat(ref) === ErrorCode.NONE) answered++;
  }
  t.is(answered, (8 * DAY) / 240_000);
  t.is(offsetOf(coordinator, 'g', 0), 5n, 'a group with members keeps its offsets however old');

  coordinator.leave('g', [{ memberId: a.memberId, groupInstanceId: null }]);
  await scheduler.tick();
  const emptiedAt = scheduler.now();
  await scheduler.tick(6 * DAY);
  coordinator.close();

  // The broker restarts six days after the group emptied.
  const restarted = new VirtualScheduler(scheduler.now());
  const reloaded = coordinatorOn(t, log, restarted);
  t.is(reloaded.describe('g').state, GroupState.EMPTY);
  await restarted.tick(emptiedAt + 7 * DAY - restarted.now() - 1);
  t.is(offsetOf(reloaded, 'g', 0), 5n);
  await restarted.tick(CHECK_MS);
  t.is(offsetOf(reloaded, 'g', 0), undefined, 'seven days after the group emptied, not after the restart');
  t.is(reloaded.describe('g').state, GroupState.DEAD);
});
