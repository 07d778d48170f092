import type { ConsumerRecord, TopicPartition, TopicPartitionOffset } from '../../client/index.ts';
import type { Scheduler, Timer } from '../../core/base/index.ts';
import { StreamsError, StreamsErrorCode, messageOf } from '../errors.ts';
import { formatTaskId } from '../processor/task-api.ts';
import type { InputRecord, RunnableTopology, StreamTask, TaskId } from '../processor/task-api.ts';
import type { TopicRouter } from './topic-router.ts';

/** What the task manager asks of the consumer: stop and restart fetching partitions. */
export interface PartitionControl {
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
}

export interface TaskManagerOptions {
  readonly topology: RunnableTopology;
  readonly router: TopicRouter;
  readonly control: PartitionControl;
  readonly scheduler: Scheduler;
  /** Builds a task; the runtime supplies the collector, handlers and error hook. */
  readonly createTask: (topology: RunnableTopology, id: TaskId) => StreamTask;
  /** Fetching a partition pauses when this many of its records wait to be processed. */
  readonly bufferedRecordsPerPartition: number;
  /** A task stops taking records while this many of its sends are unacknowledged or in async stages (`task.asyncInFlight`). */
  readonly maxInFlightPerTask: number;
  /**
   * True while the producer has no room (its bufferMemory is full): tasks take no more records
   * until `whenOutputRoom` resolves, so output waits in batches, not in an ever longer queue.
   */
  readonly outputBlocked: () => boolean;
  readonly whenOutputRoom: () => Promise<void>;
  /** How long a task reading several partitions waits for an empty one before going on (Kafka's max.task.idle.ms; < 0 never waits). */
  readonly maxTaskIdleMs: number;
  /**
   * Resolves once every record sent so far is answered and its task has counted the answer: a
   * failed task's close does not wait for its sends, yet its committable offsets should include
   * the records before the failure that were acknowledged.
   */
  readonly settleOutput: () => Promise<void>;
  /**
   * Restores a new task's stores; the task processes nothing until it resolves (records wait in
   * its lanes, fetching pauses at the bound). A rejection fails the task.
   */
  readonly restoreTask?: (task: StreamTask) => Promise<void>;
  /** After a task closed (every send acknowledged): the runtime checkpoints its state. */
  readonly afterClose?: (task: StreamTask) => Promise<void>;
  /** A task failed (a handler said fail): told once per failure, processing of that task stops. */
  readonly onTaskFailed: (error: StreamsError) => void;
}

/** Consumed records of one input partition not yet given to its task, in offset order. */
interface Lane {
  readonly topic: string;
  readonly partition: number;
  readonly entry: TaskEntry;
  /** Fetched batches as delivered (not copied); the first is read from `index`. */
  readonly chunks: (readonly ConsumerRecord[])[];
  index: number;
  queued: number;
  paused: boolean;
}

interface TaskEntry {
  readonly key: string;
  readonly task: StreamTask;
  readonly lanes: Lane[];
  failed: boolean;
  /** Until restore is over; the task takes no records before. */
  restoring: Promise<void> | undefined;
  /** When the task first found one of its several partitions empty, for maxTaskIdleMs. */
  idleSince: number | undefined;
}

const laneKey = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

/**
 * The tasks of one app instance and the records waiting for them. Records of one partition are
 * processed in offset order, on the event loop, as soon as they arrive, while the task has
 * room (`maxInFlightPerTask`); the rest wait in the partition's lane, and fetching the partition
 * pauses once `bufferedRecordsPerPartition` wait (resuming at half). RxJS has no backpressure,
 * so this is where it comes from. A task reading several partitions takes the record with the
 * lowest timestamp next, as Kafka Streams' PartitionGroup does.
 */
export class TaskManager {
  private readonly options: TaskManagerOptions;
  private readonly tasks = new Map<string, TaskEntry>();
  private readonly lanes = new Map<string, Lane>();
  /** Lanes holding records: pump() looks only at these. */
  private readonly backlog = new Set<Lane>();
  private pumpTimer: Timer | undefined;
  /** The armed pump timer is the zero-delay one an ack set. */
  private pumpSoon = false;
  private stopped = false;
  /** An exactly-once commit is under way: records wait in their lanes until it is over. */
  private processingHeld = false;
  private waitingForRoom = false;

  constructor(options: TaskManagerOptions) {
    this.options = options;
  }

  /** The live tasks (for checkpoints and interactive queries). */
  get liveTasks(): StreamTask[] {
    return [...this.tasks.values()].filter((e) => e.restoring === undefined && !e.failed).map((e) => e.task);
  }

  get taskIds(): TaskId[] {
    return [...this.tasks.values()].map((e) => e.task.id);
  }

  /** Records waiting in lanes plus records inside tasks: what a close has to settle. */
  get inFlight(): number {
    let n = 0;
    for (const entry of this.tasks.values()) n += entry.task.inFlight;
    for (const lane of this.lanes.values()) n += lane.queued;
    return n;
  }

