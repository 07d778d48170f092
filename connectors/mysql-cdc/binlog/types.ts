import type { Charset } from './charset.ts';

/** The 19-byte v4 event header. */
export interface EventHeader {
  /** Seconds since the epoch when the statement began. */
  readonly timestamp: number;
  readonly type: number;
  readonly serverId: number;
  /** Header + body + checksum. */
  readonly eventSize: number;
  /** The position just past this event in its file (0 in artificial and compressed-inner events). */
  readonly nextPosition: number;
  readonly flags: number;
}

/**
 * A MySQL binary JSON value: JSON's types (integers as number, or bigint beyond 2^53), doubles
 * kept apart from integers (a double 1.0 prints as 1.0, an integer 1 as 1), and opaque scalars.
 */
export type JsonValue = null | boolean | number | bigint | string | JsonDouble | JsonOpaque | JsonValue[] | { [key: string]: JsonValue };

/** A JSON DOUBLE scalar. */
export class JsonDouble {
  readonly value: number;

  constructor(value: number) {
    this.value = value;
  }
}

/**
 * A non-JSON scalar MySQL keeps inside a JSON document (a DECIMAL, DATE, TIME, DATETIME or any
 * other column type stored with JSON_OBJECT('k', col)). DECIMAL and the temporal types are
 * rendered as MySQL prints them; other types keep their bytes.
 */
export class JsonOpaque {
  readonly mysqlType: number;
  readonly value: string | Uint8Array;

  constructor(mysqlType: number, value: string | Uint8Array) {
    this.mysqlType = mysqlType;
    this.value = value;
  }
}

export type JsonDiffOperation = 'replace' | 'insert' | 'remove';

export interface JsonDiff {
  readonly operation: JsonDiffOperation;
  /** A MySQL JSON path, e.g. `$.a[2]`. */
  readonly path: string;
  /** The new value; absent for `remove`. */
  readonly value?: JsonValue;
}

/** An after-image JSON value sent as changes to the before-image (PARTIAL_UPDATE_ROWS, binlog_row_value_options=PARTIAL_JSON). */
export class JsonPartialUpdate {
  readonly diffs: readonly JsonDiff[];

  constructor(diffs: readonly JsonDiff[]) {
    this.diffs = diffs;
  }
}

/**
 * One column's value in a row image:
 * - `null`: SQL NULL;
 * - `number`: TINYINT..INT (signedness per table metadata), FLOAT, DOUBLE, YEAR, ENUM index
 *   when the ENUM's values are unknown;
 * - `bigint`: BIGINT (signed or unsigned, exact), BIT, SET bitmask when its values are unknown;
 * - `string`: DECIMAL (exact), DATE `YYYY-MM-DD`, TIME `[-]HH:MM:SS[.f]`, DATETIME and TIMESTAMP
 *   `YYYY-MM-DD HH:MM:SS[.f]` (TIMESTAMP in UTC; `f` has exactly the column's fsp digits),
 *   text in utf8mb3/utf8mb4/latin1/ascii, ENUM and SET values when known (SET comma-joined);
 * - `Uint8Array`: BINARY/VARBINARY/BLOB, GEOMETRY (SRID + WKB), and text whose charset is
 *   unknown (no optional metadata) or not one decoded here;
 * - JSON (MySQL binary): a `JsonValue`; a partial JSON update: `JsonPartialUpdate`.
 */
export type ColumnValue = null | number | bigint | string | Uint8Array | JsonValue | JsonPartialUpdate;

/** A row image: one entry per table column; `undefined` where the image leaves the column out. */
export type RowImage = (ColumnValue | undefined)[];

