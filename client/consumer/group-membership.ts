import {
  CONSUMER_PROTOCOL_TYPE,
  ErrorCode,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '../../core/protocol/index.ts';
import type { TopicPartitions } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import { ClientError, KafkaError, kafkaError } from '../errors.ts';
import type { Assignor, GroupMember, RebalanceProtocol } from './assignors.ts';
import type { GroupCoordinator } from './coordinator.ts';
import { GroupRequests, MAX_GROUP_BACKOFF_MS, MemberLoopTimers, REJOIN_ERRORS } from './group-requests.ts';
import { tpKey } from './offsets.ts';
import { partitionCounts, sameCounts } from './topic-metadata.ts';
import type { TopicPartition } from './offsets.ts';

export interface MembershipOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Static membership (KIP-345): this member's stable identity across restarts; null for a dynamic member. */
  readonly groupInstanceId: string | null;
  /** In preference order; the first is this member's favourite. */
  readonly assignors: readonly Assignor[];
  /** How often the leader checks the metadata it assigned from (metadata.max.age.ms). */
  readonly metadataMaxAgeMs: number;
}

/** What the leader assigned from: the topics the members subscribe to and their partition counts. */
interface AssignedFrom {
  readonly topics: readonly string[];
  readonly counts: ReadonlyMap<string, number>;
  checkedAt: number;
}

export interface MembershipHooks {
  /** The topics this member subscribes to now (a regex subscription resolved against metadata). */
  topics(): Promise<string[]>;
  /**
   * This member gives these partitions up. `lost`: its generation is gone (another member may
   * already own them), so nothing is committed for them.
   */
  revoke(partitions: TopicPartition[], lost: boolean): Promise<void>;
  /** This member now owns these partitions as well (eager protocol: these are all it owns). */
  assign(partitions: TopicPartition[]): Promise<void>;
  /** A fatal error: the member stops. */
  fail(error: Error): void;
  /** Called after each heartbeat: resolves true when the subscription changed (new topics matched). */
  subscriptionChanged(): Promise<boolean>;
}

const compareTps = (a: TopicPartition, b: TopicPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

function byTopic(partitions: readonly TopicPartition[]): TopicPartitions[] {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of [...partitions].sort(compareTps)) {
    const list = topics.get(topic);
    if (list === undefined) topics.set(topic, [partition]);
    else list.push(partition);
  }
  return [...topics].map(([topic, list]) => ({ topic, partitions: list }));
}

/**
 * A consumer's life in a group, Kafka's classic protocol: JoinGroup (retrying with the id a
 * MEMBER_ID_REQUIRED answer hands out), the leader computing the assignment, SyncGroup, a
 * heartbeat every heartbeatIntervalMs, a rejoin when the coordinator says the group rebalances
 * or forgot this generation or member, and LeaveGroup on close.
 *
 * A static member (groupInstanceId) sends its instance id in every request and no LeaveGroup
 * on close, as Kafka's consumer: the coordinator keeps its place (and its partitions) until its
 * session times out, so a restart within that time rejoins without a rebalance. Another member
 * joining with the same instance id takes the place over, and this one is fenced: fatal.
 *
 * The rebalance protocol is cooperative when every assignor offered supports it, else eager
 * (as Kafka's ConsumerCoordinator decides). Eager: every partition is revoked before each
 * rejoin. Cooperative (KIP-429): the member keeps its partitions through the rebalance, sends
 * them in its subscription, and afterwards revokes only those the new assignment lacks; if
 * there were any, it rejoins at once so the next generation can hand them on.
 */
