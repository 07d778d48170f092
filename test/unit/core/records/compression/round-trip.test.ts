import { randomBytes } from 'node:crypto';
import test from 'ava';
import { CompressionCodec, compress, decompress } from '../../../../../core/records/compression/index.ts';
import type { CompressionName } from '../../../../../core/records/compression/index.ts';

const MiB = 1024 * 1024;
const CODECS: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const INPUTS: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  tiny: Buffer.from('k'),
  'random 1 MiB': randomBytes(MiB),
  'compressible 1 MiB': Buffer.from('{"key":"user-42","value":"clicked"}\n'.repeat(MiB / 36 + 1)).subarray(0, MiB),
  'zeros 1 MiB': Buffer.alloc(MiB),
};

for (const name of CODECS) {
  for (const [label, input] of Object.entries(INPUTS)) {
    test(`${name} round-trips ${label}`, (t) => {
      const packed = compress(CompressionCodec[name], input);
      const unpacked = decompress(CompressionCodec[name], packed, input.length);
      t.true(unpacked.equals(input));
      if (name !== 'none' && label !== 'random 1 MiB' && input.length >= MiB) {
        t.true(packed.length < input.length / 4, `${name} should shrink ${label}`);
      }
    });
  }

  test(`${name} accepts a plain Uint8Array view at an offset`, (t) => {
    const backing = new Uint8Array(4096);
    backing.fill(7, 100, 1100);
    const view = backing.subarray(100, 1100);
    const packed = compress(CompressionCodec[name], view);
    const copy = new Uint8Array(packed.length + 3);
    copy.set(packed, 3);
    t.deepEqual(new Uint8Array(decompress(CompressionCodec[name], copy.subarray(3), 1000)), view);
  });

  test(`${name} decodes output exactly at the cap`, (t) => {
    const input = Buffer.alloc(100_000, 0x61);
    t.is(decompress(CompressionCodec[name], compress(CompressionCodec[name], input), 100_000).length, 100_000);
  });
}

test('snappy compresses to raw snappy, not snappy-java framing', (t) => {
  const packed = compress(CompressionCodec.snappy, Buffer.from('hello hello hello hello'));
  // Raw snappy opens with the uncompressed length varint (23).
  t.is(packed[0], 23);
});

test('lz4 compresses to a frame that the Java client accepts', (t) => {
  for (const input of [Buffer.alloc(0), Buffer.from('x'), randomBytes(300_000)]) {
    const packed = compress(CompressionCodec.lz4, input);
    t.is(packed.readUInt32LE(0), 0x184d2204);
    const flg = packed[4] ?? 0;
    t.is(flg >>> 6, 1, 'version 01');
    t.truthy(flg & 0x20, 'independent blocks: Kafka\'s Lz4BlockInputStream rejects linked ones');
    t.falsy(flg & 0x10, 'no block checksums');
    t.falsy(flg & 0x01, 'no dictionary');
    t.is((packed[5] ?? 0) & 0x8f, 0, 'reserved BD bits clear');
    t.is(packed.readUInt32LE(packed.length - 4), 0, 'ends with the end mark');
  }
});

test('zstd compresses to a single frame that records its content size', (t) => {
  const packed = compress(CompressionCodec.zstd, Buffer.from('hello'));
  t.is(packed.toString('hex'), '28b52ffd2005290000' + Buffer.from('hello').toString('hex'));
});
