import test from 'ava';
import { pino } from 'pino';
import { ConfigStore } from '../../../../../connect/runtime/storage/config-store.ts';
import type { ConfigListener } from '../../../../../connect/runtime/storage/config-store.ts';
import { MemoryTopicLogFactory } from '../../../../../connect/runtime/storage/memory-topic-log.ts';
import { OffsetStore } from '../../../../../connect/runtime/storage/offset-store.ts';
import { StatusStore } from '../../../../../connect/runtime/storage/status-store.ts';

const logger = pino({ level: 'silent' });
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

function listener(): ConfigListener & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    connectorConfigUpdated: (n) => events.push(`config ${n}`),
    connectorRemoved: (n) => events.push(`removed ${n}`),
    taskConfigsUpdated: (n) => events.push(`tasks ${n}`),
    targetStateChanged: (n) => events.push(`target ${n}`),
    restartRequested: (n, r) => events.push(`restart ${n} onlyFailed=${r.onlyFailed} includeTasks=${r.includeTasks}`),
  };
}

test('the config store replays what it wrote: a new store on the same topic has the same state', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const first = new ConfigStore(logs.open('connect-configs', 1), logger);
  const events = listener();
  await first.start(events);
  await first.putConnectorConfig('my-conn', { name: 'my-conn', 'connector.class': 'x' }, 'PAUSED');
  await first.putTaskConfigs('my-conn', [{ a: 1 }, { a: 2 }]);
  await first.putConnectorConfig('gone', { name: 'gone' });
  await first.removeConnectorConfig('gone');
  // The target state comes first, before its connector exists: the config event covers it.
  t.deepEqual(events.events, ['config my-conn', 'tasks my-conn', 'config gone', 'removed gone']);

  const second = new ConfigStore(logs.open('connect-configs', 1), logger);
  await second.start();
  t.deepEqual(second.connectors(), ['my-conn']);
  t.deepEqual(second.connectorConfig('my-conn'), { name: 'my-conn', 'connector.class': 'x' });
  t.is(second.targetState('my-conn'), 'PAUSED');
  t.deepEqual(second.taskConfigs('my-conn'), [{ a: 1 }, { a: 2 }]);
});

test('task configs become visible only with their commit record, as Kafka\'s; STOPPED is written for older readers too', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const store = new ConfigStore(logs.open('c', 1), logger);
  await store.start();
  // Records as a Kafka worker writes them; the connector's name contains dashes.
  store.replay({ key: 'connector-a-b', value: json({ properties: { name: 'a-b' } }), partition: 0, offset: 0n });
  store.replay({ key: 'task-a-b-0', value: json({ properties: { x: '1' } }), partition: 0, offset: 1n });
  t.deepEqual(store.taskConfigs('a-b'), []);
  store.replay({ key: 'commit-a-b', value: json({ tasks: 1 }), partition: 0, offset: 2n });
  t.deepEqual(store.taskConfigs('a-b'), [{ x: '1' }]);
  store.replay({ key: 'target-state-a-b', value: json({ state: 'PAUSED', 'state.v2': 'STOPPED' }), partition: 0, offset: 3n });
  t.is(store.targetState('a-b'), 'STOPPED');
  await store.putTargetState('a-b', 'STOPPED');
  const written = logs.topics.get('c')!.at(-1)!;
  t.is(written.key, 'target-state-a-b');
  t.is(written.value?.toString(), '{"state":"PAUSED","state.v2":"STOPPED"}');
});

test('a task config commit of a connector with no config is ignored: a new connector of that name starts without them', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const log = logs.open('connect-configs', 1);
  await log.start(() => undefined);
  // What compaction leaves of a deleted connector: its task configs and commit outlive the tombstone.
  await log.send('task-x-0', json({ properties: { file: '/old/path' } }));
  await log.send('commit-x', json({ tasks: 1 }));
  const store = new ConfigStore(logs.open('connect-configs', 1), logger);
  await store.start();
  t.deepEqual(store.taskConfigs('x'), []);
  await store.putConnectorConfig('x', { name: 'x', 'connector.class': 'FileStreamSource', file: '/new/path' });
  t.deepEqual(store.taskConfigs('x'), []);
  // A later commit with only the count does not pick up the old task config either.
  store.replay({ key: 'commit-x', value: json({ tasks: 1 }), partition: 0, offset: 10n });
  t.deepEqual(store.taskConfigs('x'), []);
  await store.putTaskConfigs('x', [{ file: '/new/path' }]);
  t.deepEqual(store.taskConfigs('x'), [{ file: '/new/path' }]);
});

