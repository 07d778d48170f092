import test from 'ava';
import fc from 'fast-check';
import { crc32c, crc32cImplementation, crc32cJs } from '../../../../core/records/crc32c.ts';
import type { Crc32c } from '../../../../core/records/crc32c.ts';

/**
 * A bit-at-a-time CRC-32C, written from the definition (reflected polynomial 0x82f63b78).
 * Slow, but shares nothing with the slicing-by-8 tables it checks.
 */
function referenceCrc32c(data: Uint8Array, initial = 0): number {
  let crc = ~initial >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
// RFC 3720 B.4: the 48-byte iSCSI SCSI Read (10) command PDU.
const iscsiReadPdu = Buffer.from('01c000000000000000000000000000001400000000000400000000140000001828000000000000000200000000000000', 'hex');

const vectors: readonly { name: string; data: Uint8Array; crc: number }[] = [
  { name: 'empty', data: new Uint8Array(0), crc: 0 },
  { name: '"123456789"', data: new TextEncoder().encode('123456789'), crc: 0xe3069283 },
  { name: '32 zero bytes', data: new Uint8Array(32), crc: 0x8a9136aa },
  { name: '32 0xff bytes', data: new Uint8Array(32).fill(0xff), crc: 0x62a8ab43 },
  { name: '0..31 ascending', data: ascending, crc: 0x46dd794e },
  { name: '31..0 descending', data: descending, crc: 0x113fdb5c },
  { name: 'iSCSI read PDU', data: iscsiReadPdu, crc: 0xd9963a56 },
];

const implementations: readonly { name: string; fn: Crc32c }[] = [
  { name: 'crc32c (in use)', fn: crc32c },
  { name: 'crc32cJs', fn: crc32cJs },
  { name: 'bit-at-a-time reference', fn: referenceCrc32c },
];

for (const impl of implementations) {
  for (const v of vectors) {
    test(`${impl.name}: ${v.name} → 0x${v.crc.toString(16).padStart(8, '0')}`, (t) => {
      t.is(impl.fn(v.data), v.crc);
    });
  }
}

test('the native CRC-32C loads on this platform unless BROOK_CRC32C=js', (t) => {
  t.is(crc32cImplementation, process.env['BROOK_CRC32C'] === 'js' ? 'js' : 'native');
  if (crc32cImplementation === 'native') t.not(crc32c, crc32cJs);
});

test('results are unsigned 32-bit integers', (t) => {
  for (const impl of implementations) {
    const value = impl.fn(new Uint8Array(32).fill(0xff));
    t.true(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, impl.name);
  }
});

test('a view into a larger buffer is checksummed over the view only', (t) => {
  const backing = Buffer.alloc(64, 0xaa);
  backing.set(new TextEncoder().encode('123456789'), 13);
  const view = backing.subarray(13, 22);
  t.is(crc32c(view), 0xe3069283);
  t.is(crc32cJs(view), 0xe3069283);
});

test('incremental: the CRC of a prefix passed as initial gives the CRC of the whole (known vector)', (t) => {
  const data = new TextEncoder().encode('123456789');
  for (const impl of implementations) {
    for (let split = 0; split <= data.length; split++) {
      t.is(impl.fn(data.subarray(split), impl.fn(data.subarray(0, split))), 0xe3069283, `${impl.name} split at ${split}`);
    }
  }
});

test('every length 0..64 agrees with the bit-at-a-time reference (slicing-by-8 tail handling)', (t) => {
  const data = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
  for (let len = 0; len <= data.length; len++) {
    const part = data.subarray(0, len);
    const expected = referenceCrc32c(part);
    t.is(crc32cJs(part), expected, `js, length ${len}`);
    t.is(crc32c(part), expected, `in use, length ${len}`);
  }
});

test('property: native, JS and reference agree on random buffers of random lengths and offsets', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.nat(7), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length));
        const expected = referenceCrc32c(view);
        return crc32cJs(view) === expected && crc32c(view) === expected;
      }),
      { numRuns: 300 },
    );
  });
});

test('property: incremental CRC over a random split equals the CRC of the whole', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), fc.uint8Array({ maxLength: 1024 }), (a, b) => {
        const whole = Buffer.concat([a, b]);
        return crc32c(b, crc32c(a)) === crc32c(whole) && crc32cJs(b, crc32cJs(a)) === crc32cJs(whole) && crc32c(whole) === crc32cJs(whole);
      }),
      { numRuns: 300 },
    );
  });
});
