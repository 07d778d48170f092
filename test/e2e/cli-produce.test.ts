/**
 * `brook produce` and `brook perf produce` as a user runs them: a child process against a
 * real broker; what it wrote is read back over the wire and compared exactly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import { CompressionCodec } from '../../core/records/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import type { WireClient } from '../helpers/kafka-wire.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { wireBatches, wireClient } from '../interop/kafkajs-helpers.ts';
import type { StoredBatch } from '../interop/kafkajs-helpers.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `brook ARGS` with `stdin` as its input, to completion. */
function brook(args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', 'cli/main.ts', ...args], { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

async function createTopic(client: WireClient, name: string, numPartitions: number): Promise<void> {
  const response = await client.request(ApiKey.CREATE_TOPICS, 4, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  if (response.topics[0]?.errorCode !== ErrorCode.NONE) throw new Error(`create topic ${name} failed`);
}

/** The partition's batches once `records` records are visible (acks=1 answers before the fsync that makes them visible). */
async function visibleBatches(wire: WireClient, topic: string, records: number): Promise<StoredBatch[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const batches = await wireBatches(wire, topic, 0);
    if (batches.reduce((n, b) => n + b.records.length, 0) >= records || Date.now() > deadline) return batches;
  }
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

test('brook produce sends stdin lines with keys and headers', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'lines', 1);
  const run = await brook(['produce', 'lines', '--bootstrap-server', broker.bootstrap, '--key-separator', ':', '--headers', 'source=cli,empty='], 'k1:first\nk2:second: with colon\n:no key\n');
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, '');
  const records = (await wireBatches(wire, 'lines', 0)).flatMap((b) => b.records);
  t.deepEqual(
    records.map((r) => ({ key: text(r.key), value: text(r.value), headers: r.headers.map((h) => `${h.key}=${text(h.value) ?? 'null'}`) })),
    [
      { key: 'k1', value: 'first', headers: ['source=cli', 'empty='] },
      { key: 'k2', value: 'second: with colon', headers: ['source=cli', 'empty='] },
      { key: '', value: 'no key', headers: ['source=cli', 'empty='] },
    ],
  );
});

test('brook produce --file sends the file\'s lines, compressed as asked, keyless', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'from-file', 1);
  const file = path.join(tempDir(t), 'lines.txt');
  const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const run = await brook(['produce', 'from-file', '--bootstrap-server', broker.bootstrap, '--file', file, '--compression', 'zstd', '--acks', '1']);
  t.is(run.code, 0, run.stderr);
  const batches = await visibleBatches(wire, 'from-file', lines.length);
  t.deepEqual(
    batches.flatMap((b) => b.records.map((r) => [text(r.key), text(r.value)])),
    lines.map((l) => [null, l]),
  );
  t.true(batches.every((b) => (b.header.attributes & 0x07) === CompressionCodec.zstd));
});

test('brook produce fails with one line on a line without the key separator, and on an unknown topic', async (t) => {
  const broker = await startTestBroker(t, { autoCreateTopics: false });
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'strict', 1);
  const bad = await brook(['produce', 'strict', '--bootstrap-server', broker.bootstrap, '--key-separator', '='], 'a=1\nno separator here\n');
  t.is(bad.code, 1);
  t.is(bad.stderr, "brook: line 2 has no key separator '=' (ERR_PRODUCE_INPUT)\n");
  const [unknown, perfUnknown] = await Promise.all([
    brook(['produce', 'no-such-topic', '--bootstrap-server', broker.bootstrap], 'x\n'),
    brook(['perf', 'produce', '--topic', 'no-such-topic', '--num-records', '10', '--record-size', '10', '--bootstrap-server', broker.bootstrap]),
  ]);
  for (const run of [unknown, perfUnknown]) {
    t.is(run.code, 1);
    t.is(run.stdout, '');
    t.regex(run.stderr, /^brook: .*no-such-topic.*UNKNOWN_TOPIC_OR_PARTITION.*\n$/);
    t.is(run.stderr.split('\n').length, 2, 'one line');
  }
});

