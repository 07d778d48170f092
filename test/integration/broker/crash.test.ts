import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { Record } from '../../../core/records/index.ts';
import { testBatch } from '../../helpers/batches.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, readPartition } from './records.ts';

/*
 * The broker as a child process (the real CLI), killed with SIGKILL while acks=-1 produces are
 * in flight, then restarted on the same data directory: everything acknowledged must be there,
 * at its offset, byte for byte. Also a clean SIGTERM shutdown, and the data directory lock.
 */

const PROJECT_ROOT = new URL('../../../', import.meta.url).pathname;
const START_DEADLINE_MS = 30_000;

interface ChildLine {
  readonly msg?: unknown;
  readonly level?: unknown;
  readonly [key: string]: unknown;
}

interface BrokerChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every JSON line printed on stdout, parsed. */
  readonly lines: ChildLine[];
  stderr(): string;
  stdout(): string;
  exited(): boolean;
  /** Resolves once the process has exited and its output is fully read. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnBroker(t: ExecutionContext, dataDir: string): BrokerChild {
  const args = ['--import=tsx', 'cli/main.ts', 'broker', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--advertised-host', '127.0.0.1', '--log-level', 'info'];
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines: ChildLine[] = [];
  let stdout = '';
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) {
      if (line.trim() === '') continue;
      try {
        lines.push(JSON.parse(line) as ChildLine);
      } catch {
        lines.push({ msg: `(not JSON) ${line}` });
      }
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  let exited = false;
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error('could not spawn the broker');
  return {
    child,
    pid: child.pid,
    lines,
    stderr: () => stderr,
    stdout: () => stdout,
    exited: () => exited,
    closed,
  };
}

/** The port from the broker's 'broker listening' line. */
async function listeningPort(run: BrokerChild): Promise<number> {
  const port = (): number | undefined => {
    const line = run.lines.find((l) => l.msg === 'broker listening' && typeof l['port'] === 'number');
    return line?.['port'] as number | undefined;
  };
  await waitFor(() => port() !== undefined, {
    timeoutMs: START_DEADLINE_MS,
    describe: () => `a 'broker listening' line; stdout: ${run.stdout()} stderr: ${run.stderr()}`,
    gaveUp: () => run.exited(),
  });
  return port()!;
}

async function startBroker(t: ExecutionContext, dataDir: string): Promise<{ run: BrokerChild; client: WireClient }> {
  const run = spawnBroker(t, dataDir);
  const port = await listeningPort(run);
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return { run, client };
}

/** What a stored record must read back as: key, value and timestamp, byte for byte. */
interface Expected {
  readonly key: string;
  readonly value: string;
  readonly timestamp: bigint;
}

function describe(r: Expected | Record): string {
  const key = typeof r.key === 'string' ? r.key : (r.key?.toString('latin1') ?? 'null');
  const value = typeof r.value === 'string' ? r.value : (r.value?.toString('latin1') ?? 'null');
  return `${key}|${value}|${r.timestamp}`;
}

function batchOf(records: readonly Expected[], producer?: { producerId: bigint; producerEpoch: number; baseSequence: number }): Buffer {
  return testBatch({
    count: records.length,
    key: (i) => records[i]!.key,
    value: (i) => records[i]!.value,
    timestamp: (i) => records[i]!.timestamp,
    ...(producer === undefined ? {} : { options: producer }),
  });
}

// ---------------------------------------------------------------------------------------------
// The SIGKILL cycles

const TOPIC = 'crash-ledger';
const PARTITIONS = 4;
const IN_FLIGHT = 8;
const PADDING = 'x'.repeat(90);

/** Per partition: what is known to be stored (index = offset), and what was sent but not yet acknowledged. */
interface PartitionState {
  readonly stored: Expected[];
  pending: Expected[];
}

interface KillOutcome {
  readonly acked: number;
  readonly inFlightAtKill: number;
  readonly problems: string[];
}

/**
 * Keeps IN_FLIGHT acks=-1 Produce requests (one batch per partition each) outstanding and
 * sends SIGKILL from inside the callback of the response that takes the acknowledged record
 * count past `killAfter`, so the others are still in flight. Acknowledgements that were
 * already on their way still count: the broker gave them.
 */
