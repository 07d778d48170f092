import type { Timer } from '../../core/base/index.ts';
import { GroupError, GroupErrorCode } from './errors.ts';
import type { CommittedOffset } from './offsets-records.ts';

/** Kafka's classic group states, with the names DescribeGroups reports. */
export const GroupState = {
  EMPTY: 'Empty',
  PREPARING_REBALANCE: 'PreparingRebalance',
  COMPLETING_REBALANCE: 'CompletingRebalance',
  STABLE: 'Stable',
  DEAD: 'Dead',
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

/**
 * Which state may follow which (Kafka's ClassicGroupState valid previous states, read
 * forwards). A group loaded from `__consumer_offsets` starts in the state its record
 * describes: that is initialisation (`ClassicGroup.load`), not a transition.
 */
export const GROUP_TRANSITIONS: Readonly<Record<GroupState, readonly GroupState[]>> = {
  [GroupState.EMPTY]: [GroupState.PREPARING_REBALANCE, GroupState.DEAD],
  [GroupState.PREPARING_REBALANCE]: [GroupState.COMPLETING_REBALANCE, GroupState.EMPTY, GroupState.DEAD],
  [GroupState.COMPLETING_REBALANCE]: [GroupState.STABLE, GroupState.PREPARING_REBALANCE, GroupState.DEAD],
  [GroupState.STABLE]: [GroupState.PREPARING_REBALANCE, GroupState.DEAD],
  [GroupState.DEAD]: [GroupState.DEAD],
};


export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leader: string;
  readonly memberId: string;
  readonly members: readonly { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  readonly errorCode: number;
  readonly assignment: Buffer;
}

export interface Protocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export interface Member {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: readonly Protocol[];
  assignment: Buffer;
  /** Set while the member's JoinGroup waits for the rebalance to complete. */
  awaitingJoin: ((result: JoinResult) => void) | undefined;
  /** Set while the member's SyncGroup waits for the leader's assignment. */
  awaitingSync: ((result: SyncResult) => void) | undefined;
  sessionTimer: Timer | undefined;
}

export const EMPTY_BYTES = Buffer.alloc(0);

/**
 * One consumer group: its members, generation and chosen protocol, and the offsets it has
 * committed. The coordinator drives the state machine; this class holds the state and
 * the rules that need no I/O.
 */
export class ClassicGroup {
  readonly groupId: string;
  private current: GroupState = GroupState.EMPTY;
  generation = 0;
  protocolType: string | null = null;
  protocol: string | null = null;
  leader: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id → the member id that currently holds it (static membership). */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry timers. */
  readonly pendingMembers = new Map<string, Timer>();
  readonly offsets = new Map<string, { topic: string; partition: number; committed: CommittedOffset }>();
  rebalanceTimer: Timer | undefined;
  /** True while the first rebalance of an empty group waits group.initial.rebalance.delay.ms. */
  initialDelayRunning = false;
  /** A member joined during the current initial-delay period, so the delay starts over. */
  joinedDuringDelay = false;
  /**
   * When the group last became empty (ms): for a group with a protocol type, its offsets
   * expire this long after it. Undefined when a stored group did not record it (group
   * values before v2); each offset then counts from its own commit, as in Kafka.
   */
  emptySince: number | undefined;
  /**
   * Set while the tombstones that delete the group (DeleteGroups, offset expiry) are being
   * written: the group turns Dead only once they are durable, and meanwhile takes no joins.
   */
  deleting = false;

  constructor(groupId: string, now: number) {
    this.groupId = groupId;
    this.emptySince = now;
  }

  get state(): GroupState {
    return this.current;
  }

  /** Moves to `next`, which the transition table must allow from the current state. */
  transitionTo(next: GroupState): void {
    // A forbidden change means the coordinator has a bug: failing loudly beats serving a group in a state Kafka clients never expect.
    if (!GROUP_TRANSITIONS[this.current].includes(next)) {
      throw new GroupError(
        GroupErrorCode.ILLEGAL_TRANSITION,
        `group '${this.groupId}' cannot go from ${this.current} to ${next}; from ${this.current} it may go to ${GROUP_TRANSITIONS[this.current].join(', ')}`,
      );
    }
    this.current = next;
  }

  /** Sets the state a loaded record describes (Stable with members, else Empty), whatever came before. */
  load(state: typeof GroupState.STABLE | typeof GroupState.EMPTY): void {
    this.current = state;
  }

  /** Dead, or about to be: a deletion is being written. */
  get gone(): boolean {
    return this.current === GroupState.DEAD || this.deleting;
  }

  /** Whether a member with these protocols may join: same protocol type, and one protocol every member supports. */
  supports(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    return this.candidateProtocols().some((name) => protocols.some((p) => p.name === name));
  }

  /** Protocols every member lists. */
  candidateProtocols(): string[] {
    const members = [...this.members.values()];
    if (members.length === 0) return [];
    return members[0]!.protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
  }

  /** Each member votes for the first candidate in its own preference order; the most votes win (Kafka's rule). */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.protocols.find((p) => candidates.includes(p.name))?.name;
      if (choice !== undefined) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = candidates[0] ?? '';
    for (const [name, count] of votes) if (count > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  metadataFor(member: Member): Buffer {
    return member.protocols.find((p) => p.name === this.protocol)?.metadata ?? EMPTY_BYTES;
  }

  allMembersJoined(): boolean {
    return this.pendingMembers.size === 0 && [...this.members.values()].every((m) => m.awaitingJoin !== undefined);
  }

  /** The longest rebalance timeout of any member: how long a rebalance waits for stragglers. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  offsetKey(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }
}
