import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Admin, Consumer, Producer } from '../client/index.ts';
import type { ProducerRecord } from '../client/index.ts';
import { KafkaStreams, Serdes, StreamsBuilder, TimeWindows, WindowedSerdes, int64NumberSerde } from '../streams/index.ts';
import { startBrokerProcess } from './broker-process.ts';
import { MB, printEnvironment, printTable } from './report.ts';

/**
 * A Brook Streams app against the plain client loop doing the same work: topic → filter →
 * mapValues → topic over 100-byte JSON click records (9 in 10 pass the filter), one app
 * instance in its own process and a broker in another. A run is timed from the first record
 * the app reads (it prints the time) to the moment the output topic's log end offsets hold
 * every output record (polled with ListOffsets; acks=all answers once the data is visible).
 * Each mode runs three times on fresh topics and group; the median is shown, with the app's CPU
 * time per record (user + system, from its first record on), which load from other processes
 * moves far less than the wall-clock rate. Usage:
 *   npm run bench:streams -- [records] [partitions]
 * BENCH_CHILD_NODE_ARGS adds node options to the app process, e.g. "--cpu-prof --cpu-prof-dir=prof".
 *
 * `npm run bench:streams -- stateful [records]` runs the stateful benches instead: a 1-minute
 * tumbling-window count over 10,000 keys (app in its own process, timed from its first record to
 * the group's committed offsets covering the whole input, so every window update is acknowledged),
 * the restore of a 1,000,000-entry key-value store from its changelog, and the restart of that
 * store from its checkpoint with 10,000 new changelog entries.
 *
 * `npm run bench:streams -- eos [records]` runs the stateless topology above under at_least_once
 * and under exactly_once_v2, both committing every 100 ms (exactly-once's default), each timed
 * from the first record read to the group's committed offsets covering the whole input (under
 * exactly-once, the commit of the transaction that holds the last output), and prints the ratio.
 */

const RECORDS = Number(process.argv[2] ?? 2_000_000);
// `stateful [records]` and `eos [records]` take the records from argv[3]: partitions stay 4 there.
const PARTITIONS = process.argv[2] === 'stateful' || process.argv[2] === 'eos' ? 4 : Number(process.argv[3] ?? 4);
const ROUNDS = 3;
const RECORD_SIZE = 100;

type Mode = 'streams' | 'client';

interface Click {
  readonly user: string;
  readonly page: string;
  readonly n: number;
  readonly pad: string;
}

/** The record bodies: JSON of exactly RECORD_SIZE bytes; every tenth is a page the filter drops. */
function clickValue(n: number): Buffer {
  const base = { user: `u${n % 1000}`, page: n % 10 === 0 ? '/health' : `/p/${n % 50}`, n, pad: '' };
  const length = Buffer.byteLength(JSON.stringify(base));
  return Buffer.from(JSON.stringify({ ...base, pad: 'x'.repeat(Math.max(0, RECORD_SIZE - length)) }));
}

const keep = (click: Click | null): boolean => click !== null && click.page !== '/health';
const expectedOutputs = (records: number): number => records - Math.ceil(records / 10);

// ---- the app process -------------------------------------------------------------------------

let cpuAtFirst: NodeJS.CpuUsage | undefined;

/** Says when the first record was read, and starts counting the app's CPU time from there. */
function markFirst(): void {
  cpuAtFirst = process.cpuUsage();
  process.stdout.write(`first ${process.hrtime.bigint()}\n`);
}

/** CPU time (user + system) the app spent since its first record: a figure that other load on the machine hardly moves. */
function reportCpu(): void {
  if (cpuAtFirst === undefined) return;
  const used = process.cpuUsage(cpuAtFirst);
  process.stdout.write(`cpu ${used.user + used.system}\n`);
}

type Guarantee = 'at_least_once' | 'exactly_once_v2';

