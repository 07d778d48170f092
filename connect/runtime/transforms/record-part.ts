import type { ConnectRecord, Schema } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';
import { isPlainObject } from '../data/schemas.ts';
import { typeName } from '../data/logical.ts';

/** Which half of a record a `$Key` or `$Value` transform works on. */
export interface RecordPart {
  readonly name: 'key' | 'value';
  schema(record: ConnectRecord): Schema | null;
  value(record: ConnectRecord): unknown;
  /** A copy of the record with this part replaced (Kafka's newRecord). */
  with<R extends ConnectRecord>(record: R, schema: Schema | null, value: unknown): R;
}

export const KEY: RecordPart = {
  name: 'key',
  schema: (r) => r.keySchema,
  value: (r) => r.key,
  with: (r, keySchema, key) => ({ ...r, keySchema, key }),
};

export const VALUE: RecordPart = {
  name: 'value',
  schema: (r) => r.valueSchema,
  value: (r) => r.value,
  with: (r, valueSchema, value) => ({ ...r, valueSchema, value }),
};

/** Kafka's Requirements.requireMap / requireStruct: the part must be an object (or null where allowed). */
export function requireObject(value: unknown, purpose: string, nullable = false): Record<string, unknown> | null {
  if (value === null || value === undefined) {
    if (nullable) return null;
    throw dataError(`Only Map objects supported in absence of schema for [${purpose}], found: null`);
  }
  if (value instanceof Map) return Object.fromEntries(value as Map<string, unknown>);
  if (!isPlainObject(value)) throw dataError(`Only Struct or Map objects supported for [${purpose}], found: ${typeName(value)}`);
  return value;
}

/** Kafka's SimpleConfig list parsing for values that may still be a comma-separated string. */
export function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return [];
}
