import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { LogErrorCode, PartitionLog } from '../../../../core/log/index.ts';
import { BatchLayout, computeBatchCrc, CompressionCodec } from '../../../../core/records/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { decodeAll, readEverything } from '../../../helpers/decode-all.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

function openLog(dir: string, config = {}, clock = new VirtualScheduler()): PartitionLog {
  return PartitionLog.open(dir, { config: { flushPolicy: 'none', ...config }, scheduler: clock });
}

test('append assigns consecutive offsets and read returns the records', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  const a = log.append(testBatch({ count: 3 }));
  const b = log.append(testBatch({ count: 2, value: (i) => `second-${i}` }));
  t.deepEqual([a.firstOffset, a.lastOffset, b.firstOffset, b.lastOffset], [0n, 2n, 3n, 4n]);
  t.is(log.logEndOffset, 5n);
  const records = decodeAll(log.read(0n, 1 << 20).records);
  t.deepEqual(records.map((r) => r.offset), [0n, 1n, 2n, 3n, 4n]);
  t.deepEqual(records.map((r) => r.value?.toString()), ['value-0', 'value-1', 'value-2', 'second-0', 'second-1']);
});

test('append stamps the leader epoch in place without breaking the CRC', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  log.append(testBatch({ count: 2 }));
  log.append(testBatch({ count: 2 }), { leaderEpoch: 7 });
  const bytes = log.read(2n, 1 << 20).records;
  t.is(bytes.readBigInt64BE(BatchLayout.BASE_OFFSET), 2n);
  t.is(bytes.readInt32BE(BatchLayout.PARTITION_LEADER_EPOCH), 7);
  t.is(bytes.readUInt32BE(BatchLayout.CRC), computeBatchCrc(bytes));
});

test('a read from an offset inside a batch returns that whole batch', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  log.append(testBatch({ count: 10 }));
  log.append(testBatch({ count: 10 }));
  const records = decodeAll(log.read(15n, 1 << 20).records);
  t.is(records[0]!.offset, 10n);
  t.is(records.length, 10);
});

test('read honours maxBytes with whole batches, but returns at least one batch', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  const batch = testBatch({ count: 5, value: () => 'x'.repeat(100) });
  const size = batch.length;
  for (let i = 0; i < 4; i++) log.append(testBatch({ count: 5, value: () => 'x'.repeat(100) }));
  t.is(log.read(0n, size * 2 + 10).records.length, size * 2);
  t.is(log.read(0n, 10).records.length, size);
  t.is(log.read(0n, 10, { minOneBatch: false }).records.length, 0);
});

test('read stops at maxOffset (the high watermark) and at the log end', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  log.append(testBatch({ count: 2 }));
  log.append(testBatch({ count: 2 }));
  t.deepEqual(decodeAll(log.read(0n, 1 << 20, { maxOffset: 2n }).records).map((r) => r.offset), [0n, 1n]);
  t.is(log.read(2n, 1 << 20, { maxOffset: 2n }).records.length, 0);
  t.is(log.read(4n, 1 << 20).records.length, 0);
});

test('read outside [logStartOffset, logEndOffset] is OFFSET_OUT_OF_RANGE', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  log.append(testBatch({ count: 2 }));
  throwsCode(t, () => log.read(3n, 100), LogErrorCode.OFFSET_OUT_OF_RANGE);
  throwsCode(t, () => log.read(-1n, 100), LogErrorCode.OFFSET_OUT_OF_RANGE);
});

test('segments roll by size and reads cross into the next segment', async (t) => {
  const dir = tempDir(t);
  const batchSize = testBatch({ count: 4 }).length;
  const log = openLog(dir, { segmentBytes: batchSize * 3 });
  t.teardown(() => log.close());
  for (let i = 0; i < 10; i++) log.append(testBatch({ count: 4 }));
  t.is(log.segmentCount, 4);
  t.deepEqual(log.segmentBaseOffsets(), [0n, 12n, 24n, 36n]);
  t.true(fs.existsSync(path.join(dir, '00000000000000000012.log')));
  t.true(fs.existsSync(path.join(dir, '00000000000000000012.index')));
  t.true(fs.existsSync(path.join(dir, '00000000000000000012.timeindex')));
  const offsets = readEverything((o) => log.read(o, 1 << 20).records, 0n, log.logEndOffset).map((r) => r.offset);
  t.deepEqual(offsets, Array.from({ length: 40 }, (_, i) => BigInt(i)));
});

