import type { GroupDescription } from '../../client/index.ts';
import { decodeConsumerSubscription } from '../../client/internal.ts';
import { formatTaskId } from '../processor/task-api.ts';
import type { TaskId } from '../processor/task-api.ts';
import type { HostInfo } from '../state/interactive-queries.ts';
import { compareMembers, decodeSubscriptionInfo, orderTasks } from './task-assignor.ts';
import type { PlacementClient, StreamsSubscriptionInfo } from './task-assignor.ts';
import type { TopicRouter } from './topic-router.ts';

/**
 * Places up to `replicas` standby copies of each stateful task (in the order given), as Kafka
 * Streams' standby assignor does: never on the client running the task, never two copies on one
 * client, so at most one copy per other client. Each copy goes to the least loaded client
 * (actives and standbys counted); among equally loaded ones, the client whose local copy is
 * furthest along (it has the least to catch up), then client order; then copies move from the
 * busiest to the idlest clients while that narrows the gap. Pure and deterministic: every
 * instance computes the same answer from the same group description.
 */
export function placeStandbyTasks(
  tasks: readonly string[],
  activeOwners: ReadonlyMap<string, string>,
  clients: readonly PlacementClient[],
  replicas: number,
): Map<string, string[]> {
  const standbys = new Map<string, string[]>(clients.map((c) => [c.id, []]));
  if (replicas <= 0 || clients.length < 2) return standbys;
  const load = new Map(clients.map((c) => [c.id, 0]));
  for (const owner of activeOwners.values()) if (load.has(owner)) load.set(owner, load.get(owner)! + 1);
  const holders = new Map(tasks.map((task) => [task, new Set(activeOwners.has(task) ? [activeOwners.get(task)!] : [])]));
  // One copy of every task per round: the first copies spread before any task gets a second.
  for (let copy = 0; copy < Math.min(replicas, clients.length - 1); copy++) {
    for (const task of tasks) {
      const held = holders.get(task)!;
      let best: PlacementClient | undefined;
      for (const c of clients) if (!held.has(c.id) && (best === undefined || better(c, best, task, load))) best = c;
      if (best === undefined) continue;
      held.add(best.id);
      standbys.get(best.id)!.push(task);
      load.set(best.id, load.get(best.id)! + 1);
    }
  }
  evenOut(standbys, holders, clients, load);
  return standbys;
}

/**
 * Greedy placement can leave the last tasks only busy clients to go to: move standbys from the
 * most to the least loaded client while that narrows the gap and the receiver holds no copy yet.
 */
function evenOut(standbys: Map<string, string[]>, holders: ReadonlyMap<string, Set<string>>, clients: readonly PlacementClient[], load: Map<string, number>): void {
  for (let moves = 0; moves < 10_000; moves++) {
    const sorted = [...clients].sort((x, y) => load.get(x.id)! - load.get(y.id)!);
    let moved = false;
    for (const to of sorted) {
      for (const from of [...sorted].reverse()) {
        if (load.get(from.id)! - load.get(to.id)! < 2) break;
        const list = standbys.get(from.id)!;
        const index = list.findIndex((task) => !holders.get(task)!.has(to.id));
        if (index < 0) continue;
        const [task] = list.splice(index, 1) as [string];
        standbys.get(to.id)!.push(task);
        holders.get(task)!.delete(from.id);
        holders.get(task)!.add(to.id);
        load.set(from.id, load.get(from.id)! - 1);
        load.set(to.id, load.get(to.id)! + 1);
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) return;
  }
}

function better(candidate: PlacementClient, best: PlacementClient, task: string, load: ReadonlyMap<string, number>): boolean {
  const a = load.get(candidate.id)!;
  const b = load.get(best.id)!;
  if (a !== b) return a < b;
  const pa = candidate.info.taskPositions.get(task) ?? -1n;
  const pb = best.info.taskPositions.get(task) ?? -1n;
  return pa > pb;
}

/** The group as the instances read it after a rebalance: who runs which task, who keeps standby copies. */
export interface GroupTaskMap {
  /** Task (`0_2`) → member id of its active. */
  readonly active: ReadonlyMap<string, string>;
  /** Member id → the tasks it keeps standby copies of. */
  readonly standby: ReadonlyMap<string, readonly TaskId[]>;
  /** Member id → what it reported in its subscription. */
  readonly members: ReadonlyMap<string, StreamsSubscriptionInfo>;
}

/**
 * Works out the standby placement from the group's description (members' subscriptions and
 * assignments), the same way on every instance. Only tasks of `statefulSubtopologies` (those
 * with changelogged stores) get standbys; a task nobody runs gets none.
 */
export function describeGroupTasks(group: GroupDescription, router: TopicRouter, statefulSubtopologies: ReadonlySet<number>, replicas: number): GroupTaskMap {
  const ordered = [...group.members].sort(compareMembers);
  const clients: PlacementClient[] = ordered.map((m) => ({ id: m.memberId, info: decodeSubscriptionInfo(safeUserData(m.memberMetadata)) }));
  const active = new Map<string, string>();
  const stateful = new Map<string, TaskId>();
  for (const member of ordered) {
    for (const { topic, partitions } of member.assignment?.topics ?? []) {
      const subtopology = router.subtopologyOf(topic);
      if (subtopology === undefined) continue;
      for (const partition of partitions) {
        const id = { subtopology, partition };
        const key = formatTaskId(id);
        active.set(key, member.memberId);
        if (statefulSubtopologies.has(subtopology)) stateful.set(key, id);
      }
    }
  }
  const placed = placeStandbyTasks(orderTasks(stateful.values()).map(formatTaskId), active, clients, replicas);
  const standby = new Map<string, TaskId[]>();
  for (const [member, tasks] of placed) standby.set(member, tasks.map((t) => stateful.get(t)!));
  return { active, standby, members: new Map(clients.map((c) => [c.id, c.info])) };
}

/** Task (`0_2`) → the applicationServer of every instance keeping a standby copy of it (those that set one). */
export function standbyHosts(tasks: GroupTaskMap): Map<string, HostInfo[]> {
  const out = new Map<string, HostInfo[]>();
  for (const [member, ids] of tasks.standby) {
    const server = tasks.members.get(member)?.applicationServer;
    if (server === undefined) continue;
    const colon = server.lastIndexOf(':');
    const host: HostInfo = { host: server.slice(0, colon), port: Number(server.slice(colon + 1)) };
    for (const id of ids) {
      const key = formatTaskId(id);
      const list = out.get(key);
      if (list === undefined) out.set(key, [host]);
      else list.push(host);
    }
  }
  return out;
}

/** A member's subscription user data; null when its metadata is not a readable consumer subscription. */
function safeUserData(metadata: Buffer): Buffer | null {
  try {
    return decodeConsumerSubscription(metadata).userData;
  } catch {
    return null;
  }
}
