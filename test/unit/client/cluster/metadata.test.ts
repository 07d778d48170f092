/**
 * The Cluster's metadata on virtual time, without sockets: periodic refresh every
 * metadataMaxAgeMs, refresh before using metadata that is too old and after a stale-metadata
 * error, retries backing off 100, 200, 400 ... up to 1 s, the memory of failed connects, and a
 * close that leaves no timer armed. The brokers are played by FakeKafka.
 */
import test from 'ava';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import { ApiKey, ErrorCode } from '../../../../core/protocol/index.ts';
import { Cluster } from '../../../../client/cluster.ts';
import type { ClusterOptions } from '../../../../client/cluster.ts';
import type { KafkaConnection } from '../../../../client/connection.ts';
import { ClientError, ClientErrorCode, KafkaError } from '../../../../client/errors.ts';
import { Fetcher } from '../../../../client/consumer/fetcher.ts';
import type { PartitionState } from '../../../../client/consumer/fetcher.ts';
import { tpKey } from '../../../../client/consumer/offsets.ts';
import { FakeKafka, brokerAddress, metadataAnswer } from '../../../helpers/fake-kafka.ts';
import type { Layout } from '../../../helpers/fake-kafka.ts';

const METADATA = ApiKey.METADATA;

interface Setup {
  readonly scheduler: VirtualScheduler;
  readonly kafka: FakeKafka;
  readonly cluster: Cluster;
  /** What the fake brokers answer Metadata with; tests change it to move leaders or add partitions. */
  layout: Layout;
}

/** A cluster of brokers 1 and 2 (bootstrap `seed:9092`), answering Metadata from `layout`. */
function setup(layout: Layout, options: Partial<ClusterOptions> = {}): Setup {
  const scheduler = new VirtualScheduler();
  const kafka = new FakeKafka(scheduler);
  const cluster = new Cluster({ bootstrapServers: 'seed:9092', scheduler, connect: kafka.connect, ...options });
  const s: Setup = { scheduler, kafka, cluster, layout };
  kafka.answer(METADATA, (request) => metadataAnswer(s.layout, [1, 2], request.body.topics));
  return s;
}

/** Settles what the client started at this instant, then asserts nothing more is armed once it closes. */
async function closeCleanly(t: { is: (a: unknown, b: unknown, m?: string) => void }, s: Setup): Promise<void> {
  await s.cluster.close();
  await s.scheduler.tick(0);
  t.is(s.scheduler.pendingTimers(), 0, 'close() leaves no timer armed');
}

test('metadata is refreshed every metadataMaxAgeMs, for every topic known, and not before', async (t) => {
  const s = setup({ orders: [1] }, { metadataMaxAgeMs: 60_000 });
  const start = s.scheduler.now();
  await s.cluster.connect();
  t.deepEqual((await s.cluster.partitionsFor('orders')).length, 1);
  t.is(s.kafka.sent(METADATA).length, 2);

  s.layout = { orders: [1, 2] };
  await s.scheduler.tick(59_999);
  t.is(s.kafka.sent(METADATA).length, 2, 'no refresh before metadataMaxAgeMs');
  await s.scheduler.tick(1);
  await s.kafka.until(() => s.cluster.knownTopic('orders')?.partitions.length === 2, 'the periodic refresh');
  const refresh = s.kafka.sent(METADATA)[2]!;
  t.is(refresh.at, start + 60_000);
  t.deepEqual(
    refresh.body.topics?.map((topic) => topic.name),
    ['orders'],
  );
  t.false(refresh.body.allowAutoTopicCreation, 'a refresh never creates topics');

  await s.scheduler.tick(60_000);
  await s.kafka.until(() => s.kafka.sent(METADATA).length === 4, 'the second periodic refresh');
  t.is(s.kafka.sent(METADATA)[3]!.at, start + 120_000);
  await closeCleanly(t, s);
  await s.scheduler.tick(600_000);
  t.is(s.kafka.sent(METADATA).length, 4, 'no refresh after close');
});

