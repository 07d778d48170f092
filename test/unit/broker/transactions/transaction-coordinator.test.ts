import test from 'ava';
import type { ExecutionContext } from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { MemoryCoordinatorLog } from '../memory-coordinator-log.ts';
import { createLogger } from '../../../../broker/logger.ts';
import {
  TransactionCoordinator,
  TxnState,
  TXN_TRANSITIONS,
  checkTransition,
  decodeTxnKey,
  decodeTxnValue,
  encodeTxnKey,
  encodeTxnValue,
  transactionStatePartitionFor,
} from '../../../../broker/transactions/index.ts';
import type { MarkerRequest, TransactionSettings, TxnPartition } from '../../../../broker/transactions/index.ts';

class MemoryLog extends MemoryCoordinatorLog {

  states(transactionalId: string): TxnState[] {
    return this.records.filter((r) => decodeTxnKey(r.key) === transactionalId && r.value !== null).map((r) => decodeTxnValue(r.value!).state);
  }
}

interface Written {
  target: TxnPartition;
  marker: MarkerRequest;
}

interface Harness {
  scheduler: VirtualScheduler;
  log: MemoryLog;
  coordinator: TransactionCoordinator;
  markers: Written[];
  /** While set, every marker write fails with it. */
  failMarkers: { code: number | undefined };
}

const SETTINGS: TransactionSettings = { maxTimeoutMs: 900_000, abortTimedOutCheckIntervalMs: 10_000, markerRetryBackoffMs: 100 };
const TOPIC_A = { topic: 'a', partition: 0 };
const TOPIC_B = { topic: 'b', partition: 1 };

function harness(t: ExecutionContext, log = new MemoryLog(), scheduler = new VirtualScheduler(), shared?: { markers: Written[]; failMarkers: { code: number | undefined } }): Harness {
  let nextId = 1000n;
  const markers = shared?.markers ?? [];
  const failMarkers = shared?.failMarkers ?? { code: undefined };
  const coordinator = new TransactionCoordinator({
    log,
    settings: SETTINGS,
    scheduler,
    logger: createLogger({ level: 'silent' }),
    nextProducerId: () => nextId++,
    partitionExists: (topic) => topic !== 'missing',
    writeMarker: (target, marker) => {
      if (failMarkers.code !== undefined) return Promise.resolve(failMarkers.code);
      markers.push({ target, marker });
      return Promise.resolve(ErrorCode.NONE);
    },
  });
  coordinator.start();
  t.teardown(() => {
    coordinator.close();
  });
  return { scheduler, log, coordinator, markers, failMarkers };
}

async function ongoing(h: Harness, id: string, partitions: TxnPartition[] = [TOPIC_A, TOPIC_B], timeoutMs = 60_000) {
  const init = await h.coordinator.initProducerId(id, timeoutMs);
  const ref = { transactionalId: id, producerId: init.producerId, producerEpoch: init.producerEpoch };
  const added = await h.coordinator.addPartitions(ref, partitions);
  for (const code of added.values()) if (code !== ErrorCode.NONE) throw new Error(`add failed: ${code}`);
  return ref;
}

test('the transition table is Kafka’s, and anything else throws', (t) => {
  t.deepEqual([...TXN_TRANSITIONS[TxnState.PREPARE_COMMIT]], [TxnState.ONGOING]);
  t.deepEqual([...TXN_TRANSITIONS[TxnState.COMPLETE_ABORT]], [TxnState.PREPARE_ABORT]);
  t.notThrows(() => {
    checkTransition('x', TxnState.COMPLETE_COMMIT, TxnState.ONGOING);
  });
  t.throws(
    () => {
      checkTransition('x', TxnState.EMPTY, TxnState.PREPARE_COMMIT);
    },
    { code: 'ERR_TXN_ILLEGAL_TRANSITION' },
  );
  t.throws(
    () => {
      checkTransition('x', TxnState.PREPARE_ABORT, TxnState.COMPLETE_COMMIT);
    },
    { code: 'ERR_TXN_ILLEGAL_TRANSITION' },
  );
});

