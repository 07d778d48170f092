import { ConnectError, ConnectErrorCode } from '../../connect/api/index.ts';

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
