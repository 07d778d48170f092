import fs from 'node:fs';
import { LogError, LogErrorCode } from './errors.ts';

/** One aborted transaction, as Kafka's AbortedTxn: the producer, its first and last (marker) offsets. */
export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  /** The offset of the ABORT marker. */
  readonly lastOffset: bigint;
  /** The partition's last stable offset once the marker was written. */
  readonly lastStableOffset: bigint;
}

/** Kafka's AbortedTxn layout: int16 version, int64 producerId, firstOffset, lastOffset, lastStableOffset. */
export const TXN_INDEX_ENTRY_BYTES = 34;
const TXN_INDEX_VERSION = 0;

/**
 * A segment's `.txnindex`: the transactions aborted by a marker inside the segment, in
 * marker order, byte for byte Kafka's format. A read_committed fetch takes the entries
 * whose range overlaps what it returns, so the consumer can drop the aborted records. The
 * file exists only once an entry was written (as Kafka creates it lazily); entries stay in
 * memory, since a segment aborts few transactions.
 */
export class TransactionIndex {
  readonly path: string;
  private entries: AbortedTxn[] = [];
  private fd: number | undefined;
  private dirty = false;

  constructor(path: string) {
    this.path = path;
    this.load();
  }

  get all(): readonly AbortedTxn[] {
    return this.entries;
  }

  append(entry: AbortedTxn): void {
    const last = this.entries.at(-1);
    if (last !== undefined && entry.lastOffset <= last.lastOffset) {
      throw new LogError(
        LogErrorCode.INVALID_BATCH,
        `aborted transaction ending at ${entry.lastOffset} is not after the last one in ${this.path}, which ends at ${last.lastOffset}`,
      );
    }
    const buf = encodeEntry(entry);
    this.fd ??= fs.openSync(this.path, 'a+');
    let written = 0;
    while (written < buf.length) written += fs.writeSync(this.fd, buf, written, buf.length - written);
    this.entries.push(entry);
    this.dirty = true;
  }

  /** Whether an entry for the marker at `lastOffset` is present; a replay adds only missing ones. */
  has(lastOffset: bigint): boolean {
    return this.entries.some((e) => e.lastOffset === lastOffset);
  }

  /** Entries overlapping [fromOffset, upperBound): the marker at or after fromOffset, the first record before upperBound. */
  collect(fromOffset: bigint, upperBound: bigint, into: AbortedTxn[]): void {
    for (const e of this.entries) if (e.lastOffset >= fromOffset && e.firstOffset < upperBound) into.push(e);
  }

  /** Drops entries whose marker is at or after `offset`: the log was cut there. */
  truncateTo(offset: bigint): number {
    const kept = this.entries.filter((e) => e.lastOffset < offset);
    const dropped = this.entries.length - kept.length;
    if (dropped === 0) return 0;
    this.entries = kept;
    this.closeFd();
    fs.truncateSync(this.path, kept.length * TXN_INDEX_ENTRY_BYTES);
    return dropped;
  }

  sync(): void {
    if (this.fd === undefined || !this.dirty) return;
    fs.fdatasyncSync(this.fd);
    this.dirty = false;
  }

  syncAsync(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined || !this.dirty) return Promise.resolve();
    this.dirty = false;
    return new Promise((resolve, reject) => {
      fs.fdatasync(fd, (err) => {
        if (err) {
          this.dirty = true;
          reject(err);
        } else {
          resolve();
        }
      });
    });
  }

  close(): void {
    this.closeFd();
  }

  delete(): void {
    this.closeFd();
    fs.rmSync(this.path, { force: true });
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Reads the file; a torn tail (a crash mid-write) is cut off, and an entry that does not
   * parse or follow its predecessor ends the index there: the replay of the producer state
   * adds whatever the log's markers say is missing.
   */
  private load(): void {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new LogError(LogErrorCode.IO_FAILED, `cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    let pos = 0;
    for (; pos + TXN_INDEX_ENTRY_BYTES <= bytes.length; pos += TXN_INDEX_ENTRY_BYTES) {
      const entry = decodeEntry(bytes, pos);
      const last = this.entries.at(-1);
      if (entry === undefined || (last !== undefined && entry.lastOffset <= last.lastOffset)) break;
      this.entries.push(entry);
    }
    if (pos !== bytes.length) fs.truncateSync(this.path, pos);
  }
}

function encodeEntry(e: AbortedTxn): Buffer {
  const buf = Buffer.alloc(TXN_INDEX_ENTRY_BYTES);
  buf.writeInt16BE(TXN_INDEX_VERSION, 0);
  buf.writeBigInt64BE(e.producerId, 2);
  buf.writeBigInt64BE(e.firstOffset, 10);
  buf.writeBigInt64BE(e.lastOffset, 18);
  buf.writeBigInt64BE(e.lastStableOffset, 26);
  return buf;
}

function decodeEntry(buf: Buffer, pos: number): AbortedTxn | undefined {
  if (buf.readInt16BE(pos) !== TXN_INDEX_VERSION) return undefined;
  const entry = {
    producerId: buf.readBigInt64BE(pos + 2),
    firstOffset: buf.readBigInt64BE(pos + 10),
    lastOffset: buf.readBigInt64BE(pos + 18),
    lastStableOffset: buf.readBigInt64BE(pos + 26),
  };
  if (entry.producerId < 0n || entry.firstOffset < 0n || entry.lastOffset < entry.firstOffset) return undefined;
  return entry;
}
