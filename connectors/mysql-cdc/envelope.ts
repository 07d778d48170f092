import type { ConnectLogger, Field, Schema, Struct } from '../../connect/api/index.ts';
import type { ColumnRule } from './config.ts';
import type { TableChange } from './schema/catalog.ts';
import type { ColumnDef, TableDef } from './schema/table.ts';
import { findColumn, keyColumns, messageKeyColumns } from './schema/table.ts';
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
  /** topic.delimiter (default `.`): joins topic prefix, database and table in the topic and schema names. */
  readonly topicDelimiter?: string;
  /** message.key.columns, compiled (see messageKeyColumns); none: the primary key. */
  readonly keyColumns?: readonly RegExp[];
  /** column.propagate.source.type: `<db>.<table>.<column>` regexes. */
  readonly propagateColumns?: readonly RegExp[];
  /** datatype.propagate.source.type: `<db>.<table>.<type name>` regexes. */
  readonly propagateTypes?: readonly RegExp[];
  /** Where the warning about a table whose name is not a legal topic name goes. */
  readonly logger?: ConnectLogger;
  /** include.schema.comments: a column's COMMENT becomes its field's doc (off by default, as in Debezium). */
  readonly includeSchemaComments?: boolean;
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
  /** The time in µs where the binlog has it (a MySQL GTID's commit timestamp): ts_us and ts_ns keep it whole. */
  readonly tsUs?: bigint | undefined;
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

/**
 * A timestamp in ms as the int64 BigInts of ms, µs and ns. Events share their second (the
 * binlog's resolution) and records their processing ms, so the BigInts of the last value are
 * kept: a change event would otherwise make a dozen of them, each outliving the record's queue.
 */
class TimeBigints {
  private lastMs = Number.NaN;
  private lastUs: bigint | undefined;
  ms = 0n;
  us = 0n;
  ns = 0n;

  of(tsMs: number): this {
    if (tsMs !== this.lastMs || this.lastUs !== undefined) {
      this.lastMs = tsMs;
      this.lastUs = undefined;
      this.ms = BigInt(tsMs);
      this.us = this.ms * 1000n;
      this.ns = this.ms * 1_000_000n;
    }
    return this;
  }

  /** A time in µs; ms truncated, as Java's Instant.toEpochMilli truncates. */
  ofMicros(tsUs: bigint): this {
    if (tsUs !== this.lastUs) {
      this.lastUs = tsUs;
      this.lastMs = Number.NaN;
      this.us = tsUs;
      this.ms = tsUs / 1000n;
      this.ns = tsUs * 1000n;
    }
    return this;
  }
}

/** One number's BigInt, kept while the next value asked for is the same (a server id, an event's position, a thread). */
class LastBigint {
  private last = Number.NaN;
  private big = 0n;

  of(n: number): bigint {
    if (n !== this.last) {
      this.last = n;
      this.big = BigInt(n);
    }
    return this.big;
  }
}

const eventTimes = new TimeBigints();
const processingTimes = new TimeBigints();
const serverIds = new LastBigint();
const positions = new LastBigint();
const threads = new LastBigint();

export function sourceStruct(options: EnvelopeOptions, info: SourceInfo): Struct {
  const ts = info.tsUs === undefined ? eventTimes.of(info.tsMs) : eventTimes.ofMicros(info.tsUs);
  return {
    version: options.version,
    connector: options.connector,
    name: options.topicPrefix,
    ts_ms: ts.ms,
    snapshot: info.snapshot,
    db: info.db,
    sequence: null,
    ts_us: ts.us,
    ts_ns: ts.ns,
    table: info.table,
    server_id: serverIds.of(info.serverId),
    gtid: info.gtid,
    file: info.file,
    pos: positions.of(info.pos),
    row: info.row,
    thread: info.thread === null ? null : threads.of(info.thread),
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
    // Schema names follow the topic name, as Debezium's TableSchemaBuilder names them (schema.name.adjustment.mode=none).
    const prefix = sanitizedTopicName(dataTopicName(options, table.database, table.name));
    this.topic = prefix;
    // Debezium's key generator lets a conversion failure through, whatever event.converting.failure.handling.mode says.
    const keyOptions: EnvelopeOptions = { ...options, conversionFailureMode: 'fail' };
    const plan = (column: ColumnDef, index: number, forKey: boolean): FieldPlan => {
      const converter = withDoc(columnConverter(forKey ? { ...column, nullable: false } : column, forKey ? keyOptions : options, `${table.database}.${table.name}`), column, options);
      // Keys are never masked or truncated (Debezium maps value columns only).
      const mapped = forKey ? undefined : columnMapping(`${table.database}.${table.name}.${column.name}`, column, converter, options);
      return { index, name: column.name, converter: mapped?.converter ?? converter, post: mapped?.post };
    };
    this.valueFields = table.columns.flatMap((column, index) => (options.includeColumn(table.database, table.name, column.name) ? [plan(column, index, false)] : []));
    const keyNames = messageKeyColumns(table, options.keyColumns ?? []);
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
    const now = processingTimes.of(nowMs);
    return {
      before,
      after,
      source,
      transaction: null,
      op,
      ts_ms: now.ms,
      ts_us: now.us,
      ts_ns: now.ns,
    };
  }

  get sourceOptions(): EnvelopeOptions {
    return this.options;
  }
}

