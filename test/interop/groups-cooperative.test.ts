import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Consumer, cooperativeStickyAssignor } from '../../client/index.ts';
import type { TopicPartition } from '../../client/index.ts';
import { ErrorCode } from '../../core/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import type { LogLine } from '../helpers/broker.ts';
import { WireClient } from '../helpers/kafka-wire.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { produce, valuesBatch } from '../integration/broker/records.ts';
import { memberOf, stableGenerations, waitForCommitted } from './groups-helpers.ts';
import type { StableGeneration } from './groups-helpers.ts';
import { startPythonMember } from './python-member.ts';
import type { MemberEvent } from './python-member.ts';

// One cooperative-sticky group shared by Brook consumers and a confluent-kafka-python consumer
// (librdkafka 2.0.2, partition.assignment.strategy=cooperative-sticky, which decodes and encodes
// the consumer protocol itself). Brook leads first, then librdkafka does: each must read the
// other's subscriptions (v1, with owned partitions) and assignments, and both must hold to
// KIP-429 (a partition moves only through a generation in which nobody owns it).

const PARTITIONS = 6;
const BROKER_CONFIG = {
  numPartitions: PARTITIONS,
  groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 },
};
const WAIT_MS = 30_000;
const GROUP = 'coop-interop';
const TOPIC = 'coop-interop-topic';

interface Member {
  readonly clientId: string;
  /** `partition/offset` of every record it processed. */
  readonly processed: string[];
  readonly revocations: number[][];
  readonly assignments: number[][];
  owned(): number[];
  describe(): string;
}

const sorted = (list: Iterable<number>): number[] => [...list].sort((a, b) => a - b);

function startBrook(t: ExecutionContext, bootstrap: string, clientId: string, violations: string[]): Member & { consumer: Consumer } {
  const owned = new Set<number>();
  const processed: string[] = [];
  const revocations: number[][] = [];
  const assignments: number[][] = [];
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    groupId: GROUP,
    clientId,
    autoOffsetReset: 'earliest',
    assignors: [cooperativeStickyAssignor()],
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 100,
    rebalanceTimeoutMs: 10_000,
    maxWaitMs: 100,
    autoCommitIntervalMs: 200,
    onAssigned: (tps: TopicPartition[]) => {
      assignments.push(sorted(tps.map((tp) => tp.partition)));
      for (const tp of tps) owned.add(tp.partition);
    },
    onRevoked: (tps: TopicPartition[]) => {
      revocations.push(sorted(tps.map((tp) => tp.partition)));
      for (const tp of tps) owned.delete(tp.partition);
    },
  });
  t.teardown(() => consumer.close());
  void (async () => {
    await consumer.connect();
    consumer.subscribe([TOPIC]);
    for await (const batch of consumer) {
      if (!owned.has(batch.partition)) violations.push(`${clientId} processed partition ${batch.partition}, which it does not own`);
      for (const r of batch.records) processed.push(`${batch.partition}/${r.offset}`);
    }
  })().catch((error: unknown) => {
    violations.push(`${clientId} failed: ${String(error)}`);
  });
  return {
    clientId,
    consumer,
    processed,
    revocations,
    assignments,
    owned: () => sorted(owned),
    describe: () => `--- ${clientId} (brook): owns ${JSON.stringify(sorted(owned))}, assigned ${JSON.stringify(assignments)}, revoked ${JSON.stringify(revocations)}, processed ${processed.length}`,
  };
}

function startLibrdkafka(t: ExecutionContext, bootstrap: string, clientId: string): Member & { events: MemberEvent[]; close(): Promise<void> } {
  // max.poll.interval.ms is librdkafka's default: the test never holds a batch.
  const config = { bootstrap, topic: TOPIC, group: GROUP, clientId, sessionTimeoutMs: 6000, heartbeatIntervalMs: 100, maxPollIntervalMs: 300_000, assignmentStrategy: 'cooperative-sticky' };
  const owned = new Set<number>();
  const processed: string[] = [];
  const revocations: number[][] = [];
  const assignments: number[][] = [];
  const member = startPythonMember(t, 'confluent', config, {
    timeoutMs: WAIT_MS,
    // Cooperative: each event names only the partitions added or taken away.
    onEvent: (event) => {
      if (event.event === 'assigned') {
        assignments.push(event.partitions ?? []);
        for (const p of event.partitions ?? []) owned.add(p);
      }
      if (event.event === 'revoked') {
        revocations.push(event.partitions ?? []);
        for (const p of event.partitions ?? []) owned.delete(p);
      }
      for (const r of event.records ?? []) processed.push(`${r.partition}/${r.offset}`);
    },
    summary: () => `owns ${JSON.stringify(sorted(owned))}, processed ${processed.length}`,
  });
  return { ...member, processed, revocations, assignments, owned: () => sorted(owned) };
}

