import type { ConnectLogger, Schema } from '../../connect/api/index.ts';
import { ConnectError, ConnectErrorCode, DECIMAL_SCALE_PARAMETER, LogicalTypeName } from '../../connect/api/index.ts';
import type { JsonValue } from './binlog/index.ts';
import { decodeCharsetText } from './binlog/index.ts';
import { datetimeMicros, datetimeMillis, decimalValue, epochDays, timeMicros, timeMillis, zonedTimestamp } from './value-text.ts';
import { jsonDocumentText } from './json-text.ts';
import type { BooleanColumns } from './custom-converters.ts';
import type { ColumnDef } from './schema/table.ts';

/** The *.handling.mode and time.precision.mode settings that shape values. */
export interface ValueOptions {
  readonly decimalMode: 'precise' | 'string' | 'double';
  readonly timePrecisionMode: 'adaptive_time_microseconds' | 'connect';
  readonly bigintUnsignedMode: 'long' | 'precise';
  readonly binaryMode: 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
  /** enable.time.adjuster (default true): DATE, DATETIME and TIMESTAMP years 1-69 read as 20xx, 70-99 as 19xx. */
  readonly timeAdjuster?: boolean;
  /** event.converting.failure.handling.mode (default warn): what a value that cannot be converted becomes. */
  readonly conversionFailureMode?: ConversionFailureMode;
  /** Where the warn mode's warning goes (skip logs at debug). */
  readonly logger?: ConnectLogger;
  /** The columns a TinyIntOneToBooleanConverter (converters) turns into booleans. */
  readonly booleanColumns?: BooleanColumns | null;
}

/** Debezium's EventConvertingFailureHandlingMode: warn and skip emit null (logged at warn or debug), fail stops the task. */
export type ConversionFailureMode = 'warn' | 'skip' | 'fail';

/** A value its column's Connect type cannot hold, such as a TIME outside 00:00:00-24:00:00 under time.precision.mode=connect. */
export class ValueConversionError extends ConnectError {
  constructor(message: string) {
    super(ConnectErrorCode.DATA, message);
  }
}

/**
 * A raw column value, as the binlog decoder gives it and as the snapshot reader normalises
 * SELECT results to: integers as number (BIGINT as bigint), DECIMAL as its exact text, temporal
 * values as MySQL's text ('2024-01-31', '12:00:00.5', '2024-01-31 12:00:00.123456', TIMESTAMP in
 * UTC), BIT as bigint, ENUM/SET as text (or index/bitmask without metadata), binary and geometry
 * as bytes, text as string (or bytes when its charset was not known).
 */
export type RawValue = unknown;

/** How one column becomes one field: its Connect schema and the value conversion. */
export interface ColumnConverter {
  readonly column: ColumnDef;
  readonly schema: Schema;
  convert(raw: RawValue): unknown;
}

const DEBEZIUM = {
  DATE: 'io.debezium.time.Date',
  MICRO_TIME: 'io.debezium.time.MicroTime',
  TIMESTAMP: 'io.debezium.time.Timestamp',
  MICRO_TIMESTAMP: 'io.debezium.time.MicroTimestamp',
  ZONED_TIMESTAMP: 'io.debezium.time.ZonedTimestamp',
  YEAR: 'io.debezium.time.Year',
  ENUM: 'io.debezium.data.Enum',
  ENUM_SET: 'io.debezium.data.EnumSet',
  JSON: 'io.debezium.data.Json',
  BITS: 'io.debezium.data.Bits',
  GEOMETRY: 'io.debezium.data.geometry.Geometry',
  POINT: 'io.debezium.data.geometry.Point',
} as const;

/** Debezium's parameter carrying a Decimal's precision. */
const PRECISION_PARAMETER = 'connect.decimal.precision';

const INT_BITS: Record<string, number> = { TINYINT: 8, SMALLINT: 16, MEDIUMINT: 24, INT: 32 };

function textOf(raw: RawValue, charset: string | undefined): string {
  if (typeof raw === 'string') return raw;
  // The bytes are shared (a key and a value read the same ones): decoding must not change them.
  if (raw instanceof Uint8Array) return decodeCharsetText(raw, charset);
  return String(raw);
}

function bytesOf(raw: RawValue): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  if (typeof raw === 'string') return Buffer.from(raw, 'utf8');
  return Buffer.from(String(raw), 'utf8');
}

