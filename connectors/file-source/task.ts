import fs from 'node:fs/promises';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { SourcePartition, SourceRecord, SourceTask, SourceTaskContext, TaskConfig } from '../../connect/api/index.ts';
import { ConnectError, ConnectErrorCode, Schemas } from '../../connect/api/index.ts';
import type { Scheduler } from '../../core/base/index.ts';
import type { ParsedFileSourceConfig } from './config.ts';
import { parseFileSourceConfig } from './config.ts';
import type { FileMatcher } from './glob.ts';
import { fileMatcherOf } from './glob.ts';
import type { FilePosition, WrittenPosition } from './offset.ts';
import { lineHeaders, parseSourceOffset, sourcePartitionOf, toSourceOffset, writtenPositionOf } from './offset.ts';
import type { LineHandler } from './tailed-file.ts';
import { TailedFile, fingerprintLength } from './tailed-file.ts';
import { writtenRecordReaderOf } from './written-records.ts';

/** One tailed file and what the task keeps beside it. */
interface Tracked {
  readonly file: TailedFile;
  readonly partition: SourcePartition;
}

/**
 * Tails the selected files into one topic, one record per line. The task reads every file
 * through its own handle at a byte offset; chokidar's events only wake it early, and a rescan
 * every poll.interval.ms (stat of the selected paths) finds what events miss: new files,
 * renames, rotation and truncation.
 */
