// JSON (parsed by exact-json.ts) → Connect data, as Kafka's JsonConverter reads it: the envelope's
// schema (asConnectSchema), then the payload converted under it (convertToConnect).
import type { Field, Schema } from '../../api/index.ts';
import { LogicalTypeName, SchemaType, dataError } from '../../api/index.ts';
import { parseDecimal, decimalScale, toLogical, typeName } from '../data/logical.ts';
import { isPlainObject } from '../data/schemas.ts';

/** Kafka's JsonSchema type names → Connect types ("float" and "double" differ). */
const TYPES = new Map<string, SchemaType>([
  ...Object.values(SchemaType).map((t): [string, SchemaType] => [t, t]),
  ['float', SchemaType.FLOAT32],
  ['double', SchemaType.FLOAT64],
]);

/** Kafka's asConnectSchema; null for a JSON null. */
export function schemaFromJson(json: unknown): Schema | null {
  if (json === null) return null;
  if (!isPlainObject(json)) throw dataError('Schema must be a JSON object');
  const type = json['type'];
  if (typeof type !== 'string') throw dataError("Schema must contain 'type' field");
  const connectType = TYPES.get(type);
  // "float32"/"float64" are not Kafka's names, but no writer would mean anything else by them.
  if (connectType === undefined) throw dataError(`Unknown schema type: ${type}`);
  const schema: { -readonly [K in keyof Schema]: Schema[K] } = { type: connectType, optional: json['optional'] === true };
  if (connectType === SchemaType.ARRAY) {
    const items = json['items'];
    if (items === undefined || items === null) throw dataError('Array schema did not specify the element type');
    schema.valueSchema = schemaFromJson(items)!;
  } else if (connectType === SchemaType.MAP) {
    if (json['keys'] === undefined) throw dataError('Map schema did not specify the key type');
    if (json['values'] === undefined) throw dataError('Map schema did not specify the value type');
    schema.keySchema = schemaFromJson(json['keys'])!;
    schema.valueSchema = schemaFromJson(json['values'])!;
  } else if (connectType === SchemaType.STRUCT) {
    const fields = json['fields'];
    if (!Array.isArray(fields)) throw dataError('Struct schema\'s "fields" argument is not an array.');
    schema.fields = fields.map((f: unknown, index): Field => {
      const name = isPlainObject(f) ? f['field'] : undefined;
      if (typeof name !== 'string') throw dataError("Struct schema's field name not specified properly");
      return { name, index, schema: schemaFromJson(f)! };
    });
  }
  if (typeof json['name'] === 'string') schema.name = json['name'];
  if (typeof json['version'] === 'number' && Number.isInteger(json['version'])) schema.version = json['version'];
  if (typeof json['doc'] === 'string') schema.doc = json['doc'];
  const params = json['parameters'];
  if (isPlainObject(params)) {
    const parameters: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) {
      if (typeof v !== 'string') throw dataError('Schema parameters must have string values.');
      parameters[k] = v;
    }
    schema.parameters = parameters;
  }
  if (json['default'] !== undefined) schema.defaultValue = valueFromJson(schema, json['default']);
  return schema;
}

/** Kafka's convertToConnect: a payload under its schema (or inferred, when schema is null). */
export function valueFromJson(schema: Schema | null, json: unknown): unknown {
  if (schema === null) return inferred(json);
  if (json === null || json === undefined) {
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) return schema.defaultValue;
    if (schema.optional) return null;
    throw dataError(`Invalid null value for required ${schema.type.toUpperCase()} field`);
  }
  let value: unknown;
  switch (schema.type) {
    case SchemaType.BOOLEAN:
      value = expect(schema, json, typeof json === 'boolean');
      break;
    case SchemaType.INT8:
    case SchemaType.INT16:
    case SchemaType.INT32:
      value = typeof json === 'bigint' ? Number(BigInt.asIntN(32, json)) : expect(schema, json, typeof json === 'number');
      break;
    case SchemaType.INT64:
      if (typeof json === 'bigint') value = json;
      else if (typeof json === 'number') value = BigInt(Math.trunc(json));
      else throw invalidType(schema, json);
      break;
    case SchemaType.FLOAT32:
      value = typeof json === 'bigint' ? Math.fround(Number(json)) : Math.fround(expect(schema, json, typeof json === 'number') as number);
      break;
    case SchemaType.FLOAT64:
      value = typeof json === 'bigint' ? Number(json) : expect(schema, json, typeof json === 'number');
      break;
    case SchemaType.STRING:
      value = expect(schema, json, typeof json === 'string');
      break;
    case SchemaType.BYTES:
      // decimal.format=NUMERIC writes decimals as numbers; Kafka reads both forms.
      if (schema.name === LogicalTypeName.DECIMAL && (typeof json === 'number' || typeof json === 'bigint')) {
        return parseDecimal(String(json), decimalScale(schema));
      }
      if (typeof json !== 'string') throw invalidType(schema, json);
      value = Buffer.from(json, 'base64');
      break;
    case SchemaType.ARRAY: {
      if (!Array.isArray(json)) throw invalidType(schema, json);
      const items = schema.valueSchema ?? null;
      value = json.map((e: unknown) => valueFromJson(items, e));
      break;
    }
    case SchemaType.MAP:
      value = mapFromJson(schema, json);
      break;
    case SchemaType.STRUCT: {
      if (!isPlainObject(json)) throw dataError(`Structs should be encoded as JSON objects, but found ${typeName(json)}`);
      const struct: Record<string, unknown> = {};
      for (const field of schema.fields ?? []) struct[field.name] = valueFromJson(field.schema, json[field.name] ?? null);
      value = struct;
      break;
    }
  }
  return schema.name === undefined ? value : toLogical(schema, value);
}

function mapFromJson(schema: Schema | null, json: unknown): Map<unknown, unknown> | Record<string, unknown> {
  const keySchema = schema?.keySchema ?? null;
  const valueSchema = schema?.valueSchema ?? null;
  if (schema === null || keySchema?.type === SchemaType.STRING) {
    if (!isPlainObject(json)) throw dataError(`Maps with string fields should be encoded as JSON objects, but found ${typeName(json)}`);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) out[k] = valueFromJson(valueSchema, v);
    return out;
  }
  if (!Array.isArray(json)) throw dataError(`Maps with non-string fields should be encoded as JSON array of tuples, but found ${typeName(json)}`);
  const out = new Map<unknown, unknown>();
  for (const entry of json as unknown[]) {
    if (!Array.isArray(entry)) throw dataError(`Found invalid map entry instead of array tuple: ${typeName(entry)}`);
    if (entry.length !== 2) throw dataError(`Found invalid map entry, expected length 2 but found :${entry.length}`);
    out.set(valueFromJson(keySchema, entry[0]), valueFromJson(valueSchema, entry[1]));
  }
  return out;
}

/** Schemaless: JSON's own types; integers stay numbers while safe (bigint beyond), objects are maps. */
function inferred(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(inferred);
  if (isPlainObject(json)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) out[k] = inferred(v);
    return out;
  }
  return json ?? null;
}

function expect(schema: Schema, json: unknown, ok: boolean): unknown {
  if (!ok) throw invalidType(schema, json);
  return json;
}

function invalidType(schema: Schema, json: unknown): Error {
  return dataError(`Invalid JSON ${typeName(json)} for a ${schema.type.toUpperCase()} schema`);
}
