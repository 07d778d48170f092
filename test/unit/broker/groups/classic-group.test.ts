import test from 'ava';
import { ClassicGroup, EMPTY_BYTES, GroupState } from '../../../../broker/groups/classic-group.ts';
import type { Member, Protocol } from '../../../../broker/groups/classic-group.ts';

/*
 * The rules of one classic group that need no I/O: which joiners are compatible with the
 * members (protocol type and a common assignor: else INCONSISTENT_GROUP_PROTOCOL), which
 * protocols every member supports, and Kafka's vote for the group's protocol.
 */

function protocols(...names: string[]): Protocol[] {
  return names.map((name) => ({ name, metadata: Buffer.from(`meta-${name}`) }));
}

function member(memberId: string, names: string[], overrides: Partial<Member> = {}): Member {
  return {
    memberId,
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocols: protocols(...names),
    assignment: EMPTY_BYTES,
    awaitingJoin: undefined,
    awaitingSync: undefined,
    sessionTimer: undefined,
    ...overrides,
  };
}

function groupOf(protocolType: string, ...members: Member[]): ClassicGroup {
  const group = new ClassicGroup('g', 1000);
  group.protocolType = protocolType;
  for (const m of members) group.members.set(m.memberId, m);
  return group;
}

test('a new group starts Empty at generation 0 with no protocol, leader or members', async (t) => {
  const group = new ClassicGroup('g', 1234);
  t.is(group.groupId, 'g');
  t.is(group.state, GroupState.EMPTY);
  t.is(group.generation, 0);
  t.is(group.protocolType, null);
  t.is(group.protocol, null);
  t.is(group.leader, null);
  t.is(group.members.size, 0);
  t.is(group.emptySince, 1234);
});

test('the state names are the ones DescribeGroups reports', async (t) => {
  t.deepEqual(Object.values(GroupState), ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']);
});

test('an empty group accepts any non-empty protocol type with at least one protocol', async (t) => {
  const group = new ClassicGroup('g', 0);
  t.true(group.supports('consumer', protocols('range')));
  t.true(group.supports('connect', protocols('sessioned', 'default')));
});

test('an empty protocol type or an empty protocol list is never supported', async (t) => {
  t.false(new ClassicGroup('g', 0).supports('', protocols('range')));
  t.false(new ClassicGroup('g', 0).supports('consumer', []));
  const group = groupOf('consumer', member('a', ['range']));
  t.false(group.supports('', protocols('range')));
  t.false(group.supports('consumer', []));
});

test('a joiner with another protocol type is not supported', async (t) => {
  const group = groupOf('consumer', member('a', ['range']));
  t.false(group.supports('connect', protocols('range')));
  t.true(group.supports('consumer', protocols('range')));
});

test('a joiner must share at least one protocol that every member lists', async (t) => {
  const group = groupOf('consumer', member('a', ['range', 'roundrobin']), member('b', ['roundrobin', 'sticky']));
  t.true(group.supports('consumer', protocols('roundrobin')));
  t.true(group.supports('consumer', protocols('cooperative-sticky', 'roundrobin')));
  // Listed by one member only: not a common protocol.
  t.false(group.supports('consumer', protocols('range')));
  t.false(group.supports('consumer', protocols('sticky')));
  t.false(group.supports('consumer', protocols('cooperative-sticky')));
});

test('candidate protocols are those every member lists, in the first member’s order', async (t) => {
  t.deepEqual(new ClassicGroup('g', 0).candidateProtocols(), []);
  t.deepEqual(groupOf('consumer', member('a', ['range', 'roundrobin'])).candidateProtocols(), ['range', 'roundrobin']);
  t.deepEqual(
    groupOf('consumer', member('a', ['sticky', 'range', 'roundrobin']), member('b', ['roundrobin', 'range']), member('c', ['range', 'x', 'roundrobin'])).candidateProtocols(),
    ['range', 'roundrobin'],
  );
  t.deepEqual(groupOf('consumer', member('a', ['range']), member('b', ['roundrobin'])).candidateProtocols(), []);
});

test('the selected protocol is the one most members prefer among the candidates', async (t) => {
  const group = groupOf(
    'consumer',
    member('a', ['range', 'roundrobin']),
    member('b', ['roundrobin', 'range']),
    member('c', ['roundrobin', 'range']),
  );
  t.is(group.selectProtocol(), 'roundrobin');
});

test('a member’s vote goes to its most preferred candidate, skipping protocols others lack', async (t) => {
  const group = groupOf(
    'consumer',
    // "sticky" is a's favourite but b does not list it, so a votes for range.
    member('a', ['sticky', 'range', 'roundrobin']),
    member('b', ['range', 'roundrobin']),
    member('c', ['roundrobin', 'range', 'sticky']),
  );
  t.deepEqual(group.candidateProtocols(), ['range', 'roundrobin']);
  t.is(group.selectProtocol(), 'range');
});

test('a single member gets its first protocol', async (t) => {
  t.is(groupOf('consumer', member('a', ['cooperative-sticky', 'range'])).selectProtocol(), 'cooperative-sticky');
});

test('the selected protocol is always a candidate, even when another is more preferred by some', async (t) => {
  // Votes: a → y, b → z, c → y, d → z, e → z (x is no candidate: b and c lack it).
  const group = groupOf('consumer', member('a', ['x', 'y', 'z']), member('b', ['z', 'y']), member('c', ['y', 'z']), member('d', ['z', 'x', 'y']), member('e', ['z', 'y', 'x']));
  t.deepEqual(group.candidateProtocols(), ['y', 'z']);
  t.is(group.selectProtocol(), 'z');
});

test('a group with no common protocol selects nothing', async (t) => {
  t.is(groupOf('consumer', member('a', ['range']), member('b', ['roundrobin'])).selectProtocol(), '');
  t.is(new ClassicGroup('g', 0).selectProtocol(), '');
});

test('a member’s metadata is the one it sent for the selected protocol', async (t) => {
  const a = member('a', ['range', 'roundrobin']);
  const group = groupOf('consumer', a);
  group.protocol = 'roundrobin';
  t.deepEqual(group.metadataFor(a), Buffer.from('meta-roundrobin'));
  group.protocol = 'sticky';
  t.deepEqual(group.metadataFor(a), EMPTY_BYTES);
});

test('all members have joined when each has a join waiting and no member id is pending', async (t) => {
  const waiting = (): void => undefined;
  const a = member('a', ['range'], { awaitingJoin: waiting });
  const b = member('b', ['range']);
  const group = groupOf('consumer', a, b);
  t.false(group.allMembersJoined());
  b.awaitingJoin = waiting;
  t.true(group.allMembersJoined());
  const timer = setTimeout(() => undefined, 0);
  clearTimeout(timer);
  group.pendingMembers.set('c', timer);
  t.false(group.allMembersJoined());
});

test('the rebalance timeout is the longest of the members’', async (t) => {
  t.is(new ClassicGroup('g', 0).rebalanceTimeoutMs(), 0);
  const group = groupOf('consumer', member('a', ['range'], { rebalanceTimeoutMs: 5000 }), member('b', ['range'], { rebalanceTimeoutMs: 90_000 }), member('c', ['range'], { rebalanceTimeoutMs: 100 }));
  t.is(group.rebalanceTimeoutMs(), 90_000);
});

test('offset slots tell topic and partition apart', async (t) => {
  const group = new ClassicGroup('g', 0);
  t.not(group.offsetKey('a', 11), group.offsetKey('a1', 1));
  t.not(group.offsetKey('t', 1), group.offsetKey('t', 10));
  t.is(group.offsetKey('t', 1), group.offsetKey('t', 1));
});