test('segments roll by age (segment.ms) on virtual time', async (t) => {
  const clock = new VirtualScheduler();
  const log = openLog(tempDir(t), { segmentMs: 1000 }, clock);
  t.teardown(() => log.close());
  log.append(testBatch());
  clock.advance(999);
  log.append(testBatch());
  t.is(log.segmentCount, 1);
  clock.advance(1);
  log.append(testBatch());
  t.is(log.segmentCount, 2);
});

test('segment.jitter.ms rolls each segment earlier by its own draw, below min(jitter, segment.ms)', async (t) => {
  const clock = new VirtualScheduler();
  const draws = [0.5, 0.25, 0.999];
  const random = (): number => {
    const next = draws.shift();
    if (next === undefined) throw new Error('more draws than segments');
    return next;
  };
  const log = PartitionLog.open(tempDir(t), { config: { flushPolicy: 'none', segmentMs: 1000, segmentJitterMs: 400 }, scheduler: clock, random });
  t.teardown(() => log.close());
  // First segment: jitter 0.5 × 400 = 200, so it rolls at age 800.
  log.append(testBatch());
  clock.advance(799);
  log.append(testBatch());
  t.is(log.segmentCount, 1);
  clock.advance(1);
  log.append(testBatch());
  t.is(log.segmentCount, 2);
  // Second: 0.25 × 400 = 100, so age 900.
  clock.advance(899);
  log.append(testBatch());
  t.is(log.segmentCount, 2);
  clock.advance(1);
  log.append(testBatch());
  t.is(log.segmentCount, 3);
  // A jitter above segment.ms is capped by it: 0.999 × min(5000, 1000) = 999, so age 1.
  log.updateConfig({ segmentJitterMs: 5000 });
  clock.advance(1);
  log.append(testBatch());
  t.is(log.segmentCount, 4);
  t.deepEqual(draws, [], 'one draw per segment');
});

test('without segment.jitter.ms no randomness is drawn and segments roll at segment.ms', async (t) => {
  const clock = new VirtualScheduler();
  let draws = 0;
  const log = PartitionLog.open(tempDir(t), {
    config: { flushPolicy: 'none', segmentMs: 1000 },
    scheduler: clock,
    random: () => {
      draws++;
      return 0.5;
    },
  });
  t.teardown(() => log.close());
  log.append(testBatch());
  clock.advance(999);
  log.append(testBatch());
  t.is(log.segmentCount, 1);
  t.is(draws, 0);
});

test('segment.index.bytes rolls the segment when its offset index is full', async (t) => {
  const dir = tempDir(t);
  // Every batch gets an offset index entry (interval 0); one timestamp keeps the time index at one entry.
  const log = openLog(dir, { indexIntervalBytes: 0, segmentIndexBytes: 24 });
  t.teardown(() => log.close());
  for (let i = 0; i < 7; i++) log.append(testBatch({ timestamp: 1_000n }));
  // 24 bytes hold three 8-byte offset entries: three batches per segment.
  t.deepEqual(log.segmentBaseOffsets(), [0n, 3n, 6n]);
  t.is(fs.statSync(path.join(dir, '00000000000000000000.index')).size, 24);
  const offsets = readEverything((o) => log.read(o, 1 << 20).records, 0n, log.logEndOffset).map((r) => r.offset);
  t.deepEqual(offsets, [0n, 1n, 2n, 3n, 4n, 5n, 6n]);
});

test('segment.index.bytes rolls the segment when its time index is full', async (t) => {
  const log = openLog(tempDir(t), { indexIntervalBytes: 0, segmentIndexBytes: 24 });
  t.teardown(() => log.close());
  // Rising timestamps add a 12-byte time entry per batch: two fit in 24 bytes.
  for (let i = 0; i < 5; i++) log.append(testBatch({ timestamp: 1_000n + BigInt(i) }));
  t.deepEqual(log.segmentBaseOffsets(), [0n, 2n, 4n]);
});

