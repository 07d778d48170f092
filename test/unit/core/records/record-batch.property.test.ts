import test from 'ava';
import fc from 'fast-check';
import {
  Attributes,
  BatchLayout,
  CompressionCodec,
  RecordsError,
  RecordsErrorCode,
  TimestampType,
  checkBatch,
  decodeRecordBatch,
  encodeRecordBatch,
} from '../../../../core/records/index.ts';
import type { BatchOptions, DecodedBatch, RecordInput } from '../../../../core/records/index.ts';
import { reseal } from './batch-fixtures.ts';

/** BROOK_PROPERTY_RUNS raises the run count for a longer local hunt; CI uses the default. */
const RUNS = Number(process.env['BROOK_PROPERTY_RUNS'] ?? 200);
/** A tight decompression cap keeps fuzzed size claims from costing real memory. */
const FUZZ_CAP = 4 * 1024 * 1024;

const bytesArb = (maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.uint8Array({ maxLength }),
    // Repetitive text, so the compressors find matches and take their longer code paths.
    fc.string({ maxLength: 12 }).map((s) => new TextEncoder().encode(s.repeat(1 + (maxLength >> 4)))),
  );

const headerArb = fc.record({
  key: fc.string({ unit: 'grapheme', maxLength: 12 }),
  value: fc.option(bytesArb(32), { nil: null }),
});

const recordShapeArb = fc.record({
  // Offsets from the batch's base timestamp: small, negative, and beyond 32 bits.
  delta: fc.oneof(fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: -(1n << 36n), max: 1n << 36n })),
  key: fc.option(bytesArb(48), { nil: null }),
  value: fc.option(bytesArb(200), { nil: null }),
  headers: fc.array(headerArb, { maxLength: 4 }),
});

const codecArb = fc.constantFrom(
  CompressionCodec.none,
  CompressionCodec.gzip,
  CompressionCodec.snappy,
  CompressionCodec.lz4,
  CompressionCodec.zstd,
);

interface BatchCase {
  inputs: RecordInput[];
  options: BatchOptions;
}

const batchArb: fc.Arbitrary<BatchCase> = fc
  .record({
    // Realistic int64 timestamps: epoch ms up to the year ~2527, and Kafka's -1 (no timestamp).
    base: fc.oneof(fc.bigInt({ min: 0n, max: 1n << 44n }), fc.constant(-1n)),
    shapes: fc.array(recordShapeArb, { minLength: 1, maxLength: 12 }),
    compression: codecArb,
    baseOffset: fc.bigInt({ min: 0n, max: 1n << 62n }),
    partitionLeaderEpoch: fc.integer({ min: -1, max: 0x7fffffff }),
    producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n })),
    producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
    baseSequence: fc.integer({ min: -1, max: 0x7fffffff }),
    transactional: fc.boolean(),
    logAppendTime: fc.boolean(),
  })
  .map(({ base, shapes, logAppendTime, ...options }) => ({
    inputs: shapes.map((s) => ({ timestamp: base + s.delta, key: s.key, value: s.value, headers: s.headers })),
    options: {
      ...options,
      timestampType: logAppendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
    },
  }));

function toBuffer(bytes: Uint8Array | null | undefined): Buffer | null {
  return bytes == null ? null : Buffer.from(bytes);
}

function decodesTo(decoded: DecodedBatch, { inputs, options }: BatchCase): boolean {
  const { header, records } = decoded;
  const maxTimestamp = inputs.reduce((m, r) => (r.timestamp > m ? r.timestamp : m), inputs[0]!.timestamp);
  const logAppendTime = options.timestampType === TimestampType.LOG_APPEND_TIME;
  const expectedAttributes =
    (options.compression ?? 0) | (logAppendTime ? Attributes.LOG_APPEND_TIME : 0) | (options.transactional === true ? Attributes.TRANSACTIONAL : 0);
  if (
    header.baseOffset !== options.baseOffset ||
    header.partitionLeaderEpoch !== options.partitionLeaderEpoch ||
    header.attributes !== expectedAttributes ||
    header.lastOffsetDelta !== inputs.length - 1 ||
    header.recordsCount !== inputs.length ||
    header.baseTimestamp !== inputs[0]!.timestamp ||
    header.maxTimestamp !== maxTimestamp ||
    header.producerId !== options.producerId ||
    header.producerEpoch !== options.producerEpoch ||
    header.baseSequence !== options.baseSequence ||
    records.length !== inputs.length
  ) {
    return false;
  }
  return inputs.every((input, i) => {
    const r = records[i]!;
    const headers = input.headers ?? [];
    return (
      r.offset === header.baseOffset + BigInt(i) &&
      r.timestamp === (logAppendTime ? maxTimestamp : input.timestamp) &&
      sameBytes(r.key, toBuffer(input.key)) &&
      sameBytes(r.value, toBuffer(input.value)) &&
      r.headers.length === headers.length &&
      headers.every((h, j) => r.headers[j]!.key === h.key && sameBytes(r.headers[j]!.value, toBuffer(h.value)))
    );
  });
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/** Runs fn and reports what it threw: nothing, a RecordsError, or something else (a bug). */
function outcome(fn: () => unknown): 'ok' | 'records-error' | 'other' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return error instanceof RecordsError ? 'records-error' : 'other';
  }
}

