import { randomUUID } from 'node:crypto';
import type { Scheduler, Timer } from '../../core/base/index.ts';
import { ErrorCode, decodeConsumerAssignment } from '../../core/protocol/index.ts';
import type { Logger } from '../logger.ts';
import { ClassicGroup, EMPTY_BYTES, GroupState } from './classic-group.ts';
import type { JoinResult, Member, Protocol, SyncResult } from './classic-group.ts';
import { CoordinatorRuntime } from './coordinator-runtime.ts';
import type { CoordinatorLog, CoordinatorRecord, CoordinatorResult, WriteFailure } from './coordinator-runtime.ts';
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupKey,
  encodeGroupValue,
  encodeOffsetKey,
  encodeOffsetValue,
} from './offsets-records.ts';
import type { CommittedOffset, StoredGroup } from './offsets-records.ts';

export interface GroupSettings {
  readonly initialRebalanceDelayMs: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly maxSize: number;
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetMetadataMaxBytes: number;
}

export interface JoinRequest {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly Protocol[];
  /** JoinGroup v4+: a member without an id is first given one (KIP-394). */
  readonly requireKnownMemberId: boolean;
}

export interface MemberRef {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface OffsetCommitPartition {
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupState;
  readonly protocolType: string;
  readonly protocol: string;
  readonly generation: number;
  readonly members: readonly {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }[];
}

type CommitResults = { topic: string; partitions: { partition: number; errorCode: number }[] }[];

export interface GroupCoordinatorOptions {
  /** `__consumer_offsets` (an OffsetsTopic), or an in-memory log in unit tests. */
  readonly offsetsTopic: CoordinatorLog;
  readonly settings: GroupSettings;
  /** Time and every timer: sessions, rebalances, pending members, offset retention. */
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** Whether a topic partition exists, for commit validation. */
  readonly partitionExists: (topic: string, partition: number) => boolean;
}

/**
 * Kafka's classic group coordinator on one broker: JoinGroup/SyncGroup/Heartbeat/
 * LeaveGroup drive each group through Empty → PreparingRebalance → CompletingRebalance →
 * Stable. What must survive a restart (committed offsets, each generation's members and
 * assignments, deletions) is decided as records for `__consumer_offsets`; the runtime
 * writes them and then `replay` applies them, the same `replay` that rebuilds every group
 * at start. After a restart a group comes back as last written, stable with its members
 * and assignments, whose sessions start over.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, ClassicGroup>();
  private readonly options: GroupCoordinatorOptions;
  private readonly settings: GroupSettings;
  private readonly scheduler: Scheduler;
  private readonly logger: Logger;
  private readonly runtime: CoordinatorRuntime;
  private retentionTimer: Timer | undefined;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.options = options;
    this.settings = options.settings;
    this.scheduler = options.scheduler;
    this.logger = options.logger.child({ component: 'groups' });
    this.runtime = new CoordinatorRuntime({
      log: options.offsetsTopic,
      replay: (record) => {
        this.replay(record);
      },
      clock: options.scheduler,
      logger: this.logger,
    });
  }

  /** Rebuilds groups and offsets by replaying `__consumer_offsets`, and starts offset expiry. */
  start(): void {
    const { records, damaged } = this.runtime.load();
    this.logger.info({ groups: this.groups.size, records, damaged }, 'loaded consumer groups from __consumer_offsets');
    this.retentionTimer = this.scheduler
      .setInterval(() => {
        void this.expireOffsets();
      }, this.settings.offsetsRetentionCheckIntervalMs)
      .unref();
  }

  close(): void {
    this.closed = true;
    this.scheduler.clearInterval(this.retentionTimer);
    for (const group of this.groups.values()) this.clearTimers(group);
  }

  // ---- membership ----------------------------------------------------------------------

