// Where the JSON converter writes: UTF-8 bytes straight into a slab, a record after another. A
// change event's payload is a few hundred bytes of field names, numbers and short ASCII strings;
// building it as a JS string first cost a string per value, a flattening of the concatenation
// and an encoding pass, where writing the bytes in place costs a store per byte.

/** Strings up to this length are checked and copied by the character; longer ones go through the native encoder. */
const SHORT_TEXT = 64;
const QUOTE = 0x22;
const MINUS = 0x2d;
const ZERO = 0x30;
/** The characters JSON requires escaped: a string without them is written as it is. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * A record's JSON bytes, written at the end of a slab. Records are cut from slabs rather than
 * allocated one by one: a change event with its schema is a few kilobytes, and Node's own 8 KiB
 * pool would start a new ArrayBuffer every other record. A record that outgrows the slab is
 * moved, as far as it got, to a new one, so every record is contiguous.
 */
export class JsonSink {
  private readonly slabBytes: number;
  private buf: Buffer = Buffer.allocUnsafe(0);
  /** Where the record being written starts in `buf`. */
  private start = 0;
  private pos = 0;

  constructor(slabBytes: number) {
    this.slabBytes = slabBytes;
  }

  /** Starts a record, dropping whatever a failed one left. */
  begin(): void {
    this.pos = this.start;
  }

  /** The record written since `begin`: a view of the slab, never written again. */
  end(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  /** Makes room for `n` more bytes of the record. */
  room(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  /** Bytes already encoded (field names, punctuation, the envelope's head). */
  bytes(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    // A native copy costs more than a short loop.
    if (n <= SHORT_TEXT) for (let i = 0; i < n; i++) buf[p++] = bytes[i]!;
    else {
      buf.set(bytes, p);
      p += n;
    }
    this.pos = p;
  }

  /** ASCII text that is already JSON (a number's digits, `null`). */
  ascii(text: string): void {
    const n = text.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = text.charCodeAt(i);
    this.pos = p;
  }

  /** Text that is already JSON, any characters (the generic writer's output). */
  json(text: string): void {
    this.room(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /**
   * A JSON string literal, escaped as Jackson does (see jsonString): short ASCII strings without
   * anything to escape, the common case, are copied by the character.
   */
  string(s: string, escaped: (s: string) => string): void {
    const n = s.length;
    if (n <= SHORT_TEXT) {
      if (this.pos + n + 2 > this.buf.length) this.grow(n + 2);
      const buf = this.buf;
      let p = this.pos;
      buf[p++] = QUOTE;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x20 || c === QUOTE || c === 0x5c || c >= 0x80) {
          this.json(escaped(s));
          return;
        }
        buf[p++] = c;
      }
      buf[p++] = QUOTE;
      this.pos = p;
      return;
    }
    if (NEEDS_ESCAPE.test(s)) {
      this.json(escaped(s));
      return;
    }
    this.room(n * 3 + 2);
    this.buf[this.pos++] = QUOTE;
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.buf[this.pos++] = QUOTE;
  }

  /** An integer as String(n) writes it. */
  integer(n: number): void {
    if (!(n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER)) {
      this.ascii(String(n));
      return;
    }
    if (this.pos + 17 > this.buf.length) this.grow(17);
    if (n < 0) {
      this.buf[this.pos++] = MINUS;
      n = -n;
    }
    if (n <= 0x7fffffff) {
      this.pos = writeDigits(this.buf, this.pos, n);
      return;
    }
    // Two int32 halves: int32 division by ten is a multiplication, a double's is not.
    const high = Math.floor(n / 1e8);
    const low = n - high * 1e8;
    const p = writeDigits(this.buf, this.pos, high);
    writeFixedDigits(this.buf, p, low, 8);
    this.pos = p + 8;
  }

  /** An int64 as BigInt's toString writes it. */
  bigint(n: bigint): void {
    // Number(n) is exact exactly when it is a safe integer: beyond, it is at least 2^53 in size.
    const x = Number(n);
    if (Number.isSafeInteger(x)) this.integer(x);
    else this.ascii(n.toString());
  }

  /** Moves the record so far to a new slab with room for `n` more bytes. */
  private grow(n: number): void {
    const sofar = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.slabBytes, (sofar + n) * 2));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = sofar;
  }
}

/** The decimal digits of an int32 `n` >= 0 at `pos`; returns the position after them. */
function writeDigits(buf: Buffer, pos: number, n: number): number {
  let digits = 1;
  for (let bound = 10; digits < 10 && n >= bound; bound *= 10) digits++;
  writeFixedDigits(buf, pos, n, digits);
  return pos + digits;
}

/** The last `digits` decimal digits of an int32 `n` >= 0 at `pos`, zero-padded. */
function writeFixedDigits(buf: Buffer, pos: number, n: number, digits: number): void {
  for (let i = pos + digits - 1; i >= pos; i--) {
    const q = (n / 10) | 0;
    buf[i] = ZERO + (n - q * 10);
    n = q;
  }
}
