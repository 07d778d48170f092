import { RecordsError, RecordsErrorCode } from './errors.ts';

/**
 * Zigzag varints as record batch v2 uses them (Kafka's ByteUtils): signed values are
 * zigzag-mapped so small negatives (-1 for a null key) stay one byte.
 */

export function varintSize(value: number): number {
  const v = ((value << 1) ^ (value >> 31)) >>> 0;
  // Compares, not a loop: small enough to be inlined wherever a record is sized.
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  return v < 0x10000000 ? 4 : 5;
}

export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function zigzag64(value: bigint): bigint {
  if (value < INT64_MIN || value > INT64_MAX) {
    throw new RangeError(`varlong out of int64 range: ${value}`);
  }
  return value >= 0n ? value << 1n : ((-value) << 1n) - 1n;
}

export function varlongSize(value: bigint): number {
  let v = zigzag64(value);
  let size = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    size++;
  }
  return size;
}

export function writeVarlong(buf: Uint8Array, pos: number, value: bigint): number {
  // Most deltas fit 31 bits; the number path avoids BigInt arithmetic per byte.
  if (value >= -0x40000000n && value < 0x40000000n) return writeVarint(buf, pos, Number(value));
  let v = zigzag64(value);
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/**
 * Below 2^52 in magnitude a zigzagged value (2|v| or 2|v|-1) is still an exact double, so a
 * varlong can be written without BigInt; callers fall back to `writeVarlong` beyond.
 */
export const SAFE_VARLONG_LIMIT = 2 ** 52;

/** `varlongSize` for a number with |value| < 2^52 (see `SAFE_VARLONG_LIMIT`). */
export function varlongNumberSize(value: number): number {
  // An int32 zigzags to the same bits in 32 and 64 bits, so the varint path is exact.
  if ((value | 0) === value) return varintSize(value);
  let zz = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (zz >= 0x80) {
    zz = Math.floor(zz / 128);
    size++;
  }
  return size;
}

/** `writeVarlong` for a number with |value| < 2^52 (see `SAFE_VARLONG_LIMIT`). */
export function writeVarlongNumber(buf: Uint8Array, pos: number, value: number): number {
  if ((value | 0) === value) return writeVarint(buf, pos, value);
  let zz = value >= 0 ? value * 2 : -value * 2 - 1;
  while (zz >= 0x80) {
    buf[pos++] = (zz % 128) | 0x80;
    zz = Math.floor(zz / 128);
  }
  buf[pos++] = zz;
  return pos;
}

/**
 * A bounds-checked read cursor. Every read checks against `end`, so a lying length or
 * varint can never read past the bytes actually present.
 */
export class ByteCursor {
  pos: number;
  readonly buf: Buffer;
  /** Mutable so one cursor can be narrowed to each record in turn instead of allocating one per record. */
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  fail(what: string): never {
    throw new RecordsError(RecordsErrorCode.CORRUPT_BATCH, `corrupt record data at byte ${this.pos}: ${what}`);
  }

  int8(): number {
    if (this.pos + 1 > this.end) this.fail('truncated int8');
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    if (this.pos + 2 > this.end) this.fail('truncated int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift > 28) this.fail('varint longer than 5 bytes');
    }
    return (result >>> 1) ^ -(result & 1);
  }

  varlong(): bigint {
    // Up to 28 bits accumulate as a number; longer values continue in BigInt.
    let small = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.fail('truncated varlong');
      const b = this.buf[this.pos++]!;
      if (shift === 28) return this.varlongTail(BigInt(small >>> 0), b);
      small |= (b & 0x7f) << shift;
      if (b < 0x80) {
        const u = small >>> 0;
        return BigInt((u >>> 1) ^ -(u & 1));
      }
      shift += 7;
    }
  }

  private varlongTail(low: bigint, firstHighByte: number): bigint {
    let result = low;
    let shift = 28n;
    let b = firstHighByte;
    for (;;) {
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
      if (shift > 63n) this.fail('varlong longer than 10 bytes');
      if (this.pos >= this.end) this.fail('truncated varlong');
      b = this.buf[this.pos++]!;
    }
    result &= (1n << 64n) - 1n;
    return (result >> 1n) ^ -(result & 1n);
  }

  /** Reads `length` bytes as a view (no copy); -1 means null. */
  bytes(length: number): Buffer | null {
    if (length === -1) return null;
    if (length < -1) this.fail(`negative length ${length}`);
    if (length > this.end - this.pos) this.fail(`length ${length} exceeds the ${this.end - this.pos} bytes left`);
    const view = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }
}
