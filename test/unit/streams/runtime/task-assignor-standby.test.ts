import test from 'ava';
import type { GroupDescription } from '../../../../client/index.ts';
import { encodeConsumerAssignment, encodeConsumerSubscription } from '../../../../client/internal.ts';
import { formatTaskId } from '../../../../streams/index.ts';
import { describeGroupTasks, placeStandbyTasks, standbyHosts } from '../../../../streams/runtime/standby-placement.ts';
import { EMPTY_SUBSCRIPTION_INFO, encodeSubscriptionInfo, placeActiveTasks } from '../../../../streams/runtime/task-assignor.ts';
import type { PlacementClient, StreamsSubscriptionInfo } from '../../../../streams/runtime/task-assignor.ts';
import { TopicRouter } from '../../../../streams/runtime/topic-router.ts';

const client = (id: string, over: Partial<StreamsSubscriptionInfo> = {}): PlacementClient => ({ id, info: { ...EMPTY_SUBSCRIPTION_INFO, ...over } });
const tasks = (n: number): string[] => Array.from({ length: n }, (_, p) => `0_${p}`);

/** Every task's holders (active first), and each client's load, for the invariants. */
function holders(active: ReadonlyMap<string, string>, standbys: ReadonlyMap<string, string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>([...active].map(([task, owner]) => [task, [owner]]));
  for (const [id, list] of standbys) for (const task of list) out.get(task)!.push(id);
  return out;
}

test('one instance: no standbys, whatever numStandbyReplicas says', (t) => {
  const clients = [client('a')];
  const standbys = placeStandbyTasks(tasks(4), placeActiveTasks(tasks(4), clients), clients, 2);
  t.deepEqual([...standbys], [['a', []]]);
});

test('replicas 0: no standbys', (t) => {
  const clients = [client('a'), client('b')];
  const standbys = placeStandbyTasks(tasks(2), placeActiveTasks(tasks(2), clients), clients, 0);
  t.deepEqual([...standbys], [['a', []], ['b', []]]);
});

test('two instances, one replica: each keeps a standby of the other one’s task, never of its own', (t) => {
  const clients = [client('a'), client('b')];
  const active = placeActiveTasks(tasks(2), clients);
  t.deepEqual([...active], [['0_0', 'a'], ['0_1', 'b']]);
  t.deepEqual([...placeStandbyTasks(tasks(2), active, clients, 1)], [['a', ['0_1']], ['b', ['0_0']]]);
});

test('more replicas than other instances: one copy per other instance, no more', (t) => {
  const clients = [client('a'), client('b'), client('c')];
  const active = placeActiveTasks(tasks(3), clients);
  const all = holders(active, placeStandbyTasks(tasks(3), active, clients, 5));
  for (const [task, list] of all) t.deepEqual([...list].sort(), ['a', 'b', 'c'], `${task} on every instance, once`);
});

test('N instances > replicas + 1: exact copy counts, distinct holders, balanced standby load', (t) => {
  const clients = ['a', 'b', 'c', 'd', 'e'].map((id) => client(id));
  const active = placeActiveTasks(tasks(10), clients);
  const standbys = placeStandbyTasks(tasks(10), active, clients, 2);
  for (const [task, list] of holders(active, standbys)) {
    t.is(list.length, 3, `${task}: one active and two standbys`);
    t.is(new Set(list).size, 3, `${task}: on three different instances`);
  }
  t.deepEqual([...standbys.values()].map((l) => l.length), [4, 4, 4, 4, 4], 'twenty standbys spread four per instance');
});

test('a standby prefers, among equally loaded instances, the one whose copy is furthest along', (t) => {
  const clients = [client('a'), client('b'), client('c', { taskPositions: new Map([['0_0', 500n]]) })];
  const active = new Map([['0_0', 'a']]);
  t.deepEqual(placeStandbyTasks(['0_0'], active, clients, 1).get('c'), ['0_0']);
});

test('invariants hold for many shapes: never with the active, never twice, min(replicas, N-1) copies', (t) => {
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    const n = 1 + random(6);
    const replicas = random(4);
    const count = random(13);
    const clients = Array.from({ length: n }, (_, i) => client(`m${i}`, { previousActive: random(2) === 0 ? [`0_${random(13)}`] : [], taskPositions: new Map([[`0_${random(13)}`, BigInt(random(1000))]]) }));
    const active = placeActiveTasks(tasks(count), clients);
    const loads = [...clients].map((c) => [...active.values()].filter((o) => o === c.id).length);
    t.true(Math.max(...loads) - Math.min(...loads) <= 1, `round ${round}: actives balanced ${loads.join(',')}`);
    const standbys = placeStandbyTasks(tasks(count), active, clients, replicas);
    for (const [task, list] of holders(active, standbys)) {
      t.is(new Set(list).size, list.length, `round ${round}: ${task} never twice on one instance`);
      t.is(list.length, 1 + Math.min(replicas, n - 1), `round ${round}: ${task} copies`);
    }
  }
});

const router = new TopicRouter([
  { id: 0, sourceTopics: ['clicks'], sourcePatterns: [], repartitionSourceTopics: [], sinkTopics: [] },
  { id: 1, sourceTopics: ['views'], sourcePatterns: [], repartitionSourceTopics: [], sinkTopics: [] },
]);

function describedMember(memberId: string, server: string, assigned: { topic: string; partitions: number[] }[]) {
  const metadata = encodeConsumerSubscription({ topics: ['clicks', 'views'], userData: encodeSubscriptionInfo({ ...EMPTY_SUBSCRIPTION_INFO, applicationServer: server }) });
  const assignment = encodeConsumerAssignment({ topics: assigned });
  return { memberId, groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', assignment: { version: 0, topics: assigned, userData: null }, memberMetadata: metadata, memberAssignment: assignment };
}

test('every instance reads the same standby placement from the group description; stateless sub-topologies get none', (t) => {
  const group: GroupDescription = {
    groupId: 'app',
    state: 'Stable',
    protocolType: 'consumer',
    protocol: 'brook-streams',
    coordinator: 0,
    members: [
      describedMember('m-b', 'host-b:2', [
        { topic: 'clicks', partitions: [1] },
        { topic: 'views', partitions: [1] },
      ]),
      describedMember('m-a', 'host-a:1', [
        { topic: 'clicks', partitions: [0] },
        { topic: 'views', partitions: [0] },
      ]),
    ],
  };
  // Sub-topology 0 (clicks) has stores; 1 (views) does not.
  const map = describeGroupTasks(group, router, new Set([0]), 1);
  t.deepEqual([...map.active].sort(), [['0_0', 'm-a'], ['0_1', 'm-b'], ['1_0', 'm-a'], ['1_1', 'm-b']]);
  t.deepEqual(map.standby.get('m-a')!.map(formatTaskId), ['0_1']);
  t.deepEqual(map.standby.get('m-b')!.map(formatTaskId), ['0_0']);
  t.deepEqual([...standbyHosts(map)].sort(), [['0_0', [{ host: 'host-b', port: 2 }]], ['0_1', [{ host: 'host-a', port: 1 }]]]);
  const reversed = describeGroupTasks({ ...group, members: [...group.members].reverse() }, router, new Set([0]), 1);
  t.deepEqual([...reversed.standby], [...map.standby], 'the order members are listed in changes nothing');
});
