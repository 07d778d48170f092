import type { ConnectLogger, SourceOffset, SourceRecord } from '../../connect/api/index.ts';
import type { Scheduler, Timer } from '../../core/base/index.ts';
import type { BinlogEvent, RowsEvent, TableMap } from './binlog/index.ts';
import { BinlogDecoder, BinlogError, ColumnType } from './binlog/index.ts';
import type { BinlogConnectionOptions, DumpError, DumpStart } from './client/binlog-client.ts';
import { BinlogConnection } from './client/binlog-client.ts';
import type { ChangeEmitter } from './emitter.ts';
import type { SourceInfo } from './envelope.ts';
import { ER_MASTER_FATAL_ERROR_READING_BINLOG, fatalError, purgedBinlogError } from './errors.ts';
import { addGtid } from './gtid-set.ts';
import { completeAfterImage } from './json-diff.ts';
import type { BinlogOffset } from './offset.ts';
import { toSourceOffset } from './offset.ts';
import type { RecordQueue } from './record-queue.ts';
import { DdlParseError } from './schema/catalog.ts';
import type { SchemaHistoryEntry, SchemaHistoryStore } from './schema/history.ts';
import type { TableChange } from './schema/catalog.ts';
import type { ColumnDef, TableDef } from './schema/table.ts';
import { columnDef } from './schema/table.ts';

export interface StreamerDeps {
  readonly emitter: ChangeEmitter;
  readonly history: SchemaHistoryStore;
  /** Positions (`file:pos`) of history entries already stored: re-read DDL is not stored twice. */
  readonly storedDdl: Set<string>;
  readonly queue: RecordQueue;
  readonly scheduler: Scheduler;
  readonly logger: ConnectLogger;
  readonly connection: BinlogConnectionOptions;
}

/** MariaDB GTID event flag: a statement outside a transaction (DDL), no XID follows. */
const FL_STANDALONE = 1;

/** A MariaDB GTID position (`domain-server-seq,...`), as opposed to a MySQL GTID set. */
const MARIADB_GTIDS = /^\d+-\d+-\d+(,\d+-\d+-\d+)*$/;

/**
 * Where a dump from an offset's `gtids` starts on this server, or null to start from the offset's
 * file/pos: as in Debezium, a MariaDB GTID position on MariaDB, a MySQL GTID set on MySQL with
 * gtid_mode=ON. A GTID start does not need the offset's file name, which another server (after a
 * failover) or renamed binlogs do not have.
 */
export async function gtidDumpStart(connection: BinlogConnection, gtids: string | null): Promise<DumpStart | null> {
  if (gtids === null) return null;
  if (MARIADB_GTIDS.test(gtids)) return connection.mariadb ? { kind: 'mariadb-gtid', gtids } : null;
  if (connection.mariadb) return null;
  const [mode] = await connection.query<{ Value: string }>("SHOW GLOBAL VARIABLES LIKE 'gtid_mode'");
  return mode?.Value.toUpperCase() === 'ON' ? { kind: 'mysql-gtid', gtidSet: gtids } : null;
}

/**
 * Whether the server still has every transaction after a GTID start's GTIDs: on MySQL, when its
 * purged GTIDs are all in the set; on MariaDB, when its oldest binlog starts (its GTID list) at
 * or before the position in every domain.
 */
export async function gtidStartAvailable(connection: BinlogConnection, start: DumpStart): Promise<boolean> {
  if (start.kind === 'mysql-gtid') {
    const [row] = await connection.query<{ ok: number | string }>('SELECT GTID_SUBSET(@@GLOBAL.gtid_purged, ?) AS ok', [start.gtidSet]);
    return Number(row?.ok) === 1;
  }
  if (start.kind !== 'mariadb-gtid') return true;
  const [oldest] = await connection.query<{ Log_name: string }>('SHOW BINARY LOGS');
  if (oldest === undefined) return false;
  const events = await connection.query<{ Event_type: string; Info: string }>('SHOW BINLOG EVENTS IN ? LIMIT 4', [oldest.Log_name]);
  const list = events.find((e) => e.Event_type === 'Gtid_list');
  if (list === undefined) return true;
  const have = new Map<string, bigint>();
  for (const m of start.gtids.matchAll(/(\d+)-\d+-(\d+)/g)) have.set(m[1]!, BigInt(m[2]!));
  for (const m of list.Info.matchAll(/(\d+)-\d+-(\d+)/g)) {
    const seq = have.get(m[1]!);
    if (seq === undefined || seq < BigInt(m[2]!)) return false;
  }
  return true;
}

