import { execFile } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { startTestBroker } from '../helpers/broker.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { assertEveryGenerationPartitioned, assertGenuine, describeState, latestStable, partitionsOf, seenBy, settledOn, sortRecs, stableGenerations, waitForCommitted } from './groups-helpers.ts';
import type { Rec } from './groups-helpers.ts';
import { wireClient } from './kafkajs-helpers.ts';
import { startPythonMember } from './python-member.ts';
import type { MemberEvent, PythonClient } from './python-member.ts';

// Consumer groups driven by the Python clients: confluent-kafka-python (librdkafka 2.0.2) and
// kafka-python 2.0.2, each member a long-lived python/group_member.py process that subscribes,
// and commits every batch synchronously after it has been handed over. The broker's
// 'group stable' log lines say which member owned which partition in every generation.

const PYTHON = '/usr/bin/python3';
const SCRIPTS = path.join(import.meta.dirname, 'python');
const PARTITIONS = 6;
const BROKER_CONFIG = {
  numPartitions: PARTITIONS,
  groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 },
};
const WAIT_MS = 25_000;

// ---------------------------------------------------------------------------------------------
// Producing through the one-shot client scripts; their delivery reports give each record's offset.

function runScript(client: PythonClient, command: string, request: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      ['-B', path.join(SCRIPTS, `${client}_client.py`), command],
      { encoding: 'utf8', timeout: 40_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${client}_client.py ${command} failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(JSON.stringify(request));
  });
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const unb64 = (text: string | null): string => (text === null ? '' : Buffer.from(text, 'base64').toString('utf8'));

class TopicLog {
  readonly records: Rec[] = [];

  /** Log end offset of every partition, in partition order. */
  endOffsets(): number[] {
    const ends = Array.from({ length: PARTITIONS }, () => 0);
    for (const r of this.records) ends[r.partition] = Math.max(ends[r.partition] ?? 0, r.offset + 1);
    return ends;
  }

  async produce(client: PythonClient, bootstrap: string, topic: string, prefix: string, count: number): Promise<Rec[]> {
    const keys = Array.from({ length: count }, (_, i) => `${prefix}-key-${i}`);
    const values = keys.map((_, i) => `${prefix}-value-${i}`);
    const request = {
      bootstrap,
      topic,
      records: keys.map((key, i) => ({ key: b64(key), value: b64(values[i] ?? ''), headers: [] })),
      ...(client === 'confluent' ? { idempotence: false, partitioner: 'murmur2_random' } : {}),
    };
    const { sent } = (await runScript(client, 'produce', request)) as { sent: { partition: number; offset: number }[] };
    const batch = sent.map((d, i) => ({ partition: d.partition, offset: d.offset, key: keys[i] ?? '', value: values[i] ?? '' }));
    this.records.push(...batch);
    return batch;
  }
}

// ---------------------------------------------------------------------------------------------
// group_member.py processes.

interface Member {
  readonly clientId: string;
  readonly events: MemberEvent[];
  /** Every record handed to the application, in order. */
  readonly records: Rec[];
  /** Partitions of the last rebalance-listener assignment, or null after a revoke. */
  assignment(): number[] | null;
  describe(): string;
  /** Asks the consumer to close (LeaveGroup) and waits for the process to end. */
  close(): Promise<void>;
}

function startMember(t: ExecutionContext, client: PythonClient, bootstrap: string, group: string, topic: string, clientId: string): Member {
  const config = { bootstrap, topic, group, clientId, sessionTimeoutMs: 3000, heartbeatIntervalMs: 300, maxPollIntervalMs: 10_000 };
  const records: Rec[] = [];
  let assignment: number[] | null = null;
  const member = startPythonMember(t, client, config, {
    timeoutMs: WAIT_MS,
    onEvent: (event) => {
      if (event.event === 'assigned') assignment = event.partitions ?? [];
      if (event.event === 'revoked') assignment = null;
      for (const r of event.records ?? []) records.push({ partition: r.partition, offset: r.offset, key: unb64(r.key), value: unb64(r.value) });
    },
    summary: () => `${records.length} records, assignment ${JSON.stringify(assignment)}`,
  });
  return { ...member, records, assignment: () => assignment };
}

// ---------------------------------------------------------------------------------------------
// What the clients say they committed.

/** The offsets each member last reported committed, merged: what the clients believe is committed. */
function sameOffsets(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((offset, i) => offset === b[i]);
}

