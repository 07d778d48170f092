import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PRODUCER_STATE_SNAPSHOT_FILE, PartitionProducerState, ProducerStateStore } from '../../../../broker/producers/index.ts';
import { PartitionLog } from '../../../../core/log/index.ts';
import type { LogConfig } from '../../../../core/log/index.ts';
import { ErrorCode } from '../../../../core/protocol/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { idempotentBatch, produce } from './producer-harness.ts';

const PROJECT_ROOT = new URL('../../../../', import.meta.url).pathname;
const CHILD = 'test/unit/broker/producers/crash-child.ts';

function openLog(t: ExecutionContext, dir: string, config: Partial<LogConfig> = {}): PartitionLog {
  const log = PartitionLog.open(dir, { config: { flushPolicy: 'none', ...config } });
  t.teardown(() => log.close());
  return log;
}

/** Producer 1 sends 7 batches of 2 records (seq 0..13, offsets 0..13); producer 2 sends one. */
function fill(log: PartitionLog, state: PartitionProducerState): void {
  for (let seq = 0; seq < 14; seq += 2) produce(log, state, idempotentBatch(1n, 0, seq, 2));
  produce(log, state, idempotentBatch(2n, 3, 0, 1));
}

/** Every retry a client could still send must come back with its original offsets. */
function assertRetriesAreDuplicates(t: ExecutionContext, log: PartitionLog, state: PartitionProducerState): void {
  for (let seq = 4; seq < 14; seq += 2) {
    t.deepEqual(produce(log, state, idempotentBatch(1n, 0, seq, 2)), { kind: 'duplicate', firstOffset: BigInt(seq), lastOffset: BigInt(seq + 1) }, `seq ${seq}`);
  }
  t.like(produce(log, state, idempotentBatch(1n, 0, 2, 2)), { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  t.deepEqual(produce(log, state, idempotentBatch(2n, 3, 0, 1)), { kind: 'duplicate', firstOffset: 14n, lastOffset: 14n });
}

test('a restart reads the snapshot and replays nothing else when nothing came after it', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  const store = ProducerStateStore.open(log);
  t.is(store.rebuiltFrom, 'log');
  t.is(store.snapshotProblem, undefined);
  fill(log, store.state);
  store.writeSnapshot();
  const before = store.state.snapshot(log.logEndOffset);
  await log.close();

  const reopened = openLog(t, dir);
  const restored = ProducerStateStore.open(reopened);
  t.is(restored.rebuiltFrom, 'snapshot');
  t.deepEqual(restored.state.snapshot(reopened.logEndOffset), before);
  assertRetriesAreDuplicates(t, reopened, restored.state);
  t.like(produce(reopened, restored.state, idempotentBatch(1n, 0, 14, 1)), { kind: 'appended', firstOffset: 15n });
});

test('a restart without a snapshot rebuilds the state from the log', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  const store = ProducerStateStore.open(log);
  fill(log, store.state);
  const before = store.state.snapshot(log.logEndOffset);
  await log.close();
  t.false(fs.existsSync(path.join(dir, PRODUCER_STATE_SNAPSHOT_FILE)));

  const reopened = openLog(t, dir);
  const rebuilt = ProducerStateStore.open(reopened);
  t.is(rebuilt.rebuiltFrom, 'log');
  t.is(rebuilt.snapshotProblem, undefined);
  t.deepEqual(rebuilt.state.snapshot(reopened.logEndOffset), before);
  assertRetriesAreDuplicates(t, reopened, rebuilt.state);
});

test('batches appended after the snapshot are replayed from the log', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  const store = ProducerStateStore.open(log);
  produce(log, store.state, idempotentBatch(1n, 0, 0, 2));
  produce(log, store.state, idempotentBatch(1n, 0, 2, 2));
  store.writeSnapshot();
  for (let seq = 4; seq < 14; seq += 2) produce(log, store.state, idempotentBatch(1n, 0, seq, 2));
  produce(log, store.state, idempotentBatch(2n, 3, 0, 1));
  const before = store.state.snapshot(log.logEndOffset);
  // No close: the second open sees what a kill -9 leaves, the page cache without a clean shutdown.
  const after = openLog(t, dir);
  const restored = ProducerStateStore.open(after);
  t.is(restored.rebuiltFrom, 'snapshot');
  t.deepEqual(restored.state.snapshot(after.logEndOffset), before);
  assertRetriesAreDuplicates(t, after, restored.state);
});

