/**
 * The MySQL/MariaDB connector's figures through the topic: a private MariaDB, `brook broker` in
 * its own process, and Connect's worker (StandaloneHerder in this process) running the
 * connector with its default converters (JSON with schemas, as a Debezium user has them). Every
 * figure counts records the broker acknowledged: the topic's end offset, or a consumer reading it.
 *
 * - snapshot: rows/s from createConnector to the last snapshot row in the topic;
 * - catch-up: `changes` row changes (inserts, then updates of them) written while the connector
 *   was stopped (PUT /stop: offsets kept), then changes/s from resume to the last one in the topic;
 * - latency: one autocommitted INSERT per ms for 10 s; INSERT sent → record read from the topic by
 *   a consumer (the commit, the binlog, the worker, the broker and the fetch are all inside);
 * - the reference: the catch-up's own binlog files decoded by `mariadb-binlog -v` and by Brook's
 *   decoder alone, i.e. what merely reading those files costs.
 *
 *   npm run bench:cdc [-- changes]   (default 1,000,000; the snapshot has min(changes, 500,000) rows)
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
import { fmt, fmtBytes, percentile, printEnvironment, printTable } from './report.ts';

const CHANGES = Number(process.argv[2] ?? 1_000_000);
const SNAPSHOT_ROWS = Math.min(CHANGES, 500_000);
const LATENCY_SECONDS = 10;
const TOPIC = 'bench.bench.t';
const CONNECTOR = 'cdc';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

async function insertRows(connection: Connection, rows: number, startId: number): Promise<void> {
  const batch = 5_000;
  for (let i = 0; i < rows; i += batch) {
    const values: string[] = [];
    for (let j = i; j < Math.min(rows, i + batch); j++) values.push(`(${startId + j}, 'name ${j}', ${j % 1000}.25, '2024-01-01 00:00:00.123456')`);
    await connection.query(`INSERT INTO bench.t VALUES ${values.join(',')}`);
  }
}

/** The topic's end offset: records the broker acknowledged. */
async function endOffset(admin: Admin): Promise<bigint> {
  const [end] = await admin.listOffsets([{ topic: TOPIC, partition: 0, timestamp: 'latest' }]).catch(() => [undefined]);
  return end?.offset ?? 0n;
}

/** Seconds from `started` until the topic holds `count` records. */
async function untilEnd(admin: Admin, count: bigint, started: number): Promise<number> {
  while ((await endOffset(admin)) < count) await delay(10);
  return (performance.now() - started) / 1000;
}

async function binlogFiles(connection: Connection): Promise<string[]> {
  const [logs] = await connection.query('SHOW BINARY LOGS');
  return (logs as { Log_name: string }[]).map((l) => l.Log_name);
}