const MAX_TOPIC_NAME_LENGTH = 249;

/** A table's topic name before sanitizing, as Debezium's DefaultTopicNamingStrategy joins it. */
export function dataTopicName(options: EnvelopeOptions, database: string, table: string): string {
  const delimiter = options.topicDelimiter ?? '.';
  return `${options.topicPrefix}${delimiter}${database}${delimiter}${table}`;
}

/** Debezium's AbstractTopicNamingStrategy.sanitizedTopicName: every UTF-16 unit outside [a-zA-Z0-9._-] becomes `_`, at most 249 of them. */
export function sanitizedTopicName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const valid = c === 46 || c === 95 || c === 45 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    out += valid ? name.charAt(i) : '_';
  }
  if (out.length > MAX_TOPIC_NAME_LENGTH) return out.slice(0, MAX_TOPIC_NAME_LENGTH);
  if (out === '.' || out === '..') return out.replace(/\./g, '_');
  return out;
}

/** Debezium's TableSchemaBuilder.addField: with include.schema.comments, a column's comment is its field's doc (replacing a logical type's own). */
function withDoc(converter: ColumnConverter, column: ColumnDef, options: EnvelopeOptions): ColumnConverter {
  if (options.includeSchemaComments !== true || column.comment === undefined) return converter;
  return { ...converter, schema: { ...converter.schema, doc: column.comment } };
}

/** java.sql.Types of the columns Debezium's MaskStrings masks: the character types (MySQL's CHAR, VARCHAR, TEXTs, ENUM, SET). */
const MASKABLE_JDBC_TYPES = new Set([1, 12, -1, 2005, -15, -9, -16, 2011, 70]);

function withParameter(converter: ColumnConverter, key: string, value: string): ColumnConverter {
  return { ...converter, schema: { ...converter.schema, parameters: { ...converter.schema.parameters, [key]: value } } };
}

/**
 * column.truncate.to.N.chars and column.mask.with.N.chars as Debezium's ColumnMappers apply them:
 * the first rule naming the column wins, truncation rules before mask rules. A truncated field
 * gets the `truncateLength` parameter when its column can be longer than N; strings are cut to N
 * UTF-16 units and bytes to N bytes. A masked field gets `masked=true` and keeps its type; only
 * character columns have their value (null included) replaced by N stars.
 */
function columnMapping(id: string, column: ColumnDef, converter: ColumnConverter, options: EnvelopeOptions): Pick<FieldPlan, 'converter' | 'post'> | undefined {
  const truncate = options.truncates.find((m) => m.pattern.test(id));
  if (truncate !== undefined) {
    const max = truncate.length;
    const length = debeziumColumnLength(column);
    // The rule still claims the column: Debezium applies only the first mapper that matches.
    if (length >= 0 && length <= max) return { converter, post: undefined };
    const post = (value: unknown): unknown => {
      if (typeof value === 'string') return value.length > max ? value.slice(0, max) : value;
      if (value instanceof Uint8Array) return value.length > max ? value.slice(0, max) : value;
      return value;
    };
    return { converter: withParameter(converter, 'truncateLength', String(max)), post };
  }
  const mask = options.masks.find((m) => m.pattern.test(id));
  if (mask === undefined) return propagatedSourceType(id, column, converter, options);
  const stars = '*'.repeat(mask.length);
  return { converter: withParameter(converter, 'masked', 'true'), post: MASKABLE_JDBC_TYPES.has(jdbcType(column)) ? () => stars : undefined };
}

/**
 * column.propagate.source.type and datatype.propagate.source.type, as Debezium's
 * PropagateSourceMetadataToSchemaParameter: the column's type name, then its length and scale
 * when it has them (as the schema history records them), its comment when kept and not empty,
 * and its name, as field schema parameters.
 */
