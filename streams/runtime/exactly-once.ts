import type { Admin, Consumer, Producer, TopicPartition, TopicPartitionOffset } from '../../client/index.ts';
import type { Scheduler } from '../../core/base/index.ts';
import { StreamsError, StreamsErrorCode, messageOf } from '../errors.ts';
import type { StreamsLogger } from '../processor/error-handlers.ts';
import type { StreamTask } from '../processor/task-api.ts';
import { StreamsTransaction, isFatalTransactionError, isProducerFenced } from './streams-transaction.ts';
import type { TaskManager } from './task-manager.ts';

/** Rounds of flushing caches and awaiting output before a commit gives up on quiet tasks. */
const MAX_QUIESCE_ROUNDS = 100;

export interface ExactlyOnceOptions {
  readonly applicationId: string;
  readonly producer: Producer;
  readonly consumer: Consumer;
  readonly admin: Admin;
  readonly manager: TaskManager;
  readonly scheduler: Scheduler;
  readonly logger: StreamsLogger;
  /** Hands what the collector gathered this turn to the producer. */
  readonly flushCollector: () => void;
  /** What is sent while a commit ends its transaction waits in the collector (see ProducerCollector.holdHandOver). */
  readonly output: OutputGate;
  /**
   * A closed task's last transaction ended: checkpoint it when that transaction committed (a
   * checkpoint is written under exactly-once only then), and forget it either way.
   */
  readonly closedTaskDone: (task: StreamTask, committed: boolean) => Promise<void>;
  /**
   * The producer was fenced: closes it and makes a new one with the same transactional id, its
   * initTransactions() done (a new epoch), and hands it to the collector.
   */
  readonly replaceProducer: () => Promise<Producer>;
  /** What this instance cannot recover from: its producer failed for good. */
  readonly fail: (error: StreamsError) => void;
}

/** The collector's hand-over to the producer, held while a transaction ends. */
export interface OutputGate {
  holdHandOver(): void;
  resumeHandOver(): void;
  discardHeld(error: Error): void;
}

const tpKey = (tp: TopicPartition): string => `${tp.partition}\u0000${tp.topic}`;

/**
 * Kafka Streams' exactly_once_v2 commit for the instance's one transactional producer. Every
 * commit interval, at a revocation and at a clean close: processing stops, caches are flushed and
 * every send and async stage is awaited until nothing moves, then the tasks' offsets go into the
 * transaction (sendOffsetsToTransaction with the group's generation and member) and it commits.
 * The output of exactly the inputs below the committed offsets is then visible to read_committed
 * readers, all of it or none.
 *
 * A failed commit is aborted; if the producer is still usable, every task is dropped as it stands
 * (stores wiped, no checkpoint) and made again from the committed offsets, restoring its stores
 * from the changelog's committed records. A fenced producer (its own transaction outlived
 * transactionTimeoutMs: the coordinator aborted it and bumped the epoch) is Kafka Streams'
 * TaskMigratedException: tasks dropped the same way, the producer replaced, tasks made again. No
 * other live instance can hold this transactional id (the state directory lock keeps a second
 * instance off the directory that holds the process id), so the fence is never a zombie's.
 * A fatally failed producer fails the app.
 */
export class ExactlyOnceCommitter {
  private readonly options: ExactlyOnceOptions;
  private producer: Producer;
  private transaction: StreamsTransaction;
  /** Commits, revocations and the close, one after another. */
  private chain: Promise<void> = Promise.resolve();
  private readonly committed = new Map<string, bigint>();
  /** Tasks closed since the last commit: their checkpoint waits for it. */
  private closedTasks: StreamTask[] = [];
  /** A task failed: whatever it sent into the open transaction must not commit. */
  private doomed = false;
  /** A fence was seen: a migration is queued, and commits until it runs are skipped. */
  private migrationPending = false;
  /** Closing or abandoning: a fence no longer calls for new tasks. */
  private stopping = false;

  constructor(options: ExactlyOnceOptions) {
    this.options = options;
    this.producer = options.producer;
    this.transaction = new StreamsTransaction(options.producer);
  }

