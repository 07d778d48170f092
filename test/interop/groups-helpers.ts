/**
 * What the consumer-group interop tests share: the broker's view of a group, read from its
 * 'group stable' log lines (which member owned which partitions in every generation) and from
 * OffsetFetch, the invariant every stable generation must keep, and the records the members read.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../core/protocol/index.ts';
import type { LogLine } from '../helpers/broker.ts';
import type { WireClient } from '../helpers/kafka-wire.ts';

// ---------------------------------------------------------------------------------------------
// Records as the members read them.

export interface Rec {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: string;
}

export const sortRecs = (records: readonly Rec[]): Rec[] => [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
export const recId = (r: { readonly partition: number; readonly offset: number }): string => `${r.partition}/${r.offset}`;

/** Everything a member read is a record that was produced, at the offset its producer was told. */
export function assertGenuine(t: ExecutionContext, produced: readonly Rec[], members: readonly { readonly clientId: string; readonly records: readonly Rec[] }[]): void {
  const byId = new Map(produced.map((r) => [recId(r), r]));
  for (const m of members) for (const r of m.records) t.deepEqual(r, byId.get(recId(r)), `${m.clientId} read ${recId(r)}`);
}

/** Every record any of the members read, by recId. */
export function seenBy(members: readonly { readonly records: readonly { partition: number; offset: number }[] }[]): Set<string> {
  return new Set(members.flatMap((m) => m.records.map(recId)));
}

// ---------------------------------------------------------------------------------------------
// The broker's 'group stable' log lines.

export interface StableGeneration {
  readonly generation: number;
  readonly protocol: string;
  /** member id → `topic-partition` names. */
  readonly assignments: Readonly<Record<string, readonly string[]>>;
}

