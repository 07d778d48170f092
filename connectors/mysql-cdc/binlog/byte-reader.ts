import { malformed } from './errors.ts';

const utf8 = new TextDecoder('utf-8');

/**
 * A cursor over untrusted bytes. Every read checks that the bytes are present first and throws
 * MalformedInput (never a RangeError) when they are not, so a length read from the input can
 * never size an allocation or a slice past the end.
 */
export class ByteReader {
  readonly buf: Buffer;
  pos: number;
  /** One past the last readable byte (the event's checksum, if any, lies beyond it). */
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are present; `what` names the field for the message. */
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw malformed(`${what} needs ${n} bytes at offset ${this.pos}, ${this.end - this.pos} remain`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Little-endian unsigned integer of 1–6 bytes, exact as a number. */
  uintLE(n: number, what = 'uint'): number {
    this.need(n, what);
    const v = this.buf.readUIntLE(this.pos, n);
    this.pos += n;
    return v;
  }

  /** Big-endian unsigned integer of 1–6 bytes. */
  uintBE(n: number, what = 'uint'): number {
    this.need(n, what);
    const v = this.buf.readUIntBE(this.pos, n);
    this.pos += n;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  i64(what = 'i64'): bigint {
    this.need(8, what);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * MySQL's length-encoded integer (net_field_length): < 251 in one byte, then 0xfc + 2, 0xfd + 3,
   * 0xfe + 8 bytes. 0xfb (NULL) and 0xff are not lengths. Values above 2^53 are refused: no
   * length in an event can be that large.
   */
  lenenc(what = 'length-encoded integer'): number {
    const first = this.u8(what);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16(what);
    if (first === 0xfd) return this.u24(what);
    if (first === 0xfe) {
      const v = this.u64(what);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} ${v} is too large`);
      return Number(v);
    }
    throw malformed(`${what} starts with the invalid byte 0x${first.toString(16)}`);
  }

  /** A view of the next `n` bytes (no copy); the caller must not keep it past the event. */
  view(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A copy of the next `n` bytes, safe to keep after the input buffer is reused. */
  copy(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = Uint8Array.prototype.slice.call(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number, what = 'bytes'): void {
    this.need(n, what);
    this.pos += n;
  }

  /** UTF-8 text of the next `n` bytes (invalid sequences become U+FFFD, never an exception). */
  utf8(n: number, what = 'string'): string {
    this.need(n, what);
    // Buffer#toString replaces invalid sequences with U+FFFD, as TextDecoder does, and is faster on short strings.
    const v = n === 0 ? '' : this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Text up to (not including) the next NUL byte, which is consumed; the rest if there is none. */
  nulTerminated(): string {
    let i = this.pos;
    while (i < this.end && this.buf[i] !== 0) i++;
    const v = utf8.decode(this.buf.subarray(this.pos, i));
    this.pos = i < this.end ? i + 1 : i;
    return v;
  }

  /** A sub-reader over the next `n` bytes; this reader moves past them. */
  slice(n: number, what = 'bytes'): ByteReader {
    this.need(n, what);
    const sub = new ByteReader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return sub;
  }
}

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
