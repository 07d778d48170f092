import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Schema, Transformation } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';
import { formatDecimal, isDecimalValue, typeName } from '../data/logical.ts';
import { withFields } from '../data/schemas.ts';
import { formatJavaDouble, formatJavaFloat } from '../converters/java-number.ts';
import { listOf, requireObject } from './record-part.ts';
import type { RecordPart } from './record-part.ts';

export const CAST_CONFIG_SCHEMA = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'array',
      items: { type: 'string' },
      minItems: 1,
      description:
        'List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string.',
    },
    'replace.null.with.default': { type: 'boolean', default: true, description: 'Whether to replace fields that have a default value and that are null to the default value.' },
  },
} as const satisfies ConfigSchema;
type CastConfig = FromSchema<typeof CAST_CONFIG_SCHEMA>;

const TARGETS = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string'] as const;
type Target = (typeof TARGETS)[number];
const WHOLE_VALUE = '';

function isTarget(s: string): s is Target {
  return (TARGETS as readonly string[]).includes(s);
}

/** Kafka's Cast: casts fields (or the whole key/value) to another primitive type. */
export class Cast implements Transformation<CastConfig> {
  private readonly part: RecordPart;
  private casts = new Map<string, Target>();
  private readonly schemaCache = new Map<Schema, Schema>();

  constructor(part: RecordPart) {
    this.part = part;
  }

  configure(config: CastConfig): void {
    this.casts = new Map();
    for (const entry of listOf(config.spec)) {
      const parts = entry.split(':').map((s) => s.trim());
      const [field, type] = parts.length === 1 ? [WHOLE_VALUE, parts[0]!] : [parts[0]!, parts[1] ?? ''];
      if (parts.length > 2 || !isTarget(type)) throw dataError(`Invalid cast spec "${entry}": the type must be one of ${TARGETS.join(', ')}`);
      this.casts.set(field, type);
    }
    if (this.casts.has(WHOLE_VALUE) && this.casts.size > 1) throw dataError('Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec');
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.part.value(record);
    const schema = this.part.schema(record);
    const whole = this.casts.get(WHOLE_VALUE);
    if (whole !== undefined) {
      const castSchema = schema === null ? null : { type: whole, optional: schema.optional };
      return this.part.with(record, castSchema, value === null || value === undefined ? null : castValue(value, whole, schema ?? undefined));
    }
    if (value === null || value === undefined) return record;
    const input = requireObject(value, 'cast')!;
    const out: Record<string, unknown> = { ...input };
    for (const [field, target] of this.casts) {
      if (schema === null && !(field in input)) continue;
      const v = input[field];
      const from = schema?.fields?.find((f) => f.name === field)?.schema;
      out[field] = v === null || v === undefined ? null : castValue(v, target, from);
    }
    return this.part.with(record, schema === null ? null : this.updatedSchema(schema), out);
  }

  private updatedSchema(schema: Schema): Schema {
    let updated = this.schemaCache.get(schema);
    if (updated === undefined) {
      updated = withFields(
        schema,
        (schema.fields ?? []).map((f) => {
          const target = this.casts.get(f.name);
          return [f.name, target === undefined ? f.schema : { type: target, optional: f.schema.optional }] as const;
        }),
      );
      this.schemaCache.set(schema, updated);
    }
    return updated;
  }
}

/** One value cast as Kafka's Cast.castValueToType does (Java's narrowing casts wrap). */
export function castValue(value: unknown, target: Target, from?: Schema): unknown {
  // A float32 prints as Java's Float.toString: 5.6, not 5.599999904632568.
  if (target === 'string') return typeof value === 'number' && from?.type === 'float32' ? formatJavaFloat(value) : castToString(value);
  if (target === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0;
    if (typeof value === 'bigint') return value !== 0n;
    if (typeof value === 'string') return value.trim().toLowerCase() === 'true';
    throw unsupported(value, target);
  }
  let n: number | bigint;
  if (typeof value === 'boolean') n = value ? 1 : 0;
  else if (typeof value === 'number' || typeof value === 'bigint') n = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (target === 'float32' || target === 'float64') n = Number(text);
    else if (/^[+-]?\d+$/.test(text)) n = BigInt(text);
    else throw dataError(`Value (${value}) was out of range for requested data type`);
    if (typeof n === 'number' && Number.isNaN(n)) throw dataError(`Value (${value}) is not a number`);
  } else throw unsupported(value, target);
  switch (target) {
    case 'float32':
      return Math.fround(Number(n));
    case 'float64':
      return Number(n);
    case 'int64':
      return typeof n === 'bigint' ? BigInt.asIntN(64, n) : BigInt.asIntN(64, BigInt(Math.trunc(n)));
    case 'int32':
      return wrap(n, 32);
    case 'int16':
      return wrap(n, 16);
    case 'int8':
      return wrap(n, 8);
  }
}

function wrap(n: number | bigint, bits: number): number {
  const integer = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
  return Number(BigInt.asIntN(bits, integer));
}

function castToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatJavaDouble(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  // Kafka's Values.dateFormatFor: ISO 8601 in UTC.
  if (value instanceof Date) return value.toISOString();
  if (isDecimalValue(value)) return formatDecimal(value);
  throw unsupported(value, 'string');
}

function unsupported(value: unknown, target: string): Error {
  return dataError(`Unexpected type in Cast transformation: ${typeName(value)} cannot be cast to ${target}`);
}
