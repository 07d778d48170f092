import test from 'ava';
import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import { Consumer, Producer } from '../../../client/index.ts';
import type { ConsumerRecord } from '../../../client/index.ts';
import { systemScheduler } from '../../../core/base/index.ts';
import { KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig } from '../../../connect/runtime/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { HerderError } from '../../../connect/runtime/index.ts';
import { collected, collectingSink, countingSource, flaky, flakySource } from './test-connectors.ts';

const logger = pino({ level: 'silent' });

async function startHerder(t: ExecutionContext, bootstrap: string): Promise<StandaloneHerder> {
  const config = resolveWorkerConfig({ bootstrapServers: bootstrap, offsetFlushIntervalMs: 100, offsetStoragePartitions: 3, statusStoragePartitions: 2, taskRestartInitialBackoffMs: 50 });
  const herder = await StandaloneHerder.start({
    config,
    connectorPlugins: [countingSource, collectingSink, flakySource],
    logs: new KafkaTopicLogFactory({ bootstrapServers: bootstrap, clientId: 'test-connect', replicationFactor: -1, scheduler: systemScheduler, logger }),
    scheduler: systemScheduler,
    logger,
    version: 'test',
  });
  t.teardown(() => herder.close());
  return herder;
}

async function readTopic(bootstrap: string, topic: string, count: number): Promise<(ConsumerRecord & { partition: number })[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest' });
  await consumer.connect();
  try {
    const partitions = await consumer.partitionsFor(topic);
    await consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 0n })));
    const out: (ConsumerRecord & { partition: number })[] = [];
    for await (const batch of consumer) {
      for (const r of batch.records) out.push({ ...r, partition: batch.partition });
      if (out.length >= count) break;
    }
    return out;
  } finally {
    await consumer.close();
  }
}

test.serial('source records flow to a topic and a sink reads them back', async (t) => {
  collected.values = [];
  const broker = await startTestBroker(t);
  const herder = await startHerder(t, broker.bootstrap);
  await herder.createConnector('counter', { 'connector.class': 'CountingSource', topic: 'numbers', limit: '6', 'value.converter.schemas.enable': 'false' });
  await herder.createConnector('collector', { 'connector.class': 'test-collecting-sink', topics: 'numbers', 'value.converter.schemas.enable': 'false' });
  await waitFor(() => collected.values.length >= 6, { timeoutMs: 20_000, describe: () => `sink saw ${JSON.stringify(collected.values)}` });
  // Schemaless JSON integers come back as numbers.
  t.deepEqual([...collected.values].sort(), [0, 1, 2, 3, 4, 5]);
  const records = await readTopic(broker.bootstrap, 'numbers', 6);
  // Keys keep the default schema envelope of the JsonConverter.
  t.is(records[0]!.key?.toString(), '{"schema":{"type":"string","optional":false},"payload":"k0"}');
  const status = await pollUntil(() => herder.connectorStatus('collector'), (s) => s.tasks[0]?.state === 'RUNNING', 'collector running');
  t.is(status.connector.state, 'RUNNING');
  t.is(status.type, 'sink');
  const topics = await pollUntil(() => herder.connectorActiveTopics('counter'), (a) => a['counter']!.topics.length > 0, 'topic tracked');
  t.deepEqual(topics, { counter: { topics: ['numbers'] } });
});

