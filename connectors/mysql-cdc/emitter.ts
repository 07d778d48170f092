import { randomUUID } from 'node:crypto';
import type { Header, SourceOffset, SourcePartition, SourceRecord, Struct } from '../../connect/api/index.ts';
import type { ParsedMySqlCdcConfig } from './config.ts';
import type { EnvelopeOptions, Operation, SourceInfo } from './envelope.ts';
import { HEARTBEAT_KEY_SCHEMA, HEARTBEAT_VALUE_SCHEMA, TableEnvelope, dataTopicName, schemaChangeKeySchema, schemaChangeValueSchema, sourceStruct, tableChangeSerializer } from './envelope.ts';
import type { SchemaCatalog, TableChange } from './schema/catalog.ts';
import type { SchemaHistoryEntry } from './schema/history.ts';
import { tableId } from './schema/table.ts';
import type { RawValue } from './values.ts';

/** Shared by every record without headers: nothing mutates a record's headers. */
const NO_HEADERS: readonly Header[] = [];
const STRING_HEADER_SCHEMA = { type: 'string', optional: false } as const;
/** Debezium's MySQL and MariaDB tasks are always task "0" (BinlogTaskContext). */
const TASK_ID = '0';

/**
 * Debezium's DebeziumHeaderProducer.contextHeaders (extended.headers.enabled): who sent a data or
 * schema change record. runId is a UUID drawn once per task start (CdcSourceTaskContext), so one
 * array serves every record of the run.
 */
export function contextHeaders(logicalName: string, connector: 'mysql' | 'mariadb', runId: string = randomUUID()): readonly Header[] {
  return Object.freeze([
    { key: '__debezium.context.connectorLogicalName', schema: STRING_HEADER_SCHEMA, value: logicalName },
    { key: '__debezium.context.taskId', schema: STRING_HEADER_SCHEMA, value: TASK_ID },
    { key: '__debezium.context.connectorName', schema: STRING_HEADER_SCHEMA, value: connector },
    { key: '__debezium.context.runId', schema: STRING_HEADER_SCHEMA, value: runId },
  ]);
}
const SYSTEM_DATABASES = new Set(['mysql', 'sys', 'performance_schema', 'information_schema']);

/** database/table include and exclude lists, as Debezium applies them. */
export class TableFilter {
  private readonly config: ParsedMySqlCdcConfig;
  constructor(config: ParsedMySqlCdcConfig) {
    this.config = config;
  }

  database(db: string): boolean {
    if (SYSTEM_DATABASES.has(db.toLowerCase())) return false;
    const { databaseInclude, databaseExclude } = this.config;
    if (databaseInclude !== null) return databaseInclude.some((r) => r.test(db));
    return !databaseExclude.some((r) => r.test(db));
  }

  table(db: string, table: string): boolean {
    if (!this.database(db)) return false;
    const id = tableId(db, table);
    const { tableInclude, tableExclude } = this.config;
    if (tableInclude !== null) return tableInclude.some((r) => r.test(id));
    return !tableExclude.some((r) => r.test(id));
  }

  column(db: string, table: string, column: string): boolean {
    const id = `${db}.${table}.${column}`;
    const { columnInclude, columnExclude } = this.config;
    if (columnInclude !== null) return columnInclude.some((r) => r.test(id));
    return !columnExclude.some((r) => r.test(id));
  }
}

/** The record-building half shared by snapshot and streaming: envelopes per table, topics, keys. */
export class ChangeEmitter {
  readonly config: ParsedMySqlCdcConfig;
  readonly options: EnvelopeOptions;
  readonly filter: TableFilter;
  readonly catalog: SchemaCatalog;
  readonly partition: SourcePartition;
  /** The headers every data and schema change record starts with: Debezium's context headers, or none. */
  readonly contextHeaders: readonly Header[];
  private readonly tableChangeStruct: (change: TableChange) => Struct;
  private readonly envelopes = new Map<string, TableEnvelope>();

  constructor(config: ParsedMySqlCdcConfig, options: EnvelopeOptions, filter: TableFilter, catalog: SchemaCatalog, partition: SourcePartition) {
    this.config = config;
    // The config decides these, whatever the caller's options say: one source for each.
    this.options = {
      ...options,
      timeAdjuster: config.timeAdjuster,
      topicDelimiter: config.topicDelimiter,
      keyColumns: config.messageKeyColumns,
      propagateColumns: config.propagateColumns,
      propagateTypes: config.propagateTypes,
      includeSchemaComments: config.includeSchemaComments,
      conversionFailureMode: config.conversionFailureMode,
      booleanColumns: config.booleanColumns,
    };
    this.tableChangeStruct = tableChangeSerializer(config.includeSchemaComments);
    // Built once per task start: the emitter lives as long as one run of the task.
    this.contextHeaders = config.extendedHeaders ? contextHeaders(config.topicPrefix, options.connector) : NO_HEADERS;
    this.filter = filter;
    this.catalog = catalog;
    this.partition = partition;
  }

  /** The envelope of a captured table, or undefined when the table is not captured or unknown. */
  envelope(db: string, table: string): TableEnvelope | undefined {
    const id = tableId(db, table);
    const cached = this.envelopes.get(id);
    const def = this.catalog.table(db, table);
    if (def === undefined) return undefined;
    if (cached?.table === def) return cached;
    const built = new TableEnvelope(def, this.options);
    if (cached === undefined) {
      const raw = dataTopicName(this.options, db, table);
      // Once per table, as Debezium's topic name cache logs it once.
      if (built.topic !== raw) this.options.logger?.warn({ table: id, topic: built.topic }, `Topic '${raw}' name isn't a valid topic name, replacing it with '${built.topic}'.`);
    }
    this.envelopes.set(id, built);
    return built;
  }

