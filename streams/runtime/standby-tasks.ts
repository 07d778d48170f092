import { Consumer } from '../../client/index.ts';
import type { Admin, GroupDescription } from '../../client/index.ts';
import type { Scheduler } from '../../core/base/index.ts';
import type { StreamsConfig } from '../config.ts';
import { messageOf } from '../errors.ts';
import type { StreamsLogger } from '../processor/error-handlers.ts';
import { formatTaskId } from '../processor/task-api.ts';
import type { RecordCollector, RunnableTopology, StreamTask, TaskId } from '../processor/task-api.ts';
import { changelogTopicName } from '../state/changelog.ts';
import type { GlobalStateStores } from '../state/global-stores.ts';
import type { ReadOnlyStore } from '../state/store-api.ts';
import { loadStandbyStart, readCheckpointPositions } from './standby-local-state.ts';
import { describeGroupTasks } from './standby-placement.ts';
import type { GroupTaskMap } from './standby-placement.ts';
import type { StreamsSubscriptionInfo } from './task-assignor.ts';
import type { TopicRouter } from './topic-router.ts';

/** Why a standby stopped (Kafka's StandbyUpdateListener.SuspendReason). */
export type StandbySuspendReason = 'promoted' | 'migrated';

/** Told how standby tasks keep up with their changelogs (Kafka's StandbyUpdateListener, KIP-988). */
export interface StandbyUpdateListener {
  /** A standby starts reading a changelog partition at `startingOffset` (its local checkpoint's, else the changelog's start). */
  onUpdateStart?(topic: string, partition: number, store: string, startingOffset: bigint): void;
  onBatchLoaded?(topic: string, partition: number, store: string, taskId: TaskId, batchEndOffset: bigint, batchSize: number, currentEndOffset: bigint): void;
  /** It stopped: `promoted` (its task became active here) or `migrated` (placed elsewhere now). */
  onUpdateSuspended?(topic: string, partition: number, store: string, storeOffset: bigint, currentEndOffset: bigint, reason: StandbySuspendReason): void;
}

export interface StandbyTasksOptions {
  readonly topology: RunnableTopology;
  readonly config: StreamsConfig;
  /** For the changelogs' offset range, which a local checkpoint must fall in to be used. */
  readonly admin: Admin;
  readonly bootstrapServers: string | string[];
  readonly scheduler: Scheduler;
  readonly logger: StreamsLogger;
  readonly globals: GlobalStateStores | undefined;
  /** Writes a task's checkpoint and state snapshot (the restorer's), as for an active task. */
  readonly checkpoint: (task: StreamTask) => Promise<unknown>;
  /** The tasks active on this instance now: never kept as standbys at the same time. */
  readonly activeTasks: () => readonly TaskId[];
  readonly listener?: () => StandbyUpdateListener | undefined;
}

interface Standby {
  readonly key: string;
  readonly task: StreamTask;
  /** Changelog topic → where reading began (before the first record is applied). */
  readonly start: Map<string, bigint>;
  /** Changelog topic → the high watermark last seen. */
  readonly ends: Map<string, bigint>;
  /** Position sum at the last checkpoint, so an idle standby is not rewritten at every commit. */
  checkpointedAt: bigint;
}

const tpKey = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

/** A standby never sends: its task only holds stores. Whatever an operator emits on close is dropped. */
const DISCARDING_COLLECTOR: RecordCollector = {
  send: () => undefined,
  partitionCount: () => undefined,
};

/** Sub-topologies whose tasks have changelogged stores: the only ones a standby can keep warm. */
export function statefulSubtopologies(topology: RunnableTopology, applicationId: string): Set<number> {
  const changelogs = new Set(topology.internalTopics(applicationId).filter((t) => t.kind === 'changelog').map((t) => t.name));
  const out = new Set<number>();
  for (const store of topology.storeNames?.() ?? []) {
    if (store.subtopology >= 0 && changelogs.has(changelogTopicName(applicationId, store.name))) out.add(store.subtopology);
  }
  return out;
}

/**
 * The standby tasks of one instance (Kafka Streams' StandbyTask): for each task placed here as a
 * standby, the task's stores, kept warm by reading its changelog partitions continuously with a
 * consumer of their own (assigned, no group), and checkpointed with a state snapshot at every
 * commit interval. When the task becomes active here, `release` writes that checkpoint and lets
 * go, and the active task's restore replays only what the standby had not read yet.
 *
 * Also remembers what this instance reports to the group leader: its previous active tasks and
 * how far its standbys and on-disk checkpoints go (`subscriptionInfo`), for sticky placement.
 */
