import { randomUUID } from 'node:crypto';
import type { Scheduler, Timer } from '../../core/base/index.ts';
import { ErrorCode, decodeConsumerAssignment } from '../../core/protocol/index.ts';
import type { Logger } from '../logger.ts';
import { ClassicGroup, EMPTY_BYTES, GroupState } from './classic-group.ts';
import type { JoinResult, Member, Protocol, SyncResult } from './classic-group.ts';
import { CoordinatorRuntime } from '../coordinator/index.ts';
import type { CoordinatorLog, CoordinatorRecord, CoordinatorResult, WriteFailure } from '../coordinator/index.ts';
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

/**
 * A JoinGroup as decided: the answer (a promise while the member waits for the rebalance),
 * and, for a static member's takeover that must be written, how to undo it if the write fails.
 */
interface JoinDecision {
  readonly answer: JoinResult | Promise<JoinResult>;
  readonly undo?: (failure: WriteFailure) => JoinResult;
}

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
  /** Offsets written in a transaction not yet decided: producer id → group → partition. */
  private readonly pendingTxnOffsets = new Map<bigint, Map<string, Map<string, { topic: string; partition: number; committed: CommittedOffset | null }>>>();
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
      keyOf: (record) => decodeKey(record.key).group,
      unload: (groupId) => {
        this.unloadGroup(groupId);
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
    this.runtime.close();
    this.scheduler.clearInterval(this.retentionTimer);
    for (const group of this.groups.values()) this.clearTimers(group);
  }

  // ---- membership ----------------------------------------------------------------------

  /**
   * JoinGroup. Decided in turn with the group's writes (at once when none is pending), since
   * a static member's rejoin under a new member id writes the group before it is answered.
   */
  join(request: JoinRequest): Promise<JoinResult> | JoinResult {
    const fail = (errorCode: number, memberId = request.memberId): JoinResult => joinError(errorCode, memberId);
    if (request.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (request.sessionTimeoutMs < this.settings.minSessionTimeoutMs || request.sessionTimeoutMs > this.settings.maxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    return this.runtime
      .write(
        request.groupId,
        () => this.decideJoin(request),
        (failure, decided): JoinDecision => {
          this.writeFailed(failure, request.groupId, 'group metadata could not be written');
          return { answer: decided?.undo?.(failure) ?? fail(coordinatorWriteError(failure, ErrorCode.UNKNOWN_SERVER_ERROR)) };
        },
      )
      .then((decided) => decided.answer);
  }

  private decideJoin(request: JoinRequest): CoordinatorResult<JoinDecision> {
    const answer = (result: JoinResult | Promise<JoinResult>): CoordinatorResult<JoinDecision> => ({ response: { answer: result }, records: [] });
    const fail = (errorCode: number, memberId = request.memberId): CoordinatorResult<JoinDecision> => answer(joinError(errorCode, memberId));
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
      return answer(this.addMemberAndRebalance(group, memberId, request));
    }

    if (group.pendingMembers.has(request.memberId)) {
      this.scheduler.clearTimeout(group.pendingMembers.get(request.memberId));
      group.pendingMembers.delete(request.memberId);
      return answer(this.addMemberAndRebalance(group, request.memberId, request));
    }
    const memberError = this.memberError(group, request.memberId, request.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return fail(memberError);
    const member = group.members.get(request.memberId)!;
    const changed = !sameProtocols(member.protocols, request.protocols);
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.protocols = request.protocols;
    if (group.state === GroupState.PREPARING_REBALANCE) return answer(this.awaitJoin(group, member));
    if (!changed && group.state === GroupState.COMPLETING_REBALANCE) return answer(this.currentJoinResult(group, member));
    if (!changed && group.state === GroupState.STABLE && group.leader !== member.memberId) return answer(this.currentJoinResult(group, member));
    const joined = this.awaitJoin(group, member);
    this.prepareRebalance(group, `member ${member.memberId} rejoined${changed ? ' with new metadata' : ''}`);
    return answer(joined);
  }

  sync(ref: MemberRef, assignments: readonly { memberId: string; assignment: Buffer }[]): Promise<SyncResult> | SyncResult {
    const fail = (errorCode: number): SyncResult => ({ errorCode, assignment: EMPTY_BYTES });
    if (ref.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (!this.runtime.available(ref.groupId)) return fail(ErrorCode.NOT_COORDINATOR);
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
    if (!this.runtime.available(ref.groupId)) return ErrorCode.NOT_COORDINATOR;
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
    if (!this.runtime.available(groupId)) return leaving.map(({ memberId, groupInstanceId }) => ({ memberId, groupInstanceId, errorCode: ErrorCode.NOT_COORDINATOR }));
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
    return this.runtime.write(ref.groupId, () => this.offsetCommit(ref, topics), (failure) => {
      this.writeFailed(failure, ref.groupId, 'offset commit could not be written');
      const errorCode = coordinatorWriteError(failure, ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
      return topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) }));
    });
  }

  /** OffsetCommit's decision: an error per partition, and an offset record for each accepted one. */
  private offsetCommit(ref: MemberRef, topics: readonly { topic: string; partitions: readonly OffsetCommitPartition[] }[]): CoordinatorResult<CommitResults> {
    return this.offsetRecords(ref.groupId, topics, this.commitMemberError(ref), undefined);
  }

  /**
   * The records of an offset commit (in `producer`'s transaction when given), and its answer: a
   * member error for every partition, else each partition's own check (metadata size, existence).
   */
  private offsetRecords(
    groupId: string,
    topics: readonly { topic: string; partitions: readonly OffsetCommitPartition[] }[],
    memberError: number,
    producer: { producerId: bigint; producerEpoch: number } | undefined,
  ): CoordinatorResult<CommitResults> {
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
        const key = encodeOffsetKey(groupId, t.topic, p.partition);
        records.push(producer === undefined ? { key, value: encodeOffsetValue(committed) } : { key, value: encodeOffsetValue(committed), producer });
        return { partition: p.partition, errorCode: ErrorCode.NONE };
      }),
    }));
    return { response, records };
  }

  /**
   * TxnOffsetCommit: offsets written inside the producer's transaction. They become the
   * group's committed offsets only when the transaction commits (its marker reaches
   * `__consumer_offsets`), and are dropped if it aborts. The caller has checked the
   * producer against the transaction coordinator.
   */
  txnCommitOffsets(
    groupId: string,
    producer: { producerId: bigint; producerEpoch: number },
    topics: readonly { topic: string; partitions: readonly OffsetCommitPartition[] }[],
    member: Omit<MemberRef, 'groupId'> = { generationId: -1, memberId: '', groupInstanceId: null },
  ): Promise<CommitResults> {
    return this.runtime.write(
      groupId,
      () => this.offsetRecords(groupId, topics, this.txnCommitMemberError({ groupId, ...member }), producer),
      (failure) => {
        this.writeFailed(failure, groupId, 'transactional offset commit could not be written');
        const errorCode = coordinatorWriteError(failure, ErrorCode.UNKNOWN_SERVER_ERROR);
        return topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })) }));
      },
    );
  }

  /**
   * A transaction marker of `producerId` is durable in `__consumer_offsets`: its pending
   * offsets become committed (COMMIT) or are dropped (ABORT). The same step `replay` takes
   * for a marker met while loading, so a restart lands where live operation did.
   */
  completeTransaction(producerId: bigint, committed: boolean): void {
    this.replay({ key: Buffer.alloc(0), value: null, marker: { producerId, committed } });
  }

  private completeTransactionalOffsets(producerId: bigint, committed: boolean): void {
    const byGroup = this.pendingTxnOffsets.get(producerId);
    if (byGroup === undefined) return;
    this.pendingTxnOffsets.delete(producerId);
    if (!committed) return;
    for (const [groupId, offsets] of byGroup) {
      for (const pending of offsets.values()) {
        if (pending.committed === null) {
          const group = this.groups.get(groupId);
          group?.offsets.delete(group.offsetKey(pending.topic, pending.partition));
          continue;
        }
        const group = this.groupFor(groupId);
        group.offsets.set(group.offsetKey(pending.topic, pending.partition), { topic: pending.topic, partition: pending.partition, committed: pending.committed });
      }
    }
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

  /**
   * NOT_COORDINATOR while the group's state could not be reloaded after a failed write
   * (Kafka's answer for a coordinator that is not loaded), else NONE. For the handlers
   * whose answers are read from memory (OffsetFetch, DescribeGroups).
   */
  coordinatorError(groupId: string): number {
    return this.runtime.available(groupId) ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR;
  }

  /** Deletes an empty group and its offsets (tombstones in `__consumer_offsets`). */
  async deleteGroup(groupId: string): Promise<number> {
    let doomed: ClassicGroup | undefined;
    const errorCode = await this.runtime.write(
      groupId,
      (): CoordinatorResult<number> => {
        const group = this.groups.get(groupId);
        if (group === undefined || group.gone) return { response: ErrorCode.GROUP_ID_NOT_FOUND, records: [] };
        if (group.state !== GroupState.EMPTY) return { response: ErrorCode.NON_EMPTY_GROUP, records: [] };
        doomed = group;
        return { response: ErrorCode.NONE, records: this.tombstones(group, [...group.offsets.values()], true) };
      },
      (failure) => {
        if (doomed !== undefined) doomed.deleting = false;
        this.writeFailed(failure, groupId, 'group deletion could not be written');
        return coordinatorWriteError(failure, ErrorCode.UNKNOWN_SERVER_ERROR);
      },
    );
    if (errorCode === ErrorCode.NONE) this.logger.info({ group: groupId }, 'deleted group');
    return errorCode;
  }

  /**
   * Kafka's offset expiry, run every offsets.retention.check.interval.ms: an offset expires
   * offsets.retention.ms after its base time (below), and a group left Empty without offsets
   * is deleted. The base time is the offset's own commit for a group without a protocol type
   * (assign() users, admin tools: they never join, so only their commits say they are
   * alive), and the moment the group became Empty for a group that had members; a group
   * with members keeps its offsets.
   */
  async expireOffsets(): Promise<void> {
    for (const groupId of [...this.groups.keys()]) {
      if (this.closed) return;
      await this.runtime.write(groupId, () => this.offsetExpiry(groupId), (failure) => {
        const group = this.groups.get(groupId);
        if (group !== undefined) group.deleting = false;
        this.writeFailed(failure, groupId, 'offset expiry could not be written');
      });
    }
  }

  /** The tombstones of a group's expired offsets, and of the group itself once nothing is left of it. */
  private offsetExpiry(groupId: string): CoordinatorResult<undefined> {
    const none = { response: undefined, records: [] };
    const group = this.groups.get(groupId);
    if (group === undefined || group.gone || this.closed) return none;
    const expiresFrom = offsetExpiryBase(group);
    if (expiresFrom === undefined) return none;
    const now = this.scheduler.now();
    const entries = [...group.offsets.values()];
    const expired = entries.filter((o) => now - expiresFrom(o.committed) >= this.settings.offsetsRetentionMs);
    // As Kafka: an Empty group with no offsets left goes too (not while a member id it handed out may still join).
    const emptied = group.state === GroupState.EMPTY && group.pendingMembers.size === 0 && expired.length === entries.length;
    if (expired.length === 0 && !emptied) return none;
    if (emptied) this.logger.info({ group: groupId, offsets: expired.length }, 'deleting an empty group whose offsets have expired');
    else this.logger.info({ group: groupId, offsets: expired.length }, 'expiring offsets past the retention period');
    return { response: undefined, records: this.tombstones(group, expired, emptied) };
  }

  /**
   * Offset tombstones, and the group's own after them when `deleteGroup`. A deleted group
   * takes no joins until its tombstones are durable; their replay makes it Dead.
   */
  private tombstones(group: ClassicGroup, offsets: readonly { topic: string; partition: number }[], deleteGroup: boolean): CoordinatorRecord[] {
    const records: CoordinatorRecord[] = offsets.map((o) => ({ key: encodeOffsetKey(group.groupId, o.topic, o.partition), value: null }));
    if (deleteGroup) {
      records.push({ key: encodeGroupKey(group.groupId), value: null });
      group.deleting = true;
    }
    return records;
  }

  // ---- replay: the one way durable state changes, at load and after every write --------

  /**
   * Applies one `__consumer_offsets` record to memory. At start (and when a group is
   * reloaded) every stored record passes through here, oldest first; in operation every
   * record passes through here once it is durable. A group record either completes the
   * rebalance of its generation (its write is what makes the group Stable), or, when memory
   * is behind it (loading), brings the group back as the record describes; a record that
   * memory has already moved past changes nothing. Offsets change only by their own records.
   */
  replay(record: CoordinatorRecord): void {
    if (record.marker !== undefined) {
      this.completeTransactionalOffsets(record.marker.producerId, record.marker.committed);
      return;
    }
    const key = decodeKey(record.key);
    if (key.kind === 'offset' && record.producer !== undefined) {
      // Pending until the producer's transaction ends: OffsetFetch does not see it yet.
      const byGroup = this.pendingTxnOffsets.get(record.producer.producerId) ?? new Map<string, Map<string, { topic: string; partition: number; committed: CommittedOffset | null }>>();
      this.pendingTxnOffsets.set(record.producer.producerId, byGroup);
      const offsets = byGroup.get(key.group) ?? new Map<string, { topic: string; partition: number; committed: CommittedOffset | null }>();
      byGroup.set(key.group, offsets);
      offsets.set(`${key.topic}\u0000${key.partition}`, { topic: key.topic, partition: key.partition, committed: record.value === null ? null : decodeOffsetValue(record.value) });
      return;
    }
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
      // Its own generation again: live, a static member's new member id (memory has it already);
      // in an older log, a leader's second SyncGroup of the generation, written last.
      for (const m of stored.members) group.members.get(m.memberId)!.assignment = m.assignment;
      return;
    }
    // Loading, a record of the generation memory holds is behind it too when it empties the
    // group, or when it gives a static member's instance a new member id (written without a
    // rebalance); live, memory already shows both before their records land.
    const behind =
      stored.generation > group.generation ||
      (stored.generation === group.generation && group.state === GroupState.EMPTY && group.members.size === 0) ||
      (stored.generation === group.generation && group.state === GroupState.STABLE && !sameMemberIds(group, stored));
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
      // Offset retention counts from when the group became Empty, as written, not from this load.
      group.emptySince = stored.stateTimestamp >= 0n ? Number(stored.stateTimestamp) : undefined;
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

  /**
   * A group tombstone: the group is Dead and forgotten. As in Kafka it does not delete
   * offsets, which go by their own tombstones (written before it): any offset still
   * stored stays, held by a new group without a protocol type, as a load would rebuild it.
   */
  private forgetGroup(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    this.dropGroup(group, ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.offsets.size === 0) return;
    const holder = this.groupFor(groupId);
    for (const [key, entry] of group.offsets) holder.offsets.set(key, entry);
  }

  /**
   * Unloads a group so it can be replayed from the log (after a write that reached the log
   * but failed): as Kafka unloading a coordinator, waiting JoinGroups and SyncGroups get
   * NOT_COORDINATOR, and the clients find the coordinator again and carry on with the
   * group as the log has it.
   */
  private unloadGroup(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group !== undefined) this.dropGroup(group, ErrorCode.NOT_COORDINATOR);
  }

  /** Ends a group in memory: timers off, waiting requests answered with `errorCode`, Dead, out of the map. */
  private dropGroup(group: ClassicGroup, errorCode: number): void {
    this.clearTimers(group);
    for (const member of group.members.values()) {
      member.awaitingJoin?.(joinError(errorCode, member.memberId));
      member.awaitingSync?.({ errorCode, assignment: EMPTY_BYTES });
      member.awaitingJoin = undefined;
      member.awaitingSync = undefined;
    }
    group.transitionTo(GroupState.DEAD);
    this.groups.delete(group.groupId);
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

  /**
   * A static member rejoining under a new member id takes over the old one's place and
   * assignment (Kafka's updateStaticMemberAndRebalance). In a Stable group whose protocol
   * stays, that is no rebalance, so the new member id is written with the group's current
   * assignments before the JoinGroup is answered: otherwise a restart would bring back the
   * old id and fence the member. If that write fails, the old member is put back and the
   * JoinGroup gets the error.
   */
  private replaceStaticMember(group: ClassicGroup, oldId: string, request: JoinRequest): CoordinatorResult<JoinDecision> {
    const instanceId = request.groupInstanceId!;
    const old = group.members.get(oldId)!;
    this.scheduler.clearTimeout(old.sessionTimer);
    old.sessionTimer = undefined;
    old.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.awaitingSync?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, assignment: EMPTY_BYTES });
    old.awaitingJoin = undefined;
    old.awaitingSync = undefined;
    group.members.delete(oldId);
    const memberId = `${request.clientId}-${randomUUID()}`;
    const member: Member = { ...old, memberId, awaitingJoin: undefined, awaitingSync: undefined, sessionTimer: undefined };
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    group.members.set(memberId, member);
    group.staticMembers.set(instanceId, memberId);
    if (group.leader === oldId) group.leader = memberId;
    // As Kafka: new subscription bytes alone (a cooperative member's owned partitions, say) do not
    // rebalance a stable group; only a change of the protocol the group would select does.
    if (group.state === GroupState.STABLE && group.selectProtocol() === group.protocol) {
      this.touch(group, member);
      const undo = (failure: WriteFailure): JoinResult => {
        // Unless the takeover no longer stands (the group was reloaded from the log, or the member has gone since).
        if (this.groups.get(group.groupId) === group && group.staticMembers.get(instanceId) === memberId) {
          this.scheduler.clearTimeout(member.sessionTimer);
          group.members.delete(memberId);
          group.members.set(oldId, old);
          group.staticMembers.set(instanceId, oldId);
          if (group.leader === memberId) group.leader = oldId;
          this.touch(group, old);
        }
        // Kafka answers without a member id: the client joins again from scratch.
        return joinError(coordinatorWriteError(failure, ErrorCode.UNKNOWN_SERVER_ERROR), '');
      };
      return { response: { answer: this.currentJoinResult(group, member), undo }, records: [this.groupRecord(group, (m) => m.assignment)] };
    }
    const joined = this.awaitJoin(group, member);
    if (group.state === GroupState.PREPARING_REBALANCE) this.maybeCompleteJoin(group);
    else this.prepareRebalance(group, `static member ${instanceId} rejoined`);
    return { response: { answer: joined }, records: [] };
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
    // A member may leave, a new rebalance begin, an earlier SyncGroup of the leader complete
    // it, or the group be reloaded, while this write waits its turn or is in flight.
    const completing = (): boolean => this.groups.get(group.groupId) === group && group.generation === generation && group.state === GroupState.COMPLETING_REBALANCE;
    const decide = (): CoordinatorResult<undefined> => ({ response: undefined, records: completing() ? [this.groupRecord(group, assignmentOf)] : [] });
    return this.runtime.write(group.groupId, decide, (failure) => {
      this.writeFailed(failure, group.groupId, 'group metadata could not be written');
      if (!completing()) return;
      // Too large will never fit, so it must not look retriable (Kafka answers UNKNOWN_SERVER_ERROR).
      const errorCode = coordinatorWriteError(failure, ErrorCode.UNKNOWN_SERVER_ERROR);
      for (const member of group.members.values()) {
        member.awaitingSync?.({ errorCode, assignment: EMPTY_BYTES });
        member.awaitingSync = undefined;
      }
      if (!this.closed) this.prepareRebalance(group, 'group metadata write failed');
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
    // Written so that a restart brings the group back empty at this generation, not as the last
    // Stable one; not if the group has moved on by the time the write's turn comes.
    const generation = group.generation;
    const decide = (): CoordinatorResult<undefined> => ({
      response: undefined,
      records: this.groups.get(group.groupId) === group && group.generation === generation && group.state === GroupState.EMPTY ? [this.groupRecord(group, () => EMPTY_BYTES)] : [],
    });
    void this.runtime.write(group.groupId, decide, (failure) => {
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

  /**
   * Kafka's OffsetCommit validation (ClassicGroup.validateOffsetCommit). Generation -1 is a
   * commit from outside the group protocol (admin tools, assign() users): accepted for an
   * unknown group (which it creates) or an Empty one, whatever member id it carries.
   */
  /**
   * KIP-447's check of a TxnOffsetCommit (ClassicGroup.validateOffsetCommit, transactional):
   * a request naming a member (v3+) must come from a current member of the current generation,
   * so a zombie of a rebalanced-away consumer cannot commit; one naming none (v0-2) passes.
   */
  private txnCommitMemberError(ref: MemberRef): number {
    const group = this.groups.get(ref.groupId);
    // Kafka creates the group Empty here, where a named member cannot be found.
    if (group === undefined) return ref.generationId < 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.gone) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (ref.generationId < 0 && group.state === GroupState.EMPTY) return ErrorCode.NONE;
    if (ref.generationId < 0 && ref.memberId === '' && ref.groupInstanceId === null) return ErrorCode.NONE;
    const memberError = this.memberError(group, ref.memberId, ref.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    return ref.generationId === group.generation ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  }

  private commitMemberError(ref: MemberRef): number {
    const group = this.groups.get(ref.groupId);
    if (group === undefined) return ref.generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    if (group.gone) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (ref.generationId < 0 && group.state === GroupState.EMPTY) return ErrorCode.NONE;
    if (ref.generationId < 0 && ref.memberId === '' && ref.groupInstanceId === null) return ErrorCode.UNKNOWN_MEMBER_ID;
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
      // An Empty group's records say since when, for offset retention after a restart.
      stateTimestamp: BigInt(group.state === GroupState.EMPTY && group.emptySince !== undefined ? group.emptySince : this.scheduler.now()),
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
 * `tooLarge` (never retriable); a storage fault means this node cannot be the group's
 * coordinator now (Kafka takes the log directory offline), NOT_COORDINATOR, so the client
 * looks the coordinator up again; anything else is a coordinator that cannot write now,
 * which the client retries.
 */
function coordinatorWriteError(failure: WriteFailure, tooLarge: number): number {
  switch (failure.errorCode) {
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return tooLarge;
    case ErrorCode.KAFKA_STORAGE_ERROR:
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.NOT_COORDINATOR:
      return ErrorCode.NOT_COORDINATOR;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

/**
 * From when each offset of a group counts toward offsets.retention.ms (Kafka's
 * offsetExpirationCondition), or undefined when the group's offsets do not expire now.
 */
function offsetExpiryBase(group: ClassicGroup): ((offset: CommittedOffset) => number) | undefined {
  // No protocol type: a standalone consumer, which only its commits show to be alive.
  if (group.protocolType === null) return (offset) => Number(offset.commitTimestamp);
  if (group.state !== GroupState.EMPTY) return undefined;
  const since = group.emptySince;
  return since === undefined ? (offset) => Number(offset.commitTimestamp) : () => since;
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