  /**
   * This instance's producer was fenced (seen by a send, a commit or a begin): processing stops,
   * and after the step under way every task is dropped and made again on a new producer.
   */
  producerFenced(error: unknown): void {
    if (this.migrationPending || this.stopping) return;
    this.migrationPending = true;
    this.options.manager.holdProcessing();
    this.options.logger.warn(
      { error: messageOf(error) },
      'exactly-once: the producer was fenced (its transaction outlived transactionTimeoutMs and the coordinator aborted it): tasks closed dirty, producer recreated, tasks start over from the committed offsets',
    );
    void this.enqueue(() => this.migrate());
  }

  /** Collector hook: a send must be inside a transaction. */
  beforeSend(): void {
    this.transaction.ensureBegun();
  }

  taskClosed(task: StreamTask): void {
    this.closedTasks.push(task);
  }

  /** A task failed (the app is going down): the open transaction is aborted, never committed. */
  taskFailed(): void {
    this.doomed = true;
  }

  /** A method, not the field: the flag changes while a commit awaits. */
  private isDoomed(): boolean {
    return this.doomed;
  }

  /** The periodic commit. */
  commit(): Promise<void> {
    return this.enqueue(() => this.commitNow([]));
  }

  /** Closes the tasks of the revoked partitions and commits, while this member still owns them. */
  revoke(partitions: readonly TopicPartition[]): Promise<void> {
    return this.enqueue(async () => {
      const { manager } = this.options;
      manager.holdProcessing();
      try {
        const offsets = await manager.revoke(partitions);
        await this.commitNow(offsets);
      } finally {
        manager.resumeProcessing();
      }
      for (const tp of partitions) this.committed.delete(tpKey(tp));
    });
  }

  /** A clean close: tasks closed (caches flushed, sends awaited), one last commit, then checkpoints. */
  close(): Promise<void> {
    this.stopping = true;
    return this.enqueue(async () => {
      const offsets = await this.options.manager.closeAll();
      await this.commitNow(offsets);
    });
  }

