/**
 * `brook consume` and `brook perf consume` as a user runs them: child processes against a real
 * broker holding known records. Printed lines, exit codes and committed offsets are checked exactly.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Consumer } from '../../client/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { WireClient } from '../helpers/kafka-wire.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { createTopic, produce, valuesBatch } from '../integration/broker/records.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
const BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 3 } };
const T0 = 1_700_000_000_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function brook(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import=tsx', 'cli/main.ts', ...args], { cwd: PROJECT_ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

function lines(t: ExecutionContext, run: Run): string[] {
  t.is(run.code, 0, run.stderr);
  return run.stdout.replace(/\n$/, '').split('\n');
}

/**
 * How long a test's waits may take together. On a loaded machine the CLI's start alone (node,
 * tsx, connect, join, first fetch) has taken 26 s, so no one step gets a fixed share of it.
 */
const TEST_BUDGET_MS = 100_000;

/** The time left of a budget started now. */
function budget(ms: number): () => number {
  const end = Date.now() + ms;
  return () => Math.max(0, end - Date.now());
}

/**
 * `brook ARGS` as a long-running child process, killed when the test ends. The timer only
 * catches a test that never reaches its teardown: it outlasts the test's budget, so it never
 * kills a CLI the test still talks to.
 */
function spawnBrook(t: ExecutionContext, args: readonly string[]): ChildProcessByStdio<null, Readable, Readable> {
  const child = spawn(process.execPath, ['--import=tsx', 'cli/main.ts', ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), TEST_BUDGET_MS + 30_000);
  t.teardown(() => {
    clearTimeout(timer);
    child.kill('SIGKILL');
  });
  return child;
}

/** A broker with `events`: partition 0 holds a0..a4, partition 1 holds b0..b2. */
async function fixture(t: ExecutionContext): Promise<{ bootstrap: string; wire: WireClient }> {
  const { port, bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  await createTopic(wire, 'events', 2);
  const p0 = await produce(wire, 'events', 0, valuesBatch(['a0', 'a1', 'a2', 'a3', 'a4'], { firstTimestamp: BigInt(T0) }));
  const p1 = await produce(wire, 'events', 1, valuesBatch(['b0', 'b1', 'b2'], { firstTimestamp: BigInt(T0 + 10) }));
  t.deepEqual([p0.errorCode, p1.errorCode], [ErrorCode.NONE, ErrorCode.NONE]);
  return { bootstrap, wire };
}

test('consume --from-beginning --max-messages prints values, one per line', async (t) => {
  const { bootstrap } = await fixture(t);
  const run = await brook(['consume', 'events', '--bootstrap-server', bootstrap, '--from-beginning', '--max-messages', '8']);
  t.deepEqual(lines(t, run).sort(), ['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2']);
});

test('consume --partition --offset --format json prints whole records from that offset', async (t) => {
  const { bootstrap } = await fixture(t);
  const [run, earliest] = await Promise.all([
    brook(['consume', 'events', '--bootstrap-server', bootstrap, '--partition', '0', '--offset', '3', '--max-messages', '2', '--format', 'json']),
    brook(['consume', 'events', '--bootstrap-server', bootstrap, '--partition', '1', '--offset', 'earliest', '--max-messages', '3']),
  ]);
  t.deepEqual(
    lines(t, run).map((l) => JSON.parse(l) as unknown),
    [3, 4].map((i) => ({ topic: 'events', partition: 0, offset: String(i), timestamp: T0 + i, key: `k-a${i}`, value: `a${i}`, headers: {} })),
  );
  t.deepEqual(lines(t, earliest), ['b0', 'b1', 'b2']);
});

test('consume --group commits exactly what it printed, and the next run goes on from there', async (t) => {
  const { bootstrap } = await fixture(t);
  const first = await brook(['consume', 'events', '--bootstrap-server', bootstrap, '--group', 'cli', '--from-beginning', '--partition', '0', '--max-messages', '1']);
  t.is(first.code, 1);
  t.is(first.stderr, 'brook: --partition reads without a group; leave out --group (ERR_CONSUME_USAGE)\n');

  const run1 = lines(t, await brook(['consume', 'events', '--bootstrap-server', bootstrap, '--group', 'cli', '--from-beginning', '--max-messages', '6']));
  t.is(run1.length, 6);
  const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: 'cli' });
  t.teardown(() => consumer.close());
  await consumer.connect();
  const committed = await consumer.committed([
    { topic: 'events', partition: 0 },
    { topic: 'events', partition: 1 },
  ]);
  t.is([...committed.values()].reduce((sum, o) => sum + o, 0n), 6n);
  const run2 = lines(t, await brook(['consume', 'events', '--bootstrap-server', bootstrap, '--group', 'cli', '--max-messages', '2']));
  t.deepEqual([...run1, ...run2].sort(), ['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2']);
});

