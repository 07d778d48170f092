import test from 'ava';
import { Schemas } from '../../../../../connect/api/index.ts';
import { ByteArrayConverter } from '../../../../../connect/runtime/converters/byte-array-converter.ts';
import { StringConverter } from '../../../../../connect/runtime/converters/string-converter.ts';

test('StringConverter writes strings as UTF-8 and numbers as text, and reads optional strings', (t) => {
  const c = new StringConverter();
  t.is(Buffer.from(c.fromConnectData('t', Schemas.STRING, 'héllo')!).toString(), 'héllo');
  t.is(Buffer.from(c.fromConnectData('t', Schemas.INT32, 42)!).toString(), '42');
  t.is(c.fromConnectData('t', null, null), null);
  t.deepEqual(c.toConnectData('t', Buffer.from('x')), { schema: Schemas.OPTIONAL_STRING, value: 'x' });
});

test('ByteArrayConverter passes bytes through and refuses other types', (t) => {
  const c = new ByteArrayConverter();
  const bytes = Buffer.from([1, 2, 3]);
  t.is(c.fromConnectData('t', Schemas.BYTES, bytes), bytes);
  t.throws(() => c.fromConnectData('t', Schemas.STRING, 'x'), { message: /Invalid schema type/ });
  t.deepEqual(c.toConnectData('t', bytes), { schema: Schemas.OPTIONAL_BYTES, value: bytes });
});
