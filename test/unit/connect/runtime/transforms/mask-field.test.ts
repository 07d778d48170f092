import test from 'ava';
import { Schemas } from '../../../../../connect/api/index.ts';
import { structSchema } from '../../../../../connect/runtime/data/schemas.ts';
import { MASK_FIELD_CONFIG_SCHEMA, MaskField } from '../../../../../connect/runtime/transforms/mask-field.ts';
import { VALUE } from '../../../../../connect/runtime/transforms/record-part.ts';
import { configOf, sourceRecord } from './records.ts';

function mask(config: Record<string, unknown>): MaskField {
  const t = new MaskField(VALUE);
  t.configure(configOf(MASK_FIELD_CONFIG_SCHEMA, config));
  return t;
}

test('masks each type with its empty value', (t) => {
  const out = mask({ fields: ['s', 'n', 'b', 'l', 'arr', 'keep'] }).apply(sourceRecord(null, { s: 'x', n: 5, b: true, l: 9n, arr: [1], keep: 'y', other: 'z' }));
  t.deepEqual(out.value, { s: '', n: 0, b: false, l: 0n, arr: [], keep: '', other: 'z' });
});

test('a replacement is used for strings and parsed for numbers', (t) => {
  const schema = structSchema([
    ['card', Schemas.STRING],
    ['pin', Schemas.INT32],
  ]);
  const out = mask({ fields: ['card', 'pin'], replacement: '0000' }).apply(sourceRecord(schema, { card: '4111', pin: 1234 }));
  t.deepEqual(out.value, { card: '0000', pin: 0 });
  t.throws(() => mask({ fields: ['pin'], replacement: 'abc' }).apply(sourceRecord(schema, { card: 'x', pin: 1 })), { message: /Invalid value abc/ });
});
