import { gzipSync } from 'node:zlib';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import {
  Attributes,
  BatchLayout,
  CompressionCodec,
  RecordsError,
  RecordsErrorCode,
  TimestampType,
  batchSizeAt,
  checkBatch,
  computeBatchCrc,
  crc32cJs,
  decodeRecordBatch,
  encodeRecordBatch,
  isTransactionalBatch,
  iterateBatches,
  lastOffsetOf,
  readBatchHeader,
  stampBatch,
} from '../../../../core/records/index.ts';
import type { BatchOptions, Record as BrookRecord, RecordHeader, RecordInput } from '../../../../core/records/index.ts';
import { CORRUPT, batchAround, fields, rawRecord, recordBody, reseal } from './batch-fixtures.ts';
import { KafkajsCompression, kafkajsDecodeBatch, kafkajsEncodeBatch } from './kafkajs-reference.ts';
import type { KafkajsDecodedBatch, ReferenceRecord } from './kafkajs-reference.ts';

const T0 = 1_700_000_000_000n;
const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

function assertThrowsCode(t: ExecutionContext, fn: () => unknown, code: RecordsErrorCode, message?: RegExp): void {
  const error = t.throws(fn, { instanceOf: RecordsError });
  t.is(error.code, code);
  if (message !== undefined) t.regex(error.message, message);
}

/** What a decoded record should look like, given the input and the batch's base offset. */
function expected(inputs: readonly RecordInput[], baseOffset: bigint): BrookRecord[] {
  return inputs.map((r, i) => ({
    offset: baseOffset + BigInt(r.offsetDelta ?? i),
    timestamp: r.timestamp,
    key: r.key == null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) })),
  }));
}

// ---------------------------------------------------------------------------------------------
// Byte layout, checked by hand.

test('a one-record batch has exactly the bytes of Kafka record batch v2', (t) => {
  const bytes = encodeRecordBatch([{ timestamp: 1000n, key: buf('k'), value: buf('v') }]);
  // Record: length 8 (zigzag 0x10), attributes 0, timestampDelta 0, offsetDelta 0, key "k", value "v", 0 headers.
  const record = '10' + '00' + '00' + '00' + '026b' + '0276' + '00';
  const header =
    '0000000000000000' + // baseOffset
    '0000003a' + // batchLength = 70 - 12
    'ffffffff' + // partitionLeaderEpoch: none
    '02' + // magic
    'CRC-PLACEHOLDER' +
    '0000' + // attributes
    '00000000' + // lastOffsetDelta
    '00000000000003e8' + // baseTimestamp
    '00000000000003e8' + // maxTimestamp
    'ffffffffffffffff' + // producerId
    'ffff' + // producerEpoch
    'ffffffff' + // baseSequence
    '00000001'; // recordsCount
  const crc = crc32cJs(Buffer.from(header.split('CRC-PLACEHOLDER')[1]! + record, 'hex'));
  t.is(bytes.toString('hex'), header.replace('CRC-PLACEHOLDER', crc.toString(16).padStart(8, '0')) + record);
});

test('header fields land at their documented offsets', (t) => {
  const bytes = encodeRecordBatch(
    [
      { timestamp: T0 + 5n, value: buf('a') },
      { timestamp: T0, value: buf('b') },
      { timestamp: T0 + 9n, value: buf('c') },
    ],
    { baseOffset: 42n, partitionLeaderEpoch: 7, producerId: 99n, producerEpoch: 3, baseSequence: 11, transactional: true },
  );
  t.is(bytes.readBigInt64BE(0), 42n);
  t.is(bytes.readInt32BE(8), bytes.length - 12);
  t.is(bytes.readInt32BE(12), 7);
  t.is(bytes.readInt8(16), 2);
  t.is(bytes.readUInt32BE(17), crc32cJs(bytes.subarray(21)));
  t.is(bytes.readInt16BE(21), Attributes.TRANSACTIONAL);
  t.is(bytes.readInt32BE(23), 2);
  t.is(bytes.readBigInt64BE(27), T0 + 5n, 'baseTimestamp is the first record timestamp');
  t.is(bytes.readBigInt64BE(35), T0 + 9n, 'maxTimestamp is the largest');
  t.is(bytes.readBigInt64BE(43), 99n);
  t.is(bytes.readInt16BE(51), 3);
  t.is(bytes.readInt32BE(53), 11);
  t.is(bytes.readInt32BE(57), 3);
  t.deepEqual(readBatchHeader(bytes), {
    baseOffset: 42n,
    batchLength: bytes.length - 12,
    partitionLeaderEpoch: 7,
    magic: 2,
    crc: bytes.readUInt32BE(17),
    attributes: Attributes.TRANSACTIONAL,
    lastOffsetDelta: 2,
    baseTimestamp: T0 + 5n,
    maxTimestamp: T0 + 9n,
    producerId: 99n,
    producerEpoch: 3,
    baseSequence: 11,
    recordsCount: 3,
  });
  t.is(batchSizeAt(bytes), bytes.length);
  t.is(computeBatchCrc(bytes), bytes.readUInt32BE(17));
});