export class FileSourceTask implements SourceTask {
  private context: SourceTaskContext | undefined;
  private config: ParsedFileSourceConfig | undefined;
  private matcher: FileMatcher | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  /** In the order they were first tailed: a rotated file is read before the one that replaced it. */
  private tracked: Tracked[] = [];
  private readonly byIdentity = new Map<string, Tracked>();
  private readonly byPath = new Map<string, Tracked>();
  private watcher: FSWatcher | undefined;
  private rescanRequested = false;
  private nextRescanAt = 0;
  private cursor = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private inflight: Promise<unknown> | undefined;
  /** Paths already reported as unreadable, so a rescan does not log them again and again. */
  private readonly unreadable = new Set<string>();

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  async start(rawConfig: TaskConfig): Promise<void> {
    const context = this.requireContext();
    const config = parseFileSourceConfig(rawConfig);
    this.config = config;
    this.matcher = fileMatcherOf(config.selection);
    this.buffer = Buffer.allocUnsafe(config.readBufferBytes);
    const now = this.scheduler.now();

    const files: TailedFile[] = [];
    for (const filePath of await this.matcher.list()) {
      const file = await this.open(filePath, now);
      if (file === null) continue;
      // Two paths to one file (a hard link, a symbolic link): tail it once.
      if (files.some((other) => other.identity === file.identity)) await file.close();
      else files.push(file);
    }
    try {
      const stored = files.length === 0 ? [] : await context.offsetStorageReader.offsets(files.map((file) => sourcePartitionOf(file.identity)));
      const written = await this.writtenPositions(config.topic);
      const resumed: FilePosition[] = [];
      for (const [i, file] of files.entries()) {
        const recovered = written.get(file.identity);
        await this.place(file, parseSourceOffset(stored[i] ?? null), recovered);
        this.track(file);
        if (recovered !== undefined) resumed.push(this.positionOf(file));
      }
      // Stored at the worker's next flush, so later restarts need not read this far back.
      if (resumed.length > 0) writtenRecordReaderOf(context)?.resumedAt?.(resumed.map((p) => ({ partition: sourcePartitionOf(p.identity), offset: toSourceOffset(p) })));
    } catch (error) {
      await Promise.all(files.map((file) => file.close()));
      throw error;
    }
    this.nextRescanAt = now + config.pollIntervalMs;
    if (this.stopped) {
      // Stopped while starting (or before): stop() found nothing to close, so close it here.
      await this.closeTracked();
      return;
    }
    this.startWatcher(this.matcher);
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (this.stopped || this.config === undefined) return null;
    const run = this.pollOnce(this.config);
    this.inflight = run;
    try {
      return await run;
    } finally {
      this.inflight = undefined;
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    // A poll in flight may be reading: let it finish before its handles close.
    await this.inflight?.catch(() => undefined);
    await this.watcher?.close();
    this.watcher = undefined;
    await this.closeTracked();
  }

  private async closeTracked(): Promise<void> {
    const files = this.tracked.map(({ file }) => file);
    this.tracked = [];
    this.byIdentity.clear();
    this.byPath.clear();
    await Promise.all(files.map((file) => file.close()));
  }

  /** Where each tailed file stands now: its offset as the next record would carry it. */
  positions(): FilePosition[] {
    return this.tracked.map(({ file }) => this.positionOf(file));
  }

  private positionOf(file: TailedFile): FilePosition {
    return {
      identity: file.identity,
      path: file.originPath,
      position: file.position,
      fingerprint: file.fingerprintAt(file.position),
      continued: file.continued,
    };
  }

  private get scheduler(): Scheduler {
    return this.requireContext().scheduler;
  }

  private requireContext(): SourceTaskContext {
    if (this.context === undefined) throw new ConnectError(ConnectErrorCode.CONNECT, 'FileSourceTask used before initialize(context)');
    return this.context;
  }

  private async pollOnce(config: ParsedFileSourceConfig): Promise<SourceRecord[] | null> {
    let now = this.scheduler.now();
    if (this.rescanRequested || now >= this.nextRescanAt) {
      this.rescanRequested = false;
      this.nextRescanAt = now + config.pollIntervalMs;
      await this.rescan(now);
    }
    const records: SourceRecord[] = [];
    await this.readFiles(config, now, records);
    now = this.scheduler.now();
    await this.idleWork(config, now, records);
    if (records.length > 0) return records;
    if (this.stopped || this.woken()) return null;
    await this.sleep(this.nextDue(config, now) - now);
    return null;
  }

  /** Whether an event asked for work since the poll began (the watcher runs during awaits). */
  private woken(): boolean {
    return this.rescanRequested || this.tracked.some(({ file }) => file.currentPath !== null && file.mayHaveData);
  }

  /** Reads every file that may have data: rotated-away files first, then the others in turn. */
  private async readFiles(config: ParsedFileSourceConfig, now: number, records: SourceRecord[]): Promise<void> {
    const detached = this.tracked.filter(({ file }) => file.currentPath === null);
    const attached = this.tracked.filter(({ file }) => file.currentPath !== null);
    const start = attached.length === 0 ? 0 : this.cursor++ % attached.length;
    const order = [...detached, ...attached.slice(start), ...attached.slice(0, start)];
    for (const tracked of order) {
      const { file } = tracked;
      if (records.length >= config.batchSize || this.stopped) break;
      // No event names a file that was renamed out of sight: it is read on every poll.
      if (file.currentPath !== null && !file.mayHaveData) continue;
      const { truncated } = await file.read(config.batchSize - records.length, this.buffer, config.maxLineBytes, now, this.emitter(config, tracked, records));
      if (truncated) this.requireContext().logger.info({ file: file.currentPath ?? file.originPath, identity: file.identity }, 'file was truncated: reading it again from its start');
    }
  }

  /** Sends partial lines that waited long enough, and closes rotated files that went quiet. */
  private async idleWork(config: ParsedFileSourceConfig, now: number, records: SourceRecord[]): Promise<void> {
    const finished: Tracked[] = [];
    for (const tracked of this.tracked) {
      const { file } = tracked;
      if (!file.atEof) continue;
      if (file.currentPath === null && now - file.lastGrowthAt >= config.rotatedCloseIdleMs) {
        file.finish(this.emitter(config, tracked, records));
        finished.push(tracked);
      } else if (config.flushAfterIdleMs !== null && file.hasPartialLine() && now - file.lastGrowthAt >= config.flushAfterIdleMs) {
        file.flushPartialLine(this.emitter(config, tracked, records));
      }
    }
    for (const tracked of finished) {
      this.untrack(tracked);
      this.requireContext().logger.info({ file: tracked.file.originPath, identity: tracked.file.identity }, 'finished a file that was rotated away or deleted');
      await tracked.file.close();
    }
  }

  /** When the next timed thing falls due: a rescan, a partial line's flush, a rotated file's close. */
  private nextDue(config: ParsedFileSourceConfig, now: number): number {
    let due = this.nextRescanAt;
    for (const { file } of this.tracked) {
      if (!file.atEof) continue;
      const candidates = [file.currentPath === null ? file.lastGrowthAt + config.rotatedCloseIdleMs : Infinity];
      if (config.flushAfterIdleMs !== null && file.hasPartialLine()) candidates.push(file.lastGrowthAt + config.flushAfterIdleMs);
      // A due time already past was acted on in this poll (or had nothing to send): not a reason to spin.
      for (const at of candidates) if (at > now && at < due) due = at;
    }
    return due;
  }

  private emitter(config: ParsedFileSourceConfig, tracked: Tracked, records: SourceRecord[]): LineHandler {
    const { file, partition } = tracked;
    return (value, offset, next, continued) => {
      records.push({
        topic: config.topic,
        kafkaPartition: null,
        keySchema: Schemas.STRING,
        key: file.originPath,
        valueSchema: Schemas.STRING,
        value,
        timestamp: null,
        headers: lineHeaders(file.originPath, file.identity, offset, next, continued),
        sourcePartition: partition,
        sourceOffset: toSourceOffset({ identity: file.identity, path: file.originPath, position: next, fingerprint: file.fingerprintAt(next), continued }),
      });
    };
  }

  /**
   * Finds what changed on disk: files that appeared (read from their beginning: all of their
   * content is new), files renamed within the selection (same identity, new path), and files
   * renamed away or deleted (read to their end, then closed once idle).
   */
  private async rescan(now: number): Promise<void> {
    const present = new Map<string, string[]>();
    for (const filePath of await this.matcher!.list()) {
      let stat;
      try {
        stat = await fs.stat(filePath);
      } catch {
        continue;
      }
      if (!stat.isFile()) continue;
      const identity = `${stat.dev}:${stat.ino}`;
      const paths = present.get(identity);
      if (paths === undefined) present.set(identity, [filePath]);
      else paths.push(filePath);
    }
    const logger = this.requireContext().logger;
    for (const tracked of this.tracked) {
      const { file } = tracked;
      const paths = present.get(file.identity);
      present.delete(file.identity);
      file.mayHaveData = true;
      if (paths !== undefined) {
        if (file.currentPath === null || !paths.includes(file.currentPath)) {
          logger.info({ file: paths[0], from: file.currentPath, identity: file.identity }, 'file was renamed');
          this.setPath(tracked, paths[0]!);
        }
      } else if (file.currentPath !== null) {
        logger.info({ file: file.currentPath, identity: file.identity }, 'file was renamed away or deleted: reading it to its end');
        this.setPath(tracked, null);
      }
    }
    for (const [identity, paths] of present) {
      const file = await this.open(paths[0]!, now);
      if (file === null) continue;
      if (this.byIdentity.has(file.identity) || file.identity !== identity) {
        // Replaced between the scan and the open: the next rescan sees what is there then.
        await file.close();
        continue;
      }
      await file.resume(0, false, paths[0]!);
      this.track(file);
      logger.info({ file: paths[0], identity: file.identity }, 'tailing a new file from its start');
    }
  }

  /** Decides where a file found at start resumes: the topic, then stored offsets, then start.position. */
  private async place(file: TailedFile, stored: FilePosition | null, written: WrittenPosition | undefined): Promise<void> {
    const config = this.config!;
    const logger = this.requireContext().logger;
    const size = await file.size();
    if (written !== undefined) {
      // Its last record in the topic is newer than any committed offset.
      if (written.position <= size) await file.resume(written.position, written.continued, written.path);
      else await file.resume(0, false, written.path);
      logger.info({ file: file.currentPath, identity: file.identity, position: file.position }, 'resuming after the last line found in the topic');
      return;
    }
    if (stored !== null && stored.identity === file.identity) {
      const length = fingerprintLength(stored.fingerprint);
      if (length !== undefined && length <= size && (await file.fingerprintOnDisk(length)) === stored.fingerprint) {
        // Shorter than the stored position with the same first bytes: truncated while stopped.
        await file.resume(stored.position <= size ? stored.position : 0, stored.position <= size && stored.continued, stored.path);
        return;
      }
      logger.warn({ file: file.currentPath, identity: file.identity }, 'the stored position is of another file with this inode (its first bytes differ): reading it as a new file');
    }
    const start = config.startPosition === 'end' ? await file.lastLineEnd(size, config.maxLineBytes, this.buffer) : 0;
    await file.resume(start, false, file.currentPath!);
  }

  /** The position after each file's last record already in the topic, when the worker can say. */
  private async writtenPositions(topic: string): Promise<Map<string, WrittenPosition>> {
    const positions = new Map<string, WrittenPosition>();
    const reader = writtenRecordReaderOf(this.requireContext());
    if (reader === undefined) return positions;
    // One file's records share a key, so they sit in one partition, in order: the last wins.
    for await (const record of reader.tail(topic)) {
      const written = writtenPositionOf(record.headers);
      if (written !== null) positions.set(written.identity, written);
    }
    return positions;
  }

  private async open(filePath: string, now: number): Promise<TailedFile | null> {
    try {
      const file = await TailedFile.open(filePath, now);
      this.unreadable.delete(filePath);
      return file;
    } catch (error) {
      if (!this.unreadable.has(filePath)) {
        this.unreadable.add(filePath);
        this.requireContext().logger.warn({ file: filePath, err: error }, 'can not open a selected file: skipping it until it can be');
      }
      return null;
    }
  }

  private track(file: TailedFile): void {
    const tracked: Tracked = { file, partition: sourcePartitionOf(file.identity) };
    this.tracked.push(tracked);
    this.byIdentity.set(file.identity, tracked);
    if (file.currentPath !== null) this.byPath.set(file.currentPath, tracked);
  }

  private untrack(tracked: Tracked): void {
    this.tracked = this.tracked.filter((other) => other !== tracked);
    this.byIdentity.delete(tracked.file.identity);
    this.setPath(tracked, null);
  }

  private setPath(tracked: Tracked, filePath: string | null): void {
    const { file } = tracked;
    if (file.currentPath !== null && this.byPath.get(file.currentPath) === tracked) this.byPath.delete(file.currentPath);
    file.currentPath = filePath;
    if (filePath !== null) this.byPath.set(filePath, tracked);
  }

  private startWatcher(matcher: FileMatcher): void {
    const watcher = watch(matcher.watchRoot, {
      ignoreInitial: true,
      followSymlinks: false,
      ...(matcher.watchDepth === undefined ? {} : { depth: matcher.watchDepth }),
    });
    watcher.on('all', (event, eventPath) => {
      if (event === 'change') {
        const tracked = this.byPath.get(eventPath);
        if (tracked === undefined) return;
        tracked.file.mayHaveData = true;
      } else if (event === 'add' || event === 'unlink') {
        if (!matcher.matches(eventPath) && !this.byPath.has(eventPath)) return;
        this.rescanRequested = true;
      } else if (event === 'addDir' || event === 'unlinkDir') {
        this.rescanRequested = true;
      } else {
        return;
      }
      this.wake?.();
    });
    watcher.on('error', (error) => {
      // Only wake-ups are lost: the periodic rescan still sees every change.
      this.context?.logger.warn({ err: error }, 'file watcher error');
    });
    this.watcher = watcher;
  }

  private async sleep(delayMs: number): Promise<void> {
    if (delayMs <= 0 || this.stopped) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.scheduler.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = this.scheduler.setTimeout(done, delayMs);
      this.wake = done;
    });
  }
}
