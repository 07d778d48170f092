import type { SourceRecord, SourceTask, SourceTaskContext, TaskConfig } from '../../connect/api/index.ts';
import { ConnectError } from '../../connect/api/index.ts';
import type { BinlogConnectionOptions } from './client/binlog-client.ts';
import { BinlogConnection } from './client/binlog-client.ts';
import type { ParsedMySqlCdcConfig } from './config.ts';
import { parseMySqlCdcConfig } from './config.ts';
import { ChangeEmitter, TableFilter } from './emitter.ts';
import { connectionError, fatalError, purgedBinlogError } from './errors.ts';
import type { BinlogOffset } from './offset.ts';
import { parseSourceOffset, sourcePartitionOf } from './offset.ts';
import { RecordQueue } from './record-queue.ts';
import { DdlParseError, SchemaCatalog } from './schema/catalog.ts';
import type { SchemaHistoryEntry, SchemaHistoryStore } from './schema/history.ts';
import { entriesBefore, schemaHistoryStoreOf } from './schema/history.ts';
import { binlogExists, checkServer } from './server-check.ts';
import { TlsError } from './server-connection.ts';
import { runSnapshot } from './snapshot.ts';
import { BinlogStreamer, gtidDumpStart, gtidStartAvailable } from './streaming.ts';
import { MYSQL_CDC_VERSION } from './version.ts';

/**
 * The one task of the MySQL/MariaDB connector: checks the server, restores the table schemas
 * from the history, snapshots when the mode and the stored offset call for it, then streams the
 * binlog. Readers run in the background and fill a bounded queue that poll() drains.
 */
/** Points where tests step into the task's work. */
export interface MySqlCdcTaskHooks {
  /** Between the snapshot reading its binlog position and reading the table definitions. */
  readonly snapshotAfterPosition?: () => Promise<void>;
}

export class MySqlCdcTask implements SourceTask {
  private readonly hooks: MySqlCdcTaskHooks;
  private context: SourceTaskContext | undefined;
  private config: ParsedMySqlCdcConfig | undefined;
  private queue: RecordQueue | undefined;
  private streamer: BinlogStreamer | undefined;
  private stopped = false;
  private pipeline: Promise<void> | undefined;
  private finished = false;

