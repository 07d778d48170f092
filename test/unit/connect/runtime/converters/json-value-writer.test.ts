// The compiled writer against the generic one: same text, same errors, for every schema type.
import test from 'ava';
import type { Schema } from '../../../../../connect/api/index.ts';
import { LogicalTypeName, Schemas } from '../../../../../connect/api/index.ts';
import { JsonConverter } from '../../../../../connect/runtime/converters/json-converter.ts';
import { JsonSink } from '../../../../../connect/runtime/converters/json-sink.ts';
import { compileValueWriter } from '../../../../../connect/runtime/converters/json-value-writer.ts';
import { valueJson } from '../../../../../connect/runtime/converters/json-writer.ts';
import type { JsonWriteOptions } from '../../../../../connect/runtime/converters/json-writer.ts';
import { structSchema } from '../../../../../connect/runtime/data/schemas.ts';

/** The compiled writer of `schema`, as text: each value written alone into a small sink, so records cross slabs too. */
function textWriter(schema: Schema, options: JsonWriteOptions): (value: unknown) => string {
  const write = compileValueWriter(schema, options);
  const sink = new JsonSink(64);
  return (value) => {
    sink.begin();
    write(sink, value);
    return sink.end().toString('utf8');
  };
}

const BASE64: JsonWriteOptions = { decimalNumeric: false, replaceNullWithDefault: true };
const NUMERIC: JsonWriteOptions = { decimalNumeric: true, replaceNullWithDefault: false };

const DECIMAL: Schema = { type: 'bytes', optional: true, name: LogicalTypeName.DECIMAL, version: 1, parameters: { scale: '2' } };
const DATE: Schema = { type: 'int32', optional: true, name: LogicalTypeName.DATE, version: 1 };
const TIMESTAMP: Schema = { type: 'int64', optional: true, name: LogicalTypeName.TIMESTAMP, version: 1 };
const ROW = structSchema(
  [
    ['id', Schemas.INT32],
    ['name', Schemas.OPTIONAL_STRING],
    ['price', DECIMAL],
    ['day', DATE],
    ['at', TIMESTAMP],
    ['big', { type: 'int64', optional: true }],
    ['ratio', { type: 'float32', optional: true }],
    ['score', { type: 'float64', optional: true }],
    ['flag', { type: 'boolean', optional: true }],
    ['blob', { type: 'bytes', optional: true }],
    ['tags', { type: 'array', optional: true, valueSchema: Schemas.STRING }],
    ['attrs', { type: 'map', optional: true, keySchema: Schemas.STRING, valueSchema: Schemas.INT32 }],
    ['n', { type: 'int16', optional: true, defaultValue: 7 }],
  ],
  { optional: true, name: 'server.db.t.Value' },
);
const ENVELOPE = structSchema(
  [
    ['before', ROW],
    ['after', ROW],
    ['op', Schemas.STRING],
    ['ts_ms', { type: 'int64', optional: true }],
  ],
  { optional: false, name: 'server.db.t.Envelope', version: 2 },
);

const rows: Record<string, unknown>[] = [
  {
    id: 1,
    name: 'plain',
    price: { unscaled: 12_345n, scale: 2 },
    day: new Date(Date.UTC(2024, 0, 2)),
    at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
    big: 9_007_199_254_740_993n,
    ratio: 5.6,
    score: 1e21,
    flag: true,
    blob: Buffer.from('bytes'),
    tags: ['a', 'b"c'],
    attrs: { x: 1 },
    n: 3,
  },
  { id: 2, name: 'ünïcode \u0001 "quoted" 日本', price: null, day: 19_000, at: 1_700_000_000_000n, score: Number.NaN, n: null },
  { id: -3, name: null, price: { unscaled: -5n, scale: 2 }, ratio: Number.POSITIVE_INFINITY, tags: [], attrs: {} },
];

for (const [label, options] of [
  ['base64 decimals', BASE64],
  ['numeric decimals, nulls kept', NUMERIC],
] as const) {
  test(`writes a change event as valueJson does (${label})`, (t) => {
    const write = textWriter(ENVELOPE, options);
    for (const [before, after] of [
      [null, rows[0]],
      [rows[0], rows[1]],
      [rows[1], rows[2]],
      [rows[2], null],
    ]) {
      const event = { before, after, op: 'u', ts_ms: 1_700_000_000_123 };
      t.is(write(event), valueJson(ENVELOPE, event, options));
    }
  });
}

test('throws the same errors as valueJson', (t) => {
  const cases: [Schema, unknown][] = [
    [ENVELOPE, { before: null, after: { id: 'one' }, op: 'c' }],
    [ENVELOPE, { before: null, after: null, op: null }],
    [ENVELOPE, 'not a struct'],
    [Schemas.INT32, 1.5],
    [{ type: 'int64', optional: false }, '1'],
    [Schemas.FLOAT64, '1'],
    [Schemas.BOOLEAN, 1],
    [Schemas.BYTES, 'text'],
    [{ type: 'array', optional: false, valueSchema: Schemas.INT32 }, {}],
    [DECIMAL, { unscaled: 1n, scale: 3 }],
  ];
  for (const [schema, value] of cases) {
    const expected = t.throws(() => valueJson(schema, value, BASE64));
    t.throws(() => textWriter(schema, BASE64)(value), { message: expected.message });
  }
});