test('consume fails with one line for an unknown topic or a bad flag', async (t) => {
  const { bootstrap } = await fixture(t);
  const unknown = await brook(['consume', 'nope', '--bootstrap-server', bootstrap, '--max-messages', '1']);
  t.is(unknown.code, 1);
  t.is(unknown.stdout, '');
  t.regex(unknown.stderr, /^brook: metadata for topic nope: UNKNOWN_TOPIC_OR_PARTITION \(Kafka error 3\).*\n$/);
  const badFormat = await brook(['consume', 'events', '--bootstrap-server', bootstrap, '--format', 'xml']);
  t.is(badFormat.stderr, "brook: --format must be text or json, not 'xml' (ERR_CONSUME_USAGE)\n");
  t.is(badFormat.code, 1);
  const perfUnknown = await brook(['perf', 'consume', '--bootstrap-server', bootstrap, '--topic', 'nope', '--messages', '1']);
  t.deepEqual(perfUnknown, { code: 1, stdout: '', stderr: 'brook: metadata for topic nope: UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3) (ERR_CLIENT_KAFKA)\n' });
});

test('consume and perf consume fail with one line and exit code 1 on an unreachable server or a bad flag value', async (t) => {
  // Port 1 is privileged and never a broker here.
  const unreachable = 'brook: no bootstrap server could be reached: cannot connect to a broker at 127.0.0.1:1: connection refused (is a broker listening there?) (ERR_CLIENT_CONNECT)\n';
  const cases: [string[], string][] = [
    [['consume', 't', '--bootstrap-server', '127.0.0.1:1'], unreachable],
    [['perf', 'consume', '--topic', 't', '--messages', '1', '--bootstrap-server', '127.0.0.1:1'], unreachable],
    [['consume', 't', '--partition', '-1'], "brook: --partition must be a non-negative integer, not '-1' (ERR_CONSUME_USAGE)\n"],
    [['consume', 't', '--partition', '0', '--offset', '99999999999999999999'], "brook: --offset must be a non-negative integer, earliest or latest, not '99999999999999999999' (ERR_CONSUME_USAGE)\n"],
    [['consume', 't', '--partition', '0', '--offset', '3', '--from-beginning'], 'brook: give --offset or --from-beginning, not both (ERR_CONSUME_USAGE)\n'],
    [['consume', 't', '--offset', '3'], 'brook: --offset needs --partition (ERR_CONSUME_USAGE)\n'],
    [['consume', 't', '--max-messages', 'all'], "brook: --max-messages must be a non-negative integer, not 'all' (ERR_CONSUME_USAGE)\n"],
    [['perf', 'consume', '--topic', 't', '--messages', '0'], "brook: --messages must be a positive integer, not '0' (ERR_PERF_USAGE)\n"],
    [['perf', 'consume', '--topic', 't', '--messages', '1', '--fetch-size', '99999999999'], 'brook: --fetch-size must be at most 2147483647, not 99999999999 (ERR_PERF_USAGE)\n'],
  ];
  const runs = await Promise.all(cases.map(([args]) => brook(args)));
  runs.forEach((run, i) => {
    const [args, stderr] = cases[i]!;
    t.deepEqual(run, { code: 1, stdout: '', stderr }, args.join(' '));
  });
});

test('consume stops quietly, exit code 0, when the reader of its output goes away (consume | head -1)', async (t) => {
  const { bootstrap, wire } = await fixture(t);
  const child = spawnBrook(t, ['consume', 'events', '--bootstrap-server', bootstrap, '--partition', '0', '--offset', '0']);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const first = await new Promise<string>((resolve) => {
    child.stdout.once('data', (chunk: Buffer) => {
      resolve(chunk.toString('utf8'));
    });
  });
  child.stdout.destroy();
  // The consumer waits at the end of the log; the next record it prints meets the closed pipe.
  t.is((await produce(wire, 'events', 0, valuesBatch(['a5']))).errorCode, ErrorCode.NONE);
  t.is(await exited, 0, stderr);
  t.is(stderr, '');
  t.true(first.startsWith('a0\n'), first);
});

test('perf consume reads the asked number of records and prints the rate', async (t) => {
  const { bootstrap } = await fixture(t);
  const text = lines(t, await brook(['perf', 'consume', '--bootstrap-server', bootstrap, '--topic', 'events', '--messages', '8']));
  t.is(text.length, 1);
  t.regex(text[0]!, /^8 records \(0 MB\) consumed in [0-9.]+ s: [0-9]+ records\/s, [0-9.]+ MB\/s$/);
  const json = lines(t, await brook(['perf', 'consume', '--bootstrap-server', bootstrap, '--topic', 'events', '--messages', '8', '--group', 'perf', '--format', 'json']));
  const result = JSON.parse(json[0]!) as { records: number; mb: number };
  t.deepEqual([result.records, result.mb], [8, 0]);
  // Partition 0's five records come in one batch; only the three asked for are counted.
  const three = lines(t, await brook(['perf', 'consume', '--bootstrap-server', bootstrap, '--topic', 'events', '--messages', '3', '--format', 'json']));
  t.is((JSON.parse(three[0]!) as { records: number }).records, 3);
});

