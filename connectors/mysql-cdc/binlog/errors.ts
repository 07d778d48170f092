import { BrookError } from '../../../core/base/index.ts';

export const BinlogErrorCode = {
  /** The bytes do not form the event their header announces: a length, count or field is out of range. */
  MALFORMED_EVENT: 'ERR_BINLOG_MALFORMED_EVENT',
  /** The CRC32 stored in an event's last four bytes does not match the event. */
  CHECKSUM_MISMATCH: 'ERR_BINLOG_CHECKSUM_MISMATCH',
  /** A file does not start with the binlog magic bytes. */
  BAD_MAGIC: 'ERR_BINLOG_BAD_MAGIC',
  /** A rows event names a table id no TABLE_MAP event has described. */
  UNKNOWN_TABLE: 'ERR_BINLOG_UNKNOWN_TABLE',
  /** A well-formed event uses something this decoder cannot read (an encrypted binlog, a new compression type). */
  UNSUPPORTED: 'ERR_BINLOG_UNSUPPORTED',
  /** A compressed transaction would expand beyond the configured limit. */
  PAYLOAD_TOO_LARGE: 'ERR_BINLOG_PAYLOAD_TOO_LARGE',
  /**
   * The decoder itself failed on an input it should have rejected with MALFORMED_EVENT: a bug,
   * reported with its cause instead of escaping as an untyped exception.
   */
  DECODER_FAULT: 'ERR_BINLOG_DECODER_FAULT',
} as const;
export type BinlogErrorCode = (typeof BinlogErrorCode)[keyof typeof BinlogErrorCode];

/** Where in the binlog an error happened, for the message and for callers that skip or stop. */
export interface BinlogLocation {
  /** The binlog file name, when the decoder knows it (from its options or a ROTATE event). */
  readonly file: string | undefined;
  /** The event's start offset in that file, when known. */
  readonly position: number | undefined;
  /** The event type code from the header, when the header could be read. */
  readonly eventType: number | undefined;
}

export class BinlogError extends BrookError {
  declare readonly code: BinlogErrorCode;
  readonly file: string | undefined;
  readonly position: number | undefined;
  readonly eventType: number | undefined;

  constructor(code: BinlogErrorCode, message: string, location: Partial<BinlogLocation> = {}, options: { cause?: unknown } = {}) {
    super(code, `${describeLocation(location)}: ${message}`, options);
    this.file = location.file;
    this.position = location.position;
    this.eventType = location.eventType;
  }
}

function describeLocation(location: Partial<BinlogLocation>): string {
  const where = `${location.file ?? '(unknown file)'}:${location.position === undefined ? '?' : String(location.position)}`;
  return location.eventType === undefined ? `binlog event at ${where}` : `binlog event at ${where} (type ${location.eventType})`;
}

/**
 * Thrown by the byte reader without a location; the decoder catches it at the event boundary and
 * rethrows a BinlogError that names file, position and event type.
 */
export class MalformedInput extends BrookError {
  constructor(message: string) {
    super(BinlogErrorCode.MALFORMED_EVENT, message);
  }
}

export function malformed(message: string): MalformedInput {
  return new MalformedInput(message);
}
