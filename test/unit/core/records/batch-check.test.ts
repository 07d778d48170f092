import test from 'ava';
import type { ExecutionContext } from 'ava';
import {
  BatchLayout,
  RecordsError,
  RecordsErrorCode,
  checkBatch,
  computeBatchCrc,
  decodeRecordBatch,
  encodeRecordBatch,
} from '../../../../core/records/index.ts';
import type { BatchCheck, BatchProblem } from '../../../../core/records/index.ts';
import { reseal } from './batch-fixtures.ts';

function sampleBatch(): Buffer {
  return encodeRecordBatch(
    [
      { timestamp: 1_700_000_000_000n, key: Buffer.from('k1'), value: Buffer.from('value one') },
      { timestamp: 1_700_000_000_005n, key: null, value: Buffer.from('value two'), headers: [{ key: 'h', value: Buffer.from('x') }] },
    ],
    { baseOffset: 0n },
  );
}

function problemOf(check: BatchCheck): BatchProblem | 'ok' {
  return check.ok ? 'ok' : check.problem;
}

function assertDecodeFails(t: ExecutionContext, bytes: Buffer, code: RecordsErrorCode): void {
  const error = t.throws(() => decodeRecordBatch(bytes), { instanceOf: RecordsError });
  t.is(error.code, code);
}

test('a freshly encoded batch passes, and size is the whole batch', (t) => {
  const batch = sampleBatch();
  t.deepEqual(checkBatch(batch, 0), { ok: true, size: batch.length });
  t.is(batch.readInt32BE(BatchLayout.BATCH_LENGTH), batch.length - 12);
});

test('a batch in the middle of a buffer is checked at its position, ignoring what follows', (t) => {
  const batch = sampleBatch();
  const buf = Buffer.concat([Buffer.alloc(7, 0xab), batch, Buffer.alloc(30, 0xcd)]);
  t.deepEqual(checkBatch(buf, 7), { ok: true, size: batch.length });
  t.deepEqual(checkBatch(buf, 7, 7 + batch.length), { ok: true, size: batch.length });
});

test('`end` bounds the bytes considered present: a batch past it is torn', (t) => {
  const batch = sampleBatch();
  const buf = Buffer.concat([batch, Buffer.alloc(100)]);
  const check = checkBatch(buf, 0, batch.length - 1);
  t.is(problemOf(check), 'torn');
});

test('every truncation of a batch is torn, never corrupt or crc', (t) => {
  const batch = sampleBatch();
  for (let len = 0; len < batch.length; len++) {
    t.is(problemOf(checkBatch(batch.subarray(0, len), 0)), 'torn', `truncated to ${len} bytes`);
  }
});

test('zero bytes at the end of a buffer are torn (position == end)', (t) => {
  const batch = sampleBatch();
  t.is(problemOf(checkBatch(batch, batch.length)), 'torn');
});

for (const batchLength of [48, 12, 0, -1, -12, -0x80000000]) {
  test(`batchLength ${batchLength} (below the minimum 49) is corrupt`, (t) => {
    const batch = sampleBatch();
    batch.writeInt32BE(batchLength, BatchLayout.BATCH_LENGTH);
    const check = checkBatch(batch, 0);
    t.is(problemOf(check), 'corrupt');
    if (!check.ok) t.regex(check.reason, /below the minimum/);
    assertDecodeFails(t, batch, RecordsErrorCode.CORRUPT_BATCH);
  });
}

test('batchLength exactly 49 (a header, no records) is a valid shape', (t) => {
  const empty = encodeRecordBatch([], { baseTimestamp: 5n, maxTimestamp: 5n });
  t.is(empty.length, BatchLayout.HEADER_SIZE);
  t.is(empty.readInt32BE(BatchLayout.BATCH_LENGTH), 49);
  t.deepEqual(checkBatch(empty, 0), { ok: true, size: 61 });
});

for (const magic of [0, 1, 3, -1]) {
  test(`magic ${magic} is corrupt (only v2 is supported)`, (t) => {
    const batch = sampleBatch();
    batch.writeInt8(magic, BatchLayout.MAGIC);
    const check = checkBatch(batch, 0);
    t.is(problemOf(check), 'corrupt');
    if (!check.ok) t.regex(check.reason, /magic/);
    t.throws(() => decodeRecordBatch(batch), { instanceOf: RecordsError });
  });
}