  /**
   * The records of one row change: c/u/d/r, a delete+tombstone+create for a key change, a
   * tombstone after a delete. `offsetPending`, the offset of a record that is not the row's last,
   * may be given as a function: most rows make one record and never need it.
   */
  rowRecords(
    env: TableEnvelope,
    op: Operation,
    before: readonly RawValue[] | null,
    after: readonly RawValue[] | null,
    info: SourceInfo,
    nowMs: number,
    offsetDone: SourceOffset,
    offsetPending: SourceOffset | (() => SourceOffset),
  ): SourceRecord[] {
    const skipped = this.config.skippedOperations;
    if (op !== 'r' && skipped.has(op)) return [];
    const source = sourceStruct(this.options, info);
    if (op === 'u' && before !== null && after !== null && env.keySchema !== null && !env.sameKey(before, after)) {
      // A key change: delete (+ tombstone) under the old key, create under the new, as Debezium.
      offsetPending = typeof offsetPending === 'function' ? offsetPending() : offsetPending;
      const oldKey = env.key(before);
      const newKey = env.key(after);
      // Debezium's tombstone is a copy of the delete, headers included (EventDispatcher).
      const deleteHeaders = [{ key: '__debezium.newkey', schema: env.keySchema, value: newKey }, ...this.contextHeaders];
      const out: SourceRecord[] = [this.sourceRecord(env, oldKey, env.envelope('d', env.row(before), null, source, nowMs), offsetPending, deleteHeaders)];
      if (this.config.tombstonesOnDelete) out.push(this.sourceRecord(env, oldKey, null, offsetPending, deleteHeaders));
      out.push(this.sourceRecord(env, newKey, env.envelope('c', null, env.row(after), source, nowMs), offsetDone, [{ key: '__debezium.oldkey', schema: env.keySchema, value: oldKey }, ...this.contextHeaders]));
      return out;
    }
    const row = after ?? before!;
    const key = env.key(row);
    const value = env.envelope(op, before === null ? null : env.row(before), after === null ? null : env.row(after), source, nowMs);
    if (op === 'd' && this.config.tombstonesOnDelete) {
      const pending = typeof offsetPending === 'function' ? offsetPending() : offsetPending;
      return [this.sourceRecord(env, key, value, pending, this.contextHeaders), this.sourceRecord(env, key, null, offsetDone, this.contextHeaders)];
    }
    return [this.sourceRecord(env, key, value, offsetDone, this.contextHeaders)];
  }

  private sourceRecord(env: TableEnvelope, key: Struct | null, value: Struct | null, offset: SourceOffset, headers: readonly Header[]): SourceRecord {
    return {
      topic: env.topic,
      kafkaPartition: null,
      keySchema: env.keySchema,
      key,
      valueSchema: value === null ? null : env.envelopeSchema,
      value,
      timestamp: null,
      headers,
      sourcePartition: this.partition,
      sourceOffset: offset,
    };
  }

  /** Debezium's schema change event on the `<topic.prefix>` topic. */
  schemaChangeRecord(entry: SchemaHistoryEntry, changes: readonly TableChange[], info: SourceInfo, offset: SourceOffset): SourceRecord {
    const connector = this.options.connector;
    return {
      topic: this.config.topicPrefix,
      kafkaPartition: 0,
      keySchema: schemaChangeKeySchema(connector),
      key: { databaseName: entry.database },
      valueSchema: schemaChangeValueSchema(connector),
      value: {
        source: sourceStruct(this.options, info),
        ts_ms: BigInt(entry.tsMs),
        databaseName: entry.database,
        schemaName: null,
        ddl: entry.ddl,
        tableChanges: changes.map(this.tableChangeStruct),
      },
      timestamp: null,
      headers: this.contextHeaders,
      sourcePartition: this.partition,
      sourceOffset: offset,
    };
  }

  /** The entry as Debezium's history record, on schema.history.internal.kafka.topic (schemaless JSON). */
  historyRecord(entry: SchemaHistoryEntry, offset: SourceOffset): SourceRecord | null {
    const topic = this.config.historyTopic;
    if (topic === null) return null;
    return {
      topic,
      kafkaPartition: 0,
      keySchema: null,
      key: null,
      valueSchema: null,
      value: {
        source: { server: this.config.topicPrefix },
        position: { ...offset },
        ts_ms: entry.tsMs,
        databaseName: entry.database,
        ddl: entry.ddl,
        tableChanges: [],
      },
      timestamp: null,
      headers: [],
      sourcePartition: this.partition,
      sourceOffset: offset,
    };
  }

  heartbeatRecord(nowMs: number, offset: SourceOffset): SourceRecord {
    return {
      topic: this.config.heartbeatTopic,
      // Debezium's HeartbeatImpl sends to partition 0.
      kafkaPartition: 0,
      keySchema: HEARTBEAT_KEY_SCHEMA,
      key: { serverName: this.config.topicPrefix },
      valueSchema: HEARTBEAT_VALUE_SCHEMA,
      value: { ts_ms: BigInt(nowMs) },
      timestamp: null,
      headers: NO_HEADERS,
      sourcePartition: this.partition,
      sourceOffset: offset,
    };
  }
}
