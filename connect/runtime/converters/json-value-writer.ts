// A value writer compiled once per schema: the same text as valueJson, written as UTF-8 bytes
// into a JsonSink without looking the schema up again for every record. A source task sends
// thousands of records under one schema object, so the field names are escaped and encoded
// once, each field's type is decided once, and no string is built for a struct or a number.
import type { Schema } from '../../api/index.ts';
import { LogicalTypeName, SchemaType, dataError } from '../../api/index.ts';
import { decimalScale, formatDecimal, fromLogical, isDecimalValue, typeName } from '../data/logical.ts';
import { isPlainObject } from '../data/schemas.ts';
import { formatJavaDouble, formatJavaFloat } from './java-number.ts';
import type { JsonSink } from './json-sink.ts';
import { jsonString, valueJson } from './json-writer.ts';
import type { JsonWriteOptions } from './json-writer.ts';

/** Writes a value (or null) under one schema to the sink: exactly the UTF-8 of valueJson(schema, value). */
export type ValueWriter = (sink: JsonSink, value: unknown) => void;

const LOGICAL_NAMES: ReadonlySet<string> = new Set(Object.values(LogicalTypeName));
const NULL = Buffer.from('null');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Compiles the writer of `schema`'s values, nested schemas included. */
export function compileValueWriter(schema: Schema, options: JsonWriteOptions): ValueWriter {
  const write = nonNullWriter(schema, options);
  const hasDefault = schema.defaultValue !== undefined && schema.defaultValue !== null && options.replaceNullWithDefault;
  const optional = schema.optional;
  return (sink, value) => {
    if (value !== null && value !== undefined) write(sink, value);
    // Null is rare on the hot path; the generic writer keeps its rules (default, optional, error).
    else if (hasDefault) sink.json(valueJson(schema, schema.defaultValue, options));
    else if (optional) sink.bytes(NULL);
    else throw dataError('Conversion error: null value for field that is required and has no default value');
  };
}

function nonNullWriter(schema: Schema, options: JsonWriteOptions): ValueWriter {
  const typed = typedWriter(schema, options);
  const name = schema.name;
  if (name === undefined || !LOGICAL_NAMES.has(name)) return typed;
  if (name === LogicalTypeName.DECIMAL) {
    if (options.decimalNumeric) {
      return (sink, value) => {
        if (isDecimalValue(value)) sink.ascii(formatDecimal(value));
        else typed(sink, fromLogical(schema, value));
      };
    }
    return decimalBytesWriter(schema, typed);
  }
  return (sink, value) => {
    typed(sink, fromLogical(schema, value));
  };
}

/** Below this magnitude an unscaled decimal fits 6 bytes, and a double holds it exactly. */
const SMALL_UNSCALED = 2n ** 47n;
const BASE64_DIGITS = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const PAD = 0x3d;

/**
 * A Decimal as the base64 of BigInteger.toByteArray(), as fromLogical and the bytes writer give
 * it; column values (prices, amounts) are small, and for them the bytes are computed on a number
 * instead of through a hex string and a buffer. Anything else takes the general path.
 */
function decimalBytesWriter(schema: Schema, typed: ValueWriter): ValueWriter {
  let scale: number | undefined;
  return (sink, value) => {
    if (isDecimalValue(value) && value.unscaled < SMALL_UNSCALED && value.unscaled >= -SMALL_UNSCALED) {
      scale ??= decimalScale(schema);
      if (value.scale === scale) {
        writeSmallTwosComplementBase64(sink, Number(value.unscaled));
        return;
      }
    }
    typed(sink, fromLogical(schema, value));
  };
}

/** The bytes of a small decimal's two's complement, most significant first (at most 6 of them). */
const DECIMAL_BYTES = new Uint8Array(8);

