import type { Field, Schema } from '../../api/index.ts';
import { SchemaType } from '../../api/index.ts';

/** A struct schema from (name, schema) pairs, indexes numbered in order. */
export function structSchema(fields: readonly (readonly [string, Schema])[], options: Omit<Schema, 'type' | 'fields'> = { optional: false }): Schema {
  return {
    ...options,
    type: SchemaType.STRUCT,
    fields: fields.map(([name, schema], index): Field => ({ name, index, schema })),
  };
}

/** The field of a struct schema with this name, if any. */
export function fieldOf(schema: Schema, name: string): Field | undefined {
  return schema.fields?.find((f) => f.name === name);
}

/** The same schema made optional (for a field a transform may leave null). */
export function asOptional(schema: Schema): Schema {
  return schema.optional ? schema : { ...schema, optional: true };
}

/** Kafka's ConnectSchema.equals: type, optionality, name, version, doc, parameters and children. */
export function schemasEqual(a: Schema | null | undefined, b: Schema | null | undefined): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (a.type !== b.type || a.optional !== b.optional || a.name !== b.name || a.version !== b.version || a.doc !== b.doc) return false;
  if (!recordsEqual(a.parameters, b.parameters)) return false;
  if (!schemasEqual(a.keySchema, b.keySchema) || !schemasEqual(a.valueSchema, b.valueSchema)) return false;
  const af = a.fields ?? [];
  const bf = b.fields ?? [];
  if (af.length !== bf.length) return false;
  return af.every((f, i) => f.name === bf[i]!.name && schemasEqual(f.schema, bf[i]!.schema));
}

function recordsEqual(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  return ak.length === bk.length && ak.every((k) => a?.[k] === b?.[k]);
}

/** A short description for error messages: `struct{a:int32,b:string?}`. */
export function describeSchema(schema: Schema | null): string {
  if (schema === null) return 'schemaless';
  const opt = schema.optional ? '?' : '';
  if (schema.type === SchemaType.STRUCT) return `struct{${(schema.fields ?? []).map((f) => `${f.name}:${describeSchema(f.schema)}`).join(',')}}${opt}`;
  if (schema.type === SchemaType.ARRAY) return `array<${describeSchema(schema.valueSchema ?? null)}>${opt}`;
  if (schema.type === SchemaType.MAP) return `map<${describeSchema(schema.keySchema ?? null)},${describeSchema(schema.valueSchema ?? null)}>${opt}`;
  return `${schema.name ?? schema.type}${opt}`;
}

/** A plain object (a struct or a schemaless map), not an array, Map, Buffer or Date. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A struct schema like `schema` (name, version, doc, parameters, optionality) with other fields. */
export function withFields(schema: Schema, fields: readonly (readonly [string, Schema])[]): Schema {
  const options: { -readonly [K in keyof Schema]?: Schema[K] } = { optional: schema.optional };
  if (schema.name !== undefined) options.name = schema.name;
  if (schema.version !== undefined) options.version = schema.version;
  if (schema.doc !== undefined) options.doc = schema.doc;
  if (schema.parameters !== undefined) options.parameters = schema.parameters;
  return structSchema(fields, options as Omit<Schema, 'type' | 'fields'>);
}
