import test from 'ava';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { PartitionLog } from '../../../../core/log/index.ts';
import type { LogConfig } from '../../../../core/log/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { readEverything } from '../../../helpers/decode-all.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { waitFor } from '../../../helpers/wait-for.ts';

/*
 * The recovery point (Kafka's recovery-point-offset-checkpoint): a roll's fsync of the
 * sealed segment runs on the thread pool and moves the recovery point when done; a restart
 * verifies every segment that reaches above it. Serial: some tests patch fs's fsyncs.
 */

const BATCH_SIZE = testBatch({ count: 3, value: (j) => `b0-r${j}` }).length;
/** Two batches (six records) per segment. */
const SMALL_SEGMENTS: Partial<LogConfig> = { segmentBytes: BATCH_SIZE * 2, flushPolicy: 'none' };
const CHECKPOINT = 'recovery-point';

function batch(i: number): Buffer {
  return testBatch({ count: 3, value: (j) => `b${i}-r${j}` });
}

function segmentFile(dir: string, base: bigint): string {
  return path.join(dir, `${base.toString().padStart(20, '0')}.log`);
}

/** Writes `batches` batches into small segments and closes the log cleanly. */
async function writeLog(dir: string, batches: number): Promise<void> {
  const log = PartitionLog.open(dir, { config: SMALL_SEGMENTS });
  for (let i = 0; i < batches; i++) log.append(batch(i));
  await log.close();
}

function values(log: PartitionLog): string[] {
  return readEverything((o) => log.read(o, 1 << 20).records, log.logStartOffset, log.logEndOffset).map((r) => r.value!.toString());
}

function track(promise: Promise<unknown>): () => 'pending' | 'resolved' | 'rejected' {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  return () => state;
}

async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

interface HeldSync {
  readonly file: string;
  /** Lets the fdatasync run; resolves once its callback has been called. */
  release(): Promise<void>;
}

/** Holds every fs.fdatasync until the test releases it, and counts the synchronous fsyncs. */
function holdSyncs(t: ExecutionContext): { held: HeldSync[]; blockingSyncs: () => number } {
  const target = fs as { fdatasync: typeof fs.fdatasync; fdatasyncSync: typeof fs.fdatasyncSync };
  const original = target.fdatasync;
  const originalSync = target.fdatasyncSync;
  const held: HeldSync[] = [];
  let blocking = 0;
  target.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    held.push({
      file: fs.readlinkSync(`/proc/self/fd/${fd}`),
      release: () =>
        new Promise((resolve) => {
          original(fd, (err) => {
            callback(err);
            resolve();
          });
        }),
    });
  }) as typeof fs.fdatasync;
  target.fdatasyncSync = ((fd: number) => {
    blocking++;
    originalSync(fd);
  });
  t.teardown(() => {
    target.fdatasync = original;
    target.fdatasyncSync = originalSync;
    for (const sync of held.splice(0)) void sync.release();
  });
  return { held, blockingSyncs: () => blocking };
}

/** Releases the held syncs of files matching `which` and waits until they are done; returns how many. */
async function release(held: HeldSync[], which: (file: string) => boolean): Promise<number> {
  const chosen = held.filter((sync) => which(sync.file));
  for (const sync of chosen) held.splice(held.indexOf(sync), 1);
  await Promise.all(chosen.map((sync) => sync.release()));
  return chosen.length;
}

test.serial('a roll seals the old segment without an fsync on the event loop; the recovery point passes it once its fsync is done', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.open(dir, { config: SMALL_SEGMENTS });
  t.teardown(() => log.close());
  const { held, blockingSyncs } = holdSyncs(t);
  log.append(batch(0));
  log.append(batch(1));
  log.append(batch(2)); // rolls: segment 0 holds offsets 0..5
  t.is(log.segmentCount, 2);
  t.is(blockingSyncs(), 0, 'the roll did not fsync on the event loop');
  t.true(
    held.some((sync) => sync.file === segmentFile(dir, 0n)),
    'the sealed segment is being synced on the thread pool',
  );
  t.is(log.durableOffset, 0n, 'nothing counts as durable before that fsync is done');
  t.false(fs.existsSync(path.join(dir, CHECKPOINT)));

  await release(held, () => true);
  await waitFor(() => log.durableOffset === 6n, { describe: () => `durable offset 6, got ${log.durableOffset}` });
  await waitFor(() => fs.existsSync(path.join(dir, CHECKPOINT)) && fs.readFileSync(path.join(dir, CHECKPOINT), 'utf8').trim() === '6', {
    describe: () => 'the recovery point 6 in the checkpoint file',
  });
});

