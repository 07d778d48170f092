/**
 * confluent-kafka-python (librdkafka) against a Brook broker: topic configs through the
 * AdminClient (create_topics with configs, describe_configs listing Kafka's full topic config set,
 * INVALID_CONFIG for an unknown name or a bad value), and read-your-writes: after each acks=1
 * produce is acknowledged, the high watermark already includes the record.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { startTestBroker } from '../helpers/broker.ts';
import { WireClient } from '../helpers/kafka-wire.ts';
import { createTopic } from '../integration/broker/records.ts';

// Only Debian's interpreter has the client package: never the `python3` on PATH.
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'python', 'confluent_configs_visibility.py');
const TIMEOUT_MS = 60_000;

function python<T>(command: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-B', SCRIPT, command], { encoding: 'utf8', timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`confluent_configs_visibility.py ${command} failed: ${error.message}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`));
        return;
      }
      resolve(JSON.parse(stdout) as T);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(request));
  });
}

interface ConfigsResult {
  createError: string | null;
  configs: Record<string, string | null>;
  unknownError: string | null;
  badValueError: string | null;
}

test('confluent-kafka-python: create_topics with configs, describe_configs lists the full topic config set, bad configs are INVALID_CONFIG', async (t) => {
  const { bootstrap } = await startTestBroker(t);
  const result = await python<ConfigsResult>('configs', { bootstrap, topic: 'py-configs' });
  t.is(result.createError, null);
  for (const name of ['segment.jitter.ms', 'max.compaction.lag.ms', 'message.timestamp.after.max.ms', 'unclean.leader.election.enable', 'retention.ms']) {
    t.true(name in result.configs, `describe_configs lists ${name}`);
  }
  t.is(result.configs['cleanup.policy'], 'delete,compact');
  t.is(result.configs['message.timestamp.difference.max.ms'], '3600000');
  t.is(result.unknownError, 'INVALID_CONFIG');
  t.is(result.badValueError, 'INVALID_CONFIG');
});

test('confluent-kafka-python: after each acks=1 produce is acknowledged, the high watermark includes it', async (t) => {
  const { bootstrap, port } = await startTestBroker(t);
  const client = await WireClient.connect(port);
  try {
    await createTopic(client, 'py-visibility', 1);
  } finally {
    client.close();
  }
  const result = await python<{ rounds: number; failures: object[]; finalHigh: number }>('visibility', { bootstrap, topic: 'py-visibility', rounds: 50 });
  t.deepEqual(result.failures, []);
  t.is(result.finalHigh, 50);
});
