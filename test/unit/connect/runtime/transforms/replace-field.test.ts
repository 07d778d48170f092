import test from 'ava';
import { Schemas } from '../../../../../connect/api/index.ts';
import { structSchema } from '../../../../../connect/runtime/data/schemas.ts';
import { VALUE } from '../../../../../connect/runtime/transforms/record-part.ts';
import { REPLACE_FIELD_CONFIG_SCHEMA, ReplaceField } from '../../../../../connect/runtime/transforms/replace-field.ts';
import { configOf, sourceRecord } from './records.ts';

function replace(config: Record<string, unknown>): ReplaceField {
  const t = new ReplaceField(VALUE);
  t.configure(configOf(REPLACE_FIELD_CONFIG_SCHEMA, config));
  return t;
}

test('schemaless: exclude wins over include, and renames apply', (t) => {
  const out = replace({ include: ['a', 'b', 'c'], exclude: ['c'], renames: ['a:x'] }).apply(sourceRecord(null, { a: 1, b: 2, c: 3, d: 4 }));
  t.deepEqual(out.value, { x: 1, b: 2 });
});

test('with a schema: the schema loses and renames the same fields', (t) => {
  const schema = structSchema([
    ['a', Schemas.INT32],
    ['secret', Schemas.STRING],
  ]);
  const out = replace({ exclude: ['secret'], renames: ['a:id'] }).apply(sourceRecord(schema, { a: 1, secret: 's' }));
  t.deepEqual(out.valueSchema?.fields?.map((f) => f.name), ['id']);
  t.deepEqual(out.value, { id: 1 });
});

test('a malformed rename is refused', (t) => {
  t.throws(() => replace({ renames: ['a'] }), { message: /Invalid rename mapping: a/ });
});
