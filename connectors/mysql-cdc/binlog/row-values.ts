import type { ByteReader } from './byte-reader.ts';
import { decodeText } from './charset.ts';
import { ColumnType, columnTypeName } from './column-type.ts';
import { readDecimal } from './decimal.ts';
import { malformed } from './errors.ts';
import { decodeJsonBinary, decodeJsonDiffs } from './json-binary.ts';
import { readDate, readDatetime, readDatetime2, readTime, readTime2, readTimestamp, readTimestamp2 } from './temporal.ts';
import type { ColumnInfo, ColumnValue } from './types.ts';

/**
 * One column value of a row image, in the packed form Field::pack writes (sql/field.cc; MySQL's
 * log_event_print_value in sql/log_event.cc is the reference printer). `partialJson` is set for a
 * JSON column that a PARTIAL_UPDATE_ROWS after-image sends as diffs.
 */
export function readColumnValue(r: ByteReader, column: ColumnInfo, partialJson: boolean): ColumnValue {
  const meta = column.meta;
  switch (column.type) {
    case ColumnType.TINY: {
      const v = r.u8('TINYINT');
      return column.unsigned === true ? v : (v << 24) >> 24;
    }
    case ColumnType.SHORT: {
      const v = r.u16('SMALLINT');
      return column.unsigned === true ? v : (v << 16) >> 16;
    }
    case ColumnType.INT24: {
      const v = r.u24('MEDIUMINT');
      return column.unsigned === true ? v : (v << 8) >> 8;
    }
    case ColumnType.LONG: {
      const v = r.u32('INT');
      return column.unsigned === true ? v : v | 0;
    }
    case ColumnType.LONGLONG:
      return column.unsigned === true ? r.u64('BIGINT') : r.i64('BIGINT');
    case ColumnType.FLOAT: {
      r.need(4, 'FLOAT');
      const v = r.buf.readFloatLE(r.pos);
      r.pos += 4;
      return v;
    }
    case ColumnType.DOUBLE: {
      r.need(8, 'DOUBLE');
      const v = r.buf.readDoubleLE(r.pos);
      r.pos += 8;
      return v;
    }
    case ColumnType.NEWDECIMAL:
      return readDecimal(r, meta >> 8, meta & 0xff);
    case ColumnType.YEAR:
      // Stored as years since 1900; Debezium's RowDeserializers reads a stored 0000 as 1900 too.
      return 1900 + r.u8('YEAR');
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return readDate(r);
    case ColumnType.TIME:
      return readTime(r);
    case ColumnType.TIME2:
      return readTime2(r, meta);
    case ColumnType.DATETIME:
      return readDatetime(r);
    case ColumnType.DATETIME2:
      return readDatetime2(r, meta);
    case ColumnType.TIMESTAMP:
      return readTimestamp(r);
    case ColumnType.TIMESTAMP2:
      return readTimestamp2(r, meta);
    case ColumnType.BIT: {
      // Metadata: bits in the last byte (low byte), whole bytes (high byte). Stored big-endian.
      const bits = (meta >> 8) * 8 + (meta & 0xff);
      const bytes = r.view((bits + 7) >> 3, 'BIT');
      let v = 0n;
      for (const b of bytes) v = (v << 8n) | BigInt(b);
      return v;
    }
    case ColumnType.ENUM: {
      const index = r.uintLE(enumPackLength(meta), 'ENUM');
      const values = column.enumValues;
      if (values === undefined) return index;
      // 0 is the empty string MySQL stores for an invalid value.
      return index === 0 ? '' : (values[index - 1] ?? index);
    }
    case ColumnType.SET: {
      const length = meta;
      if (length < 1 || length > 8) throw malformed(`SET pack length ${length} is not 1 to 8`);
      const bytes = r.view(length, 'SET');
      let mask = 0n;
      for (let i = length - 1; i >= 0; i--) mask = (mask << 8n) | BigInt(bytes[i]!);
      const values = column.setValues;
      if (values === undefined) return mask;
      const chosen: string[] = [];
      for (let i = 0; i < values.length; i++) if ((mask >> BigInt(i)) & 1n) chosen.push(values[i]!);
      return chosen.join(',');
    }
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      return text(r, column, meta > 255 ? 2 : 1);
    case ColumnType.STRING: {
      const value = text(r, column, meta > 255 ? 2 : 1);
      // BINARY(n) is stored without its trailing zero bytes; the value in the table has all n.
      if (column.charset === 'binary' && typeof value !== 'string' && value.length < meta) {
        const padded = Buffer.alloc(meta);
        padded.set(value);
        return padded;
      }
      return value;
    }
    case ColumnType.BLOB:
      return text(r, column, blobPackLength(meta));
    case ColumnType.GEOMETRY:
    case ColumnType.VECTOR: {
      const length = r.uintLE(blobPackLength(meta), columnTypeName(column.type));
      return r.copy(length, columnTypeName(column.type));
    }
    case ColumnType.JSON: {
      const length = r.uintLE(blobPackLength(meta), 'JSON length');
      const bytes = r.view(length, 'JSON');
      return partialJson ? decodeJsonDiffs(bytes) : decodeJsonBinary(bytes);
    }
    case ColumnType.NULL:
      return null;
    default:
      throw malformed(`column ${column.index} has type ${columnTypeName(column.type)}, which this decoder cannot read`);
  }
}

function enumPackLength(meta: number): number {
  if (meta !== 1 && meta !== 2) throw malformed(`ENUM pack length ${meta} is not 1 or 2`);
  return meta;
}

function blobPackLength(meta: number): number {
  if (meta < 1 || meta > 4) throw malformed(`BLOB length size ${meta} is not 1 to 4`);
  return meta;
}

/** A length-prefixed string: text when the column's charset is one decoded here, else bytes. */
function text(r: ByteReader, column: ColumnInfo, lengthBytes: number): string | Uint8Array {
  const length = r.uintLE(lengthBytes, 'string length');
  const charset = column.charset;
  if (charset === undefined || charset === 'binary') return r.copy(length, 'string');
  // Buffer's own decoders are the fast path for the common charsets (no view allocated).
  if (charset === 'utf8mb4' || charset === 'utf8mb3' || charset === 'ascii') return r.utf8(length, 'string');
  const bytes = r.view(length, 'string');
  return decodeText(bytes, charset) ?? Uint8Array.prototype.slice.call(bytes);
}
