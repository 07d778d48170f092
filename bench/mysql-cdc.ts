// The MySQL/MariaDB connector's figures on a private MariaDB: snapshot rows/s, binlog catch-up
// changes/s (changes written while the connector was stopped), and commit-to-record latency at a
// steady 1k changes/s. The records are taken from the task's poll(), as the worker would: the
// producer and converters are the runtime's and measured by its own benches.
//   npm run bench:cdc [-- changes]   (default 1,000,000)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import type { SourceOffset, SourceRecord } from '../connect/api/index.ts';
import { systemScheduler } from '../core/base/index.ts';
import { MemorySchemaHistory, MySqlCdcTask } from '../connectors/mysql-cdc/index.ts';
import { startMariaDb } from './mariadb-process.ts';

const CHANGES = Number(process.argv[2] ?? 1_000_000);
const SNAPSHOT_ROWS = Math.min(CHANGES, 500_000);
const LATENCY_SECONDS = 10;

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

async function startTask(port: number, offset: SourceOffset | null, history: MemorySchemaHistory): Promise<MySqlCdcTask> {
  const config = {
    'database.hostname': '127.0.0.1',
    'database.port': port,
    'database.user': 'root',
    'database.server.id': 5400,
    'topic.prefix': 'bench',
    'database.include.list': 'bench',
    'include.schema.changes': false,
    'max.batch.size': 4096,
    'max.queue.size': 32768,
    'poll.interval.ms': 20,
  };
  const task = new MySqlCdcTask();
  task.initialize({
    scheduler: systemScheduler,
    logger: silent,
    configs: config,
    offsetStorageReader: { offset: () => Promise.resolve(offset), offsets: (ps) => Promise.resolve(ps.map(() => offset)) },
    schemaHistoryStore: () => history,
  });
  await task.start(config);
  return task;
}

/** Polls until `n` data records arrived; returns the last record. */
async function drain(task: MySqlCdcTask, n: number, onRecord?: (r: SourceRecord) => void): Promise<SourceRecord> {
  let seen = 0;
  let last: SourceRecord | undefined;
  while (seen < n) {
    for (const r of (await task.poll()) ?? []) {
      if (r.topic !== 'bench.bench.t' || r.value === null) continue;
      seen++;
      last = r;
      onRecord?.(r);
    }
  }
  return last!;
}

async function insertRows(connection: Connection, rows: number, startId: number): Promise<void> {
  const batch = 5_000;
  for (let i = 0; i < rows; i += batch) {
    const values: string[] = [];
    for (let j = i; j < Math.min(rows, i + batch); j++) values.push(`(${startId + j}, 'name ${j}', ${j % 1000}.25, '2024-01-01 00:00:00.123456')`);
    await connection.query(`INSERT INTO bench.t VALUES ${values.join(',')}`);
  }
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-cdc-'));
  const server = await startMariaDb(root, { maxBinlogSize: '256M' });
  try {
    const c = server.connection;
    await c.query('CREATE DATABASE bench; CREATE TABLE bench.t (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(10,2), seen DATETIME(6))');
    await insertRows(c, SNAPSHOT_ROWS, 0);
    const history = new MemorySchemaHistory();

    let t0 = performance.now();
    let task = await startTask(server.port, null, history);
    let last = await drain(task, SNAPSHOT_ROWS);
    const snapshotS = (performance.now() - t0) / 1000;
    await task.stop();
    const offset = last.sourceOffset;

    // Catch-up: inserts, then updates of the same rows, written while the task is stopped.
    const inserts = Math.ceil(CHANGES / 2);
    await insertRows(c, inserts, 10_000_000);
    const updates = CHANGES - inserts;
    for (let i = 0; i < updates; i += 50_000) {
      await c.query(`UPDATE bench.t SET name = CONCAT(name, '!') WHERE id >= ${10_000_000 + i} AND id < ${10_000_000 + Math.min(updates, i + 50_000)}`);
    }
    t0 = performance.now();
    task = await startTask(server.port, offset, history);
    last = await drain(task, CHANGES);
    const catchUpS = (performance.now() - t0) / 1000;

    // Latency: one committed insert per ms, commit acknowledged → record polled.
    const committedAt = new Map<number, number>();
    const latencies: number[] = [];
    const total = LATENCY_SECONDS * 1000;
    const consumer = drain(task, total, (r) => {
      const id = (r.key as { id: number }).id;
      const at = committedAt.get(id);
      if (at !== undefined) latencies.push(performance.now() - at);
    });
    const startAt = performance.now();
    for (let i = 0; i < total; i++) {
      const due = startAt + i;
      const wait = due - performance.now();
      if (wait > 1) await delay(wait);
      const id = 20_000_000 + i;
      // From the INSERT's send (autocommit): the commit itself is inside the measured time.
      committedAt.set(id, performance.now());
      await c.query(`INSERT INTO bench.t VALUES (${id}, 'x', 1.00, '2024-01-01 00:00:00')`);
    }
    await consumer;
    await task.stop();
    latencies.sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
    console.log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), MariaDB on the same machine`);
    console.log(`snapshot:  ${SNAPSHOT_ROWS.toLocaleString()} rows in ${snapshotS.toFixed(2)} s = ${Math.round(SNAPSHOT_ROWS / snapshotS).toLocaleString()} rows/s`);
    console.log(`catch-up:  ${CHANGES.toLocaleString()} changes in ${catchUpS.toFixed(2)} s = ${Math.round(CHANGES / catchUpS).toLocaleString()} changes/s`);
    console.log(`latency at 1k changes/s (INSERT sent → record polled), ${latencies.length} samples: median ${pct(50).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms`);
  } finally {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
