import test from 'ava';
import type { Schema, SourceRecord, Struct } from '../../../../../connect/api/index.ts';
import { coerceConfig } from '../../../../../connect/runtime/config/coerce.ts';
import { JsonConverter } from '../../../../../connect/runtime/converters/json-converter.ts';
import type { EnvelopeOptions, Operation } from '../../../../../connectors/mysql-cdc/envelope.ts';
import { HEARTBEAT_VALUE_SCHEMA, TableEnvelope, schemaChangeValueSchema, sourceStruct } from '../../../../../connectors/mysql-cdc/envelope.ts';
import { EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA, ExtractNewRecordState } from '../../../../../connectors/mysql-cdc/index.ts';
import type { ExtractNewRecordStateConfig } from '../../../../../connectors/mysql-cdc/index.ts';
import { columnDef } from '../../../../../connectors/mysql-cdc/schema/table.ts';
import { configOf, sourceRecord } from '../../../connect/runtime/transforms/records.ts';
import { envelopeOptions } from '../envelope-options.ts';

const OPTIONS: EnvelopeOptions = envelopeOptions();

const customers = new TableEnvelope(
  {
    database: 'shop',
    name: 'customers',
    columns: [
      columnDef('id', 'INT', { nullable: false }),
      columnDef('name', 'VARCHAR', { length: 40 }),
      columnDef('region', 'VARCHAR', { length: 20, defaultExpression: 'eu', defaultIsLiteral: true }),
    ],
    primaryKey: ['id'],
    uniqueIndexes: [],
    defaultCharset: undefined,
    comment: undefined,
  },
  OPTIONS,
);

function row(id: number, name: string | null, region: string | null = 'us'): Struct {
  return customers.row([id, name, region]);
}

/** A change event of srv.shop.customers as the connector emits it. */
function change(op: Operation | 't', before: Struct | null, after: Struct | null): SourceRecord {
  const source = sourceStruct(OPTIONS, { tsMs: 1_700_000_000_000, snapshot: 'false', db: 'shop', table: 'customers', serverId: 1, gtid: null, file: 'bin.000001', pos: 4, row: 0, thread: 7, query: null });
  const key = customers.key([(after ?? before)?.['id'] ?? 0, null, null]);
  const value = { ...customers.envelope(op === 't' ? 'd' : op, before, after, source, 1_700_000_000_123), op };
  return sourceRecord(customers.envelopeSchema, value, { topic: customers.topic, keySchema: customers.keySchema, key });
}

function tombstone(id: number): SourceRecord {
  return sourceRecord(null, null, { topic: customers.topic, keySchema: customers.keySchema, key: { id } });
}

/** The transform configured as the worker does it: Kafka's string values parsed, validated, defaults filled in. */
function unwrap(config: Record<string, string> = {}): ExtractNewRecordState {
  const smt = new ExtractNewRecordState();
  smt.configure(configOf<ExtractNewRecordStateConfig>(EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA, coerceConfig(EXTRACT_NEW_RECORD_STATE_CONFIG_SCHEMA, config)));
  return smt;
}

const json = new JsonConverter();
json.configure({ 'schemas.enable': true, 'converter.type': 'value' });
const plainJson = new JsonConverter();
plainJson.configure({ 'schemas.enable': false, 'converter.type': 'value' });

function jsonOf(converter: JsonConverter, record: { topic: string; valueSchema: Schema | null; value: unknown }): unknown {
  const bytes = converter.fromConnectData(record.topic, record.valueSchema, record.value);
  return bytes === null ? null : JSON.parse(Buffer.from(bytes).toString('utf8'));
}

const deleteEvent = change('d', row(1, 'Ann'), null);

test('an insert or update becomes its after row, under a required struct schema named <prefix>.<db>.<table>.Value, as Debezium writes it', (t) => {
  const smt = unwrap();
  const inserted = smt.apply(change('c', null, row(1, 'Ann')))!;
  t.is(inserted.topic, 'srv.shop.customers');
  t.deepEqual(inserted.key, { id: 1 });
  t.deepEqual(jsonOf(json, inserted), {
    schema: {
      type: 'struct',
      fields: [
        { type: 'int32', optional: false, field: 'id' },
        { type: 'string', optional: true, field: 'name' },
        { type: 'string', optional: true, default: 'eu', field: 'region' },
      ],
      optional: false,
      name: 'srv.shop.customers.Value',
    },
    payload: { id: 1, name: 'Ann', region: 'us' },
  });
  const updated = smt.apply(change('u', row(1, 'Ann'), row(1, 'Anne')))!;
  t.deepEqual(jsonOf(plainJson, updated), { id: 1, name: 'Anne', region: 'us' });
  t.is(smt.apply(change('r', null, row(2, 'Bob')))?.valueSchema, inserted.valueSchema, 'records of one table share the output schema');
});

test('by default (tombstone) a delete keeps the row schema with a null value and the tombstone after it is dropped', (t) => {
  const smt = unwrap();
  const out = smt.apply(deleteEvent)!;
  t.is(out.value, null);
  t.is(out.valueSchema, customers.rowSchema);
  t.deepEqual(out.key, { id: 1 });
  t.is(smt.apply(tombstone(1)), null);
});