test('metadata older than metadataMaxAgeMs is refreshed before use', async (t) => {
  const s = setup({ orders: [1] }, { metadataMaxAgeMs: 60_000 });
  await s.cluster.partitionsFor('orders');
  // The periodic refresh goes unanswered, so the cache only ages.
  s.kafka.stopAnswering(METADATA);
  await s.scheduler.tick(60_001);
  await s.kafka.next(METADATA);
  s.layout = { orders: [1, 2, 2] };

  const partitions = s.cluster.partitionsFor('orders');
  await s.kafka.until(() => s.kafka.sent(METADATA).filter((r) => !r.answered).length === 2, 'a refresh of the stale metadata');
  for (const request of s.kafka.sent(METADATA).filter((r) => !r.answered)) request.respond(metadataAnswer(s.layout, [1, 2], request.body.topics));
  t.is((await partitions).length, 3);
  await closeCleanly(t, s);
});

test('fresh metadata is used as it is: no request', async (t) => {
  const s = setup({ orders: [1] }, { metadataMaxAgeMs: 60_000 });
  await s.cluster.partitionsFor('orders');
  await s.scheduler.tick(59_000);
  await s.cluster.partitionsFor('orders');
  t.is(s.kafka.sent(METADATA).length, 1);
  await closeCleanly(t, s);
});

test('a fetch answered NOT_LEADER_OR_FOLLOWER refreshes metadata and fetches from the new leader after a backoff', async (t) => {
  const s = setup({ orders: [1] });
  const state: PartitionState = { topic: 'orders', partition: 0, key: tpKey('orders', 0), position: 5n, paused: false, revoking: false, epoch: 0 };
  const failures: Error[] = [];
  const fetcher = new Fetcher(
    s.cluster,
    {
      clientId: 'test',
      requestTimeoutMs: 30_000,
      isolationLevel: 'read_uncommitted',
      maxBytes: 1 << 20,
      maxPartitionBytes: 1 << 20,
      maxWaitMs: 500,
      minBytes: 1,
      maxPrefetchBytes: 1 << 20,
    },
    { partitions: () => [state], outOfRange: () => undefined, ready: () => undefined, fail: (error) => failures.push(error) },
  );
  fetcher.kick();
  const first = await s.kafka.next(ApiKey.FETCH);
  t.is(first.address, brokerAddress(1));
  t.deepEqual(
    first.body.topics.map((topic) => [topic.topic, topic.partitions.map((p) => [p.partition, p.fetchOffset])]),
    [['orders', [[0, 5n]]]],
  );

  // The leader moved: the partition's old leader says so.
  s.layout = { orders: [2] };
  const metadataBefore = s.kafka.sent(METADATA).length;
  const failedAt = s.scheduler.now();
  first.respond({ errorCode: 0, responses: [{ topic: 'orders', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermark: -1n, records: null }] }] });
  await s.kafka.until(() => s.kafka.sent(METADATA).length === metadataBefore + 1, 'a metadata refresh after the stale-metadata error');
  const refresh = s.kafka.sent(METADATA).at(-1)!;
  t.is(refresh.at, failedAt, 'metadata is refreshed at once');
  t.deepEqual(
    refresh.body.topics?.map((topic) => topic.name),
    ['orders'],
  );

  await s.scheduler.tick(99);
  t.is(s.kafka.sent(ApiKey.FETCH).length, 1, 'the retry waits for its backoff');
  await s.scheduler.tick(1);
  const second = await s.kafka.next(ApiKey.FETCH);
  t.is(second.address, brokerAddress(2), 'the next fetch goes to the new leader');
  t.is(second.at, failedAt + 100);
  t.deepEqual(failures, []);

  await fetcher.close();
  await closeCleanly(t, s);
});