function binaryValue(bytes: Uint8Array, mode: ValueOptions['binaryMode']): Uint8Array | string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (mode) {
    case 'bytes':
      return bytes;
    case 'base64':
      return buf.toString('base64');
    case 'base64-url-safe':
      return buf.toString('base64url');
    case 'hex':
      return buf.toString('hex');
  }
}

function integerValue(raw: RawValue, column: ColumnDef): number | bigint {
  if (typeof raw === 'bigint') {
    if (column.unsigned && raw < 0n) return raw + (1n << 64n);
    return raw;
  }
  const n = typeof raw === 'number' ? raw : Number(raw);
  const bits = INT_BITS[column.type];
  // Without binlog_row_metadata=FULL the decoder reads integers as signed; the DDL says otherwise.
  if (column.unsigned && bits !== undefined && n < 0) return n + 2 ** bits;
  return n;
}

/**
 * Debezium's BinlogValueConverters.adjustTemporal on MySQL's temporal text: a year 0001-0069
 * becomes 2001-2069, 0070-0099 becomes 1970-1999 (a zero year stays: that is a zero date).
 * Two character tests on the common path; only such years build a new text.
 */
function adjustTwoDigitYear(text: string): string {
  if (text.charCodeAt(0) !== 48 || text.charCodeAt(1) !== 48 || text.charCodeAt(4) !== 45) return text;
  const tens = text.charCodeAt(2) - 48;
  const ones = text.charCodeAt(3) - 48;
  if (tens < 0 || tens > 9 || ones < 0 || ones > 9) return text;
  const year = tens * 10 + ones;
  if (year === 0) return text;
  return `${year < 70 ? 2000 + year : 1900 + year}${text.slice(4)}`;
}

function temporalText(options: ValueOptions): (raw: RawValue) => string {
  return options.timeAdjuster === false ? String : (raw) => adjustTwoDigitYear(String(raw));
}

function optional(schema: Schema, column: ColumnDef): Schema {
  return { ...schema, optional: column.nullable };
}

/**
 * The Connect schema and converter of one column, as Debezium maps MySQL types. `table`
 * ('db.table') names the column in conversion failures.
 */
export function columnConverter(column: ColumnDef, options: ValueOptions, table?: string): ColumnConverter {
  const base = options.booleanColumns?.(table ?? '', column) === true ? NUMBER_AS_BOOLEAN : baseConverter(column, options);
  const schema = optional(base.schema, column);
  const withDefault = defaultOf(column, schema, base.convert);
  // Only converters that can refuse a value pay for the handling.
  const convert = base.mayRefuse === true ? withFailureHandling(base.convert, column, options, table) : base.convert;
  return {
    column,
    schema: withDefault === undefined ? schema : { ...schema, defaultValue: withDefault },
    convert: (raw) => (raw === null || raw === undefined ? null : convert(raw)),
  };
}

/**
 * Debezium's TableSchemaBuilder on a converter that throws: the field is left unset (null), with
 * a warning (warn) or a debug line (skip), or the event fails (fail) with the column, its type and
 * the value in the message. Only values the column's type
 * cannot hold throw ValueConversionError; any other error is a bug and propagates.
 */
function withFailureHandling(convert: (raw: RawValue) => unknown, column: ColumnDef, options: ValueOptions, table: string | undefined): (raw: RawValue) => unknown {
  const mode = options.conversionFailureMode ?? 'warn';
  const where = table === undefined ? column.name : `${table}.${column.name}`;
  return (raw) => {
    try {
      return convert(raw);
    } catch (err) {
      if (!(err instanceof ValueConversionError)) throw err;
      const message = `Failed to properly convert data value for '${where}' of type ${column.type}: ${err.message}`;
      if (mode === 'fail') throw new ValueConversionError(message);
      const fields = { column: where, type: column.type };
      if (mode === 'warn') options.logger?.warn(fields, `${message}; the field is null`);
      else options.logger?.debug(fields, `${message}; the field is null`);
      return null;
    }
  };
}

const MICROS_PER_DAY = 86_400_000_000n;

