import { execFile, spawn } from 'node:child_process';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey } from '../../core/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { assertEveryGenerationPartitioned, assertGenuine, describeState, latestStable, memberOf, partitionsOf, seenBy, settledOn, sortRecs, stableGenerations, waitForCommitted } from './groups-helpers.ts';
import type { Rec } from './groups-helpers.ts';
import { wireClient } from './kafkajs-helpers.ts';
import { murmur2Partition } from './murmur2.ts';

// Consumer groups driven by librdkafka 2.0.2's own group client: `kcat -G` processes (balanced
// consumer, librdkafka's assignors "range,roundrobin", auto-commit). The broker's 'group stable'
// log lines say which member owned which partition in every generation.
//
// Auto-commit runs at librdkafka's default interval, 5 s: kcat applies `-X name=value` to the
// topic config first, and auto.commit.interval.ms is also a (deprecated, legacy-consumer) topic
// property there, so `-X auto.commit.interval.ms=100` would not reach the group consumer.
//
// kcat -G is started without -o: kcat's rebalance callback overwrites the start offset of every
// assigned partition with the -o value (kcat.c rebalance_cb), so `-o beginning` would re-read
// every partition from 0 after each rebalance and hide the committed offsets. With no -o the
// committed offset is used, and auto.offset.reset=earliest covers a group without commits.

const PARTITIONS = 6;
const BROKER_CONFIG = {
  numPartitions: PARTITIONS,
  groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 },
};
const SESSION_TIMEOUT_MS = 2000;
const WAIT_MS = 25_000;
const FORMAT = '%p|%o|%k|%s\n';

// ---------------------------------------------------------------------------------------------
// Producing, with the offsets each record must get (kcat's murmur2_random is Kafka's partitioner).

class TopicLog {
  readonly records: Rec[] = [];
  private readonly next = new Map<number, number>();

  /** Log end offset of every partition, in partition order. */
  endOffsets(): number[] {
    return Array.from({ length: PARTITIONS }, (_, p) => this.next.get(p) ?? 0);
  }

  async produce(bootstrap: string, topic: string, prefix: string, count: number): Promise<Rec[]> {
    const batch: Rec[] = [];
    for (let i = 0; i < count; i++) {
      const key = `${prefix}-key-${i}`;
      const partition = murmur2Partition(key, PARTITIONS);
      const offset = this.next.get(partition) ?? 0;
      this.next.set(partition, offset + 1);
      batch.push({ partition, offset, key, value: `${prefix}-value-${i}` });
    }
    await runKcat(['-P', '-b', bootstrap, '-t', topic, '-K:', '-X', 'partitioner=murmur2_random'], batch.map((r) => `${r.key}:${r.value}\n`).join(''));
    this.records.push(...batch);
    return batch;
  }
}

function runKcat(args: readonly string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-m', '10', ...args], { timeout: 30_000, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve();
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

// ---------------------------------------------------------------------------------------------
// kcat -G members.

interface KcatMember {
  readonly clientId: string;
  /** Every record this process printed, in order. */
  readonly records: Rec[];
  /** The partitions of its last "assigned:" rebalance callback, or null after a revoke (kcat's own stderr). */
  assignment(): number[] | null;
  /** How many "assigned:" callbacks it has had. */
  assignedCount(): number;
  /** Its records, assignment, whether it exited, and its stderr's tail, for failure messages. */
  describe(): string;
  kill(): Promise<void>;
}

interface MemberOptions {
  readonly sessionTimeoutMs?: number;
  readonly extra?: readonly string[];
}

function startKcat(t: ExecutionContext, bootstrap: string, group: string, topic: string, clientId: string, options: MemberOptions = {}): KcatMember {
  const args = [
    '-b', bootstrap,
    '-G', group,
    '-u',
    '-f', FORMAT,
    '-d', 'cgrp',
    '-X', `client.id=${clientId}`,
    '-X', 'auto.offset.reset=earliest',
    '-X', `session.timeout.ms=${options.sessionTimeoutMs ?? SESSION_TIMEOUT_MS}`,
    '-X', 'heartbeat.interval.ms=250',
    '-X', 'max.poll.interval.ms=10000',
    '-X', 'fetch.wait.max.ms=100',
    ...(options.extra ?? []),
    topic,
  ];
  const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const records: Rec[] = [];
  let stdoutRest = '';
  let stderrRest = '';
  let stderr = '';
  let assignment: number[] | null = null;
  let assignedCount = 0;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (stdoutRest + chunk).split('\n');
    stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      const [partition, offset, key, value] = line.split('|');
      records.push({ partition: Number(partition), offset: Number(offset), key: key ?? '', value: value ?? '' });
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
    const lines = (stderrRest + chunk).split('\n');
    stderrRest = lines.pop() ?? '';
    for (const line of lines) {
      const match = /rebalanced \(memberid [^)]*\): (assigned|revoked): (.*)$/.exec(line);
      if (match === null) continue;
      if (match[1] === 'revoked') {
        assignment = null;
        continue;
      }
      assignedCount++;
      assignment = [...(match[2] ?? '').matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
    }
  });
  const kill = async (): Promise<void> => {
    if (!exited) child.kill('SIGKILL');
    await exit;
  };
  t.teardown(kill);
  return {
    clientId,
    records,
    assignment: () => assignment,
    assignedCount: () => assignedCount,
    describe: () =>
      `--- ${clientId}: ${records.length} records, assignment ${JSON.stringify(assignment)}, exited ${String(exited)}; stderr tail:\n${stderr.slice(-3000)}`,
    kill,
  };
}

