import type { Assignor, GroupAssignment, GroupMember } from '../../client/index.ts';
import { formatTaskId } from '../processor/task-api.ts';
import type { TaskId } from '../processor/task-api.ts';
import type { TopicRouter } from './topic-router.ts';

/** The protocol name every instance of a Brook Streams app offers in JoinGroup. */
export const TASK_ASSIGNOR_NAME = 'brook-streams';

/**
 * What an instance tells the group leader in its subscription's user data (Kafka's
 * SubscriptionInfo, in Brook's own JSON spelling): where it answers queries, which tasks it ran
 * as active before this rebalance, and how far its local copy of each other task's state goes.
 */
export interface StreamsSubscriptionInfo {
  /** `host:port` for interactive queries (applicationServer). */
  readonly applicationServer: string | undefined;
  /** Tasks (`0_2`) this instance ran as active in the previous generation. */
  readonly previousActive: readonly string[];
  /**
   * Per task with local state that is not active here (a standby, or a checkpoint on disk): the
   * sum of the next changelog offsets it covers (Kafka's task offset sum). Larger is more caught up.
   */
  readonly taskPositions: ReadonlyMap<string, bigint>;
}

export const EMPTY_SUBSCRIPTION_INFO: StreamsSubscriptionInfo = { applicationServer: undefined, previousActive: [], taskPositions: new Map() };

const SUBSCRIPTION_VERSION = 1;

export function encodeSubscriptionInfo(info: StreamsSubscriptionInfo): Buffer {
  const positions: Record<string, string> = {};
  for (const [task, offset] of info.taskPositions) positions[task] = offset.toString();
  return Buffer.from(JSON.stringify({ version: SUBSCRIPTION_VERSION, server: info.applicationServer, active: info.previousActive, positions }), 'utf8');
}

const TASK_ID = /^\d+_\d+$/;

/**
 * Reads a member's user data. Never throws: another member's bytes are untrusted, and a leader
 * that cannot read them still assigns that member (as one with no local state). User data that
 * is not Brook's JSON is taken as a bare `host:port`, as earlier Brook versions sent it.
 */
export function decodeSubscriptionInfo(userData: Buffer | null | undefined): StreamsSubscriptionInfo {
  if (userData === null || userData === undefined || userData.length === 0) return EMPTY_SUBSCRIPTION_INFO;
  const text = userData.toString('utf8');
  if (!text.startsWith('{')) return { ...EMPTY_SUBSCRIPTION_INFO, applicationServer: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return EMPTY_SUBSCRIPTION_INFO;
  }
  if (typeof parsed !== 'object' || parsed === null) return EMPTY_SUBSCRIPTION_INFO;
  const { server, active, positions } = parsed as { server?: unknown; active?: unknown; positions?: unknown };
  const previousActive = Array.isArray(active) ? active.filter((t): t is string => typeof t === 'string' && TASK_ID.test(t)) : [];
  const taskPositions = new Map<string, bigint>();
  if (typeof positions === 'object' && positions !== null) {
    for (const [task, offset] of Object.entries(positions)) {
      if (TASK_ID.test(task) && typeof offset === 'string' && /^\d{1,19}$/.test(offset)) taskPositions.set(task, BigInt(offset));
    }
  }
  return { applicationServer: typeof server === 'string' ? server : undefined, previousActive, taskPositions };
}

/** One instance as the placement sees it: its member id and what it reported. */
export interface PlacementClient {
  readonly id: string;
  readonly info: StreamsSubscriptionInfo;
}

/**
 * Places each task (in the order given) on one client, balanced (no client has more than one
 * task more than another) and sticky, as Kafka Streams' HighAvailabilityTaskAssignor aims for:
 * a task stays with the client that ran it; else it goes to the client whose local copy (a
 * standby) is furthest along, so the move replays only a tail; else to the least loaded client
 * (ties in client order). With no history this deals the tasks round-robin in client order.
 */