/**
 * Reads the binlog from an offset and turns row events into change records, in commit order.
 * The position it keeps is Debezium's: the start of the transaction being read plus how many
 * events and rows of it were emitted, so a restart (or a reconnect) reads the transaction again
 * from its start — its TABLE_MAP events are needed — and skips what was already emitted. As in
 * Debezium, a MySQL transaction starts at its BEGIN (the GTID event before it is not counted),
 * a MariaDB one at its GTID event.
 */
export class BinlogStreamer {
  private readonly deps: StreamerDeps;
  private connection: BinlogConnection | undefined;
  private decoder = new BinlogDecoder();
  private stopped = false;
  private reconnectTimer: Timer | undefined;
  private heartbeatTimer: Timer | undefined;
  private backoffMs = 1000;
  private readonly pauses = new Set<string>();
  private backlog: Buffer[] = [];
  private busy = false;
  /** TABLE_MAPs whose column names were checked against the table definition they map to. */
  private readonly namesChecked = new WeakMap<TableMap, TableDef>();

  // The position.
  private file = '';
  private txFile = '';
  private txPos = 4;
  private index = 0;
  private inTx = false;
  /** Skips of the transaction a resume starts in; cleared at its commit. */
  private skipEvents = 0;
  private skipRows = 0;
  private resumeFile = '';
  private resumePos = -1;
  /**
   * A GTID start is sent the transactions after the offset's `gtids`, first the one the skips are
   * of, at a file/pos the stream tells: its first transaction becomes the resume point.
   */
  private resumeAtFirstTx = false;
  /** The GTIDs the current dump started after, when it started from GTIDs. */
  private dumpGtids: string | null = null;
  /**
   * Whether dumps start from GTIDs when the server allows: only from a known GTID state, since
   * one grown from the transactions seen since would lack domains (MariaDB) or sources (MySQL).
   */
  private gtidStarts = false;
  private readonly gtids = new Map<string, string>();
  private gtidsAtTxStart: string | null = null;
  private mysqlGtids: string | null = null;
  private currentGtid: string | null = null;
  /**
   * A MySQL GTID (or ANONYMOUS_GTID) event opened the transaction: the BEGIN after it is where
   * its offsets start, as Debezium's startNextTransaction puts them.
   */
  private awaitingBegin = false;
  /**
   * Where the open MySQL transaction's GTID event is in its file: a reconnect dumps from there,
   * so the re-read transaction has its GTID again, though its offsets start at its BEGIN.
   */
  private gtidEventPos: number | null = null;
  /**
   * The time of the open transaction's records in µs, from its MySQL GTID event: Debezium's
   * (setEventTimestamp) original commit timestamp, or the event's second when the server wrote none.
   */
  private txTimeUs: bigint | null = null;
  /** The open transaction comes from a GTID source gtid.source.includes/excludes leave out: its rows are skipped. */
  private fromFilteredSource = false;
  private thread: number | null = null;
  private query: string | null = null;
  private serverId = 0;
  private tsSec = 0;
  private lastHeartbeatMs = 0;

  constructor(deps: StreamerDeps) {
    this.deps = deps;
    deps.queue.onSpace = () => {
      this.resume('queue');
    };
  }

  /** The position a restart would resume from now. */
  position(): BinlogOffset {
    return { file: this.txFile, pos: this.txPos, gtids: this.gtidsAtTxStart, event: 0, row: 0, snapshot: false, tsSec: this.tsSec, serverId: this.serverId };
  }

  async start(from: BinlogOffset): Promise<void> {
    this.restore(from);
    await this.connect();
    const interval = this.deps.emitter.config.heartbeatIntervalMs;
    if (interval > 0) {
      this.heartbeatTimer = this.deps.scheduler.setInterval(() => {
        this.maybeHeartbeat();
      }, interval);
    }
  }

  /**
   * Streams events handed to receive() instead of a server's dump, for tests of the position
   * bookkeeping: with `from`, as start() from that offset; without, as a reconnect. `dump` says
   * whether the server was asked for the transactions after the GTIDs or for a file/pos, which
   * is returned: where the dump starts.
   */
  detachedStream(dump: 'gtids' | 'position', from?: BinlogOffset): { file: string; pos: number } {
    if (from !== undefined) this.restore(from);
    const start = this.newStream();
    this.dumpGtids = dump === 'gtids' ? this.gtidsAtTxStart : null;
    this.resumeAtFirstTx = dump === 'gtids' && (this.skipEvents > 0 || this.skipRows > 0);
    return start;
  }

  /** Handles one event of the dump, as the connection delivers it. */
  receive(bytes: Buffer): void {
    this.onBytes(bytes);
  }

