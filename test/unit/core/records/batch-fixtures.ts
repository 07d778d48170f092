/** Helpers for building valid and deliberately broken record batches in tests. */
import { BatchLayout, computeBatchCrc, encodeRecordBatch } from '../../../../core/records/index.ts';
import type { RecordsErrorCode } from '../../../../core/records/index.ts';
import { writeVarint, writeVarlong } from '../../../../core/records/varint.ts';

/** Recomputes the CRC of the batch at pos, so a tampered field must be caught by structure, not checksum. */
export function reseal(buf: Buffer, pos = 0): Buffer {
  buf.writeUInt32BE(computeBatchCrc(buf, pos), pos + BatchLayout.CRC);
  return buf;
}

/** A correctly framed, correctly checksummed batch around arbitrary record bytes. */
export function batchAround(recordBytes: Buffer, recordsCount: number, attributes = 0): Buffer {
  const header = encodeRecordBatch([], { baseTimestamp: 1000n, maxTimestamp: 1000n });
  const buf = Buffer.concat([header, recordBytes]);
  buf.writeInt32BE(buf.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
  buf.writeInt16BE(attributes, BatchLayout.ATTRIBUTES);
  buf.writeInt32BE(Math.max(recordsCount - 1, 0), BatchLayout.LAST_OFFSET_DELTA);
  buf.writeInt32BE(recordsCount, BatchLayout.RECORDS_COUNT);
  return reseal(buf);
}

/** One field of a hand-built record. */
export type Field =
  | { varint: number }
  | { varlong: bigint }
  | { int8: number }
  | { raw: Uint8Array };

export function fields(...parts: Field[]): Buffer {
  const out = Buffer.alloc(parts.reduce((n, p) => n + ('raw' in p ? p.raw.length : 10), 0));
  let pos = 0;
  for (const p of parts) {
    if ('varint' in p) pos = writeVarint(out, pos, p.varint);
    else if ('varlong' in p) pos = writeVarlong(out, pos, p.varlong);
    else if ('int8' in p) pos = out.writeInt8(p.int8, pos);
    else {
      out.set(p.raw, pos);
      pos += p.raw.length;
    }
  }
  return out.subarray(0, pos);
}

/** A record whose length prefix is `length` (default: the true body length). */
export function rawRecord(body: Buffer, length = body.length): Buffer {
  return Buffer.concat([fields({ varint: length }), body]);
}

/** attributes, timestampDelta, offsetDelta, key, value, headers — a well-formed record body. */
export function recordBody(options: { offsetDelta?: number; key?: Buffer | null; value?: Buffer | null; headerCount?: number; headers?: Buffer } = {}): Buffer {
  const bytes = (b: Buffer | null | undefined): Field[] => (b == null ? [{ varint: -1 }] : [{ varint: b.length }, { raw: b }]);
  return fields(
    { int8: 0 },
    { varlong: 0n },
    { varint: options.offsetDelta ?? 0 },
    ...bytes(options.key),
    ...bytes(options.value === undefined ? Buffer.from('v') : options.value),
    { varint: options.headerCount ?? 0 },
    { raw: options.headers ?? Buffer.alloc(0) },
  );
}

export const CORRUPT: RecordsErrorCode = 'ERR_RECORDS_CORRUPT_BATCH';
