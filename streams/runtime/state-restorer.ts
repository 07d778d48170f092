import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Consumer } from '../../client/index.ts';
import type { Admin, RecordMetadata } from '../../client/index.ts';
import type { Scheduler } from '../../core/base/index.ts';
import { messageOf } from '../errors.ts';
import type { StreamsLogger } from '../processor/error-handlers.ts';
import { formatTaskId } from '../processor/task-api.ts';
import type { StreamTask, TopicPartitionOffset } from '../processor/task-api.ts';
import { CheckpointFile, checkpointPath } from '../state/checkpoint.ts';
import type { CheckpointFs } from '../state/checkpoint.ts';
import type { ChangelogRecord } from '../state/changelog.ts';

/** Told how restoring each changelog partition goes (Kafka's StateRestoreListener). */
export interface StateRestoreListener {
  onRestoreStart?(topic: string, partition: number, store: string, startOffset: bigint, endOffset: bigint): void;
  onBatchRestored?(topic: string, partition: number, store: string, batchEndOffset: bigint, numRestored: number): void;
  onRestoreEnd?(topic: string, partition: number, store: string, totalRestored: number): void;
}

/** node:fs/promises behind the checkpoint's interface; directories are made on first write. */
export const nodeCheckpointFs: CheckpointFs = {
  readFile: async (path) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  writeFile: async (path, data) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data, { flush: true });
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true }),
};

interface SnapshotEntry {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly timestamp: number;
}

/**
 * Snapshot file: per changelog topic `[topic length u16][topic][entries u32]`, then per entry
 * `[key length u32][key][value length u32][value][timestamp f64]`. In-memory stores do not outlive
 * the process, so the checkpoint's promise ("the local state covers the changelog up to here")
 * holds only with the state saved beside it.
 */
export function encodeSnapshot(stores: ReadonlyMap<string, readonly SnapshotEntry[]>): Buffer {
  let size = 0;
  for (const [topic, entries] of stores) {
    size += 6 + Buffer.byteLength(topic);
    for (const e of entries) size += 16 + e.key.length + e.value.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const [topic, entries] of stores) {
    at = out.writeUInt16BE(Buffer.byteLength(topic), at);
    at += out.write(topic, at);
    at = out.writeUInt32BE(entries.length, at);
    for (const e of entries) {
      at = out.writeUInt32BE(e.key.length, at);
      at += e.key.copy(out, at);
      at = out.writeUInt32BE(e.value.length, at);
      at += e.value.copy(out, at);
      at = out.writeDoubleBE(e.timestamp, at);
    }
  }
  return out;
}

export function decodeSnapshot(bytes: Buffer): Map<string, SnapshotEntry[]> {
  const stores = new Map<string, SnapshotEntry[]>();
  let at = 0;
  while (at < bytes.length) {
    const topicLength = bytes.readUInt16BE(at);
    const topic = bytes.toString('utf8', at + 2, at + 2 + topicLength);
    at += 2 + topicLength;
    const count = bytes.readUInt32BE(at);
    at += 4;
    const entries: SnapshotEntry[] = [];
    for (let i = 0; i < count; i++) {
      const keyLength = bytes.readUInt32BE(at);
      const key = bytes.subarray(at + 4, at + 4 + keyLength);
      at += 4 + keyLength;
      const valueLength = bytes.readUInt32BE(at);
      const value = bytes.subarray(at + 4, at + 4 + valueLength);
      at += 4 + valueLength;
      if (at + 8 > bytes.length) throw new RangeError('snapshot truncated');
      entries.push({ key, value, timestamp: bytes.readDoubleBE(at) });
      at += 8;
    }
    stores.set(topic, entries);
  }
  return stores;
}

export interface StateRestorerOptions {
  readonly admin: Admin;
  readonly bootstrapServers: string | string[];
  readonly scheduler: Scheduler;
  readonly stateDir: string;
  readonly applicationId: string;
  readonly logger: StreamsLogger;
  readonly listener: () => StateRestoreListener | undefined;
  readonly fs?: CheckpointFs;
  /**
   * Exactly-once: changelogs are read `read_committed` (an aborted transaction's writes are not
   * state), and a checkpoint is deleted once read, so that a crash leaves none: the state of a
   * task that did not close cleanly may hold writes of an open transaction, and only the
   * changelog's committed records describe it. The runtime writes checkpoints on clean close only.
   */
  readonly exactlyOnce?: boolean;
}

const tpKey = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

/**
 * Restores a task's stores before it processes anything, as Kafka's StoreChangelogReader: from the
 * local checkpoint and snapshot when they are there and sound, then the changelog's tail to its end
 * (or the whole changelog), through a consumer of its own (assigned, no group). Writes the
 * checkpoint and snapshot of a task when the runtime commits it quiescent and when it closes.
 */
