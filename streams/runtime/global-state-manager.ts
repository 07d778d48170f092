import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Admin, Consumer, TopicPartition } from '../../client/index.ts';
import { messageOf } from '../errors.ts';
import type { StreamsLogger } from '../processor/error-handlers.ts';
import { CheckpointFile } from '../state/checkpoint.ts';
import type { CheckpointFs } from '../state/checkpoint.ts';
import type { GlobalStateStores } from '../state/global-stores.ts';
import type { BytesEntry } from '../state/in-memory-key-value-store.ts';
import { decodeSnapshot, encodeSnapshot, nodeCheckpointFs } from './state-restorer.ts';
import type { StateRestoreListener } from './state-restorer.ts';

export interface GlobalStateManagerOptions {
  readonly admin: Admin;
  readonly stateDir: string;
  readonly applicationId: string;
  readonly logger: StreamsLogger;
  readonly listener: () => StateRestoreListener | undefined;
  /** Exactly-once: a checkpoint is deleted once read, so only a clean close leaves one. */
  readonly exactlyOnce: boolean;
  readonly fs?: CheckpointFs;
}

/** Where one partition of a global topic is read from at start, and its end then. */
interface StartPosition {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
  readonly end: bigint;
}

const tpKey = (tp: TopicPartition): string => `${tp.partition}\u0000${tp.topic}`;

/**
 * The local state of the global tables (Kafka's GlobalStateManagerImpl): a checkpoint of the
 * global topics' offsets under `<stateDir>/<applicationId>/global/`, with the stores' snapshot
 * beside it (in-memory stores do not outlive the process). At start a sound checkpoint loads the
 * snapshot and only the topics' tail is read; the runtime writes it at commits (when the offsets
 * moved) and at close.
 */
export class GlobalStateManager {
  private readonly globals: GlobalStateStores;
  private readonly options: GlobalStateManagerOptions;
  private readonly file: CheckpointFile;
  private readonly snapshotPath: string;
  /** The offsets of the last checkpoint written or loaded, by `partition\u0000topic`. */
  private written = new Map<string, bigint>();
  /** Checkpoint writes go one after another: two would share the .tmp files. */
  private writing: Promise<void> = Promise.resolve();

  constructor(globals: GlobalStateStores, options: GlobalStateManagerOptions) {
    this.globals = globals;
    this.options = options;
    const dir = `${options.stateDir}/${options.applicationId}/global`;
    this.file = new CheckpointFile(options.fs ?? nodeCheckpointFs, `${dir}/.checkpoint`);
    this.snapshotPath = `${dir}/stores.snapshot`;
  }

  /**
   * Loads the checkpointed state of every global topic whose checkpoint still describes it, and
   * says where to read each partition from. A checkpoint past a partition's end (the topic was
   * re-created) or before its start (deleted by retention or compaction) does not: that topic's
   * store is rebuilt from the start.
   */
  private async loadLocalState(partitions: readonly TopicPartition[]): Promise<StartPosition[]> {
    const { admin, logger } = this.options;
    let checkpointed = new Map<string, bigint>();
    let snapshot = new Map<string, BytesEntry[]>();
    try {
      const offsets = await this.file.read();
      if (offsets.length > 0) {
        const bytes = await readFile(this.snapshotPath).catch(() => undefined);
        if (bytes !== undefined) {
          snapshot = decodeSnapshot(bytes);
          checkpointed = new Map(offsets.map((o) => [tpKey(o), o.offset]));
        }
      }
    } catch (error) {
      logger.warn({ error: messageOf(error) }, 'global checkpoint or state snapshot unreadable; rebuilding the global stores from their topics');
      checkpointed = new Map();
      snapshot = new Map();
      await this.file.delete().catch(() => undefined);
    }
    if (this.options.exactlyOnce && checkpointed.size > 0) await this.file.delete();
    const ends = await admin.listOffsets(partitions.map((p) => ({ ...p, timestamp: 'latest' as const })));
    const starts = await admin.listOffsets(partitions.map((p) => ({ ...p, timestamp: 'earliest' as const })));
    const stale = new Set<string>();
    for (const [i, p] of partitions.entries()) {
      const at = checkpointed.get(tpKey(p));
      if (at === undefined || (at <= ends[i]!.offset && at >= starts[i]!.offset)) continue;
      stale.add(p.topic);
      logger.warn({ topic: p.topic, partition: p.partition, checkpoint: String(at), start: String(starts[i]!.offset), end: String(ends[i]!.offset) }, 'stale global checkpoint (topic re-created, or its records deleted); rebuilding the store from the topic start');
    }
    // A checkpointed partition the topic no longer has: the topic was re-created with fewer.
    const present = new Set(partitions.map(tpKey));
    for (const [key] of checkpointed) {
      const topic = key.slice(key.indexOf('\u0000') + 1);
      if (!present.has(key) && this.globals.topics().includes(topic) && !stale.has(topic)) {
        stale.add(topic);
        logger.warn({ topic }, 'global checkpoint names a partition the topic no longer has; rebuilding the store from the topic start');
      }
    }
    const loaded = new Set<string>();
    for (const topic of this.globals.topics()) {
      const saved = snapshot.get(topic);
      if (saved === undefined || stale.has(topic)) continue;
      this.globals.load(topic, saved);
      loaded.add(topic);
    }
    const positions = partitions.map((p, i): StartPosition => {
      const at = loaded.has(p.topic) ? checkpointed.get(tpKey(p)) : undefined;
      return { ...p, from: at ?? starts[i]!.offset, end: ends[i]!.offset };
    });
    for (const p of positions) this.globals.setOffset(p.topic, p.partition, p.from);
    this.written = new Map(positions.filter((p) => loaded.has(p.topic)).map((p) => [tpKey(p), p.from]));
    return positions;
  }