  private restore(from: BinlogOffset): void {
    this.gtidEventPos = null;
    this.txFile = from.file;
    this.file = from.file;
    this.txPos = from.pos;
    this.skipEvents = from.event;
    this.skipRows = from.row;
    this.resumeFile = from.file;
    this.resumePos = from.pos;
    this.serverId = from.serverId;
    this.tsSec = from.tsSec;
    this.lastHeartbeatMs = this.deps.scheduler.now();
    this.gtidStarts = from.gtids !== null;
    if (from.gtids !== null) {
      if (MARIADB_GTIDS.test(from.gtids)) {
        for (const g of from.gtids.split(',')) this.gtids.set(g.split('-')[0]!, g);
      } else {
        this.mysqlGtids = from.gtids;
      }
    }
    this.gtidsAtTxStart = this.gtidText();
  }

  private gtidText(): string | null {
    if (this.gtids.size > 0) return [...this.gtids.values()].join(',');
    return this.mysqlGtids;
  }

  private async connect(): Promise<void> {
    const connection = await BinlogConnection.open(this.deps.connection);
    if (this.stopped) {
      connection.close();
      return;
    }
    this.connection = connection;
    const position = this.newStream();
    // The GTIDs of the transactions before the current one: the server sends that one first.
    const gtidStart = this.gtidStarts ? await gtidDumpStart(connection, this.gtidsAtTxStart) : null;
    this.dumpGtids = gtidStart === null ? null : this.gtidsAtTxStart;
    this.resumeAtFirstTx = gtidStart !== null && (this.skipEvents > 0 || this.skipRows > 0);
    await connection.startDump(
      gtidStart ?? { kind: 'position', ...position },
      {
        event: (bytes) => {
          this.onBytes(bytes);
        },
        end: (error) => {
          this.onEnd(connection, error);
        },
      },
    );
    this.backoffMs = 1000;
  }

  /** Resets for a new dump; returns the file/pos a dump by position starts at. */
  private newStream(): { file: string; pos: number } {
    // The decoder's table maps and format belong to the old stream.
    this.decoder = new BinlogDecoder({ file: this.txFile });
    this.file = this.txFile;
    this.index = 0;
    this.inTx = false;
    this.awaitingBegin = false;
    this.backlog = [];
    // Re-reading the current transaction from its start: what it emitted is skipped again
    // (rows() keeps the resume point at the last row it emitted). A GTID start's resume point is
    // still to come while the stream has not sent the transaction.
    if (!this.resumeAtFirstTx && (this.txFile !== this.resumeFile || this.txPos !== this.resumePos)) {
      this.skipEvents = 0;
      this.skipRows = 0;
    }
    this.pauses.clear();
    return { file: this.txFile, pos: this.gtidEventPos ?? this.txPos };
  }