// ---------------------------------------------------------------------------------------------
// Cross-check against kafkajs 2.2.4's encoder and decoder.

interface CrossCase {
  name: string;
  records: ReferenceRecord[];
  /** Brook's header list for each record, in wire order (kafkajs groups values by key). */
  brookHeaders?: { key: string; value: Buffer }[][];
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
}

const bigValue = Buffer.alloc(100_000, 0x5a);
const crossCases: CrossCase[] = [
  {
    name: 'keys and values, consecutive timestamps',
    records: [
      { timestamp: T0, key: buf('key-1'), value: buf('value-1') },
      { timestamp: T0 + 1n, key: buf('key-2'), value: buf('value-2') },
      { timestamp: T0 + 2n, key: buf('key-3'), value: buf('value-3') },
    ],
  },
  {
    name: 'null keys, null values, empty key and empty value',
    records: [
      { timestamp: T0, key: null, value: buf('no key') },
      { timestamp: T0, key: buf('tombstone'), value: null },
      { timestamp: T0, key: null, value: null },
      { timestamp: T0, key: Buffer.alloc(0), value: Buffer.alloc(0) },
    ],
  },
  {
    name: 'headers: several, UTF-8 keys, repeated key, empty value',
    records: [
      {
        timestamp: T0,
        key: buf('k'),
        value: buf('v'),
        headers: { 'content-type': buf('application/json'), 'clé-ключ-🔑': buf('ünïcødé'), trace: [buf('a'), buf('b')], empty: Buffer.alloc(0) },
      },
      { timestamp: T0 + 3n, key: null, value: buf('v2'), headers: {} },
    ],
    brookHeaders: [
      [
        { key: 'content-type', value: buf('application/json') },
        { key: 'clé-ключ-🔑', value: buf('ünïcødé') },
        { key: 'trace', value: buf('a') },
        { key: 'trace', value: buf('b') },
        { key: 'empty', value: Buffer.alloc(0) },
      ],
      [],
    ],
  },
  {
    name: 'timestamps out of order (negative deltas) and far apart (varlong beyond 32 bits)',
    records: [
      { timestamp: T0, key: null, value: buf('first') },
      { timestamp: T0 - 1n, key: null, value: buf('one ms earlier') },
      { timestamp: T0 - 86_400_000n * 365n * 30n, key: null, value: buf('30 years earlier') },
      { timestamp: T0 + 86_400_000n * 365n * 100n, key: null, value: buf('100 years later') },
      { timestamp: 0n, key: null, value: buf('epoch') },
    ],
  },
  {
    name: 'idempotent producer: producerId, epoch, base sequence',
    records: [
      { timestamp: T0, key: buf('a'), value: buf('1') },
      { timestamp: T0 + 10n, key: buf('b'), value: buf('2') },
    ],
    producerId: 123_456_789_012n,
    producerEpoch: 7,
    baseSequence: 42,
  },
  {
    name: 'transactional batch',
    records: [{ timestamp: T0, key: buf('txn'), value: buf('in a transaction') }],
    producerId: 5000n,
    producerEpoch: 1,
    baseSequence: 0,
    transactional: true,
  },
  {
    name: 'broker-stamped baseOffset and partitionLeaderEpoch',
    records: [{ timestamp: T0, key: null, value: buf('x') }],
    baseOffset: 9_007_199_254_740_993n,
    partitionLeaderEpoch: 12,
  },
  {
    name: 'a 100 kB value and 300 records (multi-byte lengths and offset deltas)',
    records: [
      { timestamp: T0, key: buf('big'), value: bigValue },
      ...Array.from({ length: 299 }, (_, i): ReferenceRecord => ({ timestamp: T0 + BigInt(i), key: buf(`k${i}`), value: buf(`v${i}`.repeat(i % 7)) })),
    ],
  },
];

function maxTimestampOf(records: readonly ReferenceRecord[]): bigint {
  return records.reduce((max, r) => (r.timestamp > max ? r.timestamp : max), records[0]!.timestamp);
}

function brookInputs(c: CrossCase): RecordInput[] {
  return c.records.map((r, i) => ({
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
    headers: c.brookHeaders?.[i] ?? [],
  }));
}

function brookOptions(c: CrossCase, compression: CompressionCodec = CompressionCodec.none): BatchOptions {
  return {
    compression,
    baseOffset: c.baseOffset ?? 0n,
    partitionLeaderEpoch: c.partitionLeaderEpoch ?? 0,
    producerId: c.producerId ?? -1n,
    producerEpoch: c.producerEpoch ?? 0,
    baseSequence: c.baseSequence ?? 0,
    transactional: c.transactional ?? false,
  };
}