test('a real magic 1 message set entry (Kafka 0.10 format) is rejected as corrupt', (t) => {
  // offset int64, size int32, crc int32, magic 1, attributes 0, timestamp int64, key -1, value bytes.
  const value = Buffer.alloc(64, 0x61);
  const entry = Buffer.alloc(8 + 4 + 4 + 1 + 1 + 8 + 4 + 4 + value.length);
  entry.writeBigInt64BE(0n, 0);
  entry.writeInt32BE(entry.length - 12, 8);
  entry.writeUInt32BE(0xdeadbeef, 12);
  entry.writeInt8(1, 16);
  entry.writeInt8(0, 17);
  entry.writeBigInt64BE(1_700_000_000_000n, 18);
  entry.writeInt32BE(-1, 26);
  entry.writeInt32BE(value.length, 30);
  value.copy(entry, 34);
  t.is(problemOf(checkBatch(entry, 0)), 'corrupt');
  t.throws(() => decodeRecordBatch(entry), { instanceOf: RecordsError });
});

test('a small magic 0 message (shorter than a v2 header) is corrupt, not torn', (t) => {
  // offset, size 14, crc, magic 0, attributes, key -1, value -1: 26 bytes in all.
  const entry = Buffer.alloc(26);
  entry.writeInt32BE(14, 8);
  entry.writeInt32BE(-1, 18);
  entry.writeInt32BE(-1, 22);
  t.is(problemOf(checkBatch(entry, 0)), 'corrupt');
});

test('negative lastOffsetDelta is corrupt even with a matching CRC', (t) => {
  const batch = sampleBatch();
  batch.writeInt32BE(-1, BatchLayout.LAST_OFFSET_DELTA);
  reseal(batch);
  const check = checkBatch(batch, 0);
  t.is(problemOf(check), 'corrupt');
  if (!check.ok) t.regex(check.reason, /lastOffsetDelta -1/);
  assertDecodeFails(t, batch, RecordsErrorCode.CORRUPT_BATCH);
});

test('negative recordsCount is corrupt even with a matching CRC', (t) => {
  const batch = sampleBatch();
  batch.writeInt32BE(-2, BatchLayout.RECORDS_COUNT);
  reseal(batch);
  t.is(problemOf(checkBatch(batch, 0)), 'corrupt');
  assertDecodeFails(t, batch, RecordsErrorCode.CORRUPT_BATCH);
});

test('a batch larger than maxBatchSize is corrupt; exactly maxBatchSize passes', (t) => {
  const batch = sampleBatch();
  t.is(problemOf(checkBatch(batch, 0, batch.length, { maxBatchSize: batch.length - 1 })), 'corrupt');
  t.deepEqual(checkBatch(batch, 0, batch.length, { maxBatchSize: batch.length }), { ok: true, size: batch.length });
});

test('a huge batchLength in a short buffer is torn, and does not read past the buffer', (t) => {
  const batch = sampleBatch();
  batch.writeInt32BE(0x7fffffff - 12, BatchLayout.BATCH_LENGTH);
  t.is(problemOf(checkBatch(batch, 0)), 'torn');
});

test('a wrong CRC is problem crc; decode reports ERR_RECORDS_CRC_MISMATCH', (t) => {
  const batch = sampleBatch();
  batch.writeUInt32BE((batch.readUInt32BE(BatchLayout.CRC) ^ 1) >>> 0, BatchLayout.CRC);
  const check = checkBatch(batch, 0);
  t.is(problemOf(check), 'crc');
  assertDecodeFails(t, batch, RecordsErrorCode.CRC_MISMATCH);
});

test('a changed byte in the records is problem crc', (t) => {
  const batch = sampleBatch();
  batch[batch.length - 3]! ^= 0x40;
  t.is(problemOf(checkBatch(batch, 0)), 'crc');
});

test('verifyCrc: false skips only the checksum, not the structure', (t) => {
  const batch = sampleBatch();
  batch.writeUInt32BE(0, BatchLayout.CRC);
  t.deepEqual(checkBatch(batch, 0, batch.length, { verifyCrc: false }), { ok: true, size: batch.length });
  t.is(decodeRecordBatch(batch, 0, { verifyCrc: false }).records.length, 2);
  batch.writeInt8(1, BatchLayout.MAGIC);
  t.is(problemOf(checkBatch(batch, 0, batch.length, { verifyCrc: false })), 'corrupt');
});

test('baseOffset and partitionLeaderEpoch lie outside the CRC', (t) => {
  const batch = sampleBatch();
  const crc = computeBatchCrc(batch);
  batch.writeBigInt64BE(123456789n, BatchLayout.BASE_OFFSET);
  batch.writeInt32BE(77, BatchLayout.PARTITION_LEADER_EPOCH);
  t.is(computeBatchCrc(batch), crc);
  t.true(checkBatch(batch, 0).ok);
});

test('every header field from attributes on is covered by the CRC', (t) => {
  for (let offset: number = BatchLayout.ATTRIBUTES; offset < BatchLayout.HEADER_SIZE; offset++) {
    const batch = sampleBatch();
    batch[offset]! ^= 0x01;
    t.not(problemOf(checkBatch(batch, 0)), 'ok', `byte ${offset}`);
  }
});
