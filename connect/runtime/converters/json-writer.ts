// Connect data → JSON text, as Kafka's JsonConverter writes it through Jackson: compact, fields in
// schema order, Java's number formats, bytes as base64, control characters escaped as \u00XX with
// upper-case hex. Text is built directly, without an intermediate tree, because this is the hot
// path of every JSON-converting source task.
import type { Schema } from '../../api/index.ts';
import { SchemaType, dataError } from '../../api/index.ts';
import { isDecimalValue, bigintToBytes, formatDecimal, fromLogical, typeName } from '../data/logical.ts';
import { isPlainObject } from '../data/schemas.ts';
import { formatJavaDouble, formatJavaFloat } from './java-number.ts';

export interface JsonWriteOptions {
  /** decimal.format: BASE64 (bytes) or NUMERIC (a JSON number). */
  readonly decimalNumeric: boolean;
  /** replace.null.with.default: a null field with a default is written as the default. */
  readonly replaceNullWithDefault: boolean;
}

/** Kafka's JsonSchema type names: the same as Connect's, but for float and double. */
export const JSON_TYPE_NAMES: Readonly<Record<Schema['type'], string>> = {
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  float32: 'float',
  float64: 'double',
  boolean: 'boolean',
  string: 'string',
  bytes: 'bytes',
  array: 'array',
  map: 'map',
  struct: 'struct',
};

