import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Schema, Transformation } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';
import { fieldOf, structSchema } from '../data/schemas.ts';
import { listOf, requireObject } from './record-part.ts';

export const VALUE_TO_KEY_CONFIG_SCHEMA = {
  type: 'object',
  required: ['fields'],
  properties: {
    fields: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Field names on the record value to extract as the record key.' },
    'replace.null.with.default': { type: 'boolean', default: true, description: 'Whether to replace fields that have a default value and that are null to the default value.' },
  },
} as const satisfies ConfigSchema;
type ValueToKeyConfig = FromSchema<typeof VALUE_TO_KEY_CONFIG_SCHEMA>;

/** Kafka's ValueToKey: the key becomes a struct (or map) of some of the value's fields. */
export class ValueToKey implements Transformation<ValueToKeyConfig> {
  private fields: string[] = [];
  private readonly schemaCache = new Map<Schema, Schema>();

  configure(config: ValueToKeyConfig): void {
    this.fields = listOf(config.fields);
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (record.value === null || record.value === undefined) return record;
    const value = requireObject(record.value, 'copying fields from value to key')!;
    const key: Record<string, unknown> = {};
    for (const name of this.fields) key[name] = value[name];
    if (record.valueSchema === null) return { ...record, keySchema: null, key };
    return { ...record, keySchema: this.keySchema(record.valueSchema), key };
  }

  private keySchema(valueSchema: Schema): Schema {
    let schema = this.schemaCache.get(valueSchema);
    if (schema === undefined) {
      schema = structSchema(
        this.fields.map((name) => {
          const field = fieldOf(valueSchema, name);
          if (field === undefined) throw dataError(`Field does not exist: ${name}`);
          return [name, field.schema] as const;
        }),
      );
      this.schemaCache.set(valueSchema, schema);
    }
    return schema;
  }
}