function propagatedSourceType(id: string, column: ColumnDef, converter: ColumnConverter, options: EnvelopeOptions): Pick<FieldPlan, 'converter' | 'post'> | undefined {
  const typeName = column.unsigned ? `${column.type} UNSIGNED` : column.type;
  const byColumn = options.propagateColumns?.some((r) => r.test(id)) === true;
  if (!byColumn && options.propagateTypes?.some((r) => r.test(`${id.slice(0, id.length - column.name.length)}${typeName}`)) !== true) return undefined;
  const parameters: Record<string, string> = { ...converter.schema.parameters, '__debezium.source.column.type': typeName };
  const length = schemaChangeLength(column);
  if (length !== null) parameters['__debezium.source.column.length'] = String(length);
  const scale = propagatedScale(column);
  if (scale !== undefined) parameters['__debezium.source.column.scale'] = String(scale);
  // Debezium's parser keeps COMMENTs only with include.schema.comments.
  if (options.includeSchemaComments === true && column.comment !== undefined && column.comment !== '') parameters['__debezium.source.column.comment'] = column.comment;
  parameters['__debezium.source.column.name'] = column.name;
  return { converter: { ...converter, schema: { ...converter.schema, parameters } }, post: undefined };
}

/** The scale Debezium's DDL parser records: DECIMAL(M,D)'s and FLOAT/DOUBLE(M,D)'s (a temporal type's precision is its length). */
function propagatedScale(column: ColumnDef): number | undefined {
  return column.type === 'DECIMAL' || column.type === 'FLOAT' || column.type === 'DOUBLE' ? column.scale : undefined;
}

/** A column's length as Debezium's DDL parser records it (-1 for none): ENUM 1, SET its options and commas, temporal types their fractional digits. */
function debeziumColumnLength(column: ColumnDef): number {
  if (column.type === 'ENUM') return 1;
  if (column.type === 'SET') return Math.max(0, (column.enumValues?.length ?? 0) * 2 - 1);
  if (column.type === 'TIME' || column.type === 'DATETIME' || column.type === 'TIMESTAMP') return column.scale !== undefined && column.scale > 0 ? column.scale : -1;
  return column.length ?? -1;
}

/**
 * A column's length in a schema change event's table, as Debezium's history records it; null for
 * none. Its parsers give a bare DECIMAL the length 10 and a bare BIT the length 1.
 */
function schemaChangeLength(column: ColumnDef): number | null {
  if (column.length === undefined && column.type === 'DECIMAL') return 10;
  if (column.length === undefined && column.type === 'BIT') return 1;
  const length = debeziumColumnLength(column);
  return length >= 0 ? length : null;
}

/** The scale Debezium's parsers record: DECIMAL's (its default 0 when not written), FLOAT(M,D)'s and DOUBLE(M,D)'s D. */
function schemaChangeScale(column: ColumnDef): number | null {
  if (column.type === 'DECIMAL') return column.scale ?? 0;
  if (column.type === 'FLOAT' || column.type === 'DOUBLE') return column.scale ?? null;
  return null;
}

function jdbcType(column: ColumnDef): number {
  return JDBC_TYPES[column.type] ?? 1111;
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
  // Debezium's DDL parsers register TINYINT as SMALLINT and TINYBLOB as BLOB.
  TINYINT: 5,
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
  TINYBLOB: 2004,
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

/**
 * The primary key as Debezium's DDL parser records it: without a PRIMARY KEY, the first UNIQUE
 * index over NOT NULL columns becomes it (the same columns the record keys use).
 */
function primaryKeyColumnNames(t: TableDef): string[] {
  return keyColumns(t).map((name) => findColumn(t, name)?.name ?? name);
}

/**
 * The serializer of tableChanges entries. Debezium's parser drops COMMENTs unless
 * include.schema.comments is on, so they are null by default.
 */
export function tableChangeSerializer(includeComments: boolean): (change: TableChange) => Struct {
  return (change) => tableChangeEntry(change, includeComments);
}

/** One entry of tableChanges with the default include.schema.comments=false. */
export function tableChangeStruct(change: TableChange): Struct {
  return tableChangeEntry(change, false);
}

/** One entry of tableChanges: the table as Debezium's ConnectTableChangeSerializer writes it. */
function tableChangeEntry(change: TableChange, includeComments: boolean): Struct {
  const t = change.table;
  return {
    type: change.type,
    id: `"${t.database}"."${t.name}"`,
    table: {
      defaultCharsetName: t.defaultCharset ?? null,
      primaryKeyColumnNames: primaryKeyColumnNames(t),
      columns: t.columns.map((c, i) => ({
        name: c.name,
        jdbcType: jdbcType(c),
        nativeType: null,
        typeName: c.unsigned ? `${c.type} UNSIGNED` : c.type,
        typeExpression: typeExpression(c),
        charsetName: c.charset ?? null,
        length: schemaChangeLength(c),
        scale: schemaChangeScale(c),
        position: i + 1,
        optional: c.nullable,
        autoIncremented: c.autoIncrement,
        generated: c.autoIncrement || c.generated,
        comment: includeComments ? (c.comment ?? null) : null,
        defaultValueExpression: c.defaultExpression ?? null,
        enumValues: c.enumValues === undefined ? null : [...c.enumValues],
      })),
      comment: includeComments ? (t.comment ?? null) : null,
    },
  };
}
