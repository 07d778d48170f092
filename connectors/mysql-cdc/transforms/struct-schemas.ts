import type { Field, Schema, Struct } from '../../../connect/api/index.ts';
import { dataError } from '../../../connect/api/index.ts';

/** The field of a struct schema named `name`, if it has one. */
export function fieldOf(schema: Schema, name: string): Field | undefined {
  return schema.fields?.find((f) => f.name === name);
}

/** A struct value, or a data error naming what the transform needed it for (Kafka's requireStruct). */
export function requireStruct(value: unknown, purpose: string): Struct {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array || value instanceof Date || value instanceof Map) {
    throw dataError(`Only Struct objects supported for [${purpose}], found: ${value === null ? 'null' : typeof value}`);
  }
  return value as Struct;
}

/**
 * A struct schema with the name, version, doc and parameters of `basis` and the given fields, as
 * Kafka's SchemaUtil.copySchemaBasics onto a new struct builder makes it: required, no default.
 * Debezium's flattened values carry exactly these schemas, so sinks see what they would see there.
 */
export function structWith(basis: Schema, fields: readonly (readonly [string, Schema])[]): Schema {
  const seen = new Set<string>();
  for (const [name] of fields) {
    if (seen.has(name)) throw dataError(`Cannot create field because of field name duplication ${name}`);
    seen.add(name);
  }
  return {
    type: 'struct',
    optional: false,
    ...(basis.name === undefined ? {} : { name: basis.name }),
    ...(basis.version === undefined ? {} : { version: basis.version }),
    ...(basis.doc === undefined ? {} : { doc: basis.doc }),
    ...(basis.parameters === undefined ? {} : { parameters: basis.parameters }),
    fields: fields.map(([name, schema], index) => ({ name, index, schema })),
  };
}

/** The fields of a struct schema as [name, schema] pairs, ready to extend. */
export function fieldEntries(schema: Schema): [string, Schema][] {
  return (schema.fields ?? []).map((f) => [f.name, f.schema]);
}

/**
 * A metadata field's schema as Debezium copies it into a flattened value or a header: the same
 * type, name and parameters, made optional, without its default.
 */
export function optionalCopy(schema: Schema): Schema {
  const copy: { -readonly [K in keyof Schema]: Schema[K] } = { ...schema, optional: true };
  delete copy.defaultValue;
  return copy;
}

/** A field's value; with `withDefault`, a null takes the field's default, as Kafka's Struct.get does. */
export function fieldValue(struct: Struct, field: Field, withDefault: boolean): unknown {
  const value = struct[field.name] ?? null;
  if (value === null && withDefault && field.schema.defaultValue !== undefined) return field.schema.defaultValue;
  return value;
}