  /** Creates the tasks these partitions belong to (partitions of a task already running join it). */
  assign(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const subtopology = this.options.router.subtopologyOf(topic);
      if (subtopology === undefined) continue;
      const id: TaskId = { subtopology, partition };
      const key = formatTaskId(id);
      let entry = this.tasks.get(key);
      if (entry === undefined) {
        const created: TaskEntry = { key, task: this.options.createTask(this.options.topology, id), lanes: [], failed: false, restoring: undefined, idleSince: undefined };
        entry = created;
        this.tasks.set(key, created);
        const restore = this.options.restoreTask;
        if (restore !== undefined && created.task.state !== undefined) {
          created.restoring = restore(created.task).then(
            () => {
              created.restoring = undefined;
              this.drain(created);
              for (const lane of created.lanes) this.adjustPause(lane);
            },
            (error: unknown) => {
              created.restoring = undefined;
              // Abandoned meanwhile (abandonAll): nothing to report.
              if (created.failed) return;
              created.failed = true;
              this.options.onTaskFailed(new StreamsError(StreamsErrorCode.PROCESSING, `task ${key} could not restore its state: ${messageOf(error)}`, { cause: error }));
            },
          );
        }
      }
      const lk = laneKey(topic, partition);
      if (this.lanes.has(lk)) continue;
      const lane: Lane = { topic, partition, entry, chunks: [], index: 0, queued: 0, paused: false };
      entry.lanes.push(lane);
      this.lanes.set(lk, lane);
    }
  }

  /**
   * Closes the tasks that read any of these partitions (their waiting records are dropped: the
   * next owner reads them again from the committed offset) and returns their final committable
   * offsets, to be committed while the partitions are still this member's.
   */
  async revoke(partitions: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const entries = new Set<TaskEntry>();
    for (const { topic, partition } of partitions) {
      const lane = this.lanes.get(laneKey(topic, partition));
      if (lane !== undefined) entries.add(lane.entry);
    }
    return this.closeEntries([...entries]);
  }

  /** Closes every task (app shutdown) and returns what may be committed for them. */
  async closeAll(): Promise<TopicPartitionOffset[]> {
    this.stopped = true;
    this.options.scheduler.clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    return this.closeEntries([...this.tasks.values()]);
  }

  /**
   * Stops handing records to tasks (they wait in their lanes, fetching pauses at the bound) until
   * `resumeProcessing`: an exactly-once commit takes exactly the output of what was processed.
   */
  holdProcessing(): void {
    this.processingHeld = true;
  }

  resumeProcessing(): void {
    if (!this.processingHeld) return;
    this.processingHeld = false;
    this.pump();
  }

  /**
   * Drops every task as it stands (an aborted transaction: nothing of theirs is flushed,
   * committed or checkpointed) with the records waiting for them; returns the partitions they
   * read, which the runtime rewinds to the committed offsets and assigns again.
   */
  abandonAll(): TopicPartition[] {
    const partitions = [...this.lanes.values()].map(({ topic, partition }) => ({ topic, partition }));
    this.options.scheduler.clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    this.pumpSoon = false;
    for (const entry of this.tasks.values()) {
      // A restore still under way finishes into a task nobody reads.
      entry.failed = true;
      entry.task.abandon?.();
    }
    this.tasks.clear();
    this.lanes.clear();
    this.backlog.clear();
    return partitions;
  }

  /** Every live task's committable offsets. */
  committable(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const entry of this.tasks.values()) out.push(...entry.task.committableOffsets());
    return out;
  }

  /** Takes one fetched batch of a partition (in offset order) and processes what the task has room for. */
  add(topic: string, partition: number, records: readonly ConsumerRecord[]): void {
    if (records.length === 0) return;
    const lane = this.lanes.get(laneKey(topic, partition));
    // Not (or no longer) this instance's: the consumer stops delivering it once revoked.
    if (lane === undefined) return;
    lane.chunks.push(records);
    lane.queued += records.length;
    this.backlog.add(lane);
    this.drain(lane.entry);
    this.adjustPause(lane);
  }

  /** Processes waiting records of every task that has room again; called after acks and on a timer. */
  pump(): void {
    this.options.scheduler.clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    this.pumpSoon = false;
    if (this.stopped) return;
    const entries = new Set<TaskEntry>();
    for (const lane of this.backlog) entries.add(lane.entry);
    for (const entry of entries) {
      this.drain(entry);
      for (const lane of entry.lanes) this.adjustPause(lane);
    }
    this.armPump();
  }

  /**
   * An acknowledgement freed room in some task: pump once the acks of this turn have been
   * counted (the task releases its hold in a promise callback after this one).
   */
  acked(): void {
    // Once per turn at most: acks come in by the thousand.
    if (this.backlog.size === 0 || this.stopped || this.pumpSoon) return;
    this.options.scheduler.clearTimeout(this.pumpTimer);
    this.pumpSoon = true;
    this.pumpTimer = this.options.scheduler.setTimeout(() => {
      this.pump();
    }, 0);
  }

  /**
   * While records wait, check again now and then: room also comes back without an ack (an
   * async stage dropping a record), and a task waiting for an empty partition (maxTaskIdleMs)
   * must go on when the wait is over.
   */
  private armPump(): void {
    if (this.backlog.size === 0 || this.pumpTimer !== undefined || this.stopped) return;
    const idle = this.options.maxTaskIdleMs;
    this.pumpTimer = this.options.scheduler.setTimeout(
      () => {
        this.pump();
      },
      idle > 0 ? Math.min(idle, 10) : 10,
    );
    this.pumpTimer.unref();
  }

  private drain(entry: TaskEntry): void {
    if (entry.failed || this.stopped || this.processingHeld || entry.restoring !== undefined) return;
    const { task } = entry;
    // Only work that finishes by itself counts: inputs a user pipe() holds until a later output
    // passes would never come down while the task is held back.
    const max = this.options.maxInFlightPerTask;
    try {
      if (entry.lanes.length === 1) {
        const lane = entry.lanes[0]!;
        const blocked = this.options.outputBlocked;
        while (lane.queued > 0 && task.asyncInFlight < max && !blocked()) task.process(this.take(lane));
      } else {
        for (;;) {
          if (task.asyncInFlight >= max || this.options.outputBlocked()) break;
          const lane = this.nextLane(entry);
          if (lane === undefined) break;
          task.process(this.take(lane));
        }
      }
    } catch (error) {
      // The task keeps a hold on the record it failed on: its committable offsets stop there.
      entry.failed = true;
      const failure =
        error instanceof StreamsError ? error : new StreamsError(StreamsErrorCode.PROCESSING, `task ${entry.key} failed: ${messageOf(error)}`, { cause: error });
      this.options.onTaskFailed(failure);
    }
    if (!this.waitingForRoom && this.backlog.size > 0 && this.options.outputBlocked()) {
      this.waitingForRoom = true;
      void this.options.whenOutputRoom().then(() => {
        this.waitingForRoom = false;
        this.pump();
      });
    }
  }

  /**
   * The lane whose next record has the lowest timestamp. While one of the task's partitions has
   * nothing buffered, it waits up to maxTaskIdleMs for it (data for it may be on its way), then
   * goes on without it.
   */
  private nextLane(entry: TaskEntry): Lane | undefined {
    let best: Lane | undefined;
    let bestTs = 0n;
    let anyEmpty = false;
    for (const lane of entry.lanes) {
      if (lane.queued === 0) {
        anyEmpty = true;
        continue;
      }
      const ts = lane.chunks[0]![lane.index]!.timestamp;
      if (best === undefined || ts < bestTs) {
        best = lane;
        bestTs = ts;
      }
    }
    if (best === undefined) return undefined;
    const idle = this.options.maxTaskIdleMs;
    if (!anyEmpty || idle < 0) {
      entry.idleSince = undefined;
      return best;
    }
    const now = this.options.scheduler.now();
    entry.idleSince ??= now;
    return now - entry.idleSince >= idle ? best : undefined;
  }

  private take(lane: Lane): InputRecord {
    const chunk = lane.chunks[0]!;
    const r = chunk[lane.index]!;
    if (++lane.index === chunk.length) {
      lane.chunks.shift();
      lane.index = 0;
    }
    if (--lane.queued === 0) this.backlog.delete(lane);
    return { topic: lane.topic, partition: lane.partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp };
  }

  /** Pauses at the bound and resumes at half of it, so a partition near the bound does not flap. */
  private adjustPause(lane: Lane): void {
    if (this.lanes.get(laneKey(lane.topic, lane.partition)) !== lane) return;
    const bound = this.options.bufferedRecordsPerPartition;
    if (!lane.paused && lane.queued >= bound) {
      lane.paused = true;
      this.options.control.pause([{ topic: lane.topic, partition: lane.partition }]);
    } else if (lane.paused && lane.queued <= bound >> 1) {
      lane.paused = false;
      this.options.control.resume([{ topic: lane.topic, partition: lane.partition }]);
    }
    this.armPump();
  }

  private async closeEntries(entries: readonly TaskEntry[]): Promise<TopicPartitionOffset[]> {
    for (const entry of entries) {
      this.tasks.delete(entry.key);
      for (const lane of entry.lanes) {
        this.lanes.delete(laneKey(lane.topic, lane.partition));
        this.backlog.delete(lane);
      }
    }
    // Closing completes the sources and waits for every send to be acknowledged; a task that
    // failed closes too, and its committable offsets still stop before the failed record.
    // A task still restoring finishes first: the restore consumer is its own, and close must not race it.
    await Promise.all(entries.map((e) => e.restoring ?? Promise.resolve()));
    await Promise.all(entries.map((e) => e.task.close().catch(() => undefined)));
    const afterClose = this.options.afterClose;
    if (afterClose !== undefined) await Promise.all(entries.filter((e) => !e.failed && e.task.error === undefined).map((e) => afterClose(e.task).catch(() => undefined)));
    if (entries.some((e) => e.task.error !== undefined)) await this.options.settleOutput().catch(() => undefined);
    return entries.flatMap((e) => e.task.committableOffsets());
  }
}
