import zlib from 'node:zlib';
import { ByteReader } from './byte-reader.ts';
import { charsetOfCollation, decodeText } from './charset.ts';
import { BinlogError, BinlogErrorCode, MalformedInput, malformed } from './errors.ts';
import { EventFlag, EventType } from './event-type.ts';
import { mariadbInflate, TooLarge, zstdDecompress } from './inflate.ts';
import { readRowsBody, readRowsHeader } from './rows.ts';
import type { Inflate } from './rows.ts';
import { decodeTableMap } from './table-map.ts';
import type {
  BinlogEvent,
  EventHeader,
  FormatDescriptionEvent,
  MysqlGtidEvent,
  PreviousGtidsEvent,
  QueryEvent,
  QueryStatusVars,
  RowsKind,
  TableMap,
} from './types.ts';

export const HEADER_LENGTH = 19;
const CHECKSUM_LENGTH = 4;

export interface BinlogDecoderOptions {
  /** The binlog file the events come from, for error messages and until a ROTATE names another. */
  readonly file?: string;
  /**
   * Whether events before the first FORMAT_DESCRIPTION carry a CRC32 (a replication stream's
   * artificial ROTATE does when the client declared itself checksum-aware). `auto`, the default,
   * accepts a trailing CRC32 that matches. After a FORMAT_DESCRIPTION its setting rules.
   */
  readonly checksumBeforeFormat?: 'auto' | 'crc32' | 'none';
  /** Verify CRC32 checksums (the default). */
  readonly verifyChecksums?: boolean;
  /** Largest decompressed transaction payload or MariaDB compressed event, in bytes. */
  readonly maxDecompressedBytes?: number;
}

const DEFAULT_MAX_DECOMPRESSED = 256 * 1024 * 1024;

interface Format {
  readonly checksum: boolean;
  readonly postHeaderLengths: Uint8Array;
  readonly mariadb: boolean;
  readonly event: FormatDescriptionEvent | undefined;
}

/** Used before any FORMAT_DESCRIPTION: v4 post-header lengths of MySQL 5.6+/MariaDB 10+. */
const DEFAULT_POST_HEADER = Uint8Array.from({ length: 200 }, (_, i) => {
  switch (i + 1) {
    case EventType.QUERY:
      return 13;
    case EventType.TABLE_MAP:
    case EventType.WRITE_ROWS_V1:
    case EventType.UPDATE_ROWS_V1:
    case EventType.DELETE_ROWS_V1:
      return 8;
    case EventType.WRITE_ROWS_V2:
    case EventType.UPDATE_ROWS_V2:
    case EventType.DELETE_ROWS_V2:
      return 10;
    default:
      return 0;
  }
});

/**
 * Decodes binlog events from bytes: no I/O, no clock. One decoder follows one binlog stream (or
 * one file after another): it keeps the FORMAT_DESCRIPTION in force, which says whether events
 * carry a CRC32, and the TABLE_MAP of each table id, which rows events need. Every event is
 * checked against the bytes present; a bad one gives a BinlogError naming file and position, and
 * leaves the decoder usable for the next event.
 */
export class BinlogDecoder {
  private format: Format;
  private currentFile: string | undefined;
  private readonly tableMaps = new Map<number, TableMap>();
  private readonly verify: boolean;
  private readonly checksumBeforeFormat: 'auto' | 'crc32' | 'none';
  private readonly maxDecompressed: number;

  constructor(options: BinlogDecoderOptions = {}) {
    this.currentFile = options.file;
    this.verify = options.verifyChecksums ?? true;
    this.checksumBeforeFormat = options.checksumBeforeFormat ?? 'auto';
    this.maxDecompressed = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED;
    this.format = { checksum: false, postHeaderLengths: DEFAULT_POST_HEADER, mariadb: false, event: undefined };
  }

  /** The binlog file the next event belongs to, as far as the decoder knows. */
  get file(): string | undefined {
    return this.currentFile;
  }

  /** The FORMAT_DESCRIPTION in force, once one was decoded. */
  get formatDescription(): FormatDescriptionEvent | undefined {
    return this.format.event;
  }

