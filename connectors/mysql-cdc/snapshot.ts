import type { Readable } from 'node:stream';
import type { Connection } from 'mysql2/promise';
import type { ConnectLogger, SourceRecord } from '../../connect/api/index.ts';
import type { Scheduler } from '../../core/base/index.ts';
import type { BinlogConnectionOptions } from './client/binlog-client.ts';
import type { ChangeEmitter } from './emitter.ts';
import type { SnapshotMarker, SourceInfo, TableEnvelope } from './envelope.ts';
import { fatalError } from './errors.ts';
import type { BinlogOffset } from './offset.ts';
import { toSourceOffset } from './offset.ts';
import type { RecordQueue } from './record-queue.ts';
import type { SchemaHistoryEntry, SchemaHistoryStore } from './schema/history.ts';
import type { ColumnDef } from './schema/table.ts';
import { openServerConnection } from './server-connection.ts';
import type { RawValue } from './values.ts';

export interface SnapshotDeps {
  readonly emitter: ChangeEmitter;
  readonly history: SchemaHistoryStore;
  readonly queue: RecordQueue;
  readonly scheduler: Scheduler;
  readonly logger: ConnectLogger;
  readonly connection: BinlogConnectionOptions;
  /** Read the rows too (false for snapshot.mode=no_data: the schema only). */
  readonly withData: boolean;
  /** Whether the task was stopped: the snapshot gives up between rows. */
  readonly stopped: () => boolean;
  /** Runs after the binlog position was read and before the table definitions are: for tests. */
  readonly afterPosition?: (() => Promise<void>) | undefined;
}

export interface SnapshotResult {
  /** Where streaming starts: the binlog position the snapshot's transaction saw. */
  readonly offset: BinlogOffset;
  readonly rows: number;
  readonly tables: number;
}

function escapeId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** SELECT results → the values the binlog decoder gives, so one converter serves both. */
function normaliser(column: ColumnDef): (v: unknown) => RawValue {
  switch (column.type) {
    case 'BIGINT':
      return (v) => (v === null ? null : BigInt(v as string | number));
    case 'BIT':
      return (v) => {
        if (v === null) return null;
        const b = v as Buffer;
        let n = 0n;
        for (const byte of b) n = (n << 8n) | BigInt(byte);
        return n;
      };
    default:
      return (v) => v;
  }
}

/**
 * `source.snapshot` of a snapshot row, as Debezium's SnapshotMarkerResolver picks it: the end
 * wins over the start (a one-row snapshot is `last`, which tells consumers it finished), the
 * snapshot's ends over a table's.
 */
export function snapshotMarker(at: { first: boolean; last: boolean; firstInTable: boolean; lastInTable: boolean }): SnapshotMarker {
  if (at.last) return 'last';
  if (at.first) return 'first';
  if (at.lastInTable) return 'last_in_data_collection';
  if (at.firstInTable) return 'first_in_data_collection';
  return 'true';
}

/** MariaDB's parse error: the server predates BACKUP STAGE (10.4). */
const ER_PARSE_ERROR = 1064;
/** A column the snapshot reads by name was dropped or renamed since the definitions were read. */
const ER_BAD_FIELD_ERROR = 1054;
/** "Table definition has changed, please retry transaction": rebuilt since the snapshot began. */
const ER_TABLE_DEF_CHANGED = 1412;

/**
 * Blocks DDL (not DML) on a MariaDB server from a connection of its own: BACKUP STAGE END would
 * commit the snapshot's transaction were it run on the snapshot's connection. Servers before
 * 10.4 have no BACKUP STAGE and get the global read lock instead.
 */
