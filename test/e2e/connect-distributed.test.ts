/**
 * Two `brook connect` workers (child processes) in one Connect group against a real broker:
 * they share the file-source connectors, and when one is killed with SIGKILL its task runs on
 * the other once the group notices (session timeout) and the departed worker's grace
 * (scheduled.rebalance.max.delay.ms) has passed. The topic still holds every line exactly once.
 * The workers also take --rest-body-limit.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Admin, Consumer } from '../../client/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { startConnectWorker } from '../helpers/connect-process.ts';
import type { ConnectProcess } from '../helpers/connect-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { pollUntil } from '../helpers/wait-for.ts';

interface Status {
  connector: { state: string; worker_id: string };
  tasks: { id: number; state: string; worker_id: string }[];
}

async function http(port: number, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function topicValues(bootstrap: string, topic: string): Promise<string[]> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  const [end] = await admin.listOffsets([{ topic, partition: 0, timestamp: 'latest' }]).finally(() => admin.close());
  if (end === undefined || end.offset === 0n) return [];
  const consumer = new Consumer({ bootstrapServers: bootstrap });
  await consumer.connect();
  try {
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const values: string[] = [];
    for await (const batch of consumer) {
      for (const r of batch.records) values.push(r.value?.toString('utf8') ?? '');
      if ((consumer.position(topic, 0) ?? 0n) >= end.offset) break;
    }
    return values;
  } finally {
    await consumer.close();
  }
}

const lines = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}`);

test('kill -9 of one of two workers: its file-source task moves to the other, every line once in the topic', async (t) => {
  const dir = tempDir(t, 'brook-e2e-distributed-');
  const broker = await startTestBroker(t, { groups: { initialRebalanceDelayMs: 0 } });
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  await admin.connect();
  await admin.createTopics([{ topic: 'lines', numPartitions: 1, replicationFactor: 1 }]);
  await admin.close();
  const settings = path.join(dir, 'worker.json');
  fs.writeFileSync(settings, JSON.stringify({ sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, scheduledRebalanceMaxDelayMs: 2000, offsetFlushIntervalMs: 500 }));
  const extraArgs = ['--group-id', 'e2e-cluster', '--worker-config', settings, '--rest-body-limit', '4096'];
  const workers: ConnectProcess[] = [await startConnectWorker(t, broker.bootstrap, { extraArgs }), await startConnectWorker(t, broker.bootstrap, { extraArgs })];
  const files = { a: path.join(dir, 'a.log'), b: path.join(dir, 'b.log') };
  for (const [name, file] of Object.entries(files)) fs.writeFileSync(file, lines(name, 0, 50).join('\n') + '\n');

  for (const [name, file] of Object.entries(files)) {
    const created = await pollUntil(
      () =>
        http(workers[0]!.restPort, 'POST', '/connectors', {
          name: `src-${name}`,
          config: {
            'connector.class': 'FileStreamSource',
            file,
            topic: 'lines',
            'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
            'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
          },
        }),
      // 409 when the leader a write is forwarded to has just gone: Kafka's clients retry, as this one does.
      (answer) => answer.status !== 409,
      `src-${name} created`,
      30_000,
    );
    t.is(created.status, 201, JSON.stringify(created.body));
  }

  const statuses = async (port: number): Promise<Status[]> =>
    Promise.all(['src-a', 'src-b'].map(async (name) => (await http(port, 'GET', `/connectors/${name}/status`)).body as Status));
  const running = (list: Status[]): boolean => list.every((s) => s.tasks.length === 1 && s.tasks[0]!.state === 'RUNNING' && s.connector.state === 'RUNNING');
  const before = await pollUntil(() => statuses(workers[1]!.restPort), (list) => running(list) && new Set(list.map((s) => s.tasks[0]!.worker_id)).size === 2, 'one task on each worker', 60_000);
  await pollUntil(() => topicValues(broker.bootstrap, 'lines'), (v) => v.length >= 100, 'the first lines in the topic', 30_000);

  const victimId = before[0]!.tasks[0]!.worker_id;
  const victim = workers.find((w) => victimId.endsWith(`:${w.restPort}`))!;
  const survivor = workers.find((w) => w !== victim)!;
  await victim.kill();
  for (const [name, file] of Object.entries(files)) fs.appendFileSync(file, lines(name, 50, 80).join('\n') + '\n');

  const after = await pollUntil(
    () => statuses(survivor.restPort),
    (list) => running(list) && list.every((s) => s.tasks[0]!.worker_id.endsWith(`:${survivor.restPort}`)),
    'both tasks RUNNING on the survivor',
    60_000,
  );
  t.is(after.length, 2);
  const all = [...lines('a', 0, 80), ...lines('b', 0, 80)];
  const values = await pollUntil(() => topicValues(broker.bootstrap, 'lines'), (v) => v.length >= all.length, 'every line in the topic', 30_000);
  t.deepEqual([...values].sort(), [...all].sort());

  // --rest-body-limit: a body over it is refused with 413 in Kafka's error shape.
  const tooBig = await http(survivor.restPort, 'PUT', '/connectors/src-a/config', { 'connector.class': 'FileStreamSource', topic: 'lines', file: files.a, padding: 'x'.repeat(5000) });
  t.is(tooBig.status, 413);
  t.is((tooBig.body as { error_code: number }).error_code, 413);
});
