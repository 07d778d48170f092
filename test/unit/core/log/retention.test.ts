import test from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import { segmentsToDelete } from '../../../../core/log/retention.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

const HOUR = 3_600_000;

test('time retention deletes whole expired segments and moves the log start offset', async (t) => {
  const clock = new VirtualScheduler(100 * HOUR);
  const batchSize = testBatch({ count: 2 }).length;
  const log = PartitionLog.open(tempDir(t), {
    scheduler: clock,
    config: { flushPolicy: 'none', segmentBytes: batchSize * 2, retentionMs: 10 * HOUR },
  });
  t.teardown(() => log.close());
  // Six batches, three segments; batch i has timestamp (90 + i) hours.
  for (let i = 0; i < 6; i++) log.append(testBatch({ count: 2, timestamp: BigInt((90 + i) * HOUR) }));
  t.is(log.segmentCount, 3);
  let result = await log.applyRetention();
  t.is(result.deletedSegments, 0, 'nothing is older than 10 hours yet');
  clock.set(102 * HOUR); // cutoff 92h: segment 0 (max 91h) expires, segment 1 (max 93h) does not
  result = await log.applyRetention();
  t.deepEqual([result.deletedSegments, result.reason, result.logStartOffset], [1, 'time', 4n]);
  t.deepEqual(log.segmentBaseOffsets(), [4n, 8n]);
  clock.set(200 * HOUR);
  result = await log.applyRetention();
  t.is(result.deletedSegments, 2, 'the expired active segment is rolled and removed too');
  t.is(log.logStartOffset, 12n);
  t.is(log.logEndOffset, 12n);
  t.is(log.append(testBatch()).firstOffset, 12n, 'offsets are never reused');
});

test('size retention keeps the newest segments within retention.bytes', async (t) => {
  const batchSize = testBatch({ count: 2 }).length;
  const log = PartitionLog.open(tempDir(t), {
    scheduler: new VirtualScheduler(),
    config: { flushPolicy: 'none', segmentBytes: batchSize, retentionBytes: batchSize * 3, retentionMs: -1 },
  });
  t.teardown(() => log.close());
  for (let i = 0; i < 6; i++) log.append(testBatch({ count: 2 }));
  t.is(log.segmentCount, 6);
  const result = await log.applyRetention();
  t.deepEqual([result.deletedSegments, result.reason], [3, 'size']);
  t.is(log.size, batchSize * 3);
  t.is(log.logStartOffset, 6n);
});

test('retention deletes segments wholly below a log start offset set by deleteRecordsBefore', async (t) => {
  const batchSize = testBatch({ count: 2 }).length;
  const log = PartitionLog.open(tempDir(t), {
    scheduler: new VirtualScheduler(),
    config: { flushPolicy: 'none', segmentBytes: batchSize, retentionMs: -1 },
  });
  t.teardown(() => log.close());
  for (let i = 0; i < 4; i++) log.append(testBatch({ count: 2 }));
  log.deleteRecordsBefore(5n);
  const result = await log.applyRetention();
  t.deepEqual([result.deletedSegments, result.reason], [2, 'log-start-offset']);
  t.is(log.logStartOffset, 5n);
});

test('compact-only topics are not subject to time or size retention', (t) => {
  const segments = [
    { baseOffset: 0n, nextOffset: 10n, size: 100, maxTimestamp: 0n },
    { baseOffset: 10n, nextOffset: 20n, size: 100, maxTimestamp: 0n },
  ];
  const compactOnly = { retentionMs: 1, retentionBytes: 1, cleanupPolicy: { delete: false, compact: true } };
  t.deepEqual(segmentsToDelete(segments, compactOnly, 1_000_000, 0n), { count: 0, reason: undefined });
  const both = { ...compactOnly, cleanupPolicy: { delete: true, compact: true } };
  t.is(segmentsToDelete(segments, both, 1_000_000, 0n).count, 1, 'never the active segment');
});
