import { ProtocolError, ProtocolErrorCode } from './errors.ts';
import { uuidToBytes } from './uuid.ts';

/** Buffers at least this long are appended by reference instead of copied. */
const SHARE_THRESHOLD = 1024;
const INT16_MAX = 0x7fff;
const INT32_MAX = 0x7fffffff;

/** A place in the output reserved by `reserveInt32`, filled in later by `patchInt32`. */
export interface Int32Slot {
  readonly buf: Buffer;
  readonly offset: number;
}

/**
 * A growable big-endian byte writer for Kafka protocol primitives.
 *
 * Output is a list of chunks: small values go into a scratch buffer, large buffers (record
 * batches, fetched file bytes) are appended by reference so a produce or fetch never copies
 * its payload until `finish()` (one concat) — or never, with `chunks()` and `writev`.
 * A buffer appended by reference must not change until the output has been sent.
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Start of the bytes in `buf` not yet moved to `done`. */
  private start = 0;
  private readonly done: Buffer[] = [];
  private doneBytes = 0;

  constructor(initialCapacity = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.doneBytes + this.pos - this.start;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushPending();
    this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    this.pos = 0;
    this.start = 0;
  }

  private flushPending(): void {
    if (this.pos > this.start) {
      this.done.push(this.buf.subarray(this.start, this.pos));
      this.doneBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  int8(value: number): this {
    this.ensure(1);
    this.pos = this.buf.writeInt8(value, this.pos);
    return this;
  }

  int16(value: number): this {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(value, this.pos);
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(value, this.pos);
    return this;
  }

  int64(value: bigint): this {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(value, this.pos);
    return this;
  }

  uint16(value: number): this {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(value, this.pos);
    return this;
  }

  uint32(value: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(value, this.pos);
    return this;
  }

  float64(value: number): this {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(value, this.pos);
    return this;
  }

  bool(value: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  /** Unsigned varint (Kafka's compact lengths, tag numbers, tag sizes): 0 .. 2^32-1. */
  uvarint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new ProtocolError(ProtocolErrorCode.INVALID_VALUE, `unsigned varint out of range: ${value}`);
    }
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    let v = value;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    this.pos = pos;
    return this;
  }

  /** Appends bytes: copied when small, by reference when large. */
  raw(bytes: Uint8Array): this {
    const n = bytes.length;
    if (n >= SHARE_THRESHOLD) {
      this.flushPending();
      this.done.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, n));
      this.doneBytes += n;
      return this;
    }
    this.ensure(n);
    this.buf.set(bytes, this.pos);
    this.pos += n;
    return this;
  }

  /** INT16-length string; `null` only through `nullableString`. */
  string(value: string): this {
    const n = Buffer.byteLength(value, 'utf8');
    if (n > INT16_MAX) {
      throw new ProtocolError(ProtocolErrorCode.INVALID_VALUE, `string of ${n} bytes exceeds the int16 length limit`);
    }
    this.ensure(2 + n);
    this.pos = this.buf.writeInt16BE(n, this.pos);
    this.pos += this.buf.write(value, this.pos, n, 'utf8');
    return this;
  }

  nullableString(value: string | null): this {
    return value === null ? this.int16(-1) : this.string(value);
  }

  /** Unsigned-varint length+1 string (flexible versions). */
  compactString(value: string): this {
    const n = Buffer.byteLength(value, 'utf8');
    if (n > INT16_MAX) {
      throw new ProtocolError(ProtocolErrorCode.INVALID_VALUE, `string of ${n} bytes exceeds the int16 length limit`);
    }
    this.uvarint(n + 1);
    this.ensure(n);
    this.pos += this.buf.write(value, this.pos, n, 'utf8');
    return this;
  }

  compactNullableString(value: string | null): this {
    return value === null ? this.uvarint(0) : this.compactString(value);
  }

  /** INT32-length bytes; several buffers are written as one value (zero-copy for large ones). */
  bytes(value: Uint8Array | readonly Uint8Array[]): this {
    this.int32(checkedLength(totalLength(value)));
    return this.rawAll(value);
  }

  nullableBytes(value: Uint8Array | readonly Uint8Array[] | null): this {
    return value === null ? this.int32(-1) : this.bytes(value);
  }

  compactBytes(value: Uint8Array | readonly Uint8Array[]): this {
    this.uvarint(checkedLength(totalLength(value)) + 1);
    return this.rawAll(value);
  }

  compactNullableBytes(value: Uint8Array | readonly Uint8Array[] | null): this {
    return value === null ? this.uvarint(0) : this.compactBytes(value);
  }

  /** A uuid in its canonical text form (8-4-4-4-12 hex digits), written as 16 bytes. */
  uuid(value: string): this {
    return this.raw(uuidToBytes(value));
  }

  /** INT32 array count; -1 for null. */
  arrayLength(count: number): this {
    return this.int32(count);
  }

  /** Unsigned-varint count+1; 0 for null. */
  compactArrayLength(count: number): this {
    return this.uvarint(count + 1);
  }

  /** Reserves four bytes (a size prefix) to be filled in once the size is known. */
  reserveInt32(): Int32Slot {
    this.ensure(4);
    const slot = { buf: this.buf, offset: this.pos };
    this.pos += 4;
    return slot;
  }

  patchInt32(slot: Int32Slot, value: number): void {
    slot.buf.writeInt32BE(value, slot.offset);
  }

  /** The output as chunks, in order, for `socket.writev`-style writes. */
  chunks(): Buffer[] {
    this.flushPending();
    return this.done.slice();
  }

  /** The output as one buffer; a view of the scratch buffer when no concat is needed. */
  finish(): Buffer {
    if (this.done.length === 0) return this.buf.subarray(this.start, this.pos);
    this.flushPending();
    if (this.done.length === 1) return this.done[0]!;
    return Buffer.concat(this.done, this.doneBytes);
  }

  private rawAll(value: Uint8Array | readonly Uint8Array[]): this {
    if (value instanceof Uint8Array) return this.raw(value);
    for (const part of value) this.raw(part);
    return this;
  }
}

function totalLength(value: Uint8Array | readonly Uint8Array[]): number {
  if (value instanceof Uint8Array) return value.length;
  let n = 0;
  for (const part of value) n += part.length;
  return n;
}

function checkedLength(n: number): number {
  if (n > INT32_MAX) {
    throw new ProtocolError(ProtocolErrorCode.INVALID_VALUE, `bytes of length ${n} exceed the int32 length limit`);
  }
  return n;
}
