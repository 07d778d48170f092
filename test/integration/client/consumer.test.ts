/**
 * client/consumer: Brook's Consumer against a real broker — manual assignment, groups split by
 * Kafka's range and round-robin algorithms, commits surviving a restart, partitions moving when
 * a member leaves, pause/resume, seek, regex subscriptions, the Observable API, and a group
 * shared with kafkajs consumers.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import { firstValueFrom, take, toArray } from 'rxjs';
import { Consumer, rangeAssignor, roundRobinAssignor } from '../../../client/index.ts';
import type { ConsumerBatch, ConsumerOptions, TopicPartition } from '../../../client/index.ts';
import { ErrorCode } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, produce, valuesBatch } from '../broker/records.ts';

const BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 } };
const GROUP_TIMINGS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 100, rebalanceTimeoutMs: 10_000, maxWaitMs: 100 } as const;

interface Fixture {
  readonly bootstrap: string;
  readonly wire: WireClient;
  readonly consumer: (options?: Partial<ConsumerOptions>) => Promise<Consumer>;
  /** Produces `values` to one partition as one batch. */
  readonly send: (topic: string, partition: number, values: readonly string[]) => Promise<void>;
}

async function fixture(t: ExecutionContext): Promise<Fixture> {
  const { port, bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  return {
    bootstrap,
    wire,
    consumer: async (options = {}) => {
      const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', ...GROUP_TIMINGS, ...options });
      t.teardown(() => consumer.close());
      await consumer.connect();
      return consumer;
    },
    send: async (topic, partition, values) => {
      const result = await produce(wire, topic, partition, valuesBatch(values));
      if (result.errorCode !== ErrorCode.NONE) throw new Error(`produce to ${topic}-${partition} failed with ${result.errorCode}`);
    },
  };
}

const values = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Reads batches until `count` records came, then leaves the loop (the last batch counts as processed). */
async function read(consumer: Consumer, count: number): Promise<ConsumerBatch[]> {
  const batches: ConsumerBatch[] = [];
  let seen = 0;
  if (count === 0) return batches;
  for await (const batch of consumer) {
    batches.push(batch);
    seen += batch.records.length;
    if (seen >= count) break;
  }
  return batches;
}

/** `topic-partition:offset=value` for every record, sorted. */
function flat(batches: readonly ConsumerBatch[]): string[] {
  return batches
    .flatMap((b) => b.records.map((r) => `${b.topic}-${b.partition}:${r.offset}=${r.value?.toString() ?? 'null'}`))
    .sort();
}

const sortTps = (tps: readonly TopicPartition[]): string[] => tps.map((tp) => `${tp.topic}-${tp.partition}`).sort();

test('assign() without a group reads one partition from a given offset, skipping earlier records of the batch', async (t) => {
  const f = await fixture(t);
  await createTopic(f.wire, 'manual', 1);
  await f.send('manual', 0, values('v', 10));
  const consumer = await f.consumer();
  await consumer.assign([{ topic: 'manual', partition: 0, offset: 3n }]);
  const batches = await read(consumer, 7);
  const records = batches.flatMap((b) => b.records);
  t.deepEqual(
    records.map((r) => [r.offset, r.key?.toString(), r.value?.toString()]),
    [3, 4, 5, 6, 7, 8, 9].map((i) => [BigInt(i), `k-v-${i}`, `v-${i}`]),
  );
  t.is(records[0]?.timestamp, 1_700_000_000_003n);
  t.deepEqual(records[0]?.headers, []);
  t.deepEqual([batches[0]?.topic, batches[0]?.partition, batches[0]?.highWatermark], ['manual', 0, 10n]);
});

/** Two members of one group, both holding a stable share of `topic`'s partitions. */
async function twoMembers(f: Fixture, t: ExecutionContext, topic: string, group: string, options: Partial<ConsumerOptions>): Promise<[Consumer, Consumer]> {
  const a = await f.consumer({ groupId: group, ...options });
  a.subscribe([topic]);
  await waitFor(() => a.assignment().length === 6, { timeoutMs: 10_000, describe: () => `first member holds ${JSON.stringify(a.assignment())}` });
  const b = await f.consumer({ groupId: group, ...options });
  b.subscribe([topic]);
  await waitFor(() => a.assignment().length === 3 && b.assignment().length === 3, {
    timeoutMs: 15_000,
    describe: () => `members hold ${JSON.stringify([a.assignment(), b.assignment()])}`,
  });
  t.not(a.memberId, '');
  t.not(b.memberId, '');
  return [a, b];
}

for (const [name, assignor, expected] of [
  ['range', rangeAssignor(), [[0, 1, 2], [3, 4, 5]]],
  ['roundrobin', roundRobinAssignor(), [[0, 2, 4], [1, 3, 5]]],
] as const) {
  test(`a group of two splits 6 partitions as Kafka's ${name} assignor does and consumes every record once`, async (t) => {
    const f = await fixture(t);
    await createTopic(f.wire, 'split', 6);
    const [a, b] = await twoMembers(f, t, 'split', `g-${name}`, { assignors: [assignor] });
    const [first, second] = a.memberId < b.memberId ? [a, b] : [b, a];
    t.deepEqual(sortTps(first.assignment()), expected[0].map((p) => `split-${p}`));
    t.deepEqual(sortTps(second.assignment()), expected[1].map((p) => `split-${p}`));
    for (let p = 0; p < 6; p++) await f.send('split', p, values(`p${p}`, 5));
    const [fromA, fromB] = await Promise.all([read(a, 15), read(b, 15)]);
    const all = [...flat(fromA), ...flat(fromB)].sort();
    t.is(new Set(all).size, 30);
    t.deepEqual(all, Array.from({ length: 6 }, (_, p) => values(`p${p}`, 5).map((v, i) => `split-${p}:${i}=${v}`)).flat().sort());
    t.deepEqual(flat(fromA).map((r) => r.split(':')[0]).filter((tp, i, list) => list.indexOf(tp) === i).sort(), sortTps(a.assignment()));
  });
}

test('committed offsets survive a restart: a new consumer of the group resumes after them', async (t) => {
  const f = await fixture(t);
  await createTopic(f.wire, 'resume', 1);
  await f.send('resume', 0, values('a', 10));

  // Manual commit of an offset inside what was read; no auto commit on close.
  const manual = await f.consumer({ groupId: 'resumers', autoCommit: false });
  manual.subscribe(['resume']);
  t.is(flat(await read(manual, 10)).length, 10);
  await manual.commit([{ topic: 'resume', partition: 0, offset: 6n }]);
  await manual.close();

  // Resumes at 6; auto commit on close stores what it processed: 10.
  const second = await f.consumer({ groupId: 'resumers' });
  second.subscribe(['resume']);
  const batches = await read(second, 4);
  t.deepEqual(
    batches.flatMap((b) => b.records.map((r) => r.offset)),
    [6n, 7n, 8n, 9n],
  );
  await second.close();

  await f.send('resume', 0, values('b', 3));
  const third = await f.consumer({ groupId: 'resumers' });
  t.deepEqual(await third.committed([{ topic: 'resume', partition: 0 }]), new Map([['resume\u00000', 10n]]));
  third.subscribe(['resume']);
  t.deepEqual(flat(await read(third, 3)), ['resume-0:10=b-0', 'resume-0:11=b-1', 'resume-0:12=b-2']);
});

test('when a member closes, its partitions move to the member that stays, which reads from the committed offsets', async (t) => {
  const f = await fixture(t);
  await createTopic(f.wire, 'moving', 6);
  const revoked: string[][] = [];
  const [a, b] = await twoMembers(f, t, 'moving', 'movers', { onRevoked: (tps) => void revoked.push(sortTps(tps)) });
  for (let p = 0; p < 6; p++) await f.send('moving', p, values(`p${p}`, 2));
  const fromB = await read(b, 6);
  const bPartitions = sortTps(b.assignment());
  await b.close();
  await waitFor(() => a.assignment().length === 6, { timeoutMs: 15_000, describe: () => `remaining member holds ${JSON.stringify(a.assignment())}` });
  t.true(revoked.some((r) => r.join() === bPartitions.join()));
  // The leaver committed what it processed, so the stayer reads only its own former partitions' records.
  const fromA = await read(a, 6);
  t.deepEqual([...flat(fromA), ...flat(fromB)].sort(), Array.from({ length: 6 }, (_, p) => [`moving-${p}:0=p${p}-0`, `moving-${p}:1=p${p}-1`]).flat().sort());
});

test('pause() stops a partition from being delivered until resume()', async (t) => {
  const f = await fixture(t);
  await createTopic(f.wire, 'pausing', 2);
  const consumer = await f.consumer();
  await consumer.assign([
    { topic: 'pausing', partition: 0, offset: 0n },
    { topic: 'pausing', partition: 1, offset: 0n },
  ]);
  consumer.pause([{ topic: 'pausing', partition: 0 }]);
  t.deepEqual(consumer.paused(), [{ topic: 'pausing', partition: 0 }]);
  await f.send('pausing', 0, values('zero', 3));
  await f.send('pausing', 1, values('one', 3));
  t.deepEqual(flat(await read(consumer, 3)), ['pausing-1:0=one-0', 'pausing-1:1=one-1', 'pausing-1:2=one-2']);
  await f.send('pausing', 1, values('more', 1));
  t.deepEqual(flat(await read(consumer, 1)), ['pausing-1:3=more-0']);
  consumer.resume([{ topic: 'pausing', partition: 0 }]);
  t.deepEqual(consumer.paused(), []);
  t.deepEqual(flat(await read(consumer, 3)), ['pausing-0:0=zero-0', 'pausing-0:1=zero-1', 'pausing-0:2=zero-2']);
});

test('seek() rereads from the given offset', async (t) => {
  const f = await fixture(t);
  await createTopic(f.wire, 'seeking', 1);
  await f.send('seeking', 0, values('s', 5));
  const consumer = await f.consumer();
  await consumer.assign([{ topic: 'seeking', partition: 0, offset: 0n }]);
  t.is(flat(await read(consumer, 5)).length, 5);
  consumer.seek('seeking', 0, 2n);
  t.deepEqual(flat(await read(consumer, 3)), ['seeking-0:2=s-2', 'seeking-0:3=s-3', 'seeking-0:4=s-4']);
  t.throws(() => {
    consumer.seek('seeking', 9, 0n);
  }, { message: /not assigned/ });
});

test('a regex subscription covers every matching topic and no other', async (t) => {
  const f = await fixture(t);
  for (const topic of ['rx-a', 'rx-b', 'other']) await createTopic(f.wire, topic, 1);
  await f.send('rx-a', 0, ['a']);
  await f.send('rx-b', 0, ['b']);
  await f.send('other', 0, ['o']);
  const consumer = await f.consumer({ groupId: 'regex' });
  consumer.subscribe([/^rx-/]);
  t.deepEqual(flat(await read(consumer, 2)), ['rx-a-0:0=a', 'rx-b-0:0=b']);
  t.deepEqual(sortTps(consumer.assignment()), ['rx-a-0', 'rx-b-0']);
});

test('observable() emits records with their topic and partition, and unsubscribing stops it', async (t) => {
  const f = await fixture(t);
  await createTopic(f.wire, 'observed', 1);
  await f.send('observed', 0, values('o', 8));
  const consumer = await f.consumer({ groupId: 'observers' });
  await consumer.assign([{ topic: 'observed', partition: 0 }]);
  const records = await firstValueFrom(consumer.observable().pipe(take(5), toArray()));
  t.deepEqual(
    records.map((r) => `${r.topic}-${r.partition}:${r.offset}=${r.value?.toString() ?? ''}`),
    [0, 1, 2, 3, 4].map((i) => `observed-0:${i}=o-${i}`),
  );
  // Records 0-4 were processed (emitted); a commit stores 5, not the whole fetched batch.
  await consumer.commit();
  t.deepEqual(await consumer.committed([{ topic: 'observed', partition: 0 }]), new Map([['observed\u00000', 5n]]));
});

test('Brook and kafkajs consumers share one group with a common round-robin protocol', async (t) => {
  const f = await fixture(t);
  await createTopic(f.wire, 'mixed', 6);
  const kafka = new Kafka({ clientId: 'kjs', brokers: [f.bootstrap], logLevel: logLevel.NOTHING });
  const kjs = kafka.consumer({ groupId: 'mixed', sessionTimeout: 6000, heartbeatInterval: 100, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
  t.teardown(() => kjs.disconnect());
  let kjsAssignment: string[] = [];
  kjs.on(kjs.events.GROUP_JOIN, (event) => {
    kjsAssignment = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}-${p}`)).sort();
  });
  const kjsSeen: string[] = [];
  await kjs.connect();
  await kjs.subscribe({ topics: ['mixed'], fromBeginning: true });
  await kjs.run({
    eachMessage: ({ topic, partition, message }) => {
      kjsSeen.push(`${topic}-${partition}:${message.offset}=${message.value?.toString() ?? 'null'}`);
      return Promise.resolve();
    },
  });
  await waitFor(() => kjsAssignment.length === 6, { timeoutMs: 15_000, describe: () => `kafkajs holds ${kjsAssignment.join()}` });

  const brook = await f.consumer({ groupId: 'mixed', assignors: [roundRobinAssignor({ name: 'RoundRobinAssigner' })] });
  brook.subscribe(['mixed']);
  await waitFor(() => brook.assignment().length === 3 && kjsAssignment.length === 3, {
    timeoutMs: 20_000,
    describe: () => `brook holds ${sortTps(brook.assignment()).join()}, kafkajs ${kjsAssignment.join()}`,
  });
  const brookPartitions = sortTps(brook.assignment());
  t.deepEqual([...brookPartitions, ...kjsAssignment].sort(), Array.from({ length: 6 }, (_, p) => `mixed-${p}`));

  for (let p = 0; p < 6; p++) await f.send('mixed', p, values(`p${p}`, 4));
  const fromBrook = flat(await read(brook, 12));
  await waitFor(() => kjsSeen.length === 12, { timeoutMs: 15_000, describe: () => `kafkajs saw ${kjsSeen.length} records` });
  t.deepEqual(
    [...fromBrook, ...kjsSeen].sort(),
    Array.from({ length: 6 }, (_, p) => values(`p${p}`, 4).map((v, i) => `mixed-${p}:${i}=${v}`)).flat().sort(),
  );
  t.deepEqual([...new Set(fromBrook.map((r) => r.split(':')[0]))].sort(), brookPartitions);
});