test('after a kill -9 between appends and the next snapshot, retries are still duplicates', async (t) => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, ['--import=tsx', CHILD, dir], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const closed = new Promise<NodeJS.Signals | null>((resolve) => {
    child.on('close', (_code, signal) => {
      resolve(signal);
    });
  });
  const done = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /^done (\S+)\n/m.exec(out);
      if (match) resolve(match[1]!);
    });
    void closed.then(() => {
      reject(new Error(`child exited before it was done: ${stderr}`));
    });
  });
  t.is(done, '0-1,2-3,4-5,6-7,8-9,10-11');
  child.kill('SIGKILL');
  t.is(await closed, 'SIGKILL');

  const log = openLog(t, dir);
  const store = ProducerStateStore.open(log);
  t.is(store.rebuiltFrom, 'snapshot');
  for (let seq = 2; seq < 12; seq += 2) {
    t.deepEqual(produce(log, store.state, idempotentBatch(7n, 0, seq, 2)), { kind: 'duplicate', firstOffset: BigInt(seq), lastOffset: BigInt(seq + 1) });
  }
  t.like(produce(log, store.state, idempotentBatch(7n, 0, 12, 1)), { kind: 'appended', firstOffset: 12n });
});

test('a corrupt snapshot is ignored and the state rebuilt from the log', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  const store = ProducerStateStore.open(log);
  fill(log, store.state);
  store.writeSnapshot();
  const before = store.state.snapshot(log.logEndOffset);
  await log.close();
  const file = path.join(dir, PRODUCER_STATE_SNAPSHOT_FILE);

  for (const damage of ['{"version":1,"offset":"15","produc', '', '{"version":1,"offset":"15","producers":[{"producerId":"x"}]}']) {
    fs.writeFileSync(file, damage);
    const reopened = PartitionLog.open(dir, { config: { flushPolicy: 'none' } });
    const rebuilt = ProducerStateStore.open(reopened);
    t.is(rebuilt.rebuiltFrom, 'log', damage);
    t.regex(rebuilt.snapshotProblem ?? '', /producer-state\.snapshot is unusable/);
    t.deepEqual(rebuilt.state.snapshot(reopened.logEndOffset), before);
    // The next snapshot replaces the damaged one.
    rebuilt.writeSnapshot();
    t.is(ProducerStateStore.open(reopened).rebuiltFrom, 'snapshot');
    await reopened.close();
  }
});

test('a snapshot beyond the log end (a lost tail) is ignored', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  const store = ProducerStateStore.open(log);
  fill(log, store.state);
  await log.close();
  // A snapshot that remembers an append the log no longer has.
  const ghost = new PartitionProducerState();
  const prepared = ghost.prepare([{ producerId: 1n, producerEpoch: 0, baseSequence: 14, recordCount: 1 }], 15n);
  if (prepared.kind !== 'append') return t.fail();
  prepared.commit();
  fs.writeFileSync(path.join(dir, PRODUCER_STATE_SNAPSHOT_FILE), JSON.stringify(ghost.snapshot(16n)));

  const reopened = openLog(t, dir);
  const rebuilt = ProducerStateStore.open(reopened);
  t.is(rebuilt.rebuiltFrom, 'log');
  t.regex(rebuilt.snapshotProblem ?? '', /beyond the log end offset 15/);
  assertRetriesAreDuplicates(t, reopened, rebuilt.state);
});

test('a snapshot below the log start is ignored, and producers gone with the data are forgotten', async (t) => {
  const dir = tempDir(t);
  const log = openLog(t, dir);
  const store = ProducerStateStore.open(log);
  produce(log, store.state, idempotentBatch(3n, 0, 0, 4));
  store.writeSnapshot();
  fill(log, store.state);
  log.deleteRecordsBefore(6n);

  const rebuilt = ProducerStateStore.open(openLog(t, dir));
  t.is(rebuilt.rebuiltFrom, 'log');
  t.regex(rebuilt.snapshotProblem ?? '', /below the log start offset 6/);
  t.deepEqual(rebuilt.state.producerIds(), [1n, 2n]);

  // A usable snapshot that still names producer 3 agrees with the replay.
  store.writeSnapshot();
  const restored = ProducerStateStore.open(openLog(t, dir));
  t.is(restored.rebuiltFrom, 'snapshot');
  t.deepEqual(restored.state.producerIds(), [1n, 2n]);
});

test('a replay spans several read chunks and segments', async (t) => {
  const dir = tempDir(t);
  // Segments larger than the 4 MiB read chunk, so chunks end inside segments too.
  const config = { segmentBytes: 6 << 20 };
  const log = openLog(t, dir, config);
  const store = ProducerStateStore.open(log);
  const padding = 'x'.repeat(200_000);
  for (let seq = 0; seq < 60; seq++) {
    const bytes = testBatch({ count: 1, value: () => padding, options: { producerId: BigInt(seq % 3), producerEpoch: 0, baseSequence: Math.floor(seq / 3) } });
    t.is(produce(log, store.state, bytes).kind, 'appended');
  }
  t.is(log.segmentCount, 2);
  t.true(log.size > 2 * (4 << 20));
  const before = store.state.snapshot(log.logEndOffset);
  await log.close();

  const rebuilt = ProducerStateStore.open(openLog(t, dir, config));
  t.is(rebuilt.rebuiltFrom, 'log');
  t.deepEqual(rebuilt.state.snapshot(60n), before);
  t.deepEqual(rebuilt.state.entry(2n)?.batches.at(-1), { firstSeq: 19, lastSeq: 19, firstOffset: 59n, lastOffset: 59n });
});