export class StateRestorer {
  private readonly options: StateRestorerOptions;
  private readonly fs: CheckpointFs;
  /** Per changelog partition, the offset after the last acknowledged write. */
  private readonly acked = new Map<string, bigint>();
  /** Per task, the checkpoint write under way. */
  private readonly writing = new Map<string, Promise<boolean>>();
  /**
   * Tasks closed and forgotten: a periodic checkpoint queued behind a task's closing one must not
   * write after it, with the acknowledged offsets forgotten (it would fall back to the offsets
   * restored at start, behind the state it saves, and a restart would apply that stretch twice).
   */
  private readonly forgotten = new WeakSet<StreamTask>();

  constructor(options: StateRestorerOptions) {
    this.options = options;
    this.fs = options.fs ?? nodeCheckpointFs;
  }

  /** Collector hook: remembers how far each changelog partition is acknowledged. */
  onAcked(metadata: readonly RecordMetadata[]): void {
    for (const m of metadata) {
      if (!m.topic.endsWith('-changelog') || m.offset < 0n) continue;
      const key = tpKey(m.topic, m.partition);
      const next = m.offset + 1n;
      if ((this.acked.get(key) ?? -1n) < next) this.acked.set(key, next);
    }
  }

  private checkpointFile(task: StreamTask): CheckpointFile {
    return new CheckpointFile(this.fs, checkpointPath(this.options.stateDir, this.options.applicationId, formatTaskId(task.id)));
  }

  private snapshotPath(task: StreamTask): string {
    return `${dirname(this.checkpointFile(task).path)}/stores.snapshot`;
  }

  async restore(task: StreamTask): Promise<void> {
    const state = task.state;
    if (state === undefined) return;
    const partitions = state.changelogPartitions();
    if (partitions.length === 0) return;
    const taskId = formatTaskId(task.id);
    const file = this.checkpointFile(task);
    let checkpointed = new Map<string, bigint>();
    let snapshot = new Map<string, SnapshotEntry[]>();
    try {
      const offsets = await file.read();
      if (offsets.length > 0) {
        const bytes = await readFile(this.snapshotPath(task)).catch(() => undefined);
        if (bytes !== undefined) {
          snapshot = decodeSnapshot(bytes);
          checkpointed = new Map(offsets.map((o) => [tpKey(o.topic, o.partition), o.offset]));
        }
      }
    } catch (error) {
      this.options.logger.warn({ task: taskId, error: messageOf(error) }, 'checkpoint or state snapshot unreadable; restoring from the changelog start');
      snapshot = new Map();
      checkpointed = new Map();
      await file.delete().catch(() => undefined);
    }
    if (this.options.exactlyOnce === true && checkpointed.size > 0) await file.delete();
    const { admin } = this.options;
    const ends = await admin.listOffsets(partitions.map((p) => ({ topic: p.topic, partition: p.partition, timestamp: 'latest' as const })));
    const starts = await admin.listOffsets(partitions.map((p) => ({ topic: p.topic, partition: p.partition, timestamp: 'earliest' as const })));
    const listener = this.options.listener();
    for (const [i, cp] of partitions.entries()) {
      const end = ends[i]!.offset;
      const earliest = starts[i]!.offset;
      let from = checkpointed.get(tpKey(cp.topic, cp.partition));
      // A checkpoint past the changelog's end (the topic was recreated) or before its start (deleted
      // by retention) does not describe this changelog: restore all of it.
      if (from !== undefined && (from > end || from < earliest)) {
        this.options.logger.warn({ task: taskId, changelog: cp.topic, checkpoint: String(from), start: String(earliest), end: String(end) }, 'stale checkpoint; restoring from the changelog start');
        from = undefined;
      }
      const saved = from === undefined ? undefined : snapshot.get(cp.topic);
      if (from !== undefined && saved !== undefined) {
        const at = from - 1n;
        state.restore(cp.topic, saved.map((e) => ({ key: e.key, value: e.value, timestamp: e.timestamp, offset: at })));
      } else {
        from = earliest;
      }
      listener?.onRestoreStart?.(cp.topic, cp.partition, cp.store, from, end);
      this.options.logger.info?.({ task: taskId, changelog: cp.topic, partition: cp.partition, from: String(from), end: String(end), snapshotEntries: saved?.length ?? 0 }, 'restoring state store');
      const total = from < end ? await this.readRange(cp.topic, cp.partition, from, end, (records, last) => {
        state.restore(cp.topic, records);
        listener?.onBatchRestored?.(cp.topic, cp.partition, cp.store, last, records.length);
      }) : 0;
      listener?.onRestoreEnd?.(cp.topic, cp.partition, cp.store, total);
      this.options.logger.info?.({ task: taskId, changelog: cp.topic, partition: cp.partition, restored: total }, 'state store restored');
    }
  }

