import test from 'ava';
import fc from 'fast-check';
import {
  Attributes,
  BatchLayout,
  CompressionCodec,
  RecordBatchBuilder,
  checkBatch,
  codecName,
  compress,
  crc32cJs,
  decodeRecordBatch,
  decompress,
  encodeRecordBatch,
  readBatchHeader,
} from '../../../../core/records/index.ts';
import type { BatchHeaderOptions, RecordHeaderInput } from '../../../../core/records/index.ts';
import { kafkajsEncodeBatch } from './kafkajs-reference.ts';

const RUNS = Number(process.env['BROOK_PROPERTY_RUNS'] ?? 200);
const T0 = 1_700_000_000_000n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

interface RefRecord {
  timestamp: bigint;
  key?: Uint8Array | null | undefined;
  value: Uint8Array | null;
  headers?: readonly RecordHeaderInput[];
  offsetDelta?: number;
}

// ---------------------------------------------------------------------------------------------
// A reference encoder written straight from the record batch v2 layout: BigInt for every
// varlong, plain byte arrays, no shared code with the builder but the CRC and the codecs.

function refVarlong(value: bigint): number[] {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function refBytes(bytes: Uint8Array | null | undefined): number[] {
  return bytes == null ? refVarlong(-1n) : [...refVarlong(BigInt(bytes.length)), ...bytes];
}

function refRecords(records: readonly RefRecord[], baseTimestamp: bigint): Buffer {
  const out: number[] = [];
  records.forEach((r, i) => {
    const headers = r.headers ?? [];
    const body = [
      0,
      ...refVarlong(r.timestamp - baseTimestamp),
      ...refVarlong(BigInt(r.offsetDelta ?? i)),
      ...refBytes(r.key),
      ...refBytes(r.value),
      ...refVarlong(BigInt(headers.length)),
      ...headers.flatMap((h) => [...refBytes(buf(h.key)), ...refBytes(h.value)]),
    ];
    out.push(...refVarlong(BigInt(body.length)), ...body);
  });
  return Buffer.from(out);
}

interface RefOptions extends BatchHeaderOptions {
  baseTimestamp?: bigint;
}

function refBatch(records: readonly RefRecord[], options: RefOptions = {}): Buffer {
  const baseTimestamp = options.baseTimestamp ?? records[0]?.timestamp ?? -1n;
  const codec = options.compression ?? CompressionCodec.none;
  const plain = refRecords(records, baseTimestamp);
  const payload = codec === CompressionCodec.none ? plain : compress(codec, plain);
  const header = Buffer.alloc(BatchLayout.HEADER_SIZE);
  let attributes: number = codec;
  if (options.timestampType === 'log-append-time') attributes |= Attributes.LOG_APPEND_TIME;
  if (options.transactional === true) attributes |= Attributes.TRANSACTIONAL;
  if (options.control === true) attributes |= Attributes.CONTROL;
  const maxTimestamp = records.reduce<bigint>((max, r) => (r.timestamp > max ? r.timestamp : max), records[0]?.timestamp ?? -1n);
  header.writeBigInt64BE(options.baseOffset ?? 0n, 0);
  header.writeInt32BE(BatchLayout.HEADER_SIZE + payload.length - 12, 8);
  header.writeInt32BE(options.partitionLeaderEpoch ?? -1, 12);
  header.writeInt8(2, 16);
  header.writeInt16BE(attributes, 21);
  header.writeInt32BE(options.lastOffsetDelta ?? records.at(-1)?.offsetDelta ?? Math.max(records.length - 1, 0), 23);
  header.writeBigInt64BE(baseTimestamp, 27);
  header.writeBigInt64BE(options.maxTimestamp ?? maxTimestamp, 35);
  header.writeBigInt64BE(options.producerId ?? -1n, 43);
  header.writeInt16BE(options.producerEpoch ?? -1, 51);
  header.writeInt32BE(options.baseSequence ?? -1, 53);
  header.writeInt32BE(records.length, 57);
  const batch = Buffer.concat([header, payload]);
  batch.writeUInt32BE(crc32cJs(batch.subarray(21)), 17);
  return batch;
}

function build(records: readonly RefRecord[], options: RefOptions = {}, builderBuffer?: Buffer): Buffer {
  const builder = new RecordBatchBuilder({
    ...(builderBuffer === undefined ? {} : { buffer: builderBuffer }),
    ...(options.baseTimestamp === undefined ? {} : { baseTimestamp: options.baseTimestamp }),
  });
  for (const r of records) builder.append(r.timestamp, r.key, r.value, r.headers, r.offsetDelta);
  return Buffer.from(builder.finish(options));
}

function firstDifference(a: Buffer, b: Buffer): string {
  const at = a.findIndex((x, i) => x !== b[i]);
  return `lengths ${a.length} / ${b.length}, first difference at byte ${at}`;
}

// ---------------------------------------------------------------------------------------------

test('the reference encoder matches the hand-checked one-record layout', (t) => {
  // Guards the oracle itself: length 8, attributes, deltas 0, key "k", value "v", no headers.
  const records = refRecords([{ timestamp: 1000n, key: buf('k'), value: buf('v') }], 1000n);
  t.is(records.toString('hex'), '10' + '00' + '00' + '00' + '026b' + '0276' + '00');
});

test('byte-identical to the reference: keys, values, headers, null and empty fields', (t) => {
  const records: RefRecord[] = [
    { timestamp: T0, key: buf('key-1'), value: buf('value-1') },
    { timestamp: T0 + 3n, key: null, value: buf('no key') },
    { timestamp: T0 + 3n, key: undefined, value: null },
    { timestamp: T0 - 7n, key: Buffer.alloc(0), value: Buffer.alloc(0) },
    {
      timestamp: T0 + 1n,
      key: new Uint8Array([0, 255, 128]),
      value: buf('with headers'),
      headers: [
        { key: 'content-type', value: buf('application/json') },
        { key: 'clé-ключ-🔑', value: buf('ünïcødé') },
        { key: 'trace', value: buf('a') },
        { key: 'trace', value: buf('b') },
        { key: 'gone', value: null },
        { key: '', value: Buffer.alloc(0) },
      ],
    },
  ];
  const ours = build(records);
  const reference = refBatch(records);
  t.true(ours.equals(reference), firstDifference(ours, reference));
  t.deepEqual(checkBatch(ours, 0), { ok: true, size: ours.length });
  const decoded = decodeRecordBatch(ours).records;
  t.deepEqual(
    decoded.map((r) => [r.timestamp, r.key === null ? null : r.key.toString('hex'), r.value === null ? null : r.value.toString('hex'), r.headers.map((h) => [h.key, h.value?.toString('hex') ?? null])]),
    records.map((r) => [
      r.timestamp,
      r.key == null ? null : Buffer.from(r.key).toString('hex'),
      r.value === null ? null : Buffer.from(r.value).toString('hex'),
      (r.headers ?? []).map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString('hex')]),
    ]),
  );
});

