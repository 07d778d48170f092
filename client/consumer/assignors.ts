import type { ConsumerSubscription, ConsumerSubscriptionInput, TopicPartitions } from '../../core/protocol/index.ts';

/** One group member as the leader sees it in the JoinGroup response. */
export interface GroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly subscription: ConsumerSubscription;
}

/** memberId → topic → partitions (ascending). */
export type GroupAssignment = Map<string, Map<string, number[]>>;

/**
 * Kafka's rebalance protocols (ConsumerPartitionAssignor.RebalanceProtocol). Eager: a member
 * gives up every partition before it rejoins. Cooperative (KIP-429): a member keeps its
 * partitions through the rebalance and gives up only those the new assignment takes away.
 */
export type RebalanceProtocol = 'eager' | 'cooperative';

/** What a member knows when it writes its subscription for a JoinGroup. */
export interface SubscriptionState {
  readonly topics: readonly string[];
  /** The partitions it owns going into the rebalance (none under the eager protocol). */
  readonly ownedPartitions: readonly TopicPartitions[];
  /** The generation it owns them in; -1 when it owns none or lost its generation. */
  readonly generationId: number;
}

/**
 * A partition assignment strategy. `name` is the protocol name sent in JoinGroup: every member of
 * a group must offer one name in common, and the group leader runs that name's `assign`.
 */
export interface Assignor {
  readonly name: string;
  /**
   * The rebalance protocols it supports; default `['eager']`. A consumer runs the cooperative
   * protocol only when every assignor it offers supports it, as Kafka's consumer does.
   */
  readonly rebalanceProtocols?: readonly RebalanceProtocol[];
  /** The user data this member puts in its subscription; null by default. */
  userData?(): Buffer | null;
  /** The whole subscription this member sends; by default v0 with `userData()`. */
  subscription?(state: SubscriptionState): ConsumerSubscriptionInput;
  assign(members: readonly GroupMember[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment;
}

/** Kafka's member order (AbstractPartitionAssignor.MemberInfo): static members by instance id first, then by member id. */
export function compareMembers(a: GroupMember, b: GroupMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** Java's String.compareTo: UTF-16 code units, as JavaScript's `<` compares. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyAssignment(members: readonly GroupMember[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]));
}

function give(assignment: GroupAssignment, memberId: string, topic: string, partition: number): void {
  const topics = assignment.get(memberId);
  if (topics === undefined) return;
  const list = topics.get(topic);
  if (list === undefined) topics.set(topic, [partition]);
  else list.push(partition);
}

/**
 * Kafka's RangeAssignor ("range"): per topic, the members subscribed to it in Kafka's member
 * order each get a contiguous range; the first `partitions % members` get one extra.
 */
export function rangeAssignor(options: { name?: string } = {}): Assignor {
  return {
    name: options.name ?? 'range',
    assign(members, partitionsPerTopic) {
      const assignment = emptyAssignment(members);
      const topics = [...new Set(members.flatMap((m) => m.subscription.topics))].sort(compareStrings);
      for (const topic of topics) {
        const count = partitionsPerTopic.get(topic);
        if (count === undefined) continue;
        const consumers = members.filter((m) => m.subscription.topics.includes(topic)).sort(compareMembers);
        const perConsumer = Math.floor(count / consumers.length);
        const withExtra = count % consumers.length;
        consumers.forEach((member, i) => {
          const start = perConsumer * i + Math.min(i, withExtra);
          const length = perConsumer + (i + 1 > withExtra ? 0 : 1);
          for (let p = start; p < start + length; p++) give(assignment, member.memberId, topic, p);
        });
      }
      return assignment;
    },
  };
}

/**
 * Kafka's RoundRobinAssignor ("roundrobin"): every partition of every subscribed topic, sorted
 * by topic then partition, dealt in turn to the members in Kafka's order, skipping members not
 * subscribed to the partition's topic. kafkajs's default assigner deals the same way under the
 * name "RoundRobinAssigner": pass `{ name: 'RoundRobinAssigner' }` to join a group with kafkajs
 * consumers.
 */
export function roundRobinAssignor(options: { name?: string } = {}): Assignor {
  return {
    name: options.name ?? 'roundrobin',
    assign(members, partitionsPerTopic) {
      const assignment = emptyAssignment(members);
      const sorted = [...members].sort(compareMembers);
      if (sorted.length === 0) return assignment;
      const topics = [...new Set(members.flatMap((m) => m.subscription.topics))].sort(compareStrings);
      let next = 0;
      for (const topic of topics) {
        const count = partitionsPerTopic.get(topic);
        if (count === undefined) continue;
        for (let p = 0; p < count; p++) {
          // Some member is subscribed to every topic in the list, so this ends.
          while (!sorted[next % sorted.length]!.subscription.topics.includes(topic)) next++;
          give(assignment, sorted[next % sorted.length]!.memberId, topic, p);
          next++;
        }
      }
      return assignment;
    },
  };
}
