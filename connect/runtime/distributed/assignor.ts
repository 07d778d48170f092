import type { TaskId } from '../task-status.ts';
import { ASSIGNMENT_NO_ERROR } from './connect-protocol.ts';
import type { ConnectAssignment, OwnedWork } from './connect-protocol.ts';

/** A member as the leader sees it in JoinGroup: its id, REST url, config offset and what it runs. */
export interface WorkerMember {
  readonly memberId: string;
  readonly url: string;
  readonly configOffset: bigint;
  readonly owned: OwnedWork;
}

/** What the config topic says should run: every connector and every task of every connector. */
export interface ConfiguredWork {
  readonly connectors: readonly string[];
  readonly tasks: readonly TaskId[];
}

export interface AssignInput {
  readonly leaderId: string;
  readonly leaderUrl: string;
  readonly configOffset: bigint;
  readonly version: number;
  readonly members: readonly WorkerMember[];
  readonly configured: ConfiguredWork;
  readonly now: number;
}

type Kind = 'connector' | 'task';

interface Plan {
  readonly added: Map<string, string[]>;
  readonly revoked: Map<string, string[]>;
  /** Item → member after this round (revoked items left out), lost items kept under their departed member. */
  readonly placed: Map<string, string>;
  readonly anyRevoked: boolean;
}

const taskKey = (id: TaskId): string => `${id.connector}\u0000${id.task}`;
const taskOf = (key: string): TaskId => {
  const at = key.lastIndexOf('\u0000');
  return { connector: key.slice(0, at), task: Number(key.slice(at + 1)) };
};
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Kafka's IncrementalCooperativeAssignor (KIP-415), run by the group's leader. Each member keeps
 * what it runs through a rebalance; the leader:
 * - revokes what no longer exists (or is run twice);
 * - gives connectors and tasks nobody runs to the least loaded members;
 * - when members would end up uneven, revokes the surplus of the busiest first, and assigns it
 *   only in the follow-up rebalance (members that gave something up rejoin at once), so nothing
 *   runs on two workers at a time;
 * - keeps the work of a member that left unassigned for up to `maxDelayMs`
 *   (scheduled.rebalance.max.delay.ms), so a worker that restarts within it gets its work back,
 *   unless a new worker joins meanwhile, which takes it; once the delay has passed the work is
 *   spread over the members.
 * Connectors and tasks are balanced separately, as Kafka does. The state kept between rounds
 * (the last assignment, the scheduled rebalance) lives in the leader: a new leader starts fresh.
 */
export class IncrementalCooperativeAssignor {
  private readonly maxDelayMs: number;
  private previousMembers = new Set<string>();
  private previous = new Map<Kind, Map<string, string>>();
  private scheduledAt = 0;
  private revokedLastRound = false;

  constructor(maxDelayMs: number) {
    this.maxDelayMs = maxDelayMs;
  }

  assign(input: AssignInput): Map<string, ConnectAssignment> {
    const members = [...input.members].sort((a, b) => byText(a.memberId, b.memberId));
    const memberIds = new Set(members.map((m) => m.memberId));
    const configured: Record<Kind, string[]> = {
      connector: [...new Set(input.configured.connectors)].sort(byText),
      task: [...new Set(input.configured.tasks.map(taskKey))].sort(byText),
    };
    const owned = (kind: Kind, m: WorkerMember): string[] => (kind === 'connector' ? [...m.owned.connectors] : m.owned.tasks.map(taskKey));

    // Work a departed member ran that nobody runs now.
    const lost: Record<Kind, string[]> = { connector: [], task: [] };
    for (const kind of ['connector', 'task'] as const) {
      const runNow = new Set(members.flatMap((m) => owned(kind, m)));
      const wanted = new Set(configured[kind]);
      for (const [item, member] of this.previous.get(kind) ?? []) {
        if (!memberIds.has(member) && !runNow.has(item) && wanted.has(item)) lost[kind].push(item);
      }
    }
    const anyLost = lost.connector.length + lost.task.length > 0;
    let delayMs = 0;
    let lostTo: 'everyone' | 'new' | 'nobody' = 'everyone';
    if (anyLost && this.maxDelayMs > 0) {
      if (this.scheduledAt !== 0 && input.now >= this.scheduledAt) {
        this.scheduledAt = 0;
      } else {
        if (this.scheduledAt === 0) this.scheduledAt = input.now + this.maxDelayMs;
        delayMs = this.scheduledAt - input.now;
        const newcomers = members.filter((m) => !this.previousMembers.has(m.memberId) && m.owned.connectors.length + m.owned.tasks.length === 0);
        lostTo = newcomers.length > 0 ? 'new' : 'nobody';
      }
    } else if (!anyLost) {
      this.scheduledAt = 0;
    }
    const newcomers = new Set(members.filter((m) => !this.previousMembers.has(m.memberId)).map((m) => m.memberId));

    const plans = new Map<Kind, Plan>();
    for (const kind of ['connector', 'task'] as const) {
      plans.set(
        kind,
        this.plan(
          members.map((m) => ({ id: m.memberId, owned: owned(kind, m) })),
          configured[kind],
          new Set(lost[kind]),
          lostTo,
          newcomers,
          this.previous.get(kind) ?? new Map<string, string>(),
          // Moving work for balance waits while departed work is held back, and for the round after a revocation.
          !this.revokedLastRound && lostTo === 'everyone',
        ),
      );
    }
    const connectorPlan = plans.get('connector');
    const taskPlan = plans.get('task');
    if (connectorPlan === undefined || taskPlan === undefined) throw new Error('unreachable: both kinds are planned');
    this.previous = new Map([
      ['connector', connectorPlan.placed],
      ['task', taskPlan.placed],
    ]);
    this.previousMembers = memberIds;
    this.revokedLastRound = connectorPlan.anyRevoked || taskPlan.anyRevoked;

    const out = new Map<string, ConnectAssignment>();
    for (const m of members) {
      out.set(m.memberId, {
        version: input.version,
        error: ASSIGNMENT_NO_ERROR,
        leader: input.leaderId,
        leaderUrl: input.leaderUrl,
        configOffset: input.configOffset,
        connectors: connectorPlan.added.get(m.memberId) ?? [],
        tasks: (taskPlan.added.get(m.memberId) ?? []).map(taskOf),
        revokedConnectors: connectorPlan.revoked.get(m.memberId) ?? [],
        revokedTasks: (taskPlan.revoked.get(m.memberId) ?? []).map(taskOf),
        delayMs,
      });
    }
    return out;
  }

