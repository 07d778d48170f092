import fs from 'node:fs';
import path from 'node:path';
import type { Scheduler, Timer } from '../base/index.ts';
import { systemScheduler } from '../base/index.ts';
import type { CompactionResult } from './compactor.ts';
import { LogError, LogErrorCode } from './errors.ts';
import { DataDirLock } from './lock-file.ts';
import type { LogConfig } from './log-config.ts';
import type { LogRecovery } from './log-recovery.ts';
import { PartitionLog } from './partition-log.ts';
import type { PartitionLogOptions, RetentionResult } from './partition-log.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Things an operator wants to see in the broker's log. */
export type LogManagerEvent =
  | { type: 'recovered'; topic: string; partition: number; recovery: LogRecovery }
  | { type: 'offline'; topic: string; partition: number; error: unknown }
  | { type: 'retention'; topic: string; partition: number; result: RetentionResult }
  | { type: 'compaction'; topic: string; partition: number; result: CompactionResult }
  | { type: 'maintenance-failed'; topic: string; partition: number; error: unknown };

export interface LogManagerOptions {
  dataDir: string;
  /** Time and timers for retention, compaction and every partition log; default the system's. */
  scheduler?: Scheduler;
  /** Uniform in [0, 1), for every log's segment.jitter.ms; default Math.random. */
  random?: () => number;
  /** Settings for every log, before per-topic overrides. */
  defaultConfig?: Partial<LogConfig>;
  /** Per-topic overrides (the broker's topic configs). */
  configFor?: (topic: string) => Partial<LogConfig> | undefined;
  /** How often retention runs (log.retention.check.interval.ms); default 5 minutes. */
  retentionCheckIntervalMs?: number;
  /** How often the cleaner looks for logs to compact (log.cleaner.backoff.ms); default 15 s. */
  cleanerIntervalMs?: number;
  onEvent?: (event: LogManagerEvent) => void;
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const PARTITION_DIR = /^(.+)-(\d+)$/;
const DELETED_SUFFIX = '-delete';

/**
 * Owns every partition log under one data directory, as `<topic>-<partition>/`. Holds
 * the directory lock for its lifetime, runs retention and compaction on timers, and
 * keeps serving healthy partitions when one fails to open (it is reported offline).
 */
export class LogManager {
  readonly dataDir: string;
  private readonly logs = new Map<string, { topic: string; partition: number; log: PartitionLog }>();
  private readonly offlineLogs = new Map<string, unknown>();
  private readonly options: LogManagerOptions;
  private readonly scheduler: Scheduler;
  private readonly lock: DataDirLock;
  private timers: Timer[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(options: LogManagerOptions, lock: DataDirLock) {
    this.options = options;
    this.dataDir = options.dataDir;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.lock = lock;
  }

  /** Locks the data directory and opens (recovering) every partition log in it. */
  static open(options: LogManagerOptions): LogManager {
    const lock = DataDirLock.acquire(options.dataDir);
    const manager = new LogManager(options, lock);
    try {
      manager.loadAll();
    } catch (err) {
      lock.release();
      throw err;
    }
    return manager;
  }

  /** Starts the retention and compaction timers. */
  start(): void {
    const every = (ms: number, task: () => Promise<unknown>): void => {
      const timer = this.scheduler.setInterval(() => void task(), ms).unref();
      this.timers.push(timer);
    };
    every(this.options.retentionCheckIntervalMs ?? 300_000, () => this.runRetention());
    every(this.options.cleanerIntervalMs ?? 15_000, () => this.runCompaction());
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition))?.log;
  }

  /** Opens the log for the partition, creating it if needed. */
  getOrCreate(topic: string, partition: number, config?: Partial<LogConfig>): PartitionLog {
    this.ensureOpen();
    const existing = this.get(topic, partition);
    if (existing !== undefined) return existing;
    checkTopicName(topic);
    if (!Number.isInteger(partition) || partition < 0) {
      throw new LogError(LogErrorCode.INVALID_TOPIC_NAME, `partition must be a non-negative integer, got ${partition}`);
    }
    const log = PartitionLog.open(path.join(this.dataDir, key(topic, partition)), {
      config: { ...this.configFor(topic), ...config },
      ...this.logOptions(),
    });
    this.logs.set(key(topic, partition), { topic, partition, log });
    return log;
  }

