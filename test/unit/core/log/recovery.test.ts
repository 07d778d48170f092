import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { decodeAll, readEverything } from '../../../helpers/decode-all.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

const SEGMENT_0 = '00000000000000000000';

function openLog(dir: string, config = {}): PartitionLog {
  return PartitionLog.open(dir, { config: { flushPolicy: 'none', ...config }, scheduler: new VirtualScheduler() });
}

async function writeBatches(dir: string, count: number, config = {}): Promise<number[]> {
  const log = openLog(dir, config);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const batch = testBatch({ count: 3, value: (j) => `b${i}-r${j}` });
    sizes.push(batch.length);
    log.append(batch);
  }
  await log.close();
  return sizes;
}

function allValues(log: PartitionLog): string[] {
  return readEverything((o) => log.read(o, 1 << 20).records, log.logStartOffset, log.logEndOffset).map((r) => r.value!.toString());
}

test('garbage appended to the tail is cut off and reported', async (t) => {
  const dir = tempDir(t);
  await writeBatches(dir, 5);
  const file = path.join(dir, `${SEGMENT_0}.log`);
  const validSize = fs.statSync(file).size;
  const garbage = Buffer.from('this is not a record batch, it is garbage from a crash');
  fs.appendFileSync(file, garbage);
  const log = openLog(dir);
  t.teardown(() => log.close());
  t.is(log.recovery.truncatedBytes, garbage.length);
  t.is(log.recovery.truncatedAt?.position, validSize);
  t.is(fs.statSync(file).size, validSize);
  t.is(log.logEndOffset, 15n);
  t.is(allValues(log).length, 15);
  t.is(log.append(testBatch()).firstOffset, 15n, 'appends continue right after the last good batch');
});

test('a batch cut in half by a crash is removed, the ones before it stay', async (t) => {
  const dir = tempDir(t);
  const sizes = await writeBatches(dir, 4);
  const file = path.join(dir, `${SEGMENT_0}.log`);
  const keep = sizes[0]! + sizes[1]! + sizes[2]!;
  fs.truncateSync(file, keep + Math.floor(sizes[3]! / 2));
  const log = openLog(dir);
  t.teardown(() => log.close());
  t.is(log.logEndOffset, 9n);
  t.is(log.recovery.truncatedAt?.position, keep);
  t.deepEqual(allValues(log), ['b0-r0', 'b0-r1', 'b0-r2', 'b1-r0', 'b1-r1', 'b1-r2', 'b2-r0', 'b2-r1', 'b2-r2']);
});

test('a flipped bit in the tail segment truncates at that batch: nothing corrupt is served', async (t) => {
  const dir = tempDir(t);
  const sizes = await writeBatches(dir, 4);
  const file = path.join(dir, `${SEGMENT_0}.log`);
  const bytes = fs.readFileSync(file);
  const secondBatchValueByte = sizes[0]! + sizes[1]! - 3;
  bytes[secondBatchValueByte]! ^= 0x10;
  fs.writeFileSync(file, bytes);
  const log = openLog(dir);
  t.teardown(() => log.close());
  t.is(log.logEndOffset, 3n);
  t.regex(log.recovery.truncatedAt?.reason ?? '', /CRC/);
  t.deepEqual(allValues(log), ['b0-r0', 'b0-r1', 'b0-r2']);
});

test('a corrupt offset index of a sealed segment is rebuilt', async (t) => {
  const dir = tempDir(t);
  const batchSize = testBatch({ count: 3, value: (j) => `b0-r${j}` }).length;
  await writeBatches(dir, 12, { segmentBytes: batchSize * 5, indexIntervalBytes: 1 });
  const index = path.join(dir, `${SEGMENT_0}.index`);
  const bytes = fs.readFileSync(index);
  t.true(bytes.length >= 16);
  bytes.writeInt32BE(0x7fff0000, 8); // second entry points far past the file
  fs.writeFileSync(index, bytes);
  const log = openLog(dir, { segmentBytes: batchSize * 5, indexIntervalBytes: 1 });
  t.teardown(() => log.close());
  t.deepEqual(log.recovery.rebuiltIndexes.map((r) => r.file), [`${SEGMENT_0}.log`]);
  t.true(fs.readFileSync(index).readInt32BE(12) < 0x7fff0000, 'the bad entry was replaced');
  t.is(allValues(log).length, 36);
  t.is(decodeAll(log.read(7n, 1 << 20).records)[0]!.offset, 6n);
});

