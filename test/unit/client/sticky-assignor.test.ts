import test from 'ava';
import type { ExecutionContext } from 'ava';
import { cooperativeStickyAssignor } from '../../../client/index.ts';
import type { GroupAssignment, GroupMember } from '../../../client/index.ts';
import { memberGeneration } from '../../../client/consumer/sticky-assignor.ts';
import { Writer, decodeConsumerSubscription, encodeConsumerSubscription } from '../../../core/protocol/index.ts';

// The assignor is run the way a group runs it: every member sends the subscription the
// assignor writes for what it owns (encoded and decoded, as on the wire); a member whose new
// assignment lacks partitions it owned revokes them and the group rebalances again, until no
// member revokes anything (KIP-429).

type Owned = Map<string, Set<string>>;

interface SimMember {
  readonly id: string;
  topics: string[];
  /** `topic-partition` names it owns. */
  owned: Set<string>;
  generation: number;
  instanceId?: string;
}

const assignor = cooperativeStickyAssignor();
const name = (topic: string, partition: number): string => `${topic}-${partition}`;

function groupByTopic(names: Iterable<string>): { topic: string; partitions: number[] }[] {
  const topics = new Map<string, number[]>();
  for (const n of names) {
    const at = n.lastIndexOf('-');
    const topic = n.slice(0, at);
    const list = topics.get(topic) ?? [];
    list.push(Number(n.slice(at + 1)));
    topics.set(topic, list);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}

function groupMembers(members: readonly SimMember[]): GroupMember[] {
  return members.map((m) => {
    const input = assignor.subscription!({ topics: m.topics, ownedPartitions: groupByTopic(m.owned), generationId: m.generation });
    return { memberId: m.id, groupInstanceId: m.instanceId ?? null, subscription: decodeConsumerSubscription(encodeConsumerSubscription(input)) };
  });
}

function names(assignment: GroupAssignment, memberId: string): Set<string> {
  return new Set([...(assignment.get(memberId) ?? new Map<string, number[]>())].flatMap(([topic, ps]) => ps.map((p) => name(topic, p))));
}

/** Kafka's balance: no member holds two or more partitions more than a member that could take one of them. */
function assertBalanced(t: ExecutionContext, members: readonly SimMember[], owned: Owned): void {
  for (const a of members) {
    for (const b of members) {
      const sizeA = owned.get(a.id)!.size;
      const sizeB = owned.get(b.id)!.size;
      if (sizeA - sizeB < 2) continue;
      const movable = [...owned.get(a.id)!].filter((n) => b.topics.some((topic) => n.startsWith(`${topic}-`)));
      t.deepEqual(movable, [], `${a.id} (${sizeA}) could give ${b.id} (${sizeB}) one of ${JSON.stringify(movable)}`);
    }
  }
}

interface Rebalance {
  /** How many generations it took until nobody revoked anything. */
  readonly generations: number;
  /** member → every partition it revoked on the way. */
  readonly revoked: Map<string, string[]>;
  /** member → every partition it was newly given. */
  readonly added: Map<string, string[]>;
}

/**
 * Runs generations until no member revokes anything. Each generation checks that a partition
 * given to a member is owned by no other member at that moment, and that nothing is assigned
 * outside a member's subscription.
 */
function rebalance(t: ExecutionContext, members: SimMember[], partitionsPerTopic: ReadonlyMap<string, number>, generation: { value: number }): Rebalance {
  const revoked = new Map(members.map((m) => [m.id, [] as string[]]));
  const added = new Map(members.map((m) => [m.id, [] as string[]]));
  for (let round = 1; round <= 5; round++) {
    generation.value++;
    const plan = assignor.assign(groupMembers(members), partitionsPerTopic);
    const before = new Map(members.map((m) => [m.id, new Set(m.owned)]));
    let anyRevoked = false;
    for (const m of members) {
      const next = names(plan, m.id);
      for (const n of next) {
        t.true(m.topics.some((topic) => n.startsWith(`${topic}-`)), `${m.id} is given ${n} outside its subscription`);
        if (m.owned.has(n)) continue;
        const holder = members.find((o) => o !== m && before.get(o.id)!.has(n));
        t.is(holder, undefined, `generation ${generation.value} gives ${n} to ${m.id} while ${holder?.id ?? ''} still owns it`);
        added.get(m.id)!.push(n);
      }
      const lost = [...m.owned].filter((n) => !next.has(n));
      if (lost.length > 0) anyRevoked = true;
      revoked.get(m.id)!.push(...lost);
      m.owned = next;
      m.generation = generation.value;
    }
    if (!anyRevoked) return { generations: round, revoked, added };
  }
  t.fail('the group did not settle within 5 generations');
  return { generations: 5, revoked, added };
}

function everyPartition(partitionsPerTopic: ReadonlyMap<string, number>): string[] {
  return [...partitionsPerTopic].flatMap(([topic, n]) => Array.from({ length: n }, (_, p) => name(topic, p))).sort();
}

function assertComplete(t: ExecutionContext, members: readonly SimMember[], partitionsPerTopic: ReadonlyMap<string, number>): void {
  const all = members.flatMap((m) => [...m.owned]).sort();
  t.deepEqual(all, everyPartition(partitionsPerTopic), 'every partition owned exactly once');
  assertBalanced(t, members, new Map(members.map((m) => [m.id, m.owned])));
}

const member = (id: string, topics: string[]): SimMember => ({ id, topics, owned: new Set(), generation: -1 });
const sizes = (members: readonly SimMember[]): number[] => members.map((m) => m.owned.size);

test('a fresh group is balanced in one generation, whatever the member order', (t) => {
  const topics = new Map([['t', 7]]);
  const members = [member('c', ['t']), member('a', ['t']), member('b', ['t'])];
  const result = rebalance(t, members, topics, { value: 0 });
  t.is(result.generations, 1);
  assertComplete(t, members, topics);
  t.deepEqual([...sizes(members)].sort(), [2, 2, 3]);
});

test('when a member joins, each old member gives up only what the newcomer needs, first revoked, then handed on in the next generation', (t) => {
  const topics = new Map([['t', 12]]);
  const members = [member('a', ['t']), member('b', ['t']), member('c', ['t'])];
  const generation = { value: 0 };
  rebalance(t, members, topics, generation);
  t.deepEqual(sizes(members), [4, 4, 4]);
  const before = new Map(members.map((m) => [m.id, new Set(m.owned)]));

  members.push(member('d', ['t']));
  const result = rebalance(t, members, topics, generation);
  // One generation takes the partitions away (nobody gets them), the next hands them on.
  t.is(result.generations, 2);
  assertComplete(t, members, topics);
  t.deepEqual(sizes(members), [3, 3, 3, 3]);
  for (const id of ['a', 'b', 'c']) {
    t.is(result.revoked.get(id)!.length, 1, `${id} revokes exactly one partition`);
    t.deepEqual(result.added.get(id), [], `${id} gains nothing`);
    const m = members.find((x) => x.id === id)!;
    t.true([...m.owned].every((n) => before.get(id)!.has(n)), `${id} keeps the rest of what it had`);
  }
  t.deepEqual([...result.added.get('d')!].sort(), [...result.revoked.values()].flat().sort(), 'the newcomer gets exactly what was revoked');
});

test('when a member leaves, only its partitions move, in one generation', (t) => {
  const topics = new Map([['t', 9]]);
  const members = [member('a', ['t']), member('b', ['t']), member('c', ['t'])];
  const generation = { value: 0 };
  rebalance(t, members, topics, generation);
  const before = new Map(members.map((m) => [m.id, new Set(m.owned)]));
  const gone = members.splice(1, 1)[0]!;
  const result = rebalance(t, members, topics, generation);
  t.is(result.generations, 1);
  assertComplete(t, members, topics);
  for (const m of members) {
    t.deepEqual(result.revoked.get(m.id), []);
    t.true([...before.get(m.id)!].every((n) => m.owned.has(n)));
  }
  t.deepEqual([...result.added.values()].flat().sort(), [...before.get(gone.id)!].sort());
});

test('several topics: balanced by total partitions, sticky across a join', (t) => {
  const topics = new Map([
    ['orders', 5],
    ['audit', 3],
  ]);
  const members = [member('m1', ['orders', 'audit']), member('m2', ['audit', 'orders'])];
  const generation = { value: 0 };
  rebalance(t, members, topics, generation);
  assertComplete(t, members, topics);
  t.deepEqual(sizes(members), [4, 4]);
  const before = new Map(members.map((m) => [m.id, new Set(m.owned)]));
  members.push(member('m3', ['orders', 'audit']));
  const result = rebalance(t, members, topics, generation);
  assertComplete(t, members, topics);
  t.deepEqual([...sizes(members)].sort(), [2, 3, 3]);
  const moved = [...result.revoked.values()].flat();
  t.is(moved.length, 2, `two partitions move to the newcomer: ${JSON.stringify(moved)}`);
  for (const id of ['m1', 'm2']) t.true([...members.find((m) => m.id === id)!.owned].every((n) => before.get(id)!.has(n)));
});

test('members with different subscriptions get only their topics, as evenly as those allow', (t) => {
  const topics = new Map([
    ['t1', 3],
    ['t2', 3],
    ['t3', 2],
  ]);
  const members = [member('a', ['t1', 't2']), member('b', ['t1']), member('c', ['t2', 't3'])];
  const generation = { value: 0 };
  rebalance(t, members, topics, generation);
  assertComplete(t, members, topics);
  t.true([...members[1]!.owned].every((n) => n.startsWith('t1-')));
  t.true([...members[2]!.owned].every((n) => n.startsWith('t2-') || n.startsWith('t3-')));
  t.true(Math.max(...sizes(members)) - Math.min(...sizes(members)) <= 1, JSON.stringify(sizes(members)));

  // A member dropping a topic gives up its partitions of it; the others keep theirs.
  const before = new Map(members.map((m) => [m.id, new Set(m.owned)]));
  members[0]!.topics = ['t1'];
  const result = rebalance(t, members, topics, generation);
  assertComplete(t, members, topics);
  t.true([...members[0]!.owned].every((n) => n.startsWith('t1-')));
  t.deepEqual(result.revoked.get('a')!.sort(), [...before.get('a')!].filter((n) => n.startsWith('t2-')).sort());
  // c alone holds t2 and t3 (5 partitions); a newcomer subscribed to t3 alone takes both t3
  // partitions from c, and nothing else moves.
  t.is(members[2]!.owned.size, 5);
  members.push(member('d', ['t3']));
  const joined = rebalance(t, members, topics, generation);
  assertComplete(t, members, topics);
  t.deepEqual([...members[3]!.owned].sort(), ['t3-0', 't3-1']);
  t.deepEqual(
    [...joined.revoked].filter(([, list]) => list.length > 0).map(([id, list]) => [id, list.sort()]),
    [['c', ['t3-0', 't3-1']]],
  );
});

test('claims from an older generation are ignored, and a partition two members claim in the same generation is withheld from both', (t) => {
  const topics = new Map([['t', 4]]);
  const stale: SimMember = { id: 'stale', topics: ['t'], owned: new Set(['t-0', 't-1', 't-2', 't-3']), generation: 3 };
  const current: SimMember = { id: 'current', topics: ['t'], owned: new Set(['t-2', 't-3']), generation: 4 };
  const plan = assignor.assign(groupMembers([stale, current]), topics);
  // The stale member's claims do not count: t-0 and t-1 are free to hand out at once.
  t.deepEqual([...names(plan, 'current')].sort(), ['t-2', 't-3']);
  t.deepEqual([...names(plan, 'stale')].sort(), ['t-0', 't-1']);

  const a: SimMember = { id: 'a', topics: ['t'], owned: new Set(['t-0', 't-1']), generation: 5 };
  const b: SimMember = { id: 'b', topics: ['t'], owned: new Set(['t-1', 't-2', 't-3']), generation: 5 };
  const conflict = assignor.assign(groupMembers([a, b]), topics);
  t.false(names(conflict, 'a').has('t-1'));
  t.false(names(conflict, 'b').has('t-1'));
  t.true(names(conflict, 'a').has('t-0'));
});

test('under the eager protocol (members own nothing when they join) the assignment is simply balanced', (t) => {
  const topics = new Map([['t', 5]]);
  const plan = assignor.assign(groupMembers([member('x', ['t']), member('y', ['t'])]), topics);
  t.deepEqual([names(plan, 'x').size, names(plan, 'y').size].sort(), [2, 3]);
  t.deepEqual([...names(plan, 'x'), ...names(plan, 'y')].sort(), everyPartition(topics));
  t.deepEqual(assignor.rebalanceProtocols, ['cooperative', 'eager']);
});

test('random joins, leaves and subscription changes keep every generation exclusive and the end balanced and complete', (t) => {
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const allTopics = ['a', 'b', 'c'];
  const topics = new Map([
    ['a', 6],
    ['b', 4],
    ['c', 9],
  ]);
  const members: SimMember[] = [];
  const generation = { value: 0 };
  let next = 0;
  for (let step = 0; step < 40; step++) {
    const action = members.length < 2 ? 0 : random(3);
    if (action === 0 && members.length < 7) {
      members.push(member(`m${next++}`, ['a', 'b', 'c']));
    } else if (action === 1) {
      members.splice(random(members.length), 1);
    } else {
      const m = members[random(members.length)]!;
      m.topics = allTopics.filter(() => random(3) > 0);
      if (m.topics.length === 0) m.topics = ['c'];
    }
    const subscribed = new Map([...topics].filter(([topic]) => members.some((m) => m.topics.includes(topic))));
    const result = rebalance(t, members, subscribed, generation);
    t.true(result.generations <= 2, `step ${step} took ${result.generations} generations`);
    assertComplete(t, members, subscribed);
  }
});

test("a member's generation is read from the v2 field, Java's 4-byte user data, or librdkafka's sticky user data", (t) => {
  const base = { topics: ['t'], ownedPartitions: [], rackId: null };
  t.is(memberGeneration({ ...base, version: 2, userData: null, generationId: 12 }), 12);
  t.is(memberGeneration({ ...base, version: 1, userData: Buffer.from('0000000b', 'hex'), generationId: -1 }), 11);
  // librdkafka's StickyAssignor user data (version 1): [topic [partition]] generation.
  const librdkafka = new Writer().arrayLength(1).string('t').arrayLength(2).int32(0).int32(1).int32(7).finish();
  t.is(memberGeneration({ ...base, version: 1, userData: librdkafka, generationId: -1 }), 7);
  t.is(memberGeneration({ ...base, version: 1, userData: Buffer.alloc(0), generationId: -1 }), undefined);
  t.is(memberGeneration({ ...base, version: 0, userData: null, generationId: -1 }), undefined);
  t.is(memberGeneration({ ...base, version: 1, userData: Buffer.from('not a generation'), generationId: -1 }), undefined);
});