test('byte-identical to kafkajs 2.2.4, an independent encoder', async (t) => {
  const records = Array.from({ length: 40 }, (_, i) => ({ timestamp: T0 + BigInt(i * 37), key: i % 3 === 0 ? null : buf(`k${i}`), value: buf(`value ${i} `.repeat(i % 5)) }));
  const builder = new RecordBatchBuilder();
  for (const r of records) builder.append(r.timestamp, r.key, r.value);
  const ours = builder.finish({ partitionLeaderEpoch: 0, producerId: 77n, producerEpoch: 2, baseSequence: 5 });
  const theirs = await kafkajsEncodeBatch(records, {
    baseTimestamp: T0,
    maxTimestamp: T0 + 39n * 37n,
    partitionLeaderEpoch: 0,
    producerId: 77n,
    producerEpoch: 2,
    baseSequence: 5,
  });
  t.true(ours.equals(theirs), firstDifference(ours, theirs));
});

test('number and bigint timestamps give the same bytes', (t) => {
  const stamps = [T0, T0 + 1n, T0 - 5n, T0 + 86_400_000n * 365n * 100n, 0n, -1n];
  const asBigint = new RecordBatchBuilder();
  const asNumber = new RecordBatchBuilder();
  for (const ts of stamps) {
    asBigint.append(ts, null, buf('v'));
    asNumber.append(Number(ts), null, buf('v'));
  }
  const a = asBigint.finish();
  const b = asNumber.finish();
  t.true(a.equals(b), firstDifference(a, b));
  t.true(a.equals(refBatch(stamps.map((timestamp) => ({ timestamp, value: buf('v') })))));
  // All before the epoch, with an explicit base: the largest is still negative.
  const negative = new RecordBatchBuilder({ baseTimestamp: -60 });
  for (const ts of [-50, -20, -90]) negative.append(ts, null, buf('v'));
  const bytes = negative.finish();
  t.is(readBatchHeader(bytes).maxTimestamp, -20n);
  t.true(bytes.equals(refBatch([-50n, -20n, -90n].map((timestamp) => ({ timestamp, value: buf('v') })), { baseTimestamp: -60n })));
});

