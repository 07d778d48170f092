import { ByteReader, decodeUtf8 } from './byte-reader.ts';
import { ColumnType } from './column-type.ts';
import { readDecimal } from './decimal.ts';
import { malformed } from './errors.ts';
import { formatPackedDatetime, formatPackedTime } from './temporal.ts';
import { JsonDouble, JsonOpaque, JsonPartialUpdate } from './types.ts';
import type { JsonDiff, JsonDiffOperation, JsonValue } from './types.ts';

/**
 * MySQL's binary JSON (MySQL 5.7+; sql-common/json_binary.h, "JSON binary format"): a type byte,
 * then the value. Objects and arrays come in a small form (2-byte counts and offsets) and a large
 * one (4-byte); offsets are relative to the start of the container, after its type byte. Small
 * scalars are stored inline in the value entry. MariaDB stores JSON as text and never uses this.
 */
const T = {
  SMALL_OBJECT: 0x00,
  LARGE_OBJECT: 0x01,
  SMALL_ARRAY: 0x02,
  LARGE_ARRAY: 0x03,
  LITERAL: 0x04,
  INT16: 0x05,
  UINT16: 0x06,
  INT32: 0x07,
  UINT32: 0x08,
  INT64: 0x09,
  UINT64: 0x0a,
  DOUBLE: 0x0b,
  STRING: 0x0c,
  OPAQUE: 0x0f,
} as const;

/** MySQL refuses documents nested deeper than 100 (JSON_DOCUMENT_MAX_DEPTH); deeper input is corrupt. */
const MAX_DEPTH = 100;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Decodes one binary JSON document occupying all of `bytes`. An empty document is JSON null, as MySQL reads it. */
export function decodeJsonBinary(bytes: Buffer): JsonValue {
  if (bytes.length === 0) return null;
  return readValue(bytes[0]!, bytes, 1, bytes.length, 0);
}

function need(start: number, n: number, end: number, what: string): void {
  if (start + n > end) throw malformed(`JSON ${what} needs ${n} bytes at ${start}, the value ends at ${end}`);
}

function exactInteger(v: bigint): number | bigint {
  return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v;
}

/** `start..end` holds the value's bytes (a container's count field first) and whatever follows it. */
function readValue(type: number, buf: Buffer, start: number, end: number, depth: number): JsonValue {
  switch (type) {
    case T.SMALL_OBJECT:
      return readContainer(buf, start, end, true, true, depth);
    case T.LARGE_OBJECT:
      return readContainer(buf, start, end, false, true, depth);
    case T.SMALL_ARRAY:
      return readContainer(buf, start, end, true, false, depth);
    case T.LARGE_ARRAY:
      return readContainer(buf, start, end, false, false, depth);
    case T.LITERAL:
      need(start, 1, end, 'literal');
      switch (buf[start]!) {
        case 0x00:
          return null;
        case 0x01:
          return true;
        case 0x02:
          return false;
        default:
          throw malformed(`JSON literal 0x${buf[start]!.toString(16)} is not null, true or false`);
      }
    case T.INT16:
      need(start, 2, end, 'int16');
      return buf.readInt16LE(start);
    case T.UINT16:
      need(start, 2, end, 'uint16');
      return buf.readUInt16LE(start);
    case T.INT32:
      need(start, 4, end, 'int32');
      return buf.readInt32LE(start);
    case T.UINT32:
      need(start, 4, end, 'uint32');
      return buf.readUInt32LE(start);
    case T.INT64:
      need(start, 8, end, 'int64');
      return exactInteger(buf.readBigInt64LE(start));
    case T.UINT64:
      need(start, 8, end, 'uint64');
      return exactInteger(buf.readBigUInt64LE(start));
    case T.DOUBLE:
      need(start, 8, end, 'double');
      return new JsonDouble(buf.readDoubleLE(start));
    case T.STRING: {
      const [length, at] = readVarLength(buf, start, end);
      need(at, length, end, 'string');
      return decodeUtf8(buf.subarray(at, at + length));
    }
    case T.OPAQUE: {
      need(start, 1, end, 'opaque type');
      const fieldType = buf[start]!;
      const [length, at] = readVarLength(buf, start + 1, end);
      need(at, length, end, 'opaque value');
      return readOpaque(fieldType, buf.subarray(at, at + length));
    }
    default:
      throw malformed(`JSON value type 0x${type.toString(16)} is unknown`);
  }
}

/** JSON's variable-length length: 7 bits a byte, low first, at most 5 bytes (a uint32). */
function readVarLength(buf: Buffer, start: number, end: number): [number, number] {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    need(start + i, 1, end, 'length');
    const b = buf[start + i]!;
    length += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (length > 0xffff_ffff) break;
      return [length, start + i + 1];
    }
  }
  throw malformed('JSON variable-length length is longer than 5 bytes or above 2^32');
}