test('the default segment.index.bytes does not roll small segments', async (t) => {
  const log = openLog(tempDir(t), { indexIntervalBytes: 0 });
  t.teardown(() => log.close());
  for (let i = 0; i < 50; i++) log.append(testBatch({ timestamp: 1_000n + BigInt(i) }));
  t.is(log.segmentCount, 1);
});

test('max.compaction.lag.ms bounds the age of a compacted topic\'s active segment, not a deleted one\'s', async (t) => {
  const clock = new VirtualScheduler();
  const compacted = openLog(tempDir(t), { cleanupPolicy: { compact: true, delete: false }, maxCompactionLagMs: 1000 }, clock);
  const deleted = openLog(tempDir(t), { maxCompactionLagMs: 1000 }, clock);
  t.teardown(() => Promise.all([compacted.close(), deleted.close()]));
  for (const log of [compacted, deleted]) log.append(testBatch());
  clock.advance(999);
  for (const log of [compacted, deleted]) log.append(testBatch());
  t.deepEqual([compacted.segmentCount, deleted.segmentCount], [1, 1]);
  clock.advance(1);
  for (const log of [compacted, deleted]) log.append(testBatch());
  t.deepEqual([compacted.segmentCount, deleted.segmentCount], [2, 1], 'segment.ms (7 days) still governs the delete topic');
});

test('a reopened log serves everything written before', async (t) => {
  const dir = tempDir(t);
  const batchSize = testBatch({ count: 4 }).length;
  const first = openLog(dir, { segmentBytes: batchSize * 2 });
  for (let i = 0; i < 7; i++) first.append(testBatch({ count: 4, value: (j) => `v${i}-${j}` }));
  await first.close();
  const log = openLog(dir, { segmentBytes: batchSize * 2 });
  t.teardown(() => log.close());
  t.is(log.logEndOffset, 28n);
  t.is(log.recovery.truncatedBytes, 0);
  t.deepEqual(log.recovery.rebuiltIndexes, []);
  t.is(decodeAll(log.read(13n, 1 << 20).records)[1]!.value?.toString(), 'v3-1');
  const next = log.append(testBatch());
  t.is(next.firstOffset, 28n);
});

test('offsetForTimestamp finds the first record at or after a time, also inside a batch', async (t) => {
  const log = openLog(tempDir(t), { indexIntervalBytes: 1 });
  t.teardown(() => log.close());
  log.append(testBatch({ count: 5, timestamp: (i) => 1000n + BigInt(i) * 10n })); // offsets 0-4: 1000..1040
  log.append(testBatch({ count: 5, timestamp: (i) => 2000n + BigInt(i) * 10n })); // offsets 5-9: 2000..2040
  t.deepEqual(log.offsetForTimestamp(0n), { offset: 0n, timestamp: 1000n });
  t.deepEqual(log.offsetForTimestamp(1015n), { offset: 2n, timestamp: 1020n });
  t.deepEqual(log.offsetForTimestamp(1041n), { offset: 5n, timestamp: 2000n });
  t.deepEqual(log.offsetForTimestamp(2040n), { offset: 9n, timestamp: 2040n });
  t.is(log.offsetForTimestamp(2041n), undefined);
});

test('offsetForTimestamp opens compressed batches', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  log.append(testBatch({ count: 5, timestamp: (i) => 1000n + BigInt(i), options: { compression: CompressionCodec.gzip } }));
  t.deepEqual(log.offsetForTimestamp(1003n), { offset: 3n, timestamp: 1003n });
});

test('LogAppendTime topics stamp the broker time into the batch', async (t) => {
  const clock = new VirtualScheduler(5_000_000);
  const log = openLog(tempDir(t), { messageTimestampType: 'LogAppendTime' }, clock);
  t.teardown(() => log.close());
  const info = log.append(testBatch({ count: 3, timestamp: 1n }));
  t.is(info.logAppendTime, 5_000_000n);
  const records = decodeAll(log.read(0n, 1 << 20).records);
  t.deepEqual(records.map((r) => r.timestamp), [5_000_000n, 5_000_000n, 5_000_000n]);
});