test('retries back off 100, 200, 400, 800 ms, then 1 s, with fresh metadata each time, until the request timeout', async (t) => {
  const s = setup({}, { requestTimeoutMs: 5000 });
  s.kafka.answer(ApiKey.FIND_COORDINATOR, () => ({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1, host: '', port: -1 }));
  const start = s.scheduler.now();
  const outcome = s.cluster.coordinator('group').then(
    () => undefined,
    (error: unknown) => error,
  );
  const expectedAt = [0, 100, 300, 700, 1500, 2500, 3500, 4500];
  for (let attempt = 1; attempt < expectedAt.length; attempt++) {
    await s.kafka.until(() => s.kafka.sent(ApiKey.FIND_COORDINATOR).length === attempt, `attempt ${attempt}`);
    const gap = expectedAt[attempt]! - expectedAt[attempt - 1]!;
    await s.scheduler.tick(gap - 1);
    t.is(s.kafka.sent(ApiKey.FIND_COORDINATOR).length, attempt, `attempt ${attempt + 1} waits ${gap} ms`);
    await s.scheduler.tick(1);
  }
  await s.kafka.until(() => s.kafka.sent(ApiKey.FIND_COORDINATOR).length === expectedAt.length, 'the last attempt');
  t.deepEqual(
    s.kafka.sent(ApiKey.FIND_COORDINATOR).map((r) => r.at - start),
    expectedAt,
  );
  // Between attempts the client asks where things are now: one Metadata per retry.
  t.is(s.kafka.sent(METADATA).length, expectedAt.length - 1);
  // The next backoff (1 s) would end past the 5 s deadline: the error is the caller's.
  const error = await outcome;
  t.true(error instanceof KafkaError && error.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE, String(error));
  t.is(s.scheduler.now() - start, 4500);
  await closeCleanly(t, s);
});

test('close() during a retry backoff ends the retry at once, leaving no timer', async (t) => {
  const s = setup({});
  s.kafka.answer(ApiKey.FIND_COORDINATOR, () => ({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1, host: '', port: -1 }));
  const outcome = s.cluster.coordinator('group').then(
    () => undefined,
    (error: unknown) => error,
  );
  await s.kafka.until(() => s.kafka.sent(ApiKey.FIND_COORDINATOR).length === 1, 'the first attempt');
  await s.kafka.until(() => s.scheduler.pendingTimers() === 1, 'the backoff');
  await s.cluster.close();
  const error = await outcome;
  t.true(error instanceof ClientError && error.code === ClientErrorCode.CLOSED, String(error));
  t.is(s.kafka.sent(ApiKey.FIND_COORDINATOR).length, 1);
  t.is(s.scheduler.pendingTimers(), 0);
});

test('a broker whose connect failed is tried after the others until the failure memory passes', async (t) => {
  const s = setup({ orders: [1] }, { connectTimeoutMs: 10_000 });
  await s.cluster.connect();
  t.deepEqual(s.kafka.connectAttempts, ['seed:9092']);

  s.kafka.refuse(brokerAddress(1));
  let connection: KafkaConnection = await s.cluster.anyConnection();
  t.is(connection.address, brokerAddress(2));
  t.deepEqual(s.kafka.connectAttempts.slice(1), [brokerAddress(1), brokerAddress(2)]);

  // Broker 1 is back, but failed recently: broker 2 comes first.
  s.kafka.refuse(brokerAddress(1), false);
  s.kafka.hangUp(brokerAddress(2));
  await s.kafka.until(() => connection.isClosed, 'the hang-up');
  connection = await s.cluster.anyConnection();
  t.is(connection.address, brokerAddress(2));
  t.deepEqual(s.kafka.connectAttempts.slice(3), [brokerAddress(2)]);

  // Once the failure is connectTimeoutMs old, broker 1 is as good as any again.
  s.kafka.hangUp(brokerAddress(2));
  await s.kafka.until(() => connection.isClosed, 'the hang-up');
  await s.scheduler.tick(10_000);
  connection = await s.cluster.anyConnection();
  t.is(connection.address, brokerAddress(1));
  t.deepEqual(s.kafka.connectAttempts.slice(4), [brokerAddress(1)]);
  await closeCleanly(t, s);
});

test('a request unanswered for requestTimeoutMs fails with ERR_CLIENT_TIMEOUT and closes its connection', async (t) => {
  const s = setup({ orders: [1] }, { requestTimeoutMs: 2000 });
  await s.cluster.connect();
  s.kafka.stopAnswering(METADATA);
  const outcome = s.cluster.requestMetadata(['orders']).then(
    () => undefined,
    (error: unknown) => error,
  );
  const request = await s.kafka.next(METADATA);
  await s.scheduler.tick(1999);
  t.false(request.answered);
  let settled = false;
  void outcome.then(() => (settled = true));
  await s.scheduler.tick(0);
  t.false(settled, 'no timeout before requestTimeoutMs');
  await s.scheduler.tick(1);
  const error = await outcome;
  t.true(error instanceof ClientError && error.code === ClientErrorCode.TIMEOUT, String(error));
  await closeCleanly(t, s);
});
