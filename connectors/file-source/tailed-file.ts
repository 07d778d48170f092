import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** How many leading bytes of a file its fingerprint covers (Filebeat's fingerprint length). */
export const FINGERPRINT_BYTES = 1024;

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * Receives one record's worth of a file: a line without its terminator, or a piece of one.
 * `offset` is its first byte, `next` the byte after it (and after its terminator, if it has one);
 * `continued` says the line goes on after this piece.
 */
export type LineHandler = (value: string, offset: number, next: number, continued: boolean) => void;

/**
 * Where to cut `bytes` at or before `end` so that no UTF-8 character is split: `end` itself when
 * the character before it is complete, else the start of that character. A newline never occurs
 * inside a multi-byte character, so only pieces cut inside a line need this.
 */
export function charBoundary(bytes: Uint8Array, end: number): number {
  if (end <= 0) return 0;
  let start = end - 1;
  while (start > 0 && start > end - 4 && (bytes[start]! & 0xc0) === 0x80) start--;
  const lead = bytes[start]!;
  const length = lead < 0x80 ? 1 : (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 1;
  return start + length > end ? start : end;
}

/** `length:hash` of a file's first bytes: tells a reused inode or replaced content apart. */
export function fingerprintOf(head: Uint8Array): string {
  return `${head.length}:${createHash('sha256').update(head).digest('hex').slice(0, 16)}`;
}

/** The length a fingerprint string covers, or undefined if it is not one. */
export function fingerprintLength(fingerprint: string): number | undefined {
  const match = /^(\d{1,4}):[0-9a-f]{16}$/.exec(fingerprint);
  if (match === null) return undefined;
  const length = Number(match[1]);
  return length <= FINGERPRINT_BYTES ? length : undefined;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * One file being tailed, read through its own handle at a byte offset: a rename or a new file
 * at its path never changes which bytes it reads. It keeps the bytes after the last newline
 * (a partial line) until the newline comes, so offsets are always at line boundaries, or at
 * character boundaries for pieces of a line sent early.
 */
export class TailedFile {
  /** `dev:ino`. */
  readonly identity: string;
  readonly dev: number;
  readonly ino: number;
  /** The path it was first tailed at: the record key. */
  originPath: string;
  /** Where it is now; null once it was renamed away from every tailed path or deleted. */
  currentPath: string | null;
  /** The first byte not yet sent. */
  position = 0;
  /** When it last grew (scheduler time), for flush-after-idle and closing rotated files. */
  lastGrowthAt: number;
  /** Its last read ended at the end of the file. */
  atEof = false;
  /** A file-system event or a rescan says it may have grown since it was last read to its end. */
  mayHaveData = true;
  /** The last record ended inside a line. */
  continued = false;

  private readonly handle: FileHandle;
  /** Bytes read after `position` that end in no newline yet: [position, readPosition). */
  private pending: Buffer = EMPTY;
  private readPosition = 0;
  private readonly head = Buffer.alloc(FINGERPRINT_BYTES);
  private headLength = 0;
  private fingerprintCache: { length: number; value: string } = { length: -1, value: '' };
  private closed = false;

  private constructor(handle: FileHandle, dev: number, ino: number, filePath: string, now: number) {
    this.handle = handle;
    this.dev = dev;
    this.ino = ino;
    this.identity = `${dev}:${ino}`;
    this.originPath = filePath;
    this.currentPath = filePath;
    this.lastGrowthAt = now;
  }

  /**
   * Opens a regular file for tailing; null when it is gone, or is not a regular file (a FIFO, a
   * device or a directory can not be tailed by offset). Other errors (EACCES) are thrown.
   */
  static async open(filePath: string, now: number): Promise<TailedFile | null> {
    let handle: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO that slipped in between the scan and here must not wait for
      // a writer; it is refused just below.
      handle = await fs.open(filePath, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        await handle.close();
        return null;
      }
      return new TailedFile(handle, stat.dev, stat.ino, filePath, now);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Reading starts at `position` (a line boundary) of this file. */
  async resume(position: number, continued: boolean, originPath: string): Promise<void> {
    this.position = position;
    this.readPosition = position;
    this.continued = continued;
    this.originPath = originPath;
    this.pending = EMPTY;
    this.headLength = 0;
    const wanted = Math.min(FINGERPRINT_BYTES, position);
    while (this.headLength < wanted) {
      const { bytesRead } = await this.handle.read(this.head, this.headLength, wanted - this.headLength, this.headLength);
      if (bytesRead === 0) break;
      this.headLength += bytesRead;
    }
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  /** The fingerprint of the file's first `length` bytes as they are now on disk. */
  async fingerprintOnDisk(length: number): Promise<string | undefined> {
    const bytes = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(bytes, filled, length - filled, filled);
      if (bytesRead === 0) return undefined;
      filled += bytesRead;
    }
    return fingerprintOf(bytes);
  }

  /**
   * The offset just after the last complete line before `size`, looking back at most `maxScan`
   * bytes (`size` when no newline is that close; 0 when the file is one unfinished line).
   */
  async lastLineEnd(size: number, maxScan: number, buffer: Buffer): Promise<number> {
    let end = size;
    while (end > 0 && size - end < maxScan) {
      const length = Math.min(buffer.length, end, maxScan - (size - end));
      const from = end - length;
      const { bytesRead } = await this.handle.read(buffer, 0, length, from);
      const newline = buffer.subarray(0, bytesRead).lastIndexOf(LF);
      if (newline >= 0) return from + newline + 1;
      end = from;
    }
    return end === 0 ? 0 : size;
  }

  /** The fingerprint that goes with a record ending at `next` (which this file has read past). */
  fingerprintAt(next: number): string {
    const length = Math.min(FINGERPRINT_BYTES, next, this.headLength);
    if (this.fingerprintCache.length !== length) this.fingerprintCache = { length, value: fingerprintOf(this.head.subarray(0, length)) };
    return this.fingerprintCache.value;
  }

  /**
   * Reads on from where it stopped and hands out up to `budget` records (a line cut into
   * pieces may overshoot it). Bytes read past the budget are dropped and read again next
   * time, so nothing but the partial line is kept between calls. A file smaller than what was
   * read is taken as truncated in place (copytruncate): reading restarts at 0, returning true
   * in `truncated` so the caller can say so.
   */
  async read(budget: number, buffer: Buffer, maxLineBytes: number, now: number, emit: LineHandler): Promise<{ emitted: number; truncated: boolean }> {
    let emitted = 0;
    let truncated = false;
    let sizeChecked = false;
    // Cleared before reading, so an event that arrives while the read is under way stays seen.
    this.mayHaveData = false;
    while (emitted < budget) {
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.readPosition);
      if (bytesRead === 0) {
        if (!sizeChecked) {
          sizeChecked = true;
          if ((await this.size()) < this.readPosition) {
            this.restartAtZero();
            truncated = true;
            continue;
          }
        }
        this.atEof = true;
        return { emitted, truncated };
      }
      this.atEof = false;
      this.lastGrowthAt = now;
      const chunkStart = this.readPosition;
      this.noteHead(buffer, chunkStart, bytesRead);
      this.readPosition += bytesRead;
      const data = buffer.subarray(0, bytesRead);
      let start = 0;
      for (;;) {
        const newline = data.indexOf(LF, start);
        if (newline < 0) break;
        if (this.pending.length > 0) {
          const line = Buffer.concat([this.pending, data.subarray(start, newline)]);
          this.pending = EMPTY;
          emitted += this.emitLine(line, 0, line.length, chunkStart + newline + 1, maxLineBytes, emit);
        } else {
          // Read where it lies: no view object per line.
          emitted += this.emitLine(data, start, newline, chunkStart + newline + 1, maxLineBytes, emit);
        }
        start = newline + 1;
        if (emitted >= budget && start < bytesRead) {
          // Nothing is pending right after a line: the rest is read again from `position`.
          this.readPosition = this.position;
          this.mayHaveData = true;
          return { emitted, truncated };
        }
      }
      if (start < bytesRead) {
        const rest = data.subarray(start);
        this.pending = this.pending.length === 0 ? Buffer.from(rest) : Buffer.concat([this.pending, rest]);
        if (this.pending.length > maxLineBytes) emitted += this.emitPieces(maxLineBytes, emit);
      }
    }
    // The budget ran out: there may be more.
    this.mayHaveData = true;
    return { emitted, truncated };
  }

  /** Whether bytes of an unfinished line are waiting for their newline. */
  hasPartialLine(): boolean {
    return this.pending.length > 0;
  }

  /**
   * Sends the unfinished line as it is, up to its last complete character (and short of a
   * trailing CR, which may be half of a CRLF): its rest, if any, becomes the next record.
   */
  flushPartialLine(emit: LineHandler): number {
    let cut = charBoundary(this.pending, this.pending.length);
    if (cut > 0 && this.pending[cut - 1] === CR) cut--;
    if (cut === 0) return 0;
    this.emitPiece(cut, emit);
    return 1;
  }

  /** The file is done with (rotated away and idle, or deleted): its unfinished line is its last. */
  finish(emit: LineHandler): number {
    if (this.pending.length === 0) return 0;
    const line = this.pending;
    this.pending = EMPTY;
    // The file ends here: a line that just lacked its newline ends at the end of what was read.
    return this.emitLine(line, 0, line.length, this.readPosition, Number.MAX_SAFE_INTEGER, emit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private restartAtZero(): void {
    this.position = 0;
    this.readPosition = 0;
    this.pending = EMPTY;
    this.continued = false;
    this.headLength = 0;
    this.fingerprintCache = { length: -1, value: '' };
  }

  private noteHead(buffer: Buffer, chunkStart: number, bytesRead: number): void {
    if (this.headLength >= FINGERPRINT_BYTES || chunkStart > this.headLength) return;
    const end = Math.min(FINGERPRINT_BYTES, chunkStart + bytesRead);
    if (end <= this.headLength) return;
    buffer.copy(this.head, this.headLength, this.headLength - chunkStart, end - chunkStart);
    this.headLength = end;
  }

  /** One complete line, bytes [start, end) of `bytes` (without its LF), ending the file's bytes at `next`. */
  private emitLine(bytes: Buffer, start: number, lineEnd: number, next: number, maxLineBytes: number, emit: LineHandler): number {
    let end = lineEnd;
    if (end > start && bytes[end - 1] === CR) end--;
    if (end === start && this.continued) {
      // The terminator of a line already sent in pieces: no line of its own.
      this.position = next;
      this.continued = false;
      return 0;
    }
    let count = 0;
    let from = start;
    while (end - from > maxLineBytes) {
      let cut = start + charBoundary(bytes.subarray(start, lineEnd), from - start + maxLineBytes);
      if (cut <= from) cut = from + maxLineBytes;
      const offset = this.position;
      this.position += cut - from;
      this.continued = true;
      emit(bytes.toString('utf8', from, cut), offset, this.position, true);
      from = cut;
      count++;
    }
    const offset = this.position;
    this.position = next;
    this.continued = false;
    emit(bytes.toString('utf8', from, end), offset, next, false);
    return count + 1;
  }

  /** Sends pieces of an unfinished line longer than maxLineBytes until what is left fits. */
  private emitPieces(maxLineBytes: number, emit: LineHandler): number {
    let count = 0;
    while (this.pending.length > maxLineBytes) {
      let cut = charBoundary(this.pending, maxLineBytes);
      if (cut === 0) cut = maxLineBytes;
      if (cut > 1 && this.pending[cut - 1] === CR) cut--;
      this.emitPiece(cut, emit);
      count++;
    }
    return count;
  }

  private emitPiece(cut: number, emit: LineHandler): void {
    const offset = this.position;
    this.position += cut;
    this.continued = true;
    const value = this.pending.toString('utf8', 0, cut);
    // A copy, so the larger buffer the piece came from can go.
    this.pending = Buffer.from(this.pending.subarray(cut));
    emit(value, offset, this.position, true);
  }
}