  /** Closes the log and removes its directory. The rename first makes the delete atomic for a restart. */
  async delete(topic: string, partition: number): Promise<void> {
    const name = key(topic, partition);
    if (this.offlineLogs.delete(name)) {
      fs.rmSync(path.join(this.dataDir, name), { recursive: true, force: true });
      return;
    }
    const entry = this.logs.get(name);
    if (entry === undefined) return;
    this.logs.delete(key(topic, partition));
    await entry.log.close();
    const doomed = `${entry.log.dir}.${this.scheduler.now()}${DELETED_SUFFIX}`;
    fs.renameSync(entry.log.dir, doomed);
    fs.rmSync(doomed, { recursive: true, force: true });
  }

  partitions(): (TopicPartition & { log: PartitionLog })[] {
    return [...this.logs.values()];
  }

  /** Partitions whose directory could not be opened, with the reason. */
  offline(): (TopicPartition & { error: unknown })[] {
    return [...this.offlineLogs.entries()].map(([k, error]) => ({ ...parseKey(k)!, error }));
  }

  async runRetention(): Promise<void> {
    for (const { topic, partition, log } of this.partitions()) {
      try {
        const result = await log.applyRetention();
        if (result.deletedSegments > 0) this.emit({ type: 'retention', topic, partition, result });
      } catch (error) {
        if (!this.closed) this.emit({ type: 'maintenance-failed', topic, partition, error });
      }
    }
  }

  async runCompaction(): Promise<void> {
    for (const { topic, partition, log } of this.partitions()) {
      const config = log.logConfig;
      if (!config.cleanupPolicy.compact) continue;
      // max.compaction.lag.ms overrides the dirty ratio: an overdue record is compacted now.
      if (log.dirtyRatio() < config.minCleanableDirtyRatio && !log.compactionOverdue()) continue;
      try {
        const result = await log.compact();
        if (result.segmentsRewritten > 0) this.emit({ type: 'compaction', topic, partition, result });
      } catch (error) {
        if (!this.closed) this.emit({ type: 'maintenance-failed', topic, partition, error });
      }
    }
  }

  /** Flushes and closes every log, then releases the directory lock. Idempotent, also when called concurrently. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) this.scheduler.clearInterval(timer);
    this.timers = [];
    await Promise.all([...this.logs.values()].map(({ log }) => log.close()));
    this.logs.clear();
    this.lock.release();
  }

  private loadAll(): void {
    for (const name of fs.readdirSync(this.dataDir)) {
      const dir = path.join(this.dataDir, name);
      if (!fs.statSync(dir).isDirectory()) continue;
      if (name.endsWith(DELETED_SUFFIX)) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      const tp = parseKey(name);
      if (tp === undefined || !LEGAL_TOPIC.test(tp.topic)) continue;
      try {
        const log = PartitionLog.open(dir, { config: this.configFor(tp.topic), ...this.logOptions() });
        this.logs.set(name, { ...tp, log });
        const r = log.recovery;
        if (r.truncatedBytes > 0 || r.rebuiltIndexes.length > 0 || r.completedSwaps.length > 0 || r.discardedCleaned.length > 0 || r.deletedSegments.length > 0) {
          this.emit({ type: 'recovered', ...tp, recovery: r });
        }
      } catch (error) {
        this.offlineLogs.set(name, error);
        this.emit({ type: 'offline', ...tp, error });
      }
    }
  }

  private logOptions(): Pick<PartitionLogOptions, 'scheduler' | 'random'> {
    return this.options.random === undefined ? { scheduler: this.scheduler } : { scheduler: this.scheduler, random: this.options.random };
  }

  private configFor(topic: string): Partial<LogConfig> {
    return { ...this.options.defaultConfig, ...this.options.configFor?.(topic) };
  }

  private emit(event: LogManagerEvent): void {
    this.options.onEvent?.(event);
  }

  private ensureOpen(): void {
    if (this.closed) throw new LogError(LogErrorCode.LOG_CLOSED, `log manager for ${this.dataDir} is closed`);
  }
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

function parseKey(name: string): TopicPartition | undefined {
  const match = PARTITION_DIR.exec(name);
  return match ? { topic: match[1]!, partition: Number(match[2]) } : undefined;
}

function checkTopicName(topic: string): void {
  if (!LEGAL_TOPIC.test(topic) || topic === '.' || topic === '..') {
    throw new LogError(
      LogErrorCode.INVALID_TOPIC_NAME,
      `topic name ${JSON.stringify(topic)} is not legal: use 1 to 249 characters from a-z, A-Z, 0-9, '.', '_' and '-', and not '.' or '..'`,
    );
  }
}