  private onEnd(connection: BinlogConnection, error: DumpError | null): void {
    connection.close();
    if (this.stopped || this.connection !== connection) return;
    this.connection = undefined;
    if (error?.errno === ER_MASTER_FATAL_ERROR_READING_BINLOG) {
      const message = this.dumpGtids === null ? error.message : `${error.message}; the dump started after GTIDs ${this.dumpGtids}`;
      this.deps.queue.fail(purgedBinlogError(this.txFile, this.txPos, message));
      return;
    }
    if (!this.deps.emitter.config.keepAlive) {
      this.deps.queue.fail(fatalError(`The binlog connection ended: ${error?.message ?? 'closed by the server'}`, error ?? undefined));
      return;
    }
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.deps.emitter.config.reconnectMaxMs);
    this.deps.logger.warn({ error: error?.message, retryInMs: delay, file: this.txFile, pos: this.txPos }, 'binlog connection lost; reconnecting');
    this.scheduleReconnect(delay);
  }

  private scheduleReconnect(delay: number): void {
    this.reconnectTimer = this.deps.scheduler.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped) return;
      this.connect().catch((error: unknown) => {
        const delayNext = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.deps.emitter.config.reconnectMaxMs);
        this.deps.logger.warn({ error: (error as Error).message, retryInMs: delayNext }, 'binlog reconnect failed');
        this.scheduleReconnect(delayNext);
      });
    }, delay);
  }

  private pause(reason: string): void {
    if (this.pauses.size === 0) this.connection?.pause();
    this.pauses.add(reason);
  }

  private resume(reason: string): void {
    if (!this.pauses.delete(reason)) return;
    if (this.pauses.size === 0) {
      this.connection?.resume();
      this.drainBacklog();
    }
  }

  private onBytes(bytes: Buffer): void {
    if (this.stopped) return;
    if (this.busy || this.backlog.length > 0) {
      this.backlog.push(Buffer.from(bytes));
      return;
    }
    this.process(bytes);
  }

  private drainBacklog(): void {
    while (!this.busy && this.backlog.length > 0 && !this.stopped) this.process(this.backlog.shift()!);
  }

  private process(bytes: Buffer): void {
    let event: BinlogEvent;
    try {
      event = this.decoder.decode(bytes);
    } catch (error) {
      if (error instanceof BinlogError && this.deps.emitter.config.failureMode !== 'fail') {
        if (this.deps.emitter.config.failureMode === 'warn') this.deps.logger.warn({ error: error.message }, 'skipping a binlog event that could not be decoded');
        this.index++;
        return;
      }
      this.deps.queue.fail(fatalError(`Cannot decode the binlog at ${this.file}: ${(error as Error).message}`, error));
      this.stop();
      return;
    }
    try {
      this.handle(event);
    } catch (error) {
      this.deps.queue.fail(error instanceof Error ? error : new Error(String(error)));
      this.stop();
    }
    if (this.deps.queue.full) this.pause('queue');
  }

  private handle(event: BinlogEvent): void {
    const next = event.header.nextPosition;
    switch (event.kind) {
      case 'rotate':
        this.file = event.nextFile;
        if (!this.inTx) {
          this.txFile = event.nextFile;
          this.txPos = Number(event.nextPosition);
          this.index = 0;
          this.gtidsAtTxStart = this.gtidText();
        }
        return;
      case 'heartbeat':
        if (!this.inTx && event.file === this.txFile && Number(event.filePosition) > this.txPos && this.skipEvents === 0 && this.skipRows === 0) {
          this.txPos = Number(event.filePosition);
        }
        this.maybeHeartbeat();
        return;
      case 'format-description':
      case 'gtid-list':
      case 'binlog-checkpoint':
      case 'previous-gtids':
      case 'stop':
      case 'other':
      case 'intvar':
        if (!this.inTx) this.advanceIdle(next);
        else this.index++;
        return;
      case 'mariadb-gtid':
        // Debezium's MariaDB connector starts the transaction at its GTID event.
        this.openTransaction(event.gtid, event.header.timestamp, event.header.serverId, null);
        this.startTransactionAt(event.position ?? this.txPos);
        if ((event.flags & FL_STANDALONE) !== 0) this.thread = null;
        this.index++;
        return;
      case 'gtid':
      case 'anonymous-gtid': {
        // Its BEGIN starts the transaction's offsets; a DDL (no BEGIN) is offset past itself.
        // Debezium takes a real GTID's original commit timestamp as the time of the whole
        // transaction (gtid_mode=ON); with anonymous ones, each event's own second.
        const commitUs = event.kind === 'gtid' && event.originalCommitTimestamp !== undefined && event.originalCommitTimestamp !== 0n ? event.originalCommitTimestamp : null;
        const timeUs = event.kind === 'gtid' ? (commitUs ?? BigInt(event.header.timestamp) * 1_000_000n) : null;
        this.openTransaction(event.kind === 'gtid' ? `${event.uuid}:${event.gno}` : null, event.header.timestamp, event.header.serverId, timeUs);
        this.awaitingBegin = true;
        this.gtidEventPos = event.position ?? null;
        return;
      }
      case 'query': {
        const sql = event.sql.trim();
        const upper = sql.slice(0, 16).toUpperCase();
        if (upper === 'BEGIN' || upper.startsWith('XA START')) {
          if (!this.inTx) {
            this.openTransaction(null, event.header.timestamp, event.header.serverId, null);
            this.startTransactionAt(event.position ?? this.txPos);
          } else if (this.awaitingBegin) {
            this.startTransactionAt(event.position ?? this.txPos);
          }
          this.thread = event.threadId;
          this.index++;
          return;
        }
        if (upper === 'COMMIT' || upper.startsWith('XA END') || upper.startsWith('XA COMMIT') || upper.startsWith('XA PREPARE')) {
          this.commit(next);
          return;
        }
        if (upper === 'ROLLBACK' || upper.startsWith('SAVEPOINT') || upper.startsWith('ROLLBACK TO')) {
          if (upper === 'ROLLBACK') this.commit(next);
          else this.index++;
          return;
        }
        this.ddl(event.position ?? this.txPos, next, event.database, sql, event.header.timestamp, event.header.serverId, event.threadId);
        return;
      }
      case 'annotate-rows':
      case 'rows-query':
        this.query = event.sql;
        this.index++;
        return;
      case 'table-map':
        this.index++;
        return;
      case 'rows':
        this.rows(event);
        this.index++;
        return;
      case 'xid':
        this.commit(next);
        return;
      case 'transaction-payload':
        for (const inner of event.events) {
          if (inner.kind === 'xid') {
            this.commit(next);
          } else {
            this.handle(inner);
          }
        }
        return;
    }
  }

  private advanceIdle(next: number): void {
    // Only forward: a dump that starts mid-file is sent the file's FORMAT_DESCRIPTION first.
    if (next > this.txPos && this.skipEvents === 0 && this.skipRows === 0) {
      this.txPos = next;
      this.index = 0;
    }
  }

  /** A transaction begins: its GTID, if any, and what its records tell of it. */
  private openTransaction(gtid: string | null, ts: number, serverId: number, timeUs: bigint | null): void {
    this.inTx = true;
    this.currentGtid = gtid;
    this.fromFilteredSource = this.isFilteredSource(gtid, serverId);
    this.gtidsAtTxStart = this.gtidText();
    this.txTimeUs = timeUs;
    this.tsSec = timeUs === null ? ts : Number(timeUs / 1_000_000n);
    this.serverId = serverId;
    this.thread = null;
    this.query = null;
  }

  /** The transaction's offsets start at this event, event 0 of those its records are given. */
  private startTransactionAt(pos: number): void {
    this.awaitingBegin = false;
    this.txFile = this.file;
    this.txPos = pos;
    if (this.resumeAtFirstTx) {
      this.resumeAtFirstTx = false;
      this.resumeFile = this.txFile;
      this.resumePos = pos;
    }
    this.index = 0;
  }

  /** The source time of an event's records, in ms: the transaction's when its GTID gave one. */
  private sourceTsMs(headerSec: number): number {
    return this.txTimeUs === null ? headerSec * 1000 : Number(this.txTimeUs / 1000n);
  }

  private commit(next: number): void {
    if (this.currentGtid !== null) {
      const m = /^(\d+)-\d+-\d+$/.exec(this.currentGtid);
      if (m !== null) this.gtids.set(m[1]!, this.currentGtid);
      // A MySQL set grows only from a known one: a set of the transactions seen since is not it.
      const mysql = /^([0-9a-f-]{36}):(\d+)$/i.exec(this.currentGtid);
      if (mysql !== null && this.mysqlGtids !== null) this.mysqlGtids = addGtid(this.mysqlGtids, mysql[1]!, BigInt(mysql[2]!));
    }
    this.inTx = false;
    this.awaitingBegin = false;
    this.gtidEventPos = null;
    this.currentGtid = null;
    this.fromFilteredSource = false;
    this.txFile = this.file;
    if (next > 0) this.txPos = next;
    this.index = 0;
    this.skipEvents = 0;
    this.skipRows = 0;
    this.resumePos = -1;
    this.gtidsAtTxStart = this.gtidText();
    this.thread = null;
    this.query = null;
  }

  /** Whether this event of the resumed transaction was emitted before; how many of its rows were. */
  private skipOf(): { skipAll: boolean; rows: number } {
    if (this.txFile !== this.resumeFile || this.txPos !== this.resumePos) return { skipAll: false, rows: 0 };
    if (this.index < this.skipEvents) return { skipAll: true, rows: 0 };
    if (this.index === this.skipEvents) return { skipAll: false, rows: this.skipRows };
    return { skipAll: false, rows: 0 };
  }

  private offset(event: number, row: number): SourceOffset {
    return toSourceOffset({ file: this.txFile, pos: this.txPos, gtids: this.gtidsAtTxStart, event, row, snapshot: false, tsSec: this.tsSec, serverId: this.serverId });
  }

  /**
   * Whether gtid.source.includes/excludes leave out the transaction's source (with
   * gtid.source.filter.dml.events): a MySQL GTID's server UUID, a MariaDB GTID's
   * `domain-server`, as Debezium tests them.
   */
  private isFilteredSource(gtid: string | null, serverId: number): boolean {
    const { gtidSourceFilter, gtidFilterDml } = this.deps.emitter.config;
    if (gtidSourceFilter === null || !gtidFilterDml || gtid === null) return false;
    const mariadb = /^(\d+)-\d+-\d+$/.exec(gtid);
    return !gtidSourceFilter(mariadb !== null ? `${mariadb[1]!}-${serverId}` : gtid.slice(0, gtid.indexOf(':')));
  }

  private rows(event: RowsEvent): void {
    const { emitter } = this.deps;
    const map = event.table;
    if (this.fromFilteredSource || !emitter.filter.table(map.database, map.table)) return;
    const skip = this.skipOf();
    if (skip.skipAll) return;
    let env = emitter.envelope(map.database, map.table);
    if (env === undefined || env.table.columns.length !== map.columns.length) {
      const def = tableFromMap(map);
      if (def === undefined) {
        throw fatalError(
          `Rows of ${map.database}.${map.table} at ${this.file}:${event.position ?? '?'} have ${map.columns.length} columns, the schema history knows ${env?.table.columns.length ?? 'no'} (and the binlog has no column names: set binlog_row_metadata=FULL). The schema history is missing or incomplete: re-snapshot (delete the offsets).`,
        );
      }
      this.deps.logger.warn({ table: `${map.database}.${map.table}` }, 'the schema history does not match the binlog; using the columns the binlog names');
      emitter.catalog.put(def);
      env = emitter.envelope(map.database, map.table)!;
    } else if (this.namesChecked.get(map) !== env.table) {
      // binlog_row_metadata=FULL names the columns: a history that names them otherwise (a
      // rebuilt or lost one) would put values under the wrong fields without failing.
      const mismatch = columnNameMismatch(env.table, map);
      if (mismatch !== null) {
        throw fatalError(
          `Rows of ${map.database}.${map.table} at ${this.file}:${event.position ?? '?'} name their columns ${mismatch.binlog}, the schema history ${mismatch.history}: the history does not describe the table at this position. ` +
            "Restore the schema history, or delete the connector's offsets to snapshot again.",
        );
      }
      this.namesChecked.set(map, env.table);
    }
    const op = event.rowsKind === 'write' ? 'c' : event.rowsKind === 'update' ? 'u' : 'd';
    const now = this.deps.scheduler.now();
    const records: SourceRecord[] = [];
    for (let r = skip.rows; r < event.rows.length; r++) {
      const change = event.rows[r]!;
      const info: SourceInfo = {
        tsMs: this.sourceTsMs(event.header.timestamp),
        tsUs: this.txTimeUs ?? undefined,
        snapshot: 'false',
        db: map.database,
        table: map.table,
        serverId: event.header.serverId,
        gtid: this.currentGtid,
        file: this.file,
        pos: event.position ?? this.txPos,
        row: r,
        thread: this.thread,
        query: emitter.config.includeQuery ? this.query : null,
      };
      // MySQL's PARTIAL_JSON sends changed JSON as diffs to the before image: events carry whole documents.
      const after = change.after === undefined ? null : event.partial ? completeAfterImage(change.before, change.after) : change.after;
      records.push(...emitter.rowRecords(env, op, change.before ?? null, after, info, now, this.offset(this.index, r + 1), () => this.offset(this.index, r)));
    }
    if (records.length > 0) this.deps.queue.push(...records);
    this.markEmitted(event.rows.length);
  }

  /**
   * Makes the event being handled, up to `rows` of its rows, the resume point of the current
   * transaction: a reconnect reads the transaction again from its start and must skip as far as
   * this, as a restart from the last record's offset would.
   */
  private markEmitted(rows: number): void {
    this.resumeFile = this.txFile;
    this.resumePos = this.txPos;
    this.skipEvents = this.index;
    this.skipRows = rows;
  }

  private ddl(pos: number, next: number, database: string, sql: string, ts: number, serverId: number, thread: number): void {
    const { emitter } = this.deps;
    const skip = this.skipOf();
    let outcome;
    try {
      outcome = emitter.catalog.apply(sql, database);
    } catch (error) {
      const named = emitter.catalog.lastNamedTables();
      if (error instanceof DdlParseError && named.length > 0 && named.every((t) => !emitter.filter.table(t.database, t.name) && emitter.catalog.table(t.database, t.name) === undefined)) {
        // No captured table depends on it, now or later: Debezium moves on too.
        this.deps.logger.info({ ddl: sql.slice(0, 500), error: error.message }, 'skipping DDL about tables that are not captured');
        this.commit(next);
        return;
      }
      if (error instanceof DdlParseError && emitter.config.skipUnparseableDdl) {
        this.deps.logger.warn({ ddl: sql, error: error.message }, 'skipping DDL the parser does not follow');
        this.commit(next);
        return;
      }
      throw fatalError(`Cannot follow the DDL at ${this.file}:${pos} (${(error as Error).message}): ${sql.slice(0, 500)}. Set schema.history.internal.skip.unparseable.ddl=true to skip it.`, error);
    }
    if (!outcome.recognised) {
      this.commit(next);
      return;
    }
    const captured = outcome.changes.some((c) => emitter.filter.table(c.table.database, c.table.name)) || emitter.filter.database(outcome.database);
    // The session's database, as Debezium records it: replay resolves unqualified names against
    // it, whichever database the statement names. Without one, every name in it is qualified.
    const entry: SchemaHistoryEntry = { file: this.file, pos, gtids: this.gtidsAtTxStart, tsMs: ts * 1000, database: database !== '' ? database : outcome.database, ddl: sql, snapshot: false };
    const sourceMs = this.sourceTsMs(ts);
    const sourceUs = this.txTimeUs ?? undefined;
    this.serverId = serverId;
    this.tsSec = Math.floor(sourceMs / 1000);
    const gtid = this.currentGtid;
    const file = this.file;
    this.commit(next);
    const offset = this.offset(0, 0);
    const unresolved = outcome.unresolved ?? [];
    const learn = unresolved.filter((u) => emitter.filter.table(u.database, u.name));
    for (const u of unresolved) {
      if (!learn.includes(u)) this.deps.logger.info({ table: `${u.database}.${u.name}`, ddl: sql.slice(0, 500) }, 'a table that is not captured was made from one the schema history does not know; not followed');
    }
    const finish = (learned: readonly SchemaHistoryEntry[], learnedChanges: readonly TableChange[]): void => {
      const changes = [...outcome.changes, ...learnedChanges];
      const records: SourceRecord[] = [];
      const key = `${entry.file}:${entry.pos}`;
      const store = !emitter.config.historyOnlyCapturedTables || captured || learned.length > 0;
      if (store && !skip.skipAll) {
        for (const e of [entry, ...learned]) {
          const history = emitter.historyRecord(e, offset);
          if (history !== null) records.push(history);
        }
      }
      if ((captured || learned.length > 0) && emitter.config.includeSchemaChanges && !skip.skipAll) {
        // Debezium names the tables the statement changed, comma-separated.
        const tables = [...new Set([...changes.map((c) => c.table.name), ...outcome.truncated.map((id) => id.slice(id.indexOf('.') + 1))])];
        const info: SourceInfo = { tsMs: sourceMs, tsUs: sourceUs, snapshot: 'false', db: outcome.database || database, table: tables.length > 0 ? tables.join(',') : null, serverId, gtid, file, pos, row: 0, thread, query: null };
        records.push(emitter.schemaChangeRecord({ ...entry, database: outcome.database || database }, changes, info, offset));
      }
      if (!store || this.deps.storedDdl.has(key)) {
        if (records.length > 0) this.deps.queue.push(...records);
        return;
      }
      this.storeHistory(key, [entry, ...learned], records);
    };
    if (learn.length === 0) {
      finish([], []);
      return;
    }
    // The rows that follow need the table's columns: the server's definition now is the best left.
    this.busy = true;
    this.pause('learn');
    this.learnTables(learn, file, pos, entry.gtids, ts).then(
      (learned) => {
        if (this.stopped) return;
        this.busy = false;
        finish(learned.entries, learned.changes);
        this.resume('learn');
      },
      (error: unknown) => {
        this.deps.queue.fail(fatalError(`Cannot read the definition of ${learn.map((u) => `${u.database}.${u.name}`).join(', ')} from the server: ${(error as Error).message}`, error));
        this.stop();
      },
    );
  }

  /**
   * A captured table made by DDL from a table the history does not know (RENAME TABLE or CREATE
   * TABLE ... LIKE from outside the captured databases): its SHOW CREATE TABLE now, applied to the
   * catalog and stored after the statement so a replay knows it too.
   */
  private async learnTables(
    tables: readonly { database: string; name: string }[],
    file: string,
    pos: number,
    gtids: string | null,
    ts: number,
  ): Promise<{ entries: SchemaHistoryEntry[]; changes: TableChange[] }> {
    const connection = await BinlogConnection.open(this.deps.connection);
    const learned: SchemaHistoryEntry[] = [];
    const changes: TableChange[] = [];
    try {
      for (const t of tables) {
        const quoted = `\`${t.database.replace(/`/g, '``')}\`.\`${t.name.replace(/`/g, '``')}\``;
        let ddl: string | undefined;
        try {
          ddl = (await connection.query<Record<string, string>>(`SHOW CREATE TABLE ${quoted}`))[0]?.['Create Table'];
        } catch (error) {
          this.deps.logger.warn({ table: `${t.database}.${t.name}`, error: (error as Error).message }, 'a captured table made from an unknown one is gone from the server; its rows cannot be read without binlog_row_metadata=FULL');
          continue;
        }
        if (ddl === undefined) continue;
        this.deps.logger.warn(
          { table: `${t.database}.${t.name}` },
          'a captured table was made from one the schema history does not know: using its definition on the server now (rows written before a later change of it may be misread; binlog_row_metadata=FULL avoids that)',
        );
        changes.push(...this.deps.emitter.catalog.apply(ddl, t.database).changes);
        learned.push({ file, pos, gtids, tsMs: ts * 1000, database: t.database, ddl, snapshot: false });
      }
    } finally {
      connection.close();
    }
    return { entries: learned, changes };
  }

  /**
   * Stores history entries before any later row is decoded with them (and before their offset
   * can be committed): the stream is held until the store has them.
   */
  private storeHistory(key: string, entries: readonly SchemaHistoryEntry[], records: readonly SourceRecord[]): void {
    this.busy = true;
    this.pause('history');
    this.deps.storedDdl.add(key);
    this.deps.history.append(entries).then(
      () => {
        this.busy = false;
        if (records.length > 0) this.deps.queue.push(...records);
        this.resume('history');
        this.drainBacklog();
      },
      (error: unknown) => {
        this.deps.queue.fail(fatalError(`Cannot store the schema history: ${(error as Error).message}`, error));
        this.stop();
      },
    );
  }

  private maybeHeartbeat(): void {
    const interval = this.deps.emitter.config.heartbeatIntervalMs;
    // Busy: a DDL's history entry is being stored (or a table read for it) and the position is
    // already past the statement; an offset committed from a heartbeat now would restart after
    // the DDL without its entry, reading later rows with the old columns.
    if (interval <= 0 || this.busy || this.inTx || this.skipEvents > 0 || this.skipRows > 0) return;
    const now = this.deps.scheduler.now();
    if (now - this.lastHeartbeatMs < interval) return;
    this.lastHeartbeatMs = now;
    this.deps.queue.push(this.deps.emitter.heartbeatRecord(now, this.offset(0, 0)));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.deps.scheduler.clearTimeout(this.reconnectTimer);
    this.deps.scheduler.clearInterval(this.heartbeatTimer);
    this.connection?.close();
    this.connection = undefined;
  }
}

