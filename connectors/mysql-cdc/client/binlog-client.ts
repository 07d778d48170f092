import { EventEmitter } from 'node:events';
import type { Connection } from 'mysql2/promise';
import { configError, DumpError } from '../errors.ts';
import { openServerConnection } from '../server-connection.ts';
import type { ServerConnectionOptions } from '../server-connection.ts';

export { DumpError };

/** Where a dump starts: a file and position, or a GTID state. */
export type DumpStart =
  | { readonly kind: 'position'; readonly file: string; readonly pos: number }
  /** MariaDB: `domain-server-seq,...`, the last transaction of each domain already seen. */
  | { readonly kind: 'mariadb-gtid'; readonly gtids: string }
  /** MySQL: the GTID set already seen, as `uuid:1-10:12,uuid2:1-3`. */
  | { readonly kind: 'mysql-gtid'; readonly gtidSet: string };

export interface BinlogConnectionOptions extends ServerConnectionOptions {
  /** The server id this replica registers with (database.server.id). */
  readonly serverId: number;
  /** master_heartbeat_period: the server sends a heartbeat after this long without events; 0 = none. */
  readonly heartbeatPeriodMs: number;
}

/** What a dump delivers: raw events (the bytes after the 0x00 OK marker), then its end. */
export interface DumpListener {
  event(bytes: Buffer): void;
  /** The stream ended: `error` null means the server closed it cleanly (non-blocking dump). */
  end(error: DumpError | null): void;
}

/** The parts of mysql2's internal connection a custom command uses (not in its typings). */
interface CoreConnection {
  addCommand(command: object): void;
  write(buffer: Buffer): void;
  _resetSequenceId(): void;
  _bumpSequenceId(n: number): void;
  pause(): void;
  resume(): void;
}

interface RawPacket {
  readonly buffer: Buffer;
  readonly start: number;
  readonly offset: number;
  readonly end: number;
}

function packet(body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(body.length, 0, 3);
  header[3] = 0; // A command starts a new sequence.
  return Buffer.concat([header, body]);
}

function errorOf(bytes: Buffer): DumpError {
  const errno = bytes.length >= 3 ? bytes.readUInt16LE(1) : undefined;
  // ERR packet: 0xff, errno u16, '#', 5-byte SQL state, message.
  const message = bytes.length > 9 && bytes[3] === 0x23 ? bytes.subarray(9).toString('utf8') : bytes.subarray(3).toString('utf8');
  return new DumpError(message, errno);
}

/**
 * A mysql2 command that writes one raw command packet and hands every reply packet to a
 * callback, until the callback says it is done. mysql2 runs it like its own commands (it owns
 * auth, TLS, framing and multi-packet reassembly); this is how the replication commands, which
 * mysql2 does not implement usefully, reach the wire.
 */
class RawCommand extends EventEmitter {
  private started = false;
  private readonly body: Buffer;
  private readonly onPacket: (bytes: Buffer) => boolean;
  private readonly onError: (error: Error) => void;

  constructor(body: Buffer, onPacket: (bytes: Buffer) => boolean, onError: (error: Error) => void) {
    super();
    this.body = body;
    this.onPacket = onPacket;
    this.onError = onError;
  }

  /** mysql2's Command protocol: called first with no packet, then once per reply; true = done. */
  execute(raw: RawPacket | undefined, connection: CoreConnection): boolean {
    if (!this.started) {
      this.started = true;
      connection._resetSequenceId();
      connection.write(packet(this.body));
      connection._bumpSequenceId(1);
      if (raw === undefined) return false;
    }
    if (raw === undefined) return false;
    const done = this.onPacket(raw.buffer.subarray(raw.offset, raw.end));
    if (done) this.emit('end');
    return done;
  }

  /** mysql2 calls this with a connection-level error (lost connection, fatal protocol error). */
  onResult(error: Error | null): void {
    if (error !== null) this.onError(error);
  }
}

/**
 * One replication connection: a mysql2 connection that registers as a replica
 * (COM_REGISTER_SLAVE), declares itself checksum-aware, and streams the binlog
 * (COM_BINLOG_DUMP, or MySQL's COM_BINLOG_DUMP_GTID). The events are handed over as bytes; the
 * decoder in ../binlog reads them. Flow control: pause() stops reading the socket (TCP pushes
 * back on the server), resume() continues.
 */
export class BinlogConnection {
  readonly mariadb: boolean;
  readonly serverVersion: string;
  private readonly connection: Connection;
  private readonly core: CoreConnection;
  private readonly options: BinlogConnectionOptions;
  private closed = false;

  private constructor(connection: Connection, options: BinlogConnectionOptions, mariadb: boolean, serverVersion: string) {
    this.connection = connection;
    this.core = (connection as unknown as { connection: CoreConnection }).connection;
    this.options = options;
    this.mariadb = mariadb;
    this.serverVersion = serverVersion;
  }