async function kafkajsBytes(c: CrossCase, compression: number = KafkajsCompression.none): Promise<Buffer> {
  return kafkajsEncodeBatch(c.records, {
    compression,
    baseOffset: c.baseOffset ?? 0n,
    baseTimestamp: c.records[0]!.timestamp,
    maxTimestamp: maxTimestampOf(c.records),
    partitionLeaderEpoch: c.partitionLeaderEpoch ?? 0,
    transactional: c.transactional ?? false,
    producerId: c.producerId ?? -1n,
    producerEpoch: c.producerEpoch ?? 0,
    baseSequence: c.baseSequence ?? 0,
  });
}

/** Brook's decoding of a batch, against the records kafkajs was given. */
function assertBrookDecodes(t: ExecutionContext, bytes: Buffer, c: CrossCase): void {
  t.deepEqual(checkBatch(bytes, 0), { ok: true, size: bytes.length });
  const { header, records } = decodeRecordBatch(bytes);
  const baseOffset = c.baseOffset ?? 0n;
  t.is(header.baseOffset, baseOffset);
  t.is(header.partitionLeaderEpoch, c.partitionLeaderEpoch ?? 0);
  t.is(header.lastOffsetDelta, c.records.length - 1);
  t.is(header.recordsCount, c.records.length);
  t.is(header.baseTimestamp, c.records[0]!.timestamp);
  t.is(header.maxTimestamp, maxTimestampOf(c.records));
  t.is(header.producerId, c.producerId ?? -1n);
  t.is(header.producerEpoch, c.producerEpoch ?? 0);
  t.is(header.baseSequence, c.baseSequence ?? 0);
  t.is(isTransactionalBatch(header.attributes), c.transactional ?? false);
  t.deepEqual(records, expected(brookInputs(c), baseOffset));
}

/** kafkajs's decoding of a batch, against the records it was built from. */
function assertKafkajsDecodes(t: ExecutionContext, decoded: KafkajsDecodedBatch, c: CrossCase): void {
  const baseOffset = c.baseOffset ?? 0n;
  t.is(decoded.firstOffset, String(baseOffset));
  t.is(decoded.partitionLeaderEpoch, c.partitionLeaderEpoch ?? 0);
  t.is(decoded.producerId, String(c.producerId ?? -1n));
  t.is(decoded.inTransaction, c.transactional ?? false);
  t.false(decoded.isControlBatch);
  t.deepEqual(
    decoded.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })),
    c.records.map((r, i) => ({
      offset: String(baseOffset + BigInt(i)),
      timestamp: String(r.timestamp),
      key: r.key,
      value: r.value,
      headers: r.headers ?? {},
    })),
  );
}

for (const c of crossCases) {
  test(`kafkajs cross-check, ${c.name}: identical bytes`, async (t) => {
    const ours = encodeRecordBatch(brookInputs(c), brookOptions(c));
    const theirs = await kafkajsBytes(c);
    t.is(ours.length, theirs.length);
    t.true(ours.equals(theirs), `first difference at byte ${ours.findIndex((b, i) => b !== theirs[i])}`);
  });

  test(`kafkajs cross-check, ${c.name}: Brook decodes kafkajs bytes`, async (t) => {
    assertBrookDecodes(t, await kafkajsBytes(c), c);
  });

  test(`kafkajs cross-check, ${c.name}: kafkajs decodes Brook bytes`, async (t) => {
    assertKafkajsDecodes(t, await kafkajsDecodeBatch(encodeRecordBatch(brookInputs(c), brookOptions(c))), c);
  });
}

test('kafkajs cross-check, gzip: Brook decodes a kafkajs gzip batch and kafkajs decodes a Brook one', async (t) => {
  const c = crossCases[2]!;
  const theirs = await kafkajsBytes(c, KafkajsCompression.gzip);
  t.is(readBatchHeader(theirs).attributes & Attributes.CODEC_MASK, CompressionCodec.gzip);
  assertBrookDecodes(t, theirs, c);
  const ours = encodeRecordBatch(brookInputs(c), brookOptions(c, CompressionCodec.gzip));
  t.is(readBatchHeader(ours).attributes & Attributes.CODEC_MASK, CompressionCodec.gzip);
  assertKafkajsDecodes(t, await kafkajsDecodeBatch(ours), c);
});

test('kafkajs cross-check: kafkajs decodes null header values written by Brook (its encoder cannot write them)', async (t) => {
  const bytes = encodeRecordBatch([{ timestamp: T0, key: null, value: buf('v'), headers: [{ key: 'gone', value: null }, { key: 'here', value: buf('x') }] }]);
  const decoded = await kafkajsDecodeBatch(bytes);
  t.deepEqual(decoded.records[0]!.headers, { gone: null, here: buf('x') });
});