function produceUntilKilled(client: WireClient, run: BrokerChild, state: PartitionState[], cycle: number, killAfter: number): Promise<KillOutcome> {
  const problems: string[] = [];
  let acked = 0;
  let inFlight = 0;
  let sequence = 0;
  let killed = false;
  return new Promise((resolve) => {
    const send = (): void => {
      const n = sequence++;
      const partitionData = state.map((partition, p) => {
        const count = 1 + ((n + p) % 3);
        const records = Array.from({ length: count }, (_, i): Expected => ({
          key: `c${cycle}-p${p}-n${n}-${i}`,
          value: `value c${cycle} p${p} n${n} i${i} ${PADDING}`,
          timestamp: 1_700_000_000_000n + BigInt(n * 10 + i),
        }));
        partition.pending.push(...records);
        return { index: p, records: batchOf(records), count };
      });
      inFlight++;
      client
        .request(ApiKey.PRODUCE, 7, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 30_000,
          topicData: [{ name: TOPIC, partitionData: partitionData.map(({ index, records }) => ({ index, records })) }],
        })
        .then(
          (response) => {
            inFlight--;
            for (const { index, count } of partitionData) {
              const answer = response.responses[0]?.partitionResponses.find((r) => r.index === index);
              const partition = state[index]!;
              if (answer?.errorCode !== ErrorCode.NONE || answer.baseOffset !== BigInt(partition.stored.length)) {
                problems.push(`request ${n}, partition ${index}: expected error 0 at ${partition.stored.length}, got error ${answer?.errorCode} at ${answer?.baseOffset}`);
                continue;
              }
              // Answers come in request order, so these are the oldest pending records.
              partition.stored.push(...partition.pending.splice(0, count));
              acked += count;
            }
            if (killed) return;
            if (acked >= killAfter || problems.length > 0) {
              killed = true;
              const inFlightAtKill = inFlight;
              run.child.kill('SIGKILL');
              resolve({ acked, inFlightAtKill, problems });
            } else {
              send();
            }
          },
          (error: unknown) => {
            inFlight--;
            if (killed) return;
            killed = true;
            problems.push(`request ${n} failed before the kill: ${error instanceof Error ? error.message : String(error)}`);
            resolve({ acked, inFlightAtKill: inFlight, problems });
          },
        );
    };
    for (let i = 0; i < IN_FLIGHT; i++) send();
  });
}

/**
 * Compares a partition read after a restart with what was acknowledged: the acknowledged
 * prefix byte for byte, offsets dense from 0, and after it only a prefix of the requests that
 * were in flight at the kill (appended in order, never acknowledged). Returns problems found;
 * afterwards everything read counts as stored.
 */
function checkPartition(p: number, partition: PartitionState, read: { records: Record[]; highWatermark: bigint; logStartOffset: bigint }): string[] {
  const problems: string[] = [];
  const { records, highWatermark, logStartOffset } = read;
  if (logStartOffset !== 0n) problems.push(`partition ${p}: log start offset ${logStartOffset}, expected 0`);
  const notDense = records.findIndex((r, i) => r.offset !== BigInt(i));
  if (notDense >= 0) problems.push(`partition ${p}: record ${notDense} has offset ${records[notDense]!.offset}: offsets are not dense from 0`);
  if (BigInt(records.length) !== highWatermark) problems.push(`partition ${p}: ${records.length} records below the high watermark ${highWatermark}`);
  const acked = partition.stored.length;
  if (records.length < acked) problems.push(`partition ${p}: ${records.length} records, but ${acked} were acknowledged (offsets 0-${acked - 1})`);
  for (let i = 0; i < Math.min(acked, records.length); i++) {
    if (describe(records[i]!) !== describe(partition.stored[i]!)) {
      problems.push(`partition ${p} offset ${i}: stored ${describe(records[i]!)}, acknowledged ${describe(partition.stored[i]!)}`);
      break;
    }
  }
  const survivors = records.slice(acked);
  if (survivors.length > partition.pending.length) problems.push(`partition ${p}: ${survivors.length} records after the acknowledged ones, but only ${partition.pending.length} were in flight`);
  const wrongSurvivor = survivors.findIndex((r, i) => partition.pending[i] === undefined || describe(r) !== describe(partition.pending[i]));
  if (wrongSurvivor >= 0) {
    problems.push(`partition ${p} offset ${acked + wrongSurvivor}: ${describe(survivors[wrongSurvivor]!)} is not the next in-flight record (${partition.pending[wrongSurvivor] === undefined ? 'none' : describe(partition.pending[wrongSurvivor])})`);
  }
  if (problems.length === 0) {
    partition.stored.push(...partition.pending.slice(0, survivors.length));
    partition.pending = [];
  }
  return problems;
}