// ---------------------------------------------------------------------------------------------

test('three kcat -G members share a 6-partition topic; a SIGKILLed member’s partitions move after its session timeout; auto-commits reach the log end', async (t) => {
  const { bootstrap, port, logs } = await startTestBroker(t, BROKER_CONFIG);
  const group = 'kcat-dynamic';
  const topic = 'kcat-group-topic';
  const log = new TopicLog();
  const first = await log.produce(bootstrap, topic, 'first', 120);
  t.deepEqual(
    log.endOffsets().map((end) => end > 0),
    Array.from({ length: PARTITIONS }, () => true),
    'the keys cover every partition',
  );
  const client = await wireClient(t, port);

  const members = ['kcat-one', 'kcat-two', 'kcat-three'].map((id) => startKcat(t, bootstrap, group, topic, id));
  const [one, two, three] = members as [KcatMember, KcatMember, KcatMember];
  const describe = (): string => describeState(logs, group, members);

  // Together they read everything, and the group settles with all three.
  await waitFor(() => seenBy(members).size === first.length && settledOn(logs, group, topic, members), { timeoutMs: WAIT_MS, describe });
  const full = latestStable(logs, group);
  t.is(full?.protocol, 'range', 'librdkafka lists range first');
  for (const m of members) t.is(partitionsOf(full, m.clientId, topic)?.length, 2, `${m.clientId} owns two of six partitions`);
  // Everything printed is a record that was produced, at its offset.
  assertGenuine(t, log.records, members);

  // Auto-commit catches up with the log end on every partition.
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });

  // SIGKILL sends no LeaveGroup: the broker notices only when the session times out.
  const lost = partitionsOf(full, three.clientId, topic) ?? [];
  const generationBefore = full?.generation ?? 0;
  const marks = new Map([one, two].map((m) => [m.clientId, m.records.length]));
  await three.kill();
  await waitFor(
    () => (latestStable(logs, group)?.generation ?? 0) > generationBefore && settledOn(logs, group, topic, [one, two]),
    { timeoutMs: WAIT_MS, describe },
  );
  const after = latestStable(logs, group);
  t.is(after === undefined ? 'no generation' : memberOf(after, three.clientId), undefined, 'the killed member is gone');
  t.deepEqual(
    [...(partitionsOf(after, one.clientId, topic) ?? []), ...(partitionsOf(after, two.clientId, topic) ?? [])].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5],
  );
  for (const p of lost) {
    t.true(partitionsOf(after, one.clientId, topic)?.includes(p) === true || partitionsOf(after, two.clientId, topic)?.includes(p) === true, `partition ${p} moved`);
  }

  // The survivors resume the moved partitions at the killed member's committed offsets: they
  // read only what is produced now, each record once.
  const second = await log.produce(bootstrap, topic, 'second', 60);
  const fresh = (): Rec[] => [one, two].flatMap((m) => m.records.slice(marks.get(m.clientId)));
  await waitFor(() => fresh().length >= second.length, { timeoutMs: WAIT_MS, describe });
  t.deepEqual(sortRecs(fresh()), sortRecs(second));
  for (const m of [one, two]) {
    const owned = partitionsOf(after, m.clientId, topic) ?? [];
    t.deepEqual(sortRecs(m.records.slice(marks.get(m.clientId))), sortRecs(second.filter((r) => owned.includes(r.partition))), `${m.clientId} read its partitions`);
  }
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });

  assertEveryGenerationPartitioned(t, stableGenerations(logs, group), topic, PARTITIONS);
});