/** A group member as its client sees it: the partitions of its last assignment, or null after a revoke. */
export interface AssignedMember {
  readonly clientId: string;
  assignment(): readonly number[] | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function stableGenerations(logs: readonly LogLine[], group: string): StableGeneration[] {
  return logs
    .filter((line) => line.msg === 'group stable' && line['group'] === group)
    .map((line) => {
      const { generation, protocol, assignments } = line;
      if (typeof generation !== 'number' || typeof protocol !== 'string' || typeof assignments !== 'object' || assignments === null) {
        throw new Error(`malformed 'group stable' log line: ${JSON.stringify(line)}`);
      }
      return { generation, protocol, assignments: assignments as Record<string, string[]> };
    });
}

export function latestStable(logs: readonly LogLine[], group: string): StableGeneration | undefined {
  return stableGenerations(logs, group).at(-1);
}

/** The `topic-partition` names of a topic's partitions 0 to partitions - 1, sorted as strings. */
export function topicPartitions(topic: string, partitions: number): string[] {
  return Array.from({ length: partitions }, (_, p) => `${topic}-${p}`).sort();
}

/** Every `topic-partition` name the generation assigns, sorted as strings (repeats kept). */
export function ownedPartitions(generation: StableGeneration): string[] {
  return Object.values(generation.assignments).flat().sort();
}

/** Partition numbers of `topic`'s names, sorted; a name of another topic counts as -1. */
export function partitionNumbers(names: readonly string[], topic: string): number[] {
  return names.map((name) => (name.startsWith(`${topic}-`) ? Number(name.slice(topic.length + 1)) : -1)).sort((a, b) => a - b);
}

/** The member id the broker gave `clientId` in this generation (`client.id-UUID`, as librdkafka and kafka-python ask for). */
export function memberOf(generation: StableGeneration, clientId: string): string | undefined {
  return Object.keys(generation.assignments).find((id) => id.startsWith(`${clientId}-`) && UUID.test(id.slice(clientId.length + 1)));
}

export function partitionsOf(generation: StableGeneration | undefined, clientId: string, topic: string): number[] | undefined {
  if (generation === undefined) return undefined;
  const member = memberOf(generation, clientId);
  if (member === undefined) return undefined;
  return partitionNumbers(generation.assignments[member] ?? [], topic);
}

/** Whether the latest stable generation has exactly these members, each already told its partitions by its client. */
export function settledOn(logs: readonly LogLine[], group: string, topic: string, members: readonly AssignedMember[]): boolean {
  const latest = latestStable(logs, group);
  if (latest === undefined || Object.keys(latest.assignments).length !== members.length) return false;
  return members.every((m) => {
    const owned = partitionsOf(latest, m.clientId, topic);
    return owned !== undefined && JSON.stringify(owned) === JSON.stringify(m.assignment());
  });
}

/** The latest stable generation and every member's own account, for failure messages. */
export function describeState(logs: readonly LogLine[], group: string, members: readonly { describe(): string }[]): string {
  return [`latest stable generation: ${JSON.stringify(latestStable(logs, group))}`, ...members.map((m) => m.describe())].join('\n');
}

/**
 * The invariant of the stable generations, in order: there is at least one, their numbers only
 * grow, and each gives every partition of the topic to exactly one member (none twice, none left
 * out, no other topic's).
 */
/**
 * The group invariant: in no stable generation do two members own the same partition (or one
 * outside the topic). Every partition is owned in the last generation. An earlier one may
 * leave some unowned: a client that leads before its own metadata lists the topic's
 * partitions (kafka-python does) assigns nothing, then rejoins once it knows them.
 */
export function assertEveryGenerationPartitioned(t: ExecutionContext, generations: readonly StableGeneration[], topic: string, partitions: number): void {
  t.true(generations.length > 0, 'at least one stable generation');
  const all = topicPartitions(topic, partitions);
  let previous = 0;
  for (const generation of generations) {
    t.true(generation.generation > previous, `generations increase: ${generation.generation} after ${previous}`);
    previous = generation.generation;
    const owned = Object.values(generation.assignments).flat();
    t.is(new Set(owned).size, owned.length, `generation ${generation.generation} gives a partition to two members: ${JSON.stringify(generation.assignments)}`);
    t.true(owned.every((p) => all.includes(p)), `generation ${generation.generation} assigns partitions outside ${topic}: ${JSON.stringify(generation.assignments)}`);
  }
  const last = generations.at(-1)!;
  t.deepEqual(ownedPartitions(last), all, `last generation ${last.generation}: ${JSON.stringify(last.assignments)}`);
}

// ---------------------------------------------------------------------------------------------
// Committed offsets, over OffsetFetch v5.

/** The group's committed offsets of partitions 0 to partitions - 1, in partition order. */
export async function committedOffsets(wire: WireClient, group: string, topic: string, partitions: number): Promise<number[]> {
  const response = await wire.request(ApiKey.OFFSET_FETCH, 5, {
    groupId: group,
    topics: [{ name: topic, partitionIndexes: Array.from({ length: partitions }, (_, p) => p) }],
  });
  if (response.errorCode !== ErrorCode.NONE) throw new Error(`OffsetFetch v5 error ${response.errorCode}`);
  const fetched = response.topics.find((entry) => entry.name === topic)?.partitions ?? [];
  for (const p of fetched) if (p.errorCode !== ErrorCode.NONE) throw new Error(`OffsetFetch v5 partition ${p.partitionIndex} error ${p.errorCode}`);
  return [...fetched].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => Number(p.committedOffset));
}

/** Polls OffsetFetch until the group's committed offsets of partitions 0 to want.length - 1 are `want`. */
export async function waitForCommitted(
  wire: WireClient,
  group: string,
  topic: string,
  want: readonly number[],
  options: { readonly timeoutMs: number; readonly describe: () => string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last: number[] = [];
  for (;;) {
    last = await committedOffsets(wire, group, topic, want.length);
    if (JSON.stringify(last) === JSON.stringify(want)) return;
    if (Date.now() > deadline) throw new Error(`committed offsets stayed ${JSON.stringify(last)}, wanted ${JSON.stringify(want)}\n${options.describe()}`);
    await delay(20);
  }
}
