import test from 'ava';
import { CompressionCodec, decompress } from '../../../../../core/records/compression/index.ts';
import type { CompressionName } from '../../../../../core/records/compression/index.ts';
import { scanLz4Frames } from '../../../../../core/records/compression/lz4-frame-scan.ts';
import { readZstdContentSize } from '../../../../../core/records/compression/zstd-frame-header.ts';
import { PYTHON_FIXTURES, TEXT_A, TEXT_B } from './python-fixtures.ts';

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s).toString('hex');
const CAP = 1024 * 1024;

function decodes(name: CompressionName, what: string, payload: Buffer, expected: Buffer | string): void {
  test(`${name}: decodes ${what}`, (t) => {
    const out = decompress(CompressionCodec[name], payload, CAP);
    t.true(out.equals(typeof expected === 'string' ? Buffer.from(expected) : expected));
  });
}

// Produced by other implementations (see python-fixtures.ts).
decodes('gzip', 'CPython gzip.compress output', hex(PYTHON_FIXTURES.gzipPythonB), TEXT_B);
decodes('gzip', 'two concatenated gzip members', hex(PYTHON_FIXTURES.gzipTwoMembers), 'first member;second member');
decodes('snappy', 'python-snappy raw output', hex(PYTHON_FIXTURES.snappyPythonB), TEXT_B);
decodes('lz4', 'a liblz4 frame of linked 64 KiB blocks with a content size', hex(PYTHON_FIXTURES.lz4PythonLinkedA), TEXT_A);
decodes('lz4', 'a liblz4 frame of independent blocks with block and content checksums', hex(PYTHON_FIXTURES.lz4PythonIndependentChecksumsA), TEXT_A);
decodes('lz4', 'a liblz4 frame made with python-lz4 defaults', hex(PYTHON_FIXTURES.lz4PythonB), TEXT_B);
decodes('lz4', 'a liblz4 frame holding an uncompressed block', hex(PYTHON_FIXTURES.lz4PythonIncompressible), Buffer.from(Array.from({ length: 37 }, (_, i) => i * 7)));
decodes('zstd', 'a libzstd one-shot frame with a content size', hex(PYTHON_FIXTURES.zstdPythonSizedB), TEXT_B);
decodes('zstd', 'a libzstd streamed frame without content size, with checksum', hex(PYTHON_FIXTURES.zstdPythonUnsizedChecksumA), TEXT_A);
decodes('zstd', 'two concatenated libzstd frames', hex(PYTHON_FIXTURES.zstdTwoFrames), 'frame one;frame two');

// Raw snappy built by hand from format_description.txt.
// Preamble 12; literal tag (4-1)<<2 'abcd'; copy-1 tag (len 8-4)<<2|1, offset 4.
decodes('snappy', 'a hand-built literal and copy-1', hex('0c', '0c', ascii('abcd'), '11 04'), 'abcdabcdabcd');
// Preamble 66; literal 'ab'; copy-2 tag (64-1)<<2|2 with offset 2 (LE16): overlapping copy.
decodes('snappy', 'a hand-built overlapping copy-2', hex('42', '04', ascii('ab'), 'fe 0200'), 'ab'.repeat(33));
// Empty input compresses to a lone zero-length preamble.
decodes('snappy', 'an empty raw block', hex('00'), '');

// snappy-java (xerial) framing, as the Java producer writes it: magic, version 1, compatible 1,
// then [int32 BE length, raw snappy block] per chunk.
const XERIAL_HEADER = '82534e4150505900 00000001 00000001';
decodes('snappy', 'hand-built xerial framing with two chunks', hex(XERIAL_HEADER, '00000008', '0c0c', ascii('abcd'), '1104', '00000005', '0308', ascii('xyz')), 'abcdabcdabcdxyz');
decodes(
  'snappy',
  'xerial framing around python-snappy output',
  hex(XERIAL_HEADER, (PYTHON_FIXTURES.snappyPythonB.length / 2).toString(16).padStart(8, '0'), PYTHON_FIXTURES.snappyPythonB),
  TEXT_B,
);
decodes('snappy', 'xerial framing with no chunks', hex(XERIAL_HEADER), '');