  /** The table map of a table id, as the last TABLE_MAP for it described it. */
  tableMap(tableId: number): TableMap | undefined {
    return this.tableMaps.get(tableId);
  }

  /**
   * Decodes one whole event (header, body and checksum). `position` is its offset in its file;
   * without it the position is worked out from the header where the header allows.
   */
  decode(bytes: Uint8Array, position?: number): BinlogEvent {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let eventType: number | undefined;
    let where = position;
    try {
      if (buf.length < HEADER_LENGTH) throw malformed(`an event needs a ${HEADER_LENGTH}-byte header, ${buf.length} bytes were given`);
      const header = readHeader(buf);
      eventType = header.type;
      if (where === undefined && header.nextPosition >= header.eventSize && header.nextPosition !== 0) where = header.nextPosition - header.eventSize;
      if (header.eventSize !== buf.length) throw malformed(`the header says ${header.eventSize} bytes, ${buf.length} were given`);
      return this.decodeChecked(buf, header, where, true);
    } catch (err) {
      throw this.locate(err, eventType, where);
    }
  }

  private locate(err: unknown, eventType: number | undefined, position: number | undefined): BinlogError {
    const location = { file: this.currentFile, position, eventType };
    if (err instanceof BinlogError) return err;
    if (err instanceof MalformedInput) return new BinlogError(BinlogErrorCode.MALFORMED_EVENT, err.message, location);
    if (err instanceof TooLarge) return new BinlogError(BinlogErrorCode.PAYLOAD_TOO_LARGE, err.message, location);
    return new BinlogError(BinlogErrorCode.DECODER_FAULT, `the decoder failed: ${err instanceof Error ? err.message : String(err)}`, location, { cause: err });
  }

  private hasChecksum(buf: Buffer, header: EventHeader, outer: boolean): boolean {
    if (!outer) return false;
    if (header.type === EventType.FORMAT_DESCRIPTION) return false; // It declares its own, below.
    if (this.format.event !== undefined) return this.format.checksum;
    switch (this.checksumBeforeFormat) {
      case 'crc32':
        return true;
      case 'none':
        return false;
      case 'auto':
        return buf.length >= HEADER_LENGTH + CHECKSUM_LENGTH && crcMatches(buf, buf.length);
    }
  }

  private decodeChecked(buf: Buffer, header: EventHeader, position: number | undefined, outer: boolean): BinlogEvent {
    let end = buf.length;
    if (this.hasChecksum(buf, header, outer)) {
      if (buf.length < HEADER_LENGTH + CHECKSUM_LENGTH) throw malformed('the event is too short to hold its checksum');
      end -= CHECKSUM_LENGTH;
      if (this.verify && !crcMatches(buf, buf.length)) {
        throw new BinlogError(
          BinlogErrorCode.CHECKSUM_MISMATCH,
          `CRC32 ${hex(buf.readUInt32LE(end))} stored, ${hex(zlib.crc32(buf.subarray(0, end)))} computed: the event is corrupt`,
          { file: this.currentFile, position, eventType: header.type },
        );
      }
    }
    const r = new ByteReader(buf, HEADER_LENGTH, end);
    return this.decodeBody(r, header, position);
  }

  private postHeader(type: number): number {
    return this.format.postHeaderLengths[type - 1] ?? 0;
  }