export class GroupMembership {
  memberId = '';
  generationId = -1;
  readonly protocol: RebalanceProtocol;
  private readonly cluster: Cluster;
  private readonly options: MembershipOptions;
  private readonly hooks: MembershipHooks;
  private readonly coordinator: GroupCoordinator;
  private readonly requests: GroupRequests;
  private readonly timers: MemberLoopTimers;
  /** What this member owns: the partitions of its last assignment not revoked since. */
  private owned: TopicPartition[] = [];
  private rejoinNeeded = true;
  /** Holds a generation's assignment: from SyncGroup until the next JoinGroup is sent, or the generation is lost. */
  private synced = false;
  /** The application stopped polling (max.poll.interval.ms): leave, and stay out until it polls. */
  private inactive = false;
  private left = false;
  private closed = false;
  private running: Promise<void> | undefined;
  /** Set while this member leads the current generation. */
  private assignedFrom: AssignedFrom | undefined;
  private checkingMetadata = false;

  constructor(cluster: Cluster, coordinator: GroupCoordinator, options: MembershipOptions, hooks: MembershipHooks) {
    this.cluster = cluster;
    this.coordinator = coordinator;
    this.options = options;
    this.hooks = hooks;
    this.protocol = options.assignors.every((a) => a.rebalanceProtocols?.includes('cooperative') === true) ? 'cooperative' : 'eager';
    this.requests = new GroupRequests(cluster, coordinator, { ...options, kind: 'group' });
    this.timers = new MemberLoopTimers(cluster.scheduler);
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Asks for a rejoin at the next opportunity (a new subscription). */
  requestRejoin(): void {
    this.rejoinNeeded = true;
    this.timers.wake();
  }

  /**
   * The application has not asked for records within max.poll.interval.ms: the member leaves
   * the group so its partitions go to the others, loses its partitions without committing, and
   * stays out until `resumePolling()`. As in Kafka's consumer, a dynamic member sends
   * LeaveGroup; a static member only stops heartbeating, so the coordinator drops it after its
   * session timeout unless it comes back first, keeping its place.
   */
  pollTimedOut(): void {
    this.inactive = true;
    this.timers.wake();
  }

  /** The application polls again: a member that left rejoins. */
  resumePolling(): void {
    this.inactive = false;
    if (this.left) {
      this.left = false;
      this.rejoinNeeded = true;
    }
    this.timers.wake();
  }

  /**
   * Whether the member can commit with its generation: it holds the generation's assignment
   * and has not sent JoinGroup since. A rebalance that has begun does not stop it (the
   * coordinator accepts the current generation's commits until the members rejoin), as
   * between two polls of Kafka's consumer.
   */
  get canCommit(): boolean {
    return this.synced && this.generationId !== -1;
  }

  /**
   * Stops heartbeating, revokes the partitions it owns (as Kafka's consumer, before leaving,
   * so the revocation listeners can still commit with the generation), then leaves the group
   * (a static member stays until its session times out). A JoinGroup or SyncGroup waiting for
   * the rest of the group is not waited for. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.close();
    this.timers.wake();
    await this.running;
    const owned = this.owned;
    this.owned = [];
    if (owned.length > 0) await this.hooks.revoke(owned, this.generationId === -1).catch(() => undefined);
    await this.leaveGroup();
    this.memberId = '';
    this.generationId = -1;
  }

  /** Only a dynamic member leaves: a static one keeps its place until its session times out. */
  private async leaveGroup(): Promise<void> {
    if (this.options.groupInstanceId === null) await this.requests.leave(this.memberId);
  }

  private async leaveInactive(): Promise<void> {
    await this.leaveGroup();
    this.left = true;
    this.synced = false;
    this.memberId = '';
    this.generationId = -1;
    const lost = this.owned;
    this.owned = [];
    if (lost.length > 0) await this.hooks.revoke(lost, true);
  }

  /** Read through a call: the flag changes while awaits are pending, which flow analysis cannot see. */
  private isClosed(): boolean {
    return this.closed;
  }

  private isInactive(): boolean {
    return this.inactive;
  }

  private needsRejoin(): boolean {
    return this.rejoinNeeded;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.closed) {
      try {
        if (this.inactive) {
          if (!this.left) await this.leaveInactive();
          else await this.pause(this.options.heartbeatIntervalMs);
        } else if (this.rejoinNeeded) {
          await this.joinAndSync();
        } else {
          await this.pause(this.options.heartbeatIntervalMs);
          // Woken to leave (poll timeout) or rejoin: no heartbeat for a generation it is about to quit.
          if (this.isClosed() || this.needsRejoin() || this.isInactive()) continue;
          await this.heartbeat();
          this.checkMetadata();
          if (await this.hooks.subscriptionChanged()) this.rejoinNeeded = true;
        }
        backoff = 100;
      } catch (error) {
        if (this.isClosed()) break;
        if (error instanceof KafkaError && error.errorCode === ErrorCode.FENCED_INSTANCE_ID) {
          this.hooks.fail(
            kafkaError(
              ErrorCode.FENCED_INSTANCE_ID,
              `this consumer of group '${this.options.groupId}' was fenced: another consumer joined with the same groupInstanceId '${String(this.options.groupInstanceId)}' and took its place; give every running consumer its own groupInstanceId`,
            ),
          );
          return;
        }
        if (error instanceof KafkaError && REJOIN_ERRORS.has(error.errorCode)) {
          if (error.errorCode !== ErrorCode.REBALANCE_IN_PROGRESS) this.generationId = -1;
          if (error.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
          this.rejoinNeeded = true;
          continue;
        }
        // Any other retriable error (the coordinator moved, a connection failed) is retried after a backoff.
        if (!(error instanceof ClientError && error.retriable)) {
          this.hooks.fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        this.coordinator.forgetOn(error);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, MAX_GROUP_BACKOFF_MS);
      }
    }
  }

  /** Waits `ms`, or less if woken (close, rejoin request). */
  private pause(ms: number): Promise<void> {
    return this.timers.pause(ms);
  }

  private heartbeat(): Promise<void> {
    return this.requests.heartbeat(this);
  }

  /**
   * Runs a rebalance callback (which may wait for the application to finish a batch) while
   * heartbeating, so a slow callback does not cost the member its session. A heartbeat saying
   * the group rebalances again only marks a rejoin; other errors show up on the next request.
   */
  private async whileHeartbeating(work: () => Promise<void>): Promise<void> {
    const progress = { done: false, stop: undefined as (() => void) | undefined };
    // Read through a call: the callback flips it while this loop awaits.
    const isDone = (): boolean => progress.done;
    const finished = work().finally(() => {
      progress.done = true;
      progress.stop?.();
    });
    while (!isDone() && !this.isClosed()) {
      await new Promise<void>((resolve) => {
        const timer = this.cluster.scheduler.setTimeout(resolve, this.options.heartbeatIntervalMs);
        progress.stop = () => {
          this.cluster.scheduler.clearTimeout(timer);
          resolve();
        };
      });
      if (isDone() || this.isClosed()) break;
      try {
        await this.heartbeat();
      } catch (error) {
        if (error instanceof KafkaError && REJOIN_ERRORS.has(error.errorCode)) this.rejoinNeeded = true;
      }
    }
    await finished;
  }

  /**
   * The leader's metadata check, every metadataMaxAgeMs, in the background (heartbeats go on):
   * when a topic it assigned from gained partitions (or appeared, or went), the member rejoins
   * so the next generation assigns them, as Kafka's leader does. While a subscribed topic does
   * not exist the check runs after every heartbeat, as Kafka's consumer keeps asking for the
   * metadata of a topic it does not know: a consumer started before the producer that creates
   * its topic reads it as soon as it is there, not a metadata age later. A failed check is
   * tried again a period later.
   */
  private checkMetadata(): void {
    const from = this.assignedFrom;
    const now = this.cluster.scheduler.now();
    if (from === undefined || this.checkingMetadata) return;
    const waitingForTopic = from.topics.some((topic) => !from.counts.has(topic));
    if (!waitingForTopic && now - from.checkedAt < this.options.metadataMaxAgeMs) return;
    this.checkingMetadata = true;
    from.checkedAt = now;
    partitionCounts(this.cluster, from.topics)
      .then(
        (counts) => {
          if (this.assignedFrom === from && !sameCounts(from.topics, from.counts, counts)) this.requestRejoin();
        },
        () => undefined,
      )
      .finally(() => {
        this.checkingMetadata = false;
      });
  }

  /** Gives up owned partitions (all of them, or those listed). */
  private async revoke(partitions: readonly TopicPartition[], lost: boolean): Promise<void> {
    if (partitions.length === 0) return;
    const gone = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
    this.owned = this.owned.filter((tp) => !gone.has(tpKey(tp.topic, tp.partition)));
    await this.whileHeartbeating(() => this.hooks.revoke([...partitions], lost));
  }

  private async joinAndSync(): Promise<void> {
    // Eager: everything goes before the rejoin. Either protocol: partitions of a generation
    // this member lost may already belong to someone else.
    if (this.protocol === 'eager' || this.generationId === -1) await this.revoke(this.owned, this.generationId === -1);
    // Past maxPollIntervalMs while the revocation waited: the member leaves instead of joining a generation it would leave at once.
    if (this.isClosed() || this.isInactive()) return;
    const { assignors } = this.options;
    const topics = await this.hooks.topics();
    const connection = await this.coordinator.connection();
    const state = { topics, ownedPartitions: byTopic(this.owned), generationId: this.generationId };
    const protocols = assignors.map((a) => ({
      name: a.name,
      metadata: encodeConsumerSubscription(a.subscription?.(state) ?? { topics, userData: a.userData?.() ?? null }),
    }));
    this.synced = false;
    const untilClosed = <T>(request: Promise<T>): Promise<T | undefined> => this.timers.untilClosed(request);
    const join = await this.requests.join(connection, this, CONSUMER_PROTOCOL_TYPE, protocols, untilClosed);
    if (join === undefined || this.isClosed()) return;
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    this.assignedFrom = undefined;
    if (join.leader === join.memberId) {
      const assignor = assignors.find((a) => a.name === join.protocolName);
      if (assignor === undefined) throw kafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the coordinator chose assignor '${join.protocolName}', which this member does not offer`);
      const members: GroupMember[] = join.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        subscription: decodeConsumerSubscription(m.metadata),
      }));
      const topics = [...new Set(members.flatMap((m) => m.subscription.topics))].sort();
      const partitionsPerTopic = await partitionCounts(this.cluster, topics);
      this.assignedFrom = { topics, counts: partitionsPerTopic, checkedAt: this.cluster.scheduler.now() };
      const plan = assignor.assign(members, partitionsPerTopic);
      assignments = members.map((m) => ({
        memberId: m.memberId,
        assignment: encodeConsumerAssignment({
          topics: byTopic([...(plan.get(m.memberId) ?? new Map<string, number[]>())].flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })))),
        }),
      }));
    }
    const synced = await this.requests.sync(connection, this, assignments, untilClosed);
    if (synced === undefined || this.isClosed()) return;
    const assigned = decodeConsumerAssignment(synced).topics.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })));
    this.rejoinNeeded = false;
    this.synced = true;
    if (this.protocol === 'eager') {
      this.owned = assigned;
      await this.whileHeartbeating(() => this.hooks.assign(assigned));
      return;
    }
    const next = new Set(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const had = new Set(this.owned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.owned.filter((tp) => !next.has(tpKey(tp.topic, tp.partition)));
    const added = assigned.filter((tp) => !had.has(tpKey(tp.topic, tp.partition)));
    await this.revoke(revoked, false);
    this.owned.push(...added);
    // What this member gave up goes to another member only in the next generation.
    if (revoked.length > 0) this.rejoinNeeded = true;
    await this.whileHeartbeating(() => this.hooks.assign(added));
  }
}
