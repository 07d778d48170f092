import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SinkRecord, SinkTask, SinkTaskContext, TaskConfig, TopicPartitionOffset } from '../../connect/api/index.ts';
import { ConnectError, ConnectErrorCode } from '../../connect/api/index.ts';
import type { ParsedFileSinkConfig } from './config.ts';
import { parseFileSinkConfig, sidecarPath } from './config.ts';
import { formatValue } from './format.ts';
import type { SinkCheckpoint } from './offset.ts';
import { MAX_SIDECAR_BYTES, parseCheckpoint, partitionKey, serializeCheckpoint } from './offset.ts';

const NEWLINE = Buffer.from('\n');

/** A partition's entry of the sidecar, kept until its first record shows where the consumer starts. */
interface RecoveredEntry {
  readonly offset: bigint;
  readonly committedFrom: bigint | undefined;
}

/**
 * Appends each record's value to one file as a line. put() only buffers (and writes once the
 * buffer is full); flush() writes, fdatasyncs, then records the checkpoint in the sidecar, all
 * before the worker commits the consumer offsets, so a committed record is always on disk.
 * The sidecar only guards the gap between a flush and the commit after it: records the consumer
 * delivers from below that gap (offsets reset, a new group) are appended again, as in Kafka.
 */
export class FileSinkTask implements SinkTask {
  private context: SinkTaskContext | undefined;
  private config: ParsedFileSinkConfig | undefined;
  private handle: FileHandle | undefined;
  /** Bytes in the file, as this task wrote them (the file is opened for appending). */
  private fileLength = 0;
  /**
   * The last offset written (or buffered) for each partition. A record at or below it is
   * already in the file (or on its way): after a restart the worker resends from its last
   * commit, which may be older than the checkpoint.
   */
  private readonly written = new Map<string, bigint>();
  /** The sidecar's entries at start; each is trusted or dropped at its partition's first record. */
  private readonly recovered = new Map<string, RecoveredEntry>();
  /** Partitions that delivered a record since start. */
  private readonly seen = new Set<string>();
  /** Per partition, the lowest offset the group can have committed (see SinkCheckpoint). */
  private readonly committedFrom = new Map<string, bigint>();
  /** The offsets handed to the last flush: the worker commits them right after it. */
  private lastFlushOffsets: ReadonlyMap<string, bigint> | undefined;
  /** The checkpoint the sidecar holds now. */
  private persisted: SinkCheckpoint | undefined;
  private chunks: (string | Uint8Array)[] = [];
  private text = '';
  private bufferedBytes = 0;
  private dirty = false;

  initialize(context: SinkTaskContext): void {
    this.context = context;
  }

  async start(rawConfig: TaskConfig): Promise<void> {
    const config = parseFileSinkConfig(rawConfig);
    this.config = config;
    await fs.mkdir(path.dirname(config.file), { recursive: true });
    const handle = await fs.open(config.file, 'a');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new ConnectError(ConnectErrorCode.CONFIG, `file: ${config.file} is not a regular file`);
      this.fileLength = stat.size;
      if (config.sidecar) await this.recover(handle, config);
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
  }

  put(records: readonly SinkRecord[]): Promise<void> | undefined {
    for (const record of records) {
      // The consumer's position is the original one: transforms may rename the topic.
      const key = partitionKey({ topic: record.originalTopic, partition: record.originalKafkaPartition });
      const offset = record.originalKafkaOffset;
      if (!this.seen.has(key)) this.trustOrDrop(key, offset);
      const last = this.written.get(key);
      if (last !== undefined && offset <= last) continue;
      this.written.set(key, offset);
      const line = formatValue(record.value);
      if (typeof line === 'string') {
        this.text += line;
        this.text += '\n';
        this.bufferedBytes += line.length + 1;
      } else {
        this.pushText();
        this.chunks.push(line, NEWLINE);
        this.bufferedBytes += line.length + 1;
      }
      this.dirty = true;
    }
    // Counted in UTF-16 units: near enough to bound the buffer.
    if (this.bufferedBytes >= this.config!.writeBufferBytes) return this.writeBuffered();
    return undefined;
  }

  async flush(currentOffsets?: readonly TopicPartitionOffset[]): Promise<void> {
    // The worker committed (or tried to) what the previous flush was handed.
    const advanced = this.advanceCommittedFrom();
    if (currentOffsets !== undefined) this.lastFlushOffsets = new Map(currentOffsets.map((o) => [partitionKey(o), o.offset]));
    if (this.handle === undefined || (!this.dirty && !advanced)) return;
    if (this.dirty) {
      await this.writeBuffered();
      await this.handle.datasync();
    }
    if (this.config!.sidecar) await this.writeCheckpoint(this.config!, this.checkpoint());
    this.dirty = false;
  }

  async stop(): Promise<void> {
    // The worker stops a task after its last commit: with nothing left unflushed, the offsets of
    // that commit are the group's, and a later reset below them is one to honour.
    if (this.handle !== undefined && !this.dirty && this.config!.sidecar && this.advanceCommittedFrom()) {
      await this.writeCheckpoint(this.config!, this.checkpoint());
    }
    // What is buffered and not flushed was not committed either: the worker sends it again.
    const handle = this.handle;
    this.handle = undefined;
    this.chunks = [];
    this.text = '';
    this.bufferedBytes = 0;
    await handle?.close();
  }