test('a missing or torn index is rebuilt and reads still find every offset', async (t) => {
  const dir = tempDir(t);
  const batchSize = testBatch({ count: 3, value: (j) => `b0-r${j}` }).length;
  const config = { segmentBytes: batchSize * 5, indexIntervalBytes: 1 };
  await writeBatches(dir, 12, config);
  fs.rmSync(path.join(dir, `${SEGMENT_0}.index`));
  const second = path.join(dir, '00000000000000000015.timeindex');
  fs.appendFileSync(second, Buffer.from([1, 2, 3]));
  const log = openLog(dir, config);
  t.teardown(() => log.close());
  t.is(log.recovery.rebuiltIndexes.length, 2);
  for (let offset = 0n; offset < 36n; offset++) {
    const first = decodeAll(log.read(offset, 1).records).find((r) => r.offset === offset);
    t.truthy(first, `offset ${offset} readable`);
  }
});

test('an interrupted compaction is finished (.swap) or discarded (.cleaned)', async (t) => {
  const dir = tempDir(t);
  const batchSize = testBatch({ count: 3, value: (j) => `b0-r${j}` }).length;
  const config = { segmentBytes: batchSize * 2 };
  await writeBatches(dir, 6, config);
  const seg0 = path.join(dir, `${SEGMENT_0}.log`);
  const seg6 = path.join(dir, '00000000000000000006.log');
  // A finished copy of segment 0 holding only its second batch, and a half-written copy of segment 6.
  const copy = fs.readFileSync(seg0).subarray(batchSize);
  fs.writeFileSync(`${seg0}.swap`, copy);
  fs.writeFileSync(`${seg6}.cleaned`, Buffer.from('half written'));
  const log = openLog(dir, config);
  t.teardown(() => log.close());
  t.deepEqual(log.recovery.completedSwaps, [`${SEGMENT_0}.log.swap`]);
  t.deepEqual(log.recovery.discardedCleaned, ['00000000000000000006.log.cleaned']);
  t.false(fs.existsSync(`${seg0}.swap`));
  t.false(fs.existsSync(`${seg6}.cleaned`));
  const values = allValues(log);
  t.deepEqual(values.slice(0, 3), ['b1-r0', 'b1-r1', 'b1-r2']);
  t.is(values.length, 15);
});

test('a damaged batch in a sealed segment is never served: the read fails with CORRUPT_SEGMENT', async (t) => {
  const dir = tempDir(t);
  const batchSize = testBatch({ count: 3, value: (j) => `b0-r${j}` }).length;
  const config = { segmentBytes: batchSize * 2 };
  await writeBatches(dir, 6, config);
  const seg0 = path.join(dir, `${SEGMENT_0}.log`);
  const bytes = fs.readFileSync(seg0);
  bytes[batchSize + 70]! ^= 0x01; // inside the second batch's records
  fs.writeFileSync(seg0, bytes);
  const log = openLog(dir, config);
  t.teardown(() => log.close());
  t.is(decodeAll(log.read(0n, 1 << 20).records).length, 3, 'the intact first batch is served alone');
  const err = t.throws(() => log.read(3n, 1 << 20));
  t.is((err as { code?: string } | undefined)?.code, 'ERR_LOG_CORRUPT_SEGMENT');
  t.regex(String(err), /00000000000000000000\.log/);
});