async function runStreamsApp(bootstrap: string, input: string, output: string, guarantee?: Guarantee): Promise<void> {
  let first = true;
  const builder = new StreamsBuilder();
  builder
    .stream(input, { keySerde: Serdes.String(), valueSerde: Serdes.Json<Click>() })
    .filter((_key, click) => {
      if (first) {
        first = false;
        markFirst();
      }
      return keep(click);
    })
    .mapValues((click) => ({ user: click!.user, page: click!.page, n: click!.n }))
    .to(output, { keySerde: Serdes.String(), valueSerde: Serdes.Json() });
  const compared = guarantee === undefined ? {} : { processingGuarantee: guarantee, commitIntervalMs: 100, stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-state-')) };
  const app = new KafkaStreams(builder.build(), { applicationId: `bench-${input}`, bootstrapServers: bootstrap, ...compared });
  process.once('SIGTERM', () => {
    reportCpu();
    void app.close().then(() => process.exit(0));
  });
  await app.start();
}

/** What a user would write with the client alone: consume a batch, transform, sendBatch, repeat. */
async function runClientLoop(bootstrap: string, input: string, output: string): Promise<void> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, groupId: `bench-${input}`, autoOffsetReset: 'earliest' });
  const producer = new Producer({ bootstrapServers: bootstrap });
  await Promise.all([consumer.connect(), producer.connect()]);
  consumer.subscribe([input]);
  process.once('SIGTERM', () => {
    reportCpu();
    void Promise.all([consumer.close(), producer.close()]).then(() => process.exit(0));
  });
  let first = true;
  for await (const batch of consumer) {
    if (first) {
      first = false;
      markFirst();
    }
    const out: ProducerRecord[] = [];
    for (const r of batch.records) {
      const click = r.value === null ? null : (JSON.parse(r.value.toString('utf8')) as Click);
      if (!keep(click)) continue;
      out.push({ topic: output, key: r.key, value: JSON.stringify({ user: click!.user, page: click!.page, n: click!.n }), timestamp: r.timestamp });
    }
    void producer.sendBatch(out);
    if (producer.waitingRecords > 0) await producer.waitForRoom();
  }
}

// ---- stateful benches ------------------------------------------------------------------------

const WINDOW_KEYS = 10_000;

async function runWindowApp(bootstrap: string, input: string, output: string): Promise<void> {
  let first = true;
  const S = Serdes.String();
  const builder = new StreamsBuilder();
  builder
    .stream(input, { keySerde: S, valueSerde: Serdes.Bytes() })
    .peek(() => {
      if (first) {
        first = false;
        markFirst();
      }
    })
    .groupByKey({ keySerde: S, valueSerde: Serdes.Bytes() })
    .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
    .count()
    .toStream()
    .to(output, { keySerde: WindowedSerdes.timeWindowed(S, 60_000), valueSerde: int64NumberSerde() });
  const app = new KafkaStreams(builder.build(), { applicationId: `bench-${input}`, bootstrapServers: bootstrap, commitIntervalMs: 200, stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-state-')) });
  process.once('SIGTERM', () => {
    reportCpu();
    void app.close().then(() => process.exit(0));
  });
  await app.start();
}

async function windowedCount(bootstrap: string, records: number): Promise<{ rate: number; cpuPerRecord: number }> {
  // Event time spans ten minutes (ten windows per key), a little out of order within each second.
  const load = async (input: string): Promise<void> => {
    const producer = new Producer({ bootstrapServers: bootstrap, acks: 1 });
    await producer.connect();
    const base = 1_700_000_000_000;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < records; i += 1000) {
      const batch: ProducerRecord[] = [];
      for (let n = i; n < Math.min(records, i + 1000); n++) {
        const key = `k${n % WINDOW_KEYS}`;
        batch.push({ topic: input, key, value: Buffer.alloc(20), timestamp: base + Math.floor((n / records) * 600_000) - (n % 7) * 100 });
      }
      pending.push(producer.sendBatch(batch));
      if (producer.waitingRecords > 0) await producer.waitForRoom();
    }
    await Promise.all(pending);
    await producer.close();
  };
  return timedAppRun({ bootstrap, mode: 'window', input: 'window-in', output: 'window-out', records, load, pollMs: 20, nodeArgs: [], whenDone: inputCommitted });
}

/** The check that the app (group `bench-<input>`) has committed its whole input, as loaded now. */
async function inputCommitted(admin: Admin, input: string): Promise<() => Promise<boolean>> {
  const ends = await admin.listOffsets(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: input, partition, timestamp: 'latest' as const })));
  return async () => {
    const committed = await admin.fetchCommittedOffsets(`bench-${input}`, [input]);
    return committed.length === PARTITIONS && committed.every((c) => c.offset >= ends.find((e) => e.partition === c.partition)!.offset);
  };
}