  /** Where the file stands: bytes written, and the last offset written per partition. */
  checkpoint(): SinkCheckpoint {
    const offsets = new Map<string, bigint>();
    const committedFrom = new Map<string, bigint>();
    for (const [key, entry] of this.recovered) {
      offsets.set(key, entry.offset);
      if (entry.committedFrom !== undefined) committedFrom.set(key, entry.committedFrom);
    }
    for (const [key, offset] of this.written) offsets.set(key, offset);
    for (const [key, offset] of this.committedFrom) committedFrom.set(key, offset);
    return { fileLength: this.fileLength, offsets, committedFrom, writing: false };
  }

  /**
   * A partition's first record shows where its consumer started. At or above the sidecar's
   * committedFrom it is a redelivery after a crash: what the sidecar says was written is skipped.
   * Below it the consumer was rewound, and everything it delivers is written.
   */
  private trustOrDrop(key: string, offset: bigint): void {
    this.seen.add(key);
    if (!this.committedFrom.has(key)) this.committedFrom.set(key, offset);
    const entry = this.recovered.get(key);
    if (entry === undefined) return;
    this.recovered.delete(key);
    if (entry.committedFrom !== undefined && offset < entry.committedFrom) {
      this.context?.logger.info({ file: this.config?.file, partition: key.replace('\u0000', '-'), from: offset.toString(), checkpoint: entry.offset.toString() }, 'the consumer starts below the last commit (offsets reset or altered): writing its records again');
      return;
    }
    const last = this.written.get(key);
    if (last === undefined || last < entry.offset) this.written.set(key, entry.offset);
  }

  private advanceCommittedFrom(): boolean {
    let advanced = false;
    for (const [key, offset] of this.lastFlushOffsets ?? []) {
      if (this.committedFrom.get(key) === offset) continue;
      this.committedFrom.set(key, offset);
      advanced = true;
    }
    return advanced;
  }

  private pushText(): void {
    if (this.text.length > 0) {
      this.chunks.push(this.text);
      this.text = '';
    }
  }

  private async writeBuffered(): Promise<void> {
    this.pushText();
    if (this.chunks.length === 0 || this.handle === undefined) return;
    // Mark the tail as ours before it exists: only a marked tail is cut back after a crash.
    if (this.config!.sidecar && this.persisted !== undefined && !this.persisted.writing) await this.writeCheckpoint(this.config!, { ...this.persisted, writing: true });
    const data = Buffer.concat(this.chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
    this.chunks = [];
    this.bufferedBytes = 0;
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.handle.write(data, written, data.length - written);
      written += bytesWritten;
    }
    this.fileLength += data.length;
  }

  /**
   * Cuts the file back to the last checkpoint when this sink had started writing past it: those
   * records were not committed and will come again. Bytes past it that the sink did not mark as
   * its own were appended by someone else, and stay.
   */
  private async recover(handle: FileHandle, config: ParsedFileSinkConfig): Promise<void> {
    const logger = this.context?.logger;
    const checkpoint = await readCheckpoint(sidecarPath(config.file));
    if (checkpoint === null) logger?.warn({ file: sidecarPath(config.file) }, 'the offsets sidecar is not one this sink wrote: replacing it');
    if (checkpoint !== undefined && checkpoint !== null) {
      if (this.fileLength > checkpoint.fileLength && checkpoint.writing) {
        logger?.info({ file: config.file, from: this.fileLength, to: checkpoint.fileLength }, 'cutting the file back to its last checkpoint: the records after it come again');
        await handle.truncate(checkpoint.fileLength);
        this.fileLength = checkpoint.fileLength;
      } else if (this.fileLength > checkpoint.fileLength) {
        logger?.info({ file: config.file, length: this.fileLength, checkpoint: checkpoint.fileLength }, 'the file grew since the last checkpoint, not by this sink: appending after it');
      } else if (this.fileLength < checkpoint.fileLength) {
        // Someone rotated or truncated the file: its old contents are not ours to restore. The
        // offsets still say which records were written, so they are not written twice.
        logger?.warn({ file: config.file, length: this.fileLength, checkpoint: checkpoint.fileLength }, 'the file is shorter than at the last checkpoint: appending to it as it is');
      }
      for (const [key, offset] of checkpoint.offsets) this.recovered.set(key, { offset, committedFrom: checkpoint.committedFrom.get(key) });
    }
    // A checkpoint of the file as it is now, even before the first record: a crash before the
    // first flush then cuts the file back to what it held before this sink wrote to it.
    await this.writeCheckpoint(config, this.checkpoint());
  }

  /** Replaces the sidecar atomically: a new file, synced, renamed over the old one, the directory synced. */
  private async writeCheckpoint(config: ParsedFileSinkConfig, checkpoint: SinkCheckpoint): Promise<void> {
    const target = sidecarPath(config.file);
    const temporary = `${target}.tmp`;
    const handle = await fs.open(temporary, 'w');
    try {
      await handle.writeFile(serializeCheckpoint(checkpoint));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
    const dir = await fs.open(path.dirname(target), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.persisted = checkpoint;
  }
}

/** The sidecar's checkpoint; undefined when there is none, null when it is not a checkpoint. */
async function readCheckpoint(file: string): Promise<SinkCheckpoint | null | undefined> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_SIDECAR_BYTES) return null;
    return parseCheckpoint(await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}
