import test from 'ava';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { PartitionProducerState, ProducerStateStore } from '../../../../broker/producers/index.ts';
import type { ProducerBatch } from '../../../../broker/producers/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { ControlRecordType, encodeControlBatch, isTransactionalBatch, iterateBatches, readBatchHeader } from '../../../../core/records/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

function openLog(t: ExecutionContext, dir: string): PartitionLog {
  const log = PartitionLog.open(dir, { config: { flushPolicy: 'none' } });
  t.teardown(() => log.close());
  return log;
}

function batchesOf(bytes: Buffer): ProducerBatch[] {
  return [...iterateBatches(bytes)].map(({ pos }) => {
    const h = readBatchHeader(bytes, pos);
    return { producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence, recordCount: h.recordsCount, transactional: isTransactionalBatch(h.attributes) };
  });
}

/** Appends one batch of `count` records for the producer, as the Produce path does. */
function send(log: PartitionLog, state: PartitionProducerState, producerId: bigint, seq: number, count: number, transactional = true, epoch = 0): bigint {
  const bytes = testBatch({ count, options: { producerId, producerEpoch: epoch, baseSequence: seq, transactional } });
  const prepared = state.prepare(batchesOf(bytes), log.logEndOffset);
  if (prepared.kind !== 'append') throw new Error(`refused: ${JSON.stringify(prepared)}`);
  const info = log.append(bytes);
  prepared.commit();
  return info.firstOffset;
}

/** Appends a marker as the broker's marker path does, abort entries included. */
function mark(log: PartitionLog, state: PartitionProducerState, producerId: bigint, type: ControlRecordType, epoch = 0): ReturnType<PartitionProducerState['prepareMarker']> {
  const prepared = state.prepareMarker({ producerId, producerEpoch: epoch, type }, log.logEndOffset);
  if (prepared.kind !== 'append') return prepared;
  log.append(encodeControlBatch({ producerId, producerEpoch: epoch, type, coordinatorEpoch: 0, timestamp: 1n }), { origin: 'internal' });
  prepared.commit();
  const done = prepared.completed;
  if (done?.aborted === true) log.recordAbortedTransaction({ producerId, firstOffset: done.firstOffset, lastOffset: done.lastOffset, lastStableOffset: done.lastStableOffset });
  return prepared;
}

test('a transactional batch opens a transaction at its first offset; plain idempotent batches do not', (t) => {
  const log = openLog(t, tempDir(t));
  const state = new PartitionProducerState();
  send(log, state, 1n, 0, 2, false); // 0..1
  t.is(state.firstUnstableOffset(), undefined);
  send(log, state, 2n, 0, 3); // 2..4
  send(log, state, 2n, 3, 1); // 5: the transaction still began at 2
  t.is(state.firstUnstableOffset(), 2n);
  t.deepEqual(state.ongoingTransactions(), [{ producerId: 2n, producerEpoch: 0, firstOffset: 2n }]);
});

test('the first unstable offset is the earliest open transaction; a marker closes only its producer’s', (t) => {
  const log = openLog(t, tempDir(t));
  const state = new PartitionProducerState();
  send(log, state, 1n, 0, 1); // 0
  send(log, state, 2n, 0, 1); // 1
  t.is(state.firstUnstableOffset(), 0n);
  const commit = mark(log, state, 1n, ControlRecordType.COMMIT); // marker at 2
  t.like(commit, { kind: 'append', completed: { producerId: 1n, firstOffset: 0n, lastOffset: 2n, aborted: false, lastStableOffset: 1n } });
  t.is(state.firstUnstableOffset(), 1n);
  const abort = mark(log, state, 2n, ControlRecordType.ABORT); // marker at 3
  t.like(abort, { kind: 'append', completed: { producerId: 2n, firstOffset: 1n, lastOffset: 3n, aborted: true, lastStableOffset: 4n } });
  t.is(state.firstUnstableOffset(), undefined);
  t.deepEqual(log.abortedTransactions(0n, 4n), [{ producerId: 2n, firstOffset: 1n, lastOffset: 3n, lastStableOffset: 4n }]);
  // The next transactional batch of producer 1 opens a new transaction.
  send(log, state, 1n, 1, 1); // 4
  t.is(state.firstUnstableOffset(), 4n);
});

