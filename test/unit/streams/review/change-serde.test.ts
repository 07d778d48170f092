import test from 'ava';
import { Serdes } from '../../../../streams/index.ts';
import { changeSerde } from '../../../../streams/dsl/change.ts';
import { StreamsError } from '../../../../streams/errors.ts';

const serde = changeSerde(Serdes.String());
const bytes = (value: { newValue: string | null; oldValue: string | null }): number[] => [...serde.serialize(value)!];

// Kafka's ChangedSerializer: {old}{0}, {new}{1}, {varint newLength}{new}{old}{2}, the flag byte last,
// the length a zigzag varint (ByteUtils.writeVarint), so a Java application reads the same topic.
test('a table change is written in the byte layout of Kafka ChangedSerializer', (t) => {
  t.deepEqual(bytes({ newValue: null, oldValue: 'ab' }), [0x61, 0x62, 0]);
  t.deepEqual(bytes({ newValue: 'ab', oldValue: null }), [0x61, 0x62, 1]);
  t.deepEqual(bytes({ newValue: 'new', oldValue: 'ab' }), [6, 0x6e, 0x65, 0x77, 0x61, 0x62, 2]);
  const long = 'x'.repeat(200);
  t.deepEqual(bytes({ newValue: long, oldValue: 'o' }).slice(0, 2), [0x90, 0x03]);
});

test('every layout reads back as the change it was written from', (t) => {
  for (const change of [{ newValue: null, oldValue: 'old' }, { newValue: 'new', oldValue: null }, { newValue: 'new', oldValue: 'old' }, { newValue: '', oldValue: 'x'.repeat(300) }]) {
    t.deepEqual(serde.deserialize(serde.serialize(change)), change);
  }
});

test('a malformed change record is rejected with a Streams error', (t) => {
  t.throws(() => serde.deserialize(Buffer.from([0x61, 7])), { instanceOf: StreamsError, message: /unknown flag 7/ });
  t.throws(() => serde.deserialize(Buffer.from([40, 0x61, 2])), { instanceOf: StreamsError, message: /malformed length/ });
  t.throws(() => serde.serialize({ newValue: null, oldValue: null }), { instanceOf: StreamsError });
});