  private plan(
    members: readonly { readonly id: string; readonly owned: readonly string[] }[],
    configured: readonly string[],
    lost: ReadonlySet<string>,
    lostTo: 'everyone' | 'new' | 'nobody',
    newcomers: ReadonlySet<string>,
    previous: ReadonlyMap<string, string>,
    mayBalance: boolean,
  ): Plan {
    const wanted = new Set(configured);
    const keep = new Map<string, string[]>();
    const revoked = new Map<string, string[]>();
    const added = new Map<string, string[]>();
    const runBy = new Set<string>();
    for (const m of members) {
      const kept: string[] = [];
      const gone: string[] = [];
      for (const item of [...m.owned].sort(byText)) {
        // Deleted work, or work another member already runs, is revoked.
        if (!wanted.has(item) || runBy.has(item)) gone.push(item);
        else {
          kept.push(item);
          runBy.add(item);
        }
      }
      keep.set(m.id, kept);
      revoked.set(m.id, gone);
      added.set(m.id, []);
    }
    const unassigned = configured.filter((item) => !runBy.has(item));
    const held = lostTo === 'everyone' ? [] : unassigned.filter((item) => lost.has(item));
    const free = unassigned.filter((item) => !held.includes(item));
    const load = (id: string): number => (keep.get(id)?.length ?? 0) + (added.get(id)?.length ?? 0);
    let anyRevoked = [...revoked.values()].some((list) => list.length > 0);

    if (mayBalance && members.length > 0) {
      const total = members.reduce((sum, m) => sum + (keep.get(m.id)?.length ?? 0), 0) + free.length;
      const floor = Math.floor(total / members.length);
      let ceilSlots = total % members.length;
      const busiestFirst = [...members].sort((a, b) => load(b.id) - load(a.id) || byText(a.id, b.id));
      for (const m of busiestFirst) {
        const target = ceilSlots > 0 ? floor + 1 : floor;
        if (ceilSlots > 0) ceilSlots--;
        const kept = keep.get(m.id) ?? [];
        if (kept.length <= target) continue;
        const surplus = kept.splice(target);
        revoked.get(m.id)?.push(...surplus);
        anyRevoked = true;
      }
    }

    const giveTo = (item: string, candidates: readonly string[]): void => {
      let best: string | undefined;
      for (const id of candidates) if (best === undefined || load(id) < load(best)) best = id;
      if (best !== undefined) added.get(best)?.push(item);
    };
    const everyone = members.map((m) => m.id);
    for (const item of free) giveTo(item, everyone);
    const newOnes = everyone.filter((id) => newcomers.has(id));
    const stillHeld: string[] = [];
    for (const item of held) {
      if (lostTo === 'new' && newOnes.length > 0) giveTo(item, newOnes);
      else stillHeld.push(item);
    }

    const placed = new Map<string, string>();
    for (const [id, list] of keep) for (const item of list) placed.set(item, id);
    for (const [id, list] of added) for (const item of list) placed.set(item, id);
    for (const item of stillHeld) {
      const owner = previous.get(item);
      if (owner !== undefined) placed.set(item, owner);
    }
    return { added, revoked, placed, anyRevoked };
  }
}
