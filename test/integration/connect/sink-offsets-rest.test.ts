import test from 'ava';
import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import { Admin, Consumer, Producer } from '../../../client/index.ts';
import { systemScheduler } from '../../../core/base/index.ts';
import { KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig, startRestServer } from '../../../connect/runtime/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { collected, collectingSink, countingSource } from './test-connectors.ts';

const logger = pino({ level: 'silent' });

async function startWorker(t: ExecutionContext, bootstrap: string, policy: 'All' | 'None' = 'All'): Promise<string> {
  const config = resolveWorkerConfig({ bootstrapServers: bootstrap, offsetFlushIntervalMs: 100, offsetStoragePartitions: 2, statusStoragePartitions: 2, connectorClientConfigOverridePolicy: policy,
    // Each policy its own Connect cluster: a standalone worker runs every connector of its topics.
    configStorageTopic: `configs-${policy}`,
    offsetStorageTopic: `offsets-${policy}`,
    statusStorageTopic: `status-${policy}`,
  });
  const herder = await StandaloneHerder.start({
    config,
    connectorPlugins: [collectingSink, countingSource],
    logs: new KafkaTopicLogFactory({ bootstrapServers: bootstrap, clientId: 'test-connect', replicationFactor: -1, scheduler: systemScheduler, logger }),
    scheduler: systemScheduler,
    logger,
    version: 'test',
  });
  const server = await startRestServer(herder, { port: 0 });
  t.teardown(async () => {
    await server.close();
    await herder.close();
  });
  return `http://127.0.0.1:${server.port}`;
}

