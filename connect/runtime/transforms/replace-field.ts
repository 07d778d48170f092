import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Schema, Transformation } from '../../api/index.ts';
import { dataError } from '../../api/index.ts';
import { withFields } from '../data/schemas.ts';
import { listOf, requireObject } from './record-part.ts';
import type { RecordPart } from './record-part.ts';

const list = { type: 'array', items: { type: 'string' }, default: [] } as const;

export const REPLACE_FIELD_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    exclude: { ...list, description: 'Fields to exclude. This takes precedence over the fields to include.' },
    include: { ...list, description: 'Fields to include. If specified, only these fields will be used.' },
    renames: { ...list, description: 'Field rename mappings, as comma-separated old:new pairs.' },
    blacklist: { ...list, description: 'Deprecated. Use exclude instead.' },
    whitelist: { ...list, description: 'Deprecated. Use include instead.' },
    'replace.null.with.default': { type: 'boolean', default: true, description: 'Whether to replace fields that have a default value and that are null to the default value.' },
  },
} as const satisfies ConfigSchema;
type ReplaceFieldConfig = FromSchema<typeof REPLACE_FIELD_CONFIG_SCHEMA>;

/** Kafka's ReplaceField: keeps, drops and renames fields. */
export class ReplaceField implements Transformation<ReplaceFieldConfig> {
  private readonly part: RecordPart;
  private exclude = new Set<string>();
  private include = new Set<string>();
  private renames = new Map<string, string>();
  private readonly schemaCache = new Map<Schema, Schema>();

  constructor(part: RecordPart) {
    this.part = part;
  }

  configure(config: ReplaceFieldConfig): void {
    this.exclude = new Set([...listOf(config.exclude), ...listOf(config.blacklist)]);
    this.include = new Set([...listOf(config.include), ...listOf(config.whitelist)]);
    this.renames = new Map();
    for (const pair of listOf(config.renames)) {
      const parts = pair.split(':');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw dataError(`Invalid rename mapping: ${pair}`);
      this.renames.set(parts[0]!, parts[1]!);
    }
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.part.value(record);
    if (value === null || value === undefined) return record;
    const schema = this.part.schema(record);
    const input = requireObject(value, 'field replacement')!;
    const out: Record<string, unknown> = {};
    if (schema === null) {
      for (const [name, v] of Object.entries(input)) if (this.filter(name)) out[this.renamed(name)] = v;
      return this.part.with(record, null, out);
    }
    for (const field of schema.fields ?? []) if (this.filter(field.name)) out[this.renamed(field.name)] = input[field.name];
    return this.part.with(record, this.updatedSchema(schema), out);
  }

  private filter(name: string): boolean {
    return !this.exclude.has(name) && (this.include.size === 0 || this.include.has(name));
  }

  private renamed(name: string): string {
    return this.renames.get(name) ?? name;
  }

  private updatedSchema(schema: Schema): Schema {
    let updated = this.schemaCache.get(schema);
    if (updated === undefined) {
      updated = withFields(
        schema,
        (schema.fields ?? []).filter((f) => this.filter(f.name)).map((f) => [this.renamed(f.name), f.schema] as const),
      );
      this.schemaCache.set(schema, updated);
    }
    return updated;
  }
}
