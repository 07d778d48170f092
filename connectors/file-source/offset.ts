import type { Header, SourceOffset, SourcePartition } from '../../connect/api/index.ts';
import { Schemas } from '../../connect/api/index.ts';

/**
 * How far the source has read one file: the position type behind every record's
 * sourcePartition and sourceOffset.
 *
 * A file's identity is its inode (`dev:ino`, which survives renames) checked against a
 * fingerprint of its first bytes (which tells a reused inode or replaced content apart). Only the
 * inode part keys the source partition: a fingerprint of a file that is still shorter than the
 * fingerprint length, or was truncated, changes, and a partition key must not.
 */
export interface FilePosition {
  /** `dev:ino`: the source partition, unchanged by renames. */
  readonly identity: string;
  /**
   * The path the file was first tailed at: the record key and `file` header. It stays the same
   * after a rename, so one file's lines keep one key (and one Kafka partition, in order).
   */
  readonly path: string;
  /** The byte offset of the first byte not yet sent: after the last line and its terminator. */
  readonly position: number;
  /** `length:hash` of the file's first min(1 KiB, position) bytes, checked on restart. */
  readonly fingerprint: string;
  /**
   * The last record ended inside a line (sent after idle, or cut at max.line.bytes): the rest of
   * that line, if it turns out to be empty, is no line of its own.
   */
  readonly continued: boolean;
}

/**
 * Header names of every record. Three, not one per field: each header costs the producer, the
 * broker and every consumer a little, per record.
 */
export const FileHeader = {
  /** The path the file was first tailed at (the record key). */
  FILE: 'file',
  /** The line's first byte offset in the file. */
  OFFSET: 'file.offset',
  /**
   * Where reading resumes after this record, for a restart that finds it in the topic:
   * `<identity>@<next offset>`, with a trailing `+` when the record ends inside a line.
   */
  POSITION: 'file.position',
} as const;

export function sourcePartitionOf(identity: string): SourcePartition {
  return { identity };
}

/** Built per record: two plain literals, not a spread, which costs an object more each time. */
export function toSourceOffset(position: FilePosition): SourceOffset {
  const { position: at, path, identity, fingerprint } = position;
  return position.continued ? { position: at, path, identity, fingerprint, continued: true } : { position: at, path, identity, fingerprint };
}

function isPosition(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Reads a stored offset back; null when absent or not one of ours (it is then ignored). */
export function parseSourceOffset(offset: SourceOffset | null): FilePosition | null {
  if (offset === null) return null;
  const { position, path, identity, fingerprint, continued } = offset;
  if (!isPosition(position) || typeof path !== 'string' || typeof identity !== 'string' || typeof fingerprint !== 'string') return null;
  return { position, path, identity, fingerprint, continued: continued === true };
}

/** The headers of one line's record. */
export function lineHeaders(path: string, identity: string, offset: number, next: number, continued: boolean): Header[] {
  return [
    { key: FileHeader.FILE, schema: Schemas.STRING, value: path },
    { key: FileHeader.OFFSET, schema: Schemas.INT64, value: offset },
    { key: FileHeader.POSITION, schema: Schemas.STRING, value: `${identity}@${next}${continued ? '+' : ''}` },
  ];
}

/** A position read back from a record already in the topic. */
export interface WrittenPosition {
  readonly identity: string;
  readonly path: string;
  readonly position: number;
  readonly continued: boolean;
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return undefined;
}

const POSITION_PATTERN = /^(\d{1,20}:\d{1,20})@(\d{1,16})(\+?)$/;

/**
 * The position after a record this source wrote, from its headers; null for a record that is
 * not one of ours or lost its headers to a transform. Header values may come back as strings
 * or bytes, whichever the worker's header converter makes of them.
 */
export function writtenPositionOf(headers: readonly Header[]): WrittenPosition | null {
  let path: string | undefined;
  let match: RegExpExecArray | null = null;
  for (const header of headers) {
    if (header.key === FileHeader.FILE) path = headerText(header.value);
    else if (header.key === FileHeader.POSITION) match = POSITION_PATTERN.exec(headerText(header.value) ?? '');
  }
  if (path === undefined || match === null) return null;
  const position = Number(match[2]);
  if (!Number.isSafeInteger(position)) return null;
  return { identity: match[1]!, path, position, continued: match[3] === '+' };
}
