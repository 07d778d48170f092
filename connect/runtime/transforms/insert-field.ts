import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Schema, SinkRecord, Transformation } from '../../api/index.ts';
import { LogicalTypeName, Schemas, dataError } from '../../api/index.ts';
import { withFields } from '../data/schemas.ts';
import { requireObject } from './record-part.ts';
import type { RecordPart } from './record-part.ts';

const fieldDoc = (what: string): string => `Field name for ${what}. Suffix with ! to make this a required field, or ? to keep it optional (the default).`;

export const INSERT_FIELD_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    'topic.field': { type: 'string', description: fieldDoc('Kafka topic') },
    'partition.field': { type: 'string', description: fieldDoc('Kafka partition') },
    'offset.field': { type: 'string', description: fieldDoc('Kafka offset - only applicable to sink connectors.') },
    'timestamp.field': { type: 'string', description: fieldDoc('record timestamp') },
    'static.field': { type: 'string', description: fieldDoc('static data field') },
    'static.value': { type: 'string', description: 'Static field value, if field name configured.' },
    'replace.null.with.default': { type: 'boolean', default: true, description: 'Whether to replace fields that have a default value and that are null to the default value.' },
  },
} as const satisfies ConfigSchema;
type InsertFieldConfig = FromSchema<typeof INSERT_FIELD_CONFIG_SCHEMA>;

interface InsertSpec {
  readonly name: string;
  readonly optional: boolean;
}

function spec(raw: string | undefined): InsertSpec | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.endsWith('!')) return { name: raw.slice(0, -1), optional: false };
  if (raw.endsWith('?')) return { name: raw.slice(0, -1), optional: true };
  return { name: raw, optional: true };
}

const TIMESTAMP: Schema = { type: 'int64', optional: false, name: LogicalTypeName.TIMESTAMP, version: 1 };

/** Kafka's InsertField: adds topic, partition, offset, timestamp and/or a static value as fields. */
export class InsertField implements Transformation<InsertFieldConfig> {
  private readonly part: RecordPart;
  private topic: InsertSpec | undefined;
  private partition: InsertSpec | undefined;
  private offset: InsertSpec | undefined;
  private timestamp: InsertSpec | undefined;
  private staticField: InsertSpec | undefined;
  private staticValue: string | undefined;
  private readonly schemaCache = new Map<Schema, Schema>();

  constructor(part: RecordPart) {
    this.part = part;
  }

  configure(config: InsertFieldConfig): void {
    this.topic = spec(config['topic.field']);
    this.partition = spec(config['partition.field']);
    this.offset = spec(config['offset.field']);
    this.timestamp = spec(config['timestamp.field']);
    this.staticField = spec(config['static.field']);
    this.staticValue = config['static.value'];
    if (this.topic === undefined && this.partition === undefined && this.offset === undefined && this.timestamp === undefined && this.staticField === undefined) {
      throw dataError('No field insertion configured');
    }
    if (this.staticField !== undefined && this.staticValue === undefined) throw dataError('No value specified for static field: static.field');
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = this.part.schema(record);
    const value = this.part.value(record);
    // A tombstone stays a tombstone: inserting fields into nothing would invent a record.
    if (value === null || value === undefined) return record;
    const additions = this.additions(record);
    if (schema === null) {
      const map = requireObject(value, 'field insertion')!;
      const out: Record<string, unknown> = { ...map };
      for (const [spec, , v] of additions) out[spec.name] = v;
      return this.part.with(record, null, out);
    }
    const struct = requireObject(value, 'field insertion')!;
    const updatedSchema = this.updatedSchema(schema, additions);
    const out: Record<string, unknown> = { ...struct };
    for (const [spec, , v] of additions) out[spec.name] = v;
    return this.part.with(record, updatedSchema, out);
  }

  private additions(record: ConnectRecord): [InsertSpec, Schema, unknown][] {
    const out: [InsertSpec, Schema, unknown][] = [];
    if (this.topic !== undefined) out.push([this.topic, Schemas.STRING, record.topic]);
    if (this.partition !== undefined) out.push([this.partition, Schemas.INT32, record.kafkaPartition]);
    if (this.offset !== undefined) {
      if (!('kafkaOffset' in record)) throw dataError(`Offset insertion is only supported for sink connectors, record is of type: SourceRecord`);
      out.push([this.offset, Schemas.INT64, (record as unknown as SinkRecord).kafkaOffset]);
    }
    if (this.timestamp !== undefined) out.push([this.timestamp, TIMESTAMP, record.timestamp === null ? null : new Date(record.timestamp)]);
    if (this.staticField !== undefined) out.push([this.staticField, Schemas.STRING, this.staticValue]);
    return out;
  }

  private updatedSchema(schema: Schema, additions: readonly [InsertSpec, Schema, unknown][]): Schema {
    const cached = this.schemaCache.get(schema);
    if (cached !== undefined) return cached;
    const fields: [string, Schema][] = (schema.fields ?? []).map((f) => [f.name, f.schema]);
    for (const [spec, fieldSchema] of additions) fields.push([spec.name, spec.optional ? { ...fieldSchema, optional: true } : fieldSchema]);
    const updated = withFields(schema, fields);
    this.schemaCache.set(schema, updated);
    return updated;
  }
}
