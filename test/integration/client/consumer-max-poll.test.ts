/**
 * client/consumer: maxPollIntervalMs (Kafka's max.poll.interval.ms) against a real broker. An
 * application that holds a batch too long makes its member leave the group, so the partitions
 * go to the other member, which reprocesses what was never committed; when the application asks
 * for the next batch again, the member rejoins.
 */
import test from 'ava';
import { Consumer } from '../../../client/index.ts';
import type { TopicPartition } from '../../../client/index.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { produce, valuesBatch } from '../broker/records.ts';
import { startGroupFixture } from './group-fixtures.ts';

const GROUP_TIMINGS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 100, rebalanceTimeoutMs: 10_000, maxWaitMs: 100, autoCommitIntervalMs: 100 } as const;
const WAIT_MS = 20_000;
const PARTITIONS = 4;
const TOPIC = 'slow-topic';
const GROUP = 'slow-group';

const numbers = (tps: readonly TopicPartition[]): number[] => tps.map((tp) => tp.partition).sort((a, b) => a - b);

test('a member whose application stops asking for batches leaves the group after maxPollIntervalMs; its partitions move; it rejoins when the application comes back', async (t) => {
  const { bootstrap, logs, send, ends } = await startGroupFixture(t, TOPIC, PARTITIONS);

  const slowRevoked: number[][] = [];
  const slow = new Consumer({
    bootstrapServers: bootstrap,
    groupId: GROUP,
    clientId: 'slow',
    autoOffsetReset: 'earliest',
    ...GROUP_TIMINGS,
    maxPollIntervalMs: 1000,
    onRevoked: (tps) => {
      slowRevoked.push(numbers(tps));
    },
  });
  const steady = new Consumer({ bootstrapServers: bootstrap, groupId: GROUP, clientId: 'steady', autoOffsetReset: 'earliest', ...GROUP_TIMINGS });
  t.teardown(() => slow.close());
  t.teardown(() => steady.close());
  const processed = { slow: [] as string[], steady: [] as string[] };
  const failures: unknown[] = [];
  // The slow application stalls, holding the first batch it gets once `stall` is set.
  let release = (): void => undefined;
  const stall = new Promise<void>((resolve) => {
    release = resolve;
  });
  let stalling = false;
  let held: string[] | undefined;
  const loop = async (consumer: Consumer, into: string[], stalls: boolean): Promise<void> => {
    await consumer.connect();
    consumer.subscribe([TOPIC]);
    for await (const batch of consumer) {
      const ids = batch.records.map((r) => `${batch.partition}/${r.offset}`);
      if (stalls && stalling && held === undefined) {
        held = ids;
        await stall;
      }
      into.push(...ids);
    }
  };
  void loop(slow, processed.slow, true).catch((error: unknown) => failures.push(error));
  await send();
  await waitFor(() => slow.assignment().length === PARTITIONS, { timeoutMs: WAIT_MS });
  void loop(steady, processed.steady, false).catch((error: unknown) => failures.push(error));
  const describe = (): string =>
    JSON.stringify({ slow: [numbers(slow.assignment()), slowRevoked, processed.slow.length], steady: [numbers(steady.assignment()), processed.steady.length], held, failures: failures.map(String) });
  await waitFor(() => slow.assignment().length === 2 && steady.assignment().length === 2 && processed.slow.length + processed.steady.length === 20, {
    timeoutMs: WAIT_MS,
    describe,
  });
  const slowPartitions = numbers(slow.assignment());
  const slowMember = slow.memberId;
  const revokedBefore = slowRevoked.length;

  // The slow application takes a batch and sits on it.
  stalling = true;
  await send();
  await waitFor(() => held !== undefined, { timeoutMs: WAIT_MS, describe });
  // Past maxPollIntervalMs it leaves (LeaveGroup), loses its partitions, and the steady member takes them all.
  await waitFor(() => steady.assignment().length === PARTITIONS, { timeoutMs: WAIT_MS, describe });
  t.true(
    logs.some((l) => l.msg === 'member removed' && l['member'] === slowMember && l['reason'] === 'left the group'),
    'the slow member sent LeaveGroup',
  );
  t.deepEqual(slowRevoked.slice(revokedBefore), [slowPartitions], describe());
  t.deepEqual(slow.assignment(), []);
  // What the slow member held was never committed: the steady member processes it again.
  await waitFor(() => held!.every((id) => processed.steady.includes(id)), { timeoutMs: WAIT_MS, describe });
  await waitFor(() => processed.steady.length >= 40 - processed.slow.length, { timeoutMs: WAIT_MS, describe });

  // The application comes back: its next() makes the member rejoin, and the group splits again.
  release();
  await waitFor(() => slow.assignment().length === 2 && steady.assignment().length === 2, { timeoutMs: WAIT_MS, describe });
  t.not(slow.memberId, slowMember, 'it rejoined as a new member');
  await send();
  await waitFor(() => new Set([...processed.slow, ...processed.steady]).size === 60, { timeoutMs: WAIT_MS, describe });
  const all = [...processed.slow, ...processed.steady];
  const twice = [...new Set(all.filter((id, i) => all.indexOf(id) !== i))].sort();
  t.deepEqual(twice, [...held!].sort(), 'only the batch the slow application held when it left is processed twice');
  t.deepEqual(failures, []);
  await pollUntil(
    async () => {
      const committed = await steady.committed(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })));
      return Array.from({ length: PARTITIONS }, (_, p) => Number(committed.get(`${TOPIC}\u0000${p}`) ?? -1));
    },
    (offsets) => JSON.stringify(offsets) === JSON.stringify(ends),
    `commits at the log ends ${JSON.stringify(ends)}`,
    WAIT_MS,
  );
});