test('kafkajs cross-check: kafkajs picks the smallest timestamp as base; Brook matches with baseTimestamp', async (t) => {
  const records: ReferenceRecord[] = [
    { timestamp: T0 + 50n, key: null, value: buf('late') },
    { timestamp: T0, key: null, value: buf('early') },
  ];
  const theirs = await kafkajsEncodeBatch(records, {
    baseTimestamp: T0,
    maxTimestamp: T0 + 50n,
    partitionLeaderEpoch: 0,
    producerId: -1n,
    producerEpoch: 0,
    baseSequence: 0,
  });
  const ours = encodeRecordBatch(
    records.map((r) => ({ timestamp: r.timestamp, key: r.key, value: r.value })),
    { baseTimestamp: T0, partitionLeaderEpoch: 0, producerEpoch: 0, baseSequence: 0 },
  );
  t.true(ours.equals(theirs));
  t.deepEqual(
    decodeRecordBatch(theirs).records.map((r) => r.timestamp),
    [T0 + 50n, T0],
  );
});

// ---------------------------------------------------------------------------------------------
// Round trips.

test('offsets are baseOffset + offsetDelta, including explicit gaps and a kept lastOffsetDelta', (t) => {
  const inputs: RecordInput[] = [
    { timestamp: T0, value: buf('a'), offsetDelta: 0 },
    { timestamp: T0, value: buf('b'), offsetDelta: 3 },
    { timestamp: T0, value: buf('c'), offsetDelta: 200 },
  ];
  const bytes = encodeRecordBatch(inputs, { baseOffset: 1_000_000n, lastOffsetDelta: 250 });
  const { header, records } = decodeRecordBatch(bytes);
  t.deepEqual(
    records.map((r) => r.offset),
    [1_000_000n, 1_000_003n, 1_000_200n],
  );
  t.is(header.lastOffsetDelta, 250);
  t.is(lastOffsetOf(bytes), 1_000_250n);
});

test('lastOffsetDelta defaults to the last record offsetDelta', (t) => {
  const bytes = encodeRecordBatch([
    { timestamp: T0, value: buf('a'), offsetDelta: 0 },
    { timestamp: T0, value: buf('b'), offsetDelta: 5 },
  ]);
  t.is(readBatchHeader(bytes).lastOffsetDelta, 5);
});

test('timestamps round-trip, including negative deltas and pre-1970 values', (t) => {
  const inputs: RecordInput[] = [T0, T0 - 1n, T0 + 1n, T0 - 3_000_000_000n, 0n, -1n, -5_000_000_000_000n, T0 + 10n].map((timestamp, i) => ({
    timestamp,
    value: buf(String(i)),
  }));
  const { header, records } = decodeRecordBatch(encodeRecordBatch(inputs));
  t.deepEqual(
    records.map((r) => r.timestamp),
    inputs.map((r) => r.timestamp),
  );
  t.is(header.baseTimestamp, T0);
  t.is(header.maxTimestamp, T0 + 10n);
});

test('runs of equal timestamps decode right, whatever the first delta is', (t) => {
  // The decoder reuses a timestamp across records with equal deltas; a first delta of -1 must not be mistaken for a repeat.
  const timestamps = [T0 - 1n, T0 - 1n, T0, T0, T0, T0 - 1n, T0 + 5n, T0 + 5n];
  const inputs: RecordInput[] = timestamps.map((timestamp, i) => ({ timestamp, value: buf(String(i)) }));
  const { records } = decodeRecordBatch(encodeRecordBatch(inputs, { baseTimestamp: T0 }));
  t.deepEqual(
    records.map((r) => r.timestamp),
    timestamps,
  );
});

test('records without headers share one list that cannot be changed', (t) => {
  const { records } = decodeRecordBatch(encodeRecordBatch([{ timestamp: T0, value: buf('a') }, { timestamp: T0, value: buf('b') }]));
  t.deepEqual(records[0]!.headers, []);
  t.true(Object.isFrozen(records[0]!.headers));
  t.throws(() => (records[0]!.headers as RecordHeader[]).push({ key: 'k', value: null }), { instanceOf: TypeError });
  t.deepEqual(records[1]!.headers, []);
});

test('LogAppendTime: the attribute is set and every record reports maxTimestamp', (t) => {
  const appendTime = T0 + 123_456n;
  const bytes = encodeRecordBatch(
    [
      { timestamp: T0, value: buf('a') },
      { timestamp: T0 - 50n, value: buf('b') },
    ],
    { timestampType: TimestampType.LOG_APPEND_TIME, maxTimestamp: appendTime },
  );
  const { header, records } = decodeRecordBatch(bytes);
  t.is(header.attributes & Attributes.LOG_APPEND_TIME, Attributes.LOG_APPEND_TIME);
  t.is(header.maxTimestamp, appendTime);
  t.deepEqual(
    records.map((r) => r.timestamp),
    [appendTime, appendTime],
  );
});

