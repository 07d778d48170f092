import type { ByteReader } from './byte-reader.ts';
import { charsetOfCollation } from './charset.ts';
import { ColumnType, columnTypeName } from './column-type.ts';
import { malformed } from './errors.ts';
import type { ColumnInfo, TableMap } from './types.ts';

/** Optional metadata field types (Table_map_log_event::Optional_metadata_field_type). */
const Meta = {
  SIGNEDNESS: 1,
  DEFAULT_CHARSET: 2,
  COLUMN_CHARSET: 3,
  COLUMN_NAME: 4,
  SET_STR_VALUE: 5,
  ENUM_STR_VALUE: 6,
  GEOMETRY_TYPE: 7,
  SIMPLE_PRIMARY_KEY: 8,
  PRIMARY_KEY_WITH_PREFIX: 9,
  ENUM_AND_SET_DEFAULT_CHARSET: 10,
  ENUM_AND_SET_COLUMN_CHARSET: 11,
  COLUMN_VISIBILITY: 12,
} as const;

/**
 * TABLE_MAP (type 19): `table_id` (6 bytes, or 4 when the post-header is 6), flags u16, schema
 * and table names (length byte, bytes, NUL), column count (lenenc), one type byte per column, the
 * type metadata (lenenc length + bytes), a null bitmap, then optional metadata as
 * type/lenenc-length/value fields (binlog_row_metadata=MINIMAL or FULL; MySQL 8.0.1+, MariaDB
 * 10.5+). Layout: MySQL libbinlogevents rows_event.h "Table_map_event"; the assignment of
 * per-kind lists to columns follows MariaDB's log_event_client.cc (print_columns), where
 * GEOMETRY counts as a character column, and MySQL's, where it does not.
 */
export function decodeTableMap(r: ByteReader, tableIdSize: number, mariadb: boolean): TableMap {
  const tableId = r.uintLE(tableIdSize, 'table id');
  const flags = r.u16('flags');
  const database = r.utf8(r.u8('schema name length'), 'schema name');
  r.skip(1, 'schema name terminator');
  const table = r.utf8(r.u8('table name length'), 'table name');
  r.skip(1, 'table name terminator');
  const count = r.lenenc('column count');
  // One type byte per column must be present before anything is sized by the count.
  const types = r.view(count, 'column types');
  const metaReader = r.slice(r.lenenc('metadata length'), 'column metadata');
  const nullBitmap = r.view((count + 7) >> 3, 'null bitmap');

  const type: number[] = new Array<number>(count);
  const meta: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    let t = types[i]!;
    let m = 0;
    switch (t) {
      case ColumnType.STRING: {
        // Two bytes, high first: the real type (with two length bits folded in for CHAR > 255
        // bytes) and the low length byte.
        const b0 = metaReader.u8('STRING metadata');
        const b1 = metaReader.u8('STRING metadata');
        if ((b0 & 0x30) !== 0x30) {
          m = b1 | (((b0 & 0x30) ^ 0x30) << 4);
          t = b0 | 0x30;
        } else {
          m = b1;
          t = b0;
        }
        break;
      }
      case ColumnType.NEWDECIMAL: {
        const precision = metaReader.u8('DECIMAL precision');
        m = (precision << 8) | metaReader.u8('DECIMAL scale');
        break;
      }
      case ColumnType.VAR_STRING:
      case ColumnType.VARCHAR:
      case ColumnType.BIT:
        m = metaReader.u16(`${columnTypeName(t)} metadata`);
        break;
      case ColumnType.BLOB:
      case ColumnType.DOUBLE:
      case ColumnType.FLOAT:
      case ColumnType.GEOMETRY:
      case ColumnType.JSON:
      case ColumnType.VECTOR:
      case ColumnType.TIME2:
      case ColumnType.DATETIME2:
      case ColumnType.TIMESTAMP2:
        m = metaReader.u8(`${columnTypeName(t)} metadata`);
        break;
      case ColumnType.NEWDATE:
      case ColumnType.ENUM:
      case ColumnType.SET:
      case ColumnType.TINY_BLOB:
      case ColumnType.MEDIUM_BLOB:
      case ColumnType.LONG_BLOB:
        throw malformed(`column ${i} has type ${columnTypeName(t)}, which never appears in a binlog`);
      default:
        m = 0;
    }
    type[i] = t;
    meta[i] = m;
  }

  const optional = readOptionalMetadata(r, type, mariadb);
  const columns: ColumnInfo[] = new Array<ColumnInfo>(count);
  for (let i = 0; i < count; i++) {
    const collation = optional.collations.get(i);
    columns[i] = {
      index: i,
      type: type[i]!,
      meta: meta[i]!,
      nullable: (nullBitmap[i >> 3]! & (1 << (i & 7))) !== 0,
      name: optional.names?.[i],
      unsigned: optional.unsigned.get(i),
      collation,
      charset: collation === undefined ? undefined : charsetOfCollation(collation),
      enumValues: optional.enumValues.get(i),
      setValues: optional.setValues.get(i),
      geometryType: optional.geometryTypes.get(i),
      visible: optional.visible?.[i],
    };
  }
  return { tableId, flags, database, table, columns, primaryKey: optional.primaryKey, primaryKeyPrefixes: optional.primaryKeyPrefixes };
}

function isNumeric(t: number): boolean {
  switch (t) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.LONG:
    case ColumnType.LONGLONG:
    case ColumnType.NEWDECIMAL:
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
      return true;
    default:
      return false;
  }
}

