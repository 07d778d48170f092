/**
 * client/consumer: the cooperative-sticky assignor and the incremental cooperative rebalance
 * protocol (KIP-429) with Brook consumers against a real broker. Members join one by one while
 * records keep arriving: the members already there give up only the partitions that move, a
 * partition never has two owners, and with commits every record is processed exactly once.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Consumer, cooperativeStickyAssignor, rangeAssignor } from '../../../client/index.ts';
import type { ConsumerOptions, TopicPartition } from '../../../client/index.ts';
import { ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import type { LogLine } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { createTopic, produce, valuesBatch } from '../broker/records.ts';

const BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 } };
const GROUP_TIMINGS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 100, rebalanceTimeoutMs: 10_000, maxWaitMs: 100, autoCommitIntervalMs: 200 } as const;
const WAIT_MS = 20_000;
const PARTITIONS = 6;

/** Who owns which partition, as the members' rebalance listeners tell it; every violation is kept. */
class Ownership {
  readonly owners = new Map<number, string>();
  readonly violations: string[] = [];

  assigned(member: string, partitions: readonly TopicPartition[]): void {
    for (const { partition } of partitions) {
      const owner = this.owners.get(partition);
      if (owner !== undefined) this.violations.push(`${member} was assigned ${partition} while ${owner} owned it`);
      this.owners.set(partition, member);
    }
  }

  revoked(member: string, partitions: readonly TopicPartition[]): void {
    for (const { partition } of partitions) {
      const owner = this.owners.get(partition);
      if (owner !== member) this.violations.push(`${member} had ${partition} revoked, owned by ${String(owner)}`);
      else this.owners.delete(partition);
    }
  }
}

interface Member {
  readonly name: string;
  readonly consumer: Consumer;
  /** Every revoked callback's partitions, in order. */
  readonly revocations: number[][];
  readonly assignments: number[][];
  /** `partition/offset` of every record it processed. */
  readonly processed: string[];
  /** Partitions currently owned, by its own listener's account. */
  owned(): number[];
}

const numbers = (tps: readonly TopicPartition[]): number[] => tps.map((tp) => tp.partition).sort((a, b) => a - b);

function startMember(t: ExecutionContext, bootstrap: string, name: string, topic: string, ownership: Ownership, options: Partial<ConsumerOptions> = {}): Member {
  const revocations: number[][] = [];
  const assignments: number[][] = [];
  const processed: string[] = [];
  const owned = new Set<number>();
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    groupId: 'coop',
    clientId: name,
    autoOffsetReset: 'earliest',
    assignors: [cooperativeStickyAssignor()],
    ...GROUP_TIMINGS,
    ...options,
    onAssigned: (partitions) => {
      assignments.push(numbers(partitions));
      for (const p of partitions) owned.add(p.partition);
      ownership.assigned(name, partitions);
    },
    onRevoked: (partitions) => {
      revocations.push(numbers(partitions));
      for (const p of partitions) owned.delete(p.partition);
      ownership.revoked(name, partitions);
    },
  });
  t.teardown(() => consumer.close());
  void (async () => {
    await consumer.connect();
    consumer.subscribe([topic]);
    for await (const batch of consumer) {
      // Processing a record of a partition this member does not own would be a second owner.
      if (ownership.owners.get(batch.partition) !== name) ownership.violations.push(`${name} processed ${batch.partition} owned by ${String(ownership.owners.get(batch.partition))}`);
      for (const r of batch.records) processed.push(`${batch.partition}/${r.offset}`);
    }
  })().catch((error: unknown) => {
    ownership.violations.push(`${name} failed: ${String(error)}`);
  });
  return { name, consumer, revocations, assignments, processed, owned: () => [...owned].sort((a, b) => a - b) };
}

function stableLines(logs: readonly LogLine[], group: string): { generation: number; protocol: string; assignments: Record<string, string[]> }[] {
  return logs
    .filter((l) => l.msg === 'group stable' && l['group'] === group)
    .map((l) => ({ generation: l['generation'] as number, protocol: l['protocol'] as string, assignments: l['assignments'] as Record<string, string[]> }));
}

