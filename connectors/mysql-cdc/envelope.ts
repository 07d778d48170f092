import type { Field, Schema, Struct } from '../../connect/api/index.ts';
import type { ColumnRule } from './config.ts';
import type { TableChange } from './schema/catalog.ts';
import type { ColumnDef, TableDef } from './schema/table.ts';
import { findColumn, keyColumns } from './schema/table.ts';
import type { ColumnConverter, RawValue, ValueOptions } from './values.ts';
import { columnConverter } from './values.ts';

/** What envelopes are built from besides the table: the connector's identity and settings. */
export interface EnvelopeOptions extends ValueOptions {
  readonly topicPrefix: string;
  /** `mysql` or `mariadb`: source.connector, and the source schema's name. */
  readonly connector: 'mysql' | 'mariadb';
  readonly version: string;
  /** Whether a column goes into events (column.include/exclude.list). */
  readonly includeColumn: (database: string, table: string, column: string) => boolean;
  readonly masks: readonly ColumnRule[];
  readonly truncates: readonly ColumnRule[];
}

function fields(entries: readonly [string, Schema][]): Field[] {
  return entries.map(([name, schema], index) => ({ name, index, schema }));
}

const OPTIONAL_STRING: Schema = { type: 'string', optional: true };
const OPTIONAL_INT64: Schema = { type: 'int64', optional: true };

/** Debezium 3's source.snapshot values (SnapshotRecord, lower-cased). */
const SNAPSHOT_VALUES = 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental';

/** The schema of `source`: io.debezium.connector.<mysql|mariadb>.Source, field for field as Debezium 3. */
export function sourceSchema(connector: 'mysql' | 'mariadb'): Schema {
  return {
    type: 'struct',
    optional: false,
    name: `io.debezium.connector.${connector}.Source`,
    version: 1,
    fields: fields([
      ['version', { type: 'string', optional: false }],
      ['connector', { type: 'string', optional: false }],
      ['name', { type: 'string', optional: false }],
      ['ts_ms', { type: 'int64', optional: false }],
      ['snapshot', { type: 'string', optional: true, name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: SNAPSHOT_VALUES }, defaultValue: 'false' }],
      ['db', { type: 'string', optional: false }],
      ['sequence', OPTIONAL_STRING],
      ['ts_us', OPTIONAL_INT64],
      ['ts_ns', OPTIONAL_INT64],
      ['table', OPTIONAL_STRING],
      ['server_id', { type: 'int64', optional: false }],
      ['gtid', OPTIONAL_STRING],
      ['file', { type: 'string', optional: false }],
      ['pos', { type: 'int64', optional: false }],
      ['row', { type: 'int32', optional: false }],
      ['thread', OPTIONAL_INT64],
      ['query', OPTIONAL_STRING],
    ]),
  };
}

/** Debezium's transaction block (present, null unless transaction metadata is on). */
const TRANSACTION_SCHEMA: Schema = {
  type: 'struct',
  optional: true,
  name: 'event.block',
  version: 1,
  fields: fields([
    ['id', { type: 'string', optional: false }],
    ['total_order', { type: 'int64', optional: false }],
    ['data_collection_order', { type: 'int64', optional: false }],
  ]),
};

export type SnapshotMarker = 'true' | 'first' | 'first_in_data_collection' | 'last_in_data_collection' | 'last' | 'false';

/** What `source` says about one event. */
export interface SourceInfo {
  readonly tsMs: number;
  readonly snapshot: SnapshotMarker;
  readonly db: string;
  readonly table: string | null;
  readonly serverId: number;
  readonly gtid: string | null;
  readonly file: string;
  readonly pos: number;
  readonly row: number;
  readonly thread: number | null;
  readonly query: string | null;
}

export function sourceStruct(options: EnvelopeOptions, info: SourceInfo): Struct {
  return {
    version: options.version,
    connector: options.connector,
    name: options.topicPrefix,
    ts_ms: BigInt(info.tsMs),
    snapshot: info.snapshot,
    db: info.db,
    sequence: null,
    ts_us: BigInt(info.tsMs) * 1000n,
    ts_ns: BigInt(info.tsMs) * 1_000_000n,
    table: info.table,
    server_id: BigInt(info.serverId),
    gtid: info.gtid,
    file: info.file,
    pos: BigInt(info.pos),
    row: info.row,
    thread: info.thread === null ? null : BigInt(info.thread),
    query: info.query,
  };
}

export type Operation = 'c' | 'u' | 'd' | 'r';

interface FieldPlan {
  readonly index: number;
  readonly name: string;
  readonly converter: ColumnConverter;
  readonly post: ((value: unknown) => unknown) | undefined;
}

/**
 * A table's events: topic, key and value schemas, and rows → structs. Built once per table
 * definition and rebuilt when DDL changes the table, so every event of a row carries the schema
 * of the definition it was written under.
 */