  static async open(options: BinlogConnectionOptions): Promise<BinlogConnection> {
    const connection = await openServerConnection(options, {
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    // Without a listener, an error after the dump ends would be thrown as 'error' on the emitter.
    (connection as unknown as { connection: EventEmitter }).connection.on('error', () => {});
    try {
      const [rows] = await connection.query('SELECT VERSION() AS v');
      const version = (rows as { v: string }[])[0]?.v ?? '';
      return new BinlogConnection(connection, options, /mariadb/i.test(version), version);
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    const [rows] = await this.connection.query(sql, params);
    return rows as T[];
  }

  /**
   * Prepares the session and starts the dump. Resolves once the server accepted the
   * registration; events then flow to the listener until the dump ends (error or close).
   */
  async startDump(start: DumpStart, listener: DumpListener): Promise<void> {
    const [checksum] = await this.query<{ Value: string }>("SHOW GLOBAL VARIABLES LIKE 'binlog_checksum'");
    if (checksum !== undefined) {
      // Declaring the checksum we can verify makes the server keep CRC32s on the events.
      await this.query('SET @master_binlog_checksum = @@global.binlog_checksum, @source_binlog_checksum = @@global.binlog_checksum');
    }
    if (this.mariadb) {
      // 4 = MARIA_SLAVE_CAPABILITY_GTID: GTID events, annotate rows, checkpoints as MariaDB writes them.
      await this.query('SET @mariadb_slave_capability = 4');
    }
    if (this.options.heartbeatPeriodMs > 0) {
      await this.query(`SET @master_heartbeat_period = ${BigInt(this.options.heartbeatPeriodMs) * 1_000_000n}`);
    }
    if (start.kind === 'mariadb-gtid') {
      if (!this.mariadb) throw configError(`a MariaDB GTID position (${start.gtids}) cannot be used on ${this.serverVersion}, which is not MariaDB: delete the connector's offsets to snapshot again`);
      await this.query('SET @slave_connect_state = ?', [start.gtids]);
      await this.query('SET @slave_gtid_strict_mode = 0');
      await this.query('SET @slave_gtid_ignore_duplicates = 0');
    }
    await this.register();
    this.dump(start, listener);
  }

  private register(): Promise<void> {
    const host = Buffer.from('brook', 'utf8');
    const body = Buffer.alloc(1 + 4 + 1 + host.length + 1 + 1 + 2 + 4 + 4);
    let o = 0;
    o = body.writeUInt8(0x15, o); // COM_REGISTER_SLAVE
    o = body.writeUInt32LE(this.options.serverId, o);
    o = body.writeUInt8(host.length, o);
    o += host.copy(body, o);
    o = body.writeUInt8(0, o); // user
    o = body.writeUInt8(0, o); // password
    o = body.writeUInt16LE(0, o); // port
    o = body.writeUInt32LE(0, o); // rank
    body.writeUInt32LE(0, o); // master id
    return new Promise((resolve, reject) => {
      this.core.addCommand(
        new RawCommand(
          body,
          (reply) => {
            if (reply[0] === 0xff) reject(errorOf(reply));
            else resolve();
            return true;
          },
          reject,
        ),
      );
    });
  }

  private dump(start: DumpStart, listener: DumpListener): void {
    let body: Buffer;
    if (start.kind === 'mysql-gtid') {
      const set = encodeMysqlGtidSet(start.gtidSet);
      body = Buffer.alloc(1 + 2 + 4 + 4 + 0 + 8 + 4 + set.length);
      let o = 0;
      o = body.writeUInt8(0x1e, o); // COM_BINLOG_DUMP_GTID
      o = body.writeUInt16LE(0x04, o); // BINLOG_THROUGH_GTID
      o = body.writeUInt32LE(this.options.serverId, o);
      o = body.writeUInt32LE(0, o); // file name length: none
      o = body.writeBigUInt64LE(4n, o);
      o = body.writeUInt32LE(set.length, o);
      set.copy(body, o);
    } else {
      const file = Buffer.from(start.kind === 'position' ? start.file : '', 'utf8');
      const pos = start.kind === 'position' ? start.pos : 4;
      body = Buffer.alloc(1 + 4 + 2 + 4 + file.length);
      let o = 0;
      o = body.writeUInt8(0x12, o); // COM_BINLOG_DUMP
      o = body.writeUInt32LE(pos, o);
      // Blocking (no EOF at the end); MariaDB: 2 = send ANNOTATE_ROWS, for source.query.
      o = body.writeUInt16LE(this.mariadb ? 0x02 : 0, o);
      o = body.writeUInt32LE(this.options.serverId, o);
      file.copy(body, o);
    }
    let ended = false;
    const end = (error: DumpError | null): void => {
      if (ended) return;
      ended = true;
      listener.end(error);
    };
    this.core.addCommand(
      new RawCommand(
        body,
        (reply) => {
          const marker = reply[0];
          if (marker === 0x00) {
            listener.event(reply.subarray(1));
            return false;
          }
          if (marker === 0xff) end(errorOf(reply));
          else end(null); // 0xfe: EOF
          return true;
        },
        (error) => {
          const errno = (error as { errno?: number }).errno;
          end(new DumpError(error.message, errno, { retriable: true, cause: error }));
        },
      ),
    );
  }

  pause(): void {
    this.core.pause();
  }

  resume(): void {
    this.core.resume();
  }

  /** Closes the socket at once: a dump never ends by itself, so a polite QUIT would wait behind it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.destroy();
  }
}

/** MySQL's binary GTID set: n_sids, then per UUID its intervals [start, end). */
export function encodeMysqlGtidSet(text: string): Buffer {
  const sets = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const [uuid = '', ...ranges] = s.split(':');
      const intervals = ranges.map((r) => {
        const [a = '0', b] = r.split('-');
        return [BigInt(a), BigInt(b ?? a) + 1n] as const;
      });
      return { uuid: Buffer.from(uuid.replace(/-/g, ''), 'hex'), intervals };
    });
  const size = 8 + sets.reduce((n, s) => n + 16 + 8 + s.intervals.length * 16, 0);
  const out = Buffer.alloc(size);
  let o = out.writeBigUInt64LE(BigInt(sets.length), 0);
  for (const s of sets) {
    o += s.uuid.copy(out, o, 0, 16);
    o = out.writeBigUInt64LE(BigInt(s.intervals.length), o);
    for (const [a, b] of s.intervals) {
      o = out.writeBigUInt64LE(a, o);
      o = out.writeBigUInt64LE(b, o);
    }
  }
  return out;
}