test('__transaction_state keys and values round-trip; the partition is Java’s String.hashCode, as Kafka picks it', (t) => {
  const value = {
    producerId: 42n,
    producerEpoch: 3,
    timeoutMs: 60_000,
    state: TxnState.ONGOING,
    partitions: [{ topic: 'orders', partitions: [0, 2] }],
    lastUpdateMs: 1_700_000_000_123n,
    startMs: 1_700_000_000_000n,
  };
  t.deepEqual(decodeTxnValue(encodeTxnValue(value)), value);
  t.is(decodeTxnKey(encodeTxnKey('tx-1')), 'tx-1');
  // Key v0: int16 version, int16 length, bytes.
  t.deepEqual([...encodeTxnKey('ab')], [0, 0, 0, 2, 97, 98]);
  // Status byte of Ongoing is 1, and an empty partition list is written as null (-1).
  const empty = encodeTxnValue({ ...value, state: TxnState.EMPTY, partitions: [] });
  t.is(empty.readInt8(16), 0);
  t.is(empty.readInt32BE(17), -1);
  t.is(encodeTxnValue(value).readInt8(16), 1);
  t.throws(() => decodeTxnValue(encodeTxnValue(value).subarray(0, 20)), { code: 'ERR_TXN_CORRUPT_RECORD' });
  t.is(transactionStatePartitionFor('a', 50), 97 % 50);
  // "polygenelubricants".hashCode() is Integer.MIN_VALUE, which Kafka's Utils.abs maps to 0.
  t.is(transactionStatePartitionFor('polygenelubricants', 50), 0);
  t.is(transactionStatePartitionFor('my-transactional-id', 50), Math.abs(javaHash('my-transactional-id')) % 50);
});

function javaHash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

test('InitProducerId gives a new id at epoch 0, bumps the epoch on every call, and refuses a timeout above transaction.max.timeout.ms', async (t) => {
  const h = harness(t);
  t.deepEqual(await h.coordinator.initProducerId('tx', 60_000), { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 0 });
  t.deepEqual(await h.coordinator.initProducerId('tx', 60_000), { errorCode: ErrorCode.NONE, producerId: 1000n, producerEpoch: 1 });
  t.like(await h.coordinator.initProducerId('tx', 900_001), { errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT });
  t.like(await h.coordinator.initProducerId('', 1000), { errorCode: ErrorCode.INVALID_REQUEST });
  t.deepEqual(h.log.states('tx'), [TxnState.EMPTY, TxnState.EMPTY]);
});

test('a commit writes PrepareCommit, a COMMIT marker to every partition, then CompleteCommit', async (t) => {
  const h = harness(t);
  const ref = await ongoing(h, 'tx');
  t.is(h.coordinator.verifyPartition(ref.producerId, ref.producerEpoch, TOPIC_A), ErrorCode.NONE);
  t.is(await h.coordinator.endTransaction(ref, true), ErrorCode.NONE);
  await h.scheduler.tick();
  t.deepEqual(
    h.markers.map((m) => [m.target.topic, m.marker.committed, m.marker.producerEpoch]),
    [
      ['a', true, 0],
      ['b', true, 0],
    ],
  );
  t.deepEqual(h.log.states('tx'), [TxnState.EMPTY, TxnState.ONGOING, TxnState.PREPARE_COMMIT, TxnState.COMPLETE_COMMIT]);
  t.like(h.coordinator.describe('tx'), { state: TxnState.COMPLETE_COMMIT, partitions: [] });
  // A retried EndTxn gets the same answer; the opposite decision is refused.
  t.is(await h.coordinator.endTransaction(ref, true), ErrorCode.NONE);
  t.is(await h.coordinator.endTransaction(ref, false), ErrorCode.INVALID_TXN_STATE);
  t.is(h.coordinator.verifyPartition(ref.producerId, ref.producerEpoch, TOPIC_A), ErrorCode.INVALID_TXN_STATE, 'the transaction is over');
});

