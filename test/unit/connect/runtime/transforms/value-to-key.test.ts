import test from 'ava';
import { Schemas } from '../../../../../connect/api/index.ts';
import { structSchema } from '../../../../../connect/runtime/data/schemas.ts';
import { VALUE_TO_KEY_CONFIG_SCHEMA, ValueToKey } from '../../../../../connect/runtime/transforms/value-to-key.ts';
import { configOf, sourceRecord } from './records.ts';

function valueToKey(fields: string[]): ValueToKey {
  const t = new ValueToKey();
  t.configure(configOf(VALUE_TO_KEY_CONFIG_SCHEMA, { fields }));
  return t;
}

test('schemaless: the key becomes a map of the chosen value fields', (t) => {
  const out = valueToKey(['id']).apply(sourceRecord(null, { id: 7, name: 'x' }));
  t.deepEqual(out.key, { id: 7 });
  t.is(out.keySchema, null);
});

test('with a schema: the key schema is a struct of those fields; an unknown field is refused', (t) => {
  const schema = structSchema([
    ['id', Schemas.INT64],
    ['name', Schemas.STRING],
  ]);
  const out = valueToKey(['id']).apply(sourceRecord(schema, { id: 7n, name: 'x' }));
  t.deepEqual(out.keySchema?.fields?.map((f) => [f.name, f.schema.type]), [['id', 'int64']]);
  t.deepEqual(out.key, { id: 7n });
  t.throws(() => valueToKey(['nope']).apply(sourceRecord(schema, { id: 1n, name: 'x' })), { message: /Field does not exist: nope/ });
});
