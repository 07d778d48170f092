import test from 'ava';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { PRODUCER_STATE_SNAPSHOT_FILE, ProducerSnapshotter, ProducerStateStore, fsSnapshotWriter } from '../../../../broker/producers/index.ts';
import type { SnapshotWriter } from '../../../../broker/producers/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { idempotentBatch, produce } from './producer-harness.ts';

interface Partition {
  dir: string;
  log: PartitionLog;
  store: ProducerStateStore;
  nextSeq: number;
}

function openPartition(t: ExecutionContext, dir: string): Partition {
  const log = PartitionLog.open(dir, { config: { flushPolicy: 'none' } });
  t.teardown(() => log.close());
  return { dir, log, store: ProducerStateStore.open(log), nextSeq: 0 };
}

function partitions(t: ExecutionContext, count: number): Partition[] {
  const root = tempDir(t);
  return Array.from({ length: count }, (_, i) => openPartition(t, path.join(root, `topic-${i}`)));
}

function produceTo(p: Partition, producerId = 1n): void {
  const outcome = produce(p.log, p.store.state, idempotentBatch(producerId, 0, p.nextSeq, 2));
  if (outcome.kind !== 'appended') throw new Error(`append failed: ${outcome.kind}`);
  p.nextSeq += 2;
}

function snapshotInode(p: Partition): bigint {
  return fs.statSync(path.join(p.dir, PRODUCER_STATE_SNAPSHOT_FILE), { bigint: true }).ino;
}

