import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import test from 'ava';
import { compressFrameSync } from 'lz4-napi';
import { compressSync } from 'snappy';
import { RecordsError, RecordsErrorCode } from '../../../../../core/records/errors.ts';
import { CompressionCodec, compress, decompress } from '../../../../../core/records/compression/index.ts';
import type { CompressionName } from '../../../../../core/records/compression/index.ts';

// Each bomb expands to 100 MiB of zeros. It is built in pieces so that building it never holds
// the expanded bytes either: peak RSS then shows whether a decoder allocated them.
const MiB = 1024 * 1024;
const BOMB = 100 * MiB;
const CAP = MiB;
const ZEROS_1MIB = Buffer.alloc(MiB);

async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  for (let i = 0; i < BOMB / MiB; i++) gzip.write(ZEROS_1MIB);
  gzip.end();
  await once(gzip, 'end');
  return Buffer.concat(parts);
}

/** Raw snappy, honest preamble: one literal zero, then copy-2 tags of 64 bytes at offset 1. */
function snappyBomb(): Buffer {
  const preamble: number[] = [];
  for (let n = BOMB; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      preamble.push(n);
      break;
    }
    preamble.push((n % 128) | 0x80);
  }
  const copies = Math.floor((BOMB - 1) / 64);
  const rest = BOMB - 1 - copies * 64;
  const body = Buffer.alloc(2 + copies * 3 + (rest > 0 ? 3 : 0));
  body[0] = 0x00; // literal tag, length 1
  body[1] = 0x00;
  for (let i = 0, at = 2; i < copies; i++, at += 3) {
    body[at] = ((64 - 1) << 2) | 2;
    body[at + 1] = 1;
  }
  if (rest > 0) {
    body[body.length - 3] = ((rest - 1) << 2) | 2;
    body[body.length - 2] = 1;
  }
  return Buffer.concat([Buffer.from(preamble), body]);
}

/** snappy-java framing: 32 KiB-of-zeros chunks, 3200 of them. */
function xerialBomb(): Buffer {
  const chunk = compressSync(Buffer.alloc(32 * 1024));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(chunk.length);
  const header = Buffer.from('82534e41505059000000000100000001', 'hex');
  return Buffer.concat([header, ...Array.from({ length: BOMB / (32 * 1024) }, () => Buffer.concat([length, chunk]))]);
}

/** One LZ4 frame of 25 independent 4 MiB blocks, each the same compressed run of zeros. */
function lz4Bomb(contentSizeHeader: boolean): Buffer {
  const single = compressFrameSync(Buffer.alloc(4 * MiB));
  // compressFrameSync picks 4 MiB blocks (BD 0x70) for this input: header 7 bytes, one block, end mark.
  const block = single.subarray(7, single.length - 4);
  const header = contentSizeHeader
    ? Buffer.from('04224d18687000004006000000' + '0097', 'hex') // FLG has C.Size; size 100 MiB; HC from liblz4
    : single.subarray(0, 7);
  return Buffer.concat([header, ...Array.from({ length: BOMB / (4 * MiB) }, () => block), Buffer.alloc(4)]);
}

/**
 * zstd frame of 800 RLE blocks of 128 KiB zeros, window 128 KiB. With `sized` the header records
 * the 100 MiB content size; without it only streaming can find out.
 */
function zstdBomb(sized: boolean): Buffer {
  const header = sized ? Buffer.from('28b52ffd8038' + '00004006', 'hex') : Buffer.from('28b52ffd0038', 'hex');
  const blocks = BOMB / (128 * 1024);
  const body = Buffer.alloc(blocks * 4);
  for (let i = 0; i < blocks; i++) {
    // Block header: size 128 KiB << 3 | RLE (1) << 1 | last; then the byte to repeat.
    body.writeUIntLE(((128 * 1024) << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0), i * 4, 3);
  }
  return Buffer.concat([header, body]);
}