/** Connect's Time holds a time of day: Debezium's Time.toMilliOfDay refuses a negative TIME or one past 24:00:00. */
function connectTimeMillis(text: string): number {
  const micros = timeMicros(text);
  if (micros < 0n || micros > MICROS_PER_DAY) throw new ValueConversionError(`TIME '${text}' is outside 00:00:00-24:00:00, which time.precision.mode=connect cannot represent`);
  return timeMillis(text);
}

/** Debezium's adjustTemporal on a YEAR: 0-69 are 2000-2069 and 70-99 are 1970-1999, whatever enable.time.adjuster says. */
function yearValue(raw: RawValue): number {
  const year = Number(raw);
  if (year >= 0 && year <= 69) return 2000 + year;
  if (year >= 70 && year <= 99) return 1900 + year;
  return year;
}

function defaultOf(column: ColumnDef, schema: Schema, convert: (raw: RawValue) => unknown): unknown {
  if (!column.defaultIsLiteral || column.defaultExpression === undefined) return undefined;
  try {
    const text = column.defaultExpression;
    let raw: RawValue = text;
    if (['TINYINT', 'SMALLINT', 'MEDIUMINT', 'INT', 'YEAR', 'BOOLEAN'].includes(column.type)) raw = Number(text);
    else if (column.type === 'BIGINT') raw = BigInt(text.split('.')[0]!);
    else if (column.type === 'FLOAT' || column.type === 'DOUBLE') raw = Number(text);
    else if (column.type === 'BIT') raw = BigInt(/^\d+$/.test(text) ? text : `0b${text.replace(/[^01]/g, '') || '0'}`);
    else if (['DATE', 'DATETIME', 'TIMESTAMP', 'TIME', 'GEOMETRY', 'POINT', 'JSON'].includes(column.type)) return undefined;
    else if (schema.type === 'bytes' && !(schema.name === LogicalTypeName.DECIMAL)) return undefined;
    const value = convert(raw);
    return value === null ? undefined : value;
  } catch {
    return undefined;
  }
}

/** A column's schema and conversion; `mayRefuse` when the conversion can throw ValueConversionError. */
interface BaseConverter {
  readonly schema: Schema;
  readonly convert: (raw: RawValue) => unknown;
  readonly mayRefuse?: true;
}

/** BOOLEAN columns, and TINYINT ones Debezium's TinyIntOneToBooleanConverter takes: any nonzero value is true, as MySQL's IS TRUE. */
const NUMBER_AS_BOOLEAN: BaseConverter = { schema: { type: 'boolean', optional: false }, convert: (raw) => (typeof raw === 'boolean' ? raw : Number(raw) !== 0) };

