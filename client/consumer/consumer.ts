import { Observable } from 'rxjs';
import { ErrorCode } from '../../core/protocol/index.ts';
import type { RecordHeader } from '../../core/records/index.ts';
import { Cluster } from '../cluster.ts';
import { ClientError, ClientErrorCode, KafkaError } from '../errors.ts';
import { Timers } from '../timers.ts';
import { rangeAssignor, roundRobinAssignor } from './assignors.ts';
import type { Assignor } from './assignors.ts';
import { GroupCoordinator } from './coordinator.ts';
import { Fetcher } from './fetcher.ts';
import type { FetchedBatch, PartitionState } from './fetcher.ts';
import { GroupMembership } from './group-membership.ts';
import { commitOffsets, fetchCommittedOffsets, resetOffsets, tpKey } from './offsets.ts';
import { matchingTopics } from './topic-metadata.ts';
import type { IsolationLevel, OffsetResetPolicy, TopicPartition, TopicPartitionOffset } from './offsets.ts';

export interface ConsumerRecord {
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  readonly timestamp: bigint;
}

/** What the async iterator yields: records of one partition, in offset order. */
export interface ConsumerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumerRecord[];
  /** The partition's high watermark when the records were fetched. */
  readonly highWatermark: bigint;
}

/** What the Observable emits: one record with its topic and partition. */
export interface TopicRecord extends ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
}

export type PartitionsListener = (partitions: TopicPartition[]) => void | Promise<void>;

export interface ConsumerOptions {
  readonly bootstrapServers: string | readonly string[];
  /** Required for subscribe() and for commits. */
  readonly groupId?: string;
  readonly clientId?: string;
  /**
   * How long the coordinator keeps a member that stopped heartbeating (session.timeout.ms);
   * default 45 000 ms, as Kafka 3.0+ (KIP-735) and librdkafka 2.x. The broker's group min/max
   * session timeouts bound it.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Static membership (group.instance.id, KIP-345): a stable identity for this consumer. It
   * sends no LeaveGroup on close, so a restart within sessionTimeoutMs keeps its partitions
   * without a rebalance. Unique per running consumer: a second one with the same id fences
   * the first (FENCED_INSTANCE_ID, fatal).
   */
  readonly groupInstanceId?: string;
  /** Default 3000 ms. */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long the coordinator waits for every member to rejoin (JoinGroup's rebalance timeout);
   * default maxPollIntervalMs, which Kafka's and librdkafka's consumers send, since a member
   * rejoins only once its application lets go of the partitions being revoked.
   */
  readonly rebalanceTimeoutMs?: number;
  /**
   * max.poll.interval.ms: in a group, if the application does not ask for the next batch
   * (iterator `next()`, or the Observable moving on) for this long, the member leaves the group
   * so its partitions go to the others, and rejoins when the application asks again; default
   * 300 000 ms.
   */
  readonly maxPollIntervalMs?: number;
  /** Commit processed offsets every autoCommitIntervalMs and on close; default true. */
  readonly autoCommit?: boolean;
  /** Default 5000 ms. */
  readonly autoCommitIntervalMs?: number;
  /** Where to start without a committed offset, or when the offset is out of range; default 'latest'. */
  readonly autoOffsetReset?: OffsetResetPolicy;
  /** Default 'read_uncommitted'. */
  readonly isolationLevel?: IsolationLevel;
  /** Fetch response limit (fetch.max.bytes); default 50 MiB. */
  readonly maxBytes?: number;
  /** Per partition (max.partition.fetch.bytes); default 1 MiB. */
  readonly maxPartitionBytes?: number;
  /** Long-poll wait (fetch.max.wait.ms); default 500 ms. */
  readonly maxWaitMs?: number;
  /** Default 1. */
  readonly minBytes?: number;
  /** No new fetch while fetched, unread data holds this many bytes; default 32 MiB. */
  readonly maxPrefetchBytes?: number;
  /** Partition assignors in preference order; default [range, roundrobin]. */
  readonly assignors?: readonly Assignor[];
  /** Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * metadata.max.age.ms: metadata is refreshed at least this often, and a group leader checks
   * the partition counts it assigned from this often, rejoining when partitions were added so
   * they get an owner; default 300 000 ms.
   */
  readonly metadataMaxAgeMs?: number;
  readonly onAssigned?: PartitionsListener;
  readonly onRevoked?: PartitionsListener;
}

interface ConsumerPartition extends PartitionState {
  /** The position after the last batch handed to the application. */
  delivered: bigint | undefined;
  /** The offset after the last processed record: what a commit sends. */
  processed: bigint | undefined;
  committed: bigint | undefined;
  /** Bumped by seek, so a batch delivered before a seek does not move `processed`. */
  seeks: number;
}

type Mode = 'none' | 'subscribe' | 'assign';

const TOPIC_REFRESH_MS = 5000;
const POSITION_RETRY_MS = 100;
const MAX_POSITION_RETRY_MS = 1000;

/** A group member's commit without a generation to commit with. */
function rebalanceInProgress(groupId: string): KafkaError {
  return new RebalanceInProgressError(
    `commit() for group '${groupId}'`,
    'this member holds no generation to commit with (it is joining the group, has rejoined for a rebalance, or left the group after maxPollIntervalMs), so nothing was committed; the next owner of its partitions reads from the last committed offsets. Retry once partitions are assigned again, or commit from an onRevoked listener, where commits of the partitions being revoked go through',
  );
}

/** REBALANCE_IN_PROGRESS for a commit: retriable once the member has an assignment again (Kafka's RebalanceInProgressException). */
class RebalanceInProgressError extends KafkaError {
  override readonly retriable: boolean = true;