/** KIP-429 as the broker saw it: a partition leaves a member that stays only through a generation in which nobody owns it. */
function cooperativeViolations(generations: readonly StableGeneration[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < generations.length; i++) {
    const before = generations[i - 1]!;
    const after = generations[i]!;
    const ownerBefore = new Map(Object.entries(before.assignments).flatMap(([member, names]) => names.map((n) => [n, member] as const)));
    for (const [member, names] of Object.entries(after.assignments)) {
      for (const n of names) {
        const previous = ownerBefore.get(n);
        if (previous !== undefined && previous !== member && previous in after.assignments) {
          out.push(`generation ${after.generation} gives ${n} to ${member} while ${previous}, which had it in ${before.generation}, is still a member`);
        }
      }
    }
    const owned = Object.values(after.assignments).flat();
    if (new Set(owned).size !== owned.length) out.push(`generation ${after.generation} gives a partition to two members: ${JSON.stringify(after.assignments)}`);
  }
  return out;
}

function leaderOf(logs: readonly LogLine[]): string | undefined {
  const line = logs.filter((l) => l.msg === 'rebalance: members joined' && l['group'] === GROUP).at(-1);
  return typeof line?.['leader'] === 'string' ? line['leader'] : undefined;
}

test('Brook and librdkafka share a cooperative-sticky group: either may lead, members give up only what moves, every record is processed once', async (t) => {
  const { bootstrap, port, logs } = await startTestBroker(t, BROKER_CONFIG);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  const ends = Array.from({ length: PARTITIONS }, () => 0);
  const produceRound = async (prefix: string): Promise<void> => {
    for (let p = 0; p < PARTITIONS; p++) {
      const values = Array.from({ length: 10 }, (_, i) => `${prefix}-${p}-${i}`);
      const result = await produce(wire, TOPIC, p, valuesBatch(values));
      if (result.errorCode !== ErrorCode.NONE) throw new Error(`produce to ${p} failed with ${result.errorCode}`);
      ends[p] = (ends[p] ?? 0) + values.length;
    }
  };
  const violations: string[] = [];
  const members: Member[] = [];
  const describe = (): string => [`violations: ${JSON.stringify(violations)}`, `leader: ${String(leaderOf(logs))}`, ...members.map((m) => m.describe())].join('\n');
  const wait = (condition: () => boolean): Promise<void> => waitFor(condition, { timeoutMs: WAIT_MS, describe });

  await produceRound('first');
  // Brook leads a group of one.
  const a = startBrook(t, bootstrap, 'brook-a', violations);
  members.push(a);
  await wait(() => a.owned().length === PARTITIONS);

  // librdkafka joins: A, the leader, gives up three partitions (and only those); librdkafka gets them a generation later.
  const l = startLibrdkafka(t, bootstrap, 'rdkafka-l');
  members.push(l);
  await wait(() => l.owned().length === 3 && a.owned().length === 3);
  t.deepEqual(a.revocations.flat().sort(), l.owned(), describe());
  t.deepEqual(l.revocations, []);

  // A second Brook member: A and librdkafka each give up one partition.
  const b = startBrook(t, bootstrap, 'brook-b', violations);
  members.push(b);
  await wait(() => a.owned().length === 2 && b.owned().length === 2 && l.owned().length === 2);
  t.is(l.revocations.flat().length, 1, describe());
  t.deepEqual(sorted([...l.revocations.flat(), ...a.revocations.slice(1).flat()]), b.owned());

  // A leaves: librdkafka (the oldest member left) leads now and hands A's partitions to
  // librdkafka and B; neither gives up anything it had.
  const bKept = b.owned();
  const lKept = l.owned();
  const bRevocations = b.revocations.length;
  const lRevocations = l.revocations.length;
  await a.consumer.close();
  await wait(() => b.owned().length === 3 && l.owned().length === 3);
  t.true(leaderOf(logs)?.startsWith('rdkafka-l-') === true, `librdkafka leads: ${String(leaderOf(logs))}`);
  t.deepEqual(b.revocations.slice(bRevocations), [], 'B gives up nothing when librdkafka assigns');
  t.deepEqual(l.revocations.slice(lRevocations), []);
  t.true(bKept.every((p) => b.owned().includes(p)) && lKept.every((p) => l.owned().includes(p)), describe());
  t.deepEqual(sorted([...b.owned(), ...l.owned()]), [0, 1, 2, 3, 4, 5]);

  // Everything produced, before and after, is processed exactly once across the three members.
  await produceRound('second');
  const total = (): number => ends.reduce((x, y) => x + y, 0);
  await wait(() => members.reduce((n, m) => n + m.processed.length, 0) >= total());
  const all = members.flatMap((m) => m.processed);
  t.deepEqual(
    [...all].sort(),
    ends.flatMap((end, p) => Array.from({ length: end }, (_, o) => `${p}/${o}`)).sort(),
    describe(),
  );
  await waitForCommitted(wire, GROUP, TOPIC, ends, { timeoutMs: WAIT_MS, describe });
  await l.close();
  await b.consumer.close();

  t.deepEqual(violations, []);
  t.deepEqual(l.events.filter((e) => e.event === 'consumerError' || e.event === 'unparsed' || e.event === 'commitFailed'), []);
  const generations = stableGenerations(logs, GROUP);
  t.true(generations.every((g) => g.protocol === 'cooperative-sticky'));
  t.deepEqual(cooperativeViolations(generations), []);
  t.true(generations.some((g) => memberOf(g, 'rdkafka-l') !== undefined && memberOf(g, 'brook-a') !== undefined));
});
