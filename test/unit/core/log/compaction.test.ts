import test from 'ava';
import fs from 'node:fs';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import { CompressionCodec } from '../../../../core/records/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { readEverything } from '../../../helpers/decode-all.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

const DAY = 86_400_000;

function readAll(log: PartitionLog): { offset: bigint; key: string | undefined; value: string | null }[] {
  return readEverything((o) => log.read(o, 1 << 20).records, log.logStartOffset, log.logEndOffset).map((r) => ({
    offset: r.offset,
    key: r.key?.toString(),
    value: r.value?.toString() ?? null,
  }));
}

test('compaction keeps the latest record per key at its original offset', async (t) => {
  const clock = new VirtualScheduler(10 * DAY);
  const oneBatch = testBatch({ count: 2 }).length;
  const log = PartitionLog.open(tempDir(t), {
    scheduler: clock,
    config: { flushPolicy: 'none', segmentBytes: oneBatch, cleanupPolicy: { delete: false, compact: true } },
  });
  t.teardown(() => log.close());
  const ts = BigInt(9 * DAY);
  // offsets: 0 a=1, 1 b=1 | 2 a=2, 3 c=1 | 4 b=2, 5 a=3 | 6 d=1, 7 e=1 (active segment)
  const pairs = [['a', '1'], ['b', '1'], ['a', '2'], ['c', '1'], ['b', '2'], ['a', '3'], ['d', '1'], ['e', '1']] as const;
  for (let i = 0; i < pairs.length; i += 2) {
    log.append(testBatch({ count: 2, key: (j) => pairs[i + j]![0], value: (j) => pairs[i + j]![1], timestamp: ts }));
  }
  const sizeBefore = log.size;
  const result = await log.compact();
  t.is(result.recordsRemoved, 3);
  t.true(log.size < sizeBefore);
  t.deepEqual(readAll(log), [
    { offset: 3n, key: 'c', value: '1' },
    { offset: 4n, key: 'b', value: '2' },
    { offset: 5n, key: 'a', value: '3' },
    { offset: 6n, key: 'd', value: '1' },
    { offset: 7n, key: 'e', value: '1' },
  ]);
  t.is(log.append(testBatch()).firstOffset, 8n);
});

test('tombstones survive until delete.retention.ms has passed, then go', async (t) => {
  const clock = new VirtualScheduler(100 * DAY);
  const oneBatch = testBatch({ count: 1 }).length;
  const log = PartitionLog.open(tempDir(t), {
    scheduler: clock,
    config: { flushPolicy: 'none', segmentBytes: oneBatch, cleanupPolicy: { delete: false, compact: true }, deleteRetentionMs: DAY },
  });
  t.teardown(() => log.close());
  const now = BigInt(clock.now());
  log.append(testBatch({ key: () => 'k', value: () => 'v', timestamp: now }));
  log.append(testBatch({ key: () => 'k', value: () => null, timestamp: now }));
  log.append(testBatch({ key: () => 'other', value: () => 'x', timestamp: now }));
  await log.compact();
  t.deepEqual(readAll(log).map((r) => [r.offset, r.key, r.value]), [[1n, 'k', null], [2n, 'other', 'x']]);
  clock.advance(DAY + 1);
  await log.compact();
  t.deepEqual(readAll(log).map((r) => [r.offset, r.key]), [[2n, 'other']]);
});

test('compaction rewrites compressed batches and drops records without a key', async (t) => {
  const clock = new VirtualScheduler(10 * DAY);
  const batch = (): Buffer =>
    testBatch({ count: 4, key: (i) => (i === 3 ? null : `k${i % 2}`), timestamp: BigInt(DAY), options: { compression: CompressionCodec.gzip } });
  const log = PartitionLog.open(tempDir(t), {
    scheduler: clock,
    config: { flushPolicy: 'none', segmentBytes: batch().length, cleanupPolicy: { delete: false, compact: true } },
  });
  t.teardown(() => log.close());
  log.append(batch()); // 0 k0, 1 k1, 2 k0, 3 null
  log.append(testBatch({ key: () => 'z', timestamp: BigInt(DAY) })); // active
  await log.compact();
  t.deepEqual(readAll(log).map((r) => [r.offset, r.key]), [[1n, 'k1'], [2n, 'k0'], [4n, 'z']]);
  const stored = log.read(0n, 1 << 20).records;
  t.is(stored.readInt16BE(21) & 0x07, CompressionCodec.gzip, 'the rewritten batch keeps its codec');
});

test('min.compaction.lag.ms keeps recent segments out of compaction', async (t) => {
  const clock = new VirtualScheduler(10 * DAY);
  const oneBatch = testBatch({ count: 2, key: () => 'k' }).length;
  const log = PartitionLog.open(tempDir(t), {
    scheduler: clock,
    config: { flushPolicy: 'none', segmentBytes: oneBatch, cleanupPolicy: { delete: false, compact: true }, minCompactionLagMs: DAY },
  });
  t.teardown(() => log.close());
  log.append(testBatch({ count: 2, key: () => 'k', timestamp: BigInt(clock.now()) }));
  log.append(testBatch({ count: 2, key: () => 'k', timestamp: BigInt(clock.now()) }));
  t.is((await log.compact()).recordsRemoved, 0);
  clock.advance(DAY);
  t.is((await log.compact()).recordsRemoved, 1, 'the older duplicate inside the first segment goes');
});

test('a compacted log reopens with the same contents', async (t) => {
  const dir = tempDir(t);
  const clock = new VirtualScheduler(10 * DAY);
  const oneBatch = testBatch({ count: 3 }).length;
  const config = { flushPolicy: 'none' as const, segmentBytes: oneBatch, cleanupPolicy: { delete: false, compact: true } };
  const log = PartitionLog.open(dir, { scheduler: clock, config });
  for (let i = 0; i < 6; i++) log.append(testBatch({ count: 3, key: (j) => `k${j}`, value: () => `round${i}`, timestamp: BigInt(DAY) }));
  await log.compact();
  const before = readAll(log);
  await log.close();
  t.false(fs.readdirSync(dir).some((f) => f.endsWith('.swap') || f.endsWith('.cleaned')));
  const reopened = PartitionLog.open(dir, { scheduler: clock, config });
  t.teardown(() => reopened.close());
  t.deepEqual(readAll(reopened), before);
  // The active segment (round 5) is not compacted; of the sealed rounds only the last survives.
  t.deepEqual(before.map((r) => r.value), ['round4', 'round4', 'round4', 'round5', 'round5', 'round5']);
  t.deepEqual(before.map((r) => r.offset), [12n, 13n, 14n, 15n, 16n, 17n]);
});
