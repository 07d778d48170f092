import test from 'ava';
import { Schemas } from '../../../../../connect/api/index.ts';
import { structSchema } from '../../../../../connect/runtime/data/schemas.ts';
import { CAST_CONFIG_SCHEMA, Cast } from '../../../../../connect/runtime/transforms/cast.ts';
import { VALUE } from '../../../../../connect/runtime/transforms/record-part.ts';
import { configOf, sourceRecord } from './records.ts';

function cast(spec: string[]): Cast {
  const c = new Cast(VALUE);
  c.configure(configOf(CAST_CONFIG_SCHEMA, { spec }));
  return c;
}

test('casts fields of a struct and their schemas', (t) => {
  const schema = structSchema([
    ['a', Schemas.STRING],
    ['b', Schemas.INT32],
    ['c', Schemas.FLOAT32],
  ]);
  const out = cast(['a:int64', 'b:boolean', 'c:string']).apply(sourceRecord(schema, { a: '12', b: 0, c: Math.fround(5.6) }));
  t.deepEqual(out.value, { a: 12n, b: false, c: '5.6' });
  t.deepEqual(out.valueSchema?.fields?.map((f) => f.schema.type), ['int64', 'boolean', 'string']);
});

test('casts the whole value; narrowing wraps as Java casts do', (t) => {
  const out = cast(['int8']).apply(sourceRecord(Schemas.INT32, 300));
  t.is(out.value, 44);
  t.deepEqual(out.valueSchema, { type: 'int8', optional: false });
});

test('refuses an unknown type and a whole-value cast mixed with field casts', (t) => {
  t.throws(() => cast(['a:date']), { message: /Invalid cast spec/ });
  t.throws(() => cast(['int8', 'a:int16']), { message: /may only specify a single cast/ });
});
