import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Admin, Consumer } from '../../../client/index.ts';
import type { ConnectorStateInfo } from '../../../connect/runtime/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { http, startTestWorker } from './distributed-workers.ts';
import type { TestWorker } from './distributed-workers.ts';

const STRING = 'org.apache.kafka.connect.storage.StringConverter';

async function startWorker(t: ExecutionContext, bootstrap: string, n: number): Promise<TestWorker> {
  return startTestWorker(t, bootstrap, n, { config: { offsetStoragePartitions: 3, statusStoragePartitions: 2 } });
}

async function status(worker: TestWorker, name: string): Promise<ConnectorStateInfo | undefined> {
  const answer = await http(`${worker.url}/connectors/${name}/status`, 'GET');
  return answer.status === 200 ? (answer.body as ConnectorStateInfo) : undefined;
}

async function readValues(bootstrap: string, topic: string): Promise<string[]> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  let ends;
  try {
    ends = await admin.listOffsets([{ topic, partition: 0, timestamp: 'latest' }]);
  } finally {
    await admin.close();
  }
  const end = ends[0]?.offset ?? 0n;
  if (end === 0n) return [];
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest' });
  await consumer.connect();
  try {
    await consumer.assign([{ topic, partition: 0, offset: 0n }]);
    const out: string[] = [];
    for await (const batch of consumer) {
      for (const r of batch.records) out.push(r.value?.toString() ?? '');
      if ((consumer.position(topic, 0) ?? 0n) >= end) break;
    }
    return out;
  } finally {
    await consumer.close();
  }
}

const lines = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);