function baseConverter(column: ColumnDef, options: ValueOptions): BaseConverter {
  const adaptive = options.timePrecisionMode === 'adaptive_time_microseconds';
  switch (column.type) {
    case 'BOOLEAN':
      return NUMBER_AS_BOOLEAN;
    case 'TINYINT':
      return { schema: { type: 'int16', optional: false }, convert: (raw) => integerValue(raw, column) };
    case 'SMALLINT':
      return { schema: { type: column.unsigned ? 'int32' : 'int16', optional: false }, convert: (raw) => integerValue(raw, column) };
    case 'MEDIUMINT':
      return { schema: { type: 'int32', optional: false }, convert: (raw) => integerValue(raw, column) };
    case 'INT':
      return { schema: { type: column.unsigned ? 'int64' : 'int32', optional: false }, convert: (raw) => integerValue(raw, column) };
    case 'BIGINT':
      if (column.unsigned && options.bigintUnsignedMode === 'precise') {
        return {
          schema: { type: 'bytes', optional: false, name: LogicalTypeName.DECIMAL, version: 1, parameters: { [DECIMAL_SCALE_PARAMETER]: '0', [PRECISION_PARAMETER]: '20' } },
          convert: (raw) => ({ unscaled: BigInt(integerValue(raw, column)), scale: 0 }),
        };
      }
      // Debezium's long mode: values above 2^63-1 wrap negative.
      return { schema: { type: 'int64', optional: false }, convert: (raw) => BigInt.asIntN(64, BigInt(integerValue(raw, column))) };
    case 'FLOAT':
      // Debezium: FLOAT and FLOAT(p≤24) are float32, FLOAT(M,D) and FLOAT(p>24) float64. FLOAT(M,D)
      // is stored in 4 bytes, so its double is the single-precision value (5.6 → 5.599999904632568),
      // the snapshot's text rounded to it too; FLOAT(p>24) is a DOUBLE column.
      if (column.scale !== undefined) return { schema: { type: 'float64', optional: false }, convert: (raw) => Math.fround(Number(raw)) };
      if (column.length !== undefined && column.length > 24) return { schema: { type: 'float64', optional: false }, convert: (raw) => Number(raw) };
      return { schema: { type: 'float32', optional: false }, convert: (raw) => Number(raw) };
    case 'DOUBLE':
      return { schema: { type: 'float64', optional: false }, convert: (raw) => Number(raw) };
    case 'DECIMAL': {
      const scale = column.scale ?? 0;
      switch (options.decimalMode) {
        case 'precise':
          return {
            schema: {
              type: 'bytes',
              optional: false,
              name: LogicalTypeName.DECIMAL,
              version: 1,
              parameters: { [DECIMAL_SCALE_PARAMETER]: String(scale), [PRECISION_PARAMETER]: String(column.length ?? 10) },
            },
            convert: (raw) => decimalValue(String(raw), scale),
          };
        case 'string':
          return { schema: { type: 'string', optional: false }, convert: (raw) => canonicalDecimal(String(raw)) };
        case 'double':
          return { schema: { type: 'float64', optional: false }, convert: (raw) => Number(raw) };
      }
      break;
    }
    case 'BIT': {
      const n = column.length ?? 1;
      if (n === 1) return { schema: { type: 'boolean', optional: false }, convert: (raw) => BigInt(raw as bigint | number) !== 0n };
      const bytes = Math.ceil(n / 8);
      return {
        schema: { type: 'bytes', optional: false, name: DEBEZIUM.BITS, version: 1, parameters: { length: String(n) } },
        convert: (raw) => {
          // Debezium's Bits are little-endian, padded to the column's bytes.
          let v = BigInt(raw as bigint | number);
          const out = new Uint8Array(bytes);
          for (let i = 0; i < bytes; i++) {
            out[i] = Number(v & 0xffn);
            v >>= 8n;
          }
          return out;
        },
      };
    }
    case 'YEAR':
      return { schema: { type: 'int32', optional: false, name: DEBEZIUM.YEAR, version: 1 }, convert: yearValue };
    case 'DATE': {
      const text = temporalText(options);
      return {
        schema: adaptive ? { type: 'int32', optional: false, name: DEBEZIUM.DATE, version: 1 } : { type: 'int32', optional: false, name: LogicalTypeName.DATE, version: 1 },
        convert: (raw) => epochDays(text(raw)) ?? (column.nullable ? null : 0),
      };
    }
    case 'TIME':
      if (adaptive) return { schema: { type: 'int64', optional: false, name: DEBEZIUM.MICRO_TIME, version: 1 }, convert: (raw) => timeMicros(String(raw)) };
      return { schema: { type: 'int32', optional: false, name: LogicalTypeName.TIME, version: 1 }, convert: (raw) => connectTimeMillis(String(raw)), mayRefuse: true };
    case 'DATETIME': {
      const fsp = column.scale ?? 0;
      const micros = adaptive && fsp > 3;
      const name = adaptive ? (micros ? DEBEZIUM.MICRO_TIMESTAMP : DEBEZIUM.TIMESTAMP) : LogicalTypeName.TIMESTAMP;
      const text = temporalText(options);
      return {
        schema: { type: 'int64', optional: false, name, version: 1 },
        convert: (raw) => {
          const value = micros ? datetimeMicros(text(raw)) : datetimeMillis(text(raw));
          return value ?? (column.nullable ? null : 0n);
        },
      };
    }
    case 'TIMESTAMP': {
      const fsp = column.scale ?? 0;
      const text = temporalText(options);
      return {
        schema: { type: 'string', optional: false, name: DEBEZIUM.ZONED_TIMESTAMP, version: 1 },
        convert: (raw) => zonedTimestamp(text(raw), fsp) ?? (column.nullable ? null : '1970-01-01T00:00:00Z'),
      };
    }
    case 'ENUM': {
      const values = column.enumValues ?? [];
      return {
        schema: { type: 'string', optional: false, name: DEBEZIUM.ENUM, version: 1, parameters: { allowed: values.join(',') } },
        convert: (raw) => (typeof raw === 'number' ? (values[raw - 1] ?? '') : textOf(raw, column.charset)),
      };
    }
    case 'SET': {
      const values = column.enumValues ?? [];
      return {
        schema: { type: 'string', optional: false, name: DEBEZIUM.ENUM_SET, version: 1, parameters: { allowed: values.join(',') } },
        convert: (raw) => {
          if (typeof raw !== 'bigint' && typeof raw !== 'number') return textOf(raw, column.charset);
          const bits = BigInt(raw);
          return values.filter((_, i) => (bits >> BigInt(i)) & 1n).join(',');
        },
      };
    }
    case 'JSON':
      return {
        schema: { type: 'string', optional: false, name: DEBEZIUM.JSON, version: 1 },
        convert: (raw) => (typeof raw === 'string' || raw instanceof Uint8Array ? textOf(raw, 'utf8mb4') : jsonDocumentText(raw as JsonValue)),
      };
    case 'BINARY':
    case 'VARBINARY':
    case 'TINYBLOB':
    case 'BLOB':
    case 'MEDIUMBLOB':
    case 'LONGBLOB':
      return {
        schema: { type: options.binaryMode === 'bytes' ? 'bytes' : 'string', optional: false },
        convert: (raw) => {
          let bytes = bytesOf(raw);
          // BINARY(n) is stored right-padded with zeros; the binlog trims them.
          if (column.type === 'BINARY' && column.length !== undefined && bytes.length < column.length) {
            const padded = new Uint8Array(column.length);
            padded.set(bytes);
            bytes = padded;
          }
          return binaryValue(bytes, options.binaryMode);
        },
      };
    case 'GEOMETRY':
    case 'LINESTRING':
    case 'POLYGON':
    case 'MULTIPOINT':
    case 'MULTILINESTRING':
    case 'MULTIPOLYGON':
    case 'GEOMETRYCOLLECTION':
    case 'GEOMCOLLECTION':
      return {
        schema: {
          type: 'struct',
          optional: false,
          name: DEBEZIUM.GEOMETRY,
          version: 1,
          doc: 'Geometry',
          fields: [
            { name: 'wkb', index: 0, schema: { type: 'bytes', optional: false } },
            { name: 'srid', index: 1, schema: { type: 'int32', optional: true } },
          ],
        },
        convert: (raw) => geometry(bytesOf(raw)),
      };
    case 'POINT':
      return {
        schema: {
          type: 'struct',
          optional: false,
          name: DEBEZIUM.POINT,
          version: 1,
          doc: 'Geometry (POINT)',
          fields: [
            { name: 'x', index: 0, schema: { type: 'float64', optional: false } },
            { name: 'y', index: 1, schema: { type: 'float64', optional: false } },
            { name: 'wkb', index: 2, schema: { type: 'bytes', optional: true } },
            { name: 'srid', index: 3, schema: { type: 'int32', optional: true } },
          ],
        },
        convert: (raw) => {
          const g = geometry(bytesOf(raw));
          const wkb = Buffer.from(g.wkb.buffer, g.wkb.byteOffset, g.wkb.byteLength);
          const little = wkb[0] === 1;
          const x = wkb.length >= 21 ? (little ? wkb.readDoubleLE(5) : wkb.readDoubleBE(5)) : 0;
          const y = wkb.length >= 21 ? (little ? wkb.readDoubleLE(13) : wkb.readDoubleBE(13)) : 0;
          return { x, y, wkb: g.wkb, srid: g.srid };
        },
      };
    default:
      // CHAR, VARCHAR, the TEXTs, and anything newer: text.
      return { schema: { type: 'string', optional: false }, convert: (raw) => textOf(raw, column.charset) };
  }
  throw new Error('unreachable');
}

/** MySQL's geometry storage: a 4-byte little-endian SRID, then WKB. SRID 0 (none set) is null, as Debezium's BinlogGeometry has it. */
function geometry(bytes: Uint8Array): { wkb: Uint8Array; srid: number | null } {
  if (bytes.length < 4) return { wkb: bytes, srid: null };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const srid = buf.readInt32LE(0);
  return { wkb: bytes.slice(4), srid: srid === 0 ? null : srid };
}

/** Java's BigDecimal.toPlainString of an exact decimal text: no leading '+', as MySQL prints it. */
function canonicalDecimal(text: string): string {
  return text.startsWith('+') ? text.slice(1) : text;
}