  /** Reads [from, end) of one partition with a consumer of its own; returns how many records it applied. */
  private async readRange(topic: string, partition: number, from: bigint, end: bigint, apply: (records: ChangelogRecord[], last: bigint) => void): Promise<number> {
    // Large fetches: a restore reads one partition start to end, and round trips are its cost.
    const readCommitted = this.options.exactlyOnce === true;
    const consumer = new Consumer({
      bootstrapServers: this.options.bootstrapServers,
      scheduler: this.options.scheduler,
      maxWaitMs: 50,
      autoCommit: false,
      maxPartitionBytes: 16 * 1_048_576,
      isolationLevel: readCommitted ? 'read_committed' : 'read_uncommitted',
    });
    await consumer.connect();
    let total = 0;
    // read_committed: the last records before `end` may be a transaction marker or aborted
    // writes, which are never delivered; the position passing `end` says the read is over.
    const reached = (): boolean => (consumer.position(topic, partition) ?? from) >= end;
    const watch = readCommitted
      ? this.options.scheduler.setInterval(() => {
          if (reached()) void consumer.close().catch(() => undefined);
        }, 20)
      : undefined;
    try {
      await consumer.assign([{ topic, partition, offset: from }]);
      try {
        for await (const batch of consumer) {
          const records = batch.records.filter((r) => r.offset < end);
          if (records.length > 0) {
            apply(records, records[records.length - 1]!.offset);
            total += records.length;
          }
          const last = batch.records[batch.records.length - 1];
          // Compaction leaves gaps: the end is reached once a record at or past end - 1 is seen.
  if ((last !== undefined && last.offset >= end - 1n) || (readCommitted && reached())) break;
        }
      } catch (error) {
        // Closed by the watch once past the end: the read is complete.
        if (!(readCommitted && reached())) throw error;
      }
    } finally {
      this.options.scheduler.clearInterval(watch);
      await consumer.close();
    }
    return total;
  }

  /**
   * Writes the task's checkpoint and snapshot. Only for a task with nothing in flight: then every
   * changelog write of its stores is acknowledged, and the snapshot holds no write the changelog
   * lacks (which a restart would otherwise apply twice, once from the snapshot and once by
   * reprocessing its uncommitted input).
   */
  checkpoint(task: StreamTask): Promise<boolean> {
    // One write per task at a time: two would share the .tmp files and could rename each other's.
    const key = formatTaskId(task.id);
    const next = (this.writing.get(key) ?? Promise.resolve(false)).catch(() => false).then(() => this.writeCheckpoint(task));
    this.writing.set(key, next);
    void next.finally(() => {
      if (this.writing.get(key) === next) this.writing.delete(key);
    }).catch(() => undefined);
    return next;
  }

  private async writeCheckpoint(task: StreamTask): Promise<boolean> {
    const state = task.state;
    if (state === undefined || this.forgotten.has(task) || task.inFlight > 0 || state.snapshot === undefined) return false;
    const partitions = state.changelogPartitions();
    if (partitions.length === 0) return false;
    const restored = new Map(state.restoredOffsets().map((o) => [tpKey(o.topic, o.partition), o.offset]));
    const offsets: TopicPartitionOffset[] = [];
    const stores = new Map<string, readonly SnapshotEntry[]>();
    for (const cp of partitions) {
      const key = tpKey(cp.topic, cp.partition);
      const offset = this.acked.get(key) ?? restored.get(key);
      // Nothing written or restored: nothing to save, and a restart reads the whole (empty) changelog anyway.
      if (offset === undefined) continue;
      offsets.push({ topic: cp.topic, partition: cp.partition, offset });
      stores.set(cp.topic, state.snapshot(cp.topic) ?? []);
    }
    if (offsets.length === 0) return false;
    // Snapshot first, checkpoint second: a checkpoint never points past the state saved.
    const file = this.checkpointFile(task);
    const path = this.snapshotPath(task);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.tmp`, encodeSnapshot(stores), { flush: true });
    await rename(`${path}.tmp`, path);
    await file.write(offsets);
    return true;
  }

  /** Forgets acknowledged offsets of a task's changelogs (it moved away; a later owner's acks start over). */
  forget(task: StreamTask): void {
    this.forgotten.add(task);
    for (const cp of task.state?.changelogPartitions() ?? []) this.acked.delete(tpKey(cp.topic, cp.partition));
  }
}