test('a static kcat -G member (group.instance.id) SIGKILLed and restarted gets its partitions back without a rebalance and continues from its commits', async (t) => {
  const { bootstrap, port, logs } = await startTestBroker(t, BROKER_CONFIG);
  const group = 'kcat-static';
  const topic = 'kcat-static-topic';
  const instanceId = 'kcat-static-instance';
  const log = new TopicLog();
  const first = await log.produce(bootstrap, topic, 'first', 90);
  const client = await wireClient(t, port);

  // The static member's session outlasts its restart by far; the broker keeps its place meanwhile.
  const staticOptions: MemberOptions = { sessionTimeoutMs: 10_000, extra: ['-X', `group.instance.id=${instanceId}`] };
  const dynamic = startKcat(t, bootstrap, group, topic, 'kcat-dynamic');
  const fixed = startKcat(t, bootstrap, group, topic, 'kcat-fixed', staticOptions);
  let members = [dynamic, fixed];
  const describe = (): string => describeState(logs, group, members);

  await waitFor(() => seenBy(members).size === first.length && settledOn(logs, group, topic, members), { timeoutMs: WAIT_MS, describe });
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });
  const before = latestStable(logs, group);
  const fixedPartitions = partitionsOf(before, fixed.clientId, topic) ?? [];
  const dynamicPartitions = partitionsOf(before, dynamic.clientId, topic) ?? [];
  t.is(fixedPartitions.length, 3);
  const oldMemberId = before === undefined ? undefined : memberOf(before, fixed.clientId);

  const described = async (): Promise<{ state: string; members: { memberId: string; groupInstanceId: string | null }[] }> => {
    const response = await client.request(ApiKey.DESCRIBE_GROUPS, 4, { groups: [group], includeAuthorizedOperations: false });
    const entry = response.groups[0];
    return {
      state: entry?.groupState ?? '',
      members: (entry?.members ?? []).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })).sort((a, b) => a.memberId.localeCompare(b.memberId)),
    };
  };
  const describedBefore = await described();
  t.is(describedBefore.state, 'Stable');
  t.deepEqual(
    describedBefore.members.find((m) => m.groupInstanceId === instanceId)?.memberId,
    oldMemberId,
    'DescribeGroups v4 shows the group.instance.id',
  );

  // Kill the static member and start it again at once, with the same group.instance.id.
  await fixed.kill();
  const restarted = startKcat(t, bootstrap, group, topic, 'kcat-fixed', staticOptions);
  members = [dynamic, restarted];
  await waitFor(() => restarted.assignment() !== null, { timeoutMs: WAIT_MS, describe });
  t.deepEqual(restarted.assignment(), fixedPartitions, 'the restarted static member is handed its old partitions');

  // Consumption continues on both members from the committed offsets.
  const mark = dynamic.records.length;
  const second = await log.produce(bootstrap, topic, 'second', 60);
  const fresh = (): Rec[] => [...dynamic.records.slice(mark), ...restarted.records];
  await waitFor(() => fresh().length >= second.length, { timeoutMs: WAIT_MS, describe });
  t.deepEqual(sortRecs(restarted.records), sortRecs(second.filter((r) => fixedPartitions.includes(r.partition))), 'the restarted member reads only new records, on its partitions');
  t.deepEqual(sortRecs(dynamic.records.slice(mark)), sortRecs(second.filter((r) => dynamicPartitions.includes(r.partition))));
  await waitForCommitted(client, group, topic, log.endOffsets(), { timeoutMs: WAIT_MS, describe });

  // Kafka does not rebalance a Stable group when a static member rejoins with unchanged
  // metadata (KIP-345): the generation stays, the instance id now maps to a new member id.
  t.is(latestStable(logs, group)?.generation, before?.generation, 'no new generation');
  t.is(restarted.assignedCount(), 1);
  t.is(
    dynamic.assignedCount(),
    stableGenerations(logs, group).filter((g) => memberOf(g, dynamic.clientId) !== undefined).length,
    'the dynamic member was assigned once per generation it was in, and saw no other rebalance',
  );
  const describedAfter = await described();
  t.is(describedAfter.state, 'Stable');
  const newMemberId = describedAfter.members.find((m) => m.groupInstanceId === instanceId)?.memberId;
  t.true(newMemberId !== undefined && newMemberId !== oldMemberId && newMemberId.startsWith('kcat-fixed-'), `member id ${String(newMemberId)} replaced ${String(oldMemberId)}`);
  t.is(describedAfter.members.length, 2);

  assertEveryGenerationPartitioned(t, stableGenerations(logs, group), topic, PARTITIONS);
});