  private decodeBody(r: ByteReader, header: EventHeader, position: number | undefined): BinlogEvent {
    const base = { header, position };
    switch (header.type) {
      case EventType.FORMAT_DESCRIPTION:
        return this.formatDescriptionEvent(r, header, position);
      case EventType.ROTATE: {
        const nextPosition = r.u64('rotate position');
        const nextFile = r.utf8(r.remaining, 'next file name');
        // The artificial ROTATE that opens a stream names the current file; a real one the next.
        this.currentFile = nextFile;
        return { ...base, kind: 'rotate', nextFile, nextPosition };
      }
      case EventType.QUERY:
        return this.queryEvent(r, base, false);
      case EventType.MARIADB_QUERY_COMPRESSED:
        return this.queryEvent(r, base, true);
      case EventType.XID:
        return { ...base, kind: 'xid', xid: r.u64('xid') };
      case EventType.TABLE_MAP: {
        const table = decodeTableMap(r, this.postHeader(EventType.TABLE_MAP) === 6 ? 4 : 6, this.format.mariadb);
        this.tableMaps.set(table.tableId, table);
        return { ...base, kind: 'table-map', table };
      }
      case EventType.WRITE_ROWS_V0:
      case EventType.WRITE_ROWS_V1:
      case EventType.WRITE_ROWS_V2:
      case EventType.MARIADB_WRITE_ROWS_COMPRESSED_V1:
      case EventType.MARIADB_WRITE_ROWS_COMPRESSED:
        return this.rowsEvent(r, base, 'write');
      case EventType.UPDATE_ROWS_V0:
      case EventType.UPDATE_ROWS_V1:
      case EventType.UPDATE_ROWS_V2:
      case EventType.PARTIAL_UPDATE_ROWS:
      case EventType.MARIADB_UPDATE_ROWS_COMPRESSED_V1:
      case EventType.MARIADB_UPDATE_ROWS_COMPRESSED:
        return this.rowsEvent(r, base, 'update');
      case EventType.DELETE_ROWS_V0:
      case EventType.DELETE_ROWS_V1:
      case EventType.DELETE_ROWS_V2:
      case EventType.MARIADB_DELETE_ROWS_COMPRESSED_V1:
      case EventType.MARIADB_DELETE_ROWS_COMPRESSED:
        return this.rowsEvent(r, base, 'delete');
      case EventType.GTID:
      case EventType.ANONYMOUS_GTID:
        return mysqlGtid(r, base, header.type === EventType.GTID ? 'gtid' : 'anonymous-gtid');
      case EventType.PREVIOUS_GTIDS:
        return previousGtids(r, base);
      case EventType.MARIADB_GTID:
        return mariadbGtid(r, base, header.serverId);
      case EventType.MARIADB_GTID_LIST: {
        const word = r.u32('GTID list count');
        const count = word & 0x0fff_ffff;
        r.need(count * 16, 'GTID list');
        const gtids = [];
        for (let i = 0; i < count; i++) gtids.push({ domainId: r.u32(), serverId: r.u32(), sequence: r.u64() });
        return { ...base, kind: 'gtid-list', flags: word >>> 28, gtids };
      }
      case EventType.MARIADB_ANNOTATE_ROWS:
        return { ...base, kind: 'annotate-rows', sql: r.utf8(r.remaining, 'annotated statement') };
      case EventType.ROWS_QUERY:
        // A length byte that only covers statements under 256 bytes: the rest of the body is the text.
        r.skip(1, 'rows query length');
        return { ...base, kind: 'rows-query', sql: r.utf8(r.remaining, 'rows query') };
      case EventType.MARIADB_BINLOG_CHECKPOINT: {
        const length = r.u32('checkpoint file name length');
        return { ...base, kind: 'binlog-checkpoint', file: r.utf8(length, 'checkpoint file name') };
      }
      case EventType.HEARTBEAT:
        return { ...base, kind: 'heartbeat', version: 1, file: r.utf8(r.remaining, 'heartbeat file name'), filePosition: BigInt(header.nextPosition) };
      case EventType.HEARTBEAT_V2:
        return heartbeatV2(r, base);
      case EventType.TRANSACTION_PAYLOAD:
        return this.transactionPayload(r, base);
      case EventType.INTVAR:
        return { ...base, kind: 'intvar', variable: r.u8('intvar type'), value: r.u64('intvar value') };
      case EventType.STOP:
        return { ...base, kind: 'stop' };
      case EventType.MARIADB_START_ENCRYPTION:
        throw new BinlogError(BinlogErrorCode.UNSUPPORTED, 'the binlog is encrypted (START_ENCRYPTION): the events after this one cannot be read', {
          file: this.currentFile,
          position,
          eventType: header.type,
        });
      default:
        return { ...base, kind: 'other', body: r.copy(r.remaining) };
    }
  }

