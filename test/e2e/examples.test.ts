/**
 * The runnable examples under examples/, run as a user runs them: a child process against a real
 * broker, its printed lines and exit code checked.
 */
import { execFile } from 'node:child_process';
import test from 'ava';
import { Admin, Consumer } from '../../client/index.ts';
import type { ConsumerOptions, ConsumerRecord } from '../../client/index.ts';
import { startTestBroker } from '../helpers/broker.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
const BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 3 } };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function example(file: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import=tsx', `examples/${file}`, ...args], { cwd: PROJECT_ROOT, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** A topic's records from offset 0, in offset order per partition, until at least `count` have come (whole batches). */
async function readAll(bootstrap: string, topic: string, count: number, options: Partial<ConsumerOptions> = {}): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, ...options });
  try {
    await consumer.connect();
    const partitions = await consumer.partitionsFor(topic);
    await consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 0n })));
    const records: ConsumerRecord[] = [];
    for await (const batch of consumer) {
      records.push(...batch.records);
      if (records.length >= count) break;
    }
    return records;
  } finally {
    await consumer.close();
  }
}

test('clickstream-routing: drops bot clicks and routes the rest to a topic per section, keyed by user', async (t) => {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const run = await example('clickstream-routing.ts', [bootstrap]);
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  const routes = lines.filter((l) => l.includes(' -> clicks-')).sort();
  t.deepEqual(routes, [
    'ana /checkout/cart -> clicks-checkout',
    'ana /checkout/pay -> clicks-checkout',
    'ana /product/42 -> clicks-product',
    'cy /about -> clicks-other',
    'cy /product/7 -> clicks-product',
  ]);
  t.is(lines.at(-1), 'routed 5 clicks, dropped 1 from bots');
  t.true(lines.includes('app: REBALANCING -> RUNNING'));
  t.true(lines.includes('app: PENDING_SHUTDOWN -> NOT_RUNNING'));

  // The records are really in those topics, with slim values.
  const consumer = new Consumer({ bootstrapServers: bootstrap });
  t.teardown(() => consumer.close());
  await consumer.connect();
  const partitions = await consumer.partitionsFor('clicks-checkout');
  await consumer.assign(partitions.map((partition) => ({ topic: 'clicks-checkout', partition, offset: 0n })));
  const values: string[] = [];
  for await (const batch of consumer) {
    for (const r of batch.records) values.push(r.value!.toString('utf8'));
    if (values.length >= 2) break;
  }
  t.deepEqual(values.sort(), ['{"page":"/checkout/cart","at":3}', '{"page":"/checkout/pay","at":6}']);
});

test('word-count: the WordCountDemo topology counts every word of its lines and writes the counts as Java Longs', async (t) => {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const run = await example('word-count.ts', [bootstrap]);
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  t.deepEqual(lines, ['all 1', 'hello 1', 'join 1', 'kafka 3', 'lead 1', 'streams 2', 'summit 1', 'to 1', 'counted 11 words from 3 lines']);

  // The topic itself: one 8-byte big-endian update per word, the last per word being its count.
  const records = await readAll(bootstrap, 'word-counts', 11);
  t.true(records.every((r) => r.value?.length === 8));
  const latest = new Map(records.map((r) => [r.key!.toString('utf8'), r.value!.readBigInt64BE(0)]));
  t.deepEqual(Object.fromEntries(latest), { all: 1n, hello: 1n, join: 1n, kafka: 3n, lead: 1n, streams: 2n, summit: 1n, to: 1n });
});

test('page-views-by-region: joins views with regions and prints one final count per region for each closed minute', async (t) => {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const run = await example('page-views-by-region.ts', [bootstrap]);
  t.is(run.code, 0, run.stderr);
  // 12:00 holds ana ×2 (one late within grace) and cy for eu, bo for us; cy's view past the grace
  // and eve's (no region) are not counted; 12:01 holds dee (apac) and bo (us); 12:03 stays open.
  t.deepEqual(run.stdout.trim().split('\n'), ['12:00-12:01 eu 3', '12:00-12:01 us 1', '12:01-12:02 apac 1', '12:01-12:02 us 1', '9 views, 4 final counts']);

  // The topic holds exactly those four results, keyed as Kafka's time-windowed keys.
  const minute = Date.UTC(2026, 0, 1, 12, 0, 0);
  const records = await readAll(bootstrap, 'page-views-per-region', 4);
  const decoded = records.map((r) => {
    const key = r.key!;
    return `${key.subarray(0, key.length - 8).toString('utf8')}@${(Number(key.readBigInt64BE(key.length - 8)) - minute) / 60_000}=${r.value!.readBigInt64BE(0)}`;
  });
  t.deepEqual(decoded.sort(), ['apac@1=1', 'eu@0=3', 'us@0=1', 'us@1=1']);

  // Run again on the same broker: its views come a day later, so the same windows close with the same counts.
  const again = await example('page-views-by-region.ts', [bootstrap]);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(again.stdout, run.stdout);
});

test('exactly-once-pipeline: an aborted transaction is rewound and redone; read_committed readers see each payment once, its offsets committed with it', async (t) => {
  const { bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const run = await example('exactly-once-pipeline.ts', [bootstrap]);
  t.is(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  t.deepEqual(lines.filter((l) => l.includes(' -> ')).sort(), [
    'p1 12.00 USD -> 11.04 EUR',
    'p2 50.00 EUR -> 50.00 EUR',
    'p3 3.00 GBP -> 3.51 EUR',
    'p4 9.99 USD -> 9.19 EUR',
    'p5 42.00 GBP -> 49.14 EUR',
    'p6 0.10 USD -> 0.09 EUR',
  ]);
  const aborted = lines.filter((l) => l.startsWith('aborted '));
  t.is(aborted.length, 1);
  const abortedCount = Number(/^aborted (\d+) records/.exec(aborted[0]!)![1]);
  t.true(abortedCount > 0);
  t.is(lines.at(-1), 'converted 6 payments exactly once');

  // read_committed: each payment once, converted. read_uncommitted also shows the aborted attempt.
  const ids = (records: readonly ConsumerRecord[]): string[] => records.map((r) => (JSON.parse(r.value!.toString('utf8')) as { id: string }).id).sort();
  const committed = await readAll(bootstrap, 'payments-eur', 6, { isolationLevel: 'read_committed' });
  t.deepEqual(ids(committed), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
  t.deepEqual(JSON.parse(committed.find((r) => r.key!.toString('utf8') === 'p5')!.value!.toString('utf8')), { id: 'p5', cents: 4914, currency: 'EUR' });
  const everything = await readAll(bootstrap, 'payments-eur', 6 + abortedCount, { isolationLevel: 'read_uncommitted' });
  t.is(everything.length, 6 + abortedCount);
  t.true(ids(everything).length > new Set(ids(everything)).size, 'the aborted attempt is in the log');

  // The group's offsets were committed by the transactions: at the end of every input partition.
  const admin = new Admin({ bootstrapServers: bootstrap });
  t.teardown(() => admin.close());
  await admin.connect();
  const offsets = await admin.fetchCommittedOffsets('payments-to-eur', ['payments']);
  const ends = await admin.listOffsets([0, 1].map((partition) => ({ topic: 'payments', partition, timestamp: 'latest' as const })));
  const byPartition = (list: readonly { partition: number; offset: bigint }[]): Record<number, bigint> => Object.fromEntries(list.map((o) => [o.partition, o.offset]));
  t.deepEqual(byPartition(offsets), byPartition(ends));
});
