import type { ConnectLogger, SourceOffset, SourceRecord } from '../../connect/api/index.ts';
import type { Scheduler, Timer } from '../../core/base/index.ts';
import type { BinlogEvent, RowsEvent, TableMap } from './binlog/index.ts';
import { BinlogDecoder, BinlogError, ColumnType } from './binlog/index.ts';
import type { BinlogConnectionOptions, DumpError } from './client/binlog-client.ts';
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
import type { ColumnDef, TableDef } from './schema/table.ts';

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

/**
 * Reads the binlog from an offset and turns row events into change records, in commit order.
 * The position it keeps is Debezium's: the start of the transaction being read plus how many
 * events and rows of it were emitted, so a restart (or a reconnect) reads the transaction again
 * from its start — its TABLE_MAP events are needed — and skips what was already emitted.
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
  private readonly gtids = new Map<string, string>();
  private gtidsAtTxStart: string | null = null;
  private mysqlGtids: string | null = null;
  private currentGtid: string | null = null;
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
    if (from.gtids !== null) {
      if (/^\d+-\d+-\d+(,\d+-\d+-\d+)*$/.test(from.gtids)) {
        for (const g of from.gtids.split(',')) this.gtids.set(g.split('-')[0]!, g);
      } else {
        this.mysqlGtids = from.gtids;
      }
    }
    this.gtidsAtTxStart = this.gtidText();
    await this.connect();
    const interval = this.deps.emitter.config.heartbeatIntervalMs;
    if (interval > 0) {
      this.heartbeatTimer = this.deps.scheduler.setInterval(() => {
        this.maybeHeartbeat();
      }, interval);
    }
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
    // A new stream: the decoder's table maps and format belong to the old one.
    this.decoder = new BinlogDecoder({ file: this.txFile });
    this.file = this.txFile;
    this.index = 0;
    this.inTx = false;
    this.backlog = [];
    // Re-reading the current transaction from its start: what it emitted is skipped again
    // (rows() keeps the resume point at the last row it emitted).
    if (this.txFile !== this.resumeFile || this.txPos !== this.resumePos) {
      this.skipEvents = 0;
      this.skipRows = 0;
    }
    this.pauses.clear();
    await connection.startDump(
      { kind: 'position', file: this.txFile, pos: this.txPos },
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

  private onEnd(connection: BinlogConnection, error: DumpError | null): void {
    connection.close();
    if (this.stopped || this.connection !== connection) return;
    this.connection = undefined;
    if (error?.errno === ER_MASTER_FATAL_ERROR_READING_BINLOG) {
      this.deps.queue.fail(purgedBinlogError(this.txFile, this.txPos, error.message));
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
        this.begin(event.position ?? this.txPos, event.gtid, event.header.timestamp, event.header.serverId);
        if ((event.flags & FL_STANDALONE) !== 0) this.thread = null;
        this.index++;
        return;
      case 'gtid':
      case 'anonymous-gtid':
        this.begin(event.position ?? this.txPos, event.kind === 'gtid' ? `${event.uuid}:${event.gno}` : null, event.header.timestamp, event.header.serverId);
        this.index++;
        return;
      case 'query': {
        const sql = event.sql.trim();
        const upper = sql.slice(0, 16).toUpperCase();
        if (upper === 'BEGIN' || upper.startsWith('XA START')) {
          if (!this.inTx) this.begin(event.position ?? this.txPos, null, event.header.timestamp, event.header.serverId);
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

  private begin(pos: number, gtid: string | null, ts: number, serverId: number): void {
    // The transaction's first event is event 0 of the offsets it gives its records.
    this.txFile = this.file;
    this.txPos = pos;
    this.index = 0;
    this.inTx = true;
    this.currentGtid = gtid;
    this.gtidsAtTxStart = this.gtidText();
    this.tsSec = ts;
    this.serverId = serverId;
    this.thread = null;
    this.query = null;
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
    this.currentGtid = null;
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

  private rows(event: RowsEvent): void {
    const { emitter } = this.deps;
    const map = event.table;
    if (!emitter.filter.table(map.database, map.table)) return;
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
    }
    const op = event.rowsKind === 'write' ? 'c' : event.rowsKind === 'update' ? 'u' : 'd';
    const now = this.deps.scheduler.now();
    const records: SourceRecord[] = [];
    for (let r = skip.rows; r < event.rows.length; r++) {
      const change = event.rows[r]!;
      const info: SourceInfo = {
        tsMs: event.header.timestamp * 1000,
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
      records.push(...emitter.rowRecords(env, op, change.before ?? null, after, info, now, this.offset(this.index, r + 1), this.offset(this.index, r)));
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
    const entry: SchemaHistoryEntry = { file: this.file, pos, tsMs: ts * 1000, database: outcome.database || database, ddl: sql, snapshot: false };
    this.serverId = serverId;
    this.tsSec = ts;
    const gtid = this.currentGtid;
    this.commit(next);
    const offset = this.offset(0, 0);
    const records: SourceRecord[] = [];
    const key = `${entry.file}:${entry.pos}`;
    const store = !emitter.config.historyOnlyCapturedTables || captured;
    if (store && !skip.skipAll) {
      const history = emitter.historyRecord(entry, offset);
      if (history !== null) records.push(history);
    }
    if (captured && emitter.config.includeSchemaChanges && !skip.skipAll) {
      const info: SourceInfo = { tsMs: ts * 1000, snapshot: 'false', db: entry.database, table: null, serverId, gtid, file: this.file, pos, row: 0, thread, query: null };
      records.push(emitter.schemaChangeRecord(entry, outcome.changes, info, offset));
    }
    if (!store || this.deps.storedDdl.has(key)) {
      if (records.length > 0) this.deps.queue.push(...records);
      return;
    }
    // The entry must be stored before any later row is decoded with it (and before its offset
    // can be committed): hold the stream until the store has it.
    this.busy = true;
    this.pause('history');
    this.deps.storedDdl.add(key);
    this.deps.history.append([entry]).then(
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
    if (interval <= 0 || this.inTx || this.skipEvents > 0 || this.skipRows > 0) return;
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
    return {
      name: c.name!,
      type,
      length,
      scale,
      unsigned: c.unsigned ?? false,
      nullable: c.nullable,
      charset: c.charset,
      enumValues: c.enumValues ?? c.setValues,
      autoIncrement: false,
      defaultExpression: undefined,
      defaultIsLiteral: false,
      generated: false,
      comment: undefined,
    };
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