function readContainer(buf: Buffer, start: number, end: number, small: boolean, isObject: boolean, depth: number): JsonValue {
  if (depth >= MAX_DEPTH) throw malformed(`JSON document is nested deeper than ${MAX_DEPTH}`);
  const offsetSize = small ? 2 : 4;
  const readOffset = (at: number): number => (small ? buf.readUInt16LE(at) : buf.readUInt32LE(at));
  need(start, 2 * offsetSize, end, 'container header');
  const count = readOffset(start);
  const size = readOffset(start + offsetSize);
  need(start, size, end, 'container');
  const keyEntrySize = isObject ? offsetSize + 2 : 0;
  const valueEntrySize = 1 + offsetSize;
  // Entries are bounded by the container's declared size, which is bounded by the bytes present,
  // so `count` cannot size an allocation beyond the input.
  const headerSize = 2 * offsetSize + count * (keyEntrySize + valueEntrySize);
  if (headerSize > size) throw malformed(`JSON container of ${count} entries does not fit its ${size} bytes`);
  const containerEnd = start + size;
  const valuesAt = start + 2 * offsetSize + count * keyEntrySize;

  const readEntry = (i: number): JsonValue => {
    const entry = valuesAt + i * valueEntrySize;
    const type = buf[entry]!;
    if (type === T.LITERAL || type === T.INT16 || type === T.UINT16 || (!small && (type === T.INT32 || type === T.UINT32))) {
      return readValue(type, buf, entry + 1, entry + valueEntrySize, depth + 1);
    }
    const offset = readOffset(entry + 1);
    if (offset < headerSize || offset >= size) throw malformed(`JSON value offset ${offset} is outside its container of ${size} bytes`);
    return readValue(type, buf, start + offset, containerEnd, depth + 1);
  };

  if (!isObject) {
    const array: JsonValue[] = new Array<JsonValue>(count);
    for (let i = 0; i < count; i++) array[i] = readEntry(i);
    return array;
  }
  const object: Record<string, JsonValue> = {};
  for (let i = 0; i < count; i++) {
    const entry = start + 2 * offsetSize + i * keyEntrySize;
    const keyOffset = readOffset(entry);
    const keyLength = buf.readUInt16LE(entry + offsetSize);
    if (keyOffset < headerSize || keyOffset + keyLength > size) throw malformed(`JSON key at ${keyOffset} (${keyLength} bytes) is outside its container`);
    const key = decodeUtf8(buf.subarray(start + keyOffset, start + keyOffset + keyLength));
    const value = readEntry(i);
    // A key named __proto__ must become an own property, not the object's prototype.
    if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    else object[key] = value;
  }
  return object;
}

function readOpaque(fieldType: number, data: Buffer): JsonOpaque {
  switch (fieldType) {
    case ColumnType.NEWDECIMAL: {
      if (data.length < 2) throw malformed('JSON DECIMAL lacks its precision and scale');
      const r = new ByteReader(data, 2);
      return new JsonOpaque(fieldType, readDecimal(r, data[0]!, data[1]!));
    }
    case ColumnType.DATE:
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIME: {
      if (data.length < 8) throw malformed('JSON temporal value is shorter than 8 bytes');
      const packed = data.readBigInt64LE(0);
      const text =
        fieldType === ColumnType.TIME ? formatPackedTime(packed) : formatPackedDatetime(packed, fieldType === ColumnType.DATE ? 'date' : 'datetime');
      return new JsonOpaque(fieldType, text);
    }
    default:
      return new JsonOpaque(fieldType, Uint8Array.prototype.slice.call(data));
  }
}

const OPERATIONS: readonly JsonDiffOperation[] = ['replace', 'insert', 'remove'];

/**
 * A partial JSON update (MySQL 8.0.3+, binlog_row_value_options=PARTIAL_JSON): the diffs that
 * turn the before-image into the after-image. Layout from mysql-server sql/json_diff.cc,
 * Json_diff_vector::read_binary / Json_diff::write_binary: after the 4-byte length (read by the
 * caller as the column's length prefix), each diff is an operation byte (0 replace, 1 insert,
 * 2 remove), a length-encoded path length and path, and for replace/insert a length-encoded
 * value length and a binary JSON value.
 */
export function decodeJsonDiffs(bytes: Buffer): JsonPartialUpdate {
  const r = new ByteReader(bytes);
  const diffs: JsonDiff[] = [];
  while (r.remaining > 0) {
    const code = r.u8('JSON diff operation');
    const operation = OPERATIONS[code];
    if (operation === undefined) throw malformed(`JSON diff operation ${code} is unknown`);
    const pathLength = r.lenenc('JSON diff path length');
    const path = r.utf8(pathLength, 'JSON diff path');
    if (operation === 'remove') {
      diffs.push({ operation, path });
      continue;
    }
    const valueLength = r.lenenc('JSON diff value length');
    const value = decodeJsonBinary(r.view(valueLength, 'JSON diff value'));
    diffs.push({ operation, path, value });
  }
  return new JsonPartialUpdate(diffs);
}
