/**
 * The MySQL/MariaDB connector's figures through the topic: a private MariaDB, `brook broker` in
 * its own process, and Connect's worker (StandaloneHerder in this process) running the
 * connector with the JSON converter, as a Debezium user has it: with schemas (the default), and
 * with value.converter.schemas.enable=false. Every figure counts records the broker acknowledged:
 * the topic's end offset, or a consumer reading it. Each mode runs `BENCH_RUNS` times (default 3)
 * on a table and topic of its own; the table shows the median and every run.
 *
 * - snapshot: rows/s from createConnector to the last snapshot row in the topic;
 * - catch-up: `changes` row changes (inserts, then updates of them) written while the connector
 *   was stopped (PUT /stop: offsets kept), then changes/s from resume to the last one in the topic;
 * - latency: one autocommitted INSERT per ms for 10 s; INSERT sent → record read from the topic by
 *   a consumer (the commit, the binlog, the worker, the broker and the fetch are all inside);
 * - CPU per change during the catch-up, of this process (the worker) and of the broker's: on a
 *   loaded machine, the figure that other work on it does not change;
 * - the reference: the first catch-up's binlog files decoded by `mariadb-binlog -v` and by
 *   Brook's decoder alone, i.e. what merely reading those files costs.
 *
 *   npm run bench:cdc [-- changes]   (default 1,000,000; the snapshot has min(changes, 500,000) rows)
 *   BENCH_RUNS=1 runs each mode once; BENCH_PRODUCER=linger.ms=5,compression.type=lz4 sets
 *   producer.override.* for the task's producer; BENCH_CPU_PROF_DIR=dir writes the broker's CPU profile
 *   there and prints each phase's bounds in the profiles' clock (run this process with --cpu-prof).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import { Admin, Consumer } from '../client/index.ts';
import { KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig } from '../connect/runtime/index.ts';
import { systemScheduler } from '../core/base/index.ts';
import { mysqlCdcPlugin } from '../connectors/mysql-cdc/index.ts';
import { decodeWithBrook, decodeWithMariadbBinlog } from './binlog-readers.ts';
import { startBrokerProcess } from './broker-process.ts';
import { startMariaDb } from './mariadb-process.ts';
import { fmt, fmtBytes, median, percentile, printEnvironment, printTable } from './report.ts';

const CHANGES = Number(process.argv[2] ?? 1_000_000);
const SNAPSHOT_ROWS = Math.min(CHANGES, 500_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const LATENCY_SECONDS = 10;
const PROFILE_DIR = process.env['BENCH_CPU_PROF_DIR'];
/** `BENCH_PRODUCER=linger.ms=5,compression.type=lz4`: producer.override.* settings for every run. */
const PRODUCER_OVERRIDES: Record<string, string> = Object.fromEntries(
  (process.env['BENCH_PRODUCER'] ?? '')
    .split(',')
    .filter((s) => s.includes('='))
    .map((s) => [`producer.override.${s.slice(0, s.indexOf('='))}`, s.slice(s.indexOf('=') + 1)]),
);
const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';

const MODES: readonly { readonly label: string; readonly config: Readonly<Record<string, string>> }[] = [
  { label: 'JSON with schemas (default)', config: {} },
  { label: 'value.converter.schemas.enable=false', config: { 'value.converter': JSON_CONVERTER, 'value.converter.schemas.enable': 'false' } },
];

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

async function insertRows(connection: Connection, table: string, rows: number, startId: number): Promise<void> {
  const batch = 5_000;
  for (let i = 0; i < rows; i += batch) {
    const values: string[] = [];
    for (let j = i; j < Math.min(rows, i + batch); j++) values.push(`(${startId + j}, 'name ${j}', ${j % 1000}.25, '2024-01-01 00:00:00.123456')`);
    await connection.query(`INSERT INTO bench.${table} VALUES ${values.join(',')}`);
  }
}