const TYPE_NAMES: Partial<Record<number, string>> = {
  [ColumnType.TINY]: 'TINYINT',
  [ColumnType.SHORT]: 'SMALLINT',
  [ColumnType.INT24]: 'MEDIUMINT',
  [ColumnType.LONG]: 'INT',
  [ColumnType.LONGLONG]: 'BIGINT',
  [ColumnType.FLOAT]: 'FLOAT',
  [ColumnType.DOUBLE]: 'DOUBLE',
  [ColumnType.NEWDECIMAL]: 'DECIMAL',
  [ColumnType.YEAR]: 'YEAR',
  [ColumnType.DATE]: 'DATE',
  [ColumnType.NEWDATE]: 'DATE',
  [ColumnType.TIME]: 'TIME',
  [ColumnType.TIME2]: 'TIME',
  [ColumnType.DATETIME]: 'DATETIME',
  [ColumnType.DATETIME2]: 'DATETIME',
  [ColumnType.TIMESTAMP]: 'TIMESTAMP',
  [ColumnType.TIMESTAMP2]: 'TIMESTAMP',
  [ColumnType.BIT]: 'BIT',
  [ColumnType.JSON]: 'JSON',
  [ColumnType.ENUM]: 'ENUM',
  [ColumnType.SET]: 'SET',
  [ColumnType.GEOMETRY]: 'GEOMETRY',
};