  private formatDescriptionEvent(r: ByteReader, header: EventHeader, position: number | undefined): FormatDescriptionEvent {
    const buf = r.buf;
    const binlogVersion = r.u16('binlog version');
    const serverVersion = r.view(50, 'server version');
    const nul = serverVersion.indexOf(0);
    const version = serverVersion.subarray(0, nul < 0 ? 50 : nul).toString('latin1');
    const createTimestamp = r.u32('create timestamp');
    const headerLength = r.u8('header length');
    if (binlogVersion !== 4) throw new BinlogError(BinlogErrorCode.UNSUPPORTED, `binlog version ${binlogVersion} is not 4`, { file: this.currentFile, position, eventType: header.type });
    if (headerLength !== HEADER_LENGTH) throw malformed(`header length ${headerLength} is not ${HEADER_LENGTH}`);
    // Servers that know checksums (MySQL 5.6.1+, MariaDB 5.3+) end the event with the algorithm
    // byte and a 4-byte checksum slot, whatever the algorithm (libbinlogevents get_checksum_alg).
    const checksumCapable = versionAtLeast(version, version.toLowerCase().includes('mariadb') ? [5, 3, 0] : [5, 6, 1]);
    let postHeaderEnd = r.end;
    let checksum: 'none' | 'crc32' = 'none';
    if (checksumCapable) {
      if (r.remaining < 1 + CHECKSUM_LENGTH) throw malformed('the format description lacks its checksum algorithm');
      postHeaderEnd = r.end - 1 - CHECKSUM_LENGTH;
      const algorithm = buf[postHeaderEnd]!;
      if (algorithm === 1) checksum = 'crc32';
      else if (algorithm !== 0 && algorithm !== 0xff) throw malformed(`checksum algorithm ${algorithm} is unknown`);
      if (checksum === 'crc32' && this.verify && !crcMatches(buf, r.end)) {
        throw new BinlogError(BinlogErrorCode.CHECKSUM_MISMATCH, 'the format description fails its CRC32: the event is corrupt', {
          file: this.currentFile,
          position,
          eventType: header.type,
        });
      }
    }
    const postHeaderLengths = Uint8Array.prototype.slice.call(buf, r.pos, postHeaderEnd);
    const event: FormatDescriptionEvent = {
      header,
      position,
      kind: 'format-description',
      binlogVersion,
      serverVersion: version,
      createTimestamp,
      headerLength,
      postHeaderLengths,
      checksum,
    };
    // A new format starts a new file or stream: table ids from before it mean nothing now.
    this.tableMaps.clear();
    this.format = { checksum: checksum === 'crc32', postHeaderLengths, mariadb: version.toLowerCase().includes('mariadb'), event };
    return event;
  }

  private queryEvent(r: ByteReader, base: { header: EventHeader; position: number | undefined }, compressed: boolean): QueryEvent {
    const postHeader = Math.max(this.postHeader(EventType.QUERY), 11);
    const threadId = r.u32('thread id');
    const executionTime = r.u32('execution time');
    const databaseLength = r.u8('schema length');
    const errorCode = r.u16('error code');
    const statusLength = postHeader >= 13 ? r.u16('status variables length') : 0;
    r.skip(Math.max(0, postHeader - 13), 'query post-header');
    const statusVars = readStatusVars(r.slice(statusLength, 'status variables'));
    const database = r.utf8(databaseLength, 'schema');
    r.skip(1, 'schema terminator');
    let sqlBytes = r.view(r.remaining, 'statement');
    if (compressed) sqlBytes = mariadbInflate(sqlBytes, this.maxDecompressed);
    // The statement is in the client's charset; utf8 unless the status variables say latin1.
    const clientCharset = statusVars.charsetClient === undefined ? 'utf8mb4' : charsetOfCollation(statusVars.charsetClient);
    const sql = decodeText(sqlBytes, clientCharset) ?? sqlBytes.toString('utf8');
    return { ...base, kind: 'query', threadId, executionTime, errorCode, database, sql, statusVars, compressed };
  }

