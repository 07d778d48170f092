import test from 'ava';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GroupCommit } from '../../../../core/log/group-commit.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import type { LogConfig } from '../../../../core/log/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { decodeAll } from '../../../helpers/decode-all.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { waitFor } from '../../../helpers/wait-for.ts';

// ---------------------------------------------------------------------------------------
// Helpers

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A sync function whose every call hands back a promise the test settles. */
function controlledSync(): { sync: () => Promise<bigint>; calls: Deferred<bigint>[] } {
  const calls: Deferred<bigint>[] = [];
  return {
    calls,
    sync: () => {
      const d = deferred<bigint>();
      calls.push(d);
      return d.promise;
    },
  };
}

/** Watches a promise so a test can ask whether it has settled yet. */
function track(promise: Promise<unknown>): { state: () => 'pending' | 'resolved' | 'rejected'; error: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let error: unknown;
  promise.then(
    () => (state = 'resolved'),
    (err: unknown) => {
      state = 'rejected';
      error = err;
    },
  );
  return { state: () => state, error: () => error };
}

/** Lets every queued immediate (GroupCommit schedules syncs with setImmediate) and microtask run. */
async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

/**
 * Counts fs.fdatasync calls (the group-commit sync of PartitionLog). The patch is process
 * wide, so tests using it are serial (ava runs serial tests before concurrent ones).
 */
function countFdatasync(t: ExecutionContext): () => number {
  const target = fs as { fdatasync: typeof fs.fdatasync };
  const original = target.fdatasync;
  let calls = 0;
  target.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    calls++;
    original(fd, callback);
  }) as typeof fs.fdatasync;
  t.teardown(() => {
    target.fdatasync = original;
  });
  return () => calls;
}

function openLog(t: ExecutionContext, config: Partial<LogConfig>): PartitionLog {
  const log = PartitionLog.open(tempDir(t), { config });
  t.teardown(() => log.close());
  return log;
}

// ---------------------------------------------------------------------------------------
// GroupCommit with a sync the test controls

test('requests in one turn share one sync; requests during a sync coalesce into exactly one more', async (t) => {
  const { sync, calls } = controlledSync();
  const gc = new GroupCommit(sync, 0n);
  const first = track(gc.wait(0n));
  gc.request();
  gc.request();
  t.is(calls.length, 0, 'the sync starts on a later turn, so a whole turn of appends shares it');
  await settle();
  t.is(calls.length, 1);

  const during = [track(gc.wait(3n)), track(gc.wait(7n))];
  gc.request();
  gc.request();
  await settle();
  t.is(calls.length, 1, 'no second sync while the first runs');
  t.is(first.state(), 'pending');

  calls[0]!.resolve(1n);
  await settle();
  t.is(first.state(), 'resolved');
  t.deepEqual(during.map((w) => w.state()), ['pending', 'pending']);
  t.is(gc.durableOffset, 1n);
  t.is(calls.length, 2, 'everything requested during the first sync is covered by one more');

  calls[1]!.resolve(8n);
  await settle();
  t.deepEqual(during.map((w) => w.state()), ['resolved', 'resolved']);
  await settle();
  t.is(calls.length, 2, 'nothing left to sync: no further sync');
});

test('a waiter resolves only once the durable offset has passed its offset', async (t) => {
  const { sync, calls } = controlledSync();
  const gc = new GroupCommit(sync, 0n);
  const waiter = track(gc.wait(5n));
  await settle();
  calls[0]!.resolve(5n); // offsets 0..4 durable: 5 is not yet
  await settle();
  t.is(gc.durableOffset, 5n);
  t.is(waiter.state(), 'pending');

  gc.request();
  await settle();
  t.is(calls.length, 2);
  calls[1]!.resolve(6n);
  await settle();
  t.is(waiter.state(), 'resolved');
  t.is(gc.durableOffset, 6n);
});

test('waiting for an offset that is already durable needs no sync', async (t) => {
  const { sync, calls } = controlledSync();
  const gc = new GroupCommit(sync, 10n);
  await gc.wait(9n);
  await settle();
  t.is(calls.length, 0);
});

test('a failed sync rejects its waiters, leaves the durable offset, and the next request can succeed', async (t) => {
  const { sync, calls } = controlledSync();
  const gc = new GroupCommit(sync, 0n);
  const a = track(gc.wait(0n));
  const b = track(gc.wait(2n));
  await settle();
  t.is(calls.length, 1);
  const failure = new Error('fdatasync failed: EIO');
  calls[0]!.reject(failure);
  await settle();
  t.deepEqual([a.state(), b.state()], ['rejected', 'rejected']);
  t.is(a.error(), failure);
  t.is(b.error(), failure);
  t.is(gc.durableOffset, 0n);

  const retry = track(gc.wait(2n));
  await settle();
  t.is(calls.length, 2);
  calls[1]!.resolve(3n);
  await settle();
  t.is(retry.state(), 'resolved');
  t.is(gc.durableOffset, 3n);
});

