import type { ConnectRecord, Schema, Struct } from '../../../connect/api/index.ts';
import { dataError } from '../../../connect/api/index.ts';
import { fieldValue, requireStruct, structWith } from './struct-schemas.ts';

export interface DropFieldsSettings {
  /** The header whose value (a list of field names) says which fields to remove. */
  readonly headerName: string;
  /** Remove them from the key as well as the value. */
  readonly fromKey: boolean;
  /** Remove only fields the schema marks optional, so consumers of the old schema still read the record. */
  readonly keepSchemaCompatible: boolean;
}

function namesIn(record: ConnectRecord, headerName: string): readonly string[] {
  const header = record.headers.find((h) => h.key === headerName);
  if (header === undefined || header.value === null || header.value === undefined) return [];
  if (!Array.isArray(header.value) || header.value.some((n) => typeof n !== 'string')) {
    throw dataError(`header ${headerName} must hold a list of field names (drop.fields.header.name)`);
  }
  return header.value as string[];
}

function namesToDrop(schema: Schema | null, names: readonly string[], keepSchemaCompatible: boolean): readonly string[] {
  if (!keepSchemaCompatible) return names;
  return (schema?.fields ?? []).filter((f) => f.schema.optional && names.includes(f.name)).map((f) => f.name);
}

/** Kafka's ReplaceField with `exclude`: the struct (and its schema) without the named fields. */
function without(schema: Schema | null, value: unknown, names: readonly string[], purpose: string): { schema: Schema | null; value: unknown } {
  if (value === null || value === undefined || names.length === 0) return { schema, value };
  const struct = requireStruct(value, purpose);
  if (schema === null) return { schema, value: Object.fromEntries(Object.entries(struct).filter(([name]) => !names.includes(name))) };
  const kept = (schema.fields ?? []).filter((f) => !names.includes(f.name));
  const out: Struct = {};
  for (const f of kept) out[f.name] = fieldValue(struct, f, true);
  return { schema: structWith(schema, kept.map((f) => [f.name, f.schema])), value: out };
}

/**
 * Removes the fields a header lists (Debezium's `drop.fields.header.name`, set upstream by
 * ExtractChangedRecordState or a producer) from the value, and from the key when asked.
 */
export function dropListedFields<R extends ConnectRecord>(record: R, settings: DropFieldsSettings): R {
  const names = namesIn(record, settings.headerName);
  if (names.length === 0) return record;
  let out = record;
  if (settings.fromKey && record.key !== null && record.key !== undefined) {
    const key = without(record.keySchema, record.key, namesToDrop(record.keySchema, names, settings.keepSchemaCompatible), 'field replacement');
    out = { ...out, keySchema: key.schema, key: key.value };
  }
  const value = without(out.valueSchema, out.value, namesToDrop(out.valueSchema, names, settings.keepSchemaCompatible), 'field replacement');
  return { ...out, valueSchema: value.schema, value: value.value };
}
