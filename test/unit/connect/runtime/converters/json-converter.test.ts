// Vectors from Kafka's JsonConverterTest and from Kafka's output for Debezium-style records.
import test from 'ava';
import type { Schema } from '../../../../../connect/api/index.ts';
import { LogicalTypeName, Schemas } from '../../../../../connect/api/index.ts';
import { JsonConverter } from '../../../../../connect/runtime/converters/json-converter.ts';
import { structSchema } from '../../../../../connect/runtime/data/schemas.ts';

function converter(config: Record<string, unknown> = {}): JsonConverter {
  const c = new JsonConverter();
  c.configure(config);
  return c;
}

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString('utf8'));

const DECIMAL: Schema = { type: 'bytes', optional: false, name: LogicalTypeName.DECIMAL, version: 1, parameters: { scale: '2' } };

const primitives: [string, Schema, unknown, string][] = [
  ['boolean', Schemas.BOOLEAN, true, '{"schema":{"type":"boolean","optional":false},"payload":true}'],
  ['int8', Schemas.INT8, 12, '{"schema":{"type":"int8","optional":false},"payload":12}'],
  ['int16', Schemas.INT16, 12, '{"schema":{"type":"int16","optional":false},"payload":12}'],
  ['int32', Schemas.INT32, 12, '{"schema":{"type":"int32","optional":false},"payload":12}'],
  ['int64 beyond 2^53', Schemas.INT64, 4398046511104123n, '{"schema":{"type":"int64","optional":false},"payload":4398046511104123}'],
  ['float32 prints as Java float', Schemas.FLOAT32, 5.6, '{"schema":{"type":"float","optional":false},"payload":5.6}'],
  ['float64 whole number', Schemas.FLOAT64, 12, '{"schema":{"type":"double","optional":false},"payload":12.0}'],
  ['float64 large', Schemas.FLOAT64, 1e21, '{"schema":{"type":"double","optional":false},"payload":1.0E21}'],
  ['float64 small', Schemas.FLOAT64, 0.00012, '{"schema":{"type":"double","optional":false},"payload":1.2E-4}'],
  ['string with control character', Schemas.STRING, 'a\u0001"b', '{"schema":{"type":"string","optional":false},"payload":"a\\u0001\\"b"}'],
  ['bytes', Schemas.BYTES, Buffer.from('test-string'), '{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}'],
  ['decimal 1.56', DECIMAL, { unscaled: 156n, scale: 2 }, '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}'],
  ['decimal 2.35 (a sign byte kept)', DECIMAL, { unscaled: 235n, scale: 2 }, '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AOs="}'],
  ['negative decimal', DECIMAL, { unscaled: -156n, scale: 2 }, '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"/2Q="}'],
];

for (const [name, schema, value, expected] of primitives) {
  test(`writes ${name} as Kafka does`, (t) => {
    t.is(text(converter().fromConnectData('t', schema, value)), expected);
  });
}

test('writes logical dates, times and timestamps as their numbers', (t) => {
  const c = converter();
  const date: Schema = { type: 'int32', optional: false, name: LogicalTypeName.DATE, version: 1 };
  const timestamp: Schema = { type: 'int64', optional: false, name: LogicalTypeName.TIMESTAMP, version: 1 };
  t.is(text(c.fromConnectData('t', date, new Date(10_000 * 86_400_000))), '{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}');
  t.is(text(c.fromConnectData('t', timestamp, new Date(4_000_000_000))), '{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}');
  t.throws(() => c.fromConnectData('t', date, new Date(1)), { message: /should not have any time fields/ });
});

test('writes a struct with field schemas in order, "field" last, as Debezium envelopes look', (t) => {
  const schema = structSchema(
    [
      ['id', Schemas.INT32],
      ['name', Schemas.OPTIONAL_STRING],
      ['j', { type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1 }],
    ],
    { optional: false, name: 'db.t.Value' },
  );
  const out = text(converter().fromConnectData('t', schema, { id: 1, name: null, j: '{}' }));
  t.is(
    out,
    '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"string","optional":true,"name":"io.debezium.data.Json","version":1,"field":"j"}],"optional":false,"name":"db.t.Value"},"payload":{"id":1,"name":null,"j":"{}"}}',
  );
});

test('writes a null field with a default as the default (replace.null.with.default)', (t) => {
  const schema = structSchema([['n', { type: 'int32', optional: true, defaultValue: 7 }]]);
  t.is(text(converter({ 'schemas.enable': false }).fromConnectData('t', schema, { n: null })), '{"n":7}');
  t.is(text(converter({ 'schemas.enable': false, 'replace.null.with.default': false }).fromConnectData('t', schema, { n: null })), '{"n":null}');
});