test('AddPartitionsToTxn: a partition not added is not verified; unknown partitions make the others OPERATION_NOT_ATTEMPTED; EndTxn on Empty is INVALID_TXN_STATE', async (t) => {
  const h = harness(t);
  const ref = await ongoing(h, 'tx', [TOPIC_A]);
  t.is(h.coordinator.verifyPartition(ref.producerId, ref.producerEpoch, TOPIC_B), ErrorCode.INVALID_TXN_STATE);
  const missing = { topic: 'missing', partition: 0 };
  const results = await h.coordinator.addPartitions(ref, [TOPIC_B, missing]);
  t.deepEqual([...results.values()], [ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const other = await h.coordinator.initProducerId('other', 1000);
  t.is(await h.coordinator.endTransaction({ transactionalId: 'other', ...other }, true), ErrorCode.INVALID_TXN_STATE);
  t.is(await h.coordinator.endTransaction({ transactionalId: 'other', producerId: 1n, producerEpoch: 0 }, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
});

test('a second InitProducerId fences the first instance: its open transaction is aborted under a bumped epoch', async (t) => {
  const h = harness(t);
  const old = await ongoing(h, 'tx');
  t.like(await h.coordinator.initProducerId('tx', 60_000), { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS });
  await h.scheduler.tick();
  t.deepEqual(
    h.markers.map((m) => [m.target.topic, m.marker.committed, m.marker.producerEpoch]),
    [
      ['a', false, 1],
      ['b', false, 1],
    ],
  );
  t.deepEqual(await h.coordinator.initProducerId('tx', 60_000), { errorCode: ErrorCode.NONE, producerId: old.producerId, producerEpoch: 2 });
  const stale = await h.coordinator.addPartitions(old, [TOPIC_A]);
  t.deepEqual([...stale.values()], [ErrorCode.PRODUCER_FENCED]);
  t.is(await h.coordinator.endTransaction(old, true), ErrorCode.PRODUCER_FENCED);
  t.is(h.coordinator.verifyPartition(old.producerId, old.producerEpoch, TOPIC_A), ErrorCode.INVALID_PRODUCER_EPOCH);
});

test('a transaction past transaction.timeout.ms is aborted by the coordinator, fencing its producer', async (t) => {
  const h = harness(t);
  const ref = await ongoing(h, 'tx', [TOPIC_A], 15_000);
  await h.scheduler.tick(10_000);
  t.is(h.markers.length, 0, 'not expired yet');
  await h.scheduler.tick(10_000);
  t.deepEqual(
    h.markers.map((m) => [m.target.topic, m.marker.committed, m.marker.producerEpoch]),
    [['a', false, 1]],
  );
  t.like(h.coordinator.describe('tx'), { state: TxnState.COMPLETE_ABORT, producerEpoch: 1 });
  t.is(await h.coordinator.endTransaction(ref, true), ErrorCode.PRODUCER_FENCED);
});

test('markers that fail are retried; a restart finds a decided transaction and finishes it', async (t) => {
  const log = new MemoryLog();
  const shared = { markers: [] as Written[], failMarkers: { code: ErrorCode.KAFKA_STORAGE_ERROR as number | undefined } };
  const first = harness(t, log, new VirtualScheduler(), shared);
  const ref = await ongoing(first, 'tx');
  t.is(await first.coordinator.endTransaction(ref, false), ErrorCode.NONE);
  await first.scheduler.tick(500);
  t.is(shared.markers.length, 0);
  t.like(first.coordinator.describe('tx'), { state: TxnState.PREPARE_ABORT });
  t.is(await first.coordinator.endTransaction(ref, false), ErrorCode.CONCURRENT_TRANSACTIONS, 'a retry waits for the markers');
  first.coordinator.close();

  // The broker stops in PrepareAbort; the next one replays the log and completes the abort.
  shared.failMarkers.code = undefined;
  const second = harness(t, log, new VirtualScheduler(), shared);
  await second.scheduler.tick();
  t.deepEqual(
    shared.markers.map((m) => [m.target.topic, m.marker.committed]),
    [
      ['a', false],
      ['b', false],
    ],
  );
  t.like(second.coordinator.describe('tx'), { state: TxnState.COMPLETE_ABORT, partitions: [] });
});
