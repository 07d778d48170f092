import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { pino } from 'pino';
import { Admin, Producer } from '../../../client/index.ts';
import { systemScheduler } from '../../../core/base/index.ts';
import { KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig } from '../../../connect/runtime/index.ts';
import { fileSinkPlugin } from '../../../connectors/file-sink/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';

const logger = pino({ level: 'silent' });
const STRING_CONVERTER = 'org.apache.kafka.connect.storage.StringConverter';

interface Setup {
  readonly herder: StandaloneHerder;
  readonly admin: Admin;
  readonly send: (topic: string, ...values: string[]) => Promise<void>;
}

async function setUp(t: ExecutionContext): Promise<Setup> {
  const broker = await startTestBroker(t);
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  await admin.connect();
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  await producer.connect();
  const herder = await StandaloneHerder.start({
    config: resolveWorkerConfig({ bootstrapServers: broker.bootstrap, offsetFlushIntervalMs: 100 }),
    connectorPlugins: [fileSinkPlugin],
    logs: new KafkaTopicLogFactory({ bootstrapServers: broker.bootstrap, clientId: 'file-sink-test', replicationFactor: -1, scheduler: systemScheduler, logger }),
    scheduler: systemScheduler,
    logger,
    version: 'test',
  });
  t.teardown(async () => {
    await herder.close();
    await producer.close();
    await admin.close();
  });
  const send = async (topic: string, ...values: string[]): Promise<void> => {
    for (const value of values) await producer.send({ topic, value });
  };
  return { herder, admin, send };
}

function readLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') : [];
}

async function waitForLines(t: ExecutionContext, file: string, expected: readonly string[]): Promise<void> {
  await waitFor(() => JSON.stringify(readLines(file)) === JSON.stringify(expected), { timeoutMs: 20_000, describe: () => `file holds ${JSON.stringify(readLines(file))}, want ${JSON.stringify(expected)}` });
  t.deepEqual(readLines(file), expected);
}

async function stopAndWait(herder: StandaloneHerder, name: string): Promise<void> {
  await herder.stopConnector(name);
  await pollUntil(() => herder.connectorStatus(name), (s) => s.tasks.length === 0, `${name} stopped`);
}

async function resumeAndWait(herder: StandaloneHerder, name: string): Promise<void> {
  await herder.resumeConnector(name);
  await pollUntil(() => herder.connectorStatus(name), (s) => s.tasks[0]?.state === 'RUNNING', `${name} running`);
}

test.serial('records come again after the offsets are reset, and from a recreated topic to a new connector', async (t) => {
  // Made first, removed last: the worker is closed before its directory goes.
  const dir = tempDir(t);
  const { herder, admin, send } = await setUp(t);
  await admin.createTopics([{ topic: 'in', numPartitions: 1 }]);
  await send('in', 'a', 'b', 'c');
  const file = path.join(dir, 'out.txt');
  const config = { 'connector.class': 'FileStreamSink', topics: 'in', file, 'value.converter': STRING_CONVERTER };
  await herder.createConnector('sink', config);
  await waitForLines(t, file, ['a', 'b', 'c']);

  // KIP-875: with the group's offsets deleted the sink reads the topic from the start again.
  await stopAndWait(herder, 'sink');
  await herder.resetConnectorOffsets('sink');
  await resumeAndWait(herder, 'sink');
  await waitForLines(t, file, ['a', 'b', 'c', 'a', 'b', 'c']);

  // The topic's offsets start over: its new records are new, though the sidecar saw those offsets.
  await herder.deleteConnector('sink');
  await admin.deleteTopics(['in']);
  await pollUntil(
    () => admin.createTopics([{ topic: 'in', numPartitions: 1 }]).then(() => true, () => false),
    (created) => created,
    'topic in created again',
  );
  await send('in', 'd', 'e');
  await herder.createConnector('sink-2', config);
  await waitForLines(t, file, ['a', 'b', 'c', 'a', 'b', 'c', 'd', 'e']);
});

test.serial('lines another writer appends while the connector is stopped stay in the file', async (t) => {
  const dir = tempDir(t);
  const { herder, admin, send } = await setUp(t);
  await admin.createTopics([{ topic: 'logs', numPartitions: 1 }]);
  await send('logs', 'a', 'b');
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, 'app before\n');
  await herder.createConnector('sink', { 'connector.class': 'FileStreamSink', topics: 'logs', file, 'value.converter': STRING_CONVERTER });
  await waitForLines(t, file, ['app before', 'a', 'b']);

  await stopAndWait(herder, 'sink');
  fs.appendFileSync(file, 'app while stopped\n');
  await resumeAndWait(herder, 'sink');
  await send('logs', 'c');
  await waitForLines(t, file, ['app before', 'a', 'b', 'app while stopped', 'c']);
});