test('large timestamps and deltas: beyond 32 bits, around 2^52 and 2^53, and at the int64 limits', (t) => {
  const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
  const cases: { name: string; base?: bigint; stamps: bigint[] }[] = [
    { name: 'deltas crossing 2^31 and 2^32', stamps: [T0, T0 + (1n << 31n), T0 - (1n << 31n), T0 + (1n << 32n) + 1n, T0 - (1n << 32n) - 1n] },
    { name: 'deltas at 2^52 (the last exact number varlong) and past it', stamps: [0n, (1n << 52n) - 1n, -(1n << 52n) + 1n, 1n << 52n, -(1n << 52n), (1n << 52n) + 1n] },
    { name: 'safe-integer timestamps whose delta is not safe', stamps: [-SAFE, SAFE, -SAFE + 1n, SAFE - 1n] },
    { name: 'timestamps beyond the safe integers from the first record on', stamps: [INT64_MAX, INT64_MAX - 1n, INT64_MAX - (1n << 40n), 0n] },
    { name: 'switching to BigInt in the middle of a batch', stamps: [T0, T0 + 1n, SAFE + 10n, T0 + 2n, -SAFE - 10n, T0] },
    { name: 'int64 extremes around a base of 0', base: 0n, stamps: [INT64_MAX, INT64_MIN + 1n, -1n, 1n] },
    { name: 'an explicit base beyond the safe integers', base: INT64_MIN, stamps: [INT64_MIN, INT64_MIN + 1n, -1n] },
  ];
  for (const c of cases) {
    const records = c.stamps.map((timestamp, i) => ({ timestamp, key: null, value: buf(`r${i}`) }));
    const options = c.base === undefined ? {} : { baseTimestamp: c.base };
    const ours = build(records, options);
    const reference = refBatch(records, options);
    t.true(ours.equals(reference), `${c.name}: ${firstDifference(ours, reference)}`);
    const header = readBatchHeader(ours);
    t.is(header.baseTimestamp, c.base ?? c.stamps[0]!, c.name);
    t.is(header.maxTimestamp, c.stamps.reduce((m, s) => (s > m ? s : m)), c.name);
    t.deepEqual(
      decodeRecordBatch(ours).records.map((r) => r.timestamp),
      c.stamps,
      c.name,
    );
  }
});

test('a delta outside int64 is a RangeError and leaves the batch as it was', (t) => {
  const builder = new RecordBatchBuilder({ baseTimestamp: INT64_MIN });
  builder.append(INT64_MIN + 5n, null, buf('a'));
  const size = builder.sizeInBytes;
  t.throws(() => builder.append(INT64_MAX, null, buf('too far')), { instanceOf: RangeError });
  t.is(builder.count, 1);
  t.is(builder.sizeInBytes, size);
  builder.append(INT64_MIN + 9n, null, buf('b'));
  const reference = refBatch(
    [
      { timestamp: INT64_MIN + 5n, value: buf('a') },
      { timestamp: INT64_MIN + 9n, value: buf('b') },
    ],
    { baseTimestamp: INT64_MIN },
  );
  const ours = builder.finish();
  t.true(ours.equals(reference), firstDifference(ours, reference));
});

test('a timestamp that is not an integer number of ms is a RangeError', (t) => {
  const builder = new RecordBatchBuilder();
  t.throws(() => builder.append(1.5, null, buf('x')), { instanceOf: RangeError });
  t.throws(() => builder.append(Number.NaN, null, buf('x')), { instanceOf: RangeError });
  t.throws(() => builder.append(2 ** 60, null, buf('x')), { instanceOf: RangeError });
  t.is(builder.count, 0);
});

for (const codec of [CompressionCodec.gzip, CompressionCodec.snappy, CompressionCodec.lz4, CompressionCodec.zstd]) {
  test(`compression ${codecName(codec)}: the header and the codec's output of the reference records, decodable`, (t) => {
    const records: RefRecord[] = Array.from({ length: 200 }, (_, i) => ({
      timestamp: T0 + BigInt(i),
      key: buf(`key-${i % 10}`),
      value: buf(`a compressible value ${'x'.repeat(i % 50)}`),
      headers: i % 4 === 0 ? [{ key: 'n', value: buf(String(i)) }] : [],
    }));
    const options: BatchHeaderOptions = { compression: codec, producerId: 9n, producerEpoch: 1, baseSequence: 100 };
    const ours = build(records, options);
    const reference = refBatch(records, options);
    t.true(ours.equals(reference), firstDifference(ours, reference));
    t.is(ours.readInt16BE(BatchLayout.ATTRIBUTES) & Attributes.CODEC_MASK, codec);
    t.true(ours.length < refRecords(records, T0).length, 'smaller than the plain records');
    t.true(decompress(codec, ours.subarray(BatchLayout.HEADER_SIZE), 1 << 20).equals(refRecords(records, T0)));
    t.is(decodeRecordBatch(ours).records.length, records.length);
  });
}