  constructor(hooks: MySqlCdcTaskHooks = {}) {
    this.hooks = hooks;
  }

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  async start(rawConfig: TaskConfig): Promise<void> {
    const context = this.context;
    if (context === undefined) throw fatalError('the task was started before initialize()');
    const config = parseMySqlCdcConfig(rawConfig);
    this.config = config;
    const { logger, scheduler } = context;
    for (const key of config.unsupportedKeys) logger.warn({ key }, `config key not acted on: ${key}`);
    const connectionOptions: BinlogConnectionOptions = {
      host: config.hostname,
      port: config.port,
      user: config.user,
      password: config.password,
      connectTimeoutMs: config.connectTimeoutMs,
      tls: config.tls,
      serverId: config.serverId,
      heartbeatPeriodMs: config.heartbeatIntervalMs > 0 ? config.heartbeatIntervalMs : 30_000,
    };
    let probe: BinlogConnection;
    try {
      probe = await BinlogConnection.open(connectionOptions);
    } catch (error) {
      // A certificate that does not verify stays so on a retry: the config or the server must change.
      if (error instanceof TlsError) throw fatalError(`Cannot connect to ${config.hostname}:${config.port} with TLS: ${error.message}`, error);
      throw connectionError(`Cannot connect to ${config.hostname}:${config.port} as ${config.user}: ${(error as Error).message}`, error);
    }
    const partition = sourcePartitionOf(config.topicPrefix);
    const { store: history, writesTopic } = schemaHistoryStoreOf(context, {
      topic: config.historyTopic,
      file: config.historyFile,
      server: config.topicPrefix,
      bootstrapServers: config.historyBootstrapServers,
    });
    const catalog = new SchemaCatalog();
    const queue = new RecordQueue(config.maxQueueSize, scheduler);
    this.queue = queue;
    let from: BinlogOffset | null;
    let snapshot: boolean;
    const flavour = config.flavour ?? (probe.mariadb ? 'mariadb' : 'mysql');
    const filter = new TableFilter(config);
    const emitter = new ChangeEmitter(
      // When the store writes the topic, history records sent as well would double every entry.
      writesTopic ? { ...config, historyTopic: null } : config,
      {
        topicPrefix: config.topicPrefix,
        connector: flavour,
        version: MYSQL_CDC_VERSION,
        decimalMode: config.decimalMode,
        timePrecisionMode: config.timePrecisionMode,
        bigintUnsignedMode: config.bigintUnsignedMode,
        binaryMode: config.binaryMode,
        includeColumn: (db: string, table: string, column: string): boolean => filter.column(db, table, column),
        masks: config.columnMasks,
        truncates: config.columnTruncates,
        logger,
      },
      filter,
      catalog,
      partition,
    );
    const storedDdl = new Set<string>();
    try {
      await checkServer(probe);
      from = parseSourceOffset(await context.offsetStorageReader.offset(partition));
      if (config.snapshotMode === 'initial_only' && from !== null && !from.snapshot) {
        // Debezium's initial_only: once the snapshot completed, the binlog is never read.
        logger.info({}, 'snapshot.mode=initial_only: the snapshot was completed before; not streaming');
        this.finished = true;
        return;
      }
      snapshot = this.needsSnapshot(config, from);
      // A GTID start does not need the offset's file (another server's, after a failover).
      const gtidStart = from === null || from.snapshot ? null : await gtidDumpStart(probe, from.gtids);
      if (from !== null && !from.snapshot && !(gtidStart !== null ? await gtidStartAvailable(probe, gtidStart) : await binlogExists(probe, from.file))) {
        if (config.snapshotMode === 'when_needed') {
          logger.warn({ file: from.file, pos: from.pos, gtids: from.gtids }, 'the binlog of the stored offset was purged; snapshot.mode=when_needed: snapshotting again');
          snapshot = true;
        } else {
          throw purgedBinlogError(from.file, from.pos, gtidStart === null ? `${from.file} is not in SHOW BINARY LOGS` : `the server's binlogs start after GTIDs ${from.gtids}`);
        }
      }
      if (!snapshot && from !== null) {
        if (config.snapshotMode === 'recovery') await this.recoverSchema(history, from, storedDdl, probe, emitter);
        else await this.restoreSchema(history, catalog, filter, from, storedDdl);
      }
    } finally {
      probe.close();
    }
    const stopped = (): boolean => this.stopped;
    const streamFrom = from;
    this.pipeline = (async () => {
      let position = streamFrom;
      if (snapshot) {
        const withData = config.snapshotMode !== 'no_data' && config.snapshotMode !== 'never' && config.snapshotMode !== 'recovery';
        const result = await runSnapshot({ emitter, history, queue, scheduler, logger, connection: connectionOptions, withData, stopped, afterPosition: this.hooks.snapshotAfterPosition });
        position = result.offset;
        const stored = await history.load();
        // A snapshot of no tables leaves the history empty, which a restart would take for a lost
        // history: an empty entry marks it as written.
        if (stored.length === 0) await history.append([{ file: position.file, pos: position.pos, gtids: position.gtids, tsMs: position.tsSec * 1000, database: '', ddl: '', snapshot: true }]);
        for (const e of stored) storedDdl.add(`${e.file}:${e.pos}`);
        if (config.snapshotMode === 'initial_only') {
          logger.info({}, 'snapshot.mode=initial_only: the snapshot is done; not streaming');
          this.finished = true;
          return;
        }
      }
      if (this.stopped || position === null) return;
      const streamer = new BinlogStreamer({ emitter, history, storedDdl, queue, scheduler, logger, connection: connectionOptions });
      this.streamer = streamer;
      await streamer.start(position);
    })().catch((error: unknown) => {
      if (this.stopped) return;
      queue.fail(error instanceof ConnectError ? error : connectionError(`The connector failed: ${(error as Error).message}`, error));
    });
  }

  private needsSnapshot(config: ParsedMySqlCdcConfig, from: BinlogOffset | null): boolean {
    const interrupted = from?.snapshot === true;
    // never is no_data: the table definitions at the start position must be in the history, or
    // a restart after a DDL cannot read the rows before it.
    switch (config.snapshotMode) {
      case 'initial':
      case 'initial_only':
      case 'when_needed':
      case 'no_data':
      case 'never':
      case 'recovery':
        return from === null || interrupted;
    }
  }