test('LogAppendTime applied by a broker to a CreateTime batch (attribute + maxTimestamp + new CRC)', (t) => {
  const bytes = encodeRecordBatch([
    { timestamp: T0, value: buf('a') },
    { timestamp: T0 + 1n, value: buf('b') },
  ]);
  bytes.writeInt16BE(readBatchHeader(bytes).attributes | Attributes.LOG_APPEND_TIME, BatchLayout.ATTRIBUTES);
  bytes.writeBigInt64BE(T0 + 999n, BatchLayout.MAX_TIMESTAMP);
  t.is(checkBatch(bytes, 0).ok, false, 'both fields are under the CRC');
  reseal(bytes);
  t.deepEqual(
    decodeRecordBatch(bytes).records.map((r) => r.timestamp),
    [T0 + 999n, T0 + 999n],
  );
});

test('CreateTime is the default timestamp type', (t) => {
  const bytes = encodeRecordBatch([{ timestamp: T0, value: buf('a') }], { timestampType: TimestampType.CREATE_TIME });
  t.is(readBatchHeader(bytes).attributes & Attributes.LOG_APPEND_TIME, 0);
  t.true(bytes.equals(encodeRecordBatch([{ timestamp: T0, value: buf('a') }])));
});

test('keys and values: null, empty, binary, and a missing key means null', (t) => {
  const inputs: RecordInput[] = [
    { timestamp: T0, value: buf('missing key') },
    { timestamp: T0, key: null, value: null },
    { timestamp: T0, key: new Uint8Array(0), value: new Uint8Array(0) },
    { timestamp: T0, key: Uint8Array.from([0, 255, 128, 1]), value: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff) },
  ];
  const { records } = decodeRecordBatch(encodeRecordBatch(inputs));
  t.deepEqual(records, expected(inputs, 0n));
  t.is(records[0]!.key, null);
  t.is(records[1]!.value, null);
  t.deepEqual(records[2]!.value, Buffer.alloc(0));
  t.not(records[2]!.value, null);
});

test('headers: null values, empty and UTF-8 keys, duplicates in order', (t) => {
  const headers = [
    { key: 'trace-id', value: buf('abc') },
    { key: 'nullable', value: null },
    { key: '', value: buf('empty key') },
    { key: '日本語-κλειδί-🔑', value: Uint8Array.from([0, 1, 2]) },
    { key: 'trace-id', value: buf('second value') },
  ];
  const inputs: RecordInput[] = [{ timestamp: T0, key: buf('k'), value: buf('v'), headers }];
  const { records } = decodeRecordBatch(encodeRecordBatch(inputs));
  t.deepEqual(records, expected(inputs, 0n));
  t.is(records[0]!.headers[1]!.value, null);
});

test('header keys across the records of a batch: repeated, changed at the same length, moved, more or fewer, non-ASCII and long', (t) => {
  const long = `long-${'k'.repeat(40)}`;
  const keysPerRecord = [
    ['file', 'file.offset', 'file.position'],
    ['file', 'file.offset', 'file.position'],
    ['file', 'file.offsez', 'file.position'],
    ['file.offset', 'file', 'file.position', 'extra'],
    ['fïle', 'file.offset'],
    [long, 'file.offset', 'file.position', 'extra'],
    [`${long.slice(0, -1)}j`, '', 'file.position', 'extrb'],
    [],
    ['file', 'file.offset', 'file.position'],
  ];
  const inputs: RecordInput[] = keysPerRecord.map((keys, i) => ({
    timestamp: T0,
    value: buf(`v${i}`),
    headers: keys.map((key, h) => ({ key, value: buf(`${i}.${h}`) })),
  }));
  const { records } = decodeRecordBatch(encodeRecordBatch(inputs));
  t.deepEqual(
    records.map((r) => r.headers.map((h) => h.key)),
    keysPerRecord,
  );
  t.deepEqual(records, expected(inputs, 0n));
});

test('decoded keys, values and header values are usable views that survive later reads', (t) => {
  const bytes = encodeRecordBatch([
    { timestamp: T0, key: buf('k1'), value: buf('v1') },
    { timestamp: T0, key: buf('k2'), value: buf('v2') },
  ]);
  const { records } = decodeRecordBatch(bytes);
  t.is(records[0]!.key?.toString(), 'k1');
  t.is(records[1]!.value?.toString(), 'v2');
});

test('the transactional flag round-trips', (t) => {
  const bytes = encodeRecordBatch([{ timestamp: T0, value: buf('t') }], { transactional: true, producerId: 1n, producerEpoch: 0, baseSequence: 0 });
  t.true(isTransactionalBatch(decodeRecordBatch(bytes).header.attributes));
});