export class StandbyTasks {
  private readonly options: StandbyTasksOptions;
  /** Sub-topologies with changelogged stores: only their tasks get standbys. */
  private readonly stateful: ReadonlySet<number>;
  private readonly standbys = new Map<string, Standby>();
  private readonly byChangelog = new Map<string, Standby>();
  private previousActive: string[] = [];
  /** Tasks whose state this instance has on disk (checkpoint and snapshot) without running them: their position sums. */
  private readonly onDisk = new Map<string, bigint>();
  private consumer: Consumer | undefined;
  private loop: Promise<void> | undefined;
  /** Changes to the set of standbys go one after another: each reassigns the one consumer. */
  private chain: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private closed = false;
  /** The consumer's assignment lags the set of standbys (a step failed half-way, or the consumer failed). */
  private stale = false;

  constructor(options: StandbyTasksOptions) {
    this.options = options;
    this.stateful = statefulSubtopologies(options.topology, options.config.applicationId);
  }

  get replicas(): number {
    return this.options.config.numStandbyReplicas;
  }

  /**
   * After a rebalance: works out from the group's description (the same way on every instance)
   * which tasks this member keeps standby copies of, starts and stops them accordingly, and
   * returns the whole map (for queryMetadataForKey's standbyHosts).
   */
  assignFromGroup(group: GroupDescription, router: TopicRouter, memberId: string): GroupTaskMap {
    const tasks = describeGroupTasks(group, router, this.stateful, this.replicas);
    void this.assign(tasks.standby.get(memberId) ?? []);
    return tasks;
  }

  /** The standby tasks this instance keeps now. */
  get taskIds(): TaskId[] {
    return [...this.standbys.values()].map((s) => s.task.id);
  }

  /** The runtime's new active tasks, remembered for the next subscription (eager rebalances close them before it is sent). */
  recordActive(tasks: readonly TaskId[]): void {
    this.previousActive = tasks.map(formatTaskId);
  }

  /** Reads the positions of task checkpoints an earlier run left on disk, for the subscription. */
  async loadCheckpointPositions(): Promise<void> {
    for (const [task, position] of await readCheckpointPositions(this.options.config.stateDir, this.options.config.applicationId)) this.onDisk.set(task, position);
  }

  subscriptionInfo(): StreamsSubscriptionInfo {
    const taskPositions = new Map<string, bigint>();
    for (const [task, position] of this.onDisk) if (!this.previousActive.includes(task)) taskPositions.set(task, position);
    for (const standby of this.standbys.values()) taskPositions.set(standby.key, positionSum(standby.task));
    return { applicationServer: this.options.config.applicationServer, previousActive: this.previousActive, taskPositions };
  }

  /** The standby copies of a store, for stale queries (Kafka's enableStaleStores). */
  stores(name: string): ReadOnlyStore[] {
    return [...this.standbys.values()].map((s) => s.task.state?.store(name)).filter((s): s is ReadOnlyStore => s !== undefined);
  }

  /**
   * Keeps exactly these tasks as standbys (minus any active here): new ones start from a local
   * checkpoint or the changelog's start, dropped ones are checkpointed and closed, kept ones go on.
   */
  assign(tasks: readonly TaskId[]): Promise<void> {
    return this.enqueue(async () => {
      const active = new Set(this.options.activeTasks().map(formatTaskId));
      const wanted = new Map(tasks.filter((t) => !active.has(formatTaskId(t))).map((t) => [formatTaskId(t), t]));
      const dropped = [...this.standbys.values()].filter((s) => !wanted.has(s.key));
      const added = [...wanted].filter(([key]) => !this.standbys.has(key));
      if (dropped.length === 0 && added.length === 0 && !this.stale) return;
      for (const standby of dropped) this.forget(standby);
      for (const [key, id] of added) await this.start(key, id);
      await this.reassign();
      await Promise.all(dropped.map((s) => this.retire(s, 'migrated')));
      for (const standby of dropped) this.onDisk.set(standby.key, positionSum(standby.task));
      if (added.length > 0 || dropped.length > 0) {
        this.options.logger.info?.({ standbys: [...this.standbys.keys()], added: added.map(([key]) => key), dropped: dropped.map((s) => s.key) }, 'standby tasks changed');
      }
    });
  }

