import test from 'ava';
import { ProtocolErrorCode, Reader, Writer, ZERO_UUID } from '../../../../core/protocol/index.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

function bytesOf(write: (w: Writer) => unknown): string {
  const w = new Writer(16);
  write(w);
  return w.finish().toString('hex');
}

function reader(hex: string): Reader {
  return new Reader(Buffer.from(hex, 'hex'));
}

test('fixed-width integers are big-endian two’s complement', (t) => {
  t.is(bytesOf((w) => w.int8(-2)), 'fe');
  t.is(bytesOf((w) => w.int16(-2)), 'fffe');
  t.is(bytesOf((w) => w.int16(0x1234)), '1234');
  t.is(bytesOf((w) => w.int32(-1)), 'ffffffff');
  t.is(bytesOf((w) => w.int32(0x01020304)), '01020304');
  t.is(bytesOf((w) => w.int64(-2n)), 'fffffffffffffffe');
  t.is(bytesOf((w) => w.int64(0x0102030405060708n)), '0102030405060708');
  t.is(bytesOf((w) => w.uint16(0xfffe)), 'fffe');
  t.is(bytesOf((w) => w.uint32(0xfffffffe)), 'fffffffe');
  t.is(bytesOf((w) => w.float64(1.5)), '3ff8000000000000');
  t.is(bytesOf((w) => w.bool(true).bool(false)), '0100');

  const r = reader('fe' + 'fffe' + 'ffffffff' + 'fffffffffffffffe' + 'fffe' + 'fffffffe' + '3ff8000000000000' + '0100');
  t.is(r.int8(), -2);
  t.is(r.int16(), -2);
  t.is(r.int32(), -1);
  t.is(r.int64(), -2n);
  t.is(r.uint16(), 0xfffe);
  t.is(r.uint32(), 0xfffffffe);
  t.is(r.float64(), 1.5);
  t.true(r.bool());
  t.false(r.bool());
  t.is(r.remaining(), 0);
});

test('int64 keeps full precision beyond 2^53', (t) => {
  const big = (1n << 62n) + 12345n;
  const w = new Writer();
  w.int64(big).int64(-(1n << 63n));
  const r = new Reader(w.finish());
  t.is(r.int64(), big);
  t.is(r.int64(), -(1n << 63n));
});

test('a bool is true for any non-zero byte, as Kafka reads it', (t) => {
  t.true(reader('02').bool());
});

test('unsigned varints: edge values and their exact bytes', (t) => {
  const cases: readonly (readonly [number, string])[] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 21 - 1, 'ffff7f'],
    [2 ** 28, '8080808001'],
    [0x7fffffff, 'ffffffff07'],
    [0xffffffff, 'ffffffff0f'],
  ];
  for (const [value, hex] of cases) {
    t.is(bytesOf((w) => w.uvarint(value)), hex, `${value}`);
    const r = reader(hex);
    t.is(r.uvarint(), value, hex);
    t.is(r.remaining(), 0);
  }
});

test('unsigned varints reject negatives and values above 32 bits on write, overlong input on read', (t) => {
  throwsCode(t, () => new Writer().uvarint(-1), ProtocolErrorCode.INVALID_VALUE);
  throwsCode(t, () => new Writer().uvarint(2 ** 32), ProtocolErrorCode.INVALID_VALUE);
  throwsCode(t, () => new Writer().uvarint(1.5), ProtocolErrorCode.INVALID_VALUE);
  throwsCode(t, () => reader('ffffffff1f').uvarint(), ProtocolErrorCode.INVALID_VARINT);
  throwsCode(t, () => reader('8080808080').uvarint(), ProtocolErrorCode.INVALID_VARINT);
  throwsCode(t, () => reader('8080').uvarint(), ProtocolErrorCode.TRUNCATED);
});

test('strings: INT16 length and UTF-8 bytes, -1 for null', (t) => {
  t.is(bytesOf((w) => w.string('abc')), '0003616263');
  t.is(bytesOf((w) => w.string('')), '0000');
  t.is(bytesOf((w) => w.string('é')), '0002c3a9');
  t.is(bytesOf((w) => w.nullableString(null)), 'ffff');
  t.is(reader('0003616263').string(), 'abc');
  t.is(reader('0002c3a9').string(), 'é');
  t.is(reader('ffff').nullableString(), null);
  throwsCode(t, () => reader('ffff').string(), ProtocolErrorCode.INVALID_VALUE);
});

test('compact strings: unsigned varint length+1, 0 for null', (t) => {
  t.is(bytesOf((w) => w.compactString('abc')), '04616263');
  t.is(bytesOf((w) => w.compactString('')), '01');
  t.is(bytesOf((w) => w.compactNullableString(null)), '00');
  t.is(reader('04616263').compactString(), 'abc');
  t.is(reader('01').compactString(), '');
  t.is(reader('00').compactNullableString(), null);
  throwsCode(t, () => reader('00').compactString(), ProtocolErrorCode.INVALID_VALUE);
  const long = 'x'.repeat(200);
  t.is(bytesOf((w) => w.compactString(long)).slice(0, 4), 'c901');
  t.is(new Reader(Buffer.from(bytesOf((w) => w.compactString(long)), 'hex')).compactString(), long);
});