/** The topic's end offset: records the broker acknowledged. */
async function endOffset(admin: Admin, topic: string): Promise<bigint> {
  const [end] = await admin.listOffsets([{ topic, partition: 0, timestamp: 'latest' }]).catch(() => [undefined]);
  return end?.offset ?? 0n;
}

/** Seconds from `started` until the topic holds `count` records. */
async function untilEnd(admin: Admin, topic: string, count: bigint, started: number): Promise<number> {
  while ((await endOffset(admin, topic)) < count) await delay(10);
  return (performance.now() - started) / 1000;
}

async function binlogFiles(connection: Connection): Promise<string[]> {
  const [logs] = await connection.query('SHOW BINARY LOGS');
  return (logs as { Log_name: string }[]).map((l) => l.Log_name);
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN where there is none. */
function processCpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Prints a phase's bounds in the clock of V8's CPU profiles (monotonic µs), for slicing them. */
function markPhase(name: string, seconds: number): void {
  if (PROFILE_DIR === undefined) return;
  const end = process.hrtime.bigint() / 1000n;
  console.log(`phase ${name} ${end - BigInt(Math.round(seconds * 1e6))} ${end}`);
}

interface RunResult {
  readonly snapshotRowsPerS: number;
  readonly catchUpChangesPerS: number;
  readonly workerCpuUsPerChange: number;
  readonly brokerCpuUsPerChange: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
  readonly loadAverage: number;
  readonly catchUpFiles: string[];
}

interface Setup {
  readonly connection: Connection;
  readonly dataDir: string;
  readonly mariaDbPort: number;
  readonly bootstrap: string;
  readonly brokerPid: number;
  readonly admin: Admin;
}

/** One run on a table (and so a topic) of its own: snapshot, catch-up, latency. */
async function run(setup: Setup, mode: (typeof MODES)[number], id: number): Promise<RunResult> {
  const { connection: c, admin, bootstrap } = setup;
  const table = `t${id}`;
  const topic = `bench.bench.${table}`;
  const connector = `cdc${id}`;
  await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
  await c.query(`CREATE TABLE bench.${table} (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(10,2), seen DATETIME(6))`);
  await insertRows(c, table, SNAPSHOT_ROWS, 0);

  const herder = await StandaloneHerder.start({
    config: resolveWorkerConfig({ bootstrapServers: bootstrap, offsetFlushIntervalMs: 1000 }),
    connectorPlugins: [mysqlCdcPlugin],
    logs: new KafkaTopicLogFactory({ bootstrapServers: bootstrap, clientId: `bench-cdc-${id}`, replicationFactor: -1, scheduler: systemScheduler, logger: quiet }),
    scheduler: systemScheduler,
    logger: quiet,
    version: 'bench',
  });
  try {
    let t0 = performance.now();
    await herder.createConnector(connector, {
      'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
      'database.hostname': '127.0.0.1',
      'database.port': String(setup.mariaDbPort),
      'database.user': 'root',
      'database.server.id': String(5400 + id),
      'database.ssl.mode': 'disabled',
      'topic.prefix': 'bench',
      'table.include.list': `bench.${table}`,
      'schema.history.internal.kafka.topic': `bench-history-${id}`,
      'schema.history.internal.kafka.bootstrap.servers': bootstrap,
      'include.schema.changes': 'false',
      'max.batch.size': '4096',
      'max.queue.size': '32768',
      'poll.interval.ms': '20',
      ...PRODUCER_OVERRIDES,
      ...mode.config,
    });
    const snapshotS = await untilEnd(admin, topic, BigInt(SNAPSHOT_ROWS), t0);
    markPhase(`snapshot-${id}`, snapshotS);
    await herder.stopConnector(connector);

    // Catch-up: inserts, then updates of the same rows, written while the connector is stopped,
    // into binlog files of their own (FLUSH before and after) for the reference decoders.
    await c.query('FLUSH BINARY LOGS');
    const firstCatchUpFile = (await binlogFiles(c)).at(-1)!;
    const inserts = Math.ceil(CHANGES / 2);
    await insertRows(c, table, inserts, 10_000_000);
    const updates = CHANGES - inserts;
    for (let i = 0; i < updates; i += 50_000) {
      await c.query(`UPDATE bench.${table} SET name = CONCAT(name, '!') WHERE id >= ${10_000_000 + i} AND id < ${10_000_000 + Math.min(updates, i + 50_000)}`);
    }
    await c.query('FLUSH BINARY LOGS');
    const names = await binlogFiles(c);
    const catchUpFiles = names.slice(names.indexOf(firstCatchUpFile), -1).map((n) => path.join(setup.dataDir, n));

    const before = await endOffset(admin, topic);
    const workerCpu0 = ownCpuSeconds();
    const brokerCpu0 = processCpuSeconds(setup.brokerPid);
    t0 = performance.now();
    await herder.resumeConnector(connector);
    const catchUpS = await untilEnd(admin, topic, before + BigInt(CHANGES), t0);
    const workerCpuS = ownCpuSeconds() - workerCpu0;
    const brokerCpuS = processCpuSeconds(setup.brokerPid) - brokerCpu0;
    markPhase(`catch-up-${id}`, catchUpS);

    const latencies = await measureLatency(setup, table, topic);
    await herder.deleteConnector(connector);
    return {
      snapshotRowsPerS: SNAPSHOT_ROWS / snapshotS,
      catchUpChangesPerS: CHANGES / catchUpS,
      workerCpuUsPerChange: (workerCpuS * 1e6) / CHANGES,
      brokerCpuUsPerChange: (brokerCpuS * 1e6) / CHANGES,
      latencyP50: percentile(latencies, 50),
      latencyP99: percentile(latencies, 99),
      loadAverage: os.loadavg()[0]!,
      catchUpFiles,
    };
  } finally {
    await herder.close();
  }
}

/** A consumer at the topic's end; one committed insert per ms; INSERT sent → record read, in ms. */
async function measureLatency(setup: Setup, table: string, topic: string): Promise<number[]> {
  const consumer = new Consumer({ bootstrapServers: setup.bootstrap, maxWaitMs: 100 });
  await consumer.connect();
  try {
    await consumer.assign([{ topic, partition: 0, offset: await endOffset(setup.admin, topic) }]);
    const committedAt = new Map<number, number>();
    const latencies: number[] = [];
    const total = LATENCY_SECONDS * 1000;
    const reading = (async () => {
      const iterator = consumer[Symbol.asyncIterator]();
      while (latencies.length < total) {
        const next = await iterator.next();
        if (next.done === true) break;
        const now = performance.now();
        for (const record of next.value.records) {
          const id = (JSON.parse(record.key!.toString('utf8')) as { payload: { id: number } }).payload.id;
          const at = committedAt.get(id);
          if (at !== undefined) latencies.push(now - at);
        }
      }
    })();
    const startAt = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = startAt + i - performance.now();
      if (wait > 1) await delay(wait);
      const id = 20_000_000 + i;
      // From the INSERT's send (autocommit): the commit itself is inside the measured time.
      committedAt.set(id, performance.now());
      await setup.connection.query(`INSERT INTO bench.${table} VALUES (${id}, 'x', 1.00, '2024-01-01 00:00:00')`);
    }
    await reading;
    return latencies;
  } finally {
    await consumer.close();
  }
}