/** A JSON string literal, escaped as Jackson does. */
export function jsonString(s: string): string {
  // Fast path: nothing to escape (the common case for keys and most text).
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped.
  if (!/["\\\u0000-\u001f]/.test(s)) return `"${s}"`;
  return JSON.stringify(s).replace(/\\\\|\\u[0-9a-f]{4}/g, (m) => (m === '\\\\' ? m : `\\u${m.slice(2).toUpperCase()}`));
}

/** Kafka's asJsonSchema: the schema part of the envelope. Key order is Jackson's insertion order. */
export function schemaJson(schema: Schema, options: JsonWriteOptions, fieldName?: string): string {
  let out = `{"type":"${JSON_TYPE_NAMES[schema.type]}"`;
  if (schema.type === SchemaType.ARRAY) {
    out += `,"items":${schema.valueSchema === undefined ? 'null' : schemaJson(schema.valueSchema, options)}`;
  } else if (schema.type === SchemaType.MAP) {
    out += `,"keys":${schema.keySchema === undefined ? 'null' : schemaJson(schema.keySchema, options)}`;
    out += `,"values":${schema.valueSchema === undefined ? 'null' : schemaJson(schema.valueSchema, options)}`;
  } else if (schema.type === SchemaType.STRUCT) {
    out += `,"fields":[${(schema.fields ?? []).map((f) => schemaJson(f.schema, options, f.name)).join(',')}]`;
  }
  out += `,"optional":${schema.optional}`;
  if (schema.name !== undefined) out += `,"name":${jsonString(schema.name)}`;
  if (schema.version !== undefined) out += `,"version":${schema.version}`;
  if (schema.doc !== undefined) out += `,"doc":${jsonString(schema.doc)}`;
  if (schema.parameters !== undefined) {
    out += `,"parameters":{${Object.entries(schema.parameters)
      .map(([k, v]) => `${jsonString(k)}:${jsonString(v)}`)
      .join(',')}}`;
  }
  if (schema.defaultValue !== undefined && schema.defaultValue !== null) out += `,"default":${valueJson(schema, schema.defaultValue, options)}`;
  if (fieldName !== undefined) out += `,"field":${jsonString(fieldName)}`;
  return `${out}}`;
}

/** Kafka's convertToJson: a value under its schema (or inferred, when schema is null). */
export function valueJson(schema: Schema | null, value: unknown, options: JsonWriteOptions): string {
  if (value === null || value === undefined) {
    if (schema === null) return 'null';
    if (schema.defaultValue !== undefined && schema.defaultValue !== null && options.replaceNullWithDefault) return valueJson(schema, schema.defaultValue, options);
    if (schema.optional) return 'null';
    throw dataError('Conversion error: null value for field that is required and has no default value');
  }
  if (schema === null) return inferredJson(value, options);
  if (schema.name !== undefined) {
    if (options.decimalNumeric && schema.name === 'org.apache.kafka.connect.data.Decimal' && isDecimalValue(value)) return formatDecimal(value);
    value = fromLogical(schema, value);
  }
  switch (schema.type) {
    case SchemaType.INT8:
    case SchemaType.INT16:
    case SchemaType.INT32:
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(schema, value);
      return String(value);
    case SchemaType.INT64:
      if (typeof value === 'bigint') return value.toString();
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(schema, value);
      return String(value);
    case SchemaType.FLOAT32:
      if (typeof value !== 'number') throw invalidType(schema, value);
      return floatJson(formatJavaFloat(value));
    case SchemaType.FLOAT64:
      if (typeof value !== 'number') throw invalidType(schema, value);
      return floatJson(formatJavaDouble(value));
    case SchemaType.BOOLEAN:
      if (typeof value !== 'boolean') throw invalidType(schema, value);
      return value ? 'true' : 'false';
    case SchemaType.STRING:
      if (typeof value !== 'string') throw invalidType(schema, value);
      return jsonString(value);
    case SchemaType.BYTES:
      if (!(value instanceof Uint8Array)) throw invalidType(schema, value);
      return `"${base64(value)}"`;
    case SchemaType.ARRAY: {
      if (!Array.isArray(value)) throw invalidType(schema, value);
      const items = schema.valueSchema ?? null;
      return `[${value.map((v: unknown) => valueJson(items, v, options)).join(',')}]`;
    }
    case SchemaType.MAP:
      return mapJson(schema, value, options);
    case SchemaType.STRUCT: {
      if (!isPlainObject(value)) throw invalidType(schema, value);
      const parts: string[] = [];
      for (const field of schema.fields ?? []) parts.push(`${jsonString(field.name)}:${valueJson(field.schema, value[field.name], options)}`);
      return `{${parts.join(',')}}`;
    }
  }
}

function mapJson(schema: Schema | null, value: unknown, options: JsonWriteOptions): string {
  const keySchema = schema?.keySchema ?? null;
  const valueSchema = schema?.valueSchema ?? null;
  let entries: [unknown, unknown][];
  if (value instanceof Map) entries = [...(value as Map<unknown, unknown>).entries()];
  else if (isPlainObject(value)) entries = Object.entries(value);
  else throw invalidType(schema, value);
  const objectMode = schema === null ? entries.every(([k]) => typeof k === 'string') : keySchema?.type === SchemaType.STRING;
  if (objectMode) {
    return `{${entries.map(([k, v]) => `${jsonString(keyText(keySchema, k, options))}:${valueJson(valueSchema, v, options)}`).join(',')}}`;
  }
  return `[${entries.map(([k, v]) => `[${valueJson(keySchema, k, options)},${valueJson(valueSchema, v, options)}]`).join(',')}]`;
}

/** Jackson's asText() of a map key written in object mode. */
function keyText(keySchema: Schema | null, key: unknown, options: JsonWriteOptions): string {
  if (typeof key === 'string') return key;
  const json = valueJson(keySchema, key, options);
  return json.startsWith('"') ? (JSON.parse(json) as string) : json;
}

/** Kafka's ConnectSchema.schemaType(value.getClass()) for schemaless values. */
function inferredJson(value: unknown, options: JsonWriteOptions): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : floatJson(formatJavaDouble(value));
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return jsonString(value);
  if (value instanceof Uint8Array) return `"${base64(value)}"`;
  if (Array.isArray(value)) return `[${value.map((v: unknown) => valueJson(null, v, options)).join(',')}]`;
  if (value instanceof Map || isPlainObject(value)) return mapJson(null, value, options);
  if (isDecimalValue(value)) return `"${base64(bigintToBytes(value.unscaled))}"`;
  throw dataError(`a ${typeName(value)} value has no corresponding schema type`);
}

/** NaN and the infinities are not JSON numbers: Jackson writes them as strings. */
function floatJson(text: string): string {
  return text === 'NaN' || text.endsWith('Infinity') ? `"${text}"` : text;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function invalidType(schema: Schema | null, value: unknown): Error {
  return dataError(`Invalid type for ${schema === null ? 'unknown schema' : schema.type.toUpperCase()}: ${typeName(value)}`);
}
