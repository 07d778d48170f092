/**
 * Drives Streams fixture apps (test/fixtures/streams-*-app.ts) as child processes, so a test can
 * kill -9 them, and reads what they left in the cluster: whole topics to their end (optionally
 * read_committed), committed offsets, and the aggregates a collect app's store holds.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { ExecutionContext } from 'ava';
import { Admin, Consumer } from '../../../client/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import type { OutputRecord } from './streams-fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures');

export interface CollectApp {
  readonly child: ChildProcess;
  readonly lines: string[];
  exited: boolean;
}

export interface CollectAppArgs {
  readonly bootstrap: string;
  readonly applicationId: string;
  readonly input: string;
  readonly output: string;
  readonly stateDir: string;
  readonly guarantee?: 'at_least_once' | 'exactly_once_v2';
}

export function spawnCollectApp(t: ExecutionContext, args: CollectAppArgs): CollectApp {
  return spawnFixture(t, 'streams-collect-app.ts', [args.bootstrap, args.applicationId, args.input, args.output, args.stateDir, args.guarantee ?? 'at_least_once']);
}

/** Runs `test/fixtures/<file>` with `argv` as a child process (killed at teardown); its stdout lines land in `lines`. */
export function spawnFixture(t: ExecutionContext, file: string, argv: readonly string[]): CollectApp {
  const child = spawn(process.execPath, ['--import=tsx', path.join(FIXTURES, file), ...argv], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const app: CollectApp = { child, lines: [], exited: false };
  readline.createInterface({ input: child.stdout }).on('line', (line) => app.lines.push(line));
  child.once('exit', () => {
    app.exited = true;
  });
  t.teardown(() => {
    if (!app.exited) child.kill('SIGKILL');
  });
  return app;
}

export async function untilExited(app: CollectApp): Promise<void> {
  if (app.exited) return;
  await new Promise((resolve) => app.child.once('exit', resolve));
}

export async function untilRunning(app: CollectApp): Promise<void> {
  await waitFor(() => app.lines.includes('state RUNNING'), { timeoutMs: 30_000, gaveUp: () => app.exited, describe: () => `the app to run; it said ${app.lines.join(' | ')}` });
}

export async function kill(app: CollectApp, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  app.child.kill(signal);
  await untilExited(app);
}

/** Asks the app for its store: key → the input indexes its aggregate holds. */
export async function dumpStore(app: CollectApp): Promise<Map<string, number[]>> {
  const from = app.lines.length;
  app.child.stdin!.write('dump\n');
  await waitFor(() => app.lines.indexOf('dumped', from) >= 0, { timeoutMs: 10_000, gaveUp: () => app.exited, describe: () => 'the store dump' });
  const out = new Map<string, number[]>();
  for (const line of app.lines.slice(from)) {
    const match = /^store (\S+) ?(.*)$/.exec(line);
    if (match !== null) out.set(match[1]!, match[2] === '' ? [] : match[2]!.split(',').map(Number));
  }
  return out;
}

/** `restore <partition> <start> <end> <total>` lines the app printed since line `from`. */
export function restores(app: CollectApp, from = 0): { partition: number; start: bigint; end: bigint; total: number }[] {
  return app.lines.slice(from).flatMap((line) => {
    const match = /^restore (\d+) (-?\d+) (-?\d+) (\d+)$/.exec(line);
    return match === null ? [] : [{ partition: Number(match[1]), start: BigInt(match[2]!), end: BigInt(match[3]!), total: Number(match[4]) }];
  });
}

/** The indexes a bitmap aggregate holds. */
export function bitsOf(bitmap: Buffer | null): number[] {
  const text = bitmap?.toString('latin1') ?? '';
  const out: number[] = [];
  for (let i = text.indexOf('1'); i >= 0; i = text.indexOf('1', i + 1)) out.push(i);
  return out;
}

/** Every record of `topic` up to its end offsets as of the call, each partition in offset order. */
export async function readToEnd(bootstrap: string, topic: string, isolationLevel: 'read_uncommitted' | 'read_committed' = 'read_uncommitted'): Promise<OutputRecord[]> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  let ends: { partition: number; end: bigint }[];
  try {
    const [description] = await admin.describeTopics([topic]);
    const partitions = description!.partitions.map((p) => p.partition);
    const listed = await admin.listOffsets(partitions.map((partition) => ({ topic, partition, timestamp: 'latest' as const })));
    ends = partitions.map((partition, i) => ({ partition, end: listed[i]!.offset }));
  } finally {
    await admin.close();
  }
  const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 50, isolationLevel, autoCommit: false });
  await consumer.connect();
  await consumer.assign(ends.map(({ partition }) => ({ topic, partition, offset: 0n })));
  const records: OutputRecord[] = [];
  let failure: Error | undefined;
  let done = false;
  // Past each end offset: control records and aborted data move the position without records.
  const atEnd = (): boolean => ends.every(({ partition, end }) => (consumer.position(topic, partition) ?? 0n) >= end);
  const loop = (async () => {
    try {
      if (atEnd()) return;
      for await (const batch of consumer) {
        for (const r of batch.records) records.push({ ...r, topic: batch.topic, partition: batch.partition });
        if (atEnd()) break;
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      done = true;
    }
  })();
  try {
    await waitFor(() => done || atEnd(), { timeoutMs: 20_000, describe: () => `topic '${topic}' read to its end; read ${records.length}` });
  } finally {
    await consumer.close();
    await loop;
  }
  if (failure !== undefined) throw failure;
  return records;
}

/** A connected Admin, closed when the test ends: polls that reuse it see a commit sooner. */
export async function openAdmin(t: ExecutionContext, bootstrap: string): Promise<Admin> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  t.teardown(() => admin.close());
  return admin;
}

/** The group's committed offset per partition of `topic` (-1n: none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchCommittedOffsets(groupId, [topic]);
  return new Map(offsets.map((o) => [o.partition, o.offset]));
}