async function lockMariaDbDdl(options: BinlogConnectionOptions): Promise<() => Promise<void>> {
  const connection = await openServerConnection(options, {});
  (connection as unknown as { connection: NodeJS.EventEmitter }).connection.on('error', () => {});
  try {
    try {
      await connection.query('BACKUP STAGE START');
      await connection.query('BACKUP STAGE BLOCK_DDL');
    } catch (error) {
      if ((error as { errno?: number }).errno !== ER_PARSE_ERROR) throw error;
      await connection.query('FLUSH TABLES WITH READ LOCK');
    }
  } catch (error) {
    connection.destroy();
    throw fatalError(
      `Cannot block DDL for the snapshot (${(error as Error).message}): grant the RELOAD privilege, or set snapshot.locking.mode=none when no DDL can run during the snapshot`,
      error,
    );
  }
  return async () => {
    // Ending the session releases either lock.
    await connection.end().catch(() => {
      connection.destroy();
    });
  };
}

/**
 * The initial snapshot: a consistent read of the captured tables at a known binlog position.
 * On MariaDB, START TRANSACTION WITH CONSISTENT SNAPSHOT reports the position its view matches
 * (binlog_snapshot_file/position); DDL (not writes) is blocked with BACKUP STAGE BLOCK_DDL from
 * before that until the table definitions were read, so none can change a table between the
 * two. On MySQL a global read lock is held over the same span. snapshot.locking.mode=minimal
 * releases the lock then, extended at the end of the snapshot, none takes none (only safe
 * without concurrent DDL). The rows become `op: r`
 * records carrying the snapshot position; the last one carries the position streaming continues
 * from, so a restart after it streams, and a restart before it snapshots again (Debezium does
 * the same: an interrupted snapshot starts over).
 */