export interface ColumnInfo {
  readonly index: number;
  /** The type code stored in the binlog (real type for ENUM/SET stored as STRING). */
  readonly type: number;
  /** The type's metadata word (length bytes, precision/scale, fsp, ...). */
  readonly meta: number;
  readonly nullable: boolean;
  /** From optional metadata (binlog_row_metadata=FULL or MINIMAL); undefined without it. */
  readonly name: string | undefined;
  /** From optional metadata; undefined for non-numeric columns or without it. */
  readonly unsigned: boolean | undefined;
  /** Collation id of character (and ENUM/SET) columns, from optional metadata. */
  readonly collation: number | undefined;
  readonly charset: Charset | undefined;
  readonly enumValues: readonly string[] | undefined;
  readonly setValues: readonly string[] | undefined;
  readonly geometryType: number | undefined;
  readonly visible: boolean | undefined;
}

export interface TableMap {
  readonly tableId: number;
  readonly flags: number;
  readonly database: string;
  readonly table: string;
  readonly columns: readonly ColumnInfo[];
  /** Primary key column indexes, from optional metadata (empty without it). */
  readonly primaryKey: readonly number[];
  /** Prefix lengths of the primary key columns (0 = whole column). */
  readonly primaryKeyPrefixes: readonly number[];
}

export type RowsKind = 'write' | 'update' | 'delete';

export interface RowChange {
  /** The row before the change (update, delete). */
  readonly before?: RowImage;
  /** The row after the change (write, update). */
  readonly after?: RowImage;
}

export interface QueryStatusVars {
  readonly flags2?: number;
  readonly sqlMode?: bigint;
  readonly catalog?: string;
  readonly autoIncrementIncrement?: number;
  readonly autoIncrementOffset?: number;
  /** character_set_client, collation_connection, collation_server. */
  readonly charsetClient?: number;
  readonly collationConnection?: number;
  readonly collationServer?: number;
  readonly timeZone?: string;
  readonly lcTimeNames?: number;
  readonly charsetDatabase?: number;
  readonly tableMapForUpdate?: bigint;
  readonly invoker?: { readonly user: string; readonly host: string };
  /** Databases the statement changed (Q_UPDATED_DB_NAMES); absent when too many to list. */
  readonly updatedDatabases?: readonly string[];
  readonly microseconds?: number;
  /** MariaDB Q_XID: the statement is a transactional DDL with this XID. */
  readonly xid?: bigint;
  /** The first status variable this decoder does not know; the rest of them are skipped. */
  readonly unknownCode?: number;
}

interface Base {
  readonly header: EventHeader;
  /** Start offset of the event in its binlog file, when known. */
  readonly position: number | undefined;
}

export interface FormatDescriptionEvent extends Base {
  readonly kind: 'format-description';
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly createTimestamp: number;
  readonly headerLength: number;
  /** Post-header length of each event type, indexed by type code - 1. */
  readonly postHeaderLengths: Uint8Array;
  readonly checksum: 'none' | 'crc32';
}

export interface RotateEvent extends Base {
  readonly kind: 'rotate';
  readonly nextFile: string;
  readonly nextPosition: bigint;
}

export interface QueryEvent extends Base {
  readonly kind: 'query';
  readonly threadId: number;
  readonly executionTime: number;
  readonly errorCode: number;
  /** The default database when the statement ran ('' for none). */
  readonly database: string;
  readonly sql: string;
  readonly statusVars: QueryStatusVars;
  /** MariaDB QUERY_COMPRESSED_EVENT. */
  readonly compressed: boolean;
}

export interface XidEvent extends Base {
  readonly kind: 'xid';
  readonly xid: bigint;
}

export interface TableMapEvent extends Base {
  readonly kind: 'table-map';
  readonly table: TableMap;
}

export interface RowsEvent extends Base {
  readonly kind: 'rows';
  readonly rowsKind: RowsKind;
  /** 0, 1 or 2; MariaDB's compressed rows events count as their uncompressed version. */
  readonly version: number;
  /** PARTIAL_UPDATE_ROWS (MySQL 8, binlog_row_value_options=PARTIAL_JSON). */
  readonly partial: boolean;
  readonly compressed: boolean;
  readonly tableId: number;
  readonly table: TableMap;
  readonly flags: number;
  /** Which columns the (first) image carries. */
  readonly columnsPresent: readonly boolean[];
  /** Which columns the after image of an update carries. */
  readonly columnsPresentAfter: readonly boolean[] | undefined;
  readonly rows: readonly RowChange[];
}

