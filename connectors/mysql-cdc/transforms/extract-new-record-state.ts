import type { FromSchema } from 'json-schema-to-ts';
import type { ConfigSchema, ConnectRecord, Header, Schema, Struct, Transformation } from '../../../connect/api/index.ts';
import { Schemas, dataError } from '../../../connect/api/index.ts';
import { DELETE_TOMBSTONE_HANDLING_MODES, LEGACY_DELETE_HANDLING_MODES, deleteHandlingOf } from './delete-handling.ts';
import type { DeleteHandling } from './delete-handling.ts';
import { dropListedFields } from './drop-fields.ts';
import type { DropFieldsSettings } from './drop-fields.ts';
import { FIELD_REFERENCE_PATTERN, parseFieldReferences, referencedSchema, referencedValue } from './field-reference.ts';
import type { FieldReference } from './field-reference.ts';
import { fieldEntries, fieldOf, fieldValue, requireStruct, structWith } from './struct-schemas.ts';

const fieldList = (what: string) =>
  ({
    type: 'array',
    items: { type: 'string', pattern: FIELD_REFERENCE_PATTERN },
    default: [],
    description: `Envelope fields to add to the ${what}, each prefixed: op, ts_ms, table (source.table), source.ts_ms (named <prefix>source_ts_ms), id (transaction.id)... A field may be renamed with field:alias. Fields the event does not have are skipped.`,
  }) as const;

export const EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    'delete.tombstone.handling.mode': {
      type: 'string',
      enum: DELETE_TOMBSTONE_HANDLING_MODES,
      description:
        'What becomes of deletes and tombstones: drop (both removed), tombstone (the default: the delete becomes a record with a null value, the tombstone is removed), rewrite (the delete becomes the old row with __deleted=true, every row gets __deleted, tombstones removed), rewrite-with-tombstone (rewrite, tombstones kept), delete-to-tombstone (the delete becomes a true tombstone, the original tombstone removed). When set, drop.tombstones and delete.handling.mode are ignored.',
    },
    'drop.tombstones': {
      type: 'boolean',
      description: 'Deprecated by Debezium (use delete.tombstone.handling.mode): remove tombstones. Default true; read only when delete.tombstone.handling.mode is not set.',
    },
    'delete.handling.mode': {
      type: 'string',
      enum: LEGACY_DELETE_HANDLING_MODES,
      description: 'Deprecated by Debezium (use delete.tombstone.handling.mode): none (pass a null value), drop (the default) or rewrite (__deleted field). Read only when delete.tombstone.handling.mode is not set.',
    },
    'route.by.field': { type: 'string', default: '', description: 'A field of the row (of before, for deletes) whose value becomes the topic name.' },
    'add.fields.prefix': { type: 'string', default: '__', description: 'Prefix of the fields add.fields adds.' },
    'add.fields': fieldList('flattened value'),
    'add.headers.prefix': { type: 'string', default: '__', description: 'Prefix of the headers add.headers adds.' },
    'add.headers': fieldList('record headers'),
    'drop.fields.header.name': { type: 'string', default: '', description: 'A header listing field names to remove from the flattened value.' },
    'drop.fields.from.key': { type: 'boolean', default: false, description: 'Also remove the fields of drop.fields.header.name from the key.' },
    'drop.fields.keep.schema.compatible': { type: 'boolean', default: true, description: 'Remove only the listed fields the schema marks optional.' },
    'replace.null.with.default': { type: 'boolean', default: true, description: 'Under rewrite, a null column value takes its default from the schema.' },
  },
} as const satisfies ConfigSchema;
export type ExtractNewRecordStateConfig = FromSchema<typeof EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA>;

const ENVELOPE_SCHEMA_SUFFIX = '.Envelope';
const DELETED_FIELD = '__deleted';
const DELETE_OPERATION = 'd';

/** A record with the given value, as ExtractField/InsertField would make it. */
function withValue<R extends ConnectRecord>(record: R, valueSchema: Schema | null, value: unknown): R {
  return { ...record, valueSchema, value };
}

/**
 * Debezium's ExtractNewRecordState (the "unwrap" SMT): a change event envelope becomes the row
 * it leaves behind (`after`), so sinks that know nothing of envelopes can apply it. Deletes and
 * tombstones go as `delete.tombstone.handling.mode` says; envelope fields can be copied into the
 * row or the headers. Anything that is not a change event (schema changes, heartbeats,
 * transaction markers, schemaless values) passes unchanged.
 */