test('an empty batch (as compaction may leave) round-trips with its header fields', (t) => {
  const bytes = encodeRecordBatch([], { baseOffset: 10n, lastOffsetDelta: 4, baseTimestamp: T0, maxTimestamp: T0 + 4n, producerId: 8n });
  const { header, records } = decodeRecordBatch(bytes);
  t.deepEqual(records, []);
  t.is(header.recordsCount, 0);
  t.is(lastOffsetOf(bytes), 14n);
  t.is(header.producerId, 8n);
});

test('decodeRecordBatch reads a batch at a non-zero position', (t) => {
  const first = encodeRecordBatch([{ timestamp: T0, value: buf('first') }]);
  const second = encodeRecordBatch([{ timestamp: T0, value: buf('second') }], { baseOffset: 1n });
  const both = Buffer.concat([first, second]);
  const { records } = decodeRecordBatch(both, first.length);
  t.is(records[0]!.value?.toString(), 'second');
  t.is(records[0]!.offset, 1n);
});

const codecs = [
  ['gzip', CompressionCodec.gzip],
  ['snappy', CompressionCodec.snappy],
  ['lz4', CompressionCodec.lz4],
  ['zstd', CompressionCodec.zstd],
] as const;

const compressible: RecordInput[] = Array.from({ length: 50 }, (_, i) => ({
  timestamp: T0 + BigInt(i),
  key: buf(`user-${i % 5}`),
  value: buf(`{"event":"page_view","page":"/products/${i % 3}","padding":"${'x'.repeat(100)}"}`),
  headers: i % 2 === 0 ? [{ key: 'source', value: buf('web') }] : [{ key: 'source', value: null }],
}));

for (const [name, codec] of codecs) {
  test(`${name}: a compressed batch round-trips, is smaller, and carries codec ${codec} in its attributes`, (t) => {
    const plain = encodeRecordBatch(compressible, { baseOffset: 77n });
    const bytes = encodeRecordBatch(compressible, { baseOffset: 77n, compression: codec, transactional: true });
    t.is(readBatchHeader(bytes).attributes & Attributes.CODEC_MASK, codec);
    t.is(readBatchHeader(bytes).recordsCount, compressible.length, 'recordsCount stays outside the compressed block');
    t.true(bytes.length < plain.length / 2, `${bytes.length} bytes vs ${plain.length} plain`);
    t.deepEqual(checkBatch(bytes, 0), { ok: true, size: bytes.length });
    const { header, records } = decodeRecordBatch(bytes);
    t.true(isTransactionalBatch(header.attributes));
    t.deepEqual(records, expected(compressible, 77n));
  });

  test(`${name}: stampBatch works on a compressed batch without opening it`, (t) => {
    const bytes = encodeRecordBatch(compressible, { compression: codec });
    const before = Buffer.from(bytes);
    stampBatch(bytes, 0, 5_000n, 3);
    t.true(bytes.subarray(BatchLayout.MAGIC).equals(before.subarray(BatchLayout.MAGIC)));
    t.is(decodeRecordBatch(bytes).records[49]!.offset, 5_049n);
  });

  test(`${name}: a decompressed size above maxDecompressedBytes is refused`, (t) => {
    const bytes = encodeRecordBatch(compressible, { compression: codec });
    const plainRecordsSize = encodeRecordBatch(compressible).length - BatchLayout.HEADER_SIZE;
    assertThrowsCode(t, () => decodeRecordBatch(bytes, 0, { maxDecompressedBytes: 1024 }), RecordsErrorCode.DECOMPRESSED_TOO_LARGE);
    t.is(decodeRecordBatch(bytes, 0, { maxDecompressedBytes: plainRecordsSize }).records.length, compressible.length);
  });
}

test('stampBatch sets baseOffset and leader epoch, keeps the CRC valid and touches nothing else', (t) => {
  const bytes = encodeRecordBatch([
    { timestamp: T0, value: buf('a') },
    { timestamp: T0, value: buf('b') },
  ]);
  const before = Buffer.from(bytes);
  stampBatch(bytes, 0, 123_456_789_000n, 17);
  t.true(bytes.subarray(BatchLayout.MAGIC).equals(before.subarray(BatchLayout.MAGIC)), 'magic, CRC and everything after unchanged');
  t.is(bytes.readInt32BE(BatchLayout.BATCH_LENGTH), before.readInt32BE(BatchLayout.BATCH_LENGTH));
  t.deepEqual(checkBatch(bytes, 0), { ok: true, size: bytes.length });
  const { header, records } = decodeRecordBatch(bytes);
  t.is(header.baseOffset, 123_456_789_000n);
  t.is(header.partitionLeaderEpoch, 17);
  t.deepEqual(
    records.map((r) => r.offset),
    [123_456_789_000n, 123_456_789_001n],
  );
  t.is(lastOffsetOf(bytes), 123_456_789_001n);
});