function isCharacter(t: number, mariadb: boolean): boolean {
  switch (t) {
    case ColumnType.STRING:
    case ColumnType.VAR_STRING:
    case ColumnType.VARCHAR:
    case ColumnType.BLOB:
      return true;
    case ColumnType.GEOMETRY:
      return mariadb;
    default:
      return false;
  }
}

function isEnumOrSet(t: number): boolean {
  return t === ColumnType.ENUM || t === ColumnType.SET;
}

interface OptionalMetadata {
  unsigned: Map<number, boolean>;
  collations: Map<number, number>;
  names: string[] | undefined;
  enumValues: Map<number, string[]>;
  setValues: Map<number, string[]>;
  geometryTypes: Map<number, number>;
  primaryKey: number[];
  primaryKeyPrefixes: number[];
  visible: boolean[] | undefined;
}

/** Column indexes of the columns `pick` selects, in order: each per-kind list is indexed by them. */
function indexesOf(types: readonly number[], pick: (t: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < types.length; i++) if (pick(types[i]!)) out.push(i);
  return out;
}

function readOptionalMetadata(r: ByteReader, types: readonly number[], mariadb: boolean): OptionalMetadata {
  const out: OptionalMetadata = {
    unsigned: new Map(),
    collations: new Map(),
    names: undefined,
    enumValues: new Map(),
    setValues: new Map(),
    geometryTypes: new Map(),
    primaryKey: [],
    primaryKeyPrefixes: [],
    visible: undefined,
  };
  const count = types.length;
  while (r.remaining > 0) {
    const fieldType = r.u8('optional metadata type');
    const field = r.slice(r.lenenc('optional metadata length'), 'optional metadata value');
    switch (fieldType) {
      case Meta.SIGNEDNESS: {
        // One bit per numeric column, most significant bit first.
        const numeric = indexesOf(types, isNumeric);
        const bits = field.view(field.remaining);
        if (bits.length * 8 < numeric.length) throw malformed(`signedness bitmap covers ${bits.length * 8} of ${numeric.length} numeric columns`);
        numeric.forEach((column, k) => out.unsigned.set(column, (bits[k >> 3]! & (0x80 >> (k & 7))) !== 0));
        break;
      }
      case Meta.DEFAULT_CHARSET:
      case Meta.ENUM_AND_SET_DEFAULT_CHARSET: {
        const columns = indexesOf(types, fieldType === Meta.DEFAULT_CHARSET ? (t) => isCharacter(t, mariadb) : isEnumOrSet);
        const fallback = field.lenenc('default collation');
        const exceptions = new Map<number, number>();
        while (field.remaining > 0) {
          const k = field.lenenc('charset column index');
          exceptions.set(k, field.lenenc('charset collation'));
        }
        columns.forEach((column, k) => out.collations.set(column, exceptions.get(k) ?? fallback));
        break;
      }
      case Meta.COLUMN_CHARSET:
      case Meta.ENUM_AND_SET_COLUMN_CHARSET: {
        const columns = indexesOf(types, fieldType === Meta.COLUMN_CHARSET ? (t) => isCharacter(t, mariadb) : isEnumOrSet);
        for (const column of columns) {
          if (field.remaining === 0) throw malformed('column charsets end before the last character column');
          out.collations.set(column, field.lenenc('column collation'));
        }
        break;
      }
      case Meta.COLUMN_NAME: {
        const names: string[] = [];
        while (field.remaining > 0) names.push(field.utf8(field.lenenc('column name length'), 'column name'));
        if (names.length !== count) throw malformed(`table map names ${names.length} columns, it has ${count}`);
        out.names = names;
        break;
      }
      case Meta.SET_STR_VALUE:
      case Meta.ENUM_STR_VALUE: {
        const target = fieldType === Meta.SET_STR_VALUE ? out.setValues : out.enumValues;
        const columns = indexesOf(types, (t) => t === (fieldType === Meta.SET_STR_VALUE ? ColumnType.SET : ColumnType.ENUM));
        for (const column of columns) {
          const n = field.lenenc('value count');
          // Each value takes at least its length byte, so the count is checked against the bytes left.
          if (n > field.remaining) throw malformed(`${n} ENUM/SET values cannot fit in ${field.remaining} bytes`);
          const values: string[] = [];
          for (let k = 0; k < n; k++) values.push(field.utf8(field.lenenc('value length'), 'ENUM/SET value'));
          target.set(column, values);
        }
        break;
      }
      case Meta.GEOMETRY_TYPE:
        for (const column of indexesOf(types, (t) => t === ColumnType.GEOMETRY)) out.geometryTypes.set(column, field.lenenc('geometry type'));
        break;
      case Meta.SIMPLE_PRIMARY_KEY:
        while (field.remaining > 0) {
          out.primaryKey.push(checkColumn(field.lenenc('primary key column'), count));
          out.primaryKeyPrefixes.push(0);
        }
        break;
      case Meta.PRIMARY_KEY_WITH_PREFIX:
        while (field.remaining > 0) {
          out.primaryKey.push(checkColumn(field.lenenc('primary key column'), count));
          out.primaryKeyPrefixes.push(field.lenenc('primary key prefix'));
        }
        break;
      case Meta.COLUMN_VISIBILITY: {
        const bits = field.view(field.remaining);
        if (bits.length * 8 < count) throw malformed(`visibility bitmap covers ${bits.length * 8} of ${count} columns`);
        out.visible = Array.from({ length: count }, (_, i) => (bits[i >> 3]! & (0x80 >> (i & 7))) !== 0);
        break;
      }
      default:
        // Fields added by later servers are skipped: their length says how far.
        break;
    }
  }
  return out;
}

function checkColumn(index: number, count: number): number {
  if (index >= count) throw malformed(`primary key column ${index} is beyond the table's ${count} columns`);
  return index;
}