export async function runSnapshot(deps: SnapshotDeps): Promise<SnapshotResult> {
  const { emitter, logger, scheduler } = deps;
  const config = emitter.config;
  const connection: Connection = await openServerConnection(deps.connection, {
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    jsonStrings: true,
    timezone: 'Z',
  });
  (connection as unknown as { connection: NodeJS.EventEmitter }).connection.on('error', () => {});
  let locked = false;
  let unlockMariaDb: (() => Promise<void>) | undefined;
  try {
    const q = async <T>(sql: string, params?: unknown[]): Promise<T[]> => (await connection.query(sql, params))[0] as T[];
    const [version] = await q<{ v: string }>('SELECT VERSION() AS v');
    const mariadb = /mariadb/i.test(version?.v ?? '');
    // Debezium's source.server_id is 0 until streaming reads an event's server id (BinlogSourceInfo).
    const serverId = 0;
    // TIMESTAMP values then read in UTC, as the binlog has them.
    await q("SET SESSION time_zone = '+00:00'");
    await q('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    let file: string;
    let pos: number;
    let gtids: string | null = null;
    if (mariadb) {
      if (config.snapshotLocking !== 'none') unlockMariaDb = await lockMariaDbDdl(deps.connection);
      await q('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      const status = await q<{ Variable_name: string; Value: string }>("SHOW STATUS LIKE 'binlog_snapshot_%'");
      const value = (name: string): string | undefined => status.find((s) => s.Variable_name.toLowerCase() === name)?.Value;
      file = value('binlog_snapshot_file') ?? '';
      pos = Number(value('binlog_snapshot_position') ?? 0);
      if (file === '') throw fatalError('The server reports no binlog_snapshot_file: is log_bin on?');
      const [g] = await q<{ g: string | null }>('SELECT BINLOG_GTID_POS(?, ?) AS g', [file, pos]);
      gtids = g?.g === undefined || g.g === null || g.g === '' ? null : g.g;
    } else {
      if (config.snapshotLocking !== 'none') {
        await q('FLUSH TABLES WITH READ LOCK');
        locked = true;
      }
      await q('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      let status: { File: string; Position: number | string; Executed_Gtid_Set?: string }[];
      try {
        status = await q('SHOW MASTER STATUS');
      } catch {
        status = await q('SHOW BINARY LOG STATUS');
      }
      const row = status[0];
      if (row === undefined) throw fatalError('SHOW MASTER STATUS returned nothing: is log_bin on?');
      file = row.File;
      pos = Number(row.Position);
      gtids = row.Executed_Gtid_Set === undefined || row.Executed_Gtid_Set === '' ? null : row.Executed_Gtid_Set.replace(/\s+/g, '');
    }
    const startedMs = scheduler.now();
    logger.info({ file, pos, gtids, locking: config.snapshotLocking }, 'snapshot started');
    await deps.afterPosition?.();

    const tables = await q<{ TABLE_SCHEMA: string; TABLE_NAME: string }>(
      "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_SCHEMA, TABLE_NAME",
    );
    const known = tables.filter((t) => emitter.filter.database(t.TABLE_SCHEMA) && (!config.historyOnlyCapturedTables || emitter.filter.table(t.TABLE_SCHEMA, t.TABLE_NAME)));
    const captured = known.filter((t) => emitter.filter.table(t.TABLE_SCHEMA, t.TABLE_NAME));
    emitter.catalog.clear();
    const entries: SchemaHistoryEntry[] = [];
    for (const t of known) {
      const [row] = await q<Record<string, string>>(`SHOW CREATE TABLE ${escapeId(t.TABLE_SCHEMA)}.${escapeId(t.TABLE_NAME)}`);
      const ddl = row?.['Create Table'];
      if (ddl === undefined) continue;
      emitter.catalog.apply(ddl, t.TABLE_SCHEMA);
      entries.push({ file, pos, gtids, tsMs: startedMs, database: t.TABLE_SCHEMA, ddl, snapshot: true });
    }
    if (locked && config.snapshotLocking === 'minimal') {
      await q('UNLOCK TABLES');
      locked = false;
    }
    if (unlockMariaDb !== undefined && config.snapshotLocking === 'minimal') {
      const unlock = unlockMariaDb;
      unlockMariaDb = undefined;
      await unlock();
    }
    await deps.history.append(entries);

    const snapshotOffset = toSourceOffset({ file, pos, gtids, event: 0, row: 0, snapshot: true, tsSec: Math.floor(startedMs / 1000), serverId });
    const doneOffset = toSourceOffset({ file, pos, gtids, event: 0, row: 0, snapshot: false, tsSec: Math.floor(startedMs / 1000), serverId });
    const push = async (...records: SourceRecord[]): Promise<void> => {
      deps.queue.push(...records);
      if (deps.queue.full) await deps.queue.space();
    };

    const capturedIds = new Set(captured.map((t) => `${t.TABLE_SCHEMA}.${t.TABLE_NAME}`));
    for (const entry of entries) {
      const history = emitter.historyRecord(entry, snapshotOffset);
      if (history !== null) await push(history);
    }
    if (config.includeSchemaChanges) {
      for (const entry of entries) {
        const name = /^CREATE TABLE `((?:[^`]|``)+)`/.exec(entry.ddl)?.[1]?.replace(/``/g, '`');
        if (name === undefined || !capturedIds.has(`${entry.database}.${name}`)) continue;
        const table = emitter.catalog.table(entry.database, name);
        if (table === undefined) continue;
        const info: SourceInfo = { tsMs: startedMs, snapshot: 'true', db: entry.database, table: name, serverId, gtid: null, file, pos, row: 0, thread: null, query: null };
        await push(emitter.schemaChangeRecord(entry, [{ type: 'CREATE', id: `${entry.database}.${name}`, table }], info, snapshotOffset));
      }
    }

    let rows = 0;
    // One row behind, so each record knows whether it is the last of its table or of the snapshot.
    let pending: { env: TableEnvelope; row: RawValue[]; firstOverall: boolean; firstInTable: boolean } | undefined;
    const flush = async (lastInTable: boolean, lastOverall: boolean): Promise<void> => {
      if (pending === undefined) return;
      const p = pending;
      pending = undefined;
      const marker = snapshotMarker({ first: p.firstOverall, last: lastOverall, firstInTable: p.firstInTable, lastInTable });
      const info: SourceInfo = { tsMs: startedMs, snapshot: marker, db: p.env.table.database, table: p.env.table.name, serverId, gtid: null, file, pos, row: 0, thread: null, query: null };
      const offset = lastOverall ? doneOffset : snapshotOffset;
      await push(...emitter.rowRecords(p.env, 'r', null, p.row, info, scheduler.now(), offset, offset));
    };
    if (deps.withData) {
      for (const t of captured) {
        if (deps.stopped()) break;
        const env = emitter.envelope(t.TABLE_SCHEMA, t.TABLE_NAME);
        if (env === undefined) continue;
        const normalise = env.table.columns.map(normaliser);
        const core = (connection as unknown as { connection: { query(options: object): { stream(options: object): Readable } } }).connection;
        const stream = core
          .query({
            // By name: SELECT * leaves out INVISIBLE columns (system versioning's among them), which rows carry.
            sql: `SELECT ${env.table.columns.map((col) => escapeId(col.name)).join(', ')} FROM ${escapeId(t.TABLE_SCHEMA)}.${escapeId(t.TABLE_NAME)}`,
            rowsAsArray: true,
            typeCast: (field: { type: string; buffer(): Buffer | null }, next: () => unknown) => (field.type === 'GEOMETRY' ? field.buffer() : next()),
          })
          .stream({ highWaterMark: Math.min(config.snapshotFetchSize, 1000) });
        let tableRows = 0;
        try {
          for await (const raw of stream as AsyncIterable<unknown[]>) {
            if (deps.stopped()) {
              stream.destroy();
              break;
            }
            const row = raw.map((v, i) => normalise[i]!(v));
            if (pending !== undefined) await flush(pending.env !== env, false);
            pending = { env, row, firstOverall: rows === 0, firstInTable: tableRows === 0 };
            rows++;
            tableRows++;
            if (tableRows % config.snapshotFetchSize === 0) logger.info({ table: `${t.TABLE_SCHEMA}.${t.TABLE_NAME}`, rows: tableRows }, 'snapshot progress');
          }
        } catch (error) {
          // DDL after the lock was released (snapshot.locking.mode=minimal) can leave the table
          // unreadable with the definitions read under it: the task fails rather than read rows
          // with the wrong columns, and a restart snapshots again (no finished snapshot is stored).
          const errno = (error as { errno?: number }).errno;
          if (errno === ER_BAD_FIELD_ERROR || errno === ER_TABLE_DEF_CHANGED) {
            throw fatalError(
              `${t.TABLE_SCHEMA}.${t.TABLE_NAME} changed during the snapshot (${(error as Error).message}): restart the task to snapshot again, with snapshot.locking.mode=extended to hold DDL back until the snapshot ends`,
              error,
            );
          }
          throw error;
        }
        logger.info({ table: `${t.TABLE_SCHEMA}.${t.TABLE_NAME}`, rows: tableRows }, 'snapshot of table done');
      }
    }
    if (deps.stopped()) throw fatalError('stopped during the snapshot');
    if (pending !== undefined) await flush(true, true);
    else {
      // No rows: nothing carries the finished offset, so a marker does (a heartbeat-like record
      // would need a topic; the history or schema change topics take it when configured).
      const marker = config.historyTopic !== null ? emitter.historyRecord({ file, pos, gtids, tsMs: startedMs, database: '', ddl: '', snapshot: true }, doneOffset) : null;
      if (marker !== null) await push(marker);
    }
    await q('COMMIT');
    if (locked) {
      await q('UNLOCK TABLES');
      locked = false;
    }
    logger.info({ rows, tables: captured.length, ms: scheduler.now() - startedMs }, 'snapshot done');
    return { offset: { file, pos, gtids, event: 0, row: 0, snapshot: false, tsSec: Math.floor(startedMs / 1000), serverId }, rows, tables: captured.length };
  } finally {
    connection.destroy();
    await unlockMariaDb?.();
  }
}
