import type { Observable } from 'rxjs';
import type { Timer } from '../../core/base/index.ts';
import { Cluster } from '../cluster.ts';
import { clusterConfigOf } from '../cluster-config.ts';
import { ClientError, ClientErrorCode } from '../errors.ts';
import { Timers } from '../timers.ts';
import { rangeAssignor, roundRobinAssignor } from './assignors.ts';
import { Assignment, setPosition } from './assignment.ts';
import type { ConsumerPartition } from './assignment.ts';
import { BatchIterator, recordObservable } from './batch-iterator.ts';
import { Committer } from './commits.ts';
import { resolveConsumerConfig } from './consumer-config.ts';
import type { ResolvedConsumerConfig } from './consumer-config.ts';
import type { ConsumerBatch, ConsumerOptions, PartitionsListener, TopicRecord } from './consumer-types.ts';
import { GroupCoordinator } from './coordinator.ts';
import { Fetcher } from './fetcher.ts';
import { GroupMembership } from './group-membership.ts';
import { fetchCommittedOffsets, resetOffsets } from './offsets.ts';
import type { TopicPartition, TopicPartitionOffset } from './offsets.ts';
import { PollWatch } from './poll-watch.ts';
import { RebalanceListeners, rebalanceHooks } from './rebalance-hooks.ts';
import type { RebalanceEvent } from './rebalance-hooks.ts';
import { Signal } from './signal.ts';
import { Subscription } from './subscription.ts';

type Mode = 'none' | 'subscribe' | 'assign';

const POSITION_RETRY_MS = 100;
const MAX_POSITION_RETRY_MS = 1000;

/** The group-related parts, present with a groupId. */
interface Group {
  readonly id: string;
  readonly coordinator: GroupCoordinator;
  readonly committer: Committer;
}

/**
 * Brook's consumer: a member of a consumer group (subscribe) or a reader of chosen partitions
 * (assign). Records come out of `for await (const batch of consumer)` or `observable()`; a
 * batch counts as processed when the iterator moves past it (or the loop exits), and only
 * processed offsets are committed.
 */
export class Consumer {
  private readonly options: ConsumerOptions;
  /** The JSON options, validated, with their defaults. */
  private readonly config: ResolvedConsumerConfig;
  private readonly cluster: Cluster;
  private readonly fetcher: Fetcher<ConsumerPartition>;
  private readonly assignmentState = new Assignment();
  private readonly group: Group | undefined;
  private readonly subscription: Subscription;
  private readonly listeners = new RebalanceListeners();
  /** Notified when data arrives, a batch is released, the consumer fails or closes. */
  private readonly changes = new Signal();
  private readonly pollWatch: PollWatch;
  /** Start-position retries: close() clears them. */
  private readonly timers: Timers;
  private membership: GroupMembership | undefined;
  private mode: Mode = 'none';
  private connected = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;
  private autoCommitTimer: Timer | undefined;

  constructor(options: ConsumerOptions) {
    this.options = options;
    this.config = resolveConsumerConfig(options);
    const config = this.config;
    this.cluster = new Cluster({
      ...clusterConfigOf(config),
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    });
    this.pollWatch = new PollWatch(this.cluster.scheduler);
    this.timers = new Timers(this.cluster.scheduler);
    this.subscription = new Subscription(this.cluster);
    if (config.groupId !== undefined) {
      const coordinator = new GroupCoordinator(this.cluster, config.groupId);
      const committer = new Committer({
        cluster: this.cluster,
        coordinator,
        assignment: this.assignmentState,
        groupInstanceId: config.groupInstanceId ?? null,
        subscribed: () => this.mode === 'subscribe',
        membership: () => this.membership,
      });
      this.group = { id: config.groupId, coordinator, committer };
    }
    if (options.onAssigned !== undefined) this.listeners.add('assigned', options.onAssigned);
    if (options.onRevoked !== undefined) this.listeners.add('revoked', options.onRevoked);
    this.fetcher = new Fetcher<ConsumerPartition>(
      this.cluster,
      {
        clientId: this.cluster.clientId,
        requestTimeoutMs: this.cluster.requestTimeoutMs,
        isolationLevel: config.isolationLevel,
        maxBytes: config.maxBytes,
        maxPartitionBytes: config.maxPartitionBytes,
        maxWaitMs: config.maxWaitMs,
        minBytes: config.minBytes,
        maxPrefetchBytes: config.maxPrefetchBytes,
      },
      {
        partitions: () => this.assignmentState.values(),
        outOfRange: (state) => {
          void this.initPositions([state], false);
        },
        ready: () => {
          this.changes.notify();
        },
        fail: (error) => {
          this.fail(error);
        },
      },
    );
  }

