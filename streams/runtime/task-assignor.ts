import type { Assignor, GroupAssignment, GroupMember } from '../../client/index.ts';
import type { TopicRouter } from './topic-router.ts';

/** The protocol name every instance of a Brook Streams app offers in JoinGroup. */
export const TASK_ASSIGNOR_NAME = 'brook-streams';

interface Task {
  readonly subtopology: number;
  readonly partition: number;
}

/**
 * Assigns whole tasks, not partitions: a task (sub-topology × partition number) reads partition
 * p of every topic of its sub-topology, and those must land on one instance, which a
 * partition assignor does not promise when a sub-topology reads several topics (a merge, a
 * pattern). Tasks are dealt round-robin to the members in Kafka's member order, partition-major,
 * so each instance gets an even share and the tasks of one sub-topology spread across instances,
 * as Kafka Streams' assignor aims for. Eager protocol: every member gives up its tasks at each
 * rebalance, and each task is closed and committed before anyone else may take it.
 */
export function taskAssignor(router: TopicRouter, applicationServer?: string): Assignor {
  return {
    name: TASK_ASSIGNOR_NAME,
    // Every member's `host:port` rides in its subscription, which the group keeps: any instance
    // can read who holds which task from the group's description (interactive queries).
    userData: () => (applicationServer === undefined ? null : Buffer.from(applicationServer, 'utf8')),
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
      const tasks: Task[] = [];
      let maxPartitions = 0;
      for (const topics of topicsOf.values()) for (const topic of topics) maxPartitions = Math.max(maxPartitions, partitionsPerTopic.get(topic) ?? 0);
      const subtopologies = [...topicsOf.keys()].sort((a, b) => a - b);
      for (let partition = 0; partition < maxPartitions; partition++) {
        for (const subtopology of subtopologies) {
          const count = Math.max(...topicsOf.get(subtopology)!.map((t) => partitionsPerTopic.get(t) ?? 0));
          if (partition < count) tasks.push({ subtopology, partition });
        }
      }
      if (ordered.length === 0) return assignment;
      tasks.forEach((task, i) => {
        const member = ordered[i % ordered.length]!;
        const topics = assignment.get(member.memberId)!;
        for (const topic of topicsOf.get(task.subtopology)!) {
          if (task.partition >= (partitionsPerTopic.get(topic) ?? 0)) continue;
          // Only to members subscribed to the topic (all instances of one app are).
          if (!member.subscription.topics.includes(topic)) continue;
          const list = topics.get(topic);
          if (list === undefined) topics.set(topic, [task.partition]);
          else list.push(task.partition);
        }
      });
      for (const topics of assignment.values()) for (const list of topics.values()) list.sort((a, b) => a - b);
      return assignment;
    },
  };
}

/** Kafka's member order: static members by instance id first, then by member id. */
function compareMembers(a: GroupMember, b: GroupMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