/** A store of `entries` distinct keys, its changelog written directly, then restored by a starting app. */
async function restore(bootstrap: string, entries: number, tail: number): Promise<{ fullRate: number; fullMs: number; restartMs: number; tailRestored: number }> {
  const appId = 'bench-restore';
  const changelog = `${appId}-kv-changelog`;
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  await admin.createTopics([
    { topic: 'restore-in', numPartitions: 1 },
    { topic: changelog, numPartitions: 1, configs: { 'cleanup.policy': 'compact' } },
  ]);
  await admin.close();
  const write = async (from: number, to: number): Promise<void> => {
    const producer = new Producer({ bootstrapServers: bootstrap, acks: 1 });
    await producer.connect();
    const pending: Promise<unknown>[] = [];
    const count = Buffer.alloc(8);
    count.writeBigInt64BE(1n);
    for (let i = from; i < to; i += 1000) {
      const batch: ProducerRecord[] = [];
      // A count store's changelog value: Kafka's timestamped format is the serde's bytes here.
      for (let n = i; n < Math.min(to, i + 1000); n++) batch.push({ topic: changelog, partition: 0, key: `key-${n}`, value: count, timestamp: 1 });
      pending.push(producer.sendBatch(batch));
      if (producer.waitingRecords > 0) await producer.waitForRoom();
    }
    await Promise.all(pending);
    await producer.close();
  };
  await write(0, entries);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-restore-'));
  const topology = (): ReturnType<StreamsBuilder['build']> => {
    const builder = new StreamsBuilder();
    builder.stream('restore-in', { keySerde: Serdes.String(), valueSerde: Serdes.String() }).groupByKey().count({ storeName: 'kv' });
    return builder.build();
  };
  const timed = async (): Promise<{ ms: number; restored: number; restoreMs: number; fromAssignedMs: number }> => {
    const app = new KafkaStreams(topology(), { applicationId: appId, bootstrapServers: bootstrap, stateDir, defaultKeySerde: Serdes.String(), defaultValueSerde: Serdes.String() });
    let restored = 0;
    let began = 0n;
    let restoreMs = 0;
    // Tasks are created (and restore begins) when the group assigns them, which the broker delays
    // by its initial rebalance delay: time from there, not from start().
    let assignedAt = 0n;
    let fromAssignedMs = 0;
    app.setStateListener((state) => {
      if (state === 'RUNNING' && assignedAt === 0n) assignedAt = process.hrtime.bigint();
    });
    const done = new Promise<void>((resolve) => {
      app.setGlobalStateRestoreListener({
        onRestoreStart: () => {
          began = process.hrtime.bigint();
        },
        onRestoreEnd: (_t, _p, _s, total) => {
          restored = total;
          const now = process.hrtime.bigint();
          restoreMs = Number(now - began) / 1e6;
          fromAssignedMs = Number(now - assignedAt) / 1e6;
          resolve();
        },
      });
    });
    const t0 = process.hrtime.bigint();
    await app.start();
    await done;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    await app.close();
    return { ms, restored, restoreMs, fromAssignedMs };
  };
  try {
    const full = await timed();
    await write(entries, entries + tail);
    const restart = await timed();
    return { fullRate: full.restored / (full.restoreMs / 1000), fullMs: full.fromAssignedMs, restartMs: restart.fromAssignedMs, tailRestored: restart.restored };
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function mainStateful(records: number): Promise<void> {
  printEnvironment(`bench:streams stateful: ${records.toLocaleString('en-US')} records over ${WINDOW_KEYS.toLocaleString('en-US')} keys, ${PARTITIONS} partitions, 1-minute tumbling windows; restore of 1,000,000 entries; app and broker in their own processes (restore: in this process)`);
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-streams-'));
  const broker = await startBrokerProcess(path.join(work, 'data'));
  const bootstrap = `127.0.0.1:${broker.port}`;
  try {
    const w = await windowedCount(bootstrap, records);
    console.log(`windowed count: ${Math.round(w.rate).toLocaleString('en-US')} records/s, app CPU ${w.cpuPerRecord.toFixed(2)} µs/record (floor ≥ 150,000)`);
    const r = await restore(bootstrap, 1_000_000, 10_000);
    console.log(`restore of 1,000,000 entries: ${Math.round(r.fullMs)} ms from assignment to restored; reading the changelog into the store: ${Math.round(r.fullRate).toLocaleString('en-US')} entries/s (floor ≥ 500,000)`);
    console.log(`restart from checkpoint + ${r.tailRestored.toLocaleString('en-US')} new changelog entries: ${Math.round(r.restartMs)} ms from assignment to restored (checkpoint and snapshot read, snapshot loaded, tail read)`);
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await broker.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---- exactly-once against at-least-once ----------------------------------------------------------

const median = (runs: number[]): number => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;

/** One timed run of the stateless app under `guarantee`: records/s from the first record read to the whole input committed. */
async function runGuarantee(bootstrap: string, guarantee: Guarantee, round: number, records: number): Promise<{ rate: number; cpuPerRecord: number }> {
  return timedAppRun({ bootstrap, mode: guarantee, input: `${guarantee}-in-${round}`, output: `${guarantee}-out-${round}`, records, nodeArgs: [], whenDone: inputCommitted });
}

async function mainEos(records: number): Promise<void> {
  printEnvironment(
    `bench:streams eos: ${records.toLocaleString('en-US')} records of ${RECORD_SIZE} bytes (JSON), ${PARTITIONS} partitions, filter → mapValues → topic under at_least_once and exactly_once_v2, commitIntervalMs 100 both; app and broker in their own processes`,
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-streams-'));
  const broker = await startBrokerProcess(path.join(work, 'data'));
  const bootstrap = `127.0.0.1:${broker.port}`;
  const guarantees = ['at_least_once', 'exactly_once_v2'] as const;
  const runs: Record<Guarantee, number[]> = { at_least_once: [], exactly_once_v2: [] };
  const cpu: Record<Guarantee, number[]> = { at_least_once: [], exactly_once_v2: [] };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const guarantee of guarantees) {
        const result = await runGuarantee(bootstrap, guarantee, round, records);
        runs[guarantee].push(result.rate);
        cpu[guarantee].push(result.cpuPerRecord);
      }
    }
  } finally {
    await broker.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  printTable(
    [
      { header: 'processingGuarantee', align: 'left' },
      { header: 'records/s', align: 'right' },
      { header: 'app CPU µs/record', align: 'right' },
      { header: 'records/s per run', align: 'left' },
    ],
    guarantees.map((g) => [g, fmt(median(runs[g])), median(cpu[g]).toFixed(2), runs[g].map(fmt).join(' / ')]),
  );
  console.log('');
  console.log(
    `exactly_once_v2 / at_least_once: ${(median(runs.exactly_once_v2) / median(runs.at_least_once)).toFixed(2)}x the throughput, ${(median(cpu.exactly_once_v2) / median(cpu.at_least_once)).toFixed(2)}x the CPU per record`,
  );
}

// ---- the driver ------------------------------------------------------------------------------

async function preload(bootstrap: string, topic: string, total = RECORDS): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap, acks: 1 });
  await producer.connect();
  const chunk = 1000;
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < total; i += chunk) {
    const records: ProducerRecord[] = [];
    for (let n = i; n < Math.min(total, i + chunk); n++) records.push({ topic, partition: n % PARTITIONS, key: `u${n % 1000}`, value: clickValue(n) });
    pending.push(producer.sendBatch(records));
    if (producer.waitingRecords > 0) await producer.waitForRoom();
  }
  await Promise.all(pending);
  await producer.close();
}

