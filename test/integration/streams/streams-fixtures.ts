/**
 * What the Streams integration tests share: a broker whose group coordinator rebalances at once,
 * topics, a producer of test records, a reader of a whole topic, and apps closed at teardown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { Admin, Consumer, Producer } from '../../../client/index.ts';
import type { ConsumerRecord, ProducerRecord } from '../../../client/index.ts';
import { KafkaStreams, Serdes, StreamsBuilder, int64NumberSerde } from '../../../streams/index.ts';
import type { RunnableTopology, StreamsOptions } from '../../../streams/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import type { TestBroker } from '../../helpers/broker.ts';
import { waitFor } from '../../helpers/wait-for.ts';

export const STREAMS_BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000 } };

/** Short group timings so a departed instance's tasks move within a test's deadline. */
export const FAST_GROUP = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 };

export interface OutputRecord extends ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
}

export async function startStreamsBroker(t: ExecutionContext): Promise<TestBroker> {
  return startTestBroker(t, STREAMS_BROKER_CONFIG);
}

export async function createTopics(bootstrap: string, topics: Record<string, number>): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  try {
    await admin.createTopics(Object.entries(topics).map(([topic, numPartitions]) => ({ topic, numPartitions })));
  } finally {
    await admin.close();
  }
}

export async function produceAll(bootstrap: string, records: readonly ProducerRecord[]): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 1 });
  await producer.connect();
  try {
    await producer.sendBatch(records);
  } finally {
    await producer.close();
  }
}

/**
 * Reads every partition of `topic` from the beginning until `done(records)` holds (or the
 * deadline passes, which fails with what was read), then returns the records.
 */
export async function readTopic(bootstrap: string, topic: string, done: (records: readonly OutputRecord[]) => boolean, timeoutMs = 20_000): Promise<OutputRecord[]> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  const [description] = await admin.describeTopics([topic]);
  await admin.close();
  const consumer = new Consumer({ bootstrapServers: bootstrap, maxWaitMs: 50 });
  await consumer.connect();
  await consumer.assign(description!.partitions.map((p) => ({ topic, partition: p.partition, offset: 0n })));
  const records: OutputRecord[] = [];
  let failure: Error | undefined;
  const loop = (async () => {
    try {
      for await (const batch of consumer) {
        for (const r of batch.records) records.push({ ...r, topic: batch.topic, partition: batch.partition });
        if (done(records)) break;
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
  })();
  try {
    await waitFor(() => done(records) || failure !== undefined, {
      timeoutMs,
      describe: () => `topic '${topic}' to hold the expected records; read ${records.length}: ${records.slice(0, 20).map((r) => r.value?.toString()).join(', ')}`,
    });
  } finally {
    await consumer.close();
    await loop;
  }
  if (failure !== undefined) throw failure;
  return records;
}

/**
 * Starts an app closed at teardown. Without a stateDir it gets a fresh one: instances lock their
 * state directory, so two of one application in a test (or in two test files) need their own.
 */
export async function startApp(t: ExecutionContext, topology: RunnableTopology, options: StreamsOptions): Promise<KafkaStreams> {
  let stateDir = options.stateDir;
  if (stateDir === undefined) {
    const dir = await mkdtemp(join(tmpdir(), 'brook-streams-app-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    stateDir = dir;
  }
  const app = new KafkaStreams(topology, { ...options, stateDir });
  t.teardown(() => app.close());
  await app.start();
  return app;
}

export const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

/** The click counter of the rebalance and standby tests: clicks per user in `storeName`, each new count to 'click-counts'. */
export function clickCounting(storeName: string): RunnableTopology {
  const S = Serdes.String();
  const builder = new StreamsBuilder();
  builder
    .stream('clicks', { keySerde: S, valueSerde: S })
    .groupByKey({ keySerde: S, valueSerde: S })
    .count({ storeName })
    .toStream()
    .to('click-counts', { keySerde: S, valueSerde: int64NumberSerde() });
  return builder.build();
}

/**
 * Clicks `from` to `to` of `users` users, one after another. No partition given: the producer
 * partitions by murmur2 of the key, as queryMetadataForKey assumes.
 */
export const clickWave = (users: number, from: number, to: number): ProducerRecord[] =>
  Array.from({ length: to - from }, (_, n) => ({ topic: 'clicks', key: `user-${(from + n) % users}`, value: `c${from + n}` }));

/** The reference: the counts per user after the first `upTo` clicks, worked out in plain code. */
export function expectedClicks(users: number, upTo: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < upTo; i++) out.set(`user-${i % users}`, (out.get(`user-${i % users}`) ?? 0) + 1);
  return out;
}

type CountRecord = { key: Buffer | null; value: Buffer | null };

/** The last count per user in 'click-counts' records. */
export const latestCounts = (records: readonly CountRecord[]): Map<string, number> => new Map(records.map((r) => [text(r.key)!, Number(r.value!.readBigInt64BE(0))]));

/** Whether every user's last count is the one `want` gives. */
export function countsReached(records: readonly CountRecord[], want: ReadonlyMap<string, number>): boolean {
  const got = latestCounts(records);
  return [...want].every(([k, n]) => got.get(k) === n);
}