  constructor(context: string, detail: string) {
    super(ErrorCode.REBALANCE_IN_PROGRESS, context, detail);
  }
}

/**
 * Brook's consumer: a member of a consumer group (subscribe) or a reader of chosen partitions
 * (assign). Records come out of `for await (const batch of consumer)` or `observable()`; a
 * batch counts as processed when the iterator moves past it (or the loop exits), and only
 * processed offsets are committed.
 */
export class Consumer {
  private readonly options: ConsumerOptions;
  private readonly cluster: Cluster;
  private readonly fetcher: Fetcher<ConsumerPartition>;
  /** The group's coordinator (with a groupId), shared by the membership, commits and offset fetches. */
  private readonly coordinator: GroupCoordinator | undefined;
  private readonly partitions = new Map<string, ConsumerPartition>();
  private readonly listeners = { assigned: new Set<PartitionsListener>(), revoked: new Set<PartitionsListener>() };
  private readonly waiters = new Set<() => void>();
  /** Partition key → batches handed to the application and not yet processed. */
  private readonly inHand = new Map<string, number>();
  /** Start-position retries: close() clears them. */
  private readonly timers = new Timers();
  private membership: GroupMembership | undefined;
  private subscription: readonly (string | RegExp)[] = [];
  private subscribedTopics: string[] = [];
  private topicsCheckedAt = 0;
  private mode: Mode = 'none';
  private connected = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;
  private autoCommitTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** When the application last asked for a batch (or the membership started). */
  private lastPollAt = 0;
  /** Iterators waiting inside next(): an application waiting for data is polling. */
  private polling = 0;
  /** The application went past maxPollIntervalMs: the member left its group until the next poll. */
  private pollExpired = false;
  /** Revocations in progress whose partitions can still be committed (their listeners are running). */
  private revocations = 0;

