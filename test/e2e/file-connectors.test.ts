/**
 * The file connectors in a real worker (`brook connect`, a child process) against a real
 * broker: lines appended, rotated and truncated reach the topic, and the topic reaches a file,
 * across a kill -9 of the worker. Offsets are flushed every 60 s by default, so the kill always
 * lands after records were written and before their offsets were stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Admin, Consumer, Producer } from '../../client/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { startConnectWorker } from '../helpers/connect-process.ts';
import type { ConnectProcess } from '../helpers/connect-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { pollUntil, waitFor } from '../helpers/wait-for.ts';

async function postConnector(worker: ConnectProcess, name: string, config: Record<string, string>): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${worker.restPort}/connectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, config }),
  });
  if (response.status !== 201) throw new Error(`POST /connectors answered ${response.status}: ${await response.text()}`);
}

/** Every value in partition 0 of `topic`, read from the start until `count` came or the deadline. */
async function readTopic(bootstrap: string, topic: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap });
  await consumer.connect();
  try {
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const values: string[] = [];
    const deadline = Date.now() + timeoutMs;
    const iterator = consumer[Symbol.asyncIterator]();
    while (values.length < count && Date.now() < deadline) {
      const next = await Promise.race([iterator.next(), new Promise<null>((resolve) => setTimeout(() => { resolve(null); }, Math.max(0, deadline - Date.now())))]);
      if (next === null || next.done === true) break;
      for (const record of next.value.records) values.push(record.value?.toString('utf8') ?? '');
    }
    return values;
  } finally {
    await consumer.close();
  }
}

/** Lines travel as plain text, as a user of FileStream connectors would set it up. */
const STRING_CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
};

function lines(from: number, to: number): string {
  return Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');
}

function expected(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `line ${from + i}`);
}

// A plain at-least-once source would resend what came after its last stored offset (none here:
// the kill lands before the first flush); the worker's writtenRecordReader lets it resume after
// its last line in the topic instead.
test('file-source: append, rotate, kill -9, append, truncate: the topic holds each line once, in order', async (t) => {
  const dir = tempDir(t, 'brook-e2e-file-source-');
  const broker = await startTestBroker(t);
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  await admin.connect();
  await admin.createTopics([{ topic: 'lines', numPartitions: 1, replicationFactor: 1 }]);
  await admin.close();
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, lines(0, 100));

  const first = await startConnectWorker(t, broker.bootstrap);
  const postedAt = Date.now();
  await postConnector(first, 'tail', { ...STRING_CONVERTERS, 'connector.class': 'FileStreamSource', file, topic: 'lines', 'rotated.close.idle.ms': '100' });
  t.deepEqual(await readTopic(broker.bootstrap, 'lines', 100), expected(0, 100));
  fs.appendFileSync(file, lines(100, 150));
  fs.renameSync(file, `${file}.1`);
  fs.appendFileSync(`${file}.1`, lines(150, 160));
  fs.writeFileSync(file, lines(160, 200));
  t.deepEqual(await readTopic(broker.bootstrap, 'lines', 200), expected(0, 200));
  t.log(`killed ${Date.now() - postedAt} ms after the connector was created`);
  await first.kill();

  // While the worker is down the file grows; the new worker must not send its first lines again.
  fs.appendFileSync(file, lines(200, 210));
  const second = await startConnectWorker(t, broker.bootstrap);
  await pollUntil(() => readTopic(broker.bootstrap, 'lines', 210, 5_000), (values) => values.includes('line 209'), 'the lines written while the worker was down', 60_000);
  // Truncated in place (copytruncate) and written again, while it runs.
  fs.truncateSync(file, 0);
  fs.appendFileSync(file, lines(210, 220));
  const after = await pollUntil(() => readTopic(broker.bootstrap, 'lines', 220, 5_000), (values) => values.includes('line 219'), 'the lines written after the truncation', 60_000);
  t.deepEqual(after, expected(0, 220));
  await second.kill();
});

test('file-sink: kill -9 between writes and commits: the file holds each record once, in order', async (t) => {
  const dir = tempDir(t, 'brook-e2e-file-sink-');
  const broker = await startTestBroker(t);
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  await admin.connect();
  await admin.createTopics([{ topic: 'in', numPartitions: 1, replicationFactor: 1 }]);
  await admin.close();
  const out = path.join(dir, 'out.txt');
  const producer = new Producer({ bootstrapServers: broker.bootstrap, acks: 'all' });
  await producer.connect();
  await producer.sendBatch(expected(0, 1000).map((value) => ({ topic: 'in', value })));
  await producer.close();

  const first = await startConnectWorker(t, broker.bootstrap);
  // A tiny write buffer: lines reach the file long before any flush or commit.
  await postConnector(first, 'to-file', { ...STRING_CONVERTERS, 'connector.class': 'FileStreamSink', file: out, topics: 'in', 'write.buffer.bytes': '1' });
  await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').split('\n').length > 1000, { timeoutMs: 60_000, describe: () => `the sink's file; worker output: ${first.output()}` });
  await first.kill();
  // Half a line, as a kill in the middle of a write leaves it.
  fs.appendFileSync(out, 'line 10');

  const second = await startConnectWorker(t, broker.bootstrap);
  await waitFor(() => fs.readFileSync(out, 'utf8') === lines(0, 1000), { timeoutMs: 60_000, describe: () => `the file after the restart: ${fs.readFileSync(out, 'utf8').length} bytes` });
  await second.kill();
  t.is(fs.readFileSync(out, 'utf8'), lines(0, 1000));
});