test('drain waits for the running sync and for one requested while it ran', async (t) => {
  const { sync, calls } = controlledSync();
  const gc = new GroupCommit(sync, 0n);
  gc.request();
  await settle();
  t.is(calls.length, 1);
  gc.request(); // arrives while the first sync runs
  const drained = track(gc.drain());
  await settle();
  t.is(drained.state(), 'pending', 'drain waits for the running sync');
  calls[0]!.resolve(1n);
  await settle();
  t.is(calls.length, 2, 'the request made during the first sync runs');
  t.is(drained.state(), 'pending', 'drain also waits for that one');
  calls[1]!.resolve(2n);
  await settle();
  t.is(drained.state(), 'resolved');
  t.is(gc.durableOffset, 2n);
  t.is(calls.length, 2);
});

test('drain runs a scheduled sync at once, and returns at once when nothing is pending', async (t) => {
  const { sync, calls } = controlledSync();
  const gc = new GroupCommit(sync, 0n);
  await gc.drain();
  t.is(calls.length, 0);
  gc.request();
  const drained = track(gc.drain());
  t.is(calls.length, 1, 'drain started the scheduled sync without waiting a turn');
  calls[0]!.resolve(4n);
  await settle();
  t.is(drained.state(), 'resolved');
  t.is(calls.length, 1, 'the immediate the request scheduled found nothing left to do');
});

test('markDurable resolves waiters, never moves backwards, and truncate lowers it', async (t) => {
  const { sync, calls } = controlledSync();
  const gc = new GroupCommit(sync, 0n);
  const low = track(gc.wait(3n));
  const high = track(gc.wait(9n));
  gc.markDurable(4n);
  await settle();
  t.is(low.state(), 'resolved');
  t.is(high.state(), 'pending');
  t.is(gc.durableOffset, 4n);
  gc.markDurable(2n);
  t.is(gc.durableOffset, 4n, 'markDurable is monotonic');
  gc.markDurable(10n);
  await settle();
  t.is(high.state(), 'resolved');

  // The sync requested by the waits is still running; it must not lower the offset either.
  calls[0]!.resolve(1n);
  await settle();
  t.is(gc.durableOffset, 10n);

  gc.truncate(6n);
  t.is(gc.durableOffset, 6n);
  gc.truncate(8n);
  t.is(gc.durableOffset, 6n, 'truncate only lowers');
});

test('failAll rejects every pending waiter', async (t) => {
  const { sync, calls } = controlledSync();
  const gc = new GroupCommit(sync, 0n);
  const w = track(gc.wait(1n));
  const err = new Error('closed');
  gc.failAll(err);
  await settle();
  t.is(w.state(), 'rejected');
  t.is(w.error(), err);
  calls[0]?.resolve(0n);
});

// ---------------------------------------------------------------------------------------
// Flush policies on PartitionLog. Serial: some count the process-wide fs.fdatasync.

test.serial("every-append: a turn of appends is covered by one fdatasync, and every waiter resolves", async (t) => {
  const log = openLog(t, { flushPolicy: 'every-append' });
  const syncs = countFdatasync(t);
  const infos = Array.from({ length: 50 }, (_, i) => log.append(testBatch({ count: 2, value: (j) => `v${i}-${j}` })));
  t.is(log.logEndOffset, 100n);
  await Promise.all(infos.map((info) => log.waitDurable(info.lastOffset)));
  t.is(syncs(), 1, 'group commit: one fdatasync for the whole turn');
  t.is(log.durableOffset, 100n);
  t.is(log.highWatermark, 100n);
});

test.serial('every-append, durable visibility: the high watermark never moves past the durable offset', async (t) => {
  const log = openLog(t, { flushPolicy: 'every-append', visibility: 'durable' });
  let last = -1n;
  for (let turn = 0; turn < 20; turn++) {
    for (let i = 0; i < 5; i++) last = log.append(testBatch({ count: 3 })).lastOffset;
    t.is(log.highWatermark, log.durableOffset, `turn ${turn}`);
    t.true(log.highWatermark < log.logEndOffset, `turn ${turn}: the appends of this turn are not yet visible`);
    const visible = decodeAll(log.read(0n, 1 << 20, { maxOffset: log.highWatermark }).records);
    t.true(visible.every((r) => r.offset < log.durableOffset));
    await nextTurn();
  }
  await log.waitDurable(last);
  t.is(log.durableOffset, log.logEndOffset);
  t.is(log.highWatermark, log.logEndOffset);
});

