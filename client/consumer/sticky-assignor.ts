import { Reader } from '../../core/protocol/index.ts';
import type { ConsumerSubscription } from '../../core/protocol/index.ts';
import { compareMembers, compareStrings } from './assignors.ts';
import type { Assignor, GroupAssignment, GroupMember } from './assignors.ts';

interface Tp {
  readonly topic: string;
  readonly partition: number;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const compareTps = (a: Tp, b: Tp): number => compareStrings(a.topic, b.topic) || a.partition - b.partition;

/** Java's CooperativeStickyAssignor user data: the generation the owned partitions come from. */
export function encodeGenerationUserData(generation: number): Buffer {
  const data = Buffer.alloc(4);
  data.writeInt32BE(generation);
  return data;
}

/**
 * The generation a member's owned partitions come from, however its client wrote it: the
 * subscription's v2+ field; else user data of 4 bytes (Java's CooperativeStickyAssignor); else
 * user data of `[topic [partition]]` then the generation (librdkafka's sticky assignors, and
 * Java's eager StickyAssignor). Undefined when the subscription says nothing.
 */
export function memberGeneration(subscription: ConsumerSubscription): number | undefined {
  if (subscription.version >= 2 && subscription.generationId >= 0) return subscription.generationId;
  const data = subscription.userData;
  if (data === null || data.length < 4) return undefined;
  if (data.length === 4) return data.readInt32BE(0);
  try {
    const r = new Reader(data);
    const topics = r.arrayLength(6);
    for (let t = 0; t < topics; t++) {
      r.string();
      r.skip(4 * r.arrayLength(4));
    }
    return r.remaining() === 4 ? r.int32() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Who owned each partition going into this rebalance (key → member ids), as Kafka's
 * AbstractStickyAssignor decides it: only members reporting the newest generation count, and
 * members reporting none count only when no member reports one. A member that missed a
 * generation may still list partitions it has since lost; those claims are ignored.
 */
export function previousOwners(members: readonly GroupMember[]): Map<string, string[]> {
  const generations = members.map((m) => memberGeneration(m.subscription));
  const known = generations.filter((g): g is number => g !== undefined);
  const newest = known.length > 0 ? Math.max(...known) : undefined;
  const owners = new Map<string, string[]>();
  members.forEach((member, i) => {
    if (generations[i] !== newest) return;
    for (const { topic, partitions } of member.subscription.ownedPartitions) {
      for (const partition of partitions) {
        const key = keyOf(topic, partition);
        const list = owners.get(key);
        if (list === undefined) owners.set(key, [member.memberId]);
        else if (!list.includes(member.memberId)) list.push(member.memberId);
      }
    }
  });
  return owners;
}

/**
 * A balanced assignment that keeps as many previously owned partitions as possible:
 *
 * 1. every partition with exactly one previous owner still subscribed to its topic stays there;
 * 2. each other partition, those with the fewest candidate members first, goes to its candidate
 *    holding the fewest partitions (ties: Kafka's member order);
 * 3. while some member holds at least two more partitions than another member that could take
 *    one of them, one moves (a partition it was just given before one it owned before).
 *
 * The result is balanced in Kafka's sense: no single move between two members can even them
 * out further. Step 3 ends because each move lowers the sum of squared member sizes.
 */
export function stickyAssign(members: readonly GroupMember[], partitionsPerTopic: ReadonlyMap<string, number>, owners: ReadonlyMap<string, readonly string[]>): Map<string, Tp[]> {
  const sorted = [...members].sort(compareMembers);
  const order = new Map(sorted.map((m, i) => [m.memberId, i]));
  const subscribed = new Map(sorted.map((m) => [m.memberId, new Set(m.subscription.topics.filter((t) => partitionsPerTopic.has(t)))]));
  const assignment = new Map(sorted.map((m) => [m.memberId, [] as Tp[]]));
  const candidates = new Map<string, string[]>();
  const all: Tp[] = [];
  for (const topic of [...new Set(sorted.flatMap((m) => [...subscribed.get(m.memberId)!]))].sort(compareStrings)) {
    candidates.set(
      topic,
      sorted.filter((m) => subscribed.get(m.memberId)!.has(topic)).map((m) => m.memberId),
    );
    for (let partition = 0; partition < partitionsPerTopic.get(topic)!; partition++) all.push({ topic, partition });
  }
  const size = (memberId: string): number => assignment.get(memberId)!.length;

  const kept = new Set<string>();
  for (const tp of all) {
    const claim = owners.get(keyOf(tp.topic, tp.partition));
    const owner = claim?.length === 1 ? claim[0]! : undefined;
    if (owner === undefined || subscribed.get(owner)?.has(tp.topic) !== true) continue;
    assignment.get(owner)!.push(tp);
    kept.add(keyOf(tp.topic, tp.partition));
  }

  const rest = all
    .filter((tp) => !kept.has(keyOf(tp.topic, tp.partition)))
    .sort((a, b) => candidates.get(a.topic)!.length - candidates.get(b.topic)!.length || compareTps(a, b));
  for (const tp of rest) {
    let best: string | undefined;
    for (const memberId of candidates.get(tp.topic)!) if (best === undefined || size(memberId) < size(best)) best = memberId;
    assignment.get(best!)!.push(tp);
  }

  const bySize = (a: string, b: string): number => size(b) - size(a) || order.get(a)! - order.get(b)!;
  for (;;) {
    const ids = [...assignment.keys()].sort(bySize);
    let moved = false;
    search: for (const from of ids) {
      for (const to of [...ids].reverse()) {
        if (size(from) - size(to) < 2) break;
        const list = assignment.get(from)!;
        const movable = list.filter((tp) => subscribed.get(to)!.has(tp.topic));
        if (movable.length === 0) continue;
        const pick = movable.findLast((tp) => !kept.has(keyOf(tp.topic, tp.partition))) ?? movable.at(-1)!;
        list.splice(list.indexOf(pick), 1);
        assignment.get(to)!.push(pick);
        moved = true;
        break search;
      }
    }
    if (!moved) break;
  }
  return assignment;
}

function toGroupAssignment(plan: ReadonlyMap<string, readonly Tp[]>): GroupAssignment {
  const out: GroupAssignment = new Map();
  for (const [memberId, tps] of plan) {
    const topics = new Map<string, number[]>();
    for (const tp of [...tps].sort(compareTps)) {
      const list = topics.get(tp.topic);
      if (list === undefined) topics.set(tp.topic, [tp.partition]);
      else list.push(tp.partition);
    }
    out.set(memberId, topics);
  }
  return out;
}

/**
 * Kafka's CooperativeStickyAssignor ("cooperative-sticky"), wire-compatible with Java's and
 * librdkafka's: members send subscription v1 with the partitions they own and their generation
 * in the user data (4 bytes, as Java writes it); the leader computes a balanced, sticky
 * assignment (`stickyAssign`). Under the cooperative protocol a partition that moves from one
 * member to another is, in this generation, only taken from its owner and given to nobody: the
 * owner revokes it and rejoins, and the next generation hands it on, so no partition ever has
 * two owners (KIP-429). It also supports the eager protocol, where members own nothing when
 * they join and the assignment is simply balanced.
 */
export function cooperativeStickyAssignor(options: { name?: string } = {}): Assignor {
  return {
    name: options.name ?? 'cooperative-sticky',
    rebalanceProtocols: ['cooperative', 'eager'],
    subscription: (state) => ({
      version: 1,
      topics: state.topics,
      userData: encodeGenerationUserData(state.generationId),
      ownedPartitions: state.ownedPartitions,
    }),
    assign(members, partitionsPerTopic) {
      const owners = previousOwners(members);
      const plan = stickyAssign(members, partitionsPerTopic, owners);
      for (const [memberId, tps] of plan) {
        plan.set(
          memberId,
          tps.filter((tp) => (owners.get(keyOf(tp.topic, tp.partition)) ?? []).every((owner) => owner === memberId)),
        );
      }
      return toGroupAssignment(plan);
    },
  };
}
