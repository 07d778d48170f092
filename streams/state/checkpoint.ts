/**
 * The task checkpoint file: which changelog offsets a task's local state already covers, so a
 * restart replays only the tail. Kafka Streams' `.checkpoint` format (OffsetCheckpoint), one
 * file per task under `<stateDir>/<applicationId>/<taskId>/`:
 *
 *     0                      ← version
 *     2                      ← entries
 *     app-counts-changelog 3 1042   ← topic partition offset (the next offset to restore from)
 *
 * The file is written to `.checkpoint.tmp` and renamed over the old one, so a crash leaves the
 * old file or the new one, never half of one. File access is injected (unit tests pass a map).
 */
import { StreamsError, StreamsErrorCode } from '../errors.ts';
import type { TopicPartitionOffset } from '../processor/task-api.ts';

/** The file operations the checkpoint needs: node:fs/promises fits with a thin adapter. */
export interface CheckpointFs {
  /** The file's text, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Writes the whole file and makes it durable (fsync) before resolving. */
  writeFile(path: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes the file if present (done when a task's state is wiped, e.g. after corruption). */
  remove(path: string): Promise<void>;
}

const VERSION = 0;

export function checkpointPath(stateDir: string, applicationId: string, taskId: string): string {
  return `${stateDir}/${applicationId}/${taskId}/.checkpoint`;
}

export function encodeCheckpoint(offsets: readonly TopicPartitionOffset[]): string {
  const lines = [String(VERSION), String(offsets.length)];
  for (const { topic, partition, offset } of offsets) {
    if (/\s/.test(topic)) throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `topic '${topic}' cannot be checkpointed: topic names have no whitespace`);
    lines.push(`${topic} ${partition} ${offset}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Parses a checkpoint; a malformed file is an error naming the line (the runtime then restores from scratch). */
export function decodeCheckpoint(text: string, path = '.checkpoint'): TopicPartitionOffset[] {
  const lines = text.split('\n').filter((line) => line.length > 0);
  const bad = (what: string): never => {
    throw new StreamsError(StreamsErrorCode.INVALID_INPUT, `checkpoint file ${path} is malformed: ${what}; delete it to restore from the changelog`);
  };
  if (lines[0] !== String(VERSION)) bad(`version '${lines[0] ?? ''}' is not ${VERSION}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0) bad(`entry count '${lines[1] ?? ''}' is not a number`);
  if (lines.length - 2 !== count) bad(`it announces ${count} entries and has ${lines.length - 2}`);
  return lines.slice(2).map((line, i) => {
    const parts = line.split(' ');
    const partition = Number(parts[1]);
    if (parts.length !== 3 || parts[0] === '' || !Number.isInteger(partition) || partition < 0 || !/^\d+$/.test(parts[2] ?? '')) bad(`line ${i + 3} '${line}' is not 'topic partition offset'`);
    return { topic: parts[0]!, partition, offset: BigInt(parts[2]!) };
  });
}

/** Reads and writes one task's checkpoint file. */
export class CheckpointFile {
  readonly path: string;
  private readonly fs: CheckpointFs;

  constructor(fs: CheckpointFs, path: string) {
    this.fs = fs;
    this.path = path;
  }

  /** The offsets recorded, or an empty list when there is no file yet. */
  async read(): Promise<TopicPartitionOffset[]> {
    const text = await this.fs.readFile(this.path);
    return text === undefined ? [] : decodeCheckpoint(text, this.path);
  }

  async write(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const tmp = `${this.path}.tmp`;
    await this.fs.writeFile(tmp, encodeCheckpoint(offsets));
    await this.fs.rename(tmp, this.path);
  }

  /** Kafka deletes the checkpoint while a task runs under exactly-once, so a crash forces a full restore. */
  async delete(): Promise<void> {
    await this.fs.remove(this.path);
  }
}