export interface MysqlGtidEvent extends Base {
  readonly kind: 'gtid' | 'anonymous-gtid';
  readonly flags: number;
  /** Source UUID, lower-case with dashes. */
  readonly uuid: string;
  readonly gno: bigint;
  /** GTID_TAGGED_LOG_EVENT (MySQL 8.3+); '' otherwise. */
  readonly tag: string;
  readonly lastCommitted: bigint | undefined;
  readonly sequenceNumber: bigint | undefined;
  /** Microseconds since the epoch (MySQL 8.0.1+). */
  readonly immediateCommitTimestamp: bigint | undefined;
  readonly originalCommitTimestamp: bigint | undefined;
  readonly transactionLength: bigint | undefined;
  readonly immediateServerVersion: number | undefined;
  readonly originalServerVersion: number | undefined;
}

export interface PreviousGtidsEvent extends Base {
  readonly kind: 'previous-gtids';
  readonly sets: readonly { readonly uuid: string; readonly tag: string; readonly intervals: readonly (readonly [bigint, bigint])[] }[];
}

export interface MariadbGtidEvent extends Base {
  readonly kind: 'mariadb-gtid';
  readonly domainId: number;
  /** The server id of the header: a MariaDB GTID is domain-server-sequence. */
  readonly serverId: number;
  readonly sequence: bigint;
  readonly flags: number;
  readonly commitId: bigint | undefined;
  /** Set for XA transactions (FL_PREPARED_XA / FL_COMPLETED_XA). */
  readonly xa: { readonly formatId: number; readonly gtrid: Uint8Array; readonly bqual: Uint8Array } | undefined;
  /** `domain-server-sequence`. */
  readonly gtid: string;
}

export interface GtidListEvent extends Base {
  readonly kind: 'gtid-list';
  readonly flags: number;
  readonly gtids: readonly { readonly domainId: number; readonly serverId: number; readonly sequence: bigint }[];
}

export interface AnnotateRowsEvent extends Base {
  readonly kind: 'annotate-rows';
  readonly sql: string;
}

export interface RowsQueryEvent extends Base {
  readonly kind: 'rows-query';
  readonly sql: string;
}

export interface BinlogCheckpointEvent extends Base {
  readonly kind: 'binlog-checkpoint';
  readonly file: string;
}

export interface HeartbeatEvent extends Base {
  readonly kind: 'heartbeat';
  readonly version: 1 | 2;
  readonly file: string;
  /** v2 carries the position; v1 has it only in the header's nextPosition. */
  readonly filePosition: bigint;
}

export interface TransactionPayloadEvent extends Base {
  readonly kind: 'transaction-payload';
  readonly compression: 'zstd' | 'none';
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** The transaction's events, decoded (they carry no checksum of their own). */
  readonly events: readonly BinlogEvent[];
}

export interface IntvarEvent extends Base {
  readonly kind: 'intvar';
  /** 1 = LAST_INSERT_ID, 2 = INSERT_ID. */
  readonly variable: number;
  readonly value: bigint;
}

export interface StopEvent extends Base {
  readonly kind: 'stop';
}

/** An event this decoder reads only as its header and body bytes. */
export interface OtherEvent extends Base {
  readonly kind: 'other';
  readonly body: Uint8Array;
}

export type BinlogEvent =
  | FormatDescriptionEvent
  | RotateEvent
  | QueryEvent
  | XidEvent
  | TableMapEvent
  | RowsEvent
  | MysqlGtidEvent
  | PreviousGtidsEvent
  | MariadbGtidEvent
  | GtidListEvent
  | AnnotateRowsEvent
  | RowsQueryEvent
  | BinlogCheckpointEvent
  | HeartbeatEvent
  | TransactionPayloadEvent
  | IntvarEvent
  | StopEvent
  | OtherEvent;