test.serial('every-append: an acknowledgement after a roll waits for the sealed segment’s fsync as well as the active one’s', async (t) => {
  const dir = tempDir(t);
  const log = PartitionLog.open(dir, { config: { ...SMALL_SEGMENTS, flushPolicy: 'every-append', visibility: 'durable' } });
  const { held } = holdSyncs(t);
  const first = log.append(batch(0)); // segment 0, not yet synced
  log.append(batch(1));
  const after = log.append(batch(2)); // rolls, then lands in segment 6
  t.is(log.segmentCount, 2);
  const firstAcked = track(log.waitDurable(first.lastOffset));
  const afterAcked = track(log.waitDurable(after.lastOffset));
  await waitFor(() => held.some((sync) => sync.file === segmentFile(dir, 6n)), { describe: () => 'the group commit’s fdatasync of the active segment' });

  t.is(await release(held, (file) => file === segmentFile(dir, 6n)), 1);
  // The fdatasync has called back; let the promises that follow it run.
  await settle();
  t.is(afterAcked(), 'pending', 'the active segment alone on disk does not cover a batch whose predecessors are not');
  t.is(firstAcked(), 'pending');
  t.is(log.durableOffset, 0n);
  t.is(log.highWatermark, 0n, 'durable visibility shows nothing yet');

  await release(held, () => true);
  await waitFor(() => afterAcked() !== 'pending' && firstAcked() !== 'pending', { describe: () => 'both acknowledgements' });
  t.deepEqual([firstAcked(), afterAcked()], ['resolved', 'resolved']);
  t.is(log.durableOffset, 9n);
  t.is(log.highWatermark, 9n);
  await log.close();
});

test('a sealed segment torn above the recovery point is cut at start, and the segments after it go', async (t) => {
  const dir = tempDir(t);
  await writeLog(dir, 7); // segments at 0, 6, 12 and 18 (active, one batch)
  // As if the OS crashed before segment 6's roll-time fsync finished: the checkpoint still
  // says 6, and the segment lost the second half of its last batch.
  fs.writeFileSync(path.join(dir, CHECKPOINT), '6\n');
  const torn = segmentFile(dir, 6n);
  fs.truncateSync(torn, BATCH_SIZE + Math.floor(BATCH_SIZE / 2));

  const log = PartitionLog.open(dir, { config: SMALL_SEGMENTS });
  t.teardown(() => log.close());
  t.is(log.recovery.recoveryPoint, 6n);
  t.is(log.recovery.verifiedSegments, 1, 'segment 6 was verified; segment 0 was trusted');
  t.is(log.recovery.truncatedAt?.position, BATCH_SIZE);
  t.is(fs.statSync(torn).size, BATCH_SIZE);
  t.deepEqual(log.recovery.deletedSegments, ['00000000000000000012.log', '00000000000000000018.log']);
  t.false(fs.existsSync(segmentFile(dir, 12n)), 'offsets 12.. would no longer follow on');
  t.deepEqual(log.segmentBaseOffsets(), [0n, 6n]);
  t.is(log.logEndOffset, 9n);
  t.deepEqual(values(log), ['b0-r0', 'b0-r1', 'b0-r2', 'b1-r0', 'b1-r1', 'b1-r2', 'b2-r0', 'b2-r1', 'b2-r2']);
  t.is(log.append(batch(9)).firstOffset, 9n, 'appends continue after the last intact batch');
});

test('a sealed segment below the recovery point is trusted: start-up does not verify it', async (t) => {
  const dir = tempDir(t);
  await writeLog(dir, 7);
  t.is(fs.readFileSync(path.join(dir, CHECKPOINT), 'utf8').trim(), '21', 'a clean close checkpoints the log end');
  const sealed = segmentFile(dir, 6n);
  const bytes = fs.readFileSync(sealed);
  bytes[BATCH_SIZE + 70]! ^= 0x01; // inside its second batch: a verified open would cut it there
  fs.writeFileSync(sealed, bytes);

  const log = PartitionLog.open(dir, { config: SMALL_SEGMENTS });
  t.teardown(() => log.close());
  t.is(log.recovery.recoveryPoint, 21n);
  t.is(log.recovery.verifiedSegments, 1, 'only the active segment was verified');
  t.is(log.recovery.truncatedBytes, 0);
  t.deepEqual(log.recovery.deletedSegments, []);
  t.is(fs.statSync(sealed).size, BATCH_SIZE * 2);
  t.is(log.logEndOffset, 21n);
  // Damage below the recovery point is not what a crash leaves; reads still refuse to serve it.
  t.is((t.throws(() => log.read(9n, 1 << 20)) as { code?: string } | undefined)?.code, 'ERR_LOG_CORRUPT_SEGMENT');
});

test('without a checkpoint every segment is verified, and the recovery point is written at close', async (t) => {
  const dir = tempDir(t);
  await writeLog(dir, 7);
  fs.rmSync(path.join(dir, CHECKPOINT));
  fs.truncateSync(segmentFile(dir, 0n), BATCH_SIZE * 2 - 1);

  const first = PartitionLog.open(dir, { config: SMALL_SEGMENTS });
  t.is(first.recovery.verifiedSegments, 1, 'the cut in segment 0 ended the log there');
  t.deepEqual(first.recovery.deletedSegments, ['00000000000000000006.log', '00000000000000000012.log', '00000000000000000018.log']);
  t.is(first.logEndOffset, 3n);
  t.is(first.durableOffset, 3n, 'what recovery kept was synced before serving');
  await first.close();
  t.is(fs.readFileSync(path.join(dir, CHECKPOINT), 'utf8').trim(), '3');

  const second = PartitionLog.open(dir, { config: SMALL_SEGMENTS });
  t.teardown(() => second.close());
  t.is(second.recovery.recoveryPoint, 3n);
  t.is(second.recovery.truncatedBytes, 0);
});