test('stampBatch at a position only touches that batch', (t) => {
  const a = encodeRecordBatch([{ timestamp: T0, value: buf('a') }]);
  const b = encodeRecordBatch([{ timestamp: T0, value: buf('b') }, { timestamp: T0, value: buf('c') }]);
  const both = Buffer.concat([a, b]);
  stampBatch(both, a.length, 10n, 2);
  t.true(both.subarray(0, a.length).equals(a));
  t.is(lastOffsetOf(both, a.length), 11n);
  t.is(lastOffsetOf(both, 0), 0n);
  t.true(checkBatch(both, a.length).ok);
});

test('iterateBatches splits concatenated batches and ignores a trailing partial one', (t) => {
  const batches = [
    encodeRecordBatch([{ timestamp: T0, value: buf('one') }], { baseOffset: 0n }),
    encodeRecordBatch([{ timestamp: T0, value: buf('two') }, { timestamp: T0, value: buf('three') }], { baseOffset: 1n }),
    encodeRecordBatch(compressible, { baseOffset: 3n, compression: CompressionCodec.gzip }),
  ];
  const whole = Buffer.concat(batches);
  const expectedSpans = batches.map((b, i) => ({ pos: batches.slice(0, i).reduce((n, x) => n + x.length, 0), size: b.length }));
  t.deepEqual([...iterateBatches(whole)], expectedSpans);

  const next = encodeRecordBatch([{ timestamp: T0, value: buf('partial') }], { baseOffset: 53n });
  for (const cut of [1, 11, 12, 60, 61, next.length - 1]) {
    const withPartial = Buffer.concat([whole, next.subarray(0, cut)]);
    t.deepEqual([...iterateBatches(withPartial)], expectedSpans, `partial batch of ${cut} bytes`);
  }
  t.deepEqual(
    [...iterateBatches(Buffer.concat([whole, next]))].map((s) => lastOffsetOf(Buffer.concat([whole, next]), s.pos)),
    [0n, 2n, 52n, 53n],
  );
});

test('iterateBatches yields nothing for an empty or too-short buffer, and stops at a nonsense length', (t) => {
  t.deepEqual([...iterateBatches(Buffer.alloc(0))], []);
  t.deepEqual([...iterateBatches(Buffer.alloc(60))], []);
  const a = encodeRecordBatch([{ timestamp: T0, value: buf('a') }]);
  const bad = encodeRecordBatch([{ timestamp: T0, value: buf('b') }]);
  bad.writeInt32BE(-5, BatchLayout.BATCH_LENGTH);
  t.deepEqual([...iterateBatches(Buffer.concat([a, bad, a]))], [{ pos: 0, size: a.length }]);
});

// ---------------------------------------------------------------------------------------------
// Hostile input: every structural lie must be a RecordsError, caught before any allocation sized by it.

const oneRecord = rawRecord(recordBody({ key: buf('k'), value: buf('v') }));

test('a lying recordsCount of 2^31-1 with a valid CRC is refused up front', (t) => {
  const bytes = encodeRecordBatch([{ timestamp: T0, key: buf('k'), value: buf('v') }]);
  bytes.writeInt32BE(0x7fffffff, BatchLayout.RECORDS_COUNT);
  reseal(bytes);
  t.true(checkBatch(bytes, 0).ok, 'the header alone looks fine');
  assertThrowsCode(t, () => decodeRecordBatch(bytes), CORRUPT, /2147483647/);
});

test('a lying recordsCount of 2^31-1 in a compressed batch is refused', (t) => {
  const bytes = encodeRecordBatch(compressible, { compression: CompressionCodec.gzip });
  bytes.writeInt32BE(0x7fffffff, BatchLayout.RECORDS_COUNT);
  reseal(bytes);
  assertThrowsCode(t, () => decodeRecordBatch(bytes), CORRUPT, /2147483647/);
});

test('recordsCount larger than the records present is corrupt', (t) => {
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(oneRecord, 2)), CORRUPT);
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(Buffer.concat([oneRecord, oneRecord]), 3)), CORRUPT);
});

test('recordsCount smaller than the records present is corrupt (bytes left over)', (t) => {
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(oneRecord, 0)), CORRUPT, /left after the last record/);
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(Buffer.concat([oneRecord, oneRecord]), 1)), CORRUPT, /left after the last record/);
});

test('the hand-built fixture itself decodes, so the hostile cases below fail for the right reason', (t) => {
  const { records } = decodeRecordBatch(batchAround(Buffer.concat([oneRecord, oneRecord]), 2));
  t.is(records.length, 2);
  t.is(records[1]!.value?.toString(), 'v');
});

for (const headerCount of [0x7fffffff, 1_000_000, 3, -1, -5]) {
  test(`a lying header count of ${headerCount} is corrupt`, (t) => {
    const header = fields({ varint: 1 }, { raw: buf('h') }, { varint: 1 }, { raw: buf('x') });
    const record = rawRecord(recordBody({ headerCount, headers: header }));
    assertThrowsCode(t, () => decodeRecordBatch(batchAround(Buffer.concat([record, oneRecord]), 2)), CORRUPT);
  });
}