test('acks=-1 produces acknowledged before a SIGKILL are all there after a restart, three times over', async (t) => {
  const dataDir = tempDir(t, 'brook-broker-crash-');
  const state: PartitionState[] = Array.from({ length: PARTITIONS }, () => ({ stored: [], pending: [] }));
  let { run, client } = await startBroker(t, dataDir);
  await createTopic(client, TOPIC, PARTITIONS);

  for (const [cycle, killAfter] of [300, 500, 700].entries()) {
    const before = state.reduce((sum, p) => sum + p.stored.length, 0);
    const outcome = await produceUntilKilled(client, run, state, cycle, killAfter);
    const { signal } = await run.closed;
    await client.closed;
    t.deepEqual(outcome.problems, [], `cycle ${cycle}: every produce before the kill succeeded at the expected offset`);
    t.is(signal, 'SIGKILL', `cycle ${cycle}: the broker died by the kill; stderr: ${run.stderr()}`);
    t.true(outcome.inFlightAtKill > 0, `cycle ${cycle}: requests were in flight at the kill (${outcome.inFlightAtKill})`);
    t.true(outcome.acked >= killAfter, `cycle ${cycle}: ${outcome.acked} records acknowledged before the kill`);
    const inFlightRecords = state.reduce((sum, p) => sum + p.pending.length, 0);

    ({ run, client } = await startBroker(t, dataDir));
    const problems: string[] = [];
    let survivors = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const ackedBefore = state[p]!.stored.length;
      problems.push(...checkPartition(p, state[p]!, await readPartition(client, TOPIC, p)));
      survivors += state[p]!.stored.length - ackedBefore;
    }
    t.deepEqual(problems, [], `cycle ${cycle}: after the restart every acknowledged record is at its offset, byte for byte`);
    t.log(
      `cycle ${cycle}: ${outcome.acked} records acknowledged (${before} stored before), ${outcome.inFlightAtKill} requests (${inFlightRecords} records) in flight at the kill, ${survivors} of those survived`,
    );

    // New produces continue right after the highest surviving offset.
    const response = await client.request(ApiKey.PRODUCE, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [
        {
          name: TOPIC,
          partitionData: state.map((_, p) => {
            const record: Expected = { key: `after-restart-${cycle}-${p}`, value: `after restart ${cycle}`, timestamp: 1_800_000_000_000n };
            return { index: p, records: batchOf([record]) };
          }),
        },
      ],
    });
    t.deepEqual(
      response.responses[0]?.partitionResponses.map((r) => `${r.index}:${r.errorCode}:${r.baseOffset}`),
      state.map((partition, p) => `${p}:0:${partition.stored.length}`),
      `cycle ${cycle}: the first produce after the restart lands at each partition's end`,
    );
    state.forEach((partition, p) => partition.stored.push({ key: `after-restart-${cycle}-${p}`, value: `after restart ${cycle}`, timestamp: 1_800_000_000_000n }));
  }

  // One last full read, then a clean stop.
  const finalProblems: string[] = [];
  for (let p = 0; p < PARTITIONS; p++) finalProblems.push(...checkPartition(p, state[p]!, await readPartition(client, TOPIC, p)));
  t.deepEqual(finalProblems, [], 'the final read matches everything acknowledged');
  run.child.kill('SIGTERM');
  t.deepEqual(await run.closed, { code: 0, signal: null }, `the last broker stops cleanly; stderr: ${run.stderr()}`);
});

// ---------------------------------------------------------------------------------------------