export function placeActiveTasks(tasks: readonly string[], clients: readonly PlacementClient[]): Map<string, string> {
  const owners = new Map<string, string>();
  if (clients.length === 0) return owners;
  const floor = Math.floor(tasks.length / clients.length);
  let extraLeft = tasks.length % clients.length;
  const load = new Map(clients.map((c) => [c.id, 0]));
  const canTake = (client: PlacementClient): boolean => {
    const n = load.get(client.id)!;
    return n < floor || (n === floor && extraLeft > 0);
  };
  const give = (task: string, client: PlacementClient): void => {
    const n = load.get(client.id)!;
    if (n === floor) extraLeft--;
    load.set(client.id, n + 1);
    owners.set(task, client.id);
  };
  for (const task of tasks) {
    const previous = clients.find((c) => c.info.previousActive.includes(task) && canTake(c));
    if (previous !== undefined) give(task, previous);
  }
  for (const task of tasks) {
    if (owners.has(task)) continue;
    let best: PlacementClient | undefined;
    for (const c of clients) {
      const position = c.info.taskPositions.get(task);
      if (position === undefined || !canTake(c)) continue;
      if (best === undefined || position > best.info.taskPositions.get(task)!) best = c;
    }
    if (best !== undefined) give(task, best);
  }
  for (const task of tasks) {
    if (owners.has(task)) continue;
    let best: PlacementClient | undefined;
    for (const c of clients) if (canTake(c) && (best === undefined || load.get(c.id)! < load.get(best.id)!)) best = c;
    give(task, best!);
  }
  return owners;
}

/**
 * Every task of the topology, partition-major (partition 0 of every sub-topology, then partition
 * 1, …), so dealing them in order spreads one sub-topology's tasks across instances.
 */
export function orderTasks(tasks: Iterable<TaskId>): TaskId[] {
  return [...tasks].sort((a, b) => a.partition - b.partition || a.subtopology - b.subtopology);
}

/**
 * Assigns whole tasks, not partitions: a task (sub-topology × partition number) reads partition
 * p of every topic of its sub-topology, and those must land on one instance, which a
 * partition assignor does not promise when a sub-topology reads several topics (a merge, a
 * pattern). Placement is balanced and sticky (`placeActiveTasks`). Eager protocol: every member
 * gives up its tasks at each rebalance, and each task is closed and committed before anyone else
 * may take it. Standby tasks are not in the assignment: every instance works them out from the
 * group's description (`placeStandbyTasks`), since the client's assignment carries partitions only.
 */
export function taskAssignor(router: TopicRouter, subscriptionInfo: () => StreamsSubscriptionInfo): Assignor {
  return {
    name: TASK_ASSIGNOR_NAME,
    // The group keeps every member's subscription: any instance can read who holds which task
    // and where it answers queries from the group's description.
    userData: () => encodeSubscriptionInfo(subscriptionInfo()),
    assign(members, partitionsPerTopic): GroupAssignment {
      const ordered = [...members].sort(compareMembers);
      const assignment: GroupAssignment = new Map(ordered.map((m) => [m.memberId, new Map<string, number[]>()]));
      // Topics each sub-topology reads, as the members subscribed to them (patterns resolved).
      const topicsOf = new Map<number, string[]>();
      for (const [topic] of [...partitionsPerTopic].sort(([a], [b]) => compareStrings(a, b))) {
        const subtopology = router.subtopologyOf(topic);
        if (subtopology === undefined) continue;
        const list = topicsOf.get(subtopology);
        if (list === undefined) topicsOf.set(subtopology, [topic]);
        else list.push(topic);
      }
      const tasks: TaskId[] = [];
      for (const [subtopology, topics] of topicsOf) {
        const count = Math.max(...topics.map((t) => partitionsPerTopic.get(t) ?? 0));
        for (let partition = 0; partition < count; partition++) tasks.push({ subtopology, partition });
      }
      if (ordered.length === 0) return assignment;
      const clients = ordered.map((m) => ({ id: m.memberId, info: decodeSubscriptionInfo(m.subscription.userData) }));
      const ids = orderTasks(tasks);
      const owners = placeActiveTasks(ids.map(formatTaskId), clients);
      const byId = new Map(ordered.map((m) => [m.memberId, m]));
      for (const task of ids) {
        const member = byId.get(owners.get(formatTaskId(task))!)!;
        const topics = assignment.get(member.memberId)!;
        for (const topic of topicsOf.get(task.subtopology)!) {
          if (task.partition >= (partitionsPerTopic.get(topic) ?? 0)) continue;
          // Only to members subscribed to the topic (all instances of one app are).
          if (!member.subscription.topics.includes(topic)) continue;
          const list = topics.get(topic);
          if (list === undefined) topics.set(topic, [task.partition]);
          else list.push(task.partition);
        }
      }
      for (const topics of assignment.values()) for (const list of topics.values()) list.sort((a, b) => a - b);
      return assignment;
    },
  };
}

/** Kafka's member order: static members by instance id first, then by member id. */
export function compareMembers(a: Pick<GroupMember, 'memberId' | 'groupInstanceId'>, b: Pick<GroupMember, 'memberId' | 'groupInstanceId'>): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