test('a key length past the end of its record (but inside the batch) is corrupt', (t) => {
  const body = fields({ int8: 0 }, { varlong: 0n }, { varint: 0 }, { varint: 20 }, { raw: buf('short') });
  // The record length covers only what is there; the next record supplies 20+ bytes that must not be read as key.
  const record = rawRecord(body);
  const filler = rawRecord(recordBody({ value: Buffer.alloc(40, 0x41) }));
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(Buffer.concat([record, filler]), 2)), CORRUPT, /exceeds/);
});

test('a key or value length past the end of the batch is corrupt', (t) => {
  const body = fields({ int8: 0 }, { varlong: 0n }, { varint: 0 }, { varint: 0x7fffffff });
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(rawRecord(body), 1)), CORRUPT);
  const body2 = fields({ int8: 0 }, { varlong: 0n }, { varint: 0 }, { varint: -1 }, { varint: 1000 }, { raw: buf('abc') });
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(rawRecord(body2), 1)), CORRUPT);
});

test('a key or value length below -1 is corrupt', (t) => {
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(rawRecord(fields({ int8: 0 }, { varlong: 0n }, { varint: 0 }, { varint: -2 }, { varint: -1 }, { varint: 0 })), 1)), CORRUPT);
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(rawRecord(fields({ int8: 0 }, { varlong: 0n }, { varint: 0 }, { varint: -1 }, { varint: -100 }, { varint: 0 })), 1)), CORRUPT);
});

for (const length of [0, -1, 5, 1000, 0x7fffffff]) {
  test(`a record length of ${length} is corrupt`, (t) => {
    const body = recordBody({ value: null });
    assertThrowsCode(t, () => decodeRecordBatch(batchAround(Buffer.concat([rawRecord(body, length), Buffer.alloc(10)]), 1)), CORRUPT);
  });
}

test('a record with trailing bytes inside its length is corrupt', (t) => {
  const body = Buffer.concat([recordBody({ key: buf('k') }), Buffer.from([0, 0, 0])]);
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(rawRecord(body), 1)), CORRUPT, /trailing/);
});

test('a record whose fields run past its length into the next record is corrupt', (t) => {
  const body = recordBody({ key: buf('key'), value: buf('value') });
  const short = rawRecord(body, body.length - 2);
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(Buffer.concat([short, body.subarray(body.length - 2), oneRecord]), 2)), CORRUPT);
});

test('a null header key is corrupt', (t) => {
  const header = fields({ varint: -1 }, { varint: 1 }, { raw: buf('x') });
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(rawRecord(recordBody({ headerCount: 1, headers: header })), 1)), CORRUPT, /null header key/);
});

test('an over-long varint or varlong inside a record is corrupt', (t) => {
  const sixByteOffsetDelta = fields({ int8: 0 }, { varlong: 0n }, { raw: Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]) }, { varint: -1 }, { varint: -1 }, { varint: 0 });
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(rawRecord(sixByteOffsetDelta), 1)), CORRUPT, /longer than 5 bytes/);
  const elevenByteTimestamp = fields({ int8: 0 }, { raw: Buffer.from([...new Array<number>(10).fill(0x80), 0x00]) }, { varint: 0 }, { varint: -1 }, { varint: -1 }, { varint: 0 });
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(rawRecord(elevenByteTimestamp), 1)), CORRUPT, /longer than 10 bytes/);
});

for (const codecId of [5, 6, 7]) {
  test(`attributes naming unknown codec ${codecId} (with a valid CRC) are refused`, (t) => {
    assertThrowsCode(t, () => decodeRecordBatch(batchAround(oneRecord, 1, codecId)), RecordsErrorCode.UNKNOWN_CODEC);
  });
}

for (const [name, codec] of codecs) {
  test(`${name}: a garbage payload with a valid CRC is a RecordsError`, (t) => {
    const garbage = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff));
    const error = t.throws(() => decodeRecordBatch(batchAround(garbage, 1, codec)), { instanceOf: RecordsError });
    t.true(error.code === RecordsErrorCode.CORRUPT_COMPRESSED || error.code === RecordsErrorCode.CORRUPT_BATCH, error.code);
  });
}

test('gzip: a valid stream of nonsense records is a corrupt batch', (t) => {
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(gzipSync(Buffer.alloc(100, 0xff)), 1, CompressionCodec.gzip)), CORRUPT);
});

test('gzip: a decompression bomb is stopped at the cap', (t) => {
  const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
  t.true(bomb.length < 64 * 1024);
  assertThrowsCode(t, () => decodeRecordBatch(batchAround(bomb, 1, CompressionCodec.gzip), 0, { maxDecompressedBytes: 1024 * 1024 }), RecordsErrorCode.DECOMPRESSED_TOO_LARGE);
});