test.serial('workers of one group share connectors; a stopped worker\'s tasks move to the others, no line lost or doubled', async (t) => {
  const broker = await startTestBroker(t, { groups: { initialRebalanceDelayMs: 0 } });
  const dir = tempDir(t);
  const workers = [await startWorker(t, broker.bootstrap, 1), await startWorker(t, broker.bootstrap, 2), await startWorker(t, broker.bootstrap, 3)];
  const sources = ['a', 'b', 'c'];
  for (const s of sources) fs.writeFileSync(path.join(dir, `${s}.txt`), lines(s, 0, 20).join('\n') + '\n');

  // Kafka's workers answer writes 409 until they know a leader; wait for the group to form.
  await waitFor(() => workers.every((w) => w.herder.groupState.leaderUrl !== undefined && w.herder.groupState.leaderUrl === workers[0]!.herder.groupState.leaderUrl), {
    timeoutMs: 30_000,
    describe: () => `leaders seen: ${workers.map((w) => String(w.herder.groupState.leaderUrl)).join(', ')}`,
  });
  t.is(workers.filter((w) => w.herder.groupState.leader).length, 1);
  // Writes go to any worker; a follower forwards them to the leader.
  for (const [i, s] of sources.entries()) {
    const created = await http(`${workers[i]!.url}/connectors`, 'POST', {
      name: `src-${s}`,
      config: { 'connector.class': 'FileStreamSource', file: path.join(dir, `${s}.txt`), topic: 'lines', 'tasks.max': '2', 'value.converter': STRING, 'key.converter': STRING },
    });
    t.is(created.status, 201);
  }
  t.is(
    (
      await http(`${workers[1]!.url}/connectors`, 'POST', {
        name: 'sink',
        config: { 'connector.class': 'FileStreamSink', file: path.join(dir, 'out.txt'), topics: 'lines', 'tasks.max': '2', 'value.converter': STRING, 'key.converter': STRING },
      })
    ).status,
    201,
  );

  const allRunning = async (on: TestWorker): Promise<Map<string, ConnectorStateInfo>> => {
    const out = new Map<string, ConnectorStateInfo>();
    for (const name of ['src-a', 'src-b', 'src-c', 'sink']) {
      const s = await status(on, name);
      if (s !== undefined) out.set(name, s);
    }
    return out;
  };
  const everyoneRunning = (m: Map<string, ConnectorStateInfo>): boolean =>
    m.size === 4 && [...m.values()].every((s) => s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((x) => x.state === 'RUNNING'));
  // Status answers on every worker, also for connectors it does not run.
  const before = await pollUntil(() => allRunning(workers[2]!), everyoneRunning, 'every connector and task RUNNING', 30_000);
  const used = new Set([...before.values()].flatMap((s) => [s.connector.worker_id, ...s.tasks.map((x) => x.worker_id)]));
  t.true(used.size >= 2, `work spread over ${[...used].join(', ')}`);
  t.deepEqual(await http(`${workers[0]!.url}/connectors`, 'GET'), { status: 200, body: ['sink', 'src-a', 'src-b', 'src-c'] });

  // A config write on a follower goes to the leader; one already forwarded is not sent on again.
  const follower = workers.find((w) => !w.herder.groupState.leader)!;
  const notForwarded = await http(`${follower.url}/connectors/src-a/pause?forward=false`, 'PUT');
  t.is(notForwarded.status, 409);
  t.is((await http(`${follower.url}/connectors/src-a/pause`, 'PUT')).status, 202);
  t.is((await http(`${follower.url}/connectors/src-a/resume`, 'PUT')).status, 202);
  // A restart asked of a worker that does not run the task is sent to the one that does.
  const srcA = before.get('src-a')!;
  const elsewhere = workers.find((w) => w.workerId !== srcA.tasks[0]!.worker_id)!;
  t.is((await http(`${elsewhere.url}/connectors/src-a/tasks/0/restart`, 'POST')).status, 204);
  const refusedRestart = await http(`${elsewhere.url}/connectors/src-a/tasks/0/restart?forward=false`, 'POST');
  t.is(refusedRestart.status, 409);
  await pollUntil(() => allRunning(workers[0]!), everyoneRunning, 'every connector and task RUNNING again', 30_000);

  const expected = sources.flatMap((s) => lines(s, 0, 20));
  await pollUntil(() => readValues(broker.bootstrap, 'lines'), (v) => v.length >= expected.length, 'first lines written', 20_000);

  // Stop the follower that runs the most tasks: the leader holds its work back for
  // scheduled.rebalance.max.delay.ms, then spreads it over the survivors.
  const load = (w: TestWorker): number => [...before.values()].flatMap((s) => s.tasks).filter((x) => x.worker_id === w.workerId).length;
  const victim = workers.filter((w) => !w.herder.groupState.leader).sort((a, b) => load(b) - load(a))[0]!;
  t.true(load(victim) > 0);
  await victim.stop();
  const survivors = workers.filter((w) => w !== victim);
  for (const s of sources) fs.appendFileSync(path.join(dir, `${s}.txt`), lines(s, 20, 35).join('\n') + '\n');

  const after = await pollUntil(
    () => allRunning(survivors[0]!),
    (m) => everyoneRunning(m) && [...m.values()].every((s) => s.connector.worker_id !== victim.workerId && s.tasks.every((x) => x.worker_id !== victim.workerId)),
    'every task RUNNING on the survivors',
    30_000,
  );
  t.true([...after.values()].every((s) => survivors.some((w) => w.workerId === s.connector.worker_id)));

  const all = sources.flatMap((s) => lines(s, 0, 35));
  const written = await pollUntil(() => readValues(broker.bootstrap, 'lines'), (v) => v.length >= all.length, 'every line in the topic', 30_000);
  // Exactly once: each line once, nothing lost in the move.
  t.deepEqual([...written].sort(), [...all].sort());
  const sinkFile = path.join(dir, 'out.txt');
  const sinkLines = (): Set<string> => new Set(fs.existsSync(sinkFile) ? fs.readFileSync(sinkFile, 'utf8').split('\n').filter((l) => l !== '') : []);
  // The sink task moves too: its new owner joins the sink's consumer group and flushes every
  // offsetFlushIntervalMs, which a loaded machine can stretch well past the topic's own wait.
  await waitFor(() => sinkLines().size >= all.length, {
    timeoutMs: 60_000,
    describe: () => `the sink file holds every line: missing ${all.filter((l) => !sinkLines().has(l)).join(', ')}`,
  });
  t.deepEqual([...new Set(fs.readFileSync(sinkFile, 'utf8').split('\n').filter((l) => l !== ''))].sort(), [...all].sort());

  // A delete through a follower stops the connector wherever it runs and leaves the assignments.
  const survivingFollower = survivors.find((w) => !w.herder.groupState.leader) ?? survivors[0]!;
  t.is((await http(`${survivingFollower.url}/connectors/src-c`, 'DELETE')).status, 204);
  for (const w of survivors) t.deepEqual((await http(`${w.url}/connectors`, 'GET')).body, ['sink', 'src-a', 'src-b']);
  await waitFor(() => survivors.every((w) => !w.herder.groupState.connectors.includes('src-c') && w.herder.groupState.tasks.every((x) => x.connector !== 'src-c')), {
    timeoutMs: 20_000,
    describe: () => JSON.stringify(survivors.map((w) => w.herder.groupState)),
  });
  t.is((await http(`${survivors[0]!.url}/connectors/src-c/status`, 'GET')).status, 404);
});