  private rowsEvent(r: ByteReader, base: { header: EventHeader; position: number | undefined }, kind: RowsKind): BinlogEvent {
    const type = base.header.type;
    const version =
      type <= EventType.DELETE_ROWS_V0
        ? 0
        : type <= EventType.DELETE_ROWS_V1 || (type >= EventType.MARIADB_WRITE_ROWS_COMPRESSED_V1 && type <= EventType.MARIADB_DELETE_ROWS_COMPRESSED_V1)
          ? 1
          : 2;
    const compressed = type >= EventType.MARIADB_WRITE_ROWS_COMPRESSED_V1 && type <= EventType.MARIADB_DELETE_ROWS_COMPRESSED;
    const partial = type === EventType.PARTIAL_UPDATE_ROWS;
    const postHeader = this.postHeader(type);
    const { tableId, flags } = readRowsHeader(r, postHeader === 6 ? 4 : 6, version);
    const table = this.tableMaps.get(tableId);
    if (table === undefined) {
      throw new BinlogError(BinlogErrorCode.UNKNOWN_TABLE, `rows event for table id ${tableId}, which no TABLE_MAP event has described`, {
        file: this.currentFile,
        position: base.position,
        eventType: type,
      });
    }
    const inflate: Inflate | undefined = compressed ? (data) => mariadbInflate(data, this.maxDecompressed) : undefined;
    const body = readRowsBody(r, table, kind, partial, inflate);
    return {
      ...base,
      kind: 'rows',
      rowsKind: kind,
      version,
      partial,
      compressed,
      tableId,
      table,
      flags,
      columnsPresent: body.columnsPresent,
      columnsPresentAfter: body.columnsPresentAfter,
      rows: body.rows,
    };
  }

  /**
   * TRANSACTION_PAYLOAD (MySQL 8.0.20+, binlog_transaction_compression=ON): header fields as
   * type/length/value triples of packed integers, ended by type 0 — 1 payload size, 2 compression
   * type (0 zstd, 255 none), 3 uncompressed size — then the payload: the transaction's events,
   * without checksums, zstd-compressed (libbinlogevents transaction_payload_event.h; as
   * mysql-binlog-connector-java's TransactionPayloadEventDataDeserializer reads it).
   */
  private transactionPayload(r: ByteReader, base: { header: EventHeader; position: number | undefined }): BinlogEvent {
    let payloadSize: number | undefined;
    let compressionType = 0;
    let uncompressedSize: number | undefined;
    for (;;) {
      const field = r.lenenc('payload field type');
      if (field === 0) break;
      const length = r.lenenc('payload field length');
      const value = r.slice(length, 'payload field');
      switch (field) {
        case 1:
          payloadSize = value.lenenc('payload size');
          break;
        case 2:
          compressionType = value.lenenc('compression type');
          break;
        case 3:
          uncompressedSize = value.lenenc('uncompressed size');
          break;
        default:
          break;
      }
    }
    const size = payloadSize ?? r.remaining;
    const payload = r.view(size, 'transaction payload');
    let inner: Buffer;
    let compression: 'zstd' | 'none';
    if (compressionType === 0) {
      compression = 'zstd';
      inner = zstdDecompress(payload, uncompressedSize ?? 0, this.maxDecompressed);
    } else if (compressionType === 255) {
      compression = 'none';
      inner = payload;
    } else {
      throw new BinlogError(BinlogErrorCode.UNSUPPORTED, `transaction payload compression type ${compressionType} is unknown`, {
        file: this.currentFile,
        position: base.position,
        eventType: base.header.type,
      });
    }
    if (uncompressedSize !== undefined && inner.length !== uncompressedSize) {
      throw malformed(`transaction payload holds ${inner.length} bytes, its header says ${uncompressedSize}`);
    }
    const events: BinlogEvent[] = [];
    let at = 0;
    while (at < inner.length) {
      if (inner.length - at < HEADER_LENGTH) throw malformed(`transaction payload ends with ${inner.length - at} bytes, too few for an event header`);
      const header = readHeader(inner.subarray(at));
      if (header.eventSize < HEADER_LENGTH || at + header.eventSize > inner.length) {
        throw malformed(`inner event at payload offset ${at} claims ${header.eventSize} bytes, ${inner.length - at} remain`);
      }
      if (header.type === EventType.TRANSACTION_PAYLOAD || header.type === EventType.FORMAT_DESCRIPTION) {
        throw malformed(`a transaction payload cannot contain a ${header.type === EventType.TRANSACTION_PAYLOAD ? 'TRANSACTION_PAYLOAD' : 'FORMAT_DESCRIPTION'} event`);
      }
      // Inner events share the outer event's position: resuming there replays the whole transaction.
      events.push(this.decodeChecked(inner.subarray(at, at + header.eventSize), header, base.position, false));
      at += header.eventSize;
    }
    return { ...base, kind: 'transaction-payload', compression, compressedSize: size, uncompressedSize: inner.length, events };
  }
}