  /** Connects to the cluster; starts the group membership if subscribe() came first. */
  async connect(): Promise<void> {
    this.ensureOpen();
    await this.cluster.connect();
    this.connected = true;
    const committer = this.group?.committer;
    if (committer !== undefined && this.autoCommitEnabled()) {
      this.autoCommitTimer = this.cluster.scheduler.setInterval(() => {
        void committer.commitProcessed(undefined, 'auto').catch(() => undefined);
      }, this.config.autoCommitIntervalMs);
      this.autoCommitTimer.unref();
    }
    if (this.mode === 'subscribe') this.startMembership();
  }

  on(event: RebalanceEvent, listener: PartitionsListener): this {
    this.listeners.add(event, listener);
    return this;
  }

  off(event: RebalanceEvent, listener: PartitionsListener): this {
    this.listeners.delete(event, listener);
    return this;
  }

  /** Joins the group for these topics (names or patterns matched against the cluster's topics). */
  subscribe(topics: readonly (string | RegExp)[]): void {
    this.ensureOpen();
    if (this.group === undefined) throw new ClientError(ClientErrorCode.KAFKA, 'subscribe() needs a groupId in the consumer options; use assign() without a group');
    if (this.mode === 'assign') throw new ClientError(ClientErrorCode.KAFKA, 'this consumer uses assign(); it cannot also subscribe()');
    this.mode = 'subscribe';
    this.subscription.set(topics);
    if (this.membership !== undefined) this.membership.requestRejoin();
    else if (this.connected) this.startMembership();
  }

  /** Reads these partitions without a group; `offset` or else the committed offset (with a groupId) or the reset policy. */
  async assign(partitions: readonly { topic: string; partition: number; offset?: bigint }[]): Promise<void> {
    this.ensureOpen();
    if (this.mode === 'subscribe') throw new ClientError(ClientErrorCode.KAFKA, 'this consumer uses subscribe(); it cannot also assign()');
    this.mode = 'assign';
    this.assignmentState.clear();
    const fresh: ConsumerPartition[] = [];
    for (const tp of partitions) {
      const state = this.assignmentState.add(tp.topic, tp.partition);
      if (tp.offset !== undefined) setPosition(state, tp.offset);
      else fresh.push(state);
    }
    await this.initPositions(fresh, true);
    this.fetcher.kick();
  }

  /** This member's id in its group ('' before it joined or without a group). */
  get memberId(): string {
    return this.membership?.memberId ?? '';
  }

