import type { Timer } from '../../../core/base/index.ts';
import { ClientError, KafkaError } from '../../../client/index.ts';
import { ErrorCode, GroupCoordinator, GroupRequests, MAX_GROUP_BACKOFF_MS, MemberLoopTimers, REJOIN_ERRORS } from '../../../client/internal.ts';
import type { Cluster } from '../../../client/internal.ts';
import type { ConnectLogger } from '../../api/index.ts';
import type { TaskId } from '../task-status.ts';
import { CONNECT_PROTOCOLS, CONNECT_PROTOCOL_TYPE, decodeAssignment, decodeWorkerState, encodeAssignment, encodeWorkerState } from './connect-protocol.ts';
import type { ConnectAssignment, OwnedWork } from './connect-protocol.ts';
import type { WorkerMember } from './assignor.ts';

export interface WorkerGroupOptions {
  readonly groupId: string;
  /** This worker's REST url, as other workers reach it (Kafka's rest.advertised.*). */
  readonly url: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly logger: ConnectLogger;
}

/** What the herder does for the member. */
export interface WorkerGroupHooks {
  /** The offset of the config topic this worker has read up to. */
  configOffset(): bigint;
  /** Leader only: the assignment of every member (the config topic read to the end first). */
  assign(members: readonly WorkerMember[], leaderId: string, leaderUrl: string, version: number): Promise<Map<string, ConnectAssignment>>;
  /** Stops what is revoked; resolves once it is stopped (before the member rejoins). */
  revoke(connectors: readonly string[], tasks: readonly TaskId[]): Promise<void>;
  /** The member's generation ended without a clean revocation: stop everything it ran. */
  lost(connectors: readonly string[], tasks: readonly TaskId[]): Promise<void>;
  /** The generation's assignment is in; `owned` is everything this worker runs now. */
  assigned(assignment: ConnectAssignment, owned: OwnedWork): void;
  /** A fatal group error (say, INCONSISTENT_GROUP_PROTOCOL). */
  fail(error: Error): void;
}

const taskText = (id: TaskId): string => `${id.connector}-${id.task}`;

/**
 * A Connect worker's membership of its group (Kafka's WorkerGroupMember and WorkerCoordinator):
 * the classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) through the
 * client's group coordinator lookup, with protocol type `connect`, Kafka's Connect metadata and
 * assignments, and incremental cooperative rebalancing: the member keeps what it runs through
 * a rebalance, stops what the new assignment revokes, and rejoins at once when it gave
 * something up (so the next generation hands it on) or after the leader's scheduled delay.
 */
export class WorkerGroupMember {
  memberId = '';
  generationId = -1;
  /** The last assignment received: its leader url and config offset. */
  current: ConnectAssignment | undefined;
  private readonly cluster: Cluster;
  private readonly coordinator: GroupCoordinator;
  private readonly requests: GroupRequests;
  private readonly timers: MemberLoopTimers;
  private readonly o: WorkerGroupOptions;
  private readonly hooks: WorkerGroupHooks;
  private connectors = new Set<string>();
  private tasks = new Map<string, TaskId>();
  private rejoinNeeded = true;
  private rebalancing = true;
  /** When the coordinator last answered this member's heartbeat or SyncGroup. */
  private lastContact = 0;
  private closed = false;
  private running: Promise<void> | undefined;
  private delayTimer: Timer | undefined;