test('maps: string keys as an object, other keys as an array of pairs', (t) => {
  const c = converter({ 'schemas.enable': false });
  t.is(text(c.fromConnectData('t', { type: 'map', optional: false, keySchema: Schemas.STRING, valueSchema: Schemas.INT32 }, { a: 1 })), '{"a":1}');
  t.is(text(c.fromConnectData('t', { type: 'map', optional: false, keySchema: Schemas.INT32, valueSchema: Schemas.INT32 }, new Map([[1, 2]]))), '[[1,2]]');
});

test('a null value without schema is a tombstone; with schema it is an envelope', (t) => {
  t.is(converter().fromConnectData('t', null, null), null);
  t.is(text(converter().fromConnectData('t', Schemas.OPTIONAL_STRING, null)), '{"schema":{"type":"string","optional":true},"payload":null}');
  t.is(text(converter({ 'schemas.enable': false }).fromConnectData('t', Schemas.OPTIONAL_STRING, null)), 'null');
  t.throws(() => converter().fromConnectData('t', Schemas.STRING, null), { message: /null value for field that is required/ });
});

test('schemaless values are inferred (schemas.enable=false)', (t) => {
  const c = converter({ 'schemas.enable': false });
  t.is(text(c.fromConnectData('t', null, { a: [1, 2.5, 'x', true, null] })), '{"a":[1,2.5,"x",true,null]}');
  t.is(text(converter().fromConnectData('t', null, 'x')), '{"schema":null,"payload":"x"}');
});

test('reads an envelope back into the same schema and value', (t) => {
  const c = converter();
  const schema = structSchema(
    [
      ['id', Schemas.INT64],
      ['price', DECIMAL],
      ['tags', { type: 'array', optional: true, valueSchema: Schemas.STRING }],
    ],
    { optional: false, name: 'x' },
  );
  const value = { id: 9007199254740993n, price: { unscaled: 156n, scale: 2 }, tags: ['a'] };
  const bytes = c.fromConnectData('t', schema, value);
  const back = c.toConnectData('t', bytes);
  t.deepEqual(back.value, value);
  t.is(text(c.fromConnectData('t', back.schema, back.value)), text(bytes));
});

test('reads schemaless JSON: integers beyond 2^53 stay exact', (t) => {
  const c = converter({ 'schemas.enable': false });
  t.deepEqual(c.toConnectData('t', Buffer.from('{"a":12345678901234567890,"b":1.5,"c":[1]}')).value, { a: 12345678901234567890n, b: 1.5, c: [1] });
  t.deepEqual(c.toConnectData('t', null), { schema: null, value: null });
});

test('refuses JSON without the envelope when schemas are enabled, saying how to fix it', (t) => {
  t.throws(() => converter().toConnectData('t', Buffer.from('{"a":1}')), { message: /set schemas.enable=false/ });
  t.throws(() => converter().toConnectData('t', Buffer.from('{not json')), { message: /invalid JSON/ });
});

test('the envelope head is cached per schema object, bounded by schemas.cache.size, and a changed schema gets its own', (t) => {
  const c = converter({ 'schemas.cache.size': 3 });
  const cached = (): number => (c as unknown as { writers: Map<Schema, unknown> }).writers.size;
  const v1 = structSchema([['id', Schemas.INT32]], { optional: false, name: 'db.t.Value' });
  // ALTER TABLE: a new schema object, with a field more.
  const v2 = structSchema(
    [
      ['id', Schemas.INT32],
      ['note', Schemas.OPTIONAL_STRING],
    ],
    { optional: false, name: 'db.t.Value' },
  );
  const expected1 = '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"db.t.Value"},"payload":{"id":1}}';
  const expected2 =
    '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"note"}],"optional":false,"name":"db.t.Value"},"payload":{"id":2,"note":"n"}}';
  t.is(text(c.fromConnectData('t', v1, { id: 1 })), expected1);
  t.is(text(c.fromConnectData('t', v2, { id: 2, note: 'n' })), expected2);
  t.is(text(c.fromConnectData('t', v1, { id: 1 })), expected1, 'the first schema keeps its own head');
  t.is(cached(), 2);
  // Many more schemas than the cache holds: each record still carries its own schema, and the cache stays bounded.
  for (let i = 0; i < 50; i++) {
    const schema = structSchema([[`f${i}`, Schemas.INT32]], { optional: false, name: `db.t${i}.Value` });
    t.is(text(c.fromConnectData('t', schema, { [`f${i}`]: i })), `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"f${i}"}],"optional":false,"name":"db.t${i}.Value"},"payload":{"f${i}":${i}}}`);
    t.true(cached() <= 3);
  }
  t.is(text(c.fromConnectData('t', v2, { id: 2, note: 'n' })), expected2, 'an evicted schema is written again from scratch');
  const uncached = converter({ 'schemas.cache.size': 0 });
  t.is(text(uncached.fromConnectData('t', v1, { id: 1 })), expected1);
  t.is((uncached as unknown as { writers: Map<Schema, unknown> }).writers.size, 0);
});