test('an envelope is the cached head and the payload, with or without schemas', (t) => {
  const event = { before: null, after: rows[1], op: 'c', ts_ms: 1 };
  const payload = valueJson(ENVELOPE, event, BASE64);
  const withSchemas = new JsonConverter();
  withSchemas.configure({});
  const first = Buffer.from(withSchemas.fromConnectData('t', ENVELOPE, event)!).toString('utf8');
  const parsed = JSON.parse(first) as { schema: { name: string; fields: unknown[] }; payload: unknown };
  t.is(parsed.schema.name, 'server.db.t.Envelope');
  t.is(parsed.schema.fields.length, 4);
  t.true(first.endsWith(`,"payload":${payload}}`));
  // The second record under the same schema object reuses the head: same bytes.
  t.is(Buffer.from(withSchemas.fromConnectData('t', ENVELOPE, event)!).toString('utf8'), first);

  const without = new JsonConverter();
  without.configure({ 'schemas.enable': false });
  t.is(Buffer.from(without.fromConnectData('t', ENVELOPE, event)!).toString('utf8'), payload);
});

test('a payload longer than the scratch space and schemas beyond the cache size are written whole', (t) => {
  const converter = new JsonConverter();
  converter.configure({ 'schemas.cache.size': 1 });
  const long = 'é'.repeat(20_000);
  const other = structSchema([['s', Schemas.STRING]]);
  for (const schema of [other, structSchema([['s', Schemas.STRING]]), other]) {
    const bytes = converter.fromConnectData('t', schema, { s: long });
    t.deepEqual(JSON.parse(Buffer.from(bytes!).toString('utf8')), { schema: { type: 'struct', fields: [{ type: 'string', optional: false, field: 's' }], optional: false }, payload: { s: long } });
  }
});

test('writes decimals as the bytes of BigInteger.toByteArray, small and large, as valueJson does', (t) => {
  const write = textWriter(DECIMAL, BASE64);
  const edges = [0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 256n, 32_767n, 32_768n, -32_769n, 8_388_608n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 40n + 7n, 2n ** 47n - 1n, -(2n ** 47n), 2n ** 47n, -(2n ** 47n) - 1n, 10n ** 30n, -(10n ** 30n)];
  for (let bits = 0; bits <= 50; bits++) {
    for (const delta of [-1n, 0n, 1n]) edges.push(2n ** BigInt(bits) + delta, -(2n ** BigInt(bits)) + delta);
  }
  // A fixed pseudo-random spread over every width.
  let seed = 12_345;
  for (let i = 0; i < 2_000; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    edges.push(BigInt(Math.round((seed / 2_147_483_648 - 0.5) * 2 ** (1 + (i % 50)))));
  }
  for (const unscaled of edges) {
    const value = { unscaled, scale: 2 };
    t.is(write(value), valueJson(DECIMAL, value, BASE64), `unscaled ${unscaled}`);
  }
  t.is(write(Buffer.from([1, 2])), valueJson(DECIMAL, Buffer.from([1, 2]), BASE64));
});

test('numbers and strings are written byte for byte as valueJson writes them, across slab boundaries', (t) => {
  const int64: Schema = { type: 'int64', optional: false };
  const int32: Schema = Schemas.INT32;
  const numbers: [Schema, unknown][] = [
    [int32, 0],
    [int32, -0],
    [int32, 9],
    [int32, 10],
    [int32, -10],
    [int32, 2_147_483_647],
    [int32, -2_147_483_648],
    [int64, 2_147_483_648],
    [int64, 99_999_999],
    [int64, 100_000_000],
    [int64, 1_700_000_000_123],
    [int64, -1_700_000_000_123_456],
    [int64, Number.MAX_SAFE_INTEGER],
    [int64, -Number.MAX_SAFE_INTEGER],
    [int64, 2 ** 53],
    [int64, 1e21],
    [int64, 0n],
    [int64, -1n],
    [int64, 9_007_199_254_740_991n],
    [int64, 9_007_199_254_740_992n],
    [int64, -9_007_199_254_740_993n],
    [int64, 1_733_400_000_000_000_000n],
    [int64, -(2n ** 63n)],
  ];
  for (let i = 1; i < 1e16; i *= 7) numbers.push([int64, i], [int64, -i - 1], [int64, BigInt(i) * 1000n]);
  const strings = ['', 'a', 'ascii only', '"quoted"', 'back\\slash', 'tab\there', '\u0000\u001f\u007f', 'é', 'ünïcode 日本', '😀', '\ud800 lone', 'x'.repeat(64), 'x'.repeat(65), `${'y'.repeat(70)}"`, `${'z'.repeat(100)}é`];
  for (const [schema, value] of [...numbers, ...strings.map((s): [Schema, unknown] => [Schemas.STRING, s])]) {
    // A 64-byte slab: most values are written across a slab change. Bytes are compared: a lone
    // surrogate is U+FFFD in UTF-8, as Buffer.from(valueJson(...)) encodes it.
    t.is(Buffer.from(textWriter(schema, BASE64)(value)).toString('hex'), Buffer.from(valueJson(schema, value, BASE64)).toString('hex'), `${typeof value} ${String(value)}`);
  }
});