  /** The app failed: after the step under way, tasks dropped and the open transaction aborted (its output never becomes visible). */
  abandon(): Promise<void> {
    this.doomed = true;
    this.stopping = true;
    return this.enqueue(async () => {
      this.options.manager.abandonAll();
      await this.finishClosedTasks(false);
      await this.transaction.abort().catch((error: unknown) => {
        this.options.logger.warn({ error: messageOf(error) }, 'the transaction could not be aborted; the coordinator aborts it when it times out or the next instance starts');
      });
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((error: unknown) => {
      this.options.fail(new StreamsError(StreamsErrorCode.PROCESSING, `exactly-once: ${messageOf(error)}`, { cause: error }));
    });
    return this.chain;
  }

  private async commitNow(closedOffsets: readonly TopicPartitionOffset[]): Promise<void> {
    const { manager, consumer, output } = this.options;
    if (this.isDoomed() || this.isMigrationPending()) return;
    manager.holdProcessing();
    try {
      const live = await this.quiesce();
      // One offset per partition: a task closed at revocation and its successor never coexist.
      const offsets = [...closedOffsets, ...live].filter((o) => this.committed.get(tpKey(o)) !== o.offset);
      // A task failed while the commit waited: the app aborts instead.
      if (this.isDoomed()) {
        output.discardHeld(new StreamsError(StreamsErrorCode.TASK_CLOSED, 'exactly-once: a task failed; the transaction is aborted'));
        return;
      }
      await this.transaction.commit(offsets, consumer.groupMetadata());
      for (const o of offsets) this.committed.set(tpKey(o), o.offset);
      await this.finishClosedTasks(true);
    } catch (error) {
      output.discardHeld(new StreamsError(StreamsErrorCode.TASK_CLOSED, `exactly-once: the transaction was aborted: ${messageOf(error)}`, { cause: error }));
      await this.finishClosedTasks(false);
      if ((isProducerFenced(error) || this.isMigrationPending()) && !this.stopping) this.producerFenced(error);
      else await this.failed(error);
    } finally {
      output.resumeHandOver();
      // A migration queued meanwhile keeps processing held until it has made the tasks again.
      if (!this.isMigrationPending()) manager.resumeProcessing();
    }
  }

  /** A method, not the field: the flag changes while a commit awaits. */
  private isMigrationPending(): boolean {
    return this.migrationPending;
  }

  /** Kafka Streams' handling of TaskMigratedException: tasks dropped dirty, a new producer, tasks made again from the committed offsets. */
  private async migrate(): Promise<void> {
    const { manager, output } = this.options;
    try {
      if (this.stopping) return;
      manager.holdProcessing();
      output.discardHeld(new StreamsError(StreamsErrorCode.TASK_CLOSED, 'exactly-once: the producer was fenced; tasks start over from the committed offsets'));
      await this.finishClosedTasks(false);
      await this.resetTasks(async () => {
        const producer = await this.options.replaceProducer();
        this.producer = producer;
        this.transaction = new StreamsTransaction(producer);
      });
    } finally {
      this.migrationPending = false;
      output.resumeHandOver();
      manager.resumeProcessing();
    }
  }

  /**
   * Flushes the caches and awaits every send and async stage until a flush sends nothing: the
   * offsets then cover exactly what the transaction holds the output of.
   */
  private async quiesce(): Promise<TopicPartitionOffset[]> {
    const { manager } = this.options;
    const producer = this.producer;
    for (let round = 0; ; round++) {
      const offsets = manager.committable();
      const busy = manager.liveTasks.filter((task) => task.asyncInFlight > 0);
      if (busy.length === 0) {
        // From here to the transaction's end, a timer's output is for the next transaction.
        this.options.output.holdHandOver();
        return offsets;
      }
      // A task saw the fence: this transaction cannot commit, and the migration makes the tasks again.
      if (this.isMigrationPending()) throw new StreamsError(StreamsErrorCode.PRODUCTION, 'exactly-once commit: the producer was fenced');
      if (round >= MAX_QUIESCE_ROUNDS) {
        throw new StreamsError(StreamsErrorCode.PROCESSING, `exactly-once commit: ${busy.length} task(s) kept producing output after ${MAX_QUIESCE_ROUNDS} flushes`);
      }
      this.options.flushCollector();
      await Promise.all([producer.flush(), ...busy.map((task) => task.flush().catch(() => undefined))]);
      // One turn: the acknowledgements' callbacks (the tasks' releases among them) have run.
      await this.options.scheduler.sleep(0);
    }
  }

  private async finishClosedTasks(committed: boolean): Promise<void> {
    const tasks = this.closedTasks;
    this.closedTasks = [];
    for (const task of tasks) await this.options.closedTaskDone(task, committed).catch(() => undefined);
  }

  private async failed(error: unknown): Promise<void> {
    const { logger } = this.options;
    if (isFatalTransactionError(error)) {
      this.options.fail(
        new StreamsError(
          StreamsErrorCode.PRODUCTION,
          `exactly-once: the transactional producer cannot go on (another instance with this instance's transactional id took over, or the coordinator refused it for good): ${messageOf(error)}`,
          { cause: error },
        ),
      );
      return;
    }
    logger.warn({ error: messageOf(error) }, 'exactly-once commit failed: aborting the transaction; tasks start over from the committed offsets');
    try {
      await this.transaction.abort();
    } catch (abortError) {
      this.options.fail(new StreamsError(StreamsErrorCode.PRODUCTION, `exactly-once: the transaction could not be aborted: ${messageOf(abortError)}`, { cause: abortError }));
      return;
    }
    await this.resetTasks();
  }

  /** Every task dropped and made again from the committed offsets, its stores restored from the changelog. */
  private async resetTasks(beforeNewTasks?: () => Promise<void>): Promise<void> {
    const { manager, consumer, admin, applicationId } = this.options;
    const partitions = manager.abandonAll();
    try {
      await beforeNewTasks?.();
      if (partitions.length === 0) return;
      const committed = await admin.fetchCommittedOffsets(applicationId, [...new Set(partitions.map((p) => p.topic))]);
      const assigned = new Set(consumer.assignment().map(tpKey));
      const kept = partitions.filter((tp) => assigned.has(tpKey(tp)));
      for (const tp of kept) {
        const offset = committed.find((c) => c.topic === tp.topic && c.partition === tp.partition)?.offset ?? -1n;
        // Without a committed offset the consumer's reset policy decides, as at a first start.
        consumer.seek(tp.topic, tp.partition, offset >= 0n ? offset : 0n);
        if (offset >= 0n) this.committed.set(tpKey(tp), offset);
        else this.committed.delete(tpKey(tp));
      }
      manager.assign(kept);
    } catch (error) {
      this.options.fail(new StreamsError(StreamsErrorCode.PROCESSING, `exactly-once: tasks could not start over after an aborted transaction: ${messageOf(error)}`, { cause: error }));
    }
  }
}
