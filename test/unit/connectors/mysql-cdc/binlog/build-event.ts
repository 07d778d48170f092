/**
 * Builds binlog events by hand for the formats MariaDB cannot produce (MySQL 8's binary JSON,
 * TRANSACTION_PAYLOAD, PARTIAL_UPDATE_ROWS, GTID, v2 rows events). Layouts follow MySQL's
 * libbinlogevents headers (binlog_event.h, rows_event.h, control_events.h,
 * transaction_payload_event.h) and sql-common/json_binary.h; each builder cites its part.
 */
import zlib from 'node:zlib';

export const concat = (...parts: (Buffer | number[])[]): Buffer => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return b;
}

/** net_store_length: MySQL's packed (length-encoded) integer. */
export function lenenc(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  if (n < 0x1_0000) return concat([0xfc], u16(n));
  if (n < 0x100_0000) return concat([0xfd], u32(n).subarray(0, 3));
  return concat([0xfe], u64(BigInt(n)));
}

export const lenencString = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  return concat(lenenc(b.length), b);
};

/** A v4 event: 19-byte header (binlog_event.h, Log_event_header), body, and a CRC32 unless `checksum` is false. */
export function event(type: number, body: Buffer, options: { checksum?: boolean; nextPosition?: number; serverId?: number; flags?: number } = {}): Buffer {
  const checksum = options.checksum ?? true;
  const size = 19 + body.length + (checksum ? 4 : 0);
  const header = Buffer.alloc(19);
  header.writeUInt32LE(1_700_000_000, 0);
  header[4] = type;
  header.writeUInt32LE(options.serverId ?? 1, 5);
  header.writeUInt32LE(size, 9);
  header.writeUInt32LE(options.nextPosition ?? 0, 13);
  header.writeUInt16LE(options.flags ?? 0, 17);
  const withoutCrc = concat(header, body);
  return checksum ? concat(withoutCrc, u32(zlib.crc32(withoutCrc))) : withoutCrc;
}

/** Recomputes the trailing CRC32 of an event whose bytes were edited. */
export function reseal(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out.writeUInt32LE(out.length, 9);
  out.writeUInt32LE(zlib.crc32(out.subarray(0, out.length - 4)), out.length - 4);
  return out;
}

/**
 * FORMAT_DESCRIPTION of a MySQL 8.0 server (binlog_event.h, Format_description_event): binlog
 * version 4, a 50-byte server version, create time, header length 19, the post-header length of
 * each type, the checksum algorithm byte. The post-header lengths are MySQL 8.0's.
 */
export function mysql8FormatDescription(checksum = true): Buffer {
  const version = Buffer.alloc(50);
  version.write('8.0.36');
  const postHeader = Buffer.alloc(41);
  const set = (type: number, length: number): void => {
    postHeader[type - 1] = length;
  };
  set(2, 13); // QUERY
  set(4, 8); // ROTATE
  set(15, 98); // FORMAT_DESCRIPTION
  set(19, 8); // TABLE_MAP
  for (const t of [23, 24, 25]) set(t, 8);
  for (const t of [30, 31, 32, 39]) set(t, 10);
  set(33, 42); // GTID
  set(34, 42); // ANONYMOUS_GTID
  set(40, 40); // TRANSACTION_PAYLOAD
  return event(15, concat(u16(4), version, u32(0), [19], postHeader, [checksum ? 1 : 0]), { checksum: true });
}

/** MySQL's binary JSON for a JS value (sql-common/json_binary.h): the type byte and the value. */
export function jsonBinary(value: unknown): Buffer {
  const [type, bytes] = jsonValue(value, false);
  return concat([type], bytes);
}

type Encoded = [number, Buffer];

function varLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** Scalars and containers; `large` forces 4-byte offsets for containers. */
function jsonValue(value: unknown, large: boolean): Encoded {
  if (value === null) return [0x04, Buffer.from([0x00])];
  if (value === true) return [0x04, Buffer.from([0x01])];
  if (value === false) return [0x04, Buffer.from([0x02])];
  if (typeof value === 'bigint') return value < 0n ? [0x09, u64(value)] : [0x0a, u64(value)];
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -32768 && value <= 32767) {
      const b = Buffer.alloc(2);
      b.writeInt16LE(value);
      return [0x05, b];
    }
    if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(value);
      return [0x07, b];
    }
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    return [0x0b, b];
  }
  if (typeof value === 'string') {
    const s = Buffer.from(value, 'utf8');
    return [0x0c, concat(varLength(s.length), s)];
  }
  if (value instanceof Opaque) return [0x0f, concat([value.type], varLength(value.data.length), value.data)];
  if (Array.isArray(value)) return container(value.map((v) => [undefined, v] as const), false, large);
  if (typeof value === 'object') return container(Object.entries(value).map(([k, v]) => [k, v] as const), true, large);
  throw new Error(`cannot encode a ${typeof value}`);
}

export class Opaque {
  readonly type: number;
  readonly data: Buffer;

  constructor(type: number, data: Buffer) {
    this.type = type;
    this.data = data;
  }
}

function container(entries: readonly (readonly [string | undefined, unknown])[], isObject: boolean, large: boolean): Encoded {
  const offsetSize = large ? 4 : 2;
  const writeOffset = (n: number): Buffer => (large ? u32(n) : u16(n));
  const count = entries.length;
  const keyEntrySize = isObject ? offsetSize + 2 : 0;
  const valueEntrySize = 1 + offsetSize;
  const headerSize = 2 * offsetSize + count * (keyEntrySize + valueEntrySize);
  const keys = entries.map(([k]) => Buffer.from(k ?? '', 'utf8'));
  let at = headerSize + (isObject ? keys.reduce((n, k) => n + k.length, 0) : 0);
  const keyEntries: Buffer[] = [];
  let keyAt = headerSize;
  for (const key of keys) {
    if (isObject) keyEntries.push(concat(writeOffset(keyAt), u16(key.length)));
    keyAt += key.length;
  }
  const valueEntries: Buffer[] = [];
  const values: Buffer[] = [];
  for (const [, v] of entries) {
    const [type, bytes] = jsonValue(v, large);
    const inline = type === 0x04 || type === 0x05 || type === 0x06 || (large && (type === 0x07 || type === 0x08));
    if (inline) {
      const slot = Buffer.alloc(offsetSize);
      bytes.copy(slot);
      valueEntries.push(concat([type], slot));
    } else {
      valueEntries.push(concat([type], writeOffset(at)));
      values.push(bytes);
      at += bytes.length;
    }
  }
  const body = concat(...keyEntries, ...valueEntries, ...(isObject ? keys : []), ...values);
  return [isObject ? (large ? 0x01 : 0x00) : large ? 0x03 : 0x02, concat(writeOffset(count), writeOffset(2 * offsetSize + body.length), body)];
}

/** A JSON value forced into the large (4-byte offset) container form. */
export function jsonBinaryLarge(value: object): Buffer {
  const [type, bytes] = jsonValue(value, true);
  return concat([type], bytes);
}