  constructor(options: ConsumerOptions) {
    this.options = options;
    this.cluster = new Cluster({
      bootstrapServers: options.bootstrapServers,
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.metadataMaxAgeMs === undefined ? {} : { metadataMaxAgeMs: options.metadataMaxAgeMs }),
    });
    this.coordinator = options.groupId === undefined ? undefined : new GroupCoordinator(this.cluster, options.groupId);
    if (options.onAssigned !== undefined) this.listeners.assigned.add(options.onAssigned);
    if (options.onRevoked !== undefined) this.listeners.revoked.add(options.onRevoked);
    this.fetcher = new Fetcher<ConsumerPartition>(
      this.cluster,
      {
        clientId: this.cluster.clientId,
        requestTimeoutMs: this.cluster.requestTimeoutMs,
        isolationLevel: options.isolationLevel ?? 'read_uncommitted',
        maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
        maxPartitionBytes: options.maxPartitionBytes ?? 1024 * 1024,
        maxWaitMs: options.maxWaitMs ?? 500,
        minBytes: options.minBytes ?? 1,
        maxPrefetchBytes: options.maxPrefetchBytes ?? 32 * 1024 * 1024,
      },
      {
        partitions: () => this.partitions.values(),
        outOfRange: (state) => {
          if (this.partitions.get(state.key) === state) void this.initPositions([state], false);
        },
        ready: () => {
          this.wakeAll();
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
    const interval = this.options.autoCommitIntervalMs ?? 5000;
    if (this.autoCommitEnabled()) {
      this.autoCommitTimer = setInterval(() => {
        void this.commitProcessed(undefined, 'auto').catch(() => undefined);
      }, interval);
      this.autoCommitTimer.unref();
    }
    if (this.mode === 'subscribe') this.startMembership();
  }

  on(event: 'assigned' | 'revoked', listener: PartitionsListener): this {
    this.listeners[event].add(listener);
    return this;
  }

  off(event: 'assigned' | 'revoked', listener: PartitionsListener): this {
    this.listeners[event].delete(listener);
    return this;
  }

  /** Joins the group for these topics (names or patterns matched against the cluster's topics). */
  subscribe(topics: readonly (string | RegExp)[]): void {
    this.ensureOpen();
    if (this.options.groupId === undefined) throw new ClientError(ClientErrorCode.KAFKA, 'subscribe() needs a groupId in the consumer options; use assign() without a group');
    if (this.mode === 'assign') throw new ClientError(ClientErrorCode.KAFKA, 'this consumer uses assign(); it cannot also subscribe()');
    this.mode = 'subscribe';
    this.subscription = [...topics];
    if (this.membership !== undefined) this.membership.requestRejoin();
    else if (this.connected) this.startMembership();
  }

  /** Reads these partitions without a group; `offset` or else the committed offset (with a groupId) or the reset policy. */
  async assign(partitions: readonly { topic: string; partition: number; offset?: bigint }[]): Promise<void> {
    this.ensureOpen();
    if (this.mode === 'subscribe') throw new ClientError(ClientErrorCode.KAFKA, 'this consumer uses subscribe(); it cannot also assign()');
    this.mode = 'assign';
    for (const state of this.partitions.values()) state.epoch++;
    this.partitions.clear();
    const fresh: ConsumerPartition[] = [];
    for (const tp of partitions) {
      const state = this.newPartition(tp.topic, tp.partition);
      if (tp.offset !== undefined) this.setPosition(state, tp.offset);
      else fresh.push(state);
    }
    await this.initPositions(fresh, true);
    this.fetcher.kick();
  }

  /** This member's id in its group ('' before it joined or without a group). */
  get memberId(): string {
    return this.membership?.memberId ?? '';
  }

  /** The partition numbers of a topic, from the cluster's metadata; a KafkaError for an unknown topic. */
  async partitionsFor(topic: string): Promise<number[]> {
    return (await this.cluster.partitionsFor(topic)).map((p) => p.partition);
  }

  /** The partitions this consumer reads now. */
  assignment(): TopicPartition[] {
    return [...this.partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Reads `topic`-`partition` from `offset` next; data fetched before is dropped. */
  seek(topic: string, partition: number, offset: bigint): void {
    const state = this.partitions.get(tpKey(topic, partition));
    if (state === undefined) throw new ClientError(ClientErrorCode.KAFKA, `cannot seek ${topic}-${partition}: it is not assigned to this consumer`);
    state.seeks++;
    this.setPosition(state, offset);
    this.fetcher.kick();
  }

  /** Stops fetching these partitions; what was fetched and not yet delivered is fetched again on resume. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.partitions.get(tpKey(tp.topic, tp.partition));
      if (state === undefined || state.paused) continue;
      state.paused = true;
      state.epoch++;
      if (state.delivered !== undefined) state.position = state.delivered;
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.partitions.get(tpKey(tp.topic, tp.partition));
      if (state !== undefined) state.paused = false;
    }
    this.fetcher.kick();
  }

  paused(): TopicPartition[] {
    return [...this.partitions.values()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The next offset to be delivered for a partition, if known. */
  position(topic: string, partition: number): bigint | undefined {
    return this.partitions.get(tpKey(topic, partition))?.delivered;
  }

  /**
   * Commits `offsets` (the next offset to read, per partition), or else the processed offsets
   * of every assigned partition that moved since the last commit. A group member commits with
   * its generation: while it has none (before its first assignment, during an eager rebalance
   * outside onRevoked, after it left the group) this throws a retriable KafkaError
   * REBALANCE_IN_PROGRESS and commits nothing. In onRevoked the partitions being revoked are
   * still assigned and their commits go through.
   */
  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    const groupId = this.options.groupId;
    if (groupId === undefined) throw new ClientError(ClientErrorCode.KAFKA, 'commit() needs a groupId in the consumer options');
    if (offsets === undefined) {
      await this.commitProcessed(undefined, 'user');
      return;
    }
    if (offsets.length === 0) return;
    if (!this.canCommit()) throw rebalanceInProgress(groupId);
    await this.sendCommit(offsets);
  }

  /** The group's committed offsets for these partitions (absent: none committed). */
  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    const groupId = this.options.groupId;
    if (groupId === undefined) throw new ClientError(ClientErrorCode.KAFKA, 'committed() needs a groupId in the consumer options');
    return fetchCommittedOffsets(this.cluster, this.coordinator!, partitions);
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerBatch, undefined> {
    let current: { batch: FetchedBatch<ConsumerPartition>; state: ConsumerPartition; seeks: number } | undefined;
    let stopped = false;
    let wake: (() => void) | undefined;
    const markProcessed = (): void => {
      if (current === undefined) return;
      const { batch, state, seeks } = current;
      current = undefined;
      if (this.partitions.get(state.key) === state && state.seeks === seeks) state.processed = batch.nextOffset;
      this.release(state.key);
    };
    const nextBatch = async (): Promise<IteratorResult<ConsumerBatch, undefined>> => {
      for (;;) {
        if (this.failure !== undefined) throw this.failure;
        if (stopped || this.closed) return { done: true, value: undefined };
        const batch = this.fetcher.take((b) => this.isCurrent(b));
        if (batch !== undefined) {
          const state = batch.state;
          state.delivered = batch.nextOffset;
          current = { batch, state, seeks: state.seeks };
          this.inHand.set(state.key, (this.inHand.get(state.key) ?? 0) + 1);
          return {
            done: false,
            value: { topic: batch.topic, partition: batch.partition, records: batch.records, highWatermark: batch.highWatermark },
          };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.waiters.add(resolve);
        });
        if (wake !== undefined) this.waiters.delete(wake);
        wake = undefined;
      }
    };
    return {
      next: async () => {
        markProcessed();
        this.polled();
        // An application waiting here for data is polling, however long the wait.
        this.polling++;
        try {
          return await nextBatch();
        } finally {
          this.polling--;
          this.lastPollAt = Date.now();
        }
      },
      return: () => {
        // Leaving the loop (break) ends processing of the batch in hand.
        markProcessed();
        stopped = true;
        wake?.();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  /**
   * Every record as an RxJS Observable. A record counts as processed once emitted (RxJS
   * subscribers run synchronously); unsubscribing stops consuming.
   */
  observable(): Observable<TopicRecord> {
    return new Observable<TopicRecord>((subscriber) => {
      const iterator = this[Symbol.asyncIterator]();
      const state = { stopped: false };
      // Unsubscribing may happen inside subscriber.next(): read the flag through a call.
      const isStopped = (): boolean => state.stopped;
      void (async () => {
        try {
          for (;;) {
            const step = await iterator.next();
            if (step.done === true || isStopped()) break;
            const { topic, partition, records } = step.value;
            const owned = this.partitions.get(tpKey(topic, partition));
            for (const record of records) {
              subscriber.next({ ...record, topic, partition });
              if (owned !== undefined) owned.processed = record.offset + 1n;
              if (isStopped()) return;
            }
          }
          subscriber.complete();
        } catch (error) {
          subscriber.error(error);
        }
      })();
      return () => {
        state.stopped = true;
        void iterator.return?.();
      };
    });
  }

  /** Commits processed offsets (with autoCommit), leaves the group (a static member stays until its session ends), closes every connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.autoCommitTimer);
    clearInterval(this.pollTimer);
    this.timers.clearAll();
    if (this.connected && this.autoCommitEnabled()) await this.commitProcessed(undefined, 'auto').catch(() => undefined);
    this.closed = true;
    this.wakeAll();
    // Revokes the partitions (onRevoked may still commit them), then leaves the group.
    await this.membership?.close();
    this.partitions.clear();
    await this.fetcher.close();
    await this.cluster.close();
  }

  private autoCommitEnabled(): boolean {
    return (this.options.autoCommit ?? true) && this.options.groupId !== undefined;
  }

  private ensureOpen(): void {
    if (this.closed || this.closing !== undefined) throw new ClientError(ClientErrorCode.CLOSED, 'the consumer is closed');
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wakeAll();
  }

  private wakeAll(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  private release(key: string): void {
    const held = (this.inHand.get(key) ?? 1) - 1;
    if (held > 0) this.inHand.set(key, held);
    else this.inHand.delete(key);
    this.wakeAll();
  }

  /**
   * Resolves once the application holds no batch of these partitions (it moved past them or
   * left its loop), so a partition is never processed here after it is revoked; or at close.
   */
  private async whenReleased(keys: readonly string[]): Promise<void> {
    while (!this.closed && !this.pollExpired && keys.some((key) => this.inHand.has(key))) {
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  /**
   * Whether fetched data may be delivered: fetched for the partition's current state (a new
   * assignment of the same partition is a new state, whatever its epoch), since its last
   * seek or pause, and not being revoked.
   */
  private isCurrent({ state, epoch }: { state: ConsumerPartition; epoch: number }): boolean {
    return this.partitions.get(state.key) === state && state.epoch === epoch && !state.paused && !state.revoking;
  }

  private newPartition(topic: string, partition: number): ConsumerPartition {
    const state: ConsumerPartition = {
      topic,
      partition,
      key: tpKey(topic, partition),
      position: undefined,
      paused: false,
      epoch: 0,
      delivered: undefined,
      processed: undefined,
      committed: undefined,
      seeks: 0,
      revoking: false,
    };
    this.partitions.set(state.key, state);
    return state;
  }

  private setPosition(state: ConsumerPartition, offset: bigint): void {
    state.epoch++;
    state.position = offset;
    state.delivered = offset;
    state.processed = offset;
  }

  /**
   * Positions from the group's committed offsets (when `useCommitted`), else from the reset
   * policy, for the partitions still assigned and without one. A retriable failure (a topic
   * still being created, a coordinator moving) is tried again after a backoff, in the
   * background, for as long as the partitions stay assigned.
   */
  private async initPositions(states: readonly ConsumerPartition[], useCommitted: boolean, backoffMs = POSITION_RETRY_MS): Promise<void> {
    const pending = states.filter((s) => this.partitions.get(s.key) === s && s.position === undefined);
    if (pending.length === 0) return;
    try {
      const coordinator = this.coordinator;
      const committed = useCommitted && coordinator !== undefined ? await fetchCommittedOffsets(this.cluster, coordinator, pending) : new Map<string, bigint>();
      const rest = pending.filter((s) => !committed.has(s.key));
      const reset = await resetOffsets(this.cluster, rest, this.options.autoOffsetReset ?? 'latest', this.options.isolationLevel ?? 'read_uncommitted');
      for (const state of pending) {
        // Seeked (or revoked) meanwhile: the caller's choice stands.
        if (this.partitions.get(state.key) !== state || state.position !== undefined) continue;
        const offset = committed.get(state.key) ?? reset.get(state.key);
        if (offset === undefined) continue;
        this.setPosition(state, offset);
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

  /**
   * Commits the processed offsets that moved since the last commit, of every partition or of
   * `only`. When the member cannot commit (see canCommit), a 'user' commit throws and an
   * 'auto' commit is skipped: the next owner of the partitions reads from the last commit.
   */
  private async commitProcessed(only: readonly ConsumerPartition[] | undefined, mode: 'auto' | 'user'): Promise<void> {
    const groupId = this.options.groupId;
    if (groupId === undefined) return;
    const offsets: TopicPartitionOffset[] = [];
    const states: [ConsumerPartition, bigint][] = [];
    for (const state of only ?? this.partitions.values()) {
      if (state.processed === undefined || state.processed === state.committed) continue;
      offsets.push({ topic: state.topic, partition: state.partition, offset: state.processed });
      states.push([state, state.processed]);
    }
    if (offsets.length === 0) return;
    if (!this.canCommit()) {
      if (mode === 'user') throw rebalanceInProgress(groupId);
      return;
    }
    await this.sendCommit(offsets);
    for (const [state, offset] of states) state.committed = offset;
  }

  /**
   * Whether commits can be made now: always without a group; in a group, while the member
   * holds its generation (see GroupMembership.canCommit), or while partitions are being
   * revoked (not lost) and their listeners run.
   */
  private canCommit(): boolean {
    return this.mode !== 'subscribe' || this.membership?.canCommit === true || this.revocations > 0;
  }

  private async sendCommit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const inGroup = this.mode === 'subscribe' && this.membership !== undefined;
    await commitOffsets(
      this.cluster,
      this.coordinator!,
      inGroup ? this.membership!.generationId : -1,
      inGroup ? this.membership!.memberId : '',
      offsets,
      inGroup ? (this.options.groupInstanceId ?? null) : null,
    );
  }

  private async emit(event: 'assigned' | 'revoked', partitions: TopicPartition[]): Promise<void> {
    for (const listener of this.listeners[event]) await listener(partitions);
  }

  /** The application asked for a batch: a member that left for being too slow rejoins. */
  private polled(): void {
    this.lastPollAt = Date.now();
    if (!this.pollExpired) return;
    this.pollExpired = false;
    this.membership?.resumePolling();
  }

  /** Kafka's max.poll.interval.ms, checked a few times per interval. */
  private startPollTimer(): void {
    const interval = this.options.maxPollIntervalMs ?? 300_000;
    this.lastPollAt = Date.now();
    this.pollTimer = setInterval(
      () => {
        if (this.pollExpired || this.polling > 0 || Date.now() - this.lastPollAt <= interval) return;
        this.pollExpired = true;
        this.membership?.pollTimedOut();
        // A revocation waiting for the application to let go of its batch waits no more.
        this.wakeAll();
      },
      Math.max(10, Math.min(1000, interval / 5)),
    );
    this.pollTimer.unref();
  }

  private startMembership(): void {
    const groupId = this.options.groupId!;
    this.membership = new GroupMembership(
      this.cluster,
      this.coordinator!,
      {
        groupId,
        sessionTimeoutMs: this.options.sessionTimeoutMs ?? 45_000,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs ?? this.options.maxPollIntervalMs ?? 300_000,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 3000,
        groupInstanceId: this.options.groupInstanceId ?? null,
        assignors: this.options.assignors ?? [rangeAssignor(), roundRobinAssignor()],
        metadataMaxAgeMs: this.cluster.metadataMaxAgeMs,
      },
      {
        topics: () => this.resolveTopics(),
        subscriptionChanged: async () => {
          if (!this.subscription.some((s) => s instanceof RegExp) || Date.now() - this.topicsCheckedAt < TOPIC_REFRESH_MS) return false;
          const before = this.subscribedTopics.join('\u0000');
          const after = (await this.resolveTopics()).join('\u0000');
          return before !== after;
        },
        revoke: async (partitions, lost) => {
          const states = partitions.map((tp) => this.partitions.get(tpKey(tp.topic, tp.partition))).filter((s) => s !== undefined);
          for (const state of states) state.revoking = true;
          // Lost partitions may belong to another member already: waiting would not help.
          if (!lost) await this.whenReleased(states.map((s) => s.key));
          // Past maxPollIntervalMs the member is leaving: what it did since does not count.
          const committable = !lost && !this.pollExpired;
          // As in Kafka's consumer, the listeners run while the partitions are still assigned
          // and, unless they are lost, while the generation can still commit them.
          if (committable) this.revocations++;
          try {
            if (committable && this.autoCommitEnabled()) await this.commitProcessed(states, 'auto').catch(() => undefined);
            await this.emit('revoked', partitions);
          } finally {
            if (committable) this.revocations--;
            for (const state of states) if (this.partitions.get(state.key) === state) this.partitions.delete(state.key);
          }
        },
        assign: async (partitions) => {
          const states = partitions.map((tp) => this.partitions.get(tpKey(tp.topic, tp.partition)) ?? this.newPartition(tp.topic, tp.partition));
          await this.emit('assigned', partitions);
          await this.initPositions(
            states.filter((s) => s.position === undefined),
            true,
          );
        },
        fail: (error) => {
          this.fail(error);
        },
      },
    );
    this.membership.start();
    this.startPollTimer();
  }

  /** The subscription as topic names: names as given, patterns matched against the cluster's non-internal topics. */
  private async resolveTopics(): Promise<string[]> {
    const names = new Set(this.subscription.filter((s): s is string => typeof s === 'string'));
    const patterns = this.subscription.filter((s): s is RegExp => s instanceof RegExp);
    if (patterns.length > 0) {
      for (const name of await matchingTopics(this.cluster, patterns)) names.add(name);
      this.topicsCheckedAt = Date.now();
    }
    this.subscribedTopics = [...names].sort();
    return this.subscribedTopics;
  }
}