export function readHeader(buf: Buffer): EventHeader {
  const header: EventHeader = {
    timestamp: buf.readUInt32LE(0),
    type: buf[4]!,
    serverId: buf.readUInt32LE(5),
    eventSize: buf.readUInt32LE(9),
    nextPosition: buf.readUInt32LE(13),
    flags: buf.readUInt16LE(17),
  };
  if (header.eventSize < HEADER_LENGTH) throw malformed(`event size ${header.eventSize} is below the ${HEADER_LENGTH}-byte header`);
  return header;
}

export function isArtificial(header: EventHeader): boolean {
  return (header.flags & EventFlag.ARTIFICIAL) !== 0;
}

function crcMatches(buf: Buffer, end: number): boolean {
  return zlib.crc32(buf.subarray(0, end - CHECKSUM_LENGTH)) === buf.readUInt32LE(end - CHECKSUM_LENGTH);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function versionAtLeast(version: string, minimum: readonly [number, number, number]): boolean {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) return false;
  const parts = [Number(match[1]), Number(match[2]), Number(match[3])];
  for (let i = 0; i < 3; i++) {
    if (parts[i]! !== minimum[i]) return parts[i]! > minimum[i]!;
  }
  return true;
}

/**
 * QUERY status variables: a code byte, then a value whose size the code fixes. They are written
 * in increasing code order; an unknown code stops the walk because its size is unknown (as the
 * servers themselves do). Codes: MySQL libbinlogevents statement_events.h, MariaDB log_event.h.
 */