async function http(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

interface Offsets {
  offsets: { partition: { kafka_topic: string; kafka_partition: number }; offset: { kafka_offset: number } }[];
}

const byPartition = (o: Offsets): Record<number, number> => Object.fromEntries(o.offsets.map((e) => [e.partition.kafka_partition, e.offset.kafka_offset]));

test.serial('PATCH offsets with "offset": null resets one partition of a sink connector; it reads that partition again', async (t) => {
  collected.values = [];
  const broker = await startTestBroker(t);
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  await admin.connect();
  await admin.createTopics([{ topic: 'in', numPartitions: 2 }]);
  await admin.close();
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  await producer.connect();
  for (const [partition, value] of [[0, 'a0'], [0, 'a1'], [0, 'a2'], [1, 'b0'], [1, 'b1']] as const) await producer.send({ topic: 'in', partition, value: Buffer.from(value) });
  await producer.close();

  const url = await startWorker(t, broker.bootstrap);
  const converter = 'org.apache.kafka.connect.storage.StringConverter';
  t.is((await http(`${url}/connectors`, 'POST', { name: 'collector', config: { 'connector.class': 'test-collecting-sink', topics: 'in', 'value.converter': converter } })).status, 201);
  await waitFor(() => collected.values.length >= 5, { timeoutMs: 20_000, describe: () => `sink saw ${JSON.stringify(collected.values)}` });
  await pollUntil(
    async () => (await http(`${url}/connectors/collector/offsets`, 'GET')).body as Offsets,
    (o) => JSON.stringify(byPartition(o)) === JSON.stringify({ 0: 3, 1: 2 }),
    'both partitions committed',
  );

  // Offsets change only while the connector is stopped.
  const refused = await http(`${url}/connectors/collector/offsets`, 'PATCH', { offsets: [{ partition: { kafka_topic: 'in', kafka_partition: 0 }, offset: null }] });
  t.is(refused.status, 400);
  t.is((await http(`${url}/connectors/collector/stop`, 'PUT')).status, 204);
  await pollUntil(
    async () => (await http(`${url}/connectors/collector/status`, 'GET')).body as { connector: { state: string } },
    (s) => s.connector.state === 'STOPPED',
    'collector STOPPED',
  );
  const reset = await http(`${url}/connectors/collector/offsets`, 'PATCH', { offsets: [{ partition: { kafka_topic: 'in', kafka_partition: 0 }, offset: null }] });
  t.deepEqual(reset, { status: 200, body: { message: 'The offsets for this connector have been altered successfully' } });
  const after = (await http(`${url}/connectors/collector/offsets`, 'GET')).body as Offsets;
  t.deepEqual(byPartition(after), { 1: 2 });

  // Resumed, the sink starts partition 0 over (its reset policy, earliest) and partition 1 where it was.
  t.is((await http(`${url}/connectors/collector/resume`, 'PUT')).status, 202);
  await waitFor(() => collected.values.length >= 8, { timeoutMs: 20_000, describe: () => `sink saw ${JSON.stringify(collected.values)}` });
  t.deepEqual(collected.values.slice(5).sort(), ['a0', 'a1', 'a2']);
});

test.serial('producer.override.* settings are checked when the connector is written, as the worker policy allows', async (t) => {
  const broker = await startTestBroker(t);
  const url = await startWorker(t, broker.bootstrap);
  const base = { 'connector.class': 'CountingSource', topic: 'counted', limit: '3' };
  const created = await http(`${url}/connectors`, 'POST', { name: 'tuned', config: { ...base, 'producer.override.linger.ms': '20', 'producer.override.compression.type': 'gzip' } });
  t.is(created.status, 201, JSON.stringify(created.body));
  const unknown = await http(`${url}/connectors`, 'POST', { name: 'odd', config: { ...base, 'producer.override.no.such.setting': '1' } });
  t.is(unknown.status, 400);
  t.regex((unknown.body as { message: string }).message, /producer\.override\.no\.such\.setting/);
  const badValue = await http(`${url}/connectors`, 'POST', { name: 'odd', config: { ...base, 'producer.override.linger.ms': 'soon' } });
  t.is(badValue.status, 400);
  await pollUntil(
    async () => (await http(`${url}/connectors/tuned/offsets`, 'GET')).body as { offsets: { offset: { n: number } }[] },
    (o) => o.offsets[0]?.offset.n === 2,
    'the tuned source produced everything',
  );

  const strict = await startWorker(t, broker.bootstrap, 'None');
  const refused = await http(`${strict}/connectors`, 'POST', { name: 'tuned-2', config: { ...base, 'producer.override.linger.ms': '20' } });
  t.is(refused.status, 400);
  t.regex((refused.body as { message: string }).message, /connector\.client\.config\.override\.policy \(None\)/);
});

test.serial('a sink connector\'s offsets do not change while its consumer group still has members: 409, then 200 once they left', async (t) => {
  collected.values = [];
  const broker = await startTestBroker(t);
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  await admin.connect();
  t.teardown(() => admin.close());
  await admin.createTopics([{ topic: 'guarded', numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  await producer.connect();
  await producer.send({ topic: 'guarded', value: Buffer.from('g0') });
  await producer.close();

  const url = await startWorker(t, broker.bootstrap);
  const converter = 'org.apache.kafka.connect.storage.StringConverter';
  t.is((await http(`${url}/connectors`, 'POST', { name: 'guarded-sink', config: { 'connector.class': 'test-collecting-sink', topics: 'guarded', 'value.converter': converter } })).status, 201);
  await waitFor(() => collected.values.length >= 1, { timeoutMs: 20_000, describe: () => `sink saw ${JSON.stringify(collected.values)}` });
  t.is((await http(`${url}/connectors/guarded-sink/stop`, 'PUT')).status, 204);
  await pollUntil(
    async () => (await http(`${url}/connectors/guarded-sink/status`, 'GET')).body as { connector: { state: string }; tasks: unknown[] },
    (s) => s.connector.state === 'STOPPED' && s.tasks.length === 0,
    'guarded-sink STOPPED',
  );

  // A consumer still in the group, as a task that has not finished stopping (or a zombie worker's).
  const straggler = new Consumer({ bootstrapServers: broker.bootstrap, groupId: 'connect-guarded-sink' });
  await straggler.connect();
  straggler.subscribe(['guarded']);
  await pollUntil(() => admin.describeGroups(['connect-guarded-sink']), ([g]) => (g?.members.length ?? 0) > 0, 'the straggler in the group');
  const body = { offsets: [{ partition: { kafka_topic: 'guarded', kafka_partition: 0 }, offset: { kafka_offset: 0 } }] };
  for (const [method, payload] of [['DELETE', undefined], ['PATCH', body]] as const) {
    const refused = await http(`${url}/connectors/guarded-sink/offsets`, method, payload);
    t.is(refused.status, 409, `${method}: ${JSON.stringify(refused.body)}`);
    t.regex((refused.body as { message: string }).message, /connect-guarded-sink .* still has 1 active member/);
  }

  await straggler.close();
  await pollUntil(() => admin.describeGroups(['connect-guarded-sink']), ([g]) => g?.state === 'Empty', 'the straggler gone');
  const altered = await http(`${url}/connectors/guarded-sink/offsets`, 'PATCH', body);
  t.is(altered.status, 200, JSON.stringify(altered.body));
  t.is((await http(`${url}/connectors/guarded-sink/offsets`, 'DELETE')).status, 200);
});
