import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { PartitionLog } from '../../../../core/log/index.ts';
import { checkBatch, iterateBatches } from '../../../../core/records/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { readEverything } from '../../../helpers/decode-all.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';
import { waitFor } from '../../../helpers/wait-for.ts';

const PROJECT_ROOT = new URL('../../../../', import.meta.url).pathname;
const CHILD = 'test/fixtures/append-child.ts';
const DEADLINE_MS = 20_000;

interface ChildRun {
  child: ChildProcess;
  /** Every offset the child acknowledged as durable, in the order printed. */
  acks: bigint[];
  stderr: () => string;
  /** Resolves when the process has exited and its stdout is fully read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(t: ExecutionContext, dir: string, segmentBytes?: number): ChildRun {
  const args = ['--import=tsx', CHILD, dir, ...(segmentBytes === undefined ? [] : [String(segmentBytes)])];
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const acks: bigint[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const match = /^ack (\d+)$/.exec(line);
      if (match) acks.push(BigInt(match[1]!));
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal });
    });
  });
  return { child, acks, stderr: () => stderr, closed };
}

function waitUntil(condition: () => boolean, describe: () => string, gaveUp?: () => boolean): Promise<void> {
  return waitFor(condition, { timeoutMs: DEADLINE_MS, describe, ...(gaveUp === undefined ? {} : { gaveUp }) });
}

function openLog(dir: string, segmentBytes?: number): PartitionLog {
  return PartitionLog.open(dir, { config: { flushPolicy: 'every-append', ...(segmentBytes === undefined ? {} : { segmentBytes }) } });
}

/** Reads the whole log and checks it is dense from 0 with `rec-<offset>` values and no damaged batch. */
function verifyLog(t: ExecutionContext, log: PartitionLog, label: string): void {
  const reads: Buffer[] = [];
  const records = readEverything(
    (offset) => {
      const bytes = log.read(offset, 256 * 1024).records;
      reads.push(bytes);
      return bytes;
    },
    0n,
    log.logEndOffset,
  );
  let badBatches = 0;
  for (const bytes of reads) {
    for (const { pos } of iterateBatches(bytes)) if (!checkBatch(bytes, pos).ok) badBatches++;
  }
  t.is(badBatches, 0, `${label}: every batch read verifies`);
  t.is(BigInt(records.length), log.logEndOffset, `${label}: one record per offset below the log end`);
  const wrong = records.find((r, i) => r.offset !== BigInt(i) || r.value?.toString() !== `rec-${i}`);
  t.is(wrong, undefined, `${label}: offsets dense from 0 with value rec-<offset>, first bad: ${String(wrong?.offset)}`);
}

/**
 * Runs the child until it has acknowledged at least `minAcks` appends, kills it with
 * SIGKILL, and checks the reopened log still holds everything acknowledged.
 */
async function crashAndVerify(t: ExecutionContext, dir: string, minAcks: number, segmentBytes?: number): Promise<bigint> {
  const run = startChild(t, dir, segmentBytes);
  let exited = false;
  void run.closed.then(() => (exited = true));
  await waitUntil(
    () => run.acks.length >= minAcks,
    () => `${minAcks} acks (got ${run.acks.length}); child stderr: ${run.stderr()}`,
    () => exited,
  );
  run.child.kill('SIGKILL');
  const { signal } = await run.closed;
  t.is(signal, 'SIGKILL', `the child died by the kill, not on its own: ${run.stderr()}`);

  const maxAck = run.acks.reduce((a, b) => (b > a ? b : a), -1n);
  const log = openLog(dir, segmentBytes);
  try {
    const label = `after kill at ${run.acks.length} acks (max ack ${maxAck}, log end ${log.logEndOffset}, segments ${log.segmentCount})`;
    t.log(`${label}; recovery cut ${log.recovery.truncatedBytes} bytes, rebuilt ${log.recovery.rebuiltIndexes.length} indexes`);
    t.true(log.logEndOffset > maxAck, `${label}: every acknowledged offset survived`);
    verifyLog(t, log, label);
    const sample = [run.acks[0]!, run.acks[run.acks.length >> 1]!, maxAck];
    for (const offset of sample) {
      const got = readEverything((o) => log.read(o, 4096).records, offset, offset + 1n)[0];
      t.is(got?.value?.toString(), `rec-${offset}`, `${label}: acked offset ${offset} reads back`);
    }
    const end = log.logEndOffset;
    const info = log.append(testBatch({ count: 2, value: (j) => `rec-${end + BigInt(j)}` }));
    t.is(info.firstOffset, end, `${label}: appends continue at the log end offset`);
    await log.waitDurable(info.lastOffset);
    return maxAck;
  } finally {
    await log.close();
  }
}

test('acknowledged appends survive kill -9 at three different points', async (t) => {
  const dir = tempDir(t, 'brook-crash-');
  let previousMax = -1n;
  for (const minAcks of [100, 300, 700]) {
    const maxAck = await crashAndVerify(t, dir, minAcks);
    t.true(maxAck > previousMax, 'each run continued where the previous one ended');
    previousMax = maxAck;
  }
  const log = openLog(dir);
  t.teardown(() => log.close());
  verifyLog(t, log, 'final reopen');
});

test('acknowledged appends survive kill -9 around segment rolls (segment.bytes 64 KiB)', async (t) => {
  const dir = tempDir(t, 'brook-crash-roll-');
  const segmentBytes = 64 * 1024;
  let previousMax = -1n;
  for (const minAcks of [100, 300, 700]) {
    const maxAck = await crashAndVerify(t, dir, minAcks, segmentBytes);
    t.true(maxAck > previousMax, 'each run continued where the previous one ended');
    previousMax = maxAck;
  }
  const log = openLog(dir, segmentBytes);
  t.teardown(() => log.close());
  t.true(log.segmentCount > 3, `the runs rolled several segments (got ${log.segmentCount})`);
  verifyLog(t, log, 'final reopen');
});