function readStatusVars(r: ByteReader): QueryStatusVars {
  const out: { -readonly [K in keyof QueryStatusVars]: QueryStatusVars[K] } = {};
  while (r.remaining > 0) {
    const code = r.u8('status variable code');
    switch (code) {
      case 0:
        out.flags2 = r.u32('Q_FLAGS2');
        break;
      case 1:
        out.sqlMode = r.u64('Q_SQL_MODE');
        break;
      case 2: {
        const length = r.u8('Q_CATALOG length');
        out.catalog = r.utf8(length, 'Q_CATALOG');
        r.skip(1, 'Q_CATALOG terminator');
        break;
      }
      case 3:
        out.autoIncrementIncrement = r.u16('Q_AUTO_INCREMENT');
        out.autoIncrementOffset = r.u16('Q_AUTO_INCREMENT');
        break;
      case 4:
        out.charsetClient = r.u16('Q_CHARSET');
        out.collationConnection = r.u16('Q_CHARSET');
        out.collationServer = r.u16('Q_CHARSET');
        break;
      case 5:
        out.timeZone = r.utf8(r.u8('Q_TIME_ZONE length'), 'Q_TIME_ZONE');
        break;
      case 6:
        out.catalog = r.utf8(r.u8('Q_CATALOG_NZ length'), 'Q_CATALOG_NZ');
        break;
      case 7:
        out.lcTimeNames = r.u16('Q_LC_TIME_NAMES');
        break;
      case 8:
        out.charsetDatabase = r.u16('Q_CHARSET_DATABASE');
        break;
      case 9:
        out.tableMapForUpdate = r.u64('Q_TABLE_MAP_FOR_UPDATE');
        break;
      case 10:
        r.skip(4, 'Q_MASTER_DATA_WRITTEN');
        break;
      case 11: {
        const user = r.utf8(r.u8('Q_INVOKER user length'), 'Q_INVOKER user');
        const host = r.utf8(r.u8('Q_INVOKER host length'), 'Q_INVOKER host');
        out.invoker = { user, host };
        break;
      }
      case 12: {
        const count = r.u8('Q_UPDATED_DB_NAMES count');
        // 254 (OVER_MAX_DBS_IN_EVENT_MTS) means "too many to list" and no names follow.
        if (count !== 254) {
          const names: string[] = [];
          for (let i = 0; i < count; i++) {
            if (r.remaining === 0) throw malformed('Q_UPDATED_DB_NAMES lists fewer names than its count');
            names.push(r.nulTerminated());
          }
          out.updatedDatabases = names;
        }
        break;
      }
      case 13:
        out.microseconds = r.u24('Q_MICROSECONDS');
        break;
      case 128: // MariaDB Q_HRNOW: the statement's microseconds.
        out.microseconds = r.u24('Q_HRNOW');
        break;
      case 129: // MariaDB Q_XID
        out.xid = r.u64('Q_XID');
        break;
      default:
        out.unknownCode = code;
        r.skip(r.remaining);
    }
  }
  return out;
}