  /**
   * The task became active here: stop reading its changelogs, write its checkpoint and snapshot
   * (the position it reached), and close it, so the active task's restore starts from there.
   */
  release(id: TaskId): Promise<void> {
    const key = formatTaskId(id);
    // Always queued: a change under way may be starting this very standby.
    return this.enqueue(async () => {
      const standby = this.standbys.get(key);
      if (standby === undefined) return;
      this.forget(standby);
      await this.reassign();
      await this.retire(standby, 'promoted');
      this.onDisk.delete(key);
      this.options.logger.info?.({ task: key, position: String(positionSum(standby.task)) }, 'standby task promoted to active');
    });
  }

  /** Checkpoints every standby that read something since its last checkpoint (at the runtime's commit interval). */
  checkpointAll(): Promise<void> {
    return this.enqueue(async () => {
      for (const standby of this.standbys.values()) {
        const position = positionSum(standby.task);
        if (position === standby.checkpointedAt) continue;
        await this.writeCheckpoint(standby);
        standby.checkpointedAt = position;
      }
    });
  }

  /** Checkpoints and closes every standby and the consumer. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.enqueue(async () => {
      const all = [...this.standbys.values()];
      for (const standby of all) this.forget(standby);
      await this.consumer?.close().catch(() => undefined);
      await this.loop;
      await Promise.all(all.map((s) => this.retire(s)));
    }, true);
    return this.closing;
  }

  /** Runs `step` after the steps before it; once closing, only the close step runs. */
  private enqueue(step: () => Promise<void>, whenClosed = false): Promise<void> {
    const next = this.chain.then(() => (!this.closed || whenClosed ? step() : undefined)).catch((error: unknown) => {
      this.options.logger.warn({ error: messageOf(error) }, 'standby tasks could not be updated; the next rebalance retries');
    });
    this.chain = next;
    return next;
  }

  /** Builds the task's stores, loads local state when there is sound state, and tells the listener where reading starts. */
  private async start(key: string, id: TaskId): Promise<void> {
    const { config } = this.options;
    const task = this.options.topology.createTask(id, {
      applicationId: config.applicationId,
      scheduler: this.options.scheduler,
      collector: DISCARDING_COLLECTOR,
      ...(config.defaultKeySerde === undefined ? {} : { defaultKeySerde: config.defaultKeySerde }),
      ...(config.defaultValueSerde === undefined ? {} : { defaultValueSerde: config.defaultValueSerde }),
      logger: this.options.logger,
      cacheMaxBytes: 0,
      ...(this.options.globals === undefined ? {} : { globalStores: this.options.globals }),
    });
    const state = task.state;
    if (state === undefined) {
      await task.close().catch(() => undefined);
      return;
    }
    const start = await loadStandbyStart(this.options.admin, config.stateDir, config.applicationId, key, state);
    // The task may have become active here meanwhile: its restore owns the task's state directory.
    if (this.options.activeTasks().some((t) => formatTaskId(t) === key)) {
      await task.close().catch(() => undefined);
      return;
    }
    const standby: Standby = { key, task, start, ends: new Map(), checkpointedAt: -1n };
    this.standbys.set(key, standby);
    this.stale = true;
    for (const cp of state.changelogPartitions()) {
      this.byChangelog.set(tpKey(cp.topic, cp.partition), standby);
      this.tell((l) => l.onUpdateStart?.(cp.topic, cp.partition, cp.store, start.get(cp.topic) ?? 0n));
    }
  }

  private forget(standby: Standby): void {
    this.standbys.delete(standby.key);
    this.stale = true;
    for (const cp of standby.task.state?.changelogPartitions() ?? []) this.byChangelog.delete(tpKey(cp.topic, cp.partition));
  }

  /** Writes the checkpoint a later restore starts from, then closes the task; `reason` is told to the listener. */
  private async retire(standby: Standby, reason?: StandbySuspendReason): Promise<void> {
    await this.writeCheckpoint(standby);
    await standby.task.close().catch(() => undefined);
    if (reason === undefined) return;
    for (const cp of standby.task.state?.changelogPartitions() ?? []) {
      this.tell((l) => l.onUpdateSuspended?.(cp.topic, cp.partition, cp.store, this.nextOffset(standby, cp.topic), standby.ends.get(cp.topic) ?? -1n, reason));
    }
  }