function flipBit(bytes: Buffer, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

test('property: random batches round-trip through encode and decode', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(batchArb, (c) => {
        const bytes = encodeRecordBatch(c.inputs, c.options);
        const check = checkBatch(bytes, 0);
        return check.ok && check.size === bytes.length && decodesTo(decodeRecordBatch(bytes), c);
      }),
      { numRuns: RUNS },
    );
  });
});

test('property: re-encoding the decoded records with the same options gives identical bytes', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(batchArb, ({ inputs, options }) => {
        const bytes = encodeRecordBatch(inputs, options);
        const { header, records } = decodeRecordBatch(bytes);
        const logAppendTime = options.timestampType === TimestampType.LOG_APPEND_TIME;
        const again = encodeRecordBatch(
          records.map((r, i) => ({
            // A LogAppendTime batch hides the create times; they are still in the records, so reuse them.
            timestamp: logAppendTime ? inputs[i]!.timestamp : r.timestamp,
            key: r.key,
            value: r.value,
            headers: r.headers,
            offsetDelta: Number(r.offset - header.baseOffset),
          })),
          options,
        );
        return again.equals(bytes);
      }),
      { numRuns: RUNS },
    );
  });
});

test('property: any single bit flip from byte 21 on is caught by checkBatch and decodeRecordBatch', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(batchArb, fc.array(fc.nat(), { minLength: 1, maxLength: 16 }), ({ inputs, options }, picks) => {
        const bytes = encodeRecordBatch(inputs, options);
        const coveredBits = (bytes.length - BatchLayout.ATTRIBUTES) * 8;
        return picks.every((pick) => {
          const flipped = flipBit(bytes, BatchLayout.ATTRIBUTES * 8 + (pick % coveredBits));
          const check = checkBatch(flipped, 0);
          if (check.ok || (check.problem !== 'crc' && check.problem !== 'corrupt')) return false;
          return outcome(() => decodeRecordBatch(flipped)) === 'records-error';
        });
      }),
      { numRuns: RUNS },
    );
  });
});

test('property: a bit flip in batchLength, magic or the CRC field is never accepted', (t) => {
  const guarded = [
    ...Array.from({ length: 4 }, (_, i) => BatchLayout.BATCH_LENGTH + i),
    BatchLayout.MAGIC,
    ...Array.from({ length: 4 }, (_, i) => BatchLayout.CRC + i),
  ];
  t.notThrows(() => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom(...guarded), fc.nat(7), ({ inputs, options }, byte, bit) => {
        const flipped = flipBit(encodeRecordBatch(inputs, options), byte * 8 + bit);
        return !checkBatch(flipped, 0).ok && outcome(() => decodeRecordBatch(flipped)) === 'records-error';
      }),
      { numRuns: RUNS },
    );
  });
});

test('property: every truncation of a batch is torn, and decoding it is a corrupt-batch error', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(batchArb, fc.nat(), ({ inputs, options }, pick) => {
        const bytes = encodeRecordBatch(inputs, options);
        for (let len = 0; len < bytes.length; len++) {
          const check = checkBatch(bytes.subarray(0, len), 0);
          if (check.ok || check.problem !== 'torn') return false;
        }
        try {
          decodeRecordBatch(bytes.subarray(0, pick % bytes.length));
          return false;
        } catch (error) {
          return error instanceof RecordsError && error.code === RecordsErrorCode.CORRUPT_BATCH;
        }
      }),
      { numRuns: RUNS },
    );
  });
});

test('property: random damage with a recomputed CRC decodes or throws a RecordsError, nothing else', (t) => {
  const damageArb = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 });
  t.notThrows(() => {
    fc.assert(
      fc.property(batchArb, damageArb, ({ inputs, options }, damage) => {
        const bytes = Buffer.from(encodeRecordBatch(inputs, options));
        const span = bytes.length - BatchLayout.ATTRIBUTES;
        for (const d of damage) bytes[BatchLayout.ATTRIBUTES + (d.at % span)] = d.value;
        reseal(bytes);
        return outcome(() => decodeRecordBatch(bytes, 0, { maxDecompressedBytes: FUZZ_CAP })) !== 'other';
      }),
      { numRuns: RUNS },
    );
  });
});

test('property: a compressed payload cut short (with a fixed-up length and CRC) is a RecordsError', (t) => {
  const compressedBatchArb = batchArb.filter((c) => (c.options.compression ?? 0) !== CompressionCodec.none);
  t.notThrows(() => {
    fc.assert(
      fc.property(compressedBatchArb, fc.nat(), ({ inputs, options }, pick) => {
        const bytes = encodeRecordBatch(inputs, options);
        const payload = bytes.length - BatchLayout.HEADER_SIZE;
        const cut = Buffer.from(bytes.subarray(0, BatchLayout.HEADER_SIZE + (pick % payload)));
        cut.writeInt32BE(cut.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
        reseal(cut);
        return outcome(() => decodeRecordBatch(cut, 0, { maxDecompressedBytes: FUZZ_CAP })) === 'records-error';
      }),
      { numRuns: RUNS },
    );
  });
});
