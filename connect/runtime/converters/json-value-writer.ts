// A value writer compiled once per schema: the same text as valueJson, without looking the
// schema up again for every record. A source task sends thousands of records under one schema
// object, so the field names are escaped once, each field's type is decided once, and a struct is
// written by concatenation instead of an array of parts joined.
import type { Schema } from '../../api/index.ts';
import { LogicalTypeName, SchemaType, dataError } from '../../api/index.ts';
import { decimalScale, formatDecimal, fromLogical, isDecimalValue, typeName } from '../data/logical.ts';
import { isPlainObject } from '../data/schemas.ts';
import { formatJavaDouble, formatJavaFloat } from './java-number.ts';
import { jsonString, valueJson } from './json-writer.ts';
import type { JsonWriteOptions } from './json-writer.ts';

/** A value (or null) under one schema → its JSON text, exactly as valueJson(schema, value) writes it. */
export type ValueWriter = (value: unknown) => string;

const LOGICAL_NAMES: ReadonlySet<string> = new Set(Object.values(LogicalTypeName));

/** Compiles the writer of `schema`'s values, nested schemas included. */
export function compileValueWriter(schema: Schema, options: JsonWriteOptions): ValueWriter {
  const write = nonNullWriter(schema, options);
  const hasDefault = schema.defaultValue !== undefined && schema.defaultValue !== null && options.replaceNullWithDefault;
  return (value) => {
    if (value !== null && value !== undefined) return write(value);
    // Null is rare on the hot path; the generic writer keeps its rules (default, optional, error).
    if (hasDefault) return valueJson(schema, schema.defaultValue, options);
    if (schema.optional) return 'null';
    throw dataError('Conversion error: null value for field that is required and has no default value');
  };
}

function nonNullWriter(schema: Schema, options: JsonWriteOptions): ValueWriter {
  const typed = typedWriter(schema, options);
  const name = schema.name;
  if (name === undefined || !LOGICAL_NAMES.has(name)) return typed;
  if (name === LogicalTypeName.DECIMAL) {
    if (options.decimalNumeric) return (value) => (isDecimalValue(value) ? formatDecimal(value) : typed(fromLogical(schema, value)));
    return decimalBytesWriter(schema, typed);
  }
  return (value) => typed(fromLogical(schema, value));
}

/** Below this magnitude an unscaled decimal fits 6 bytes, and a double holds it exactly. */
const SMALL_UNSCALED = 2n ** 47n;
const BASE64_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * A Decimal as the base64 of BigInteger.toByteArray(), as fromLogical and the bytes writer give
 * it; column values (prices, amounts) are small, and for them the bytes are computed on a number
 * instead of through a hex string and a buffer. Anything else takes the general path.
 */
function decimalBytesWriter(schema: Schema, typed: ValueWriter): ValueWriter {
  let scale: number | undefined;
  return (value) => {
    if (isDecimalValue(value) && value.unscaled < SMALL_UNSCALED && value.unscaled >= -SMALL_UNSCALED) {
      scale ??= decimalScale(schema);
      if (value.scale === scale) return `"${smallTwosComplementBase64(Number(value.unscaled))}"`;
    }
    return typed(fromLogical(schema, value));
  };
}

/** Base64 of the shortest big-endian two's complement bytes of `n`, |n| < 2^47. */
function smallTwosComplementBase64(n: number): string {
  let width = 1;
  while (n >= 2 ** (width * 8 - 1) || n < -(2 ** (width * 8 - 1))) width++;
  let unsigned = n < 0 ? n + 2 ** (width * 8) : n;
  const bytes: number[] = new Array<number>(width);
  for (let i = width - 1; i >= 0; i--) {
    bytes[i] = unsigned % 256;
    unsigned = Math.floor(unsigned / 256);
  }
  let out = '';
  for (let i = 0; i < width; i += 3) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < width ? bytes[i + 1]! : 0;
    const b2 = i + 2 < width ? bytes[i + 2]! : 0;
    out += BASE64_DIGITS[b0 >> 2]! + BASE64_DIGITS[((b0 & 3) << 4) | (b1 >> 4)]!;
    out += i + 1 < width ? BASE64_DIGITS[((b1 & 15) << 2) | (b2 >> 6)]! : '=';
    out += i + 2 < width ? BASE64_DIGITS[b2 & 63]! : '=';
  }
  return out;
}

function typedWriter(schema: Schema, options: JsonWriteOptions): ValueWriter {
  switch (schema.type) {
    case SchemaType.INT8:
    case SchemaType.INT16:
    case SchemaType.INT32:
      return (value) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(schema, value);
        return String(value);
      };
    case SchemaType.INT64:
      return (value) => {
        if (typeof value === 'bigint') return value.toString();
        if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(schema, value);
        return String(value);
      };
    case SchemaType.FLOAT32:
      return (value) => {
        if (typeof value !== 'number') throw invalidType(schema, value);
        return floatJson(formatJavaFloat(value));
      };
    case SchemaType.FLOAT64:
      return (value) => {
        if (typeof value !== 'number') throw invalidType(schema, value);
        return floatJson(formatJavaDouble(value));
      };
    case SchemaType.BOOLEAN:
      return (value) => {
        if (typeof value !== 'boolean') throw invalidType(schema, value);
        return value ? 'true' : 'false';
      };
    case SchemaType.STRING:
      return (value) => {
        if (typeof value !== 'string') throw invalidType(schema, value);
        return jsonString(value);
      };
    case SchemaType.BYTES:
      return (value) => {
        if (!(value instanceof Uint8Array)) throw invalidType(schema, value);
        return `"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"`;
      };
    case SchemaType.ARRAY: {
      const items = schema.valueSchema;
      const item: ValueWriter = items === undefined ? (v) => valueJson(null, v, options) : compileValueWriter(items, options);
      return (value) => {
        if (!Array.isArray(value)) throw invalidType(schema, value);
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + item(value[i]);
        return `${out}]`;
      };
    }
    case SchemaType.MAP:
      return (value) => valueJson(schema, value, options);
    case SchemaType.STRUCT:
      return structWriter(schema, options);
  }
}

function structWriter(schema: Schema, options: JsonWriteOptions): ValueWriter {
  const fields = schema.fields ?? [];
  const names = fields.map((f) => f.name);
  // `"name":`, with the comma before every field but the first.
  const prefixes = fields.map((f, i) => `${i === 0 ? '' : ','}${jsonString(f.name)}:`);
  const writers = fields.map((f) => compileValueWriter(f.schema, options));
  const count = fields.length;
  return (value) => {
    if (!isPlainObject(value)) throw invalidType(schema, value);
    let out = '{';
    for (let i = 0; i < count; i++) out += prefixes[i]! + writers[i]!(value[names[i]!]);
    return `${out}}`;
  };
}

/** NaN and the infinities are not JSON numbers: Jackson writes them as strings. */
function floatJson(text: string): string {
  return text === 'NaN' || text.endsWith('Infinity') ? `"${text}"` : text;
}

function invalidType(schema: Schema, value: unknown): Error {
  return dataError(`Invalid type for ${schema.type.toUpperCase()}: ${typeName(value)}`);
}