  /**
   * Brings the global stores up to their topics' ends (local state, then the tail), reporting to
   * the restore listener, then keeps them updated in the background. Resolves once caught up;
   * `loop` ends when the consumer closes, `onFailure` hears a failure of the consumer.
   */
  async start(consumer: Consumer, partitions: readonly TopicPartition[], onFailure: (error: unknown) => void): Promise<{ loop: Promise<void> }> {
    const positions = await this.loadLocalState(partitions);
    const listener = this.options.listener();
    const pending = new Map<string, StartPosition & { total: number }>();
    for (const p of positions) {
      const store = this.globals.storeName(p.topic);
      listener?.onRestoreStart?.(p.topic, p.partition, store, p.from, p.end);
      if (p.from < p.end) pending.set(tpKey(p), { ...p, total: 0 });
      else listener?.onRestoreEnd?.(p.topic, p.partition, store, 0);
    }
    await consumer.connect();
    await consumer.assign(positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.from })));
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => {
      caughtUp = resolve;
    });
    const finish = (key: string, p: StartPosition & { total: number }): void => {
      pending.delete(key);
      listener?.onRestoreEnd?.(p.topic, p.partition, this.globals.storeName(p.topic), p.total);
      this.options.logger.info?.({ topic: p.topic, partition: p.partition, from: String(p.from), restored: p.total }, 'global store restored');
      if (pending.size === 0) caughtUp();
    };
    if (pending.size === 0) caughtUp();
    const loop = (async () => {
      try {
        for await (const batch of consumer) {
          for (const r of batch.records) this.globals.update({ topic: batch.topic, partition: batch.partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
          const key = tpKey(batch);
          const p = pending.get(key);
          if (p === undefined) continue;
          const restored = batch.records.filter((r) => r.offset < p.end);
          const last = batch.records[batch.records.length - 1];
          if (restored.length > 0) {
            p.total += restored.length;
            listener?.onBatchRestored?.(p.topic, p.partition, this.globals.storeName(p.topic), restored[restored.length - 1]!.offset, restored.length);
          }
          // Compaction leaves gaps and read_committed skips markers: the position passing the end also ends it.
          if ((last !== undefined && last.offset + 1n >= p.end) || (consumer.position(p.topic, p.partition) ?? p.from) >= p.end) finish(key, p);
        }
      } catch (error) {
        onFailure(error);
      } finally {
        caughtUp();
      }
    })();
    await ready;
    return { loop };
  }

  /**
   * Writes the snapshot, then the checkpoint, when the offsets moved since the last one. Both are
   * taken in one synchronous step, so the checkpoint never claims more than the snapshot holds.
   * A failure is logged: the next checkpoint, or reading more of the topics, covers it.
   */
  checkpoint(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const offsets = this.globals.offsets();
      if (offsets.length === 0 || offsets.every((o) => this.written.get(tpKey(o)) === o.offset)) return;
      const stores = new Map(this.globals.topics().map((topic) => [topic, this.globals.snapshot(topic)]));
      try {
        await mkdir(dirname(this.snapshotPath), { recursive: true });
        await writeFile(`${this.snapshotPath}.tmp`, encodeSnapshot(stores), { flush: true });
        await rename(`${this.snapshotPath}.tmp`, this.snapshotPath);
        await this.file.write(offsets);
        this.written = new Map(offsets.map((o) => [tpKey(o), o.offset]));
      } catch (error) {
        this.options.logger.warn({ error: messageOf(error) }, 'global checkpoint not written; a restart reads more of the global topics');
      }
    });
    return this.writing;
  }
}