export class ExtractNewRecordState implements Transformation<ExtractNewRecordStateConfig> {
  private deletes: DeleteHandling = deleteHandlingOf({});
  private addedFields: readonly FieldReference[] = [];
  private addedHeaders: readonly FieldReference[] = [];
  private routeByField: string | undefined;
  private dropFields: DropFieldsSettings | undefined;
  private replaceNullWithDefault = true;
  /** Output schemas by row schema, then envelope schema: records of one table share them. */
  private readonly flattenedSchemas = new WeakMap<Schema, WeakMap<Schema, Schema>>();
  private readonly rewrittenSchemas = new WeakMap<Schema, Schema>();
  /** The references an envelope schema has, with their output schemas, by envelope schema. */
  private readonly presentFields = new WeakMap<Schema, readonly PresentReference[]>();
  private readonly presentHeaders = new WeakMap<Schema, readonly PresentReference[]>();

  configure(config: ExtractNewRecordStateConfig): void {
    this.deletes = deleteHandlingOf(config);
    this.addedFields = parseFieldReferences(config['add.fields.prefix'], config['add.fields']);
    this.addedHeaders = parseFieldReferences(config['add.headers.prefix'], config['add.headers']);
    this.routeByField = config['route.by.field'] === '' ? undefined : config['route.by.field'];
    const dropHeader = config['drop.fields.header.name'].trim();
    this.dropFields =
      dropHeader === '' ? undefined : { headerName: dropHeader, fromKey: config['drop.fields.from.key'], keepSchemaCompatible: config['drop.fields.keep.schema.compatible'] };
    this.replaceNullWithDefault = config['replace.null.with.default'];
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const tombstone = record.value === null || record.value === undefined;
    const envelopeSchema = record.valueSchema?.name?.endsWith(ENVELOPE_SCHEMA_SUFFIX) === true ? record.valueSchema : undefined;
    if (tombstone) return this.deletes.keepTombstones ? this.withAddedHeaders(record, null, null) : null;
    if (envelopeSchema === undefined) return record;

    const envelope = requireStruct(record.value, 'Debezium change event');
    const withHeaders = this.withAddedHeaders(record, envelope, envelopeSchema);
    const after = this.part(envelope, envelopeSchema, 'after');
    const before = this.part(envelope, envelopeSchema, 'before');
    // A truncate has neither row: Debezium drops it here.
    if (after.value === null && before.value === null) return null;
    return after.value === null ? this.deleted(withHeaders, envelope, envelopeSchema, before, after.schema) : this.live(withHeaders, envelope, envelopeSchema, after);
  }

  /** An insert, update or snapshot read: the new row, marked and extended as configured. */
  private live<R extends ConnectRecord>(record: R, envelope: Struct, envelopeSchema: Schema, after: Part): R {
    let row = { schema: after.schema, value: requireStruct(after.value, 'Read record to flatten a CREATE / UPDATE') };
    if (this.deletes.markLiveRows) row = this.markDeleted(row.schema, row.value, 'false');
    let out = withValue(record, row.schema, row.value);
    if (this.routeByField !== undefined) out = this.routed(out, row.value, row.schema, 'CREATE / UPDATE');
    out = this.withAddedFields(out, envelope, envelopeSchema);
    return this.dropFields === undefined ? out : dropListedFields(out, this.dropFields);
  }

  /** A delete: dropped, a null value, a tombstone or the old row marked deleted. */
  private deleted<R extends ConnectRecord>(record: R, envelope: Struct, envelopeSchema: Schema, before: Part, afterSchema: Schema): R | null {
    let out: R;
    switch (this.deletes.onDelete) {
      case 'drop':
        return null;
      case 'null-value':
        // Debezium keeps the row's schema here: a JDBC sink reads a null value as a delete.
        out = withValue(record, afterSchema, null);
        break;
      case 'tombstone':
        out = withValue(record, null, null);
        break;
      case 'rewrite': {
        const row = this.markDeleted(before.schema, requireStruct(before.value, 'Read record to rewrite a DELETE'), 'true');
        out = withValue(record, row.schema, row.value);
        break;
      }
    }
    if (this.routeByField !== undefined) out = this.routed(out, requireStruct(before.value, 'Read record to set topic routing for DELETE'), before.schema, 'DELETE');
    if (this.dropFields !== undefined) out = dropListedFields(out, this.dropFields);
    return out.value === null ? out : this.withAddedFields(out, envelope, envelopeSchema);
  }

