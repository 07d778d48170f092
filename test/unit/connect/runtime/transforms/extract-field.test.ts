import test from 'ava';
import { Schemas } from '../../../../../connect/api/index.ts';
import { structSchema } from '../../../../../connect/runtime/data/schemas.ts';
import { EXTRACT_FIELD_CONFIG_SCHEMA, ExtractField } from '../../../../../connect/runtime/transforms/extract-field.ts';
import { KEY, VALUE } from '../../../../../connect/runtime/transforms/record-part.ts';
import { configOf, sourceRecord } from './records.ts';

test('extracts a field of the value, with its schema', (t) => {
  const x = new ExtractField(VALUE);
  x.configure(configOf(EXTRACT_FIELD_CONFIG_SCHEMA, { field: 'after' }));
  const schema = structSchema([['after', Schemas.OPTIONAL_STRING]]);
  const out = x.apply(sourceRecord(schema, { after: 'row' }));
  t.is(out.value, 'row');
  t.deepEqual(out.valueSchema, Schemas.OPTIONAL_STRING);
  t.throws(() => {
    const y = new ExtractField(VALUE);
    y.configure(configOf(EXTRACT_FIELD_CONFIG_SCHEMA, { field: 'missing' }));
    y.apply(sourceRecord(schema, { after: 'row' }));
  }, { message: /Unknown field: missing/ });
});

test('extracts from a schemaless key; a null key stays null', (t) => {
  const x = new ExtractField(KEY);
  x.configure(configOf(EXTRACT_FIELD_CONFIG_SCHEMA, { field: 'id' }));
  t.is(x.apply(sourceRecord(null, 'v', { key: { id: 3 } })).key, 3);
  t.is(x.apply(sourceRecord(null, 'v')).key, null);
});
