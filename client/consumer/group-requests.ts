import type { Scheduler, Timer } from '../../core/base/index.ts';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { ResponseBody } from '../../core/protocol/index.ts';
import type { Cluster } from '../cluster.ts';
import type { KafkaConnection } from '../connection.ts';
import { throwIfKafkaError } from '../errors.ts';
import type { GroupCoordinator } from './coordinator.ts';

/** The longest wait between two tries after a failed group request. */
export const MAX_GROUP_BACKOFF_MS = 1000;
/** Errors after which a member rejoins; UNKNOWN_MEMBER_ID also forgets the member id. */
export const REJOIN_ERRORS: ReadonlySet<number> = new Set([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);

export interface GroupRequestOptions {
  readonly groupId: string;
  /** Static membership (KIP-345); null for a dynamic member. */
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  /** How error messages name the group's kind: `group` or `Connect group`. */
  readonly kind: string;
}

/** The member's identity, updated in place as the coordinator hands out a member id. */
export interface GroupMemberIdentity {
  memberId: string;
  generationId: number;
}

export type JoinGroupAnswer = ResponseBody<typeof ApiKey.JOIN_GROUP>;
export type GroupAssignmentInput = { memberId: string; assignment: Buffer }[];

/**
 * The classic group protocol's requests as any member sends them, whatever its protocol type
 * (a consumer's `consumer`, a Connect worker's `connect`): JoinGroup until the coordinator
 * stops asking for a member id, SyncGroup, Heartbeat and a best-effort LeaveGroup, each
 * refusal thrown as a KafkaError.
 */
export class GroupRequests {
  private readonly cluster: Cluster;
  private readonly coordinator: GroupCoordinator;
  private readonly options: GroupRequestOptions;

  constructor(cluster: Cluster, coordinator: GroupCoordinator, options: GroupRequestOptions) {
    this.cluster = cluster;
    this.coordinator = coordinator;
    this.options = options;
  }

  /** The coordinator holds JoinGroup until every member has rejoined: up to the rebalance timeout. */
  get rebalanceRequestTimeoutMs(): number {
    return this.options.rebalanceTimeoutMs + 5000;
  }

  async heartbeat(member: GroupMemberIdentity): Promise<void> {
    const { groupId, groupInstanceId } = this.options;
    const connection = await this.coordinator.connection();
    const { response } = await this.cluster.send(
      connection,
      ApiKey.HEARTBEAT,
      { groupId, generationId: member.generationId, memberId: member.memberId, groupInstanceId },
      { minVersion: this.staticVersion(3) },
    );
    throwIfKafkaError(response.errorCode, `Heartbeat for ${this.options.kind} '${groupId}'`);
  }

  /**
   * JoinGroup, sent again with the id a MEMBER_ID_REQUIRED answer hands out (KIP-394: the
   * coordinator expects the same member to come back with it). Undefined when `untilClosed`
   * gives way to a close.
   */
  async join(
    connection: KafkaConnection,
    member: GroupMemberIdentity,
    protocolType: string,
    protocols: { name: string; metadata: Buffer }[],
    untilClosed: <T>(request: Promise<T>) => Promise<T | undefined>,
  ): Promise<JoinGroupAnswer | undefined> {
    const { groupId, groupInstanceId, sessionTimeoutMs, rebalanceTimeoutMs } = this.options;
    for (;;) {
      const joined = await untilClosed(
        this.cluster.send(
          connection,
          ApiKey.JOIN_GROUP,
          { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId: member.memberId, groupInstanceId, protocolType, protocols },
          { minVersion: Math.max(1, this.staticVersion(5)), timeoutMs: this.rebalanceRequestTimeoutMs },
        ),
      );
      if (joined === undefined) return undefined;
      const { response } = joined;
      if (response.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        member.memberId = response.memberId;
        continue;
      }
      throwIfKafkaError(response.errorCode, `JoinGroup for ${this.options.kind} '${groupId}'`);
      return response;
    }
  }

  /** SyncGroup: this member's assignment, or undefined when `untilClosed` gives way to a close. */
  async sync(
    connection: KafkaConnection,
    member: GroupMemberIdentity,
    assignments: GroupAssignmentInput,
    untilClosed: <T>(request: Promise<T>) => Promise<T | undefined>,
  ): Promise<Buffer | undefined> {
    const { groupId, groupInstanceId } = this.options;
    const synced = await untilClosed(
      this.cluster.send(
        connection,
        ApiKey.SYNC_GROUP,
        { groupId, generationId: member.generationId, memberId: member.memberId, groupInstanceId, assignments },
        { minVersion: this.staticVersion(3), timeoutMs: this.rebalanceRequestTimeoutMs },
      ),
    );
    if (synced === undefined) return undefined;
    throwIfKafkaError(synced.response.errorCode, `SyncGroup for ${this.options.kind} '${groupId}'`);
    return synced.response.assignment;
  }

  /** LeaveGroup, best effort (the session timeout removes the member anyway), when a coordinator is known. */
  async leave(memberId: string): Promise<void> {
    const connection = this.coordinator.known;
    if (memberId === '' || connection === undefined) return;
    const { groupId } = this.options;
    await this.cluster
      .send(connection, ApiKey.LEAVE_GROUP, (version) => (version >= 3 ? { groupId, members: [{ memberId, groupInstanceId: null }] } : { groupId, memberId }))
      .catch(() => undefined);
  }

  /** The first version of a request that carries groupInstanceId, for a static member. */
  private staticVersion(version: number): number {
    return this.options.groupInstanceId === null ? 0 : version;
  }
}

/**
 * A member loop's waits: a pause that wake() ends early, and a signal that lets a request
 * waiting on the group (a JoinGroup may wait the whole rebalance timeout) give way to close().
 */
export class MemberLoopTimers {
  private readonly scheduler: Scheduler;
  private readonly closedSignal: Promise<undefined>;
  private signalClosed: () => void = () => undefined;
  private wakeUp: (() => void) | undefined;
  private timer: Timer | undefined;

  constructor(scheduler: Scheduler) {
    this.scheduler = scheduler;
    this.closedSignal = new Promise((resolve) => {
      this.signalClosed = () => {
        resolve(undefined);
      };
    });
  }

  /** Waits `ms`, or less if woken. */
  pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.scheduler.clearTimeout(this.timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
      this.timer = this.scheduler.setTimeout(done, ms);
    });
  }

  /** Ends the current pause, if any. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Requests under untilClosed() give way from now on. */
  close(): void {
    this.signalClosed();
  }

  /** `request`'s result, or undefined once close() is called. */
  untilClosed<T>(request: Promise<T>): Promise<T | undefined> {
    return Promise.race([request, this.closedSignal]);
  }
}