test.serial('source offsets survive a worker restart: nothing is produced twice', async (t) => {
  const broker = await startTestBroker(t);
  const first = await startHerder(t, broker.bootstrap);
  await first.createConnector('counter', { 'connector.class': 'CountingSource', topic: 'restarted', limit: '5' });
  await pollUntil(() => first.connectorOffsets('counter'), (o) => JSON.stringify(o.offsets[0]?.offset) === '{"n":4}', 'offsets stored');
  await first.close();

  const second = await startHerder(t, broker.bootstrap);
  // The config came back from connect-configs; raise the limit so it produces more.
  t.deepEqual(await second.connectors(), ['counter']);
  await second.patchConnectorConfig('counter', { limit: '9' });
  await pollUntil(() => second.connectorOffsets('counter'), (o) => JSON.stringify(o.offsets[0]?.offset) === '{"n":8}', 'offsets stored after restart');
  const records = await readTopic(broker.bootstrap, 'restarted', 9);
  const values = records.map((r) => (JSON.parse(r.value!.toString()) as { payload: number }).payload).sort((a, b) => a - b);
  t.deepEqual(values, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test.serial('a sink task that throws sends the record to the dead letter queue and keeps going', async (t) => {
  collected.values = [];
  const broker = await startTestBroker(t);
  const herder = await startHerder(t, broker.bootstrap);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  t.teardown(() => producer.close());
  await producer.connect();
  for (const value of ['a', 'bad', 'c']) await producer.send({ topic: 'input', key: null, value });
  await herder.createConnector('collector', {
    'connector.class': 'test-collecting-sink',
    topics: 'input',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'errors.tolerance': 'all',
    'errors.deadletterqueue.topic.name': 'dlq',
    'errors.deadletterqueue.context.headers.enable': 'true',
  });
  await waitFor(() => collected.values.length >= 2, { timeoutMs: 20_000, describe: () => `sink saw ${JSON.stringify(collected.values)}` });
  t.deepEqual(collected.values, ['a', 'c']);
  const [dead] = await readTopic(broker.bootstrap, 'dlq', 1);
  t.is(dead!.value?.toString(), 'bad');
  const header = (name: string): string | undefined => dead!.headers.find((h) => h.key === name)?.value?.toString();
  t.is(header('__connect.errors.stage'), 'TASK_PUT');
  t.is(header('__connect.errors.topic'), 'input');
  t.is(header('__connect.errors.offset'), '1');
  t.is(header('__connect.errors.connector.name'), 'collector');
  t.is(header('__connect.errors.exception.message'), 'cannot write "bad"');
  const status = await herder.connectorStatus('collector');
  t.is(status.tasks[0]?.state, 'RUNNING');
});

test.serial('the herder answers with Kafka Connect\'s errors and states', async (t) => {
  const broker = await startTestBroker(t);
  const herder = await startHerder(t, broker.bootstrap);
  const status = (e: unknown): number => (e instanceof HerderError ? e.status : 0);
  t.is(status(await t.throwsAsync(herder.connectorStatus('nope'))), 404);
  t.is(status(await t.throwsAsync(herder.createConnector('c', { 'connector.class': 'CountingSource' }))), 400);
  const info = await herder.createConnector('c', { 'connector.class': 'CountingSource', topic: 'x', limit: 2 }, 'STOPPED');
  t.deepEqual(info, { name: 'c', config: { 'connector.class': 'CountingSource', topic: 'x', limit: '2', name: 'c' }, tasks: [], type: 'source' });
  t.is(status(await t.throwsAsync(herder.createConnector('c', { 'connector.class': 'CountingSource', topic: 'x' }))), 409);
  t.is(status(await t.throwsAsync(herder.putConnectorConfig('c', { name: 'other', 'connector.class': 'CountingSource', topic: 'x' }))), 400);
  await pollUntil(() => herder.connectorStatus('c'), (s) => s.connector.state === 'STOPPED', 'stopped');
  // Offsets can be changed only while STOPPED.
  await herder.alterConnectorOffsets('c', { offsets: [{ partition: { source: 'counter' }, offset: { n: 0 } }] });
  t.deepEqual(await herder.connectorOffsets('c'), { offsets: [{ partition: { source: 'counter' }, offset: { n: 0 } }] });
  await herder.resumeConnector('c');
  const running = await pollUntil(() => herder.connectorStatus('c'), (s) => s.tasks[0]?.state === 'RUNNING', 'running');
  t.is(running.connector.state, 'RUNNING');
  t.is(status(await t.throwsAsync(herder.resetConnectorOffsets('c'))), 400);
  await herder.pauseConnector('c');
  await pollUntil(() => herder.connectorStatus('c'), (s) => s.connector.state === 'PAUSED' && s.tasks[0]?.state === 'PAUSED', 'paused');
  t.is(status(await t.throwsAsync(herder.taskStatus('c', 5))), 404);
  await herder.deleteConnector('c');
  t.deepEqual(await herder.connectors(), []);
  t.is(status(await t.throwsAsync(herder.connectorInfo('c'))), 404);
});

test.serial('a task that fails is restarted automatically after a backoff', async (t) => {
  flaky.starts = 0;
  const broker = await startTestBroker(t);
  const herder = await startHerder(t, broker.bootstrap);
  await herder.createConnector('flaky', { 'connector.class': 'test-flaky-source', topic: 'flaky', limit: 3 });
  await pollUntil(() => herder.connectorOffsets('flaky'), (o) => JSON.stringify(o.offsets[0]?.offset) === '{"n":2}', 'records after the restart');
  t.is(flaky.starts, 2);
  t.is((await herder.connectorStatus('flaky')).tasks[0]?.state, 'RUNNING');
});