test('members joining a cooperative-sticky group take partitions without stopping the others; no partition has two owners; every record is processed once', async (t) => {
  const { port, bootstrap, logs } = await startTestBroker(t, BROKER_CONFIG);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  const topic = 'coop-topic';
  await createTopic(wire, topic, PARTITIONS);
  const ends = Array.from({ length: PARTITIONS }, () => 0);
  let sent = 0;
  const send = async (partition: number): Promise<void> => {
    const values = Array.from({ length: 5 }, (_, i) => `p${partition}-${sent}-${i}`);
    const result = await produce(wire, topic, partition, valuesBatch(values));
    if (result.errorCode !== ErrorCode.NONE) throw new Error(`produce failed with ${result.errorCode}`);
    ends[partition] = (ends[partition] ?? 0) + values.length;
    sent++;
  };
  /** Keeps producing, a batch per partition in turn, until `condition` holds. */
  const produceUntil = async (condition: () => boolean, describe: () => string): Promise<void> => {
    const deadline = Date.now() + WAIT_MS;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`gave up waiting: ${describe()}`);
      await send(sent % PARTITIONS);
    }
  };

  const ownership = new Ownership();
  const members: Member[] = [];
  const describe = (): string =>
    [`violations: ${JSON.stringify(ownership.violations)}`, ...members.map((m) => `${m.name}: owns ${JSON.stringify(m.owned())}, revoked ${JSON.stringify(m.revocations)}, processed ${m.processed.length}`)].join('\n');
  const total = (): number => ends.reduce((a, b) => a + b, 0);

  for (let p = 0; p < PARTITIONS; p++) await send(p);
  const a = startMember(t, bootstrap, 'member-a', topic, ownership);
  members.push(a);
  await produceUntil(() => a.owned().length === PARTITIONS && a.processed.length >= 10, describe);

  // B joins: A gives up three partitions and keeps three; B gets exactly those three.
  const aBefore = a.owned();
  const b = startMember(t, bootstrap, 'member-b', topic, ownership);
  members.push(b);
  await produceUntil(() => b.owned().length === 3 && a.owned().length === 3, describe);
  t.deepEqual(a.revocations.flat().sort(), b.owned(), 'A revoked exactly what B now owns');
  t.true(a.owned().every((p) => aBefore.includes(p)));

  // C joins: A and B each give up one partition, which C gets; nobody else is touched.
  const revokedBefore = new Map(members.map((m) => [m.name, m.revocations.length]));
  const bBefore = b.owned();
  const aMid = a.owned();
  const c = startMember(t, bootstrap, 'member-c', topic, ownership);
  members.push(c);
  await produceUntil(() => members.every((m) => m.owned().length === 2), describe);
  const revokedNow = (m: Member): number[] => m.revocations.slice(revokedBefore.get(m.name)).flat().sort((x, y) => x - y);
  t.is(revokedNow(a).length, 1, describe());
  t.is(revokedNow(b).length, 1, describe());
  t.deepEqual([...revokedNow(a), ...revokedNow(b)].sort(), c.owned());
  t.true(a.owned().every((p) => aMid.includes(p)));
  t.true(b.owned().every((p) => bBefore.includes(p)));
  // B kept its other partitions throughout: no revoke callback for them, in any generation.
  t.deepEqual(b.revocations.flat(), revokedNow(b));

  // Every record produced is processed exactly once, and the commits reach the log end.
  await produceUntil(() => sent >= 60, describe);
  await waitFor(() => members.reduce((n, m) => n + m.processed.length, 0) >= total(), { timeoutMs: WAIT_MS, describe });
  const all = members.flatMap((m) => m.processed);
  t.is(all.length, total(), 'no record processed twice');
  t.is(new Set(all).size, total());
  const expected = ends.flatMap((end, p) => Array.from({ length: end }, (_, o) => `${p}/${o}`));
  t.deepEqual([...all].sort(), expected.sort());
  const allPartitions = Array.from({ length: PARTITIONS }, (_, p) => ({ topic, partition: p }));
  await pollUntil(
    async () => {
      const committed = await a.consumer.committed(allPartitions);
      return allPartitions.map(({ partition }) => Number(committed.get(`${topic}\u0000${partition}`) ?? -1));
    },
    (offsets) => JSON.stringify(offsets) === JSON.stringify(ends),
    `committed offsets at the log ends ${JSON.stringify(ends)}`,
    WAIT_MS,
  );

  t.deepEqual(ownership.violations, []);
  // The broker saw the cooperative-sticky protocol, and no generation gave a partition to two members.
  const generations = stableLines(logs, 'coop');
  t.true(generations.length >= 5, `one generation per join, plus one per revocation: ${generations.length}`);
  for (const g of generations) {
    t.is(g.protocol, 'cooperative-sticky');
    const owned = Object.values(g.assignments).flat();
    t.is(new Set(owned).size, owned.length, JSON.stringify(g));
  }
});

test('a group whose members also offer an eager assignor rebalances eagerly: every partition is revoked before each rejoin', async (t) => {
  const { port, bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  const topic = 'eager-topic';
  await createTopic(wire, topic, 4);
  const ownership = new Ownership();
  const options = { assignors: [cooperativeStickyAssignor(), rangeAssignor()] };
  const a = startMember(t, bootstrap, 'eager-a', topic, ownership, options);
  await waitFor(() => a.owned().length === 4, { timeoutMs: WAIT_MS, describe: () => JSON.stringify(a.assignments) });
  const b = startMember(t, bootstrap, 'eager-b', topic, ownership, options);
  await waitFor(() => a.owned().length === 2 && b.owned().length === 2, { timeoutMs: WAIT_MS, describe: () => JSON.stringify([a.revocations, b.assignments]) });
  // Eager: A gave up all four before rejoining, and got two back.
  t.deepEqual(a.revocations, [[0, 1, 2, 3]]);
  t.deepEqual(ownership.violations, []);
});