async function outputCount(admin: Admin, topic: string): Promise<number> {
  const ends = await admin.listOffsets(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, timestamp: 'latest' as const })));
  return ends.reduce((sum, e) => sum + Number(e.offset), 0);
}

interface TimedAppRun {
  readonly bootstrap: string;
  /** The child's mode: a Mode, a Guarantee or `window`. */
  readonly mode: string;
  /** Fresh topics of PARTITIONS partitions each, deleted after the run. */
  readonly input: string;
  readonly output: string;
  /** Input records loaded, and the count the rate is of. */
  readonly records: number;
  /** Writes the input; default preload(). */
  readonly load?: (input: string) => Promise<void>;
  /** How often whenDone's check runs; default 5 ms. */
  readonly pollMs?: number;
  /** Node options of the child beyond this process's own. */
  readonly nodeArgs: readonly string[];
  /** Called once the input is loaded, before the app starts: the check that says the run is over. */
  readonly whenDone: (admin: Admin, input: string, output: string) => Promise<() => Promise<boolean>>;
}

/**
 * One timed run of this file as a child app: records/s from the first record the child read (it prints `first <ns>`)
 * until `whenDone`'s check holds, and the child's CPU per record (it prints `cpu <µs>` as it exits).
 */
async function timedAppRun(o: TimedAppRun): Promise<{ rate: number; cpuPerRecord: number }> {
  const { input, output } = o;
  const admin = new Admin({ bootstrapServers: o.bootstrap });
  await admin.connect();
  await admin.createTopics([
    { topic: input, numPartitions: PARTITIONS },
    { topic: output, numPartitions: PARTITIONS },
  ]);
  await (o.load ?? ((topic: string) => preload(o.bootstrap, topic, o.records)))(input);
  const done = await o.whenDone(admin, input, output);
  const child = spawn(process.execPath, [...process.execArgv, ...o.nodeArgs, import.meta.filename, '--child', o.mode, o.bootstrap, input, output], { stdio: ['ignore', 'pipe', 'inherit'] });
  let started: bigint | undefined;
  let cpuMicros: number | undefined;
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const match = /^first (\d+)$/.exec(line);
    if (match !== null) started = BigInt(match[1]!);
    const cpu = /^cpu (\d+)$/.exec(line);
    if (cpu !== null) cpuMicros = Number(cpu[1]);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let failed: number | null | undefined;
  void exited.then((code) => (failed = code));
  try {
    for (;;) {
      if (failed !== undefined) throw new Error(`the ${o.mode} app exited with code ${failed}`);
      if (await done()) break;
      await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? 5));
    }
    const ended = process.hrtime.bigint();
    child.kill('SIGTERM');
    await exited;
    if (started === undefined) throw new Error(`the ${o.mode} app did not say when it read its first record`);
    return { rate: o.records / (Number(ended - started) / 1e9), cpuPerRecord: (cpuMicros ?? Number.NaN) / o.records };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await admin.deleteTopics([input, output]).catch(() => undefined);
    await admin.close();
  }
}

