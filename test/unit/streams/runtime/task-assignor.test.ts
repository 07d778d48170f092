import test from 'ava';
import type { GroupMember } from '../../../../client/index.ts';
import {
  EMPTY_SUBSCRIPTION_INFO,
  decodeSubscriptionInfo,
  encodeSubscriptionInfo,
  placeActiveTasks,
  taskAssignor,
} from '../../../../streams/runtime/task-assignor.ts';
import type { PlacementClient, StreamsSubscriptionInfo } from '../../../../streams/runtime/task-assignor.ts';
import { TopicRouter } from '../../../../streams/runtime/topic-router.ts';

const info = (over: Partial<StreamsSubscriptionInfo> = {}): StreamsSubscriptionInfo => ({ ...EMPTY_SUBSCRIPTION_INFO, ...over });
const client = (id: string, over: Partial<StreamsSubscriptionInfo> = {}): PlacementClient => ({ id, info: info(over) });
const tasks = (n: number, subtopology = 0): string[] => Array.from({ length: n }, (_, p) => `${subtopology}_${p}`);

/** Client id → its tasks, sorted, from a task → client map. */
function byClient(owners: ReadonlyMap<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [task, owner] of owners) (out[owner] ??= []).push(task);
  for (const list of Object.values(out)) list.sort();
  return out;
}

test('subscription info round-trips: server, previous actives and positions as bigints', (t) => {
  const sent = info({ applicationServer: 'host-a:7001', previousActive: ['0_1', '1_0'], taskPositions: new Map([['0_0', 9_007_199_254_740_993n]]) });
  const read = decodeSubscriptionInfo(encodeSubscriptionInfo(sent));
  t.is(read.applicationServer, 'host-a:7001');
  t.deepEqual(read.previousActive, ['0_1', '1_0']);
  t.deepEqual([...read.taskPositions], [['0_0', 9_007_199_254_740_993n]]);
});

test('subscription info from a bare host:port, nothing, or garbage reads as no local state and never throws', (t) => {
  t.is(decodeSubscriptionInfo(Buffer.from('host-b:7002')).applicationServer, 'host-b:7002');
  t.deepEqual(decodeSubscriptionInfo(null), EMPTY_SUBSCRIPTION_INFO);
  t.deepEqual(decodeSubscriptionInfo(Buffer.from('{not json')), EMPTY_SUBSCRIPTION_INFO);
  const odd = decodeSubscriptionInfo(Buffer.from(JSON.stringify({ server: 7, active: ['0_1', 'x', 3], positions: { '0_2': '12', '0_3': -1, bad: '4', '0_4': '1e9' } })));
  t.is(odd.applicationServer, undefined);
  t.deepEqual(odd.previousActive, ['0_1']);
  t.deepEqual([...odd.taskPositions], [['0_2', 12n]]);
});

test('with no history, tasks are dealt round-robin in client order', (t) => {
  const owners = placeActiveTasks(tasks(5), [client('a'), client('b')]);
  t.deepEqual(byClient(owners), { a: ['0_0', '0_2', '0_4'], b: ['0_1', '0_3'] });
});

test('sticky: each task stays with the client that ran it, and a newcomer gets a balanced share', (t) => {
  // a ran all four; b joins: a keeps two of them, b takes the other two, nothing else moves.
  const owners = placeActiveTasks(tasks(4), [client('a', { previousActive: tasks(4) }), client('b')]);
  t.deepEqual(byClient(owners), { a: ['0_0', '0_1'], b: ['0_2', '0_3'] });
  // An order that round-robin would not give: a had 0_1 and 0_3, b had 0_0 and 0_2.
  const kept = placeActiveTasks(tasks(4), [client('a', { previousActive: ['0_1', '0_3'] }), client('b', { previousActive: ['0_0', '0_2'] }), client('c')]);
  const counts = Object.values(byClient(kept)).map((l) => l.length).sort();
  t.deepEqual(counts, [1, 1, 2], 'balanced: at most one task more than any other client');
  for (const [task, owner] of kept) if (owner !== 'c') t.true(['0_1', '0_3'].includes(task) ? owner === 'a' : owner === 'b', `${task} stayed on its previous owner`);
});

test('a task whose owner left goes to the client with the most caught-up standby copy', (t) => {
  const clients = [client('a', { previousActive: ['0_0'], taskPositions: new Map([['0_1', 40n]]) }), client('b', { previousActive: ['0_2'] }), client('c', { taskPositions: new Map([['0_1', 900n]]) })];
  const owners = placeActiveTasks(tasks(3), clients);
  t.is(owners.get('0_0'), 'a');
  t.is(owners.get('0_2'), 'b');
  t.is(owners.get('0_1'), 'c', 'c read 900 of the changelog, a only 40');
});

test('stickiness never breaks balance: a client claiming every task keeps only its share', (t) => {
  const clients = [client('a', { previousActive: tasks(6) }), client('b', { previousActive: tasks(6) }), client('c')];
  const owners = placeActiveTasks(tasks(6), clients);
  t.deepEqual(Object.values(byClient(owners)).map((l) => l.length), [2, 2, 2]);
});

const router = new TopicRouter([
  { id: 0, sourceTopics: ['orders'], sourcePatterns: [], repartitionSourceTopics: [], sinkTopics: [] },
  { id: 1, sourceTopics: ['app-by-user-repartition'], sourcePatterns: [], repartitionSourceTopics: ['app-by-user-repartition'], sinkTopics: [] },
]);

function member(memberId: string, userData: StreamsSubscriptionInfo): GroupMember {
  return {
    memberId,
    groupInstanceId: null,
    subscription: { version: 0, topics: ['orders', 'app-by-user-repartition'], userData: encodeSubscriptionInfo(userData), ownedPartitions: [], generationId: -1, rackId: null },
  };
}

test('the assignor gives whole tasks partition-major, and keeps them where they ran', (t) => {
  const counts = new Map([
    ['orders', 2],
    ['app-by-user-repartition', 3],
  ]);
  const assignor = taskAssignor(router, () => info({ applicationServer: 'h:1' }));
  t.is(decodeSubscriptionInfo(assignor.userData!()).applicationServer, 'h:1');
  const fresh = assignor.assign([member('m-b', info()), member('m-a', info())], counts);
  // Tasks in order 0_0 1_0 0_1 1_1 1_2, dealt to m-a, m-b, m-a, m-b, m-a.
  t.deepEqual([...fresh.get('m-a')!].sort(), [['app-by-user-repartition', [2]], ['orders', [0, 1]]].sort());
  t.deepEqual([...fresh.get('m-b')!].sort(), [['app-by-user-repartition', [0, 1]]]);
  // m-a ran 0_1 and 1_1 before: a newcomer m-0 (first in member order) does not take them.
  const sticky = assignor.assign([member('m-0', info()), member('m-a', info({ previousActive: ['0_1', '1_1'] }))], counts);
  t.deepEqual([...sticky.get('m-a')!].sort(), [['app-by-user-repartition', [1]], ['orders', [1]]].sort());
  t.deepEqual([...sticky.get('m-0')!].sort(), [['app-by-user-repartition', [0, 2]], ['orders', [0]]].sort());
});