test('strings longer than 32767 bytes are refused on write', (t) => {
  throwsCode(t, () => new Writer().string('x'.repeat(0x8000)), ProtocolErrorCode.INVALID_VALUE);
  throwsCode(t, () => new Writer().compactString('x'.repeat(0x8000)), ProtocolErrorCode.INVALID_VALUE);
});

test('bytes: INT32 length, -1 for null; compact bytes: varint length+1, 0 for null', (t) => {
  const b = Buffer.from([1, 2, 3]);
  t.is(bytesOf((w) => w.bytes(b)), '00000003010203');
  t.is(bytesOf((w) => w.nullableBytes(null)), 'ffffffff');
  t.is(bytesOf((w) => w.compactBytes(b)), '04010203');
  t.is(bytesOf((w) => w.compactNullableBytes(null)), '00');
  t.is(bytesOf((w) => w.bytes([Buffer.from([1]), Buffer.from([2, 3])])), '00000003010203');
  t.deepEqual(reader('00000003010203').bytes(), b);
  t.is(reader('ffffffff').nullableBytes(), null);
  t.deepEqual(reader('04010203').compactBytes(), b);
  t.is(reader('00').compactNullableBytes(), null);
  throwsCode(t, () => reader('ffffffff').bytes(), ProtocolErrorCode.INVALID_VALUE);
});

test('decoded bytes are views of the input, not copies', (t) => {
  const input = Buffer.from('0000000401020304', 'hex');
  const view = new Reader(input).bytes();
  input[4] = 0xaa;
  t.is(view[0], 0xaa);
  t.is(view.buffer, input.buffer);
});

test('uuids: 16 raw bytes, canonical lowercase text', (t) => {
  const id = '0123abcd-4567-89ef-0123-456789abcdef';
  t.is(bytesOf((w) => w.uuid(id)), '0123abcd456789ef0123456789abcdef');
  t.is(bytesOf((w) => w.uuid(id.toUpperCase())), '0123abcd456789ef0123456789abcdef');
  t.is(reader('0123abcd456789ef0123456789abcdef').uuid(), id);
  t.is(new Reader(Buffer.alloc(16)).uuid(), ZERO_UUID);
  throwsCode(t, () => new Writer().uuid('not-a-uuid'), ProtocolErrorCode.INVALID_VALUE);
});

test('array lengths: INT32 count or varint count+1; null is -1 / 0', (t) => {
  t.is(bytesOf((w) => w.arrayLength(2)), '00000002');
  t.is(bytesOf((w) => w.arrayLength(-1)), 'ffffffff');
  t.is(bytesOf((w) => w.compactArrayLength(2)), '03');
  t.is(bytesOf((w) => w.compactArrayLength(-1)), '00');
  t.is(reader('ffffffff').arrayLength(4), -1);
  t.is(reader('00').compactArrayLength(4), -1);
  t.is(reader('00000000').arrayLength(4), 0);
  t.is(reader('01').compactArrayLength(4), 0);
});

test('the writer grows across many small writes and keeps every byte in order', (t) => {
  const w = new Writer(16);
  for (let i = 0; i < 10_000; i++) w.int32(i);
  t.is(w.length, 40_000);
  const r = new Reader(w.finish());
  for (let i = 0; i < 10_000; i++) {
    if (r.int32() !== i) {
      t.fail(`value ${i} is wrong`);
      return;
    }
  }
  t.is(r.remaining(), 0);
});

test('large buffers are appended by reference; finish() joins once, chunks() does not copy', (t) => {
  const big = Buffer.alloc(5000, 7);
  const w = new Writer(64);
  w.int32(1).bytes(big).int16(2);
  const chunks = w.chunks();
  t.is(chunks.length, 3);
  t.is(chunks[1], big, 'the payload chunk is the caller’s buffer itself');
  t.is(w.length, 4 + 4 + 5000 + 2);
  const all = w.finish();
  t.is(all.length, w.length);
  t.is(all.readInt32BE(0), 1);
  t.is(all.readInt32BE(4), 5000);
  t.true(all.subarray(8, 5008).equals(big));
  t.is(all.readInt16BE(5008), 2);
});

test('a small output is returned without any concat', (t) => {
  const w = new Writer(64);
  w.int32(7);
  const out = w.finish();
  t.is(out.length, 4);
  t.is(out.readInt32BE(0), 7);
});

test('reserveInt32 / patchInt32 fill in a size prefix after the fact, across growth', (t) => {
  const w = new Writer(16);
  const slot = w.reserveInt32();
  for (let i = 0; i < 100; i++) w.int32(i);
  w.raw(Buffer.alloc(2000, 1));
  w.patchInt32(slot, w.length - 4);
  const out = w.finish();
  t.is(out.readInt32BE(0), out.length - 4);
});

test('out-of-range numbers are refused, not wrapped', (t) => {
  t.throws(() => new Writer().int8(200));
  t.throws(() => new Writer().int16(40000));
  t.throws(() => new Writer().int32(2 ** 31));
  t.throws(() => new Writer().int64(1n << 63n));
});