/**
 * Where the column names of a TABLE_MAP (binlog_row_metadata=FULL) and of the definition the
 * history gives differ, as two lists to show; null when they agree or the binlog names none.
 */
export function columnNameMismatch(table: TableDef, map: TableMap): { binlog: string; history: string } | null {
  if (map.columns.length !== table.columns.length) return null;
  for (let i = 0; i < map.columns.length; i++) {
    const name = map.columns[i]!.name;
    if (name === undefined) return null;
    if (name.toLowerCase() !== table.columns[i]!.name.toLowerCase()) {
      return { binlog: `(${map.columns.map((c) => c.name).join(', ')})`, history: `(${table.columns.map((c) => c.name).join(', ')})` };
    }
  }
  return null;
}

/** A table definition from a TABLE_MAP with binlog_row_metadata=FULL, when the history has none. */
export function tableFromMap(map: TableMap): TableDef | undefined {
  if (map.columns.some((c) => c.name === undefined)) return undefined;
  const columns: ColumnDef[] = map.columns.map((c) => {
    let type = TYPE_NAMES[c.type];
    let length: number | undefined;
    let scale: number | undefined;
    if (c.enumValues !== undefined) type = 'ENUM';
    else if (c.setValues !== undefined) type = 'SET';
    else if (type === undefined) type = c.charset === undefined || c.collation === 63 ? (c.type === ColumnType.STRING ? 'BINARY' : 'BLOB') : 'VARCHAR';
    if (type === 'DECIMAL') {
      length = c.meta >> 8;
      scale = c.meta & 0xff;
    } else if (type === 'BIT') length = (c.meta >> 8) * 8 + (c.meta & 0xff);
    else if (type === 'TIME' || type === 'DATETIME' || type === 'TIMESTAMP') scale = c.type === ColumnType.TIME2 || c.type === ColumnType.DATETIME2 || c.type === ColumnType.TIMESTAMP2 ? c.meta : 0;
    return columnDef(c.name!, type, { length, scale, unsigned: c.unsigned ?? false, nullable: c.nullable, charset: c.charset, enumValues: c.enumValues ?? c.setValues });
  });
  return {
    database: map.database,
    name: map.table,
    columns,
    primaryKey: map.primaryKey.map((i) => map.columns[i]!.name!),
    uniqueIndexes: [],
    defaultCharset: undefined,
    comment: undefined,
  };
}