test('append rejects bad batches and writes nothing', async (t) => {
  const log = openLog(tempDir(t), { maxMessageBytes: 500 });
  t.teardown(() => log.close());
  const flipped = testBatch({ count: 2 });
  flipped[flipped.length - 1]! ^= 1;
  throwsCode(t, () => log.append(flipped), LogErrorCode.CORRUPT_BATCH);

  const nonZeroBase = testBatch({ options: { baseOffset: 5n } });
  throwsCode(t, () => log.append(nonZeroBase), LogErrorCode.INVALID_BATCH);

  const control = testBatch({ options: { control: true } });
  throwsCode(t, () => log.append(control), LogErrorCode.INVALID_BATCH);
  t.notThrows(() => log.append(testBatch({ options: { control: true } }), { origin: 'internal' }));

  const big = testBatch({ value: () => 'x'.repeat(600) });
  throwsCode(t, () => log.append(big), LogErrorCode.BATCH_TOO_LARGE);

  const good = testBatch();
  const partial = Buffer.concat([good, testBatch().subarray(0, 30)]);
  throwsCode(t, () => log.append(partial), LogErrorCode.INVALID_BATCH);
  t.is(log.logEndOffset, 1n, 'only the internal control batch went in');
});

test('an append with several batches lands all of them or none', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  const bad = testBatch();
  bad[bad.length - 1]! ^= 0xff;
  t.throws(() => log.append(Buffer.concat([testBatch(), bad])));
  t.is(log.logEndOffset, 0n);
  const info = log.append(Buffer.concat([testBatch({ count: 2 }), testBatch({ count: 3 })]));
  t.deepEqual([info.firstOffset, info.lastOffset, info.recordCount], [0n, 4n, 5]);
});

test('deleteRecordsBefore moves the log start offset and survives a restart', async (t) => {
  const dir = tempDir(t);
  const first = openLog(dir);
  for (let i = 0; i < 3; i++) first.append(testBatch({ count: 2 }));
  t.is(first.deleteRecordsBefore(3n), 3n);
  throwsCode(t, () => first.read(2n, 100), LogErrorCode.OFFSET_OUT_OF_RANGE);
  t.is(decodeAll(first.read(3n, 1 << 20).records)[0]!.offset, 2n, 'the batch holding offset 3 starts at 2');
  throwsCode(t, () => first.deleteRecordsBefore(7n), LogErrorCode.OFFSET_OUT_OF_RANGE);
  await first.close();
  const log = openLog(dir);
  t.teardown(() => log.close());
  t.is(log.logStartOffset, 3n);
});

test('a closed log refuses work with LOG_CLOSED and close is idempotent', async (t) => {
  const log = openLog(tempDir(t));
  await log.close();
  await log.close();
  throwsCode(t, () => log.append(testBatch()), LogErrorCode.LOG_CLOSED);
});

test('read into a caller-supplied buffer returns a view of it, and falls back when it is too small', async (t) => {
  const log = openLog(tempDir(t));
  t.teardown(() => log.close());
  log.append(testBatch({ count: 3 }));
  const expected = log.read(0n, 1 << 20).records;
  const scratch = Buffer.alloc(1 << 16);
  const viaScratch = log.read(0n, 1 << 20, { into: scratch }).records;
  t.deepEqual(viaScratch, expected);
  t.is(viaScratch.buffer, scratch.buffer, 'no new allocation');
  const tiny = Buffer.alloc(8);
  const viaTiny = log.read(0n, 1 << 20, { into: tiny }).records;
  t.deepEqual(viaTiny, expected);
  t.not(viaTiny.buffer, tiny.buffer);
});

test('append rejects a batch whose record count or offset deltas do not match its records', (t) => {
  const log = PartitionLog.open(tempDir(t));
  t.teardown(() => log.close());
  const lying = testBatch();
  // Claim one record more than present; the CRC covers the count, so recompute it.
  lying.writeInt32BE(lying.readInt32BE(BatchLayout.RECORDS_COUNT) + 1, BatchLayout.RECORDS_COUNT);
  lying.writeInt32BE(lying.readInt32BE(BatchLayout.LAST_OFFSET_DELTA) + 1, BatchLayout.LAST_OFFSET_DELTA);
  lying.writeUInt32BE(computeBatchCrc(lying, 0, lying.length), BatchLayout.CRC);
  const err = t.throws(() => log.append(lying));
  t.is((err as { code?: string }).code, LogErrorCode.INVALID_BATCH);
  t.regex(err.message, /recordsCount is \d+ but \d+ records are present/);
  t.is(log.logEndOffset, 0n);
});