  join(request: JoinRequest): Promise<JoinResult> | JoinResult {
    const fail = (errorCode: number, memberId = request.memberId): JoinResult => joinError(errorCode, memberId);
    if (request.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (request.sessionTimeoutMs < this.settings.minSessionTimeoutMs || request.sessionTimeoutMs > this.settings.maxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    let group = this.groups.get(request.groupId);
    if (group === undefined) {
      if (request.memberId !== '') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      group = this.groupFor(request.groupId);
    }
    if (group.gone) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!group.supports(request.protocolType, request.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    if (request.memberId === '') {
      const staticId = request.groupInstanceId === null ? undefined : group.staticMembers.get(request.groupInstanceId);
      if (staticId !== undefined) return this.replaceStaticMember(group, staticId, request);
      if (group.members.size + group.pendingMembers.size >= this.settings.maxSize) return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
      const memberId = `${request.clientId}-${randomUUID()}`;
      if (request.requireKnownMemberId && request.groupInstanceId === null) {
        this.addPendingMember(group, memberId, request.sessionTimeoutMs);
        return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      return this.addMemberAndRebalance(group, memberId, request);
    }

    if (group.pendingMembers.has(request.memberId)) {
      this.scheduler.clearTimeout(group.pendingMembers.get(request.memberId));
      group.pendingMembers.delete(request.memberId);
      return this.addMemberAndRebalance(group, request.memberId, request);
    }
    const memberError = this.memberError(group, request.memberId, request.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return fail(memberError);
    const member = group.members.get(request.memberId)!;
    const changed = !sameProtocols(member.protocols, request.protocols);
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.protocols = request.protocols;
    if (group.state === GroupState.PREPARING_REBALANCE) return this.awaitJoin(group, member);
    if (!changed && group.state === GroupState.COMPLETING_REBALANCE) return this.currentJoinResult(group, member);
    if (!changed && group.state === GroupState.STABLE && group.leader !== member.memberId) return this.currentJoinResult(group, member);
    const joined = this.awaitJoin(group, member);
    this.prepareRebalance(group, `member ${member.memberId} rejoined${changed ? ' with new metadata' : ''}`);
    return joined;
  }

  sync(ref: MemberRef, assignments: readonly { memberId: string; assignment: Buffer }[]): Promise<SyncResult> | SyncResult {
    const fail = (errorCode: number): SyncResult => ({ errorCode, assignment: EMPTY_BYTES });
    if (ref.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(ref.groupId);
    if (group === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const memberError = this.memberError(group, ref.memberId, ref.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return fail(memberError);
    const member = group.members.get(ref.memberId)!;
    if (ref.generationId !== group.generation) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (group.state === GroupState.PREPARING_REBALANCE) return fail(ErrorCode.REBALANCE_IN_PROGRESS);
    this.touch(group, member);
    if (group.state === GroupState.STABLE) return { errorCode: ErrorCode.NONE, assignment: member.assignment };
    member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY_BYTES });
    const result = new Promise<SyncResult>((resolve) => {
      member.awaitingSync = resolve;
    });
    if (ref.memberId === group.leader) void this.completeSync(group, assignments);
    return result;
  }

  heartbeat(ref: MemberRef): number {
    if (ref.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(ref.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    const memberError = this.memberError(group, ref.memberId, ref.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    const member = group.members.get(ref.memberId)!;
    if (ref.generationId !== group.generation) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(group, member);
    return group.state === GroupState.PREPARING_REBALANCE ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** Removes members (LeaveGroup); each gets its own error code, as in LeaveGroup v3+. */
  leave(groupId: string, leaving: readonly { memberId: string; groupInstanceId: string | null }[]): { memberId: string; groupInstanceId: string | null; errorCode: number }[] {
    const group = this.groups.get(groupId);
    return leaving.map(({ memberId, groupInstanceId }) => {
      // A static member may leave by instance id alone (LeaveGroup v3+ with an empty member id).
      const id = memberId === '' && groupInstanceId !== null ? group?.staticMembers.get(groupInstanceId) ?? '' : memberId;
      if (group === undefined) return { memberId, groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      const errorCode = this.memberError(group, id, groupInstanceId);
      if (errorCode !== ErrorCode.NONE) return { memberId, groupInstanceId, errorCode };
      const member = group.members.get(id)!;
      this.removeMember(group, member, 'left the group');
      return { memberId, groupInstanceId, errorCode: ErrorCode.NONE };
    });
  }

  // ---- offsets -------------------------------------------------------------------------

  /**
   * Validates the committer, then stores the offsets durably; one error code per partition.
   * OffsetFetch shows them only once they are written.
   */
  commitOffsets(ref: MemberRef, topics: readonly { topic: string; partitions: readonly OffsetCommitPartition[] }[]): Promise<CommitResults> {
    const result = this.offsetCommit(ref, topics);
    return this.runtime.write(ref.groupId, result, (failure) => {
      this.writeFailed(failure, ref.groupId, 'offset commit could not be written');
      const errorCode = coordinatorWriteError(failure, ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
      return topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) }));
    });
  }

  /** OffsetCommit's decision: an error per partition, and an offset record for each accepted one. */
  private offsetCommit(ref: MemberRef, topics: readonly { topic: string; partitions: readonly OffsetCommitPartition[] }[]): CoordinatorResult<CommitResults> {
    const memberError = this.commitMemberError(ref);
    if (memberError !== ErrorCode.NONE) {
      return { response: topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: memberError })) })), records: [] };
    }
    const now = BigInt(this.scheduler.now());
    const records: CoordinatorRecord[] = [];
    const response = topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const metadata = p.metadata ?? '';
        if (Buffer.byteLength(metadata) > this.settings.offsetMetadataMaxBytes) return { partition: p.partition, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
        if (!this.options.partitionExists(t.topic, p.partition)) return { partition: p.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        const committed: CommittedOffset = { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata, commitTimestamp: now };
        records.push({ key: encodeOffsetKey(ref.groupId, t.topic, p.partition), value: encodeOffsetValue(committed) });
        return { partition: p.partition, errorCode: ErrorCode.NONE };
      }),
    }));
    return { response, records };
  }

  /** Committed offsets of a group: the named partitions, or every one with `null`. */
  fetchOffsets(
    groupId: string,
    topics: readonly { topic: string; partitions: readonly number[] }[] | null,
  ): { topic: string; partitions: { partition: number; committed: CommittedOffset | undefined }[] }[] {
    const group = this.groups.get(groupId);
    if (topics !== null) {
      return topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((partition) => ({ partition, committed: group?.offsets.get(group.offsetKey(t.topic, partition))?.committed })),
      }));
    }
    const byTopic = new Map<string, { partition: number; committed: CommittedOffset | undefined }[]>();
    for (const entry of group?.offsets.values() ?? []) {
      let list = byTopic.get(entry.topic);
      if (list === undefined) {
        list = [];
        byTopic.set(entry.topic, list);
      }
      list.push({ partition: entry.partition, committed: entry.committed });
    }
    return [...byTopic.entries()].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a.partition - b.partition) }));
  }

  // ---- administration ------------------------------------------------------------------

  describe(groupId: string): GroupDescription {
    const group = this.groups.get(groupId);
    if (group === undefined) return { groupId, state: GroupState.DEAD, protocolType: '', protocol: '', generation: -1, members: [] };
    // As Kafka: the protocol and each member's metadata and assignment only once the group is stable.
    const stable = group.state === GroupState.STABLE;
    return {
      groupId,
      state: group.gone ? GroupState.DEAD : group.state,
      protocolType: group.protocolType ?? '',
      protocol: stable ? group.protocol ?? '' : '',
      generation: group.generation,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? group.metadataFor(m) : EMPTY_BYTES,
        assignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  list(): { groupId: string; protocolType: string; state: GroupState }[] {
    return [...this.groups.values()]
      .filter((g) => !g.gone)
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
  }

  /** Deletes empty groups and their offsets (tombstones in `__consumer_offsets`). */
  async deleteGroup(groupId: string): Promise<number> {
    const group = this.groups.get(groupId);
    if (group === undefined || group.gone) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== GroupState.EMPTY) return ErrorCode.NON_EMPTY_GROUP;
    const errorCode = await this.removeGroup(group, 'group deletion could not be written');
    if (errorCode === ErrorCode.NONE) this.logger.info({ group: groupId }, 'deleted group');
    return errorCode;
  }

  /** Deletes the offsets of groups that have been empty longer than offsets.retention.ms. */
  async expireOffsets(): Promise<void> {
    for (const group of [...this.groups.values()]) {
      const now = this.scheduler.now();
      if (this.closed || group.gone || group.state !== GroupState.EMPTY || now - group.emptySince < this.settings.offsetsRetentionMs) continue;
      if (group.offsets.size === 0 && group.generation === 0) continue;
      const errorCode = await this.removeGroup(group, 'offset expiry could not be written');
      if (errorCode === ErrorCode.NONE) this.logger.info({ group: group.groupId }, 'expired the offsets of a group empty since before the retention period');
    }
  }

  /**
   * Writes the tombstones of an empty group and its offsets; their replay makes it Dead and
   * forgets it. Until they are durable the group takes no joins, and if the write fails it
   * stays as it was.
   */
  private removeGroup(group: ClassicGroup, failureMessage: string): Promise<number> {
    const records: CoordinatorRecord[] = [...group.offsets.values()].map((o) => ({ key: encodeOffsetKey(group.groupId, o.topic, o.partition), value: null }));
    records.push({ key: encodeGroupKey(group.groupId), value: null });
    group.deleting = true;
    return this.runtime.write(group.groupId, { response: ErrorCode.NONE, records }, (failure) => {
      group.deleting = false;
      this.writeFailed(failure, group.groupId, failureMessage);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    });
  }

  // ---- replay: the one way durable state changes, at load and after every write --------

  /**
   * Applies one `__consumer_offsets` record to memory. At start every stored record passes
   * through here, oldest first; in operation every record passes through here once it is
   * durable. A group record either completes the rebalance of its generation (its write is
   * what makes the group Stable), or, when memory is behind it (loading), brings the group
   * back as the record describes; a record that memory has already moved past changes nothing.
   */
  replay(record: CoordinatorRecord): void {
    const key = decodeKey(record.key);
    if (key.kind === 'offset') {
      if (record.value === null) {
        const group = this.groups.get(key.group);
        group?.offsets.delete(group.offsetKey(key.topic, key.partition));
        return;
      }
      const group = this.groupFor(key.group);
      group.offsets.set(group.offsetKey(key.topic, key.partition), { topic: key.topic, partition: key.partition, committed: decodeOffsetValue(record.value) });
      return;
    }
    if (record.value === null) {
      this.forgetGroup(key.group);
      return;
    }
    const stored = decodeGroupValue(record.value);
    const group = this.groupFor(key.group);
    if (stored.generation === group.generation && group.state === GroupState.COMPLETING_REBALANCE) {
      this.completeRebalance(group, stored);
      return;
    }
    if (stored.generation === group.generation && group.state === GroupState.STABLE && sameMemberIds(group, stored)) {
      // A leader that sent SyncGroup twice in one generation: the later assignment was written last.
      for (const m of stored.members) group.members.get(m.memberId)!.assignment = m.assignment;
      return;
    }
    const behind = stored.generation > group.generation || (stored.generation === group.generation && group.state === GroupState.EMPTY && group.members.size === 0);
    if (behind) this.loadGroup(group, stored);
  }

  /**
   * Brings a group back as it was last written: a stable generation with its members and
   * their assignments (as Kafka reloads groups), whose session timers start now, so members
   * that keep heartbeating carry on without a rebalance and the others expire as usual.
   */
  private loadGroup(group: ClassicGroup, stored: StoredGroup): void {
    for (const member of group.members.values()) this.scheduler.clearTimeout(member.sessionTimer);
    group.members.clear();
    group.staticMembers.clear();
    group.generation = stored.generation;
    group.protocolType = stored.protocolType === '' ? null : stored.protocolType;
    if (stored.members.length === 0 || stored.protocol === null) {
      if (group.state !== GroupState.EMPTY) group.emptySince = this.scheduler.now();
      group.protocol = null;
      group.leader = null;
      group.load(GroupState.EMPTY);
      return;
    }
    group.protocol = stored.protocol;
    for (const m of stored.members) {
      group.members.set(m.memberId, {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocols: [{ name: stored.protocol, metadata: m.subscription }],
        assignment: m.assignment,
        awaitingJoin: undefined,
        awaitingSync: undefined,
        sessionTimer: undefined,
      });
      if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    group.leader = stored.leader !== null && group.members.has(stored.leader) ? stored.leader : stored.members[0]!.memberId;
    group.load(GroupState.STABLE);
    for (const member of group.members.values()) this.touch(group, member);
  }

  /** The group record of a generation is durable: the assignments it carries are the members' now, and the group is Stable. */
  private completeRebalance(group: ClassicGroup, stored: StoredGroup): void {
    for (const member of group.members.values()) member.assignment = stored.members.find((m) => m.memberId === member.memberId)?.assignment ?? EMPTY_BYTES;
    group.transitionTo(GroupState.STABLE);
    this.logger.info({ group: group.groupId, generation: group.generation, protocol: group.protocol, assignments: assignmentSummary(group) }, 'group stable');
    for (const member of group.members.values()) {
      member.awaitingSync?.({ errorCode: ErrorCode.NONE, assignment: member.assignment });
      member.awaitingSync = undefined;
    }
  }

  /** A group tombstone: the group is Dead and forgotten (its offsets' own tombstones come with it). */
  private forgetGroup(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    this.clearTimers(group);
    for (const member of group.members.values()) {
      member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
      member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY_BYTES });
    }
    group.transitionTo(GroupState.DEAD);
    this.groups.delete(groupId);
  }

  // ---- the rebalance state machine -----------------------------------------------------

  private addPendingMember(group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
    const timer = this.scheduler
      .setTimeout(() => {
        group.pendingMembers.delete(memberId);
        if (group.state === GroupState.PREPARING_REBALANCE) this.maybeCompleteJoin(group);
      }, sessionTimeoutMs)
      .unref();
    group.pendingMembers.set(memberId, timer);
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, request: JoinRequest): Promise<JoinResult> {
    const member: Member = {
      memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: request.clientId,
      clientHost: request.clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocols: request.protocols,
      assignment: EMPTY_BYTES,
      awaitingJoin: undefined,
      awaitingSync: undefined,
      sessionTimer: undefined,
    };
    if (group.members.size === 0) group.protocolType = request.protocolType;
    group.members.set(memberId, member);
    if (request.groupInstanceId !== null) group.staticMembers.set(request.groupInstanceId, memberId);
    const joined = this.awaitJoin(group, member);
    if (group.initialDelayRunning) group.joinedDuringDelay = true;
    if (group.state === GroupState.PREPARING_REBALANCE) this.maybeCompleteJoin(group);
    else this.prepareRebalance(group, `member ${memberId} joined`);
    return joined;
  }

  /** A static member rejoining under a new member id takes over the old one's place and assignment. */
  private replaceStaticMember(group: ClassicGroup, oldId: string, request: JoinRequest): Promise<JoinResult> | JoinResult {
    const old = group.members.get(oldId)!;
    this.scheduler.clearTimeout(old.sessionTimer);
    old.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.awaitingSync?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, assignment: EMPTY_BYTES });
    group.members.delete(oldId);
    const memberId = `${request.clientId}-${randomUUID()}`;
    const member: Member = { ...old, memberId, awaitingJoin: undefined, awaitingSync: undefined, sessionTimer: undefined };
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    group.members.set(memberId, member);
    group.staticMembers.set(request.groupInstanceId!, memberId);
    if (group.leader === oldId) group.leader = memberId;
    // As Kafka: new subscription bytes alone (a cooperative member's owned partitions, say) do not
    // rebalance a stable group; only a change of the protocol the group would select does.
    if (group.state === GroupState.STABLE && group.selectProtocol() === group.protocol) {
      this.touch(group, member);
      return this.currentJoinResult(group, member);
    }
    const joined = this.awaitJoin(group, member);
    if (group.state === GroupState.PREPARING_REBALANCE) this.maybeCompleteJoin(group);
    else this.prepareRebalance(group, `static member ${request.groupInstanceId!} rejoined`);
    return joined;
  }

  private awaitJoin(group: ClassicGroup, member: Member): Promise<JoinResult> {
    // While a join is parked the rebalance timeout governs the member, not its session.
    this.scheduler.clearTimeout(member.sessionTimer);
    member.sessionTimer = undefined;
    // A client that re-sends JoinGroup (after its own timeout) must still get an answer to the first one.
    member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    return new Promise<JoinResult>((resolve) => {
      member.awaitingJoin = resolve;
      if (group.state === GroupState.PREPARING_REBALANCE) queueMicrotask(() => {
        this.maybeCompleteJoin(group);
      });
    });
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.state === GroupState.COMPLETING_REBALANCE) {
      for (const member of group.members.values()) {
        member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY_BYTES });
        member.awaitingSync = undefined;
      }
    }
    const wasEmpty = group.state === GroupState.EMPTY;
    group.transitionTo(GroupState.PREPARING_REBALANCE);
    this.scheduler.clearTimeout(group.rebalanceTimer);
    this.logger.debug({ group: group.groupId, generation: group.generation, reason }, 'preparing rebalance');
    if (wasEmpty && this.settings.initialRebalanceDelayMs > 0) {
      // Kafka's InitialDelayedJoin: wait the delay, and again each time a member arrived
      // meanwhile, but never past the rebalance timeout, so a starting fleet joins as one.
      const delay = this.settings.initialRebalanceDelayMs;
      const deadline = this.scheduler.now() + group.rebalanceTimeoutMs();
      group.initialDelayRunning = true;
      group.joinedDuringDelay = false;
      const arm = (wait: number): void => {
        group.rebalanceTimer = this.scheduler.setTimeout(() => {
          const remaining = deadline - this.scheduler.now();
          if (group.joinedDuringDelay && remaining > 0) {
            group.joinedDuringDelay = false;
            arm(Math.min(delay, remaining));
            return;
          }
          group.initialDelayRunning = false;
          group.rebalanceTimer = this.scheduler.setTimeout(() => {
            this.completeJoin(group);
          }, Math.max(0, remaining));
          this.maybeCompleteJoin(group);
        }, wait);
      };
      arm(Math.min(delay, group.rebalanceTimeoutMs()));
      return;
    }
    group.rebalanceTimer = this.scheduler.setTimeout(() => {
      this.completeJoin(group);
    }, group.rebalanceTimeoutMs());
    this.maybeCompleteJoin(group);
  }

  private maybeCompleteJoin(group: ClassicGroup): void {
    if (group.state !== GroupState.PREPARING_REBALANCE || group.initialDelayRunning) return;
    if (group.members.size === 0 || group.allMembersJoined()) this.completeJoin(group);
  }

  /** Ends the join phase: members that did not rejoin are dropped, the generation moves on. */
  private completeJoin(group: ClassicGroup): void {
    if (group.state !== GroupState.PREPARING_REBALANCE) return;
    this.scheduler.clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = undefined;
    group.initialDelayRunning = false;
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin === undefined) this.dropMember(group, member);
    }
    group.generation++;
    if (group.members.size === 0) {
      this.becomeEmpty(group);
      return;
    }
    group.protocol = group.selectProtocol();
    if (group.leader === null || !group.members.has(group.leader)) group.leader = group.members.keys().next().value!;
    group.transitionTo(GroupState.COMPLETING_REBALANCE);
    const everyone = [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataFor(m) }));
    this.logger.debug({ group: group.groupId, generation: group.generation, members: everyone.length, leader: group.leader }, 'rebalance: members joined');
    for (const member of group.members.values()) {
      const resolve = member.awaitingJoin!;
      member.awaitingJoin = undefined;
      member.assignment = EMPTY_BYTES;
      this.touch(group, member);
      resolve({
        errorCode: ErrorCode.NONE,
        generationId: group.generation,
        protocolName: group.protocol,
        leader: group.leader,
        memberId: member.memberId,
        members: member.memberId === group.leader ? everyone : [],
      });
    }
  }

  /**
   * The leader's SyncGroup: write the generation with its assignments. Its replay makes the
   * group Stable and answers every waiting SyncGroup; a failed write answers them with the
   * error and starts another rebalance.
   */
  private completeSync(group: ClassicGroup, assignments: readonly { memberId: string; assignment: Buffer }[]): Promise<void> {
    const generation = group.generation;
    const assignmentOf = (member: Member): Buffer => assignments.find((a) => a.memberId === member.memberId)?.assignment ?? EMPTY_BYTES;
    return this.runtime.write(group.groupId, { response: undefined, records: [this.groupRecord(group, assignmentOf)] }, (failure) => {
      this.writeFailed(failure, group.groupId, 'group metadata could not be written');
      // A member may have left, or a new rebalance begun, while the write was in flight.
      if (group.generation !== generation || group.state !== GroupState.COMPLETING_REBALANCE) return;
      // Too large will never fit, so it must not look retriable (Kafka answers UNKNOWN_SERVER_ERROR).
      const errorCode = coordinatorWriteError(failure, ErrorCode.UNKNOWN_SERVER_ERROR);
      for (const member of group.members.values()) {
        member.awaitingSync?.({ errorCode, assignment: EMPTY_BYTES });
        member.awaitingSync = undefined;
      }
      this.prepareRebalance(group, 'group metadata write failed');
    });
  }

  private removeMember(group: ClassicGroup, member: Member, reason: string): void {
    member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY_BYTES });
    this.dropMember(group, member);
    this.logger.debug({ group: group.groupId, member: member.memberId, reason }, 'member removed');
    if (group.state === GroupState.STABLE || group.state === GroupState.COMPLETING_REBALANCE) this.prepareRebalance(group, `member ${member.memberId} ${reason}`);
    else if (group.state === GroupState.PREPARING_REBALANCE) this.maybeCompleteJoin(group);
  }

  private dropMember(group: ClassicGroup, member: Member): void {
    this.scheduler.clearTimeout(member.sessionTimer);
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) {
      group.staticMembers.delete(member.groupInstanceId);
    }
    if (group.leader === member.memberId) group.leader = null;
  }

  private becomeEmpty(group: ClassicGroup): void {
    group.transitionTo(GroupState.EMPTY);
    group.protocol = null;
    group.leader = null;
    group.emptySince = this.scheduler.now();
    this.logger.info({ group: group.groupId, generation: group.generation }, 'group empty');
    // Written so that a restart brings the group back empty at this generation, not as the last Stable one.
    void this.runtime.write(group.groupId, { response: undefined, records: [this.groupRecord(group, () => EMPTY_BYTES)] }, (failure) => {
      this.writeFailed(failure, group.groupId, 'group metadata could not be written');
    });
  }

  /** Restarts the member's session: it must send another heartbeat (or join, sync, commit) within its session timeout. */
  private touch(group: ClassicGroup, member: Member): void {
    this.scheduler.clearTimeout(member.sessionTimer);
    if (member.awaitingJoin !== undefined || this.closed) return;
    member.sessionTimer = this.scheduler
      .setTimeout(() => {
        if (group.members.get(member.memberId) === member) this.removeMember(group, member, `session timed out after ${member.sessionTimeoutMs} ms`);
      }, member.sessionTimeoutMs)
      .unref();
  }

  private clearTimers(group: ClassicGroup): void {
    this.scheduler.clearTimeout(group.rebalanceTimer);
    for (const timer of group.pendingMembers.values()) this.scheduler.clearTimeout(timer);
    for (const member of group.members.values()) this.scheduler.clearTimeout(member.sessionTimer);
  }

  private writeFailed(failure: WriteFailure, groupId: string, message: string): void {
    this.logger.error({ err: failure.fault ?? failure.message, errorCode: failure.errorCode, group: groupId }, message);
  }

  /**
   * Kafka's member validation: a static member is judged by its instance id first (held by
   * no one: unknown; held by another member id: fenced), any other member by its member id.
   */
  private memberError(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const holder = group.staticMembers.get(groupInstanceId);
      if (holder === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (holder !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  private commitMemberError(ref: MemberRef): number {
    const group = this.groups.get(ref.groupId);
    // Commits from outside the group protocol (generation -1, no member): admin tools and assign() users.
    if (ref.generationId < 0 && ref.memberId === '') {
      return group === undefined || (group.state === GroupState.EMPTY && !group.gone) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (group === undefined) return ErrorCode.ILLEGAL_GENERATION;
    const memberError = this.memberError(group, ref.memberId, ref.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    const member = group.members.get(ref.memberId)!;
    if (ref.generationId !== group.generation) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === GroupState.COMPLETING_REBALANCE) return ErrorCode.REBALANCE_IN_PROGRESS;
    this.touch(group, member);
    return ErrorCode.NONE;
  }

  private currentJoinResult(group: ClassicGroup, member: Member): JoinResult {
    this.touch(group, member);
    const isLeader = member.memberId === group.leader;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generation,
      protocolName: group.protocol ?? '',
      leader: group.leader ?? '',
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataFor(m) }))
        : [],
    };
  }

  private groupFor(groupId: string): ClassicGroup {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new ClassicGroup(groupId, this.scheduler.now());
      this.groups.set(groupId, group);
    }
    return group;
  }

  // ---- records -------------------------------------------------------------------------

  /** The group's record for its current generation, with each member's assignment as `assignmentOf` gives it. */
  private groupRecord(group: ClassicGroup, assignmentOf: (member: Member) => Buffer): CoordinatorRecord {
    const value = encodeGroupValue({
      protocolType: group.protocolType ?? '',
      generation: group.generation,
      protocol: group.protocol,
      leader: group.leader,
      stateTimestamp: BigInt(this.scheduler.now()),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: group.metadataFor(m),
        assignment: assignmentOf(m),
      })),
    });
    return { key: encodeGroupKey(group.groupId), value };
  }
}