test.serial('every-append: appends made while a sync runs get exactly one following sync', async (t) => {
  const log = openLog(t, { flushPolicy: 'every-append', visibility: 'durable' });
  const target = fs as { fdatasync: typeof fs.fdatasync };
  const original = target.fdatasync;
  const held: (() => void)[] = [];
  target.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    held.push(() => {
      original(fd, callback);
    });
  }) as typeof fs.fdatasync;
  t.teardown(() => {
    target.fdatasync = original;
  });
  const first = log.append(testBatch({ count: 2 }));
  const firstDone = track(log.waitDurable(first.lastOffset));
  await settle();
  t.is(held.length, 1);
  const later = Array.from({ length: 10 }, () => log.append(testBatch()));
  const laterDone = later.map((info) => track(log.waitDurable(info.lastOffset)));
  await settle();
  t.is(held.length, 1, 'no second fdatasync while the first is in flight');
  t.is(log.highWatermark, 0n);
  held[0]!();
  await waitFor(() => firstDone.state() !== 'pending');
  t.is(firstDone.state(), 'resolved');
  t.is(log.highWatermark, 2n, 'the first sync covered what was appended before it started');
  await waitFor(() => held.length === 2);
  t.true(laterDone.every((w) => w.state() === 'pending'));
  held[1]!();
  await waitFor(() => laterDone.every((w) => w.state() !== 'pending'));
  t.true(laterDone.every((w) => w.state() === 'resolved'));
  t.is(held.length, 2);
  t.is(log.highWatermark, 12n);
});

test.serial('none: waitDurable resolves at once and the high watermark is the log end right after append', async (t) => {
  const log = openLog(t, { flushPolicy: 'none' });
  const syncs = countFdatasync(t);
  const info = log.append(testBatch({ count: 4 }));
  t.is(log.highWatermark, 4n);
  t.is(log.highWatermark, log.logEndOffset);
  const waited = track(log.waitDurable(info.lastOffset));
  await Promise.resolve();
  t.is(waited.state(), 'resolved', 'resolved within a microtask, no sync');
  await settle();
  t.is(syncs(), 0, 'no fdatasync was scheduled');
  await log.flush();
  t.is(syncs(), 1, 'flush() still forces one');
  t.is(log.durableOffset, 4n);
});

test.serial('interval: waitDurable resolves without further appends', async (t) => {
  const log = openLog(t, { flushPolicy: 'interval', flushIntervalMs: 20, visibility: 'durable' });
  const info = log.append(testBatch({ count: 3 }));
  t.is(log.highWatermark, 0n, 'nothing is visible before the flush');
  await log.waitDurable(info.lastOffset);
  t.is(log.durableOffset, 3n);
  t.is(log.highWatermark, 3n);
});

test.serial('interval: the timer syncs data nobody waits for', async (t) => {
  const log = openLog(t, { flushPolicy: 'interval', flushIntervalMs: 20 });
  log.append(testBatch({ count: 3 }));
  await waitFor(() => log.durableOffset === 3n);
  t.is(log.highWatermark, 3n);
});

// The FlushPolicy contract (core/log/log-config.ts) says that with `interval` "a timer syncs
// every flushIntervalMs; waitDurable waits for it". GroupCommit.wait() requests a sync of
// its own, so with acks=all an interval topic syncs as often as an every-append one.
test.serial('interval: waitDurable waits for the timer instead of forcing a sync of its own', async (t) => {
  const log = openLog(t, { flushPolicy: 'interval', flushIntervalMs: 60_000 });
  const syncs = countFdatasync(t);
  const info = log.append(testBatch({ count: 3 }));
  const durable = log.waitDurable(info.lastOffset);
  const waited = track(durable);
  await settle(5);
  t.is(syncs(), 0, 'no fdatasync before the flush interval elapsed');
  t.is(waited.state(), 'pending');
  await log.close();
  await durable; // close syncs everything, which releases the waiter
});

test.serial('close() waits for the sync in flight and then releases every waiter', async (t) => {
  const log = openLog(t, { flushPolicy: 'every-append' });
  const target = fs as { fdatasync: typeof fs.fdatasync };
  const original = target.fdatasync;
  const held: (() => void)[] = [];
  target.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    held.push(() => {
      original(fd, callback);
    });
  }) as typeof fs.fdatasync;
  t.teardown(() => {
    target.fdatasync = original;
  });
  const first = log.append(testBatch({ count: 2 }));
  const firstDone = track(log.waitDurable(first.lastOffset));
  await settle();
  t.is(held.length, 1);
  const second = log.append(testBatch({ count: 3 }));
  const secondDone = track(log.waitDurable(second.lastOffset));
  const closed = track(log.close());
  await settle();
  t.is(closed.state(), 'pending', 'close waits for the fdatasync in flight');
  held[0]!();
  await waitFor(() => held.length === 2 || closed.state() !== 'pending');
  if (held.length === 2) held[1]!();
  await waitFor(() => closed.state() !== 'pending');
  t.is(closed.state(), 'resolved');
  t.deepEqual([firstDone.state(), secondDone.state()], ['resolved', 'resolved']);
  t.is(log.durableOffset, 5n);
});

// close() is documented as idempotent; a second call made while the first is still
// flushing runs the shutdown again on closed segments and rejects with LOG_CLOSED.
test('two concurrent close() calls both resolve', async (t) => {
  const log = PartitionLog.open(tempDir(t), { config: { flushPolicy: 'every-append' } });
  log.append(testBatch({ count: 2 }));
  const results = await Promise.allSettled([log.close(), log.close()]);
  t.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? 'ok' : String(r.reason))),
    ['ok', 'ok'],
  );
});