test('delete.tombstone.handling.mode: drop, delete-to-tombstone, rewrite and rewrite-with-tombstone', (t) => {
  const drop = unwrap({ 'delete.tombstone.handling.mode': 'drop' });
  t.is(drop.apply(deleteEvent), null);
  t.is(drop.apply(tombstone(1)), null);

  const toTombstone = unwrap({ 'delete.tombstone.handling.mode': 'delete-to-tombstone' });
  const converted = toTombstone.apply(deleteEvent)!;
  t.is(converted.valueSchema, null);
  t.is(converted.value, null);
  t.is(jsonOf(json, converted), null, 'a true Kafka tombstone');
  t.is(toTombstone.apply(tombstone(1)), null);

  for (const mode of ['rewrite', 'rewrite-with-tombstone']) {
    const smt = unwrap({ 'delete.tombstone.handling.mode': mode });
    t.deepEqual(jsonOf(plainJson, smt.apply(change('c', null, row(1, 'Ann')))!), { id: 1, name: 'Ann', region: 'us', __deleted: 'false' });
    const rewritten = smt.apply(deleteEvent)!;
    t.deepEqual(jsonOf(plainJson, rewritten), { id: 1, name: 'Ann', region: 'us', __deleted: 'true' });
    t.deepEqual(rewritten.valueSchema?.fields?.at(-1), { name: '__deleted', index: 3, schema: { type: 'string', optional: true } });
    t.is(rewritten.valueSchema?.name, 'srv.shop.customers.Value');
    const keptTombstone = smt.apply(tombstone(1));
    if (mode === 'rewrite') t.is(keptTombstone, null);
    else t.deepEqual(keptTombstone?.key, { id: 1 });
  }
});

test('the deprecated drop.tombstones and delete.handling.mode apply only when delete.tombstone.handling.mode is unset, with their old defaults', (t) => {
  // drop.tombstones alone: delete.handling.mode defaults to drop, as in Debezium 2.x.
  const keepTombstones = unwrap({ 'drop.tombstones': 'false' });
  t.is(keepTombstones.apply(deleteEvent), null);
  t.deepEqual(keepTombstones.apply(tombstone(1))?.key, { id: 1 });

  const legacyRewrite = unwrap({ 'delete.handling.mode': 'rewrite' });
  t.is((legacyRewrite.apply(deleteEvent)?.value as Struct)['__deleted'], 'true');
  t.is(legacyRewrite.apply(tombstone(1)), null, 'drop.tombstones defaults to true');

  const none = unwrap({ 'delete.handling.mode': 'none', 'drop.tombstones': 'false' });
  t.is(none.apply(deleteEvent)?.valueSchema, customers.rowSchema);
  t.not(none.apply(tombstone(1)), null);

  const newWins = unwrap({ 'delete.tombstone.handling.mode': 'drop', 'delete.handling.mode': 'rewrite', 'drop.tombstones': 'false' });
  t.is(newWins.apply(deleteEvent), null);
  t.is(newWins.apply(tombstone(1)), null);
});

test('replace.null.with.default: under rewrite a null column takes its schema default unless turned off', (t) => {
  const insert = change('c', null, row(3, null, null));
  t.deepEqual(unwrap({ 'delete.tombstone.handling.mode': 'rewrite' }).apply(insert)?.value, { id: 3, name: null, region: 'eu', __deleted: 'false' });
  t.deepEqual(unwrap({ 'delete.tombstone.handling.mode': 'rewrite', 'replace.null.with.default': 'false' }).apply(insert)?.value, { id: 3, name: null, region: null, __deleted: 'false' });
  t.deepEqual(unwrap().apply(insert)?.value, { id: 3, name: null, region: null }, 'without rewrite the row is copied as it is');
});

