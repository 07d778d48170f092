/**
 * confluent-kafka-python (librdkafka 2.0.2) transactions against a Brook broker:
 * init_transactions / begin / produce / send_offsets_to_transaction / commit, an abort, and a
 * second producer with the same transactional.id fencing the first; read back by librdkafka
 * consumers with isolation.level read_committed and read_uncommitted, and by kcat.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { startTestBroker } from '../helpers/broker.ts';
import { WireClient } from '../helpers/kafka-wire.ts';
import { createTopic } from '../integration/broker/records.ts';

// Only Debian's interpreter has the client package: never the `python3` on PATH.
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'python', 'confluent_transactions.py');
const TIMEOUT_MS = 60_000;
const BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 3 }, transactions: { stateLogPartitions: 3 } };

function python<T>(command: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-B', SCRIPT, command], { encoding: 'utf8', timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`confluent_transactions.py ${command} failed: ${error.message}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`));
        return;
      }
      resolve(JSON.parse(stdout) as T);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(request));
  });
}

function kcat(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kcat', args, { encoding: 'utf8', timeout: TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function topics(port: number, names: string[]): Promise<void> {
  const client = await WireClient.connect(port);
  try {
    for (const name of names) await createTopic(client, name, 1);
  } finally {
    client.close();
  }
}

test('confluent-kafka-python: a committed transaction (with offsets) is visible to read_committed readers, an aborted one is not', async (t) => {
  const { bootstrap, port } = await startTestBroker(t, BROKER_CONFIG);
  await topics(port, ['py-out', 'py-in']);
  const result = await python<{ groupOffset: number }>('transact', {
    bootstrap,
    transactionalId: 'py-tx',
    topic: 'py-out',
    inTopic: 'py-in',
    group: 'py-group',
    committed: ['c1', 'c2', 'c3'],
    committedOffset: 7,
    aborted: ['a1', 'a2'],
    abortedOffset: 42,
  });
  t.is(result.groupOffset, 7, 'the offset sent with the committed transaction, not the aborted one');

  const committed = await python<{ values: string[] }>('read', { bootstrap, topic: 'py-out', isolationLevel: 'read_committed', expected: 3 });
  t.deepEqual(committed.values, ['c1', 'c2', 'c3']);
  const everything = await python<{ values: string[] }>('read', { bootstrap, topic: 'py-out', isolationLevel: 'read_uncommitted', expected: 5 });
  t.deepEqual(everything.values, ['c1', 'c2', 'c3', 'a1', 'a2']);

  const kcatCommitted = await kcat(['-C', '-b', bootstrap, '-t', 'py-out', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\\n', '-X', 'isolation.level=read_committed']);
  t.deepEqual(kcatCommitted.trim().split('\n'), ['c1', 'c2', 'c3']);
  const kcatAll = await kcat(['-C', '-b', bootstrap, '-t', 'py-out', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\\n', '-X', 'isolation.level=read_uncommitted']);
  t.deepEqual(kcatAll.trim().split('\n'), ['c1', 'c2', 'c3', 'a1', 'a2']);
});

test('confluent-kafka-python: a second producer with the same transactional.id fences the first', async (t) => {
  const { bootstrap, port } = await startTestBroker(t, BROKER_CONFIG);
  await topics(port, ['py-fenced']);
  const result = await python<{ zombieError: { name: string; fatal: boolean } | null }>('fence', { bootstrap, transactionalId: 'py-shared', topic: 'py-fenced' });
  t.not(result.zombieError, null, 'the older instance cannot commit');
  t.regex(result.zombieError!.name, /FENCED|INVALID_PRODUCER_EPOCH/);
  t.true(result.zombieError!.fatal);
  const committed = await python<{ values: string[] }>('read', { bootstrap, topic: 'py-fenced', isolationLevel: 'read_committed', expected: 1 });
  t.deepEqual(committed.values, ['fresh']);
});
