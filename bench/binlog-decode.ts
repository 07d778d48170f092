/**
 * Binlog decode throughput: Brook's decoder (connectors/mysql-cdc/binlog) against `mariadb-binlog`
 * decoding the same files (`--base64-output=DECODE-ROWS --verbose`, which turns every row event into
 * commented pseudo-SQL), the reference for what reading the binlog costs.
 *
 * A private MariaDB (own datadir, socket and port on 127.0.0.1; the system's server is left
 * alone) writes `changes` row changes — inserts in multi-row transactions, then updates and
 * deletes of part of them — into a ROW-format, CRC32-checksummed binlog with full row metadata.
 * Both decoders then read the closed binlog files from disk; medians of 3 runs.
 *
 * `npm run bench:binlog [-- changes]` (default 300,000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Connection } from 'mysql2/promise';
import type { Decoded } from './binlog-readers.ts';
import { decodeWithBrook, decodeWithMariadbBinlog } from './binlog-readers.ts';
import { startMariaDb } from './mariadb-process.ts';
import { fmt, fmtBytes, MB, median, printEnvironment, printTable } from './report.ts';

const CHANGES = Number(process.argv[2] ?? 300_000);
const ROWS_PER_INSERT = 1_000;
const RUNS = 3;

/** Inserts, then updates a third and deletes a sixth of the rows: every kind of row event. */
async function generate(connection: Connection, changes: number): Promise<void> {
  await connection.query('CREATE DATABASE bench');
  await connection.query(
    `CREATE TABLE bench.orders (id INT UNSIGNED PRIMARY KEY, customer BIGINT, status ENUM('new','paid','shipped'),
      amount DECIMAL(12,2), note VARCHAR(100), created DATETIME(6), updated TIMESTAMP(3) NULL, flags BIT(8), payload JSON)`,
  );
  const inserts = Math.ceil(changes / 1.5);
  for (let start = 0; start < inserts; start += ROWS_PER_INSERT) {
    const values: string[] = [];
    for (let id = start; id < Math.min(inserts, start + ROWS_PER_INSERT); id++) {
      values.push(
        `(${id}, ${id * 7919}, 'new', ${(id % 100000) / 100}, 'order ${id} caf\u00e9', '2024-02-29 13:14:15.${String(id % 1e6).padStart(6, '0')}', NULL, b'101', '{"id": ${id}, "tags": ["a", "b"]}')`,
      );
    }
    await connection.query(`BEGIN; INSERT INTO bench.orders VALUES ${values.join(',')}; COMMIT`);
  }
  const updates = Math.floor(inserts / 3);
  for (let start = 0; start < updates; start += ROWS_PER_INSERT) {
    await connection.query(`UPDATE bench.orders SET status = 'paid', updated = '2024-03-01 00:00:00.5' WHERE id >= ${start} AND id < ${Math.min(updates, start + ROWS_PER_INSERT)}`);
  }
  const deletes = changes - inserts - updates;
  if (deletes > 0) await connection.query(`DELETE FROM bench.orders WHERE id >= ${inserts - deletes}`);
  await connection.query('FLUSH BINARY LOGS');
}

async function main(): Promise<void> {
  printEnvironment('binlog decode');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-binlog-'));
  const cleanup = (): void => {
    fs.rmSync(root, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const server = await startMariaDb(root, { maxBinlogSize: '64M' });
    let binlogPaths: string[];
    try {
      const generateStart = performance.now();
      await generate(server.connection, CHANGES);
      console.log(`generated ${fmt(CHANGES)} row changes in ${fmt((performance.now() - generateStart) / 1000, 1)} s`);
      const [logs] = await server.connection.query('SHOW BINARY LOGS');
      const names = (logs as { Log_name: string }[]).map((l) => l.Log_name);
      // The last file is the one FLUSH opened: empty of our changes and still being written.
      binlogPaths = names.slice(0, -1).map((n) => path.join(server.dataDir, n));
      binlogPaths = binlogPaths.map((p) => {
        const copy = path.join(root, path.basename(p));
        fs.copyFileSync(p, copy);
        return copy;
      });
    } finally {
      await server.stop();
    }
    const files = binlogPaths.map((p) => ({ name: path.basename(p), bytes: fs.readFileSync(p) }));
    const totalBytes = files.reduce((n, f) => n + f.bytes.length, 0);
    console.log(`${files.length} binlog file(s), ${fmtBytes(totalBytes)}`);

    decodeWithBrook(files); // warm-up: JIT and the first zstd/zlib contexts
    const brook: Decoded[] = [];
    const reference: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      brook.push(decodeWithBrook(files));
      reference.push(await decodeWithMariadbBinlog(binlogPaths));
    }
    const rows = brook[0]!.rows;
    const events = brook[0]!.events;
    const brookMs = median(brook.map((b) => b.ms));
    const referenceMs = median(reference);
    printTable(
      [
        { header: 'decoder', align: 'left' },
        { header: 'median ms', align: 'right' },
        { header: 'row changes/s', align: 'right' },
        { header: 'events/s', align: 'right' },
        { header: 'MB/s', align: 'right' },
      ],
      [
        ['brook BinlogDecoder', fmt(brookMs), fmt(rows / (brookMs / 1000)), fmt(events / (brookMs / 1000)), fmt(totalBytes / MB / (brookMs / 1000), 1)],
        [
          'mariadb-binlog -v (DECODE-ROWS)',
          fmt(referenceMs),
          fmt(rows / (referenceMs / 1000)),
          fmt(events / (referenceMs / 1000)),
          fmt(totalBytes / MB / (referenceMs / 1000), 1),
        ],
      ],
    );
    console.log(`${fmt(rows)} row changes in ${fmt(events)} events; brook runs ${fmt(referenceMs / brookMs, 2)}× the speed of mariadb-binlog`);
  } finally {
    cleanup();
  }
}

await main();
