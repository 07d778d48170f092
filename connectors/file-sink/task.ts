import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SinkRecord, SinkTask, SinkTaskContext, TaskConfig } from '../../connect/api/index.ts';
import { ConnectError, ConnectErrorCode } from '../../connect/api/index.ts';
import type { ParsedFileSinkConfig } from './config.ts';
import { parseFileSinkConfig, sidecarPath } from './config.ts';
import { formatValue } from './format.ts';
import type { SinkCheckpoint } from './offset.ts';
import { MAX_SIDECAR_BYTES, parseCheckpoint, partitionKey, serializeCheckpoint } from './offset.ts';

const NEWLINE = Buffer.from('\n');

/**
 * Appends each record's value to one file as a line. put() only buffers (and writes once the
 * buffer is full); flush() writes, fdatasyncs, then records the checkpoint in the sidecar, all
 * before the worker commits the consumer offsets, so a committed record is always on disk.
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

  async flush(): Promise<void> {
    if (!this.dirty || this.handle === undefined) return;
    await this.writeBuffered();
    await this.handle.datasync();
    if (this.config!.sidecar) await this.writeCheckpoint(this.config!, { fileLength: this.fileLength, offsets: this.written });
    this.dirty = false;
  }

  async stop(): Promise<void> {
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
    return { fileLength: this.fileLength, offsets: new Map(this.written) };
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
   * Cuts the file back to the last checkpoint: what lies beyond it was written after the last
   * flush, so those records were not committed and will come again.
   */
  private async recover(handle: FileHandle, config: ParsedFileSinkConfig): Promise<void> {
    const logger = this.context?.logger;
    const checkpoint = await readCheckpoint(sidecarPath(config.file));
    if (checkpoint === null) logger?.warn({ file: sidecarPath(config.file) }, 'the offsets sidecar is not one this sink wrote: replacing it');
    if (checkpoint === undefined || checkpoint === null) {
      // A checkpoint before the first record: a crash before the first flush then cuts the
      // file back to what it held before this sink wrote to it.
      await this.writeCheckpoint(config, { fileLength: this.fileLength, offsets: this.written });
      return;
    }
    if (this.fileLength > checkpoint.fileLength) {
      logger?.info({ file: config.file, from: this.fileLength, to: checkpoint.fileLength }, 'cutting the file back to its last checkpoint: the records after it come again');
      await handle.truncate(checkpoint.fileLength);
      this.fileLength = checkpoint.fileLength;
    } else if (this.fileLength < checkpoint.fileLength) {
      // Someone rotated or truncated the file: its old contents are not ours to restore. The
      // offsets still say which records were written, so they are not written twice.
      logger?.warn({ file: config.file, length: this.fileLength, checkpoint: checkpoint.fileLength }, 'the file is shorter than at the last checkpoint: appending to it as it is');
    }
    for (const [key, offset] of checkpoint.offsets) this.written.set(key, offset);
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