test.serial('every codec refuses a 100 MiB bomb under a 1 MiB cap without allocating its output', async (t) => {
  const bombs: [CompressionName, string, Buffer][] = [
    ['none', 'uncompressed', Buffer.alloc(2 * MiB)],
    ['gzip', 'one gzip member', await gzipBomb()],
    ['snappy', 'raw', snappyBomb()],
    ['snappy', 'xerial', xerialBomb()],
    ['lz4', 'frame without content size', lz4Bomb(false)],
    ['lz4', 'frame with content size', lz4Bomb(true)],
    ['zstd', 'frame with content size', zstdBomb(true)],
    ['zstd', 'frame without content size', zstdBomb(false)],
  ];
  // Sanity: each bomb is real, i.e. small and decoding to 100 MiB given room.
  t.true(bombs.every(([codec, , bomb]) => codec === 'none' || bomb.length < 6 * MiB));

  const before = Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage().rss);
  for (const [codec, label, bomb] of bombs) {
    const err = t.throws(() => decompress(CompressionCodec[codec], bomb, CAP), { instanceOf: RecordsError }, `${codec} ${label}`);
    t.is(err.code, RecordsErrorCode.DECOMPRESSED_TOO_LARGE, `${codec} ${label}: ${err.message}`);
  }
  const grown = process.resourceUsage().maxRSS * 1024 - before;
  t.true(grown < 48 * MiB, `peak RSS grew by ${Math.round(grown / MiB)} MiB`);
});

test.serial('the bombs are genuine: with room they decode to 100 MiB of zeros', (t) => {
  // One representative per decoder path, so the test above cannot pass on malformed bombs.
  for (const [codec, bomb] of [
    ['lz4', lz4Bomb(false)],
    ['zstd', zstdBomb(false)],
    ['snappy', xerialBomb()],
  ] as const) {
    const out = decompress(CompressionCodec[codec], bomb, BOMB);
    t.is(out.length, BOMB, codec);
    t.is(out.indexOf(1), -1);
  }
});

test('a bomb just over the cap is refused and one exactly at the cap is accepted', (t) => {
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const payload = decompressibleTo(codec, 64 * 1024);
    t.is(decompress(CompressionCodec[codec], payload, 64 * 1024).length, 64 * 1024);
    const err = t.throws(() => decompress(CompressionCodec[codec], payload, 64 * 1024 - 1), { instanceOf: RecordsError });
    t.is(err.code, RecordsErrorCode.DECOMPRESSED_TOO_LARGE, codec);
  }
});

test('a cap of zero admits only empty output', (t) => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    t.is(decompress(CompressionCodec[codec], decompressibleTo(codec, 0), 0).length, 0);
    const err = t.throws(() => decompress(CompressionCodec[codec], decompressibleTo(codec, 1), 0), { instanceOf: RecordsError });
    t.is(err.code, RecordsErrorCode.DECOMPRESSED_TOO_LARGE, codec);
  }
});

test('a zstd frame asking for a window far beyond the cap is refused before decoding', (t) => {
  // Window descriptor 0xa0: exponent 20, window 1 GiB; then a 5-byte raw block.
  const frame = Buffer.from('28b52ffd00a0290000' + Buffer.from('hello').toString('hex'), 'hex');
  const err = t.throws(() => decompress(CompressionCodec.zstd, frame, CAP), { instanceOf: RecordsError });
  t.is(err.code, RecordsErrorCode.DECOMPRESSED_TOO_LARGE);
  t.regex(err.message, /window/);
});

test('a snappy preamble larger than the payload could ever expand to is corrupt, whatever the cap', (t) => {
  // Declares 100 MiB in a 7-byte payload: refused without allocating even when the cap allows it.
  const err = t.throws(() => decompress(CompressionCodec.snappy, Buffer.from('80808032000000', 'hex'), 200 * MiB), {
    instanceOf: RecordsError,
  });
  t.is(err.code, RecordsErrorCode.CORRUPT_COMPRESSED);
});

/** A payload that decodes to `size` bytes, made by Brook's own compressor. */
function decompressibleTo(codec: CompressionName, size: number): Buffer {
  return compress(CompressionCodec[codec], Buffer.alloc(size, 0x5a));
}
