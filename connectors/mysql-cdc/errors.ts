import { ConnectError, ConnectErrorCode } from '../../connect/api/index.ts';
import { BrookError } from '../../core/base/index.ts';

/**
 * Codes of the connector's own faults, below the Connect codes its task failures carry. The
 * binlog decoder's codes (`ERR_BINLOG_*`) are in binlog/errors.ts.
 */
export const MySqlCdcErrorCode = {
  /** A DDL statement about a table that the schema catalog cannot follow. */
  DDL_PARSE: 'ERR_MYSQL_CDC_DDL_PARSE',
  /** The server ended a binlog dump with an error, or the dump's connection was lost. */
  DUMP: 'ERR_MYSQL_CDC_DUMP',
  /** A value the server sent is not in the form its column type promises. */
  BAD_VALUE: 'ERR_MYSQL_CDC_BAD_VALUE',
  /** A partial JSON update (MySQL's PARTIAL_JSON) that does not apply to its row's before image. */
  JSON_DIFF: 'ERR_MYSQL_CDC_JSON_DIFF',
  /** The TLS connection to the server could not be set up as database.ssl.mode asks. */
  TLS: 'ERR_MYSQL_CDC_TLS',
} as const;
export type MySqlCdcErrorCode = (typeof MySqlCdcErrorCode)[keyof typeof MySqlCdcErrorCode];

/** A DDL statement about tables the catalog cannot follow (schema.history.internal.skip.unparseable.ddl skips it). */
export class DdlParseError extends BrookError {
  constructor(message: string) {
    super(MySqlCdcErrorCode.DDL_PARSE, message);
  }
}

/**
 * A server error (1236: purged or impossible position) or a lost connection ending a binlog
 * dump. A lost connection is retriable (the streamer reconnects); a server error is not.
 */
export class DumpError extends BrookError {
  /** The server's error number, when the server sent one. */
  readonly errno: number | undefined;
  constructor(message: string, errno: number | undefined, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(MySqlCdcErrorCode.DUMP, message, options);
    this.errno = errno;
  }
}

/** A value that does not parse as its column type says it should (a server or decoder bug). */
export function badValueError(message: string): BrookError {
  return new BrookError(MySqlCdcErrorCode.BAD_VALUE, message);
}

/**
 * The connector's faults. Each message says what is wrong and what to do about it; the codes are
 * Connect's (config, retriable, data, other), so the runtime knows which ones to retry.
 */
export function configError(message: string): ConnectError {
  return new ConnectError(ConnectErrorCode.CONFIG, message);
}

/** The server is set up in a way the connector cannot work with (binlog off, STATEMENT format...). */
export function serverSetupError(message: string): ConnectError {
  return new ConnectError(ConnectErrorCode.CONNECT, message);
}

/** A connection dropped or a server was briefly unavailable: trying again may work. */
export function connectionError(message: string, cause?: unknown): ConnectError {
  return new ConnectError(ConnectErrorCode.RETRIABLE, message, cause === undefined ? {} : { cause });
}

/** A fault that needs someone to act (purged binlog, lost schema history): no retry helps. */
export function fatalError(message: string, cause?: unknown): ConnectError {
  return new ConnectError(ConnectErrorCode.CONNECT, message, cause === undefined ? {} : { cause });
}

/** MySQL's ER_MASTER_FATAL_ERROR_READING_BINLOG: the requested position is gone or impossible. */
export const ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;

/** The message for a binlog the server no longer has, shared by the task and snapshot.mode=when_needed. */
export function purgedBinlogError(file: string, pos: number, serverMessage: string): ConnectError {
  return fatalError(
    `The binlog position the connector stopped at (${file}:${pos}) is no longer available on the server (${serverMessage}). ` +
      'The changes in between are lost to it. Re-snapshot: set snapshot.mode=when_needed (snapshots again when the position is purged) ' +
      "or delete the connector's offsets and restart it with snapshot.mode=initial; keep binlogs longer (binlog_expire_logs_seconds / expire_logs_days) so it does not happen again.",
  );
}
