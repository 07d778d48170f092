import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { dumpSegmentFile, PartitionLog } from '../../../../core/log/index.ts';
import { CompressionCodec } from '../../../../core/records/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

test('dumpSegmentFile lists every batch with its header, codec and records', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.open(dir, { scheduler: new VirtualScheduler(), config: { flushPolicy: 'none' } });
  log.append(testBatch({ count: 2 }));
  log.append(testBatch({ count: 3, options: { compression: CompressionCodec.lz4 } }));
  await log.close();
  const file = path.join(dir, '00000000000000000000.log');
  const dump = dumpSegmentFile(file, { records: true });
  t.is(dump.stop, undefined);
  t.deepEqual(dump.batches.map((b) => [b.header.baseOffset, b.header.recordsCount, b.codec]), [
    [0n, 2, 'none'],
    [2n, 3, 'lz4'],
  ]);
  t.deepEqual(dump.batches[1]!.records!.map((r) => r.offset), [2n, 3n, 4n]);
  t.is(dump.fileSize, fs.statSync(file).size);
});

test('dumpSegmentFile stops at a damaged batch, says why, and changes nothing', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.open(dir, { scheduler: new VirtualScheduler(), config: { flushPolicy: 'none' } });
  const first = log.append(testBatch({ count: 2 }));
  log.append(testBatch({ count: 2 }));
  await log.close();
  t.is(first.firstOffset, 0n);
  const file = path.join(dir, '00000000000000000000.log');
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 2]! ^= 0x04;
  fs.writeFileSync(file, bytes);
  const dump = dumpSegmentFile(file);
  t.is(dump.batches.length, 1);
  t.is(dump.stop?.problem, 'crc');
  t.deepEqual(fs.readFileSync(file), bytes, 'the file is untouched');
});