/** The median of a figure over runs, and every run's value. */
function summary(results: readonly RunResult[], pick: (r: RunResult) => number, decimals = 0): string {
  const values = results.map(pick);
  const all = values.map((v) => fmt(v, decimals)).join(', ');
  return results.length === 1 ? fmt(values[0]!, decimals) : `${fmt(median(values), decimals)} (${all})`;
}

async function main(): Promise<void> {
  printEnvironment(
    `bench:cdc: ${fmt(SNAPSHOT_ROWS)} snapshot rows, ${fmt(CHANGES)} catch-up changes, ${LATENCY_SECONDS} s at 1k changes/s, through the worker to the topic; ${RUNS} run(s) per converter mode`,
  );
  if (Object.keys(PRODUCER_OVERRIDES).length > 0) console.log(`connector settings: ${JSON.stringify(PRODUCER_OVERRIDES)}\n`);
  // Other work on the machine shows up in every figure: the load is printed beside them.
  const loadAtStart = os.loadavg()[0]!;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-cdc-'));
  const server = await startMariaDb(root, { maxBinlogSize: '256M' });
  const broker = await startBrokerProcess(path.join(root, 'broker'), [], PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]);
  const bootstrap = `127.0.0.1:${broker.port}`;
  const admin = new Admin({ bootstrapServers: bootstrap });
  try {
    await admin.connect();
    await server.connection.query('CREATE DATABASE bench');
    const setup: Setup = { connection: server.connection, dataDir: server.dataDir, mariaDbPort: server.port, bootstrap, brokerPid: broker.pid, admin };
    const rows: string[][] = [];
    let referenceFiles: string[] | undefined;
    let id = 0;
    for (const mode of MODES) {
      const results: RunResult[] = [];
      for (let i = 0; i < RUNS; i++) {
        const result = await run(setup, mode, ++id);
        referenceFiles ??= result.catchUpFiles;
        results.push(result);
        console.log(
          `  ${mode.label}, run ${i + 1}: snapshot ${fmt(result.snapshotRowsPerS)} rows/s, catch-up ${fmt(result.catchUpChangesPerS)} changes/s, p99 ${result.latencyP99.toFixed(1)} ms, load ${result.loadAverage.toFixed(1)}`,
        );
      }
      rows.push(
        [mode.label, 'snapshot (rows/s)', summary(results, (r) => r.snapshotRowsPerS)],
        ['', 'catch-up (changes/s)', summary(results, (r) => r.catchUpChangesPerS)],
        ['', 'catch-up CPU per change, worker (µs)', summary(results, (r) => r.workerCpuUsPerChange, 1)],
        ['', 'catch-up CPU per change, broker (µs)', summary(results, (r) => r.brokerCpuUsPerChange, 1)],
        ['', 'latency at 1k changes/s, median (ms)', summary(results, (r) => r.latencyP50, 2)],
        ['', 'latency at 1k changes/s, p99 (ms)', summary(results, (r) => r.latencyP99, 1)],
        ['', 'load average (1 min) after each run', results.map((r) => r.loadAverage.toFixed(1)).join(', ')],
      );
    }

    const files = referenceFiles!.map((p) => ({ name: path.basename(p), bytes: fs.readFileSync(p) }));
    const bytes = files.reduce((n, f) => n + f.bytes.length, 0);
    decodeWithBrook(files); // warm-up
    const decoded = decodeWithBrook(files);
    const referenceMs = await decodeWithMariadbBinlog(referenceFiles!);
    rows.push([
      'the catch-up binlog files',
      `${files.length} file(s), ${fmtBytes(bytes)}`,
      `${fmt(decoded.rows)} row changes: mariadb-binlog -v ${fmt(decoded.rows / (referenceMs / 1000))} changes/s; Brook's decoder alone ${fmt(decoded.rows / (decoded.ms / 1000))} changes/s`,
    ]);
    console.log('');
    printTable(
      [
        { header: 'converter', align: 'left' },
        { header: 'measure', align: 'left' },
        { header: RUNS === 1 ? 'result' : `median (each run)`, align: 'left' },
      ],
      rows,
    );
    console.log(`load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end, on ${os.cpus().length} cores`);
  } finally {
    await admin.close().catch(() => undefined);
    await broker.stop();
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