  /**
   * The group, generation and member as they stand now, for a transactional producer's
   * sendOffsetsToTransaction: the group coordinator refuses the offsets of a member that has
   * been rebalanced away (KIP-447), which fences a zombie of this consumer.
   */
  groupMetadata(): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null } {
    if (this.group === undefined) throw new ClientError(ClientErrorCode.KAFKA, 'groupMetadata() needs a groupId in the consumer options');
    return { groupId: this.group.id, generationId: this.membership?.generationId ?? -1, memberId: this.memberId, groupInstanceId: this.config.groupInstanceId ?? null };
  }

  /** The partition numbers of a topic, from the cluster's metadata; a KafkaError for an unknown topic. */
  async partitionsFor(topic: string): Promise<number[]> {
    return (await this.cluster.partitionsFor(topic)).map((p) => p.partition);
  }

  /** The partitions this consumer reads now. */
  assignment(): TopicPartition[] {
    return this.assignmentState.list();
  }

  /** Reads `topic`-`partition` from `offset` next; data fetched before is dropped. */
  seek(topic: string, partition: number, offset: bigint): void {
    const state = this.assignmentState.get(topic, partition);
    if (state === undefined) throw new ClientError(ClientErrorCode.KAFKA, `cannot seek ${topic}-${partition}: it is not assigned to this consumer`);
    state.seeks++;
    setPosition(state, offset);
    this.fetcher.kick();
  }

  /** Stops fetching these partitions; what was fetched and not yet delivered is fetched again on resume. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.assignmentState.get(tp.topic, tp.partition);
      if (state === undefined || state.paused) continue;
      state.paused = true;
      state.epoch++;
      if (state.delivered !== undefined) state.position = state.delivered;
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.assignmentState.get(tp.topic, tp.partition);
      if (state !== undefined) state.paused = false;
    }
    this.fetcher.kick();
  }

  paused(): TopicPartition[] {
    return [...this.assignmentState.values()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The next offset to be delivered for a partition, if known. */
  position(topic: string, partition: number): bigint | undefined {
    return this.assignmentState.get(topic, partition)?.delivered;
  }

  /**
   * Commits `offsets` (the next offset to read, per partition), or else the processed offsets
   * of every assigned partition that moved since the last commit. A group member commits with
   * its generation: while it has none (before its first assignment, once it has rejoined for a
   * rebalance, after it left the group) this throws a retriable KafkaError
   * REBALANCE_IN_PROGRESS and commits nothing. In onRevoked the partitions being revoked are
   * still assigned and their commits go through.
   */
  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    const committer = this.group?.committer;
    if (committer === undefined) throw new ClientError(ClientErrorCode.KAFKA, 'commit() needs a groupId in the consumer options');
    if (offsets === undefined) await committer.commitProcessed(undefined, 'user');
    else await committer.commit(offsets);
  }

  /** The group's committed offsets for these partitions (absent: none committed). */
  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    if (this.group === undefined) throw new ClientError(ClientErrorCode.KAFKA, 'committed() needs a groupId in the consumer options');
    return fetchCommittedOffsets(this.cluster, this.group.coordinator, partitions);
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerBatch, undefined> {
    return this.batchIterator();
  }

  /**
   * Every record as an RxJS Observable. A record counts as processed once emitted (RxJS
   * subscribers run synchronously); unsubscribing stops consuming.
   */
  observable(): Observable<TopicRecord> {
    return recordObservable(() => this.batchIterator());
  }

  /**
   * Commits processed offsets (with autoCommit), revokes the partitions (onRevoked may still
   * commit them), leaves the group (a static member stays until its session ends), closes
   * every connection. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.cluster.scheduler.clearInterval(this.autoCommitTimer);
    this.pollWatch.stop();
    this.timers.clearAll();
    if (this.connected && this.autoCommitEnabled()) await this.group?.committer.commitProcessed(undefined, 'auto').catch(() => undefined);
    this.closed = true;
    this.changes.notify();
    await this.membership?.close();
    this.assignmentState.clear();
    await this.fetcher.close();
    await this.cluster.close();
  }

  private batchIterator(): BatchIterator {
    return new BatchIterator({
      assignment: this.assignmentState,
      changes: this.changes,
      take: () => this.fetcher.take((batch) => this.assignmentState.deliverable(batch)),
      finished: () => {
        if (this.failure !== undefined) throw this.failure;
        return this.closed;
      },
      poll: (wait) =>
        this.pollWatch.poll(() => {
          // A member that left for being too slow rejoins.
          this.membership?.resumePolling();
        }, wait),
    });
  }

  private autoCommitEnabled(): boolean {
    return this.config.autoCommit && this.group !== undefined;
  }

  private ensureOpen(): void {
    if (this.closed || this.closing !== undefined) throw new ClientError(ClientErrorCode.CLOSED, 'the consumer is closed');
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.changes.notify();
  }

  /**
   * Resolves once the application holds no batch of these partitions (it moved past them or
   * left its loop), so a partition is never processed here after it is revoked; or once it is
   * past maxPollIntervalMs, or at close.
   */
  private async whenReleased(states: readonly ConsumerPartition[]): Promise<void> {
    while (!this.closed && !this.pollWatch.expired && this.assignmentState.holdsAny(states)) await this.changes.wait().promise;
  }

  /**
   * Positions from the group's committed offsets (when `useCommitted`), else from the reset
   * policy, for the partitions still assigned and without one. A retriable failure (a topic
   * still being created, a coordinator moving) is tried again after a backoff, in the
   * background, for as long as the partitions stay assigned.
   */
  private async initPositions(states: readonly ConsumerPartition[], useCommitted: boolean, backoffMs = POSITION_RETRY_MS): Promise<void> {
    const pending = states.filter((s) => this.assignmentState.has(s) && s.position === undefined);
    if (pending.length === 0) return;
    try {
      const coordinator = this.group?.coordinator;
      const committed = useCommitted && coordinator !== undefined ? await fetchCommittedOffsets(this.cluster, coordinator, pending) : new Map<string, bigint>();
      const rest = pending.filter((s) => !committed.has(s.key));
      const reset = await resetOffsets(this.cluster, rest, this.config.autoOffsetReset, this.config.isolationLevel);
      for (const state of pending) {
        // Seeked (or revoked) meanwhile: the caller's choice stands.
        if (!this.assignmentState.has(state) || state.position !== undefined) continue;
        const offset = committed.get(state.key) ?? reset.get(state.key);
        if (offset === undefined) continue;
        setPosition(state, offset);
        if (committed.has(state.key)) state.committed = offset;
      }
      this.fetcher.kick();
    } catch (error) {
      if (this.closed) return;
      if (error instanceof ClientError && error.retriable) {
        this.timers.set(() => void this.initPositions(pending, useCommitted, Math.min(backoffMs * 2, MAX_POSITION_RETRY_MS)), backoffMs);
        return;
      }
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private startMembership(): void {
    const { id: groupId, coordinator, committer } = this.group!;
    const { maxPollIntervalMs } = this.config;
    const membership = new GroupMembership(
      this.cluster,
      coordinator,
      {
        groupId,
        sessionTimeoutMs: this.config.sessionTimeoutMs,
        rebalanceTimeoutMs: this.config.rebalanceTimeoutMs,
        heartbeatIntervalMs: this.config.heartbeatIntervalMs,
        groupInstanceId: this.config.groupInstanceId ?? null,
        assignors: this.options.assignors ?? [rangeAssignor(), roundRobinAssignor()],
        metadataMaxAgeMs: this.cluster.metadataMaxAgeMs,
      },
      rebalanceHooks({
        assignment: this.assignmentState,
        listeners: this.listeners,
        committer,
        subscription: this.subscription,
        autoCommit: this.autoCommitEnabled(),
        pollExpired: () => this.pollWatch.expired,
        whenReleased: (states) => this.whenReleased(states),
        initPositions: (states) => this.initPositions(states, true),
        fail: (error) => {
          this.fail(error);
        },
      }),
    );
    this.membership = membership;
    membership.start();
    this.pollWatch.start(maxPollIntervalMs, () => {
      membership.pollTimedOut();
      // A revocation waiting for the application to let go of its batch waits no more.
      this.changes.notify();
    });
  }
}
