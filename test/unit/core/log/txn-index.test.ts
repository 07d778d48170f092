import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { PartitionLog, TXN_INDEX_ENTRY_BYTES } from '../../../../core/log/index.ts';
import { ControlRecordType, decodeRecordBatch, encodeControlBatch, iterateBatches } from '../../../../core/records/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

const SEGMENT_0 = '00000000000000000000';

function openLog(dir: string, config = {}): PartitionLog {
  return PartitionLog.open(dir, { config: { flushPolicy: 'none', ...config }, scheduler: new VirtualScheduler() });
}

function txnBatch(producerId: bigint, count = 1): Buffer {
  return testBatch({ count, options: { producerId, producerEpoch: 0, baseSequence: 0, transactional: true } });
}

function abortMarker(producerId: bigint): Buffer {
  return encodeControlBatch({ producerId, producerEpoch: 0, type: ControlRecordType.ABORT, coordinatorEpoch: 0, timestamp: 1_700_000_000_000n });
}

test('an aborted transaction is written in Kafka’s .txnindex layout: int16 version, then producerId, firstOffset, lastOffset, lastStableOffset', async (t) => {
  const dir = tempDir(t);
  const log = openLog(dir);
  log.append(txnBatch(7n, 3));
  const marker = log.append(abortMarker(7n), { origin: 'internal' });
  log.recordAbortedTransaction({ producerId: 7n, firstOffset: 0n, lastOffset: marker.firstOffset, lastStableOffset: 4n });
  await log.close();

  const bytes = fs.readFileSync(path.join(dir, `${SEGMENT_0}.txnindex`));
  t.is(bytes.length, TXN_INDEX_ENTRY_BYTES);
  t.is(bytes.readInt16BE(0), 0);
  t.is(bytes.readBigInt64BE(2), 7n);
  t.is(bytes.readBigInt64BE(10), 0n);
  t.is(bytes.readBigInt64BE(18), 3n);
  t.is(bytes.readBigInt64BE(26), 4n);
});

test('no .txnindex file exists until a transaction is aborted', async (t) => {
  const dir = tempDir(t);
  const log = openLog(dir);
  log.append(testBatch({ count: 2 }));
  await log.close();
  t.false(fs.existsSync(path.join(dir, `${SEGMENT_0}.txnindex`)));
});

test('abortedTransactions returns the entries overlapping the fetched range, across segments, and survives a reopen', async (t) => {
  const dir = tempDir(t);
  const log = openLog(dir);
  // Producer 1 aborts in segment 0 (offsets 0..2, marker 2); producer 2 starts in segment 0 and aborts in segment 1.
  log.append(txnBatch(1n, 2)); // 0..1
  log.append(txnBatch(2n, 1)); // 2
  log.append(abortMarker(1n), { origin: 'internal' }); // 3
  log.recordAbortedTransaction({ producerId: 1n, firstOffset: 0n, lastOffset: 3n, lastStableOffset: 2n });
  await log.close();
  const rolled = openLog(dir, { segmentBytes: 14 });
  rolled.append(testBatch()); // 4, a new segment
  rolled.append(abortMarker(2n), { origin: 'internal' }); // 5
  rolled.recordAbortedTransaction({ producerId: 2n, firstOffset: 2n, lastOffset: 5n, lastStableOffset: 6n });
  t.true(rolled.segmentCount >= 2);
  const check = (l: PartitionLog): void => {
    t.deepEqual(l.abortedTransactions(0n, 6n).map((e) => e.producerId), [1n, 2n]);
    t.deepEqual(l.abortedTransactions(4n, 6n).map((e) => e.producerId), [2n], 'producer 1’s marker lies before the range');
    t.deepEqual(l.abortedTransactions(0n, 2n).map((e) => e.producerId), [1n], 'producer 2’s first record lies after the range');
  };
  check(rolled);
  await rolled.close();
  const reopened = openLog(dir);
  t.teardown(() => reopened.close());
  check(reopened);
});

test('recording the same abort twice keeps one entry; a marker outside the log is refused', async (t) => {
  const dir = tempDir(t);
  const log = openLog(dir);
  t.teardown(() => log.close());
  log.append(txnBatch(1n));
  log.append(abortMarker(1n), { origin: 'internal' });
  const entry = { producerId: 1n, firstOffset: 0n, lastOffset: 1n, lastStableOffset: 2n };
  log.recordAbortedTransaction(entry);
  log.recordAbortedTransaction(entry);
  t.is(log.abortedTransactions(0n, 2n).length, 1);
  t.throws(() => { log.recordAbortedTransaction({ ...entry, lastOffset: 2n }); }, { code: 'ERR_LOG_OFFSET_OUT_OF_RANGE' });
});

