import test from 'ava';
import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { MemoryCoordinatorLog } from '../memory-coordinator-log.ts';
import { GroupCoordinator } from '../../../../broker/groups/index.ts';
import type { GroupSettings } from '../../../../broker/groups/index.ts';
import { createLogger } from '../../../../broker/logger.ts';

/*
 * The group coordinator's side of TxnOffsetCommit: offsets written inside a transaction stay
 * pending until the producer's marker, then become committed (COMMIT) or vanish (ABORT), the
 * same way live and when a restart replays __consumer_offsets.
 */


const SETTINGS: GroupSettings = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 10,
  maxSessionTimeoutMs: 600_000,
  maxSize: 100,
  offsetsRetentionMs: 604_800_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

function coordinatorOn(t: ExecutionContext, log: MemoryCoordinatorLog): GroupCoordinator {
  const coordinator = new GroupCoordinator({ offsetsTopic: log, settings: SETTINGS, scheduler: new VirtualScheduler(), logger: createLogger({ level: 'silent' }), partitionExists: () => true });
  coordinator.start();
  t.teardown(() => {
    coordinator.close();
  });
  return coordinator;
}

function offsetOf(coordinator: GroupCoordinator, group: string): bigint | undefined {
  return coordinator.fetchOffsets(group, [{ topic: 'in', partitions: [0] }])[0]?.partitions[0]?.committed?.offset;
}

async function commitInTxn(coordinator: GroupCoordinator, group: string, producerId: bigint, offset: bigint): Promise<void> {
  const results = await coordinator.txnCommitOffsets(group, { producerId, producerEpoch: 0 }, [{ topic: 'in', partitions: [{ partition: 0, offset, leaderEpoch: -1, metadata: null }] }]);
  if (results[0]?.partitions[0]?.errorCode !== ErrorCode.NONE) throw new Error('commit refused');
}

test('transactional offsets are pending until COMMIT, dropped on ABORT, and written as the producer’s records', async (t) => {
  const log = new MemoryCoordinatorLog();
  const coordinator = coordinatorOn(t, log);
  await commitInTxn(coordinator, 'g', 7n, 10n);
  t.is(offsetOf(coordinator, 'g'), undefined, 'pending');
  t.deepEqual(log.records[0]?.producer, { producerId: 7n, producerEpoch: 0 });
  coordinator.completeTransaction(7n, true);
  t.is(offsetOf(coordinator, 'g'), 10n);

  await commitInTxn(coordinator, 'g', 7n, 20n);
  coordinator.completeTransaction(7n, false);
  t.is(offsetOf(coordinator, 'g'), 10n, 'the aborted offset never shows');
  coordinator.completeTransaction(8n, true);
  t.is(offsetOf(coordinator, 'g'), 10n, 'another producer’s marker decides nothing here');
});

test('a restart replays pending offsets and the markers that follow them, ending where live operation did', async (t) => {
  const log = new MemoryCoordinatorLog();
  const live = coordinatorOn(t, log);
  await commitInTxn(live, 'committed', 1n, 5n);
  await commitInTxn(live, 'aborted', 2n, 6n);
  await commitInTxn(live, 'open', 3n, 7n);
  // The markers as the offsets topic's reader hands them to replay.
  log.records.push({ key: Buffer.alloc(0), value: null, marker: { producerId: 1n, committed: true } });
  log.records.push({ key: Buffer.alloc(0), value: null, marker: { producerId: 2n, committed: false } });
  live.close();

  const restarted = coordinatorOn(t, log);
  t.is(offsetOf(restarted, 'committed'), 5n);
  t.is(offsetOf(restarted, 'aborted'), undefined);
  t.is(offsetOf(restarted, 'open'), undefined, 'still pending');
  restarted.completeTransaction(3n, true);
  t.is(offsetOf(restarted, 'open'), 7n);
});