test('brook perf produce prints kafka-producer-perf-test\'s summary line, and the records are there', async (t) => {
  const broker = await startTestBroker(t);
  const wire = await wireClient(t, broker.port);
  await createTopic(wire, 'perf', 1);
  const run = await brook(['perf', 'produce', '--topic', 'perf', '--num-records', '3000', '--record-size', '50', '--bootstrap-server', broker.bootstrap, '--compression', 'lz4']);
  t.is(run.code, 0, run.stderr);
  t.regex(
    run.stdout,
    /^3000 records sent, \d+\.\d records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d\d ms avg latency, \d+\.\d\d ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.\n$/,
  );
  const batches = await visibleBatches(wire, 'perf', 3000);
  const values = batches.flatMap((b) => b.records.map((r) => r.value));
  t.is(values.length, 3000);
  t.true(values.every((v) => v !== null && v.length === 50 && /^[A-Z]{50}$/.test(v.toString('latin1'))));
  t.true(batches.every((b) => (b.header.attributes & 0x07) === CompressionCodec.lz4));
});

test('brook perf produce refuses bad flags with one line', async (t) => {
  const run = await brook(['perf', 'produce', '--topic', 't', '--num-records', 'many', '--record-size', '10']);
  t.is(run.code, 1);
  t.is(run.stderr, "brook: --num-records must be an integer >= 1, not 'many' (ERR_PRODUCE_USAGE)\n");
});

/** The line every client command prints when nothing listens at the bootstrap server (port 1 is privileged and never a broker here). */
const UNREACHABLE = 'brook: no bootstrap server could be reached: cannot connect to a broker at 127.0.0.1:1: connection refused (is a broker listening there?) (ERR_CLIENT_CONNECT)\n';

test('produce and perf produce fail with one line and exit code 1: an unreachable server, a bad flag value, a missing file', async (t) => {
  const missing = path.join(tempDir(t), 'missing.txt');
  const perf = ['perf', 'produce', '--topic', 't', '--num-records', '10', '--record-size', '10'];
  const cases: [string[], string][] = [
    [['produce', 't', '--bootstrap-server', '127.0.0.1:1'], UNREACHABLE],
    [[...perf, '--bootstrap-server', '127.0.0.1:1'], UNREACHABLE],
    [['produce', 't', '--acks', '7'], "brook: --acks must be 0, 1, all or -1, not '7' (ERR_PRODUCE_USAGE)\n"],
    [['produce', 't', '--batch-size', '99999999999'], 'brook: --batch-size must be at most 2147483647, not 99999999999 (ERR_PRODUCE_USAGE)\n'],
    [['produce', 't', '--key-separator', ''], 'brook: --key-separator must not be empty (ERR_PRODUCE_USAGE)\n'],
    [['produce', 't', '--file', missing], `brook: cannot read ${missing}: ENOENT: no such file or directory, open '${missing}' (ERR_PRODUCE_INPUT)\n`],
    [[...perf, '--throughput', '0'], "brook: --throughput must be a positive number of records/sec, or -1 for no limit, not '0' (ERR_PRODUCE_USAGE)\n"],
    [[...perf, '--compression', 'lzma'], "brook: --compression must be one of none, gzip, snappy, lz4, zstd, not 'lzma' (ERR_PRODUCE_USAGE)\n"],
    [['perf', 'produce', '--num-records', '10', '--record-size', '10'], 'brook: brook perf produce needs --topic (ERR_PRODUCE_USAGE)\n'],
  ];
  const runs = await Promise.all(cases.map(([args]) => brook(args, 'x\n')));
  runs.forEach((run, i) => {
    const [args, stderr] = cases[i]!;
    t.deepEqual(run, { code: 1, stdout: '', stderr }, args.join(' '));
  });
});

test('produce names the file when reading it fails after it opened', async (t) => {
  const broker = await startTestBroker(t);
  const dir = tempDir(t);
  const run = await brook(['produce', 't', '--file', dir, '--bootstrap-server', broker.bootstrap]);
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.is(run.stderr, `brook: cannot read ${dir}: EISDIR: illegal operation on a directory, read (ERR_PRODUCE_INPUT)\n`);
});