test('SIGTERM stops the broker cleanly: exit code 0, "broker stopped", producer snapshots, and a restart serves everything', async (t) => {
  const dataDir = tempDir(t, 'brook-broker-sigterm-');
  const topic = 'clean-stop';
  const partitions = 3;
  const first = await startBroker(t, dataDir);
  await createTopic(first.client, topic, partitions);
  const init = await first.client.request(ApiKey.INIT_PRODUCER_ID, 0, { transactionalId: null, transactionTimeoutMs: 60_000 });
  t.is(init.errorCode, ErrorCode.NONE, 'an idempotent producer id');
  const producer = { producerId: init.producerId, producerEpoch: init.producerEpoch };

  // Per partition: 10 plain batches and 10 idempotent ones, pipelined.
  const stored: Expected[][] = Array.from({ length: partitions }, () => []);
  const sequences = Array.from({ length: partitions }, () => 0);
  let lastIdempotent: { partition: number; batch: Buffer; baseOffset: bigint } | undefined;
  const requests: Promise<void>[] = [];
  for (let n = 0; n < 20; n++) {
    for (let p = 0; p < partitions; p++) {
      const records = Array.from({ length: 1 + (n % 4) }, (_, i): Expected => ({ key: `k-${p}-${n}-${i}`, value: `clean ${p} ${n} ${i}`, timestamp: 1_700_000_000_000n + BigInt(n) }));
      const idempotent = n % 2 === 1;
      const batch = idempotent ? batchOf(records, { ...producer, baseSequence: sequences[p]! }) : batchOf(records);
      if (idempotent) sequences[p]! += records.length;
      const expectedOffset = BigInt(stored[p]!.length);
      stored[p]!.push(...records);
      requests.push(
        first.client
          .request(ApiKey.PRODUCE, 7, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: p, records: batch }] }] })
          .then((response) => {
            const answer = response.responses[0]?.partitionResponses[0];
            t.is(answer?.errorCode, ErrorCode.NONE, `produce ${n} to partition ${p}`);
            t.is(answer?.baseOffset, expectedOffset, `produce ${n} to partition ${p}: offset`);
            if (idempotent && p === 1) lastIdempotent = { partition: p, batch, baseOffset: expectedOffset };
          }),
      );
    }
  }
  await Promise.all(requests);

  first.run.child.kill('SIGTERM');
  t.deepEqual(await first.run.closed, { code: 0, signal: null }, `exit code 0 after SIGTERM; stderr: ${first.run.stderr()}`);
  t.true(
    first.run.lines.some((l) => l.msg === 'broker stopped'),
    `'broker stopped' logged; last lines: ${first.run.lines.slice(-3).map((l) => JSON.stringify(l)).join(' ')}`,
  );
  t.false(fs.existsSync(path.join(dataDir, '.lock')), 'the data directory lock was released');
  for (let p = 0; p < partitions; p++) {
    t.true(fs.existsSync(path.join(dataDir, `${topic}-${p}`, 'producer-state.snapshot')), `${topic}-${p} has a producer-state.snapshot`);
  }

  const second = await startBroker(t, dataDir);
  for (let p = 0; p < partitions; p++) {
    const read = await readPartition(second.client, topic, p);
    t.is(read.highWatermark, BigInt(stored[p]!.length), `${topic}-${p}: high watermark after the restart`);
    t.deepEqual(
      read.records.map((r) => `${r.offset}:${describe(r)}`),
      stored[p]!.map((r, i) => `${i}:${describe(r)}`),
      `${topic}-${p}: every record after the restart`,
    );
  }
  const warnings = second.run.lines.filter((l) => typeof l.level === 'number' && l.level >= 40).map((l) => String(l.msg));
  t.deepEqual(warnings, [], 'a restart after a clean stop recovers nothing and rebuilds no producer state');

  // The producer state came back: a retry of the last idempotent batch is a duplicate, answered with its original offset.
  if (lastIdempotent === undefined) {
    t.fail('no idempotent batch was sent to partition 1');
  } else {
    const retry = await second.client.request(ApiKey.PRODUCE, 7, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: [{ index: lastIdempotent.partition, records: lastIdempotent.batch }] }],
    });
    const answer = retry.responses[0]?.partitionResponses[0];
    t.is(answer?.errorCode, ErrorCode.NONE, 'the retried batch is accepted');
    t.is(answer?.baseOffset, lastIdempotent.baseOffset, 'as a duplicate, at its original offset');
    t.is((await readPartition(second.client, topic, 1)).highWatermark, BigInt(stored[1]!.length), 'and not appended again');
  }
  const fresh = await second.client.request(ApiKey.PRODUCE, 7, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batchOf([{ key: 'new', value: 'after restart', timestamp: 1_800_000_000_000n }]) }] }],
  });
  t.is(fresh.responses[0]?.partitionResponses[0]?.baseOffset, BigInt(stored[0]!.length), 'new produces continue at the end');

  second.run.child.kill('SIGTERM');
  t.deepEqual(await second.run.closed, { code: 0, signal: null }, 'the restarted broker stops cleanly too');
});

// ---------------------------------------------------------------------------------------------

test('a second broker on a data directory in use exits non-zero with one line naming the lock', async (t) => {
  const dataDir = tempDir(t, 'brook-broker-lock-');
  const first = await startBroker(t, dataDir);

  const second = spawnBroker(t, dataDir);
  const exit = await second.closed;
  t.is(exit.signal, null, 'the second broker exited by itself');
  t.not(exit.code, 0, 'with a non-zero exit code');
  t.is(exit.code, 1, 'exit code 1');
  const stderr = second.stderr();
  t.is(stderr.trimEnd().split('\n').length, 1, `one line on stderr: ${stderr}`);
  t.regex(stderr, new RegExp(`data directory ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${first.run.pid}\\b`), 'it names the directory and the process holding it');
  t.regex(stderr, /DATA_DIR_LOCKED/, 'and the lock error code');
  t.false(/\n\s+at /.test(stderr), 'no stack trace');
  t.false(
    second.lines.some((l) => l.msg === 'broker listening'),
    'the second broker never listened',
  );

  // The first broker is untouched and still serves.
  const versions = await first.client.request(ApiKey.API_VERSIONS, 3, { clientSoftwareName: 'lock-test', clientSoftwareVersion: '1' });
  t.is(versions.errorCode, ErrorCode.NONE, 'the first broker still answers');
  t.true(fs.existsSync(path.join(dataDir, '.lock')), 'the lock is still there');
  first.run.child.kill('SIGTERM');
  t.deepEqual(await first.run.closed, { code: 0, signal: null }, 'the first broker stops cleanly');
});
