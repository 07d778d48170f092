import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { LogErrorCode, LogManager } from '../../../../core/log/index.ts';
import type { LogManagerEvent, LogManagerOptions, PartitionLog } from '../../../../core/log/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { readEverything } from '../../../helpers/decode-all.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

const SEGMENT_0 = '00000000000000000000';
const HOUR = 3_600_000;

/** Opens a manager that is closed when the test ends; `events` collects what it reports. */
function openManager(t: ExecutionContext, options: LogManagerOptions): { manager: LogManager; events: LogManagerEvent[] } {
  const events: LogManagerEvent[] = [];
  const manager = LogManager.open({
    ...options,
    defaultConfig: { flushPolicy: 'none', ...options.defaultConfig },
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  t.teardown(() => manager.close());
  return { manager, events };
}

function values(log: PartitionLog): string[] {
  return readEverything((o) => log.read(o, 1 << 20).records, log.logStartOffset, log.logEndOffset).map((r) => r.value?.toString() ?? '');
}

function appendValues(log: PartitionLog, prefix: string, count: number): void {
  log.append(testBatch({ count, value: (i) => `${prefix}-${i}` }));
}

/** The pid of a process that has exited (and been reaped), for a stale lock. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      resolve();
    });
  });
  if (pid === undefined) throw new Error('could not spawn node');
  return pid;
}

// ---------------------------------------------------------------------------------------
// Partitions and directories

test('getOrCreate creates <topic>-<partition> directories and returns the same log twice', async (t) => {
  const dataDir = tempDir(t);
  const { manager } = openManager(t, { dataDir });
  const a0 = manager.getOrCreate('orders', 0);
  const a1 = manager.getOrCreate('orders', 1);
  const b0 = manager.getOrCreate('my-topic.v2_x', 3);
  t.is(manager.getOrCreate('orders', 0), a0);
  t.is(manager.get('orders', 0), a0);
  t.is(manager.get('orders', 7), undefined);
  t.is(a0.dir, path.join(dataDir, 'orders-0'));
  t.is(a1.dir, path.join(dataDir, 'orders-1'));
  t.is(b0.dir, path.join(dataDir, 'my-topic.v2_x-3'));
  for (const name of ['orders-0', 'orders-1', 'my-topic.v2_x-3']) {
    t.true(fs.statSync(path.join(dataDir, name)).isDirectory(), name);
    t.true(fs.existsSync(path.join(dataDir, name, `${SEGMENT_0}.log`)), `${name} has its first segment`);
  }
  t.deepEqual(
    manager.partitions().map(({ topic, partition }) => `${topic}/${partition}`).sort(),
    ['my-topic.v2_x/3', 'orders/0', 'orders/1'],
  );
});

test('reopening a data directory finds every partition with its data', async (t) => {
  const dataDir = tempDir(t);
  const first = LogManager.open({ dataDir, defaultConfig: { flushPolicy: 'none' } });
  appendValues(first.getOrCreate('orders', 0), 'o0', 3);
  appendValues(first.getOrCreate('orders', 1), 'o1', 2);
  appendValues(first.getOrCreate('my-dashed-topic', 12), 'd12', 4);
  await first.close();

  const { manager, events } = openManager(t, { dataDir });
  t.deepEqual(
    manager.partitions().map(({ topic, partition }) => `${topic}/${partition}`).sort(),
    ['my-dashed-topic/12', 'orders/0', 'orders/1'],
  );
  t.deepEqual(values(manager.get('orders', 0)!), ['o0-0', 'o0-1', 'o0-2']);
  t.deepEqual(values(manager.get('orders', 1)!), ['o1-0', 'o1-1']);
  t.deepEqual(values(manager.get('my-dashed-topic', 12)!), ['d12-0', 'd12-1', 'd12-2', 'd12-3']);
  t.is(manager.getOrCreate('orders', 1).append(testBatch()).firstOffset, 2n);
  t.deepEqual(events, [], 'a clean shutdown needs no recovery');
  t.deepEqual(manager.offline(), []);
});

test('entries that are not partition directories are left alone', async (t) => {
  const dataDir = tempDir(t);
  fs.mkdirSync(path.join(dataDir, 'no-partition-number'));
  fs.mkdirSync(path.join(dataDir, 'bad name!-0'));
  fs.writeFileSync(path.join(dataDir, 'meta.properties'), 'version=0\n');
  const { manager } = openManager(t, { dataDir });
  t.deepEqual(manager.partitions(), []);
  t.deepEqual(manager.offline(), []);
  t.true(fs.existsSync(path.join(dataDir, 'meta.properties')));
  t.true(fs.existsSync(path.join(dataDir, 'no-partition-number')));
});

test('delete() closes the log and removes its directory', async (t) => {
  const dataDir = tempDir(t);
  const { manager } = openManager(t, { dataDir });
  const log = manager.getOrCreate('doomed', 0);
  appendValues(log, 'x', 2);
  appendValues(manager.getOrCreate('kept', 0), 'k', 1);
  await manager.delete('doomed', 0);
  t.false(fs.existsSync(path.join(dataDir, 'doomed-0')));
  t.deepEqual(fs.readdirSync(dataDir).filter((n) => n.startsWith('doomed')), [], 'no renamed leftovers either');
  t.is(manager.get('doomed', 0), undefined);
  throwsCode(t, () => log.append(testBatch()), LogErrorCode.LOG_CLOSED);
  await t.notThrowsAsync(manager.delete('doomed', 0), 'deleting an unknown partition is a no-op');
  t.deepEqual(values(manager.get('kept', 0)!), ['k-0']);
  const again = manager.getOrCreate('doomed', 0);
  t.is(again.logEndOffset, 0n, 'a recreated partition starts empty');
});

test('a half-finished delete (a *-delete directory) is removed at start', async (t) => {
  const dataDir = tempDir(t);
  const leftover = path.join(dataDir, 'gone-0.1700000000000-delete');
  fs.mkdirSync(leftover);
  fs.writeFileSync(path.join(leftover, `${SEGMENT_0}.log`), 'whatever');
  const { manager } = openManager(t, { dataDir });
  t.false(fs.existsSync(leftover));
  t.deepEqual(manager.partitions(), []);
});

test('illegal topic names and partitions are refused with INVALID_TOPIC_NAME', async (t) => {
  const dataDir = tempDir(t);
  const { manager } = openManager(t, { dataDir });
  for (const topic of ['', '.', '..', 'a/b', '../escape', 'sp ace', 'x'.repeat(250)]) {
    throwsCode(t, () => manager.getOrCreate(topic, 0), LogErrorCode.INVALID_TOPIC_NAME);
  }
  throwsCode(t, () => manager.getOrCreate('ok', -1), LogErrorCode.INVALID_TOPIC_NAME);
  throwsCode(t, () => manager.getOrCreate('ok', 1.5), LogErrorCode.INVALID_TOPIC_NAME);
  t.deepEqual(fs.readdirSync(dataDir).filter((n) => n !== '.lock'), [], 'nothing was created');
  t.notThrows(() => manager.getOrCreate('x'.repeat(249), 0), '249 characters is the limit');
});

// ---------------------------------------------------------------------------------------
// The data directory lock

test('a second open of a locked data directory throws DATA_DIR_LOCKED naming the directory', async (t) => {
  const dataDir = tempDir(t);
  openManager(t, { dataDir });
  const err = t.throws(() => LogManager.open({ dataDir }));
  t.is((err as { code?: unknown } | undefined)?.code, LogErrorCode.DATA_DIR_LOCKED);
  t.true(err.message.includes(dataDir), err.message);
});

test('a lock held by another live process is respected', async (t) => {
  const dataDir = tempDir(t);
  // The parent of this worker is alive for as long as the test runs.
  fs.writeFileSync(path.join(dataDir, '.lock'), `${process.ppid}\n`);
  const err = t.throws(() => LogManager.open({ dataDir }));
  t.is((err as { code?: unknown } | undefined)?.code, LogErrorCode.DATA_DIR_LOCKED);
  t.true(err.message.includes(String(process.ppid)), err.message);
  t.is(fs.readFileSync(path.join(dataDir, '.lock'), 'utf8'), `${process.ppid}\n`, 'the lock is not touched');
});

test('a stale lock left by a dead process is taken over', async (t) => {
  const dataDir = tempDir(t);
  const lockFile = path.join(dataDir, '.lock');
  fs.writeFileSync(lockFile, `${await deadPid()}\n`);
  const { manager } = openManager(t, { dataDir });
  t.is(fs.readFileSync(lockFile, 'utf8').trim(), String(process.pid));
  t.notThrows(() => manager.getOrCreate('t', 0));
});

test('a lock file with garbage in it is taken over', async (t) => {
  const dataDir = tempDir(t);
  const lockFile = path.join(dataDir, '.lock');
  fs.writeFileSync(lockFile, '');
  openManager(t, { dataDir });
  t.is(fs.readFileSync(lockFile, 'utf8').trim(), String(process.pid));
});

test('close() releases the lock so the directory can be opened again, and is idempotent', async (t) => {
  const dataDir = tempDir(t);
  const first = LogManager.open({ dataDir });
  first.start();
  first.getOrCreate('t', 0);
  await first.close();
  t.false(fs.existsSync(path.join(dataDir, '.lock')));
  await t.notThrowsAsync(first.close());
  throwsCode(t, () => first.getOrCreate('t', 1), LogErrorCode.LOG_CLOSED);
  const { manager } = openManager(t, { dataDir });
  t.truthy(manager.get('t', 0));
  t.true(fs.existsSync(path.join(dataDir, '.lock')));
});

// Closing is idempotent, so a second close() must not return before the first has
// released the lock: a caller that awaited close() may reopen the directory at once.
test('a second close() called while the first runs resolves only after the lock is released', async (t) => {
  const dataDir = tempDir(t);
  const first = LogManager.open({ dataDir, defaultConfig: { flushPolicy: 'every-append' } });
  appendValues(first.getOrCreate('t', 0), 'v', 3);
  const closing = first.close();
  await first.close();
  let reopened: LogManager | undefined;
  try {
    reopened = LogManager.open({ dataDir });
    t.pass();
  } finally {
    await closing;
    await reopened?.close();
  }
});

// ---------------------------------------------------------------------------------------
// Recovery and offline partitions

test('a partition whose tail segment is torn is recovered and reported', async (t) => {
  const dataDir = tempDir(t);
  const first = LogManager.open({ dataDir, defaultConfig: { flushPolicy: 'none' } });
  appendValues(first.getOrCreate('torn', 0), 'v', 3);
  appendValues(first.getOrCreate('torn', 0), 'w', 2);
  appendValues(first.getOrCreate('clean', 0), 'c', 1);
  await first.close();
  const file = path.join(dataDir, 'torn-0', `${SEGMENT_0}.log`);
  const validSize = fs.statSync(file).size;
  const garbage = Buffer.from('half of a batch that never finished');
  fs.appendFileSync(file, garbage);

  const { manager, events } = openManager(t, { dataDir });
  t.is(events.length, 1, 'only the damaged partition is reported');
  const event = events[0]!;
  if (event.type !== 'recovered') {
    t.fail(`expected a recovered event, got ${event.type}`);
    return;
  }
  t.is(event.topic, 'torn');
  t.is(event.partition, 0);
  t.is(event.recovery.truncatedBytes, garbage.length);
  t.is(event.recovery.truncatedAt?.position, validSize);
  t.is(fs.statSync(file).size, validSize);
  const log = manager.get('torn', 0)!;
  t.deepEqual(values(log), ['v-0', 'v-1', 'v-2', 'w-0', 'w-1']);
  t.is(log.append(testBatch()).firstOffset, 5n);
  t.deepEqual(manager.offline(), []);
});

test('a partition whose sealed segment is corrupt goes offline; the others keep working', async (t) => {
  const dataDir = tempDir(t);
  const record = testBatch({ count: 4, value: () => 'x'.repeat(200) }).length;
  const config = { flushPolicy: 'none' as const, segmentBytes: record * 8, indexIntervalBytes: 1024 };
  const first = LogManager.open({ dataDir, defaultConfig: config });
  for (let i = 0; i < 20; i++) first.getOrCreate('bad', 0).append(testBatch({ count: 4, value: () => 'x'.repeat(200) }));
  appendValues(first.getOrCreate('good', 0), 'g0', 3);
  appendValues(first.getOrCreate('good', 1), 'g1', 2);
  t.true(first.get('bad', 0)!.segmentCount >= 3);
  await first.close();

  const sealed = path.join(dataDir, 'bad-0', `${SEGMENT_0}.log`);
  const fd = fs.openSync(sealed, 'r+');
  fs.writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, 0);
  fs.closeSync(fd);
  fs.rmSync(path.join(dataDir, 'bad-0', `${SEGMENT_0}.index`));

  const { manager, events } = openManager(t, { dataDir, defaultConfig: config });
  const offline = manager.offline();
  t.deepEqual(offline.map(({ topic, partition }) => [topic, partition]), [['bad', 0]]);
  t.is((offline[0]?.error as { code?: unknown } | undefined)?.code, LogErrorCode.CORRUPT_SEGMENT);
  const offlineEvents = events.filter((e) => e.type === 'offline');
  t.deepEqual(offlineEvents.map((e) => [e.topic, e.partition]), [['bad', 0]]);
  t.is(manager.get('bad', 0), undefined);
  t.deepEqual(manager.partitions().map(({ topic, partition }) => `${topic}/${partition}`).sort(), ['good/0', 'good/1']);
  t.deepEqual(values(manager.get('good', 0)!), ['g0-0', 'g0-1', 'g0-2']);
  t.is(manager.get('good', 1)!.append(testBatch()).firstOffset, 2n);
  t.true(fs.existsSync(sealed), 'the damaged files are kept for the operator');
});

// An offline partition must not keep file descriptors: the segment whose index rebuild
// threw is never closed (LogSegment.openSealed leaves it open, recoverDirectory only
// closes the segments it had already collected).
test.serial('a partition that fails to open leaves no file descriptors open', async (t) => {
  const fdDir = '/proc/self/fd';
  if (!fs.existsSync(fdDir)) {
    t.pass('no /proc/self/fd on this platform');
    return;
  }
  const dataDir = tempDir(t);
  const record = testBatch({ count: 4, value: () => 'x'.repeat(200) }).length;
  const config = { flushPolicy: 'none' as const, segmentBytes: record * 8, indexIntervalBytes: 1024 };
  const first = LogManager.open({ dataDir, defaultConfig: config });
  for (let i = 0; i < 20; i++) first.getOrCreate('bad', 0).append(testBatch({ count: 4, value: () => 'x'.repeat(200) }));
  await first.close();
  const sealed = path.join(dataDir, 'bad-0', `${SEGMENT_0}.log`);
  const fd = fs.openSync(sealed, 'r+');
  fs.writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, 0);
  fs.closeSync(fd);
  fs.rmSync(path.join(dataDir, 'bad-0', `${SEGMENT_0}.index`));

  const openFiles = (): string[] =>
    fs.readdirSync(fdDir).flatMap((n) => {
      try {
        return [fs.readlinkSync(path.join(fdDir, n))];
      } catch {
        return [];
      }
    });
  const manager = LogManager.open({ dataDir, defaultConfig: config });
  t.is(manager.offline().length, 1);
  await manager.close();
  t.deepEqual(openFiles().filter((f) => f.startsWith(dataDir)), []);
});

// ---------------------------------------------------------------------------------------
// Retention, compaction and per-topic configs, on virtual time

test('runRetention deletes expired segments on virtual time and reports them; per-topic overrides apply', async (t) => {
  const dataDir = tempDir(t);
  const clock = new VirtualScheduler(100 * HOUR);
  const batchSize = testBatch({ count: 2 }).length;
  const { manager, events } = openManager(t, {
    dataDir,
    scheduler: clock,
    defaultConfig: { segmentBytes: batchSize * 2, retentionMs: 10 * HOUR },
    configFor: (topic) => (topic === 'forever' ? { retentionMs: -1 } : undefined),
  });
  const expiring = manager.getOrCreate('expiring', 0);
  const forever = manager.getOrCreate('forever', 0);
  t.is(expiring.logConfig.retentionMs, 10 * HOUR);
  t.is(forever.logConfig.retentionMs, -1, 'configFor overrides the default');
  t.is(forever.logConfig.segmentBytes, batchSize * 2, 'and keeps the other defaults');
  for (const log of [expiring, forever]) {
    for (let i = 0; i < 6; i++) log.append(testBatch({ count: 2, timestamp: BigInt(95 * HOUR) }));
  }
  t.is(expiring.segmentCount, 3);

  await manager.runRetention();
  t.deepEqual(events, [], 'nothing has expired yet');

  clock.set(110 * HOUR);
  await manager.runRetention();
  const retention = events.filter((e) => e.type === 'retention');
  t.deepEqual(retention.map((e) => [e.topic, e.partition]), [['expiring', 0]]);
  const first = retention[0];
  if (first?.type === 'retention') {
    t.is(first.result.reason, 'time');
    t.is(first.result.deletedSegments, 3);
    t.is(first.result.logStartOffset, 12n);
  }
  t.is(expiring.logStartOffset, 12n);
  t.is(forever.logStartOffset, 0n);
  t.is(forever.segmentCount, 3);
});

test('getOrCreate config overrides win over configFor and the defaults', async (t) => {
  const dataDir = tempDir(t);
  const { manager } = openManager(t, {
    dataDir,
    defaultConfig: { segmentBytes: 10_000, retentionMs: 1000 },
    configFor: () => ({ segmentBytes: 20_000 }),
  });
  const log = manager.getOrCreate('t', 0, { segmentBytes: 30_000 });
  t.is(log.logConfig.segmentBytes, 30_000);
  t.is(log.logConfig.retentionMs, 1000);
  t.is(manager.getOrCreate('u', 0).logConfig.segmentBytes, 20_000);
});

test('per-topic configs apply to partitions found when reopening', async (t) => {
  const dataDir = tempDir(t);
  const first = LogManager.open({ dataDir, defaultConfig: { flushPolicy: 'none' } });
  first.getOrCreate('compacted', 0);
  first.getOrCreate('plain', 0);
  await first.close();
  const { manager } = openManager(t, {
    dataDir,
    configFor: (topic) => (topic === 'compacted' ? { cleanupPolicy: { delete: false, compact: true } } : undefined),
  });
  t.deepEqual(manager.get('compacted', 0)!.logConfig.cleanupPolicy, { delete: false, compact: true });
  t.deepEqual(manager.get('plain', 0)!.logConfig.cleanupPolicy, { delete: true, compact: false });
});

test('runCompaction compacts only compacted topics and reports it', async (t) => {
  const dataDir = tempDir(t);
  const clock = new VirtualScheduler(100 * HOUR);
  const batchSize = testBatch({ count: 2, key: (j) => `key-${j}`, value: () => 'v0', timestamp: BigInt(clock.now()) }).length;
  const { manager, events } = openManager(t, {
    dataDir,
    scheduler: clock,
    defaultConfig: { segmentBytes: batchSize * 2, retentionMs: -1 },
    configFor: (topic) => (topic === 'state' ? { cleanupPolicy: { delete: false, compact: true } } : undefined),
  });
  const state = manager.getOrCreate('state', 0);
  const plain = manager.getOrCreate('plain', 0);
  const ts = BigInt(clock.now());
  for (const log of [state, plain]) {
    for (let i = 0; i < 6; i++) log.append(testBatch({ count: 2, key: (j) => `key-${j}`, value: () => `v${i}`, timestamp: ts }));
  }
  const plainSize = plain.size;
  clock.advance(HOUR);
  await manager.runCompaction();
  const compaction = events.filter((e) => e.type === 'compaction');
  t.deepEqual(compaction.map((e) => [e.topic, e.partition]), [['state', 0]]);
  const event = compaction[0];
  if (event?.type === 'compaction') {
    t.true(event.result.segmentsRewritten > 0);
    t.true(event.result.recordsRemoved > 0);
  }
  t.is(plain.size, plainSize, 'a delete-policy topic is not compacted');
  const latest = readEverything((o) => state.read(o, 1 << 20).records, state.logStartOffset, state.logEndOffset);
  const last = new Map(latest.map((r) => [r.key!.toString(), r.value!.toString()]));
  t.deepEqual([...last.entries()].sort(), [['key-0', 'v5'], ['key-1', 'v5']], 'the latest value per key survives');
  t.true(latest.length < 12);

  events.length = 0;
  await manager.runCompaction();
  t.deepEqual(events.filter((e) => e.type === 'compaction'), [], 'nothing dirty left: the cleaner skips it');
});

test('runCompaction compacts a log holding a record older than max.compaction.lag.ms, below min.cleanable.dirty.ratio', async (t) => {
  const dataDir = tempDir(t);
  const clock = new VirtualScheduler(100 * HOUR);
  const batch = (keys: string, value: string): Buffer => testBatch({ count: 2, key: (j) => `${keys}-${j}`, value: () => value, timestamp: BigInt(clock.now()) });
  const compacted = { cleanupPolicy: { delete: false, compact: true }, minCleanableDirtyRatio: 0.5 };
  const { manager, events } = openManager(t, {
    dataDir,
    scheduler: clock,
    defaultConfig: { segmentBytes: batch('k0', 'v').length * 2, retentionMs: -1 },
    configFor: (topic) => (topic === 'lagged' ? { ...compacted, maxCompactionLagMs: HOUR } : compacted),
  });
  const logs = [manager.getOrCreate('lagged', 0), manager.getOrCreate('unbounded', 0)];
  // Four batches of distinct keys, then two of one key: segments [k0 k1] [k2 k3] [k4 k4'].
  for (const log of logs) {
    for (let i = 0; i < 4; i++) log.append(batch(`k${i}`, 'v'));
    log.append(batch('k4', 'old'));
    log.append(batch('k4', 'new'));
  }
  // The first two segments are compacted (nothing to drop) and become the clean part.
  await manager.runCompaction();
  t.deepEqual(events.filter((e) => e.type === 'compaction'), []);
  // Sealing the third leaves one dirty segment of three: a ratio of 1/3, below 0.5.
  for (const log of logs) log.append(batch('k5', 'v'));
  t.true(logs.every((log) => log.dirtyRatio() < 0.5), logs.map((log) => log.dirtyRatio()).join(', '));
  await manager.runCompaction();
  t.deepEqual(events.filter((e) => e.type === 'compaction'), [], 'below the ratio and not overdue: left alone');

  clock.advance(HOUR);
  await manager.runCompaction();
  t.deepEqual(events.filter((e) => e.type === 'compaction'), [], 'exactly max.compaction.lag.ms old is not yet overdue');

  clock.advance(1);
  await manager.runCompaction();
  const compaction = events.filter((e) => e.type === 'compaction');
  t.deepEqual(compaction.map((e) => e.topic), ['lagged'], 'only the topic with max.compaction.lag.ms is compacted');
  t.deepEqual(values(logs[0]!).filter((v) => v !== 'v'), ['new', 'new'], 'the superseded records are gone');
  t.deepEqual(values(logs[1]!).filter((v) => v !== 'v'), ['old', 'old', 'new', 'new']);

  events.length = 0;
  clock.advance(HOUR);
  await manager.runCompaction();
  t.deepEqual(events.filter((e) => e.type === 'compaction'), [], 'once cleaned, the log is no longer overdue');
});
