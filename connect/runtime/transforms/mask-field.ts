import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Schema, Transformation } from '../../api/index.ts';
import { LogicalTypeName, SchemaType, dataError } from '../../api/index.ts';
import { decimalScale, parseDecimal } from '../data/logical.ts';
import { fieldOf } from '../data/schemas.ts';
import { listOf, requireObject } from './record-part.ts';
import type { RecordPart } from './record-part.ts';

export const MASK_FIELD_CONFIG_SCHEMA = {
  type: 'object',
  required: ['fields'],
  properties: {
    fields: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Names of fields to mask.' },
    replacement: { type: 'string', minLength: 1, description: 'Custom value replacement, that will be applied to all fields values (numeric or non-empty string values only).' },
    'replace.null.with.default': { type: 'boolean', default: true, description: 'Whether to replace fields that have a default value and that are null to the default value.' },
  },
} as const satisfies ConfigSchema;
type MaskFieldConfig = FromSchema<typeof MASK_FIELD_CONFIG_SCHEMA>;

/** Kafka's MaskField: replaces field values with their type's empty value, or a given replacement. */
export class MaskField implements Transformation<MaskFieldConfig> {
  private readonly part: RecordPart;
  private fields = new Set<string>();
  private replacement: string | undefined;

  constructor(part: RecordPart) {
    this.part = part;
  }

  configure(config: MaskFieldConfig): void {
    this.fields = new Set(listOf(config.fields));
    this.replacement = config.replacement;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.part.value(record);
    if (value === null || value === undefined) return record;
    const schema = this.part.schema(record);
    const input = requireObject(value, 'masking')!;
    const out: Record<string, unknown> = { ...input };
    for (const name of this.fields) {
      if (schema === null) {
        if (name in input) out[name] = this.masked(input[name], null);
      } else {
        const field = fieldOf(schema, name);
        if (field === undefined) continue;
        out[name] = this.masked(input[name], field.schema);
      }
    }
    return this.part.with(record, schema, out);
  }

  private masked(value: unknown, schema: Schema | null): unknown {
    if (value === null || value === undefined) return null;
    const decimal = schema?.name === LogicalTypeName.DECIMAL ? schema : undefined;
    if (this.replacement !== undefined) return this.replace(value, schema, decimal);
    if (decimal !== undefined) return { unscaled: 0n, scale: decimalScale(decimal) };
    if (value instanceof Date) return new Date(0);
    if (typeof value === 'boolean') return false;
    if (typeof value === 'bigint') return 0n;
    if (typeof value === 'number') return 0;
    if (typeof value === 'string') return '';
    if (value instanceof Uint8Array) return Buffer.alloc(0);
    if (Array.isArray(value)) return [];
    if (value instanceof Map) return new Map();
    if (typeof value === 'object') return {};
    throw dataError(`Cannot mask value of type: ${typeof value}`);
  }

  private replace(value: unknown, schema: Schema | null, decimal: Schema | undefined): unknown {
    const replacement = this.replacement!;
    if (decimal !== undefined) return parseDecimal(replacement, decimalScale(decimal));
    if (typeof value === 'string') return replacement;
    if (typeof value === 'bigint') return BigInt(replacement);
    if (typeof value === 'number') {
      const n = Number(replacement);
      if (Number.isNaN(n) || (schema !== null && schema.type !== SchemaType.FLOAT32 && schema.type !== SchemaType.FLOAT64 && !Number.isInteger(n))) {
        throw dataError(`Invalid value ${replacement} for type ${schema?.type ?? 'number'}`);
      }
      return n;
    }
    throw dataError(`Cannot mask value of type ${typeof value} with custom replacement.`);
  }
}
