import test from 'ava';
import { timestampWindow, validateAppend } from '../../../../core/log/append-validator.ts';
import { DEFAULT_LOG_CONFIG, LogErrorCode } from '../../../../core/log/index.ts';
import { recompress } from '../../../../core/log/recompress.ts';
import { CompressionCodec, checkBatch, codecFromAttributes, decodeRecordBatch } from '../../../../core/records/index.ts';
import { testBatch } from '../../../helpers/batches.ts';
import { throwsCode } from '../../../helpers/throws-code.ts';

const spec = { count: 4, value: (i: number) => `value-${i}-${'r'.repeat(100)}` };

function recordsOf(bytes: Buffer): [bigint, bigint, string | undefined][] {
  return decodeRecordBatch(bytes).records.map((r) => [r.offset, r.timestamp, r.value?.toString()]);
}

test('recompress rewrites every batch into the topic codec, records and header identity unchanged', async (t) => {
  const idempotent = testBatch({ ...spec, options: { producerId: 7n, producerEpoch: 2, baseSequence: 11, compression: CompressionCodec.lz4 } });
  const out = recompress(Buffer.from(idempotent), 'zstd');
  t.true(checkBatch(out, 0, out.length).ok, 'a valid batch with a correct CRC');
  t.is(codecFromAttributes(out.readInt16BE(21)), CompressionCodec.zstd);
  t.deepEqual(recordsOf(out), recordsOf(idempotent));
  const before = decodeRecordBatch(idempotent).header;
  t.like(decodeRecordBatch(out).header, { producerId: 7n, producerEpoch: 2, baseSequence: 11, lastOffsetDelta: before.lastOffsetDelta, maxTimestamp: before.maxTimestamp });

  const two = Buffer.concat([testBatch(spec), testBatch({ ...spec, options: { compression: CompressionCodec.gzip } })]);
  const plain = recompress(two, 'uncompressed');
  t.deepEqual(validateAppend(plain, 'client', 1_000_000).map((b) => codecFromAttributes(plain.readInt16BE(b.position + 21))), [CompressionCodec.none, CompressionCodec.none]);
});

test('recompress leaves bytes alone when the codec already fits, for producer, and when they are broken', async (t) => {
  const gzip = testBatch({ ...spec, options: { compression: CompressionCodec.gzip } });
  t.is(recompress(gzip, 'gzip'), gzip);
  t.is(recompress(gzip, 'producer'), gzip);
  const damaged = Buffer.from(gzip);
  damaged.writeUInt8(damaged.readUInt8(damaged.length - 1) ^ 0xff, damaged.length - 1);
  t.is(recompress(damaged, 'zstd'), damaged, 'the validator then refuses it with the reason');
  throwsCode(t, () => validateAppend(recompress(damaged, 'zstd'), 'client', 1_000_000), LogErrorCode.CORRUPT_BATCH);
});

test('the timestamp window applies to CreateTime topics that set a bound, record by record', async (t) => {
  const now = 1_700_000_000_000;
  t.is(timestampWindow(DEFAULT_LOG_CONFIG, now), undefined, 'Kafka’s defaults bound nothing');
  t.is(timestampWindow({ ...DEFAULT_LOG_CONFIG, messageTimestampType: 'LogAppendTime', messageTimestampBeforeMaxMs: 0 }, now), undefined);
  const window = timestampWindow({ ...DEFAULT_LOG_CONFIG, messageTimestampBeforeMaxMs: 1000, messageTimestampAfterMaxMs: 10 }, now);
  t.deepEqual(window, { earliest: BigInt(now - 1000), latest: BigInt(now + 10) });
  const at = (...offsets: number[]): Buffer => testBatch({ count: offsets.length, timestamp: (i) => BigInt(now + offsets[i]!) });
  t.notThrows(() => validateAppend(at(-1000, 0, 10), 'client', 1_000_000, window));
  const error = t.throws(() => validateAppend(at(0, -1001), 'client', 1_000_000, window));
  t.is((error as { code?: string } | undefined)?.code, LogErrorCode.INVALID_TIMESTAMP);
  t.is(error.message, `Timestamp ${now - 1001} of message with offset 1 is out of range. The timestamp should be within [${now - 1000}, ${now + 10}]`);
  throwsCode(t, () => validateAppend(at(11), 'client', 1_000_000, window), LogErrorCode.INVALID_TIMESTAMP);
  t.notThrows(() => validateAppend(at(-5000), 'internal', 1_000_000), 'internal appends carry no window');
});
