import test from 'ava';
import { SerdeError } from '../../../../client/index.ts';
import { Serdes } from '../../../../streams/index.ts';

// Byte vectors as Kafka's Java serializers write them (IntegerSerializer, LongSerializer,
// DoubleSerializer, StringSerializer): big-endian, IEEE 754, UTF-8.
const hex = (s: string): Buffer => Buffer.from(s, 'hex');

test('Int32 is 4 big-endian bytes, two’s complement', (t) => {
  const serde = Serdes.Int32();
  t.deepEqual(serde.serialize(1), hex('00000001'));
  t.deepEqual(serde.serialize(-1), hex('ffffffff'));
  t.deepEqual(serde.serialize(0x12345678), hex('12345678'));
  t.deepEqual(serde.serialize(-2147483648), hex('80000000'));
  t.is(serde.deserialize(hex('7fffffff')), 2147483647);
  t.is(serde.deserialize(hex('fffffffe')), -2);
  t.throws(() => serde.serialize(2 ** 31), { instanceOf: SerdeError });
  t.throws(() => serde.serialize(1.5), { instanceOf: SerdeError });
  t.throws(() => serde.deserialize(hex('000001')), { instanceOf: SerdeError, message: /expects 4 bytes, got 3/ });
});

test('Int64 is 8 big-endian bytes as a bigint', (t) => {
  const serde = Serdes.Int64();
  t.deepEqual(serde.serialize(1n), hex('0000000000000001'));
  t.deepEqual(serde.serialize(-1n), hex('ffffffffffffffff'));
  t.deepEqual(serde.serialize(1700000000000n), hex('0000018bcfe56800'));
  t.is(serde.deserialize(hex('7fffffffffffffff')), 2n ** 63n - 1n);
  t.is(serde.deserialize(hex('8000000000000000')), -(2n ** 63n));
  t.throws(() => serde.serialize(2n ** 63n), { instanceOf: SerdeError });
  t.throws(() => serde.deserialize(hex('00')), { instanceOf: SerdeError, message: /expects 8 bytes/ });
  t.is(Serdes.Long(), serde);
});

test('Double is IEEE 754 binary64, big-endian', (t) => {
  const serde = Serdes.Double();
  t.deepEqual(serde.serialize(1.0), hex('3ff0000000000000'));
  t.deepEqual(serde.serialize(-2.5), hex('c004000000000000'));
  t.deepEqual(serde.serialize(0.1), hex('3fb999999999999a'));
  t.is(serde.deserialize(hex('400921fb54442d18')), Math.PI);
  t.true(Number.isNaN(serde.deserialize(hex('7ff8000000000000'))));
});

test('String is UTF-8 and Json is UTF-8 JSON text', (t) => {
  t.deepEqual(Serdes.String().serialize('héllo'), hex('68c3a96c6c6f'));
  t.is(Serdes.String().deserialize(hex('e282ac')), '€');
  t.deepEqual(Serdes.Json<{ a: number }>().serialize({ a: 1 }), Buffer.from('{"a":1}'));
  t.deepEqual(Serdes.Json<{ a: number }>().deserialize(Buffer.from('{"a":2}')), { a: 2 });
  t.throws(() => Serdes.Json().deserialize(Buffer.from('{'), { topic: 't', partition: 1, offset: 7n }), { message: /topic 't' partition 1 at offset 7/ });
});

test('null stays null in every serde, as Kafka’s', (t) => {
  for (const serde of [Serdes.String(), Serdes.Bytes(), Serdes.Int32(), Serdes.Int64(), Serdes.Double(), Serdes.Json()] as const) {
    t.is((serde.serialize)(null), null);
    t.is(serde.deserialize(null), null);
  }
});