function uuidOf(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * MySQL GTID / ANONYMOUS_GTID (libbinlogevents control_events.h, Gtid_event): flags u8, source
 * UUID, gno i64, then — each part present only on servers that write it — the logical clock
 * (type byte 2, last_committed, sequence_number), the 7-byte immediate commit timestamp whose top
 * bit announces a 7-byte original one, the transaction length (packed integer), and the 4-byte
 * immediate server version whose top bit announces the original one.
 */
function mysqlGtid(r: ByteReader, base: { header: EventHeader; position: number | undefined }, kind: 'gtid' | 'anonymous-gtid'): MysqlGtidEvent {
  const flags = r.u8('GTID flags');
  const uuid = uuidOf(r.view(16, 'GTID source id'));
  const gno = r.i64('GTID number');
  let lastCommitted: bigint | undefined;
  let sequenceNumber: bigint | undefined;
  let immediateCommitTimestamp: bigint | undefined;
  let originalCommitTimestamp: bigint | undefined;
  let transactionLength: bigint | undefined;
  let immediateServerVersion: number | undefined;
  let originalServerVersion: number | undefined;
  if (r.remaining > 0 && r.buf[r.pos] === 2) {
    r.skip(1);
    lastCommitted = r.i64('last_committed');
    sequenceNumber = r.i64('sequence_number');
    if (r.remaining >= 7) {
      const immediate = BigInt(r.uintLE(6)) | (BigInt(r.u8()) << 48n);
      if ((immediate & (1n << 55n)) !== 0n) {
        immediateCommitTimestamp = immediate & ~(1n << 55n);
        originalCommitTimestamp = BigInt(r.uintLE(6, 'original commit timestamp')) | (BigInt(r.u8('original commit timestamp')) << 48n);
      } else {
        immediateCommitTimestamp = immediate;
        originalCommitTimestamp = immediate;
      }
      if (r.remaining >= 1) transactionLength = BigInt(r.lenenc('transaction length'));
      if (r.remaining >= 4) {
        const immediateVersion = r.u32();
        if ((immediateVersion & 0x8000_0000) !== 0) {
          immediateServerVersion = immediateVersion & 0x7fff_ffff;
          originalServerVersion = r.u32('original server version');
        } else {
          immediateServerVersion = immediateVersion;
          originalServerVersion = immediateVersion;
        }
      }
    }
  }
  return {
    ...base,
    kind,
    flags,
    uuid,
    gno,
    tag: '',
    lastCommitted,
    sequenceNumber,
    immediateCommitTimestamp,
    originalCommitTimestamp,
    transactionLength,
    immediateServerVersion,
    originalServerVersion,
  };
}

/**
 * PREVIOUS_GTIDS: a count of source ids, then per source its UUID, the number of intervals and
 * the intervals as [start, end) pairs of int64. MySQL 8.3+ may write the tagged form, marked by
 * the count's top byte: the count is then bytes 1–6 and each UUID is followed by a tag.
 */
function previousGtids(r: ByteReader, base: { header: EventHeader; position: number | undefined }): PreviousGtidsEvent {
  r.need(8, 'source id count');
  const tagged = r.buf[r.pos + 7] === 1;
  const count = tagged ? r.buf.readUIntLE(r.pos + 1, 6) : Number(r.buf.readBigUInt64LE(r.pos));
  r.skip(8);
  // Each source takes at least 24 bytes, so a count the body cannot hold is refused before use.
  if (!Number.isSafeInteger(count) || count * 24 > r.remaining) throw malformed(`${count} GTID sources cannot fit in ${r.remaining} bytes`);
  const sets = [];
  for (let i = 0; i < count; i++) {
    const uuid = uuidOf(r.view(16, 'source id'));
    let tag = '';
    if (tagged) tag = r.utf8(r.u8('tag length') >> 1, 'tag');
    const n = r.u64('interval count');
    if (n * 16n > BigInt(r.remaining)) throw malformed(`${n} GTID intervals cannot fit in ${r.remaining} bytes`);
    const intervals: [bigint, bigint][] = [];
    for (let k = 0; k < Number(n); k++) intervals.push([r.i64('interval start'), r.i64('interval end')]);
    sets.push({ uuid, tag, intervals });
  }
  return { ...base, kind: 'previous-gtids', sets };
}

/**
 * MariaDB GTID (sql/log_event.cc, Gtid_log_event): sequence u64, domain u32, flags u8; a commit
 * id u64 with FL_GROUP_COMMIT_ID (2); an XID (format u32, gtrid and bqual lengths, data) with
 * FL_PREPARED_XA (64) or FL_COMPLETED_XA (128); then extra flags the decoder does not need.
 */
function mariadbGtid(r: ByteReader, base: { header: EventHeader; position: number | undefined }, serverId: number): BinlogEvent {
  const sequence = r.u64('GTID sequence');
  const domainId = r.u32('GTID domain');
  const flags = r.u8('GTID flags');
  const commitId = (flags & 2) !== 0 ? r.u64('GTID commit id') : undefined;
  let xa: { formatId: number; gtrid: Uint8Array; bqual: Uint8Array } | undefined;
  if ((flags & (64 | 128)) !== 0) {
    const formatId = r.u32('XA format id');
    const gtridLength = r.u8('XA gtrid length');
    const bqualLength = r.u8('XA bqual length');
    xa = { formatId, gtrid: r.copy(gtridLength, 'XA gtrid'), bqual: r.copy(bqualLength, 'XA bqual') };
  }
  return {
    ...base,
    kind: 'mariadb-gtid',
    domainId,
    serverId,
    sequence,
    flags,
    commitId,
    xa,
    gtid: `${domainId}-${serverId}-${sequence}`,
  };
}

/** HEARTBEAT_V2 (MySQL 8.0.26+): type/length/value fields, 1 = file name, 2 = position (packed integer), 0 = end. */
function heartbeatV2(r: ByteReader, base: { header: EventHeader; position: number | undefined }): BinlogEvent {
  let file = '';
  let filePosition = 0n;
  while (r.remaining > 0) {
    const field = r.u8('heartbeat field');
    if (field === 0) break;
    const value = r.slice(r.u8('heartbeat field length'), 'heartbeat field');
    if (field === 1) file = value.utf8(value.remaining, 'heartbeat file name');
    else if (field === 2) filePosition = BigInt(value.lenenc('heartbeat position'));
  }
  return { ...base, kind: 'heartbeat', version: 2, file, filePosition };
}
