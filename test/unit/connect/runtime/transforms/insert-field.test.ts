import test from 'ava';
import { LogicalTypeName, Schemas } from '../../../../../connect/api/index.ts';
import { structSchema } from '../../../../../connect/runtime/data/schemas.ts';
import { INSERT_FIELD_CONFIG_SCHEMA, InsertField } from '../../../../../connect/runtime/transforms/insert-field.ts';
import { VALUE } from '../../../../../connect/runtime/transforms/record-part.ts';
import { configOf, sinkRecord, sourceRecord } from './records.ts';

function insert(config: Record<string, unknown>): InsertField {
  const t = new InsertField(VALUE);
  t.configure(configOf(INSERT_FIELD_CONFIG_SCHEMA, config));
  return t;
}

test('schemaless: adds topic, partition, offset, timestamp and a static field to the map', (t) => {
  const out = insert({ 'topic.field': 'topic', 'partition.field': 'p', 'offset.field': 'o', 'timestamp.field': 'ts', 'static.field': 'dc', 'static.value': 'eu' }).apply(sinkRecord(null, { a: 1 }));
  t.deepEqual(out.value, { a: 1, topic: 'orders', p: 2, o: 42n, ts: new Date(1_700_000_000_000), dc: 'eu' });
});

test('with a schema: the new fields join the struct schema, optional unless suffixed with !', (t) => {
  const schema = structSchema([['a', Schemas.INT32]], { optional: false, name: 'v' });
  const out = insert({ 'topic.field': 'topic!', 'timestamp.field': 'ts' }).apply(sourceRecord(schema, { a: 1 }));
  t.deepEqual(
    out.valueSchema?.fields?.map((f) => [f.name, f.schema.type, f.schema.optional, f.schema.name]),
    [
      ['a', 'int32', false, undefined],
      ['topic', 'string', false, undefined],
      ['ts', 'int64', true, LogicalTypeName.TIMESTAMP],
    ],
  );
  t.is(out.valueSchema?.name, 'v');
  t.deepEqual(out.value, { a: 1, topic: 'orders', ts: new Date(1_700_000_000_000) });
});

test('a tombstone passes unchanged; offset insertion is refused on source records', (t) => {
  const tombstone = sourceRecord(null, null);
  t.is(insert({ 'topic.field': 'topic' }).apply(tombstone), tombstone);
  t.throws(() => insert({ 'offset.field': 'o' }).apply(sourceRecord(null, {})), { message: /only supported for sink connectors/ });
  t.throws(() => insert({}), { message: /No field insertion configured/ });
});