async function main(): Promise<void> {
  printEnvironment(`bench:cdc: ${fmt(SNAPSHOT_ROWS)} snapshot rows, ${fmt(CHANGES)} catch-up changes, ${LATENCY_SECONDS} s at 1k changes/s, through the worker to the topic`);
  // Other work on the machine shows up in every figure: the load is printed beside them.
  const loadAtStart = os.loadavg()[0]!;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-cdc-'));
  const server = await startMariaDb(root, { maxBinlogSize: '256M' });
  const broker = await startBrokerProcess(path.join(root, 'broker'));
  const bootstrap = `127.0.0.1:${broker.port}`;
  const admin = new Admin({ bootstrapServers: bootstrap });
  let herder: StandaloneHerder | undefined;
  try {
    const c = server.connection;
    await admin.connect();
    await admin.createTopics([{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }]);
    await c.query('CREATE DATABASE bench; CREATE TABLE bench.t (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(10,2), seen DATETIME(6))');
    await insertRows(c, SNAPSHOT_ROWS, 0);

    herder = await StandaloneHerder.start({
      config: resolveWorkerConfig({ bootstrapServers: bootstrap, offsetFlushIntervalMs: 1000 }),
      connectorPlugins: [mysqlCdcPlugin],
      logs: new KafkaTopicLogFactory({ bootstrapServers: bootstrap, clientId: 'bench-cdc', replicationFactor: -1, scheduler: systemScheduler, logger: quiet }),
      scheduler: systemScheduler,
      logger: quiet,
      version: 'bench',
    });
    let t0 = performance.now();
    await herder.createConnector(CONNECTOR, {
      'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
      'database.hostname': '127.0.0.1',
      'database.port': String(server.port),
      'database.user': 'root',
      'database.server.id': '5400',
      'database.ssl.mode': 'disabled',
      'topic.prefix': 'bench',
      'table.include.list': 'bench.t',
      'schema.history.internal.kafka.topic': 'bench-history',
      'schema.history.internal.kafka.bootstrap.servers': bootstrap,
      'include.schema.changes': 'false',
      'max.batch.size': '4096',
      'max.queue.size': '32768',
      'poll.interval.ms': '20',
    });
    const snapshotS = await untilEnd(admin, BigInt(SNAPSHOT_ROWS), t0);
    await herder.stopConnector(CONNECTOR);

    // Catch-up: inserts, then updates of the same rows, written while the connector is stopped,
    // into binlog files of their own (FLUSH before and after) for the reference decoders.
    await c.query('FLUSH BINARY LOGS');
    const firstCatchUpFile = (await binlogFiles(c)).at(-1)!;
    const inserts = Math.ceil(CHANGES / 2);
    await insertRows(c, inserts, 10_000_000);
    const updates = CHANGES - inserts;
    for (let i = 0; i < updates; i += 50_000) {
      await c.query(`UPDATE bench.t SET name = CONCAT(name, '!') WHERE id >= ${10_000_000 + i} AND id < ${10_000_000 + Math.min(updates, i + 50_000)}`);
    }
    await c.query('FLUSH BINARY LOGS');
    const names = await binlogFiles(c);
    const catchUpFiles = names.slice(names.indexOf(firstCatchUpFile), -1).map((n) => path.join(server.dataDir, n));

    const before = await endOffset(admin);
    t0 = performance.now();
    await herder.resumeConnector(CONNECTOR);
    const catchUpS = await untilEnd(admin, before + BigInt(CHANGES), t0);

    // Latency: a consumer at the topic's end; one committed insert per ms.
    const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 100 });
    await consumer.connect();
    await consumer.assign([{ topic: TOPIC, partition: 0, offset: await endOffset(admin) }]);
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
      await c.query(`INSERT INTO bench.t VALUES (${id}, 'x', 1.00, '2024-01-01 00:00:00')`);
    }
    await reading;
    await consumer.close();
    await herder.close();
    herder = undefined;

    const files = catchUpFiles.map((p) => ({ name: path.basename(p), bytes: fs.readFileSync(p) }));
    const bytes = files.reduce((n, f) => n + f.bytes.length, 0);
    decodeWithBrook(files); // warm-up
    const decoded = decodeWithBrook(files);
    const referenceMs = await decodeWithMariadbBinlog(catchUpFiles);

    printTable(
      [
        { header: 'measure', align: 'left' },
        { header: 'result', align: 'left' },
      ],
      [
        ['snapshot (to the topic)', `${fmt(SNAPSHOT_ROWS)} rows in ${snapshotS.toFixed(2)} s = ${fmt(SNAPSHOT_ROWS / snapshotS)} rows/s`],
        ['catch-up (to the topic)', `${fmt(CHANGES)} changes in ${catchUpS.toFixed(2)} s = ${fmt(CHANGES / catchUpS)} changes/s`],
        ['latency at 1k changes/s', `INSERT sent → record read from the topic, ${fmt(latencies.length)} samples: median ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`],
        [
          'the catch-up binlog files',
          `${files.length} file(s), ${fmtBytes(bytes)}, ${fmt(decoded.rows)} row changes: mariadb-binlog -v ${fmt(decoded.rows / (referenceMs / 1000))} changes/s; Brook's decoder alone ${fmt(decoded.rows / (decoded.ms / 1000))} changes/s`,
        ],
      ],
    );
    console.log(`load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end, on ${os.cpus().length} cores`);
  } finally {
    await herder?.close();
    await admin.close().catch(() => undefined);
    await broker.stop();
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