/** A writer that counts what it is asked to do and can hold writes until released. */
function recordingWriter(options: { hold?: boolean } = {}) {
  const files: string[] = [];
  const dirs: string[] = [];
  const held: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const writer: SnapshotWriter = {
    async writeFile(file, contents) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (options.hold === true) await new Promise<void>((resolve) => held.push(resolve));
      await fsSnapshotWriter.writeFile(file, contents);
      files.push(file);
      inFlight--;
    },
    async syncDirectory(dir) {
      dirs.push(dir);
      await fsSnapshotWriter.syncDirectory(dir);
    },
  };
  return {
    writer,
    files,
    dirs,
    get maxInFlight() {
      return maxInFlight;
    },
    /** Releases held writes, one event-loop turn at a time, until the round ends. */
    async releaseUntil(done: Promise<unknown>) {
      let finished = false;
      void done.finally(() => {
        finished = true;
      });
      while (!finished) {
        held.splice(0).forEach((release) => {
          release();
        });
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

test('a round writes only the partitions that changed since their last snapshot', async (t) => {
  const parts = partitions(t, 5);
  for (const p of parts) produceTo(p);
  const recorder = recordingWriter();
  const snapshotter = new ProducerSnapshotter({ stores: () => parts.map((p) => p.store), writer: recorder.writer });

  const first = await snapshotter.run();
  t.is(first.written, 5);
  t.is(first.unchanged, 0);
  t.deepEqual(first.failures, []);
  const inodes = parts.map(snapshotInode);

  produceTo(parts[2]!);
  recorder.files.length = 0;
  recorder.dirs.length = 0;
  const second = await snapshotter.run();
  t.is(second.written, 1);
  t.is(second.unchanged, 4);
  t.deepEqual(recorder.files, [path.join(parts[2]!.dir, PRODUCER_STATE_SNAPSHOT_FILE)]);
  t.deepEqual(recorder.dirs, [parts[2]!.dir], 'one directory fsync, for the one directory with a new snapshot');
  // A rewrite renames a new file over the old one, so an unchanged inode means an untouched file.
  parts.forEach((p, i) => {
    if (i === 2) t.not(snapshotInode(p), inodes[i]);
    else t.is(snapshotInode(p), inodes[i]!, `partition ${i} was rewritten`);
  });

  const third = await snapshotter.run();
  t.is(third.written, 0);
  t.is(third.unchanged, 5);
});

test('a partition whose snapshot was read at open and covers the log is not rewritten', async (t) => {
  const [p] = partitions(t, 1);
  produceTo(p!);
  p!.store.writeSnapshot();
  await p!.log.close();
  const reopened = openPartition(t, p!.dir);
  t.is(reopened.store.rebuiltFrom, 'snapshot');
  t.false(reopened.store.changedSinceSnapshot);
  const round = await new ProducerSnapshotter({ stores: () => [reopened.store] }).run();
  t.is(round.written, 0);
  produceTo({ ...reopened, nextSeq: 2 });
  t.true(reopened.store.changedSinceSnapshot);
});

test('rounds never overlap, and writes in flight stay within the bound', async (t) => {
  const parts = partitions(t, 8);
  for (const p of parts) produceTo(p);
  const recorder = recordingWriter({ hold: true });
  const snapshotter = new ProducerSnapshotter({ stores: () => parts.map((p) => p.store), writer: recorder.writer, concurrency: 3 });

  const round = snapshotter.run();
  t.true(snapshotter.roundInProgress);
  t.is(snapshotter.run(), round, 'a second request joins the running round');
  await recorder.releaseUntil(round);
  const result = await round;
  t.is(result.written, 8);
  t.is(recorder.maxInFlight, 3);
  t.false(snapshotter.roundInProgress);
});

test('close waits for the running round and then snapshots what changed during it', async (t) => {
  const parts = partitions(t, 3);
  for (const p of parts) produceTo(p);
  const recorder = recordingWriter({ hold: true });
  const snapshotter = new ProducerSnapshotter({ stores: () => parts.map((p) => p.store), writer: recorder.writer, concurrency: 1 });

  const round = snapshotter.run();
  // Changes made while the round runs: partition 0 may already have been taken, so only the final round can cover it.
  produceTo(parts[0]!);
  const closing = snapshotter.close();
  t.is(snapshotter.close(), closing);
  await recorder.releaseUntil(closing);
  t.is((await round).written, 3);
  const final = await closing;
  t.is(final.written, 1);
  t.false(parts[0]!.store.changedSinceSnapshot);
  const onDisk = JSON.parse(fs.readFileSync(path.join(parts[0]!.dir, PRODUCER_STATE_SNAPSHOT_FILE), 'utf8')) as { offset: string };
  t.is(onDisk.offset, parts[0]!.log.logEndOffset.toString());
});

test('a crash between the write and the rename leaves the previous snapshot readable', async (t) => {
  const [p] = partitions(t, 1);
  produceTo(p!);
  await new ProducerSnapshotter({ stores: () => [p!.store] }).run();
  produceTo(p!);
  const expected = p!.store.state.snapshot(p!.log.logEndOffset);

  // The process dies after writing (and syncing) the temporary file, before renaming it.
  const crashing: SnapshotWriter = {
    writeFile(file, contents) {
      fs.writeFileSync(`${file}.tmp`, contents.slice(0, contents.length >> 1));
      return Promise.reject(new Error('killed before the rename'));
    },
    syncDirectory: () => Promise.resolve(),
  };
  const round = await new ProducerSnapshotter({ stores: () => [p!.store], writer: crashing }).run();
  t.is(round.failures.length, 1);
  t.true(p!.store.changedSinceSnapshot, 'a failed write leaves the partition to the next round');
  await p!.log.close();

  const reopened = openPartition(t, p!.dir);
  t.is(reopened.store.rebuiltFrom, 'snapshot');
  t.is(reopened.store.snapshotProblem, undefined);
  t.deepEqual(reopened.store.state.snapshot(reopened.log.logEndOffset), expected, 'the old snapshot plus the log replay give the full state');
  // The next round replaces the torn temporary file.
  const next = await new ProducerSnapshotter({ stores: () => [reopened.store] }).run();
  t.is(next.written, 1);
  t.false(fs.existsSync(path.join(p!.dir, `${PRODUCER_STATE_SNAPSHOT_FILE}.tmp`)));
});

test('a partition deleted during a round is skipped, not reported', async (t) => {
  const parts = partitions(t, 2);
  for (const p of parts) produceTo(p);
  await parts[1]!.log.delete();
  const round = await new ProducerSnapshotter({ stores: () => parts.map((p) => p.store) }).run();
  t.is(round.written, 1);
  t.deepEqual(round.failures, []);
});