  /** The tables as they were at the offset, from the history up to it. */
  private async restoreSchema(history: SchemaHistoryStore, catalog: SchemaCatalog, filter: TableFilter, from: BinlogOffset, storedDdl: Set<string>): Promise<void> {
    const entries = await history.load();
    for (const e of entries) storedDdl.add(`${e.file}:${e.pos}`);
    const usable = entriesBefore(entries, from, this.config!.gtidSourceFilter);
    if (usable.length === 0) {
      // Debezium refuses to start too: today's definitions would decode the rows written before
      // a later DDL with the wrong columns, silently.
      const config = this.config!;
      const where =
        config.historyFile !== null
          ? `the schema history file ${config.historyFile}`
          : config.historyTopic !== null
            ? `the schema history topic ${config.historyTopic}`
            : 'the schema history (no schema.history.internal.kafka.topic or schema.history.internal.file.filename is set, so it was kept in memory only)';
      const state = entries.length === 0 ? 'is missing or empty' : 'has no entries at or before it';
      throw fatalError(
        `${where} ${state}, but the connector has a stored offset (${from.file}:${from.pos}): the table definitions at that position are unknown. ` +
          'Restore the history, or set snapshot.mode=recovery to rebuild it from the current table definitions (right only if no DDL ran on the captured tables since that position), ' +
          "or delete the connector's offsets to snapshot again.",
      );
    }
    for (const e of usable) {
      if (e.ddl === '') continue;
      try {
        catalog.apply(e.ddl, e.database);
      } catch (error) {
        // As while streaming: DDL only about tables that are not captured and unknown is passed over.
        const outside = error instanceof DdlParseError && catalog.lastNamedTables().length > 0 && catalog.lastNamedTables().every((t) => !filter.table(t.database, t.name) && catalog.table(t.database, t.name) === undefined);
        if (!outside && !this.config!.skipUnparseableDdl) throw fatalError(`Cannot replay the schema history entry at ${e.file}:${e.pos} (${(error as Error).message}): ${e.ddl.slice(0, 300)}`, error);
      }
    }
  }

  /**
   * snapshot.mode=recovery with an offset: the history is rebuilt from the server's current
   * definitions and stored as a snapshot at the offset's position, which later restarts replay.
   */
  private async recoverSchema(history: SchemaHistoryStore, from: BinlogOffset, storedDdl: Set<string>, probe: BinlogConnection, emitter: ChangeEmitter): Promise<void> {
    for (const e of await history.load()) storedDdl.add(`${e.file}:${e.pos}`);
    this.context!.logger.warn({ file: from.file, pos: from.pos }, 'snapshot.mode=recovery: rebuilding the schema history from the current table definitions; set snapshot.mode back once the task runs');
    const tables = await probe.query<{ TABLE_SCHEMA: string; TABLE_NAME: string }>(
      "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_SCHEMA, TABLE_NAME",
    );
    const tsMs = this.context!.scheduler.now();
    const entries: SchemaHistoryEntry[] = [];
    for (const t of tables) {
      if (!emitter.filter.database(t.TABLE_SCHEMA) || (this.config!.historyOnlyCapturedTables && !emitter.filter.table(t.TABLE_SCHEMA, t.TABLE_NAME))) continue;
      const [row] = await probe.query<Record<string, string>>(`SHOW CREATE TABLE \`${t.TABLE_SCHEMA.replace(/`/g, '``')}\`.\`${t.TABLE_NAME.replace(/`/g, '``')}\``);
      const ddl = row?.['Create Table'];
      if (ddl === undefined) continue;
      emitter.catalog.apply(ddl, t.TABLE_SCHEMA);
      entries.push({ file: from.file, pos: from.pos, gtids: from.gtids, tsMs, database: t.TABLE_SCHEMA, ddl, snapshot: true });
    }
    if (entries.length === 0) entries.push({ file: from.file, pos: from.pos, gtids: from.gtids, tsMs, database: '', ddl: '', snapshot: true });
    await history.append(entries);
  }

  async poll(): Promise<SourceRecord[] | null> {
    const queue = this.queue;
    const config = this.config;
    if (queue === undefined || config === undefined || this.stopped) return null;
    const records = await queue.take(config.maxBatchSize, config.pollIntervalMs);
    if (records.length === 0 && this.finished) return null;
    return records.length === 0 ? null : records;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.streamer?.stop();
    this.queue?.close();
    await this.pipeline;
    this.streamer?.stop();
  }
}