test('a restart request is written as Kafka\'s restart-connector record and acted on when replayed live', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const store = new ConfigStore(logs.open('c', 1), logger);
  const events = listener();
  await store.start(events);
  await store.putConnectorConfig('a', { name: 'a' });
  await store.putRestartRequest('a', { onlyFailed: true, includeTasks: true });
  const written = logs.topics.get('c')!.at(-1)!;
  t.is(written.key, 'restart-connector-a');
  t.is(written.value?.toString(), '{"only-failed":true,"include-tasks":true}');
  store.replay({ key: 'restart-connector-a', value: json({ 'include-tasks': true }), partition: 0, offset: 10n });
  store.replay({ key: 'restart-connector-unknown', value: json({ 'only-failed': true }), partition: 0, offset: 11n });
  t.deepEqual(events.events, ['config a', 'restart a onlyFailed=true includeTasks=true', 'restart a onlyFailed=false includeTasks=true']);
  // Replayed at start, an old request restarts nothing.
  const later = listener();
  await new ConfigStore(logs.open('c', 1), logger).start(later);
  t.deepEqual(later.events, []);
});

test('a worker of an older generation does not overwrite the new owner\'s status with FAILED or PAUSED; the owner still takes over', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const store = new StatusStore(logs.open('connect-status', 1), logger);
  await store.start();
  const running = { state: 'RUNNING', trace: null, workerId: 'new-owner:8083', generation: 5 } as const;
  await store.putTask('c', 0, running);
  await store.putConnector('c', running);
  await store.readToEnd();
  // The zombie of generation 4 fails, pauses, or shuts down.
  await store.putTask('c', 0, { state: 'FAILED', trace: 'boom', workerId: 'zombie:8083', generation: 4 });
  await store.putConnector('c', { state: 'PAUSED', trace: null, workerId: 'zombie:8083', generation: 4 });
  await store.putTask('c', 0, { state: 'UNASSIGNED', trace: null, workerId: 'zombie:8083', generation: 4 });
  await store.readToEnd();
  t.deepEqual(store.tasks('c').get(0), running);
  t.deepEqual(store.connector('c'), running);
  // The owner's own writes, a newer generation's, and a take-over with RUNNING all go through.
  await store.putTask('c', 0, { ...running, state: 'FAILED', trace: 'own failure' });
  await store.readToEnd();
  t.is(store.tasks('c').get(0)?.state, 'FAILED');
  await store.putConnector('c', { state: 'PAUSED', trace: null, workerId: 'other:8083', generation: 6 });
  await store.readToEnd();
  t.is(store.connector('c')?.workerId, 'other:8083');
  await store.putTask('c', 0, { state: 'RUNNING', trace: null, workerId: 'restarted-cluster:8083', generation: 1 });
  await store.readToEnd();
  t.is(store.tasks('c').get(0)?.workerId, 'restarted-cluster:8083');
});

test('the offset store keys offsets as Kafka does and a tombstone resets a partition', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const store = new OffsetStore(logs.open('connect-offsets', 5), logger);
  await store.start();
  await store.set('files', [{ partition: { filename: '/a' }, offset: { position: 10 } }]);
  t.is(logs.topics.get('connect-offsets')![0]!.key, '["files",{"filename":"/a"}]');
  // A partition written with its keys in another order is the same partition.
  store.replay({ key: '["db",{"b":1,"a":2}]', value: json({ pos: 5 }), partition: 0, offset: 9n });
  t.deepEqual(await store.get('db', { a: 2, b: 1 }), { pos: 5 });

  const restarted = new OffsetStore(logs.open('connect-offsets', 5), logger);
  await restarted.start();
  t.deepEqual(await restarted.get('files', { filename: '/a' }), { position: 10 });
  await restarted.set('files', [{ partition: { filename: '/a' }, offset: null }]);
  t.is(await restarted.get('files', { filename: '/a' }), null);
  t.deepEqual(await restarted.list('files'), []);
});

test('the status store replays statuses and topics, and forgets a deleted connector', async (t) => {
  const logs = new MemoryTopicLogFactory();
  const store = new StatusStore(logs.open('connect-status', 5), logger);
  await store.start();
  await store.putConnector('c', { state: 'RUNNING', trace: null, workerId: 'w:8083', generation: 0 });
  await store.putTask('c', 0, { state: 'FAILED', trace: 'boom', workerId: 'w:8083', generation: 0 });
  await store.putTopic('c', 0, 'orders', 1);
  await store.readToEnd();
  t.is(logs.topics.get('connect-status')![0]!.value?.toString(), '{"state":"RUNNING","trace":null,"worker_id":"w:8083","generation":0}');

  const restarted = new StatusStore(logs.open('connect-status', 5), logger);
  await restarted.start();
  t.like(restarted.connector('c'), { state: 'RUNNING', workerId: 'w:8083' });
  t.like(restarted.tasks('c').get(0), { state: 'FAILED', trace: 'boom' });
  t.deepEqual(restarted.topics('c'), ['orders']);
  await restarted.removeConnector('c', 1);
  await restarted.readToEnd();
  t.is(restarted.connector('c'), undefined);
  t.is(restarted.tasks('c').size, 0);
  t.deepEqual(restarted.topics('c'), []);
});