test('finish again re-stamps the header (a retry with a new sequence) and compresses only once', (t) => {
  const builder = new RecordBatchBuilder();
  for (let i = 0; i < 50; i++) builder.append(T0, null, buf(`value ${i}`.repeat(5)));
  const first = builder.finish({ compression: CompressionCodec.zstd, producerId: 1n, producerEpoch: 0, baseSequence: 0 });
  const firstPayload = Buffer.from(first.subarray(BatchLayout.HEADER_SIZE));
  const second = builder.finish({ compression: CompressionCodec.zstd, producerId: 2n, producerEpoch: 3, baseSequence: 40 });
  t.is(second, first, 'the same bytes, re-stamped in place');
  t.true(second.subarray(BatchLayout.HEADER_SIZE).equals(firstPayload));
  const header = readBatchHeader(second);
  t.is(header.producerId, 2n);
  t.is(header.producerEpoch, 3);
  t.is(header.baseSequence, 40);
  t.deepEqual(checkBatch(second, 0), { ok: true, size: second.length });
  // Uncompressed, the batch is the builder's own buffer, header included.
  const plain = builder.finish({ baseSequence: 7 });
  t.is(readBatchHeader(plain).baseSequence, 7);
  t.deepEqual(checkBatch(plain, 0), { ok: true, size: plain.length });
  t.throws(() => builder.append(T0, null, buf('late')), { message: /after finish/ });
});

test('records go into the buffer given, which grows when they outgrow it', (t) => {
  const given = Buffer.alloc(256);
  const builder = new RecordBatchBuilder({ buffer: given });
  builder.append(T0, buf('k'), buf('v'));
  t.is(builder.finish().buffer, given.buffer, 'written in place');

  const small = new RecordBatchBuilder({ buffer: Buffer.alloc(BatchLayout.HEADER_SIZE) });
  const records = Array.from({ length: 500 }, (_, i) => ({ timestamp: T0 + BigInt(i), key: buf(`k${i}`), value: Buffer.alloc(i, i) }));
  let total = BatchLayout.HEADER_SIZE;
  for (const r of records) total += small.append(r.timestamp, r.key, r.value);
  t.is(small.sizeInBytes, total, 'append returns the bytes each record took');
  const ours = small.finish();
  t.is(ours.length, total);
  t.true(Buffer.from(ours).equals(refBatch(records)));
  const detached = small.detachBuffer();
  t.true(detached.length >= total);
});

test('explicit offsetDeltas (compacted batches), lastOffsetDelta, and other header options', (t) => {
  const records: RefRecord[] = [
    { timestamp: T0, value: buf('a'), offsetDelta: 0 },
    { timestamp: T0, value: buf('b'), offsetDelta: 3 },
    { timestamp: T0 + 1n, value: buf('c'), offsetDelta: 200_000 },
  ];
  const options: RefOptions = {
    baseOffset: 1_000n,
    partitionLeaderEpoch: 4,
    lastOffsetDelta: 250_000,
    timestampType: 'log-append-time',
    maxTimestamp: T0 + 99n,
    transactional: true,
    control: true,
  };
  const ours = build(records, options);
  t.true(ours.equals(refBatch(records, options)), firstDifference(ours, refBatch(records, options)));
  t.deepEqual(
    decodeRecordBatch(ours).records.map((r) => r.offset),
    [1_000n, 1_003n, 201_000n],
  );
  // Without one, lastOffsetDelta is the last record's offsetDelta.
  t.is(readBatchHeader(build(records)).lastOffsetDelta, 200_000);
  const builder = new RecordBatchBuilder();
  t.throws(() => builder.append(T0, null, buf('x'), undefined, -1), { instanceOf: RangeError });
  t.throws(() => builder.append(T0, null, buf('x'), undefined, 2 ** 31), { instanceOf: RangeError });
});

