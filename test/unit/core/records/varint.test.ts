import test from 'ava';
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { BrookError } from '../../../../core/base/index.ts';
import { RecordsError, RecordsErrorCode } from '../../../../core/records/errors.ts';
import { ByteCursor, varintSize, varlongSize, writeVarint, writeVarlong } from '../../../../core/records/varint.ts';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Zigzag + LEB128 straight from the definition, in BigInt, as an independent oracle. */
function referenceVarlong(value: bigint): Buffer {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

function encodeVarint(value: number): Buffer {
  const buf = Buffer.alloc(5);
  return buf.subarray(0, writeVarint(buf, 0, value));
}

function encodeVarlong(value: bigint): Buffer {
  const buf = Buffer.alloc(10);
  return buf.subarray(0, writeVarlong(buf, 0, value));
}

function cursorOf(...bytes: number[]): ByteCursor {
  return new ByteCursor(Buffer.from(bytes));
}

function assertCorrupt(t: ExecutionContext, fn: () => unknown, message?: RegExp): void {
  const error = t.throws(fn, { instanceOf: RecordsError });
  t.is(error.code, RecordsErrorCode.CORRUPT_BATCH);
  t.is(error.code, 'ERR_RECORDS_CORRUPT_BATCH');
  t.true(error instanceof BrookError);
  if (message !== undefined) t.regex(error.message, message);
}

// Kafka's ByteUtilsTest.testVarintSerde / testVarlongSerde (apache/kafka clients/src/test/.../ByteUtilsTest.java).
const varintVectors: readonly [number, number[]][] = [
  [0, [0x00]],
  [-1, [0x01]],
  [1, [0x02]],
  [63, [0x7e]],
  [-64, [0x7f]],
  [64, [0x80, 0x01]],
  [-65, [0x81, 0x01]],
  [8191, [0xfe, 0x7f]],
  [-8192, [0xff, 0x7f]],
  [8192, [0x80, 0x80, 0x01]],
  [-8193, [0x81, 0x80, 0x01]],
  [1048575, [0xfe, 0xff, 0x7f]],
  [-1048576, [0xff, 0xff, 0x7f]],
  [1048576, [0x80, 0x80, 0x80, 0x01]],
  [-1048577, [0x81, 0x80, 0x80, 0x01]],
  [134217727, [0xfe, 0xff, 0xff, 0x7f]],
  [-134217728, [0xff, 0xff, 0xff, 0x7f]],
  [134217728, [0x80, 0x80, 0x80, 0x80, 0x01]],
  [-134217729, [0x81, 0x80, 0x80, 0x80, 0x01]],
  [INT32_MAX, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
  [INT32_MIN, [0xff, 0xff, 0xff, 0xff, 0x0f]],
];

const varlongVectors: readonly [bigint, number[]][] = [
  ...varintVectors.map(([v, bytes]): [bigint, number[]] => [BigInt(v), bytes]),
  [17179869183n, [0xfe, 0xff, 0xff, 0xff, 0x7f]],
  [-17179869184n, [0xff, 0xff, 0xff, 0xff, 0x7f]],
  [17179869184n, [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [-17179869185n, [0x81, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [2199023255551n, [0xfe, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [-2199023255552n, [0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [2199023255552n, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [-2199023255553n, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [281474976710655n, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [-281474976710656n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [281474976710656n, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [-281474976710657n, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [36028797018963967n, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [-36028797018963968n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [36028797018963968n, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [-36028797018963969n, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [4611686018427387903n, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [-4611686018427387904n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [4611686018427387904n, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [-4611686018427387905n, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  // 2^53 + 1 is not representable as a double: the BigInt path must not round through Number.
  [9007199254740993n, [0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]],
  [-9007199254740993n, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]],
  // The boundaries of writeVarlong's 31-bit fast path.
  [0x3fffffffn, [0xfe, 0xff, 0xff, 0xff, 0x07]],
  [-0x40000000n, [0xff, 0xff, 0xff, 0xff, 0x07]],
  [0x40000000n, [0x80, 0x80, 0x80, 0x80, 0x08]],
  [-0x40000001n, [0x81, 0x80, 0x80, 0x80, 0x08]],
  [INT64_MAX, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  [INT64_MIN, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
];

for (const [value, bytes] of varintVectors) {
  test(`varint ${value} ⇄ ${Buffer.from(bytes).toString('hex')}`, (t) => {
    t.deepEqual([...encodeVarint(value)], bytes);
    t.is(varintSize(value), bytes.length);
    const cursor = cursorOf(...bytes);
    t.is(cursor.varint(), value);
    t.is(cursor.pos, bytes.length);
  });
}

for (const [value, bytes] of varlongVectors) {
  test(`varlong ${value} ⇄ ${Buffer.from(bytes).toString('hex')}`, (t) => {
    t.deepEqual([...referenceVarlong(value)], bytes, 'the vector agrees with the oracle');
    t.deepEqual([...encodeVarlong(value)], bytes);
    t.is(varlongSize(value), bytes.length);
    const cursor = cursorOf(...bytes);
    t.is(cursor.varlong(), value);
    t.is(cursor.pos, bytes.length);
  });
}

test('writeVarint/writeVarlong return the position after the value and leave the rest of the buffer alone', (t) => {
  const buf = Buffer.alloc(16, 0xee);
  t.is(writeVarint(buf, 3, 300), 5);
  t.deepEqual([...buf.subarray(0, 7)], [0xee, 0xee, 0xee, 0xd8, 0x04, 0xee, 0xee]);
  t.is(writeVarlong(buf, 6, INT64_MIN), 16);
  t.is(buf[5], 0xee);
  t.is(buf[2], 0xee);
});

test('varlong out of int64 range is a RangeError, not a silent wrap', (t) => {
  const buf = Buffer.alloc(16);
  t.throws(() => writeVarlong(buf, 0, INT64_MAX + 1n), { instanceOf: RangeError });
  t.throws(() => writeVarlong(buf, 0, INT64_MIN - 1n), { instanceOf: RangeError });
  t.throws(() => varlongSize(INT64_MAX + 1n), { instanceOf: RangeError });
});

test('a varint with the 5th byte high bits set decodes like Kafka (bits past 32 dropped)', (t) => {
  // Kafka's readVarint accumulates into an int: 0x7f << 28 keeps only the low 4 bits.
  t.is(cursorOf(0xff, 0xff, 0xff, 0xff, 0x7f).varint(), INT32_MIN);
  t.is(cursorOf(0xfe, 0xff, 0xff, 0xff, 0x7f).varint(), INT32_MAX);
});

test('ByteCursor: truncated varints are corrupt', (t) => {
  assertCorrupt(t, () => cursorOf().varint(), /truncated varint/);
  assertCorrupt(t, () => cursorOf(0x80).varint(), /truncated varint/);
  assertCorrupt(t, () => cursorOf(0x80, 0x80, 0x80, 0x80).varint(), /truncated varint/);
});

test('ByteCursor: truncated varlongs are corrupt, in the short and the long path', (t) => {
  assertCorrupt(t, () => cursorOf().varlong(), /truncated varlong/);
  assertCorrupt(t, () => cursorOf(0x80, 0x80).varlong(), /truncated varlong/);
  assertCorrupt(t, () => cursorOf(0x80, 0x80, 0x80, 0x80, 0x80).varlong(), /truncated varlong/);
  assertCorrupt(t, () => cursorOf(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80).varlong(), /truncated varlong/);
});

test('ByteCursor: a 6-byte varint is corrupt even when more bytes follow', (t) => {
  // Kafka's ByteUtilsTest.testInvalidVarint.
  assertCorrupt(t, () => cursorOf(0xff, 0xff, 0xff, 0xff, 0xff, 0x01).varint(), /longer than 5 bytes/);
  assertCorrupt(t, () => cursorOf(0x80, 0x80, 0x80, 0x80, 0x80, 0x01).varint(), /longer than 5 bytes/);
  assertCorrupt(t, () => cursorOf(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00).varint(), /longer than 5 bytes/);
});

test('ByteCursor: an 11-byte varlong is corrupt even when more bytes follow', (t) => {
  // Kafka's ByteUtilsTest.testInvalidVarlong.
  assertCorrupt(t, () => cursorOf(...new Array<number>(10).fill(0xff), 0x01).varlong(), /longer than 10 bytes/);
  assertCorrupt(t, () => cursorOf(...new Array<number>(10).fill(0x80), 0x01).varlong(), /longer than 10 bytes/);
  assertCorrupt(t, () => cursorOf(...new Array<number>(12).fill(0xff), 0x00).varlong(), /longer than 10 bytes/);
});

test('ByteCursor: a 10-byte varlong is accepted', (t) => {
  t.is(cursorOf(...new Array<number>(9).fill(0x80), 0x01).varlong(), 1n << 62n);
});

test('ByteCursor: reads stop at `end`, not at the end of the buffer', (t) => {
  const buf = Buffer.from([0x02, 0x80, 0x01, 0x00, 0x01]);
  const cursor = new ByteCursor(buf, 1, 2);
  assertCorrupt(t, () => cursor.varint(), /truncated varint/);
  const bytesCursor = new ByteCursor(buf, 0, 3);
  assertCorrupt(t, () => bytesCursor.bytes(4), /exceeds/);
  t.is(bytesCursor.remaining(), 3);
  assertCorrupt(t, () => new ByteCursor(buf, 4, 4).int8(), /truncated int8/);
  assertCorrupt(t, () => new ByteCursor(buf, 3, 4).int16(), /truncated int16/);
});

test('ByteCursor: int8 and int16 are signed big-endian', (t) => {
  const cursor = cursorOf(0xff, 0x80, 0x01, 0x7f);
  t.is(cursor.int8(), -1);
  t.is(cursor.int16(), -32767);
  t.is(cursor.int8(), 127);
  t.is(cursor.remaining(), 0);
});

test('ByteCursor.bytes: -1 is null, 0 is empty, exact remaining is fine, views share memory', (t) => {
  const buf = Buffer.from([1, 2, 3]);
  const cursor = new ByteCursor(buf);
  t.is(cursor.bytes(-1), null);
  t.is(cursor.pos, 0);
  t.deepEqual(cursor.bytes(0), Buffer.alloc(0));
  const view = cursor.bytes(3);
  t.deepEqual(view, Buffer.from([1, 2, 3]));
  t.is(view?.buffer, buf.buffer);
  t.is(cursor.remaining(), 0);
});

test('ByteCursor.bytes: lengths below -1 are corrupt', (t) => {
  for (const length of [-2, -3, -64, INT32_MIN]) {
    assertCorrupt(t, () => new ByteCursor(Buffer.alloc(8)).bytes(length), /negative length/);
  }
});

test('ByteCursor.bytes: lengths beyond the remaining bytes are corrupt and move nothing', (t) => {
  const cursor = new ByteCursor(Buffer.alloc(8), 5);
  for (const length of [4, 1000, INT32_MAX]) {
    assertCorrupt(t, () => cursor.bytes(length), /exceeds the 3 bytes left/);
    t.is(cursor.pos, 5);
  }
});

test('property: varint round-trips every int32, with the oracle bytes and the right size', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(fc.integer({ min: INT32_MIN, max: INT32_MAX }), (value) => {
        const bytes = encodeVarint(value);
        const cursor = new ByteCursor(bytes);
        return (
          bytes.equals(referenceVarlong(BigInt(value))) &&
          varintSize(value) === bytes.length &&
          cursor.varint() === value &&
          cursor.remaining() === 0
        );
      }),
      { numRuns: 500 },
    );
  });
});

test('property: varlong round-trips every int64, with the oracle bytes and the right size', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), fc.bigInt({ min: -(1n << 40n), max: 1n << 40n })), (value) => {
        const bytes = encodeVarlong(value);
        const cursor = new ByteCursor(bytes);
        return (
          bytes.equals(referenceVarlong(value)) &&
          varlongSize(value) === bytes.length &&
          cursor.varlong() === value &&
          cursor.remaining() === 0
        );
      }),
      { numRuns: 500 },
    );
  });
});

test('property: every strict prefix of an encoded varlong is rejected as truncated', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (value) => {
        const bytes = encodeVarlong(value);
        for (let len = 0; len < bytes.length; len++) {
          try {
            new ByteCursor(bytes.subarray(0, len)).varlong();
            return false;
          } catch (error) {
            if (!(error instanceof RecordsError) || error.code !== RecordsErrorCode.CORRUPT_BATCH) throw error;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