test('a marker older than the producer’s epoch is refused; a newer one adopts its epoch and fences older batches', (t) => {
  const log = openLog(t, tempDir(t));
  const state = new PartitionProducerState();
  send(log, state, 1n, 0, 1, true, 3);
  t.like(state.prepareMarker({ producerId: 1n, producerEpoch: 2, type: ControlRecordType.ABORT }, log.logEndOffset), { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
  t.like(mark(log, state, 1n, ControlRecordType.ABORT, 4), { kind: 'append', completed: { aborted: true } });
  t.is(state.entry(1n)?.producerEpoch, 4);
  const stale = testBatch({ options: { producerId: 1n, producerEpoch: 3, baseSequence: 1, transactional: true } });
  t.like(state.prepare(batchesOf(stale), log.logEndOffset), { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
});

test('a producer with an open transaction outlives removeProducersBefore', (t) => {
  const log = openLog(t, tempDir(t));
  const state = new PartitionProducerState();
  send(log, state, 1n, 0, 1); // open
  send(log, state, 2n, 0, 1, false);
  t.is(state.removeProducersBefore(10n), 1);
  t.is(state.firstUnstableOffset(), 0n);
});

test('open transactions survive a restart: from the snapshot, and from the log alone', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.open(dir, { config: { flushPolicy: 'none' } });
  const store = ProducerStateStore.open(log);
  send(log, store.state, 1n, 0, 2); // 0..1 open
  send(log, store.state, 2n, 0, 1); // 2
  mark(log, store.state, 2n, ControlRecordType.COMMIT); // 3
  store.writeSnapshot();
  send(log, store.state, 3n, 0, 1); // 4, after the snapshot
  await log.close();

  const fromSnapshot = openLog(t, dir);
  const restored = ProducerStateStore.open(fromSnapshot);
  t.is(restored.rebuiltFrom, 'snapshot');
  t.deepEqual(restored.state.ongoingTransactions().map((o) => [o.producerId, o.firstOffset]), [[1n, 0n], [3n, 4n]]);
  await fromSnapshot.close();

  fs.rmSync(path.join(dir, 'producer-state.snapshot'));
  const fromLog = openLog(t, dir);
  const rebuilt = ProducerStateStore.open(fromLog);
  t.is(rebuilt.rebuiltFrom, 'log');
  t.deepEqual(rebuilt.state.ongoingTransactions().map((o) => [o.producerId, o.firstOffset]), [[1n, 0n], [3n, 4n]]);
});

test('a restart restores aborted-transaction index entries the crash lost, from the markers in the log', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.open(dir, { config: { flushPolicy: 'none' } });
  const store = ProducerStateStore.open(log);
  send(log, store.state, 1n, 0, 2); // 0..1
  send(log, store.state, 2n, 0, 1); // 2
  mark(log, store.state, 1n, ControlRecordType.ABORT); // 3
  mark(log, store.state, 2n, ControlRecordType.ABORT); // 4
  const before = log.abortedTransactions(0n, 5n);
  t.is(before.length, 2);
  await log.close();
  fs.rmSync(path.join(dir, '00000000000000000000.txnindex'));

  const reopened = openLog(t, dir);
  const restored = ProducerStateStore.open(reopened);
  t.is(restored.state.firstUnstableOffset(), undefined);
  t.deepEqual(reopened.abortedTransactions(0n, 5n), before);
});

test('a snapshot with an open transaction round-trips, and one whose transaction start lies past its offset is refused', (t) => {
  const log = openLog(t, tempDir(t));
  const state = new PartitionProducerState();
  send(log, state, 1n, 0, 1);
  const snapshot = state.snapshot(log.logEndOffset);
  t.is(snapshot.producers[0]?.currentTxnFirstOffset, '0');
  const { state: restored } = PartitionProducerState.restore(JSON.parse(JSON.stringify(snapshot)));
  t.is(restored.firstUnstableOffset(), 0n);
  const bad = { ...snapshot, producers: [{ ...snapshot.producers[0]!, currentTxnFirstOffset: '5' }] };
  t.throws(() => PartitionProducerState.restore(bad), { code: 'ERR_PRODUCERS_INVALID_SNAPSHOT' });
});