/**
 * The error a client gets when a coordinator write failed (Kafka's GroupCoordinatorService
 * rules, on one node): records too large for the topic will never fit, so they get
 * `tooLarge` (never retriable); everything else is a coordinator that cannot write now,
 * which the client retries.
 */
function coordinatorWriteError(failure: WriteFailure, tooLarge: number): number {
  if (failure.errorCode === ErrorCode.MESSAGE_TOO_LARGE || failure.errorCode === ErrorCode.RECORD_LIST_TOO_LARGE) return tooLarge;
  return ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

function sameMemberIds(group: ClassicGroup, stored: StoredGroup): boolean {
  return stored.members.length === group.members.size && stored.members.every((m) => group.members.has(m.memberId));
}

function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

function sameProtocols(a: readonly Protocol[], b: readonly Protocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

/** member id → the consumer-protocol assignment's partitions, for the log line of a stable group. */
function assignmentSummary(group: ClassicGroup): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const member of group.members.values()) out[member.memberId] = describeConsumerAssignment(member.assignment);
  return out;
}

/**
 * A consumer-protocol assignment as `topic-partition` names; anything else (another protocol
 * type's bytes) is shown by size.
 */
export function describeConsumerAssignment(assignment: Buffer): string[] {
  try {
    return decodeConsumerAssignment(assignment).topics.flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}-${p}`));
  } catch {
    return [`(${assignment.length} bytes)`];
  }
}