test('recovery drops entries for markers a torn tail took away, and cuts a torn entry', async (t) => {
  const dir = tempDir(t);
  const log = openLog(dir);
  log.append(txnBatch(1n)); // 0
  log.append(abortMarker(1n), { origin: 'internal' }); // 1
  log.recordAbortedTransaction({ producerId: 1n, firstOffset: 0n, lastOffset: 1n, lastStableOffset: 2n });
  log.append(txnBatch(2n)); // 2
  const marker = abortMarker(2n);
  log.append(marker, { origin: 'internal' }); // 3
  log.recordAbortedTransaction({ producerId: 2n, firstOffset: 2n, lastOffset: 3n, lastStableOffset: 4n });
  await log.close();
  // A crash tore the last marker: its bytes are half there, and half an entry follows the index.
  const logFile = path.join(dir, `${SEGMENT_0}.log`);
  fs.truncateSync(logFile, fs.statSync(logFile).size - 5);
  fs.rmSync(path.join(dir, 'recovery-point'), { force: true });
  fs.appendFileSync(path.join(dir, `${SEGMENT_0}.txnindex`), Buffer.alloc(10, 1));

  const reopened = openLog(dir);
  t.teardown(() => reopened.close());
  t.is(reopened.logEndOffset, 3n);
  t.deepEqual(reopened.abortedTransactions(0n, 10n).map((e) => e.producerId), [1n]);
  t.is(fs.statSync(path.join(dir, `${SEGMENT_0}.txnindex`)).size, TXN_INDEX_ENTRY_BYTES);
});

test('retention deletes a segment’s .txnindex with it', async (t) => {
  const dir = tempDir(t);
  const log = openLog(dir, { segmentBytes: 14 });
  t.teardown(() => log.close());
  log.append(txnBatch(1n)); // 0
  log.append(abortMarker(1n), { origin: 'internal' }); // 1, segment 1
  log.recordAbortedTransaction({ producerId: 1n, firstOffset: 0n, lastOffset: 1n, lastStableOffset: 2n });
  log.append(testBatch()); // 2, segment 2
  const markerSegment = log.segmentBaseOffsets().find((b) => b === 1n);
  t.is(markerSegment, 1n);
  const file = path.join(dir, '00000000000000000001.txnindex');
  t.true(fs.existsSync(file));
  log.deleteRecordsBefore(2n);
  await log.applyRetention();
  t.false(fs.existsSync(file));
  t.deepEqual(log.abortedTransactions(2n, 3n), []);
});

test('compaction drops an aborted transaction’s records, which never supersede a committed value, and stops at the stable offset', async (t) => {
  const dir = tempDir(t);
  const log = openLog(dir, { segmentBytes: 14, cleanupPolicy: { delete: false, compact: true }, minCompactionLagMs: 0 });
  t.teardown(() => log.close());
  const keyed = (value: string, options = {}): Buffer => testBatch({ key: () => 'k', value: () => value, options });
  log.append(keyed('committed')); // 0
  log.append(keyed('aborted', { producerId: 5n, producerEpoch: 0, baseSequence: 0, transactional: true })); // 1
  log.append(abortMarker(5n), { origin: 'internal' }); // 2
  log.recordAbortedTransaction({ producerId: 5n, firstOffset: 1n, lastOffset: 2n, lastStableOffset: 3n });
  log.append(keyed('open', { producerId: 6n, producerEpoch: 0, baseSequence: 0, transactional: true })); // 3, undecided
  log.append(testBatch({ key: () => 'other' })); // 4, the active segment

  // While producer 6's transaction is open at 3, nothing from 3 on may be cleaned.
  log.setStableOffset(() => 3n);
  await log.compact();
  const values = (): string[] => {
    const out: string[] = [];
    for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
      const { records } = log.read(offset, 1 << 20);
      if (records.length === 0) break;
      for (const { pos, size } of iterateBatches(records)) {
        const batch = decodeRecordBatch(records.subarray(pos, pos + size));
        offset = batch.header.baseOffset + BigInt(batch.header.lastOffsetDelta) + 1n;
        if ((batch.header.attributes & 0x20) === 0) out.push(...batch.records.map((r) => r.value!.toString()));
      }
    }
    return out;
  };
  t.deepEqual(values(), ['committed', 'open', 'value-0'], 'the aborted record is gone; the committed value stays; the open one is untouched');
});