  private part(envelope: Struct, envelopeSchema: Schema, name: 'before' | 'after'): Part {
    const field = fieldOf(envelopeSchema, name);
    if (field === undefined) throw dataError(`Unknown field: ${name} (schema ${envelopeSchema.name ?? ''})`);
    return { schema: field.schema, value: fieldValue(envelope, field, true) };
  }

  /** Kafka's InsertField with a static `__deleted` field: an optional string "true" or "false". */
  private markDeleted(schema: Schema, row: Struct, deleted: 'true' | 'false'): { schema: Schema; value: Struct } {
    let marked = this.rewrittenSchemas.get(schema);
    if (marked === undefined) {
      marked = structWith(schema, [...fieldEntries(schema), [DELETED_FIELD, Schemas.OPTIONAL_STRING]]);
      this.rewrittenSchemas.set(schema, marked);
    }
    const value: Struct = {};
    for (const f of schema.fields ?? []) value[f.name] = fieldValue(row, f, this.replaceNullWithDefault);
    value[DELETED_FIELD] = deleted;
    return { schema: marked, value };
  }

  /** The record sent to the topic a string field of the row names (unchanged when it is null or blank). */
  private routed<R extends ConnectRecord>(record: R, row: Struct, rowSchema: Schema, purpose: string): R {
    const field = fieldOf(rowSchema, this.routeByField ?? '');
    if (field === undefined) throw dataError(`route.by.field: ${this.routeByField ?? ''} is not a valid field name (${purpose})`);
    if (field.schema.type !== 'string') throw dataError(`route.by.field: field ${field.name} is of type ${field.schema.type}, not string (${purpose})`);
    const topic = fieldValue(row, field, true);
    return typeof topic === 'string' && topic.trim() !== '' ? { ...record, topic } : record;
  }

  /**
   * The row with the configured envelope fields appended. Like Debezium, the row's schema is
   * rebuilt even when nothing is added: a required struct under the row's name.
   */
  private withAddedFields<R extends ConnectRecord>(record: R, envelope: Struct, envelopeSchema: Schema): R {
    const rowSchema = record.valueSchema;
    if (rowSchema === null) throw dataError('Only Struct objects with a schema supported for [source field insertion]');
    const row = requireStruct(record.value, 'source field insertion');
    const present = this.present(this.addedFields, envelopeSchema, this.presentFields);
    let byEnvelope = this.flattenedSchemas.get(rowSchema);
    if (byEnvelope === undefined) {
      byEnvelope = new WeakMap();
      this.flattenedSchemas.set(rowSchema, byEnvelope);
    }
    let schema = byEnvelope.get(envelopeSchema);
    if (schema === undefined) {
      schema = structWith(rowSchema, [...fieldEntries(rowSchema), ...present.map(({ ref, schema: s }): [string, Schema] => [ref.newField, s])]);
      byEnvelope.set(envelopeSchema, schema);
    }
    const value: Struct = {};
    for (const f of rowSchema.fields ?? []) value[f.name] = fieldValue(row, f, false);
    for (const { ref } of present) value[ref.newField] = referencedValue(ref, envelope, envelopeSchema);
    return withValue(record, schema, value);
  }

  private present(refs: readonly FieldReference[], envelopeSchema: Schema, cache: WeakMap<Schema, readonly PresentReference[]>): readonly PresentReference[] {
    let found = cache.get(envelopeSchema);
    if (found === undefined) {
      found = refs.flatMap((ref) => {
        const schema = referencedSchema(ref, envelopeSchema);
        return schema === undefined ? [] : [{ ref, schema }];
      });
      cache.set(envelopeSchema, found);
    }
    return found;
  }

  /** The record with the configured headers added; a tombstone gets only the `op` one, as "d". */
  private withAddedHeaders<R extends ConnectRecord>(record: R, envelope: Struct | null, envelopeSchema: Schema | null): R {
    if (this.addedHeaders.length === 0) return record;
    const added: Header[] = [];
    if (envelope === null || envelopeSchema === null) {
      for (const ref of this.addedHeaders) if (ref.field === 'op') added.push({ key: ref.newField, schema: Schemas.STRING, value: DELETE_OPERATION });
    } else {
      for (const { ref, schema } of this.present(this.addedHeaders, envelopeSchema, this.presentHeaders)) {
        added.push({ key: ref.newField, schema, value: referencedValue(ref, envelope, envelopeSchema) });
      }
    }
    return added.length === 0 ? record : { ...record, headers: [...record.headers, ...added] };
  }
}

interface PresentReference {
  readonly ref: FieldReference;
  readonly schema: Schema;
}

interface Part {
  readonly schema: Schema;
  readonly value: unknown;
}