/** One timed run: records/s from the first record read to the last output visible. */
async function run(bootstrap: string, mode: Mode, round: number): Promise<{ rate: number; cpuPerRecord: number }> {
  const want = expectedOutputs(RECORDS);
  return timedAppRun({
    bootstrap,
    mode,
    input: `${mode}-in-${round}`,
    output: `${mode}-out-${round}`,
    records: RECORDS,
    nodeArgs: process.env['BENCH_CHILD_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [],
    whenDone: (admin, _input, output) => Promise.resolve(async () => (await outputCount(admin, output)) >= want),
  });
}

async function main(): Promise<void> {
  printEnvironment(
    `bench:streams: ${RECORDS.toLocaleString('en-US')} records of ${RECORD_SIZE} bytes (JSON), ${PARTITIONS} partitions, filter (keeps 9 in 10) → mapValues → topic; app and broker in their own processes`,
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-streams-'));
  const broker = await startBrokerProcess(path.join(work, 'data'));
  const bootstrap = `127.0.0.1:${broker.port}`;
  const runs: Record<Mode, number[]> = { streams: [], client: [] };
  const cpu: Record<Mode, number[]> = { streams: [], client: [] };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of ['streams', 'client'] as const) {
        const result = await run(bootstrap, mode, round);
        runs[mode].push(result.rate);
        cpu[mode].push(result.cpuPerRecord);
      }
    }
  } finally {
    await broker.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const row = (what: string, mode: Mode, floor: string): string[] => [
    what,
    fmt(median(runs[mode])),
    ((median(runs[mode]) * RECORD_SIZE) / MB).toFixed(1),
    median(cpu[mode]).toFixed(2),
    runs[mode].map(fmt).join(' / '),
    floor,
  ];
  printTable(
    [
      { header: 'pipeline', align: 'left' },
      { header: 'records/s', align: 'right' },
      { header: 'MB/s in', align: 'right' },
      { header: 'app CPU µs/record', align: 'right' },
      { header: 'records/s per run', align: 'left' },
      { header: 'floor', align: 'right' },
    ],
    [row('Brook Streams: filter → mapValues → to', 'streams', '≥ 300,000'), row('plain client: consume → sendBatch loop', 'client', '–')],
  );
  console.log('');
  console.log(
    `Streams / plain client: ${(median(runs.streams) / median(runs.client)).toFixed(2)}x the throughput, ${(median(cpu.streams) / median(cpu.client)).toFixed(2)}x the CPU per record`,
  );
}

if (process.argv[2] === '--child') {
  const [mode, bootstrap, input, output] = process.argv.slice(3) as [Mode | Guarantee | 'window', string, string, string];
  if (mode === 'window') await runWindowApp(bootstrap, input, output);
  else if (mode === 'streams') await runStreamsApp(bootstrap, input, output);
  else if (mode === 'client') await runClientLoop(bootstrap, input, output);
  else await runStreamsApp(bootstrap, input, output, mode);
} else if (process.argv[2] === 'stateful') {
  await mainStateful(Number(process.argv[3] ?? 2_000_000));
} else if (process.argv[2] === 'eos') {
  await mainEos(Number(process.argv[3] ?? 1_000_000));
} else {
  await main();
}