export class TableEnvelope {
  readonly table: TableDef;
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly rowSchema: Schema;
  readonly envelopeSchema: Schema;
  private readonly valueFields: readonly FieldPlan[];
  private readonly keyFields: readonly FieldPlan[];
  private readonly options: EnvelopeOptions;

  constructor(table: TableDef, options: EnvelopeOptions) {
    this.table = table;
    this.options = options;
    const prefix = `${options.topicPrefix}.${table.database}.${table.name}`;
    this.topic = prefix;
    const plan = (column: ColumnDef, index: number, forKey: boolean): FieldPlan => {
      const id = `${table.database}.${table.name}.${column.name}`;
      const mask = forKey ? undefined : options.masks.find((m) => m.pattern.test(id));
      const truncate = forKey ? undefined : options.truncates.find((m) => m.pattern.test(id));
      let converter = columnConverter(forKey ? { ...column, nullable: false } : column, options);
      let post: ((value: unknown) => unknown) | undefined;
      if (mask !== undefined) {
        const stars = '*'.repeat(mask.length);
        converter = { ...converter, schema: { type: 'string', optional: converter.schema.optional } };
        post = (value) => (value === null ? null : stars);
      } else if (truncate !== undefined && converter.schema.type === 'string') {
        post = (value) => (typeof value === 'string' ? Array.from(value).slice(0, truncate.length).join('') : value);
      }
      return { index, name: column.name, converter, post };
    };
    this.valueFields = table.columns.flatMap((column, index) => (options.includeColumn(table.database, table.name, column.name) ? [plan(column, index, false)] : []));
    const keyNames = keyColumns(table);
    this.keyFields = keyNames.flatMap((name) => {
      const column = findColumn(table, name);
      return column === undefined ? [] : [plan(column, table.columns.indexOf(column), true)];
    });
    this.rowSchema = {
      type: 'struct',
      optional: true,
      name: `${prefix}.Value`,
      fields: this.valueFields.map((f, i) => ({ name: f.name, index: i, schema: f.converter.schema })),
    };
    this.keySchema =
      this.keyFields.length === 0
        ? null
        : { type: 'struct', optional: false, name: `${prefix}.Key`, fields: this.keyFields.map((f, i) => ({ name: f.name, index: i, schema: f.converter.schema })) };
    this.envelopeSchema = {
      type: 'struct',
      optional: false,
      name: `${prefix}.Envelope`,
      version: 2,
      fields: fields([
        ['before', this.rowSchema],
        ['after', this.rowSchema],
        ['source', sourceSchema(options.connector)],
        ['transaction', TRANSACTION_SCHEMA],
        ['op', { type: 'string', optional: false }],
        ['ts_ms', OPTIONAL_INT64],
        ['ts_us', OPTIONAL_INT64],
        ['ts_ns', OPTIONAL_INT64],
      ]),
    };
  }

  private struct(plans: readonly FieldPlan[], row: readonly RawValue[]): Struct {
    const out: Struct = {};
    for (const f of plans) {
      const v = f.converter.convert(row[f.index]);
      out[f.name] = f.post === undefined ? v : f.post(v);
    }
    return out;
  }

  /** The row as the `before`/`after` struct. */
  row(row: readonly RawValue[]): Struct {
    return this.struct(this.valueFields, row);
  }

  /** The key struct of a row, or null for a table without a key. */
  key(row: readonly RawValue[]): Struct | null {
    return this.keySchema === null ? null : this.struct(this.keyFields, row);
  }

  /** Whether two rows have the same key (an update that keeps its key). */
  sameKey(a: readonly RawValue[], b: readonly RawValue[]): boolean {
    for (const f of this.keyFields) if (!sameRaw(a[f.index], b[f.index])) return false;
    return true;
  }

  envelope(op: Operation, before: Struct | null, after: Struct | null, source: Struct, nowMs: number): Struct {
    return {
      before,
      after,
      source,
      transaction: null,
      op,
      ts_ms: BigInt(nowMs),
      ts_us: BigInt(nowMs) * 1000n,
      ts_ns: BigInt(nowMs) * 1_000_000n,
    };
  }

  get sourceOptions(): EnvelopeOptions {
    return this.options;
  }
}

function sameRaw(a: RawValue, b: RawValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return a === b;
}

/** Heartbeats (Debezium's DefaultHeartbeat): key { serverName }, value { ts_ms }. */
export const HEARTBEAT_KEY_SCHEMA: Schema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.common.ServerNameKey',
  version: 1,
  fields: fields([['serverName', { type: 'string', optional: false }]]),
};
export const HEARTBEAT_VALUE_SCHEMA: Schema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.common.Heartbeat',
  version: 1,
  fields: fields([['ts_ms', { type: 'int64', optional: false }]]),
};