test('a static member past maxPollIntervalMs sends no LeaveGroup: the coordinator drops it when its session times out', async (t) => {
  const topic = 'static-slow-topic';
  const { bootstrap, logs, wire } = await startGroupFixture(t, topic, 2);
  await produce(wire, topic, 0, valuesBatch(['a', 'b']));
  const revoked: number[][] = [];
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    groupId: 'static-slow-group',
    groupInstanceId: 'static-slow-1',
    autoOffsetReset: 'earliest',
    ...GROUP_TIMINGS,
    sessionTimeoutMs: 2000,
    maxPollIntervalMs: 500,
    onRevoked: (tps) => {
      revoked.push(numbers(tps));
    },
  });
  t.teardown(() => consumer.close());
  await consumer.connect();
  consumer.subscribe([topic]);
  const iterator = consumer[Symbol.asyncIterator]();
  // The application takes one batch and then does not ask for another.
  const first = await iterator.next();
  t.false(first.done);
  const member = consumer.memberId;
  await waitFor(() => revoked.length === 1, { timeoutMs: WAIT_MS, describe: () => JSON.stringify(revoked) });
  t.deepEqual(revoked, [[0, 1]]);
  await waitFor(() => logs.some((l) => l.msg === 'member removed' && l['member'] === member), { timeoutMs: WAIT_MS, describe: () => 'the coordinator never dropped the member' });
  const removal = logs.find((l) => l.msg === 'member removed' && l['member'] === member);
  t.regex(String(removal?.['reason']), /^session timed out/, 'no LeaveGroup: the session timeout removed it');
  await iterator.return?.();
});

test('a member that goes past maxPollIntervalMs while an eager rebalance waits for its batch leaves without joining the new generation', async (t) => {
  const topic = 'slow-rebalance-topic';
  const group = 'slow-rebalance-group';
  const { bootstrap, send } = await startGroupFixture(t, topic, 2);
  await send();
  const events: string[] = [];
  const slow = new Consumer({
    bootstrapServers: bootstrap,
    groupId: group,
    clientId: 'slow',
    autoOffsetReset: 'earliest',
    ...GROUP_TIMINGS,
    maxPollIntervalMs: 1000,
    onAssigned: (tps) => {
      events.push(`assigned ${numbers(tps).join()}`);
    },
    onRevoked: (tps) => {
      events.push(`revoked ${numbers(tps).join()}`);
    },
  });
  const steady = new Consumer({ bootstrapServers: bootstrap, groupId: group, clientId: 'steady', autoOffsetReset: 'earliest', ...GROUP_TIMINGS });
  t.teardown(() => slow.close());
  t.teardown(() => steady.close());
  await slow.connect();
  slow.subscribe([topic]);
  const iterator = slow[Symbol.asyncIterator]();
  // The application takes a batch and then holds it.
  t.false((await iterator.next()).done);
  t.deepEqual(events, ['assigned 0,1']);
  // Another member joins: the slow member's revocation waits for the batch until maxPollIntervalMs.
  await steady.connect();
  steady.subscribe([topic]);
  const describe = (): string => JSON.stringify({ events, steady: numbers(steady.assignment()) });
  await waitFor(() => steady.assignment().length === 2, { timeoutMs: WAIT_MS, describe });
  t.deepEqual(events, ['assigned 0,1', 'revoked 0,1'], 'no JoinGroup and SyncGroup after the revocation: the member left at once');
  // The application comes back: the member rejoins and the group splits.
  const back = iterator.next();
  await waitFor(() => slow.assignment().length === 1 && steady.assignment().length === 1, { timeoutMs: WAIT_MS, describe });
  await send();
  t.false((await back).done);
  await iterator.return?.();
});
