import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Transformation } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';
import { fieldOf } from '../data/schemas.ts';
import { requireObject } from './record-part.ts';
import type { RecordPart } from './record-part.ts';

export const EXTRACT_FIELD_CONFIG_SCHEMA = {
  type: 'object',
  required: ['field'],
  properties: {
    field: { type: 'string', minLength: 1, description: 'Field name to extract.' },
    'replace.null.with.default': { type: 'boolean', default: true, description: 'Whether to replace fields that have a default value and that are null to the default value.' },
  },
} as const satisfies ConfigSchema;
type ExtractFieldConfig = FromSchema<typeof EXTRACT_FIELD_CONFIG_SCHEMA>;

/** Kafka's ExtractField: replaces the key or value with one of its fields. */
export class ExtractField implements Transformation<ExtractFieldConfig> {
  private readonly part: RecordPart;
  private field = '';

  constructor(part: RecordPart) {
    this.part = part;
  }

  configure(config: ExtractFieldConfig): void {
    this.field = config.field;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.part.schema(record);
    const value = requireObject(this.part.value(record), 'field extraction', true);
    if (schema === null) return this.part.with(record, null, value === null ? null : (value[this.field] ?? null));
    const field = fieldOf(schema, this.field);
    if (field === undefined) throw dataError(`Unknown field: ${this.field}`);
    return this.part.with(record, field.schema, value === null ? null : (value[this.field] ?? null));
  }
}
