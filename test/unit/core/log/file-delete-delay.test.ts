import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

const FIRST = '00000000000000000000';

function files(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith(FIRST)).sort();
}

function openLog(dir: string, clock: VirtualScheduler, fileDeleteDelayMs?: number): PartitionLog {
  const batchSize = testBatch({ count: 2 }).length;
  return PartitionLog.open(dir, {
    scheduler: clock,
    config: { flushPolicy: 'none', segmentBytes: batchSize, retentionMs: -1, ...(fileDeleteDelayMs === undefined ? {} : { fileDeleteDelayMs }) },
  });
}

test('retention renames removed segment files with .deleted and unlinks them file.delete.delay.ms later', async (t) => {
  const dir = tempDir(t);
  const clock = new VirtualScheduler();
  const log = openLog(dir, clock);
  t.teardown(() => log.close());
  t.is(log.logConfig.fileDeleteDelayMs, 60_000, "Kafka's default");
  for (let i = 0; i < 3; i++) log.append(testBatch({ count: 2 }));
  log.deleteRecordsBefore(2n);
  const result = await log.applyRetention();
  t.is(result.deletedSegments, 1);
  const renamed = files(dir);
  t.true(renamed.length > 0);
  t.true(renamed.every((name) => name.endsWith('.deleted')), renamed.join(', '));
  t.true(renamed.includes(`${FIRST}.log.deleted`));
  clock.advance(59_999);
  t.deepEqual(files(dir), renamed, 'still there until the delay passes');
  clock.advance(1);
  t.deepEqual(files(dir), [], 'gone after the delay');
});

test('file.delete.delay.ms 0 deletes at once', async (t) => {
  const dir = tempDir(t);
  const log = openLog(dir, new VirtualScheduler(), 0);
  t.teardown(() => log.close());
  for (let i = 0; i < 3; i++) log.append(testBatch({ count: 2 }));
  log.deleteRecordsBefore(2n);
  t.is((await log.applyRetention()).deletedSegments, 1);
  t.deepEqual(files(dir), []);
});

test('close unlinks pending deletions, and open removes leftover .deleted files', async (t) => {
  const dir = tempDir(t);
  const clock = new VirtualScheduler();
  const log = openLog(dir, clock);
  for (let i = 0; i < 3; i++) log.append(testBatch({ count: 2 }));
  log.deleteRecordsBefore(2n);
  await log.applyRetention();
  t.true(files(dir).length > 0);
  await log.close();
  t.deepEqual(files(dir), [], 'close does not leave them behind');
  t.is(clock.pendingTimers(), 0, 'no timer outlives the log');

  // A crash leaves them behind: recovery removes them.
  fs.writeFileSync(path.join(dir, `${FIRST}.log.deleted`), 'x');
  fs.writeFileSync(path.join(dir, `${FIRST}.index.deleted`), '');
  const reopened = openLog(dir, clock);
  t.teardown(() => reopened.close());
  t.deepEqual(files(dir), []);
  t.is(reopened.logStartOffset, 2n);
});