/** `"` + base64 of the shortest big-endian two's complement bytes of `n` + `"`, |n| < 2^47. */
function writeSmallTwosComplementBase64(sink: JsonSink, n: number): void {
  let width = 1;
  let limit = 128;
  while (n >= limit || n < -limit) {
    width++;
    limit *= 256;
  }
  let unsigned = n < 0 ? n + limit * 2 : n;
  const bytes = DECIMAL_BYTES;
  for (let i = width - 1; i >= 0; i--) {
    const high = Math.floor(unsigned / 256);
    bytes[i] = unsigned - high * 256;
    unsigned = high;
  }
  sink.room(2 + 4 * Math.ceil(width / 3));
  sink.byte(QUOTE);
  for (let i = 0; i < width; i += 3) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < width ? bytes[i + 1]! : 0;
    const b2 = i + 2 < width ? bytes[i + 2]! : 0;
    sink.byte(BASE64_DIGITS[b0 >> 2]!);
    sink.byte(BASE64_DIGITS[((b0 & 3) << 4) | (b1 >> 4)]!);
    sink.byte(i + 1 < width ? BASE64_DIGITS[((b1 & 15) << 2) | (b2 >> 6)]! : PAD);
    sink.byte(i + 2 < width ? BASE64_DIGITS[b2 & 63]! : PAD);
  }
  sink.byte(QUOTE);
}

function typedWriter(schema: Schema, options: JsonWriteOptions): ValueWriter {
  switch (schema.type) {
    case SchemaType.INT8:
    case SchemaType.INT16:
    case SchemaType.INT32:
      return (sink, value) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(schema, value);
        sink.integer(value);
      };
    case SchemaType.INT64:
      return (sink, value) => {
        if (typeof value === 'bigint') sink.bigint(value);
        else if (typeof value === 'number' && Number.isInteger(value)) sink.integer(value);
        else throw invalidType(schema, value);
      };
    case SchemaType.FLOAT32:
      return (sink, value) => {
        if (typeof value !== 'number') throw invalidType(schema, value);
        sink.ascii(floatJson(formatJavaFloat(value)));
      };
    case SchemaType.FLOAT64:
      return (sink, value) => {
        if (typeof value !== 'number') throw invalidType(schema, value);
        sink.ascii(floatJson(formatJavaDouble(value)));
      };
    case SchemaType.BOOLEAN:
      return (sink, value) => {
        if (typeof value !== 'boolean') throw invalidType(schema, value);
        sink.bytes(value ? TRUE : FALSE);
      };
    case SchemaType.STRING:
      return (sink, value) => {
        if (typeof value !== 'string') throw invalidType(schema, value);
        sink.string(value, jsonString);
      };
    case SchemaType.BYTES:
      return (sink, value) => {
        if (!(value instanceof Uint8Array)) throw invalidType(schema, value);
        sink.byte(QUOTE);
        sink.ascii(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
        sink.byte(QUOTE);
      };
    case SchemaType.ARRAY: {
      const items = schema.valueSchema;
      const item: ValueWriter =
        items === undefined
          ? (sink, v) => {
              sink.json(valueJson(null, v, options));
            }
          : compileValueWriter(items, options);
      return (sink, value) => {
        if (!Array.isArray(value)) throw invalidType(schema, value);
        sink.byte(OPEN_BRACKET);
        for (let i = 0; i < value.length; i++) {
          if (i > 0) sink.byte(COMMA);
          item(sink, value[i]);
        }
        sink.byte(CLOSE_BRACKET);
      };
    }
    case SchemaType.MAP:
      return (sink, value) => {
        sink.json(valueJson(schema, value, options));
      };
    case SchemaType.STRUCT:
      return structWriter(schema, options);
  }
}

function structWriter(schema: Schema, options: JsonWriteOptions): ValueWriter {
  const fields = schema.fields ?? [];
  const names = fields.map((f) => f.name);
  // `"name":`, with the comma before every field but the first, as UTF-8.
  const prefixes = fields.map((f, i) => Buffer.from(`${i === 0 ? '' : ','}${jsonString(f.name)}:`, 'utf8'));
  const writers = fields.map((f) => compileValueWriter(f.schema, options));
  const count = fields.length;
  return (sink, value) => {
    if (!isPlainObject(value)) throw invalidType(schema, value);
    sink.byte(OPEN_BRACE);
    for (let i = 0; i < count; i++) {
      sink.bytes(prefixes[i]!);
      writers[i]!(sink, value[names[i]!]);
    }
    sink.byte(CLOSE_BRACE);
  };
}

/** NaN and the infinities are not JSON numbers: Jackson writes them as strings. */
function floatJson(text: string): string {
  return text === 'NaN' || text.endsWith('Infinity') ? `"${text}"` : text;
}

function invalidType(schema: Schema, value: unknown): Error {
  return dataError(`Invalid type for ${schema.type.toUpperCase()}: ${typeName(value)}`);
}