// LZ4 frames built by hand from lz4_Frame_format.md: magic, FLG 0x60 (version 1, independent
// blocks), BD 0x40 (64 KiB), header checksum 0x82 (xxh32 of FLG BD >> 8), blocks, end mark.
const LZ4_HEADER = '04224d18 60 40 82';
// An uncompressed block (high bit of the size set), as Kafka's Java producer writes for incompressible data.
decodes('lz4', 'a hand-built frame with an uncompressed block', hex(LZ4_HEADER, '05000080', ascii('hello'), '00000000'), 'hello');
// One compressed block: token 0x44 (4 literals, match 4+4), 'abcd', offset 4; token 0x50 and 5 final literals.
decodes('lz4', 'a hand-built compressed block', hex(LZ4_HEADER, '0d000000', '44', ascii('abcd'), '0400', '50', ascii('XYZWV'), '00000000'), 'abcdabcdabcdXYZWV');
// A skippable frame (magic 0x184d2a5a, 3 bytes) before it, and two frames back to back.
decodes('lz4', 'a skippable frame then a frame', hex('5a2a4d18 03000000 aabbcc', LZ4_HEADER, '05000080', ascii('hello'), '00000000'), 'hello');
decodes('lz4', 'two frames back to back', hex(LZ4_HEADER, '02000080', ascii('he'), '00000000', LZ4_HEADER, '03000080', ascii('llo'), '00000000'), 'hello');
// No blocks at all: what an empty input compresses to.
decodes('lz4', 'a frame with no blocks', hex(LZ4_HEADER, '00000000'), '');

// zstd frames built by hand from RFC 8878.
// Single_Segment, 1-byte content size 5, one last raw block of 5 bytes (header 5<<3 | raw<<1 | last).
decodes('zstd', 'a hand-built single-segment raw block', hex('28b52ffd', '20', '05', '290000', ascii('hello')), 'hello');
// 2-byte content size 1000 (stored as 1000-256 = 0x02e8), one last RLE block of 1000 'a'.
decodes('zstd', 'a hand-built RLE block with a 2-byte content size', hex('28b52ffd', '60', 'e802', '431f00', '61'), 'a'.repeat(1000));
// No content size, window descriptor 0 (1 KiB window): as streaming producers write.
decodes('zstd', 'a hand-built frame without content size', hex('28b52ffd', '00', '00', '290000', ascii('hello')), 'hello');
// A skippable frame (magic 0x184d2a50) before the data frame.
decodes('zstd', 'a skippable frame then a frame', hex('502a4d18 02000000 ffff', '28b52ffd', '20', '05', '290000', ascii('hello')), 'hello');

test('readZstdContentSize reads every Frame_Content_Size form', (t) => {
  t.is(readZstdContentSize(hex('28b52ffd 20 05')), 5);
  t.is(readZstdContentSize(hex('28b52ffd 60 e802')), 1000);
  t.is(readZstdContentSize(hex('28b52ffd a0 00004006')), 100 * 1024 * 1024);
  t.is(readZstdContentSize(hex('28b52ffd e0 0000000001000000')), 2 ** 32);
  // Not single-segment: a window descriptor byte comes first; dictionary ids shift the field.
  t.is(readZstdContentSize(hex('28b52ffd 80 38 00004006')), 100 * 1024 * 1024);
  t.is(readZstdContentSize(hex('28b52ffd 81 38 07 00004006')), 100 * 1024 * 1024);
  t.is(readZstdContentSize(hex('28b52ffd 23 01020304 05')), 5);
  t.is(readZstdContentSize(hex('28b52ffd 00 00')), undefined);
  t.is(readZstdContentSize(hex('502a4d18 00000000')), undefined);
  t.is(readZstdContentSize(hex(PYTHON_FIXTURES.zstdPythonSizedB)), TEXT_B.length);
  t.is(readZstdContentSize(hex(PYTHON_FIXTURES.zstdPythonUnsizedChecksumA)), undefined);
});

test('scanLz4Frames measures frames without decoding them', (t) => {
  const linked = scanLz4Frames(hex(PYTHON_FIXTURES.lz4PythonLinkedA), CAP);
  t.is(linked.frames.length, 1);
  t.is(linked.decodedBytes, TEXT_A.length);
  t.is(linked.frames[0]?.end, PYTHON_FIXTURES.lz4PythonLinkedA.length / 2);
  const two = scanLz4Frames(hex(LZ4_HEADER, '02000080', ascii('he'), '00000000', LZ4_HEADER, '03000080', ascii('llo'), '00000000'), CAP);
  t.deepEqual(two.frames, [
    { start: 0, end: 17, decodedBytes: 2 },
    { start: 17, end: 35, decodedBytes: 3 },
  ]);
});
