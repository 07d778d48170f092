import test from 'ava';
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { RecordsError, RecordsErrorCode } from '../../../../../core/records/errors.ts';
import { CompressionCodec, compress, decompress } from '../../../../../core/records/compression/index.ts';
import type { CompressionName } from '../../../../../core/records/compression/index.ts';

const CAP = 1024 * 1024;
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const SAMPLE = Buffer.from('{"key":"user-7","value":"viewed /products/42"}\n'.repeat(200));

/** Decoding must either succeed within the cap or fail with one of our two codes: never anything else. */
function decodesSafely(codec: CompressionName, payload: Uint8Array): boolean {
  try {
    return decompress(CompressionCodec[codec], payload, CAP).length <= CAP;
  } catch (err: unknown) {
    return (
      err instanceof RecordsError &&
      (err.code === RecordsErrorCode.CORRUPT_COMPRESSED || err.code === RecordsErrorCode.DECOMPRESSED_TOO_LARGE)
    );
  }
}

function assertCorrupt(t: ExecutionContext, codec: CompressionName, payload: Uint8Array, label: string): void {
  const err = t.throws(() => decompress(CompressionCodec[codec], payload, CAP), { instanceOf: RecordsError }, label);
  t.is(err.code, RecordsErrorCode.CORRUPT_COMPRESSED, `${label}: ${err.message}`);
}

for (const codec of CODECS) {
  test(`${codec}: empty input and plain garbage are corrupt`, (t) => {
    assertCorrupt(t, codec, Buffer.alloc(0), 'empty');
    assertCorrupt(t, codec, Buffer.from('this is not compressed at all, it is plain text'), 'text');
    assertCorrupt(t, codec, Buffer.alloc(64, 0xff), 'all ones');
  });

  test(`${codec}: every strict prefix of a valid payload is corrupt`, (t) => {
    const packed = compress(CompressionCodec[codec], SAMPLE);
    for (let end = 0; end < packed.length; end++) {
      assertCorrupt(t, codec, packed.subarray(0, end), `prefix of ${end}/${packed.length} bytes`);
    }
  });

  test(`${codec}: random bytes never escape as anything but a RecordsError`, (t) => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => decodesSafely(codec, bytes)), { numRuns: 500 });
    t.pass();
  });

  test(`${codec}: a valid header followed by random bytes is handled`, (t) => {
    const header = compress(CompressionCodec[codec], SAMPLE).subarray(0, codec === 'snappy' ? 3 : 12);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (tail) => decodesSafely(codec, Buffer.concat([header, tail]))),
      { numRuns: 500 },
    );
    t.pass();
  });

  test(`${codec}: corrupting bytes of a valid payload is handled`, (t) => {
    const packed = compress(CompressionCodec[codec], SAMPLE);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: packed.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }),
        (edits) => {
          const copy = Buffer.from(packed);
          for (const [at, xor] of edits) copy[at] = (copy[at] ?? 0) ^ xor;
          return decodesSafely(codec, copy);
        },
      ),
      { numRuns: 1000 },
    );
    t.pass();
  });
}

test('snappy: xerial framing with damaged chunk lengths is corrupt', (t) => {
  const header = '82534e41505059000000000100000001';
  const chunk = compress(CompressionCodec.snappy, Buffer.from('hello hello hello'));
  const len = (n: number): string => n.toString(16).padStart(8, '0');
  const cases: [string, string][] = [
    ['chunk longer than the payload', header + len(chunk.length + 1) + chunk.toString('hex')],
    ['chunk length cut short', header + len(chunk.length) + chunk.toString('hex') + '0000'],
    ['zero-length chunk', header + len(0)],
    ['chunk that is not snappy', header + len(4) + 'ffffffff'],
  ];
  for (const [label, payload] of cases) assertCorrupt(t, 'snappy', Buffer.from(payload, 'hex'), label);
});

test('lz4: malformed frame descriptors and blocks are corrupt', (t) => {
  const magic = '04224d18';
  const hello = Buffer.from('hello').toString('hex');
  const cases: [string, string][] = [
    ['version 0', magic + '20' + '40' + '00' + '05000080' + hello + '00000000'],
    ['reserved FLG bit', magic + '62' + '40' + '00' + '05000080' + hello + '00000000'],
    ['reserved BD bit', magic + '60' + '41' + '00' + '05000080' + hello + '00000000'],
    ['block size id 3', magic + '60' + '30' + '00' + '05000080' + hello + '00000000'],
    ['dictionary id', magic + '61' + '40' + '00000000' + '00' + '05000080' + hello + '00000000'],
    ['wrong header checksum', magic + '60' + '40' + '83' + '05000080' + hello + '00000000'],
    ['block over the block size', magic + '60' + '40' + '82' + '01000100' + '00000000'],
    ['no end mark', magic + '60' + '40' + '82' + '05000080' + hello],
    ['content size disagrees', magic + '68' + '40' + '0600000000000000' + '00' + '05000080' + hello + '00000000'],
    ['match before the data', magic + '60' + '40' + '82' + '0d000000' + '44' + '61626364' + '0500' + '50' + '58595a5756' + '00000000'],
    ['zero match offset', magic + '60' + '40' + '82' + '0d000000' + '44' + '61626364' + '0000' + '50' + '58595a5756' + '00000000'],
    ['ends after a match', magic + '60' + '40' + '82' + '07000000' + '44' + '61626364' + '0400' + '00000000'],
    ['trailing garbage', magic + '60' + '40' + '82' + '05000080' + hello + '00000000' + 'deadbeef'],
  ];
  for (const [label, payload] of cases) assertCorrupt(t, 'lz4', Buffer.from(payload, 'hex'), label);
});

test('zstd: trailing garbage and a bad checksum are corrupt', (t) => {
  const packed = compress(CompressionCodec.zstd, SAMPLE);
  assertCorrupt(t, 'zstd', Buffer.concat([packed, Buffer.from('deadbeef', 'hex')]), 'trailing garbage');
  // A frame with a checksum (Content_Checksum_flag 0x04), raw block 'hello', and a wrong checksum.
  assertCorrupt(t, 'zstd', Buffer.from('28b52ffd2405290000' + Buffer.from('hello').toString('hex') + '00000000', 'hex'), 'bad checksum');
});

test('gzip: a damaged CRC is corrupt', (t) => {
  const packed = compress(CompressionCodec.gzip, SAMPLE);
  const copy = Buffer.from(packed);
  copy[copy.length - 8] = (copy[copy.length - 8] ?? 0) ^ 0xff;
  assertCorrupt(t, 'gzip', copy, 'bad crc');
});