function reportedCommits(members: readonly Member[]): number[] {
  const out = Array.from({ length: PARTITIONS }, () => 0);
  for (const m of members) {
    for (const e of m.events) {
      if (e.event !== 'committed') continue;
      for (const [p, offset] of Object.entries(e.offsets ?? {})) out[Number(p)] = Math.max(out[Number(p)] ?? 0, offset);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

test('confluent-kafka: two subscribed Consumers split a 6-partition topic and commit; close() moves partitions; a third member resumes at the commits', async (t) => {
  const { bootstrap, port, logs } = await startTestBroker(t, BROKER_CONFIG);
  const group = 'ck-group';
  const topic = 'ck-group-topic';
  const log = new TopicLog();
  const first = await log.produce('confluent', bootstrap, topic, 'first', 120);
  t.deepEqual(
    log.endOffsets().map((end) => end > 0),
    Array.from({ length: PARTITIONS }, () => true),
    'the keys cover every partition',
  );
  const client = await wireClient(t, port);

  const one = startMember(t, 'confluent', bootstrap, group, topic, 'ck-one');
  const two = startMember(t, 'confluent', bootstrap, group, topic, 'ck-two');
  let members = [one, two];
  const everyone = [one, two];
  const describe = (): string => describeState(logs, group, everyone);

  await waitFor(() => seenBy(members).size === first.length && settledOn(logs, group, topic, members), { timeoutMs: WAIT_MS, describe });
  const shared = latestStable(logs, group);
  t.is(shared?.protocol, 'range', 'librdkafka lists range first');
  t.is(partitionsOf(shared, one.clientId, topic)?.length, 3);
  t.is(partitionsOf(shared, two.clientId, topic)?.length, 3);
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });
  // The broker answers a commit before the client prints that it returned: wait for the report.
  await waitFor(() => sameOffsets(reportedCommits(members), log.endOffsets()), { timeoutMs: WAIT_MS, describe });
  t.deepEqual(reportedCommits(members), log.endOffsets(), 'every synchronous commit the clients saw succeed is what the broker returns');

  // close() leaves the group at once (LeaveGroup): the next generation gives everything to two.
  const generationBefore = shared?.generation ?? 0;
  await one.close();
  members = [two];
  await waitFor(() => (latestStable(logs, group)?.generation ?? 0) > generationBefore && settledOn(logs, group, topic, members), { timeoutMs: WAIT_MS, describe });
  t.deepEqual(partitionsOf(latestStable(logs, group), two.clientId, topic), [0, 1, 2, 3, 4, 5]);

  // two resumes one's partitions at one's commits: only the new records arrive, once each.
  let mark = two.records.length;
  const second = await log.produce('confluent', bootstrap, topic, 'second', 60);
  await waitFor(() => two.records.length - mark >= second.length, { timeoutMs: WAIT_MS, describe });
  t.deepEqual(sortRecs(two.records.slice(mark)), sortRecs(second));
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });

  // A third member joins later: the two split the topic, each starting at the committed offsets.
  const three = startMember(t, 'confluent', bootstrap, group, topic, 'ck-three');
  everyone.push(three);
  members = [two, three];
  await waitFor(() => settledOn(logs, group, topic, members), { timeoutMs: WAIT_MS, describe });
  const split = latestStable(logs, group);
  const ownedByThree = partitionsOf(split, three.clientId, topic) ?? [];
  const ownedByTwo = partitionsOf(split, two.clientId, topic) ?? [];
  t.is(ownedByThree.length, 3);
  mark = two.records.length;
  const third = await log.produce('confluent', bootstrap, topic, 'third', 60);
  await waitFor(() => two.records.length - mark + three.records.length >= third.length, { timeoutMs: WAIT_MS, describe });
  t.deepEqual(sortRecs(three.records), sortRecs(third.filter((r) => ownedByThree.includes(r.partition))), 'the late member reads only records produced after the commits');
  t.deepEqual(sortRecs(two.records.slice(mark)), sortRecs(third.filter((r) => ownedByTwo.includes(r.partition))));
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });

  await two.close();
  await three.close();
  assertGenuine(t, log.records, everyone);
  t.deepEqual(
    everyone.flatMap((m) => m.events.filter((e) => e.event === 'consumerError' || e.event === 'unparsed')),
    [],
  );
  assertEveryGenerationPartitioned(t, stableGenerations(logs, group), topic, PARTITIONS);
});

test('kafka-python: two KafkaConsumers (group_id, subscribe, commit()) split a topic; after they close, a new consumer in the group starts after the committed offsets', async (t) => {
  const { bootstrap, port, logs } = await startTestBroker(t, BROKER_CONFIG);
  const group = 'kp-group';
  const topic = 'kp-group-topic';
  const log = new TopicLog();
  const first = await log.produce('kafka_python', bootstrap, topic, 'first', 120);
  t.deepEqual(
    log.endOffsets().map((end) => end > 0),
    Array.from({ length: PARTITIONS }, () => true),
    'the keys cover every partition',
  );
  const client = await wireClient(t, port);

  const one = startMember(t, 'kafka_python', bootstrap, group, topic, 'kp-one');
  const two = startMember(t, 'kafka_python', bootstrap, group, topic, 'kp-two');
  const members = [one, two];
  const everyone = [one, two];
  const describe = (): string => describeState(logs, group, everyone);

  await waitFor(() => seenBy(members).size === first.length && settledOn(logs, group, topic, members), { timeoutMs: WAIT_MS, describe });
  const shared = latestStable(logs, group);
  t.is(shared?.protocol, 'range', 'kafka-python lists range first');
  t.is(partitionsOf(shared, one.clientId, topic)?.length, 3);
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });
  await waitFor(() => sameOffsets(reportedCommits(members), log.endOffsets()), { timeoutMs: WAIT_MS, describe });
  t.deepEqual(reportedCommits(members), log.endOffsets(), 'every commit() that returned is what the broker returns');

  await one.close();
  await two.close();
  await waitFor(() => logs.some((line) => line.msg === 'group empty' && line['group'] === group), { timeoutMs: WAIT_MS, describe });

  // Records produced while nobody is in the group; a new member reads exactly those.
  const second = await log.produce('kafka_python', bootstrap, topic, 'second', 60);
  const three = startMember(t, 'kafka_python', bootstrap, group, topic, 'kp-three');
  everyone.push(three);
  await waitFor(() => three.records.length >= second.length && settledOn(logs, group, topic, [three]), { timeoutMs: WAIT_MS, describe });
  t.deepEqual(partitionsOf(latestStable(logs, group), three.clientId, topic), [0, 1, 2, 3, 4, 5]);
  t.deepEqual(sortRecs(three.records), sortRecs(second), 'the new consumer starts at the committed offsets');
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });
  await three.close();

  assertGenuine(t, log.records, everyone);
  t.deepEqual(
    everyone.flatMap((m) => m.events.filter((e) => e.event === 'unparsed')),
    [],
  );
  assertEveryGenerationPartitioned(t, stableGenerations(logs, group), topic, PARTITIONS);
});
