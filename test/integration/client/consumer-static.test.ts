/**
 * client/consumer: static membership (groupInstanceId, KIP-345) against a real broker. A static
 * member sends no LeaveGroup on close, so restarting it within its session timeout gets its
 * partitions back without a rebalance; a second consumer with the same instance id fences the
 * first, which fails with FENCED_INSTANCE_ID.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Consumer, KafkaError } from '../../../client/index.ts';
import type { ConsumerOptions, TopicPartition } from '../../../client/index.ts';
import type { LogLine } from '../../helpers/broker.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { startGroupFixture } from './group-fixtures.ts';

const GROUP_TIMINGS = { sessionTimeoutMs: 15_000, heartbeatIntervalMs: 100, rebalanceTimeoutMs: 10_000, maxWaitMs: 100, autoCommitIntervalMs: 200 } as const;
const WAIT_MS = 20_000;
const PARTITIONS = 4;

interface Member {
  readonly consumer: Consumer;
  readonly processed: string[];
  readonly assignments: number[][];
  readonly revocations: number[][];
  /** Settles when its loop ends: with the error it failed with, or undefined. */
  readonly ended: Promise<unknown>;
}

const numbers = (tps: readonly TopicPartition[]): number[] => tps.map((tp) => tp.partition).sort((a, b) => a - b);

function startMember(t: ExecutionContext, bootstrap: string, topic: string, group: string, options: Partial<ConsumerOptions>): Member {
  const processed: string[] = [];
  const assignments: number[][] = [];
  const revocations: number[][] = [];
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    groupId: group,
    autoOffsetReset: 'earliest',
    ...GROUP_TIMINGS,
    ...options,
    onAssigned: (tps) => {
      assignments.push(numbers(tps));
    },
    onRevoked: (tps) => {
      revocations.push(numbers(tps));
    },
  });
  t.teardown(() => consumer.close());
  const ended = (async () => {
    await consumer.connect();
    consumer.subscribe([topic]);
    for await (const batch of consumer) for (const r of batch.records) processed.push(`${batch.partition}/${r.offset}`);
    return undefined;
  })().catch((error: unknown) => error);
  return { consumer, processed, assignments, revocations, ended };
}

const stableCount = (logs: readonly LogLine[], group: string): number => logs.filter((l) => l.msg === 'group stable' && l['group'] === group).length;

test('a static member restarted within its session timeout gets its partitions back without a rebalance; the other member sees no revocation', async (t) => {
  const topic = 'static-topic';
  const group = 'static-group';
  const { bootstrap, logs, send, ends } = await startGroupFixture(t, topic, PARTITIONS);
  await send();
  const a = startMember(t, bootstrap, topic, group, { groupInstanceId: 'instance-a', clientId: 'static-a' });
  await waitFor(() => a.consumer.assignment().length === PARTITIONS, { timeoutMs: WAIT_MS });
  const b = startMember(t, bootstrap, topic, group, { clientId: 'dynamic-b' });
  const describe = (): string => JSON.stringify({ a: [a.assignments, a.revocations, a.processed.length], b: [b.assignments, b.revocations, b.processed.length], stable: stableCount(logs, group) });
  await waitFor(() => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2 && a.processed.length + b.processed.length >= 20, { timeoutMs: WAIT_MS, describe });
  const aPartitions = numbers(a.consumer.assignment());
  const bAssignments = b.assignments.length;
  const bRevocations = b.revocations.length;
  const generations = stableCount(logs, group);
  // Auto-commit (and close) record what A processed.
  await a.consumer.close();
  t.is(await a.ended, undefined);
  t.false(
    logs.some((l) => l.msg === 'member removed' && l['group'] === group),
    'a static member sends no LeaveGroup: the coordinator keeps its place',
  );

  const restarted = startMember(t, bootstrap, topic, group, { groupInstanceId: 'instance-a', clientId: 'static-a' });
  await waitFor(() => restarted.consumer.assignment().length === 2, { timeoutMs: WAIT_MS, describe });
  t.deepEqual(numbers(restarted.consumer.assignment()), aPartitions, 'the same partitions come back');
  await send();
  await waitFor(() => restarted.processed.length + b.processed.length >= 40 - a.processed.length, { timeoutMs: WAIT_MS, describe });

  // No rebalance: no new generation, nothing revoked from or newly assigned to B.
  t.is(stableCount(logs, group), generations);
  t.is(b.revocations.length, bRevocations, describe());
  t.is(b.assignments.length, bAssignments, describe());
  t.true(restarted.consumer.memberId !== '' && restarted.consumer.memberId.startsWith('static-a-'));
  // The restarted member went on from A's commits: every record processed once overall.
  const all = [...a.processed, ...restarted.processed, ...b.processed].sort();
  t.deepEqual(all, ends.flatMap((end, p) => Array.from({ length: end }, (_, o) => `${p}/${o}`)).sort());
  t.true(restarted.processed.every((id) => aPartitions.includes(Number(id.split('/')[0]))));
  await pollUntil(
    async () => numbers(restarted.consumer.assignment()).length > 0 && (await restarted.consumer.committed(aPartitions.map((partition) => ({ topic, partition })))),
    (committed) => committed !== false && aPartitions.every((p) => committed.get(`${topic}\u0000${p}`) === BigInt(ends[p] ?? 0)),
    'the restarted static member commits with its instance id (OffsetCommit v7)',
    WAIT_MS,
  );
});

test('a second consumer with the same groupInstanceId fences the first, which fails with FENCED_INSTANCE_ID', async (t) => {
  const topic = 'fenced-topic';
  const group = 'fenced-group';
  const { bootstrap, send } = await startGroupFixture(t, topic, PARTITIONS);
  await send();
  const first = startMember(t, bootstrap, topic, group, { groupInstanceId: 'twin', clientId: 'first' });
  await waitFor(() => first.consumer.assignment().length === PARTITIONS, { timeoutMs: WAIT_MS });
  const second = startMember(t, bootstrap, topic, group, { groupInstanceId: 'twin', clientId: 'second' });
  const error = await first.ended;
  t.true(error instanceof KafkaError, String(error));
  t.is((error as KafkaError).errorName, 'FENCED_INSTANCE_ID');
  t.regex((error as KafkaError).message, /another consumer joined with the same groupInstanceId 'twin'/);
  await waitFor(() => second.consumer.assignment().length === PARTITIONS, { timeoutMs: WAIT_MS });
});
