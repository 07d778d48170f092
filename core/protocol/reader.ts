import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { bytesToUuid } from './uuid.ts';

/**
 * A bounds-checked big-endian reader for Kafka protocol primitives.
 *
 * Untrusted input: every fixed-size read is checked against `end`, and every length or
 * count prefix is checked against the bytes actually left *before* anything sized by it is
 * allocated. An array count must fit `remaining / minElementSize`, so 0x7fffffff elements
 * claimed by a 10-byte message fail at once instead of allocating a huge array.
 *
 * Strings are decoded (UTF-8); bytes are returned as views of the input, never copied.
 */
export class Reader {
  pos: number;
  readonly buf: Buffer;
  readonly end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new ProtocolError(
        ProtocolErrorCode.TRUNCATED,
        `truncated input: ${what} needs ${n} bytes at byte ${this.pos}, only ${this.end - this.pos} left`,
      );
    }
  }

  private badLength(what: string, length: number, at: number): never {
    throw new ProtocolError(
      ProtocolErrorCode.INVALID_LENGTH,
      `invalid ${what} ${length} at byte ${at}: only ${this.end - this.pos} bytes left`,
    );
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Kafka reads any non-zero byte as true. */
  bool(): boolean {
    this.need(1, 'bool');
    return this.buf[this.pos++] !== 0;
  }

  /** Unsigned varint of at most 5 bytes, value 0 .. 2^32-1. */
  uvarint(): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) {
        throw new ProtocolError(ProtocolErrorCode.TRUNCATED, `truncated input: unsigned varint at byte ${start} is cut off`);
      }
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > 0xffffffff) break;
        return result;
      }
      scale *= 128;
    }
    throw new ProtocolError(ProtocolErrorCode.INVALID_VARINT, `unsigned varint at byte ${start} does not fit 32 bits`);
  }

  /** A view of the next `n` bytes. */
  take(n: number): Buffer {
    this.need(n, 'bytes');
    const view = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  skip(n: number): void {
    this.need(n, 'skip');
    this.pos += n;
  }

  /** A reader over the next `n` bytes; this reader moves past them. */
  sub(n: number): Reader {
    this.need(n, 'field');
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  private utf8(n: number): string {
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** INT16-length string, or null for length -1. */
  nullableString(): string | null {
    const at = this.pos;
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0 || n > this.end - this.pos) this.badLength('string length', n, at);
    return this.utf8(n);
  }

  string(): string {
    const at = this.pos;
    const s = this.nullableString();
    if (s === null) this.unexpectedNull('string', at);
    return s;
  }

  /** Unsigned-varint length+1 string; 0 means null. */
  compactNullableString(): string | null {
    const at = this.pos;
    const n = this.uvarint() - 1;
    if (n === -1) return null;
    if (n > 0x7fff || n > this.end - this.pos) this.badLength('compact string length', n, at);
    return this.utf8(n);
  }

  compactString(): string {
    const at = this.pos;
    const s = this.compactNullableString();
    if (s === null) this.unexpectedNull('compact string', at);
    return s;
  }

  /** INT32-length bytes as a view, or null for length -1. */
  nullableBytes(): Buffer | null {
    const at = this.pos;
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0 || n > this.end - this.pos) this.badLength('bytes length', n, at);
    return this.take(n);
  }

  bytes(): Buffer {
    const at = this.pos;
    const b = this.nullableBytes();
    if (b === null) this.unexpectedNull('bytes', at);
    return b;
  }

  compactNullableBytes(): Buffer | null {
    const at = this.pos;
    const n = this.uvarint() - 1;
    if (n === -1) return null;
    if (n > this.end - this.pos) this.badLength('compact bytes length', n, at);
    return this.take(n);
  }

  compactBytes(): Buffer {
    const at = this.pos;
    const b = this.compactNullableBytes();
    if (b === null) this.unexpectedNull('compact bytes', at);
    return b;
  }

  uuid(): string {
    this.need(16, 'uuid');
    const s = bytesToUuid(this.buf, this.pos);
    this.pos += 16;
    return s;
  }

  /**
   * INT32 array count, -1 for null. The count is checked against the bytes left: each
   * element takes at least `minElementSize` bytes (taken as 1 when smaller).
   */
  arrayLength(minElementSize: number): number {
    const at = this.pos;
    const n = this.int32();
    if (n === -1) return -1;
    this.checkCount(n, minElementSize, 'array count', at);
    return n;
  }

  /** Unsigned-varint count+1, -1 for null (0 on the wire); checked like `arrayLength`. */
  compactArrayLength(minElementSize: number): number {
    const at = this.pos;
    const n = this.uvarint() - 1;
    if (n === -1) return -1;
    this.checkCount(n, minElementSize, 'compact array count', at);
    return n;
  }

  /** The number of tagged fields; each takes at least two bytes (tag and size). */
  taggedFieldCount(): number {
    const at = this.pos;
    const n = this.uvarint();
    this.checkCount(n, 2, 'tagged field count', at);
    return n;
  }

  private checkCount(n: number, minElementSize: number, what: string, at: number): void {
    if (n < 0 || n * Math.max(1, minElementSize) > this.end - this.pos) this.badLength(what, n, at);
  }

  private unexpectedNull(what: string, at: number): never {
    throw new ProtocolError(ProtocolErrorCode.INVALID_VALUE, `null ${what} at byte ${at} where a value is required`);
  }
}