test('perf consume asked for more records than the topic holds stops after --timeout with one line and exit code 1', async (t) => {
  const { bootstrap } = await fixture(t);
  const run = await brook(['perf', 'consume', '--bootstrap-server', bootstrap, '--topic', 'events', '--messages', '100', '--timeout', '500', '--format', 'json']);
  t.is(run.code, 1);
  const result = JSON.parse(run.stdout.trim()) as { records: number };
  t.is(result.records, 8, 'what was read is still reported');
  const errors = run.stderr.trim().split('\n');
  t.is(errors.length, 1, run.stderr);
  t.regex(errors[0]!, /read 8 of 100 records: none arrived for 500 ms \(--timeout\).*ERR_PERF_TIMEOUT/);
});

test('consume --group commits what it printed of a partition when a rebalance takes it away, so the next owner goes on from there', async (t) => {
  const left = budget(TEST_BUDGET_MS);
  const { bootstrap, wire } = await fixture(t);
  const child = spawnBrook(t, ['consume', 'events', '--bootstrap-server', bootstrap, '--group', 'handover', '--from-beginning']);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const printed = async (values: readonly string[]): Promise<void> => {
    const has = (): boolean => values.every((v) => stdout.split('\n').includes(v));
    await waitFor(has, { timeoutMs: left(), gaveUp: exited, describe: () => `the CLI printed ${JSON.stringify(stdout)} of ${JSON.stringify(values)}; stderr ${JSON.stringify(stderr)}` });
  };
  await printed(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2']);

  const other = new Consumer({ bootstrapServers: bootstrap, groupId: 'handover', autoOffsetReset: 'earliest', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 100, maxWaitMs: 100 });
  t.teardown(() => other.close());
  await other.connect();
  const committed = async (): Promise<[bigint | undefined, bigint | undefined]> => {
    const offsets = await other.committed([{ topic: 'events', partition: 0 }, { topic: 'events', partition: 1 }]);
    return [offsets.get('events\u00000'), offsets.get('events\u00001')];
  };
  // The CLI also commits on its own, after a batch printed 5 s or more after its last commit (or
  // its start: on a loaded machine its first batch comes that late). Only a revocation can bring
  // offsets that lag what was printed up to it, so the second member joins once both lag: while
  // a periodic commit has caught up, one more record of each partition is printed.
  const ends: [bigint, bigint] = [5n, 3n];
  const show = (offsets: readonly (bigint | undefined)[]): string => offsets.map((o) => (o === undefined ? 'none' : String(o))).join(', ');
  for (;;) {
    const before = await committed();
    if ((before[0] ?? -1n) < ends[0] && (before[1] ?? -1n) < ends[1]) break;
    if (left() === 0) throw new Error(`the CLI's own commits kept up with what it printed (${show(before)} of ${show(ends)}): a revocation's commit cannot be told from them`);
    t.log(`a periodic commit caught up (${show(before)} committed of ${show(ends)} printed): one more record of each partition`);
    const more = [`a${ends[0]}`, `b${ends[1]}`] as const;
    const produced = await Promise.all([produce(wire, 'events', 0, valuesBatch([more[0]])), produce(wire, 'events', 1, valuesBatch([more[1]]))]);
    t.deepEqual(produced.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.NONE]);
    await printed(more);
    ends[0]++;
    ends[1]++;
  }

  other.subscribe(['events']);
  const seen: string[] = [];
  const reading = (async () => {
    for await (const batch of other) for (const record of batch.records) seen.push(record.value?.toString() ?? '');
  })();
  await waitFor(() => other.assignment().length === 1, { timeoutMs: left(), gaveUp: exited, describe: () => `the second member holds ${JSON.stringify(other.assignment())}; CLI stderr ${JSON.stringify(stderr)}` });
  t.deepEqual(await committed(), ends);
  // Its partition's next record is the first it reads: nothing the CLI printed is read again.
  const mine = other.assignment()[0]!.partition;
  const next = mine === 0 ? `a${ends[0]}` : `b${ends[1]}`;
  t.is((await produce(wire, 'events', mine, valuesBatch([next]))).errorCode, ErrorCode.NONE);
  await waitFor(() => seen.length > 0, { timeoutMs: left(), describe: () => 'the second member read nothing' });
  t.deepEqual(seen, [next]);
  await other.close();
  await reading;
});
