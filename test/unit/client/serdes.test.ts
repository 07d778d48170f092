/** client/serdes: the built-in serdes, null handling, JSON errors naming the record, custom serdes. */
import test from 'ava';
import { SerdeError, SerdeErrorCode, bytesSerde, checkedJsonSerde, jsonSerde, serde, stringSerde } from '../../../client/index.ts';
import type { Serde } from '../../../client/index.ts';

test('stringSerde encodes UTF-8 and decodes it back', (t) => {
  const bytes = stringSerde.serialize('héllo €');
  t.deepEqual(bytes, Buffer.from([0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f, 0x20, 0xe2, 0x82, 0xac]));
  t.is(stringSerde.deserialize(bytes), 'héllo €');
  t.deepEqual(stringSerde.serialize(''), Buffer.alloc(0));
  t.is(stringSerde.deserialize(Buffer.alloc(0)), '');
});

test('every built-in serde keeps null as null (tombstones, null keys)', (t) => {
  for (const s of [stringSerde, bytesSerde, jsonSerde] as const) {
    t.is((s as Serde<unknown>).serialize(null), null);
    t.is(s.deserialize(null), null);
  }
});

test('bytesSerde passes the same buffer through', (t) => {
  const data = Buffer.from([0, 1, 255]);
  t.is(bytesSerde.serialize(data), data);
  t.is(bytesSerde.deserialize(data), data);
});

test('jsonSerde round-trips objects, arrays and scalars', (t) => {
  const value = { id: 7, tags: ['a', 'b'], nested: { ok: true, none: null } };
  const bytes = jsonSerde.serialize(value);
  t.is(bytes?.toString('utf8'), '{"id":7,"tags":["a","b"],"nested":{"ok":true,"none":null}}');
  t.deepEqual(jsonSerde.deserialize(bytes), value);
  t.is(jsonSerde.deserialize(Buffer.from('42')), 42);
  t.is(jsonSerde.deserialize(Buffer.from('"x"')), 'x');
});

test('invalid JSON throws ERR_SERDE_DESERIALIZE naming topic, partition and offset', (t) => {
  const error = t.throws(() => jsonSerde.deserialize(Buffer.from('{"a":'), { topic: 'orders', partition: 2, offset: 17n }), { instanceOf: SerdeError });
  t.is(error.code, SerdeErrorCode.DESERIALIZE);
  t.false(error.retriable);
  t.true(error.message.startsWith("invalid JSON in topic 'orders' partition 2 at offset 17: "), error.message);
});

test('invalid JSON without a context still says what failed', (t) => {
  const error = t.throws(() => jsonSerde.deserialize(Buffer.from('not json')), { instanceOf: SerdeError });
  t.regex(error.message, /^invalid JSON: /);
  const partial = t.throws(() => jsonSerde.deserialize(Buffer.from('{'), { topic: 't' }), { instanceOf: SerdeError });
  t.regex(partial.message, /^invalid JSON in topic 't': /);
});

test('values JSON cannot hold throw ERR_SERDE_SERIALIZE', (t) => {
  const big = t.throws(() => jsonSerde.serialize({ n: 1n }, { topic: 'orders' }), { instanceOf: SerdeError });
  t.is(big.code, SerdeErrorCode.SERIALIZE);
  t.regex(big.message, /^cannot serialize the value as JSON in topic 'orders': /);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  t.is(t.throws(() => jsonSerde.serialize(cyclic), { instanceOf: SerdeError }).code, SerdeErrorCode.SERIALIZE);
  const fn = t.throws(() => jsonSerde.serialize(() => 1), { instanceOf: SerdeError });
  t.is(fn.message, 'cannot serialize a value of type function as JSON');
  t.is(t.throws(() => jsonSerde.serialize(undefined), { instanceOf: SerdeError }).message, 'cannot serialize a value of type undefined as JSON');
});

interface Order {
  id: number;
}
const isOrder = (v: unknown): v is Order => typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'number';

test('checkedJsonSerde accepts values its guard accepts and rejects the rest', (t) => {
  const orders = checkedJsonSerde(isOrder, 'order');
  t.deepEqual(orders.deserialize(Buffer.from('{"id":3}')), { id: 3 });
  const error = t.throws(() => orders.deserialize(Buffer.from('{"id":"3"}'), { topic: 'orders', partition: 0, offset: 5n }), { instanceOf: SerdeError });
  t.is(error.message, "the JSON in topic 'orders' partition 0 at offset 5 is not a valid order");
  t.is(orders.deserialize(null), null);
  t.is(orders.serialize({ id: 1 })?.toString(), '{"id":1}');
});

test('serde() builds a custom serde; null never reaches its functions', (t) => {
  const calls: string[] = [];
  const int32 = serde<number>(
    (n) => {
      calls.push(`ser ${n}`);
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    },
    (b, context) => {
      calls.push(`de ${context?.topic ?? '-'}`);
      return b.readInt32BE(0);
    },
  );
  t.deepEqual(int32.serialize(-2), Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  t.is(int32.deserialize(Buffer.from([0, 0, 1, 0]), { topic: 'counts' }), 256);
  t.is(int32.serialize(null), null);
  t.is(int32.deserialize(null), null);
  t.deepEqual(calls, ['ser -2', 'de counts']);
});