test('an empty batch has the header alone, timestamps -1 unless a base is given', (t) => {
  const empty = new RecordBatchBuilder().finish();
  t.is(empty.length, BatchLayout.HEADER_SIZE);
  t.true(empty.equals(refBatch([])));
  t.is(readBatchHeader(empty).baseTimestamp, -1n);
  t.is(readBatchHeader(empty).maxTimestamp, -1n);
  const based = new RecordBatchBuilder({ baseTimestamp: T0 }).finish({ maxTimestamp: T0 + 4n, lastOffsetDelta: 4 });
  t.true(based.equals(refBatch([], { baseTimestamp: T0, maxTimestamp: T0 + 4n, lastOffsetDelta: 4 })));
});

test('encodeRecordBatch is the builder: same bytes, exactly sized', (t) => {
  const records = Array.from({ length: 30 }, (_, i) => ({ timestamp: T0 + BigInt(i % 4), key: i % 2 === 0 ? null : buf(`k${i}`), value: buf(`v${i}`), headers: [{ key: 'h', value: buf(String(i)) }] }));
  for (const compression of [CompressionCodec.none, CompressionCodec.gzip]) {
    const viaEncoder = encodeRecordBatch(records, { compression, producerId: 3n });
    const viaBuilder = build(records, { compression, producerId: 3n });
    t.true(viaEncoder.equals(viaBuilder));
    t.is(viaEncoder.length, readBatchHeader(viaEncoder).batchLength + BatchLayout.LOG_OVERHEAD);
  }
});

// ---------------------------------------------------------------------------------------------

const bytesArb = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null });
const recordArb = fc.record({
  delta: fc.oneof(fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: -(1n << 54n), max: 1n << 54n })),
  asNumber: fc.boolean(),
  key: bytesArb,
  value: bytesArb,
  headers: fc.array(fc.record({ key: fc.string({ unit: 'grapheme', maxLength: 8 }), value: bytesArb }), { maxLength: 3 }),
});

test('property: any records give the reference bytes, whatever mix of number and bigint timestamps', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.bigInt({ min: -(1n << 44n), max: 1n << 44n }), fc.constant(-1n)), fc.array(recordArb, { maxLength: 12 }), fc.option(fc.bigInt({ min: -1000n, max: 1000n }), { nil: undefined }), (base, shapes, explicitBase) => {
      const records = shapes.map((s) => ({ timestamp: base + s.delta, key: s.key, value: s.value, headers: s.headers }));
      // An explicit base timestamp (as a number) near the records, or the first record's.
      const baseTimestamp = explicitBase === undefined ? undefined : base + explicitBase;
      const builder = new RecordBatchBuilder({ buffer: Buffer.alloc(64), ...(baseTimestamp === undefined ? {} : { baseTimestamp: Number(baseTimestamp) }) });
      shapes.forEach((s, i) => {
        const r = records[i]!;
        const ts = s.asNumber && r.timestamp >= BigInt(Number.MIN_SAFE_INTEGER) && r.timestamp <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r.timestamp) : r.timestamp;
        builder.append(ts, r.key, r.value, r.headers);
      });
      return builder.finish({ producerId: 1n }).equals(refBatch(records, { producerId: 1n, ...(baseTimestamp === undefined ? {} : { baseTimestamp }) }));
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('a header list frozen through and through is encoded once and shared, byte-identical to encoding it per record', (t) => {
  const headers: readonly RecordHeaderInput[] = Object.freeze(
    [
      { key: '__debezium.context.connectorLogicalName', value: buf('dbserver1') },
      { key: 'clé-ключ-🔑', value: buf('ünïcødé') },
      { key: 'gone', value: null },
    ].map((h) => Object.freeze(h)),
  );
  const records: RefRecord[] = [0n, 1n, 2n].map((i) => ({ timestamp: T0 + i, key: buf(`k${i}`), value: buf(`v${i}`), headers }));
  const reference = refBatch(records);
  // Twice: the second batch takes the section encoded for the first.
  for (let run = 0; run < 2; run++) {
    const ours = build(records);
    t.true(ours.equals(reference), firstDifference(ours, reference));
  }
  // A list whose entries are not frozen could change between records: it is encoded each time.
  const open = Object.freeze([{ key: 'k', value: buf('one') }]);
  const builder = new RecordBatchBuilder();
  builder.append(T0, null, null, open);
  (open[0] as { value: Uint8Array }).value = buf('two');
  builder.append(T0, null, null, open);
  t.deepEqual(
    decodeRecordBatch(builder.finish()).records.map((r) => r.headers[0]!.value!.toString()),
    ['one', 'two'],
  );
});
