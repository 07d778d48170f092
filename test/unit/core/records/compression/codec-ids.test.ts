import test from 'ava';
import { RecordsError, RecordsErrorCode } from '../../../../../core/records/errors.ts';
import {
  CompressionCodec,
  codecFromAttributes,
  codecName,
  compress,
  decompress,
  parseCompressionName,
} from '../../../../../core/records/compression/index.ts';
import type { CompressionName } from '../../../../../core/records/compression/index.ts';

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

test('codec ids are Kafka\'s', (t) => {
  t.deepEqual(CompressionCodec, { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
});

test('codecFromAttributes reads bits 0-2 and ignores the other attribute bits', (t) => {
  for (const [index, name] of NAMES.entries()) {
    t.is(codecFromAttributes(index), CompressionCodec[name]);
    // Timestamp type, transactional, control and delete-horizon bits must not leak in.
    t.is(codecFromAttributes(index | 0x08 | 0x10 | 0x20 | 0x40), CompressionCodec[name]);
  }
  // int16 attributes read as signed still carry the codec in the low bits.
  t.is(codecFromAttributes(-0x8000 | 0x03), CompressionCodec.lz4);
});

test('codecFromAttributes refuses the undefined codec ids 5, 6 and 7', (t) => {
  for (const bits of [5, 6, 7, 0x15, 0xff]) {
    const err = t.throws(() => codecFromAttributes(bits), { instanceOf: RecordsError });
    t.is(err.code, RecordsErrorCode.UNKNOWN_CODEC);
    t.regex(err.message, new RegExp(`codec ${bits & 7}\\b`));
  }
});

test('codecName and parseCompressionName are inverses', (t) => {
  for (const name of NAMES) {
    t.is(codecName(parseCompressionName(name)), name);
  }
});

test('parseCompressionName refuses unknown names and lists the valid ones', (t) => {
  for (const bad of ['GZIP', 'lz4 ', 'producer', 'uncompressed', '', 'toString', '__proto__', 'constructor']) {
    const err = t.throws(() => parseCompressionName(bad), { instanceOf: RecordsError });
    t.is(err.code, RecordsErrorCode.UNKNOWN_CODEC);
    t.true(err.message.includes('none, gzip, snappy, lz4, zstd'));
  }
});

test('an out-of-range codec id passed at run time is refused, not crashed on', (t) => {
  const bogus = 9 as CompressionCodec;
  for (const fn of [() => codecName(bogus), () => compress(bogus, Buffer.alloc(1)), () => decompress(bogus, Buffer.alloc(1), 10)]) {
    const err = t.throws(fn, { instanceOf: RecordsError });
    t.is(err.code, RecordsErrorCode.UNKNOWN_CODEC);
  }
});

test('decompress rejects a maxBytes that is not a non-negative integer', (t) => {
  for (const maxBytes of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => decompress(CompressionCodec.none, Buffer.alloc(0), maxBytes), { instanceOf: RangeError });
  }
});
