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
  sessionTimer: NodeJS.Timeout | undefined;
}

export const EMPTY_BYTES = Buffer.alloc(0);

/**
 * One consumer group: its members, generation and chosen protocol, and the offsets it has
 * committed. The coordinator drives the state machine; this class holds the state and
 * the rules that need no I/O.
 */
export class ClassicGroup {
  readonly groupId: string;
  state: GroupState = GroupState.EMPTY;
  generation = 0;
  protocolType: string | null = null;
  protocol: string | null = null;
  leader: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id → the member id that currently holds it (static membership). */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry timers. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  readonly offsets = new Map<string, { topic: string; partition: number; committed: CommittedOffset }>();
  rebalanceTimer: NodeJS.Timeout | undefined;
  /** True while the first rebalance of an empty group waits group.initial.rebalance.delay.ms. */
  initialDelayRunning = false;
  /** A member joined during the current initial-delay period, so the delay starts over. */
  joinedDuringDelay = false;
  /** When the group last became empty (ms), for offset retention. */
  emptySince: number;

  constructor(groupId: string, now: number) {
    this.groupId = groupId;
    this.emptySince = now;
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
