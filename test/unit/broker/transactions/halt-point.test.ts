import test from 'ava';
import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { MemoryCoordinatorLog } from '../memory-coordinator-log.ts';
import { createLogger } from '../../../../broker/logger.ts';
import { TXN_HALT_ENV, TransactionCoordinator, TxnHaltPoint, TxnState } from '../../../../broker/transactions/index.ts';
import type { TxnPartition } from '../../../../broker/transactions/index.ts';
import { haltPointFromEnv } from '../../../../broker/transactions/halt-point.ts';

/*
 * The crash tests' hook: with a halt point, completing a transaction stops exactly there (the
 * Prepare state written and no marker, or one marker), and a coordinator started on the same
 * log without it finishes the transaction.
 */


const PARTITIONS: TxnPartition[] = [
  { topic: 'a', partition: 0 },
  { topic: 'a', partition: 1 },
  { topic: 'b', partition: 0 },
];

function coordinatorOn(t: ExecutionContext, log: MemoryCoordinatorLog, written: TxnPartition[], haltAt: TxnHaltPoint | undefined): { coordinator: TransactionCoordinator; scheduler: VirtualScheduler } {
  const scheduler = new VirtualScheduler();
  let nextId = 1n;
  const coordinator = new TransactionCoordinator({
    log,
    settings: { maxTimeoutMs: 900_000, abortTimedOutCheckIntervalMs: 10_000, markerRetryBackoffMs: 100 },
    scheduler,
    logger: createLogger({ level: 'silent' }),
    nextProducerId: () => nextId++,
    partitionExists: () => true,
    writeMarker: (target) => {
      written.push(target);
      return Promise.resolve(ErrorCode.NONE);
    },
    ...(haltAt === undefined ? {} : { haltAt }),
  });
  coordinator.start();
  t.teardown(() => {
    coordinator.close();
  });
  return { coordinator, scheduler };
}

async function decided(t: ExecutionContext, haltAt: TxnHaltPoint): Promise<{ log: MemoryCoordinatorLog; written: TxnPartition[] }> {
  const log = new MemoryCoordinatorLog();
  const written: TxnPartition[] = [];
  const { coordinator, scheduler } = coordinatorOn(t, log, written, haltAt);
  const init = await coordinator.initProducerId('halting', 60_000);
  const ref = { transactionalId: 'halting', producerId: init.producerId, producerEpoch: init.producerEpoch };
  await coordinator.addPartitions(ref, PARTITIONS);
  t.is(await coordinator.endTransaction(ref, true), ErrorCode.NONE);
  await scheduler.tick(10_000);
  t.is(coordinator.describe('halting')?.state, TxnState.PREPARE_COMMIT, 'never completed while halted');
  return { log, written };
}

test('prepare-written: the decision is stored and no marker is written', async (t) => {
  const { log, written } = await decided(t, TxnHaltPoint.PREPARE_WRITTEN);
  t.deepEqual(written, []);
  // A start without the hook, on the same log, finishes it: every marker, then CompleteCommit.
  const after: TxnPartition[] = [];
  const { coordinator, scheduler } = coordinatorOn(t, log, after, undefined);
  await scheduler.tick(0);
  t.deepEqual(after, PARTITIONS);
  t.is(coordinator.describe('halting')?.state, TxnState.COMPLETE_COMMIT);
});

test('first-marker-written: exactly one marker is written', async (t) => {
  const { written } = await decided(t, TxnHaltPoint.FIRST_MARKER_WRITTEN);
  t.deepEqual(written, [PARTITIONS[0]]);
});

test('the environment names the halt point; anything else is no halt', (t) => {
  t.is(haltPointFromEnv({ [TXN_HALT_ENV]: 'prepare-written' }), TxnHaltPoint.PREPARE_WRITTEN);
  t.is(haltPointFromEnv({ [TXN_HALT_ENV]: 'first-marker-written' }), TxnHaltPoint.FIRST_MARKER_WRITTEN);
  t.is(haltPointFromEnv({ [TXN_HALT_ENV]: 'sometime' }), undefined);
  t.is(haltPointFromEnv({}), undefined);
});