/** java.sql.Types codes of MySQL types, as Debezium's schema change events carry them. */
const JDBC_TYPES: Record<string, number> = {
  BOOLEAN: 16,
  BIT: -7,
  TINYINT: -6,
  SMALLINT: 5,
  MEDIUMINT: 4,
  INT: 4,
  BIGINT: -5,
  FLOAT: 6,
  DOUBLE: 8,
  DECIMAL: 3,
  CHAR: 1,
  VARCHAR: 12,
  TINYTEXT: 12,
  TEXT: 12,
  MEDIUMTEXT: 12,
  LONGTEXT: 12,
  JSON: 1111,
  ENUM: 1,
  SET: 1,
  BINARY: -2,
  VARBINARY: -3,
  TINYBLOB: -3,
  BLOB: 2004,
  MEDIUMBLOB: 2004,
  LONGBLOB: 2004,
  DATE: 91,
  TIME: 92,
  DATETIME: 93,
  TIMESTAMP: 2014,
  YEAR: 4,
};

const COLUMN_SCHEMA: Schema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.schema.Column',
  version: 1,
  fields: fields([
    ['name', { type: 'string', optional: false }],
    ['jdbcType', { type: 'int32', optional: false }],
    ['nativeType', { type: 'int32', optional: true }],
    ['typeName', { type: 'string', optional: false }],
    ['typeExpression', OPTIONAL_STRING],
    ['charsetName', OPTIONAL_STRING],
    ['length', { type: 'int32', optional: true }],
    ['scale', { type: 'int32', optional: true }],
    ['position', { type: 'int32', optional: false }],
    ['optional', { type: 'boolean', optional: true }],
    ['autoIncremented', { type: 'boolean', optional: true }],
    ['generated', { type: 'boolean', optional: true }],
    ['comment', OPTIONAL_STRING],
    ['defaultValueExpression', OPTIONAL_STRING],
    ['enumValues', { type: 'array', optional: true, valueSchema: { type: 'string', optional: false } }],
  ]),
};

const TABLE_SCHEMA: Schema = {
  type: 'struct',
  optional: true,
  name: 'io.debezium.connector.schema.Table',
  version: 1,
  fields: fields([
    ['defaultCharsetName', OPTIONAL_STRING],
    ['primaryKeyColumnNames', { type: 'array', optional: true, valueSchema: { type: 'string', optional: false } }],
    ['columns', { type: 'array', optional: false, valueSchema: COLUMN_SCHEMA }],
    ['comment', OPTIONAL_STRING],
  ]),
};

const CHANGE_SCHEMA: Schema = {
  type: 'struct',
  optional: false,
  name: 'io.debezium.connector.schema.Change',
  version: 1,
  fields: fields([
    ['type', { type: 'string', optional: false }],
    ['id', { type: 'string', optional: false }],
    ['table', TABLE_SCHEMA],
  ]),
};

export function schemaChangeKeySchema(connector: 'mysql' | 'mariadb'): Schema {
  return { type: 'struct', optional: false, name: `io.debezium.connector.${connector}.SchemaChangeKey`, version: 1, fields: fields([['databaseName', { type: 'string', optional: false }]]) };
}

export function schemaChangeValueSchema(connector: 'mysql' | 'mariadb'): Schema {
  return {
    type: 'struct',
    optional: false,
    name: `io.debezium.connector.${connector}.SchemaChangeValue`,
    version: 1,
    fields: fields([
      ['source', sourceSchema(connector)],
      ['ts_ms', { type: 'int64', optional: false }],
      ['databaseName', OPTIONAL_STRING],
      ['schemaName', OPTIONAL_STRING],
      ['ddl', OPTIONAL_STRING],
      ['tableChanges', { type: 'array', optional: false, valueSchema: CHANGE_SCHEMA }],
    ]),
  };
}

function typeExpression(column: ColumnDef): string {
  if (column.enumValues !== undefined) return `${column.type}(${column.enumValues.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')})`;
  return column.type;
}

/** One entry of tableChanges: the table as Debezium's ConnectTableChangeSerializer writes it. */
export function tableChangeStruct(change: TableChange): Struct {
  const t = change.table;
  return {
    type: change.type,
    id: `"${t.database}"."${t.name}"`,
    table: {
      defaultCharsetName: t.defaultCharset ?? null,
      primaryKeyColumnNames: [...t.primaryKey],
      columns: t.columns.map((c, i) => ({
        name: c.name,
        jdbcType: JDBC_TYPES[c.type] ?? 1111,
        nativeType: null,
        typeName: c.unsigned ? `${c.type} UNSIGNED` : c.type,
        typeExpression: typeExpression(c),
        charsetName: c.charset ?? null,
        length: c.length ?? (['TIME', 'DATETIME', 'TIMESTAMP'].includes(c.type) && c.scale !== undefined && c.scale > 0 ? c.scale : null),
        scale: c.type === 'DECIMAL' ? (c.scale ?? null) : null,
        position: i + 1,
        optional: c.nullable,
        autoIncremented: c.autoIncrement,
        generated: c.autoIncrement || c.generated,
        comment: c.comment ?? null,
        defaultValueExpression: c.defaultExpression ?? null,
        enumValues: c.enumValues === undefined ? null : [...c.enumValues],
      })),
      comment: t.comment ?? null,
    },
  };
}