  /** Calls the listener, if any; a throwing listener is logged and changes nothing. */
  private tell(call: (listener: StandbyUpdateListener) => void): void {
    const listener = this.options.listener?.();
    if (listener === undefined) return;
    try {
      call(listener);
    } catch (error) {
      this.options.logger.warn({ error: messageOf(error) }, 'the standby update listener threw');
    }
  }

  /** The next changelog offset the standby's store lacks. */
  private nextOffset(standby: Standby, topic: string): bigint {
    return standby.task.state?.restoredOffsets().find((o) => o.topic === topic)?.offset ?? standby.start.get(topic) ?? 0n;
  }

  private async writeCheckpoint(standby: Standby): Promise<void> {
    try {
      await this.options.checkpoint(standby.task);
    } catch (error) {
      this.options.logger.warn({ task: standby.key, error: messageOf(error) }, 'standby checkpoint not written; a restore reads more of the changelog');
    }
  }

  /** Points the consumer at every standby's changelog partitions, each at the next offset its store lacks. */
  private async reassign(): Promise<void> {
    const partitions: { topic: string; partition: number; offset: bigint }[] = [];
    for (const standby of this.standbys.values()) {
      const state = standby.task.state;
      if (state === undefined) continue;
      for (const cp of state.changelogPartitions()) partitions.push({ topic: cp.topic, partition: cp.partition, offset: this.nextOffset(standby, cp.topic) });
    }
    if (this.consumer === undefined) {
      if (partitions.length === 0) {
        this.stale = false;
        return;
      }
      const consumer = new Consumer({
        bootstrapServers: this.options.bootstrapServers,
        scheduler: this.options.scheduler,
        autoCommit: false,
        autoOffsetReset: 'earliest',
        maxWaitMs: 100,
        maxPartitionBytes: 16 * 1_048_576,
        // Under exactly-once, records of aborted transactions must never reach a store.
        ...(this.options.config.processingGuarantee === 'exactly_once_v2' ? { isolationLevel: 'read_committed' as const } : {}),
      });
      try {
        await consumer.connect();
      } catch (error) {
        await consumer.close().catch(() => undefined);
        throw error;
      }
      this.consumer = consumer;
      this.loop = this.run(consumer);
    }
    await this.consumer.assign(partitions);
    this.stale = false;
  }

  private async run(consumer: Consumer): Promise<void> {
    try {
      for await (const batch of consumer) {
        const standby = this.byChangelog.get(tpKey(batch.topic, batch.partition));
        const state = standby?.task.state;
        if (standby === undefined || state === undefined) continue;
        standby.ends.set(batch.topic, batch.highWatermark);
        const from = this.nextOffset(standby, batch.topic);
        // A batch fetched before a reassignment may repeat what the store already has.
        const records = batch.records.filter((r) => r.offset >= from);
        if (records.length === 0) continue;
        try {
          state.restore(batch.topic, records);
        } catch (error) {
          this.options.logger.warn({ task: standby.key, changelog: batch.topic, error: messageOf(error) }, 'standby task dropped: its changelog could not be applied');
          void this.enqueue(async () => {
            if (this.standbys.get(standby.key) !== standby) return;
            this.forget(standby);
            await this.reassign();
            await standby.task.close().catch(() => undefined);
          });
          continue;
        }
        const store = state.changelogPartitions().find((cp) => cp.topic === batch.topic)?.store ?? '';
        this.tell((l) => l.onBatchLoaded?.(batch.topic, batch.partition, store, standby.task.id, records[records.length - 1]!.offset, records.length, batch.highWatermark));
      }
    } catch (error) {
      if (this.closed) return;
      // The next rebalance starts a new consumer from the positions the stores reached.
      if (this.consumer === consumer) {
        this.consumer = undefined;
        this.stale = true;
      }
      void consumer.close().catch(() => undefined);
      this.options.logger.warn({ error: messageOf(error) }, 'the standby consumer failed; standby tasks stop being updated until the next rebalance');
    }
  }
}

/** Sum of the next changelog offsets the task's stores cover (Kafka's task offset sum). */
function positionSum(task: StreamTask): bigint {
  let sum = 0n;
  for (const o of task.state?.restoredOffsets() ?? []) sum += o.offset;
  return sum;
}