  constructor(cluster: Cluster, options: WorkerGroupOptions, hooks: WorkerGroupHooks) {
    this.cluster = cluster;
    this.coordinator = new GroupCoordinator(cluster, options.groupId);
    this.requests = new GroupRequests(cluster, this.coordinator, { ...options, groupInstanceId: null, kind: 'Connect group' });
    this.timers = new MemberLoopTimers(cluster.scheduler);
    this.o = options;
    this.hooks = hooks;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** True from a rebalance's start until its assignment is applied (Kafka answers writes 409 then). */
  get isRebalancing(): boolean {
    return this.rebalancing;
  }

  get isLeader(): boolean {
    return this.current !== undefined && this.current.leader === this.memberId && this.memberId !== '';
  }

  ownsConnector(name: string): boolean {
    return this.connectors.has(name);
  }

  ownsTask(id: TaskId): boolean {
    return this.tasks.has(taskText(id));
  }

  owned(): OwnedWork {
    return { connectors: [...this.connectors].sort(), tasks: [...this.tasks.values()] };
  }

  /** Rejoins at the next opportunity (the leader saw connectors or tasks come or go). */
  requestRejoin(): void {
    this.rejoinNeeded = true;
    this.timers.wake();
  }

  /** Stops heartbeating, stops what it runs, and leaves the group. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A JoinGroup waiting for the rest of the group gives way to the close.
    this.timers.close();
    this.cluster.scheduler.clearTimeout(this.delayTimer);
    this.timers.wake();
    await this.running;
    const { connectors, tasks } = this.owned();
    this.connectors.clear();
    this.tasks.clear();
    if (connectors.length + tasks.length > 0) await this.hooks.revoke(connectors, tasks).catch(() => undefined);
    await this.requests.leave(this.memberId);
    this.memberId = '';
    this.generationId = -1;
  }

  private isClosed(): boolean {
    return this.closed;
  }

  private needsRejoin(): boolean {
    return this.rejoinNeeded;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.closed) {
      try {
        if (this.rejoinNeeded) await this.joinAndSync();
        else {
          await this.pause(this.o.heartbeatIntervalMs);
          if (this.isClosed() || this.needsRejoin()) continue;
          await this.heartbeat();
        }
        backoff = 100;
      } catch (error) {
        if (this.isClosed()) break;
        if (error instanceof KafkaError && REJOIN_ERRORS.has(error.errorCode)) {
          // An answer, though a refusal: the coordinator is there.
          this.lastContact = this.cluster.scheduler.now();
          this.rebalancing = true;
          if (error.errorCode !== ErrorCode.REBALANCE_IN_PROGRESS) await this.loseGeneration(error.errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
          this.rejoinNeeded = true;
          continue;
        }
        // A refusal from the group (say, another application uses this group id with another
        // protocol) is fatal; anything else (a connection, a member's malformed metadata, the
        // leader failing to read the config topic) is tried again with a new rebalance.
        if (error instanceof KafkaError && !error.retriable) {
          this.hooks.fail(error);
          return;
        }
        this.o.logger.warn({ err: error, group: this.o.groupId }, 'Connect group rebalance failed; retrying');
        if (!(error instanceof ClientError)) this.rejoinNeeded = true;
        this.coordinator.forgetOn(error);
        await this.loseWorkIfCutOff();
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, MAX_GROUP_BACKOFF_MS);
      }
    }
  }

  /** The coordinator forgot this generation: another member may already run this member's work. */
  private async loseGeneration(forgetMember: boolean): Promise<void> {
    this.generationId = -1;
    if (forgetMember) this.memberId = '';
    const { connectors, tasks } = this.owned();
    this.connectors.clear();
    this.tasks.clear();
    if (connectors.length + tasks.length > 0) await this.hooks.lost(connectors, tasks);
  }

  /**
   * Past the session timeout without an answer from the coordinator, the group has expelled this
   * member and handed its work on: it stops that work now rather than run it beside the new
   * owner (Kafka's worker revokes its assignment when the coordinator stays unreachable).
   */
  private async loseWorkIfCutOff(): Promise<void> {
    if (this.cluster.scheduler.now() - this.lastContact < this.o.sessionTimeoutMs) return;
    const owned = this.owned();
    if (owned.connectors.length + owned.tasks.length === 0) return;
    this.o.logger.warn({ group: this.o.groupId, sessionTimeoutMs: this.o.sessionTimeoutMs }, 'no answer from the Connect group coordinator within the session timeout: stopping this worker\'s connectors and tasks');
    this.rebalancing = true;
    this.rejoinNeeded = true;
    await this.loseGeneration(true);
  }

  private pause(ms: number): Promise<void> {
    return this.timers.pause(ms);
  }

  private async heartbeat(): Promise<void> {
    await this.requests.heartbeat(this);
    this.lastContact = this.cluster.scheduler.now();
  }

  /**
   * One rebalance. The rejoin request it answers is taken at its start: a request that comes
   * while it runs (the leader replays a new connector after reading the config topic for its
   * assignment) stays set, and the member joins again once this generation is in.
   */
  private async joinAndSync(): Promise<void> {
    this.rejoinNeeded = false;
    try {
      await this.joinAndSyncOnce();
    } catch (error) {
      this.rejoinNeeded = true;
      throw error;
    }
  }

  private async joinAndSyncOnce(): Promise<void> {
    this.rebalancing = true;
    const { groupId } = this.o;
    const connection = await this.coordinator.connection();
    const configOffset = this.hooks.configOffset();
    const owned = this.owned();
    const protocols = CONNECT_PROTOCOLS.map((p) => ({ name: p.name, metadata: encodeWorkerState({ version: p.version, url: this.o.url, configOffset, owned }) }));
    const untilClosed = <T>(request: Promise<T>): Promise<T | undefined> => this.timers.untilClosed(request);
    const join = await this.requests.join(connection, this, CONNECT_PROTOCOL_TYPE, protocols, untilClosed);
    if (join === undefined) return;
    this.lastContact = this.cluster.scheduler.now();
    if (this.isClosed()) return;
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    const version = CONNECT_PROTOCOLS.find((p) => p.name === join.protocolName)?.version ?? 1;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (join.leader === join.memberId) {
      const members: WorkerMember[] = join.members.map((m) => {
        const state = decodeWorkerState(m.metadata);
        return { memberId: m.memberId, url: state.url, configOffset: state.configOffset, owned: state.owned ?? { connectors: [], tasks: [] } };
      });
      const plan = await this.hooks.assign(members, join.memberId, this.o.url, version);
      assignments = [...plan].map(([memberId, a]) => ({ memberId, assignment: encodeAssignment(a) }));
    }
    const synced = await this.requests.sync(connection, this, assignments, untilClosed);
    if (synced === undefined) return;
    this.lastContact = this.cluster.scheduler.now();
    if (this.isClosed()) return;
    const assignment = decodeAssignment(synced);
    this.current = assignment;
    const revokedConnectors = assignment.revokedConnectors.filter((c) => this.connectors.has(c));
    const revokedTasks = assignment.revokedTasks.filter((t) => this.tasks.has(taskText(t)));
    for (const c of revokedConnectors) this.connectors.delete(c);
    for (const t of revokedTasks) this.tasks.delete(taskText(t));
    if (revokedConnectors.length + revokedTasks.length > 0) {
      await this.hooks.revoke(revokedConnectors, revokedTasks);
      // What this member gave up goes to another member only in the next generation.
      this.rejoinNeeded = true;
    }
    for (const c of assignment.connectors) this.connectors.add(c);
    for (const t of assignment.tasks) this.tasks.set(taskText(t), t);
    this.o.logger.info(
      {
        group: groupId,
        generation: this.generationId,
        leader: assignment.leaderUrl,
        assigned: [...assignment.connectors, ...assignment.tasks.map(taskText)],
        revoked: [...revokedConnectors, ...revokedTasks.map(taskText)],
        delayMs: assignment.delayMs,
      },
      'joined the Connect group',
    );
    this.cluster.scheduler.clearTimeout(this.delayTimer);
    if (assignment.delayMs > 0) {
      this.delayTimer = this.cluster.scheduler.setTimeout(() => {
        this.requestRejoin();
      }, assignment.delayMs);
      this.delayTimer.unref();
    }
    this.rebalancing = this.rejoinNeeded;
    this.hooks.assigned(assignment, this.owned());
  }
}