test('add.fields: envelope and source fields join the row, optional, prefixed, struct_field for qualified names, renamed with field:alias; absent ones are skipped', (t) => {
  const smt = unwrap({ 'add.fields': 'op,table,lsn,source.ts_ms,ts_ms:event_ts,id' });
  const out = smt.apply(change('u', row(1, 'Ann'), row(1, 'Anne')))!;
  t.deepEqual(
    out.valueSchema?.fields?.slice(3).map((f) => [f.name, f.schema]),
    [
      ['__op', { type: 'string', optional: true }],
      ['__table', { type: 'string', optional: true }],
      ['__source_ts_ms', { type: 'int64', optional: true }],
      ['__event_ts', { type: 'int64', optional: true }],
      ['__id', { type: 'string', optional: true }],
    ],
  );
  t.deepEqual(out.value, { id: 1, name: 'Anne', region: 'us', __op: 'u', __table: 'customers', __source_ts_ms: 1_700_000_000_000n, __event_ts: 1_700_000_000_123n, __id: null });
  const prefixed = unwrap({ 'add.fields': 'op,source.snapshot', 'add.fields.prefix': 'meta_', 'delete.tombstone.handling.mode': 'rewrite' }).apply(deleteEvent)!;
  t.deepEqual(prefixed.value, { id: 1, name: 'Ann', region: 'us', __deleted: 'true', meta_op: 'd', meta_source_snapshot: 'false' });
  t.deepEqual(prefixed.valueSchema?.fields?.at(-1)?.schema, { type: 'string', optional: true, name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' } });
  t.is(unwrap({ 'add.fields': 'op' }).apply(deleteEvent)?.value, null, 'a null-value delete gets no fields');
});

test('add.headers: envelope fields become headers with their optional schemas; a kept tombstone gets only op, as "d"', (t) => {
  const smt = unwrap({ 'add.headers': 'op,source.db:database,lsn', 'add.headers.prefix': 'dbz.', 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' });
  const out = smt.apply(change('c', null, row(1, 'Ann')))!;
  t.deepEqual(out.headers, [
    { key: 'dbz.op', schema: { type: 'string', optional: true }, value: 'c' },
    { key: 'dbz.database', schema: { type: 'string', optional: true }, value: 'shop' },
  ]);
  t.deepEqual(smt.apply(tombstone(1))?.headers, [{ key: 'dbz.op', schema: { type: 'string', optional: false }, value: 'd' }]);
});

test('route.by.field sends the row to the topic its field names (the before row for a delete); a null leaves the topic', (t) => {
  const smt = unwrap({ 'route.by.field': 'region', 'delete.tombstone.handling.mode': 'rewrite' });
  t.is(smt.apply(change('c', null, row(1, 'Ann', 'orders_us')))?.topic, 'orders_us');
  t.is(smt.apply(change('d', row(1, 'Ann', 'orders_eu'), null))?.topic, 'orders_eu');
  t.is(unwrap({ 'route.by.field': 'name' }).apply(change('c', null, row(1, null)))?.topic, 'srv.shop.customers');
  t.throws(() => unwrap({ 'route.by.field': 'id' }).apply(change('c', null, row(1, 'Ann'))), { message: /route\.by\.field: field id is of type int32, not string/ });
  t.throws(() => unwrap({ 'route.by.field': 'nope' }).apply(change('c', null, row(1, 'Ann'))), { message: /nope is not a valid field name/ });
});

test('drop.fields.header.name removes the listed optional fields (any listed field without keep.schema.compatible), from the key too when asked', (t) => {
  const withHeader = (record: SourceRecord): SourceRecord => ({ ...record, headers: [{ key: 'drop', schema: { type: 'array', optional: false, valueSchema: { type: 'string', optional: false } }, value: ['name', 'id'] }] });
  const insert = withHeader(change('c', null, row(1, 'Ann')));
  const compatible = unwrap({ 'drop.fields.header.name': 'drop' }).apply(insert)!;
  t.deepEqual(compatible.value, { id: 1, region: 'us' });
  t.deepEqual(compatible.valueSchema?.fields?.map((f) => f.name), ['id', 'region']);
  t.deepEqual(compatible.key, { id: 1 }, 'the key is left alone by default');
  const all = unwrap({ 'drop.fields.header.name': 'drop', 'drop.fields.keep.schema.compatible': 'false', 'drop.fields.from.key': 'true' }).apply(insert)!;
  t.deepEqual(all.value, { region: 'us' });
  t.deepEqual(all.key, {});
  t.deepEqual(all.keySchema?.fields, []);
  t.deepEqual(unwrap({ 'drop.fields.header.name': 'drop' }).apply(change('c', null, row(1, 'Ann')))?.value, { id: 1, name: 'Ann', region: 'us' }, 'no header, nothing dropped');
});

test('records that are not change events pass unchanged: schema changes, heartbeats, schemaless values; a truncate is dropped', (t) => {
  const smt = unwrap({ 'add.headers': 'op', 'add.fields': 'op' });
  const schemaChange = sourceRecord(schemaChangeValueSchema('mariadb'), { databaseName: 'shop', ddl: 'CREATE TABLE t (id INT)' }, { topic: 'srv' });
  t.is(smt.apply(schemaChange), schemaChange);
  const heartbeat = sourceRecord(HEARTBEAT_VALUE_SCHEMA, { ts_ms: 1n });
  t.is(smt.apply(heartbeat), heartbeat);
  const schemaless = sourceRecord(null, { before: null, after: { id: 1 }, op: 'c' });
  t.is(smt.apply(schemaless), schemaless);
  t.is(smt.apply(change('t', null, null)), null);
});

test('config: unknown modes and malformed field lists are refused by the schema, naming the key', (t) => {
  t.throws(() => unwrap({ 'delete.tombstone.handling.mode': 'keep' }), { message: /delete\.tombstone\.handling\.mode/ });
  t.throws(() => unwrap({ 'delete.handling.mode': 'rewrite-with-tombstone' }), { message: /delete\.handling\.mode/ });
  t.throws(() => unwrap({ 'add.fields': 'op,a:b:c' }), { message: /add\.fields/ });
});
