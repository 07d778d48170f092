import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, ErrorCode } from '../../../core/protocol/index.ts';
import type { FetchRequest, FetchResponse, RequestInput } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { decodeAll } from '../../helpers/decode-all.ts';
import { createTopic, produce, valuesBatch } from './records.ts';

const VERSION = 11;

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

type Fetch = RequestInput<typeof ApiKey.FETCH>;

function fetchRequest(sessionId: number, sessionEpoch: number, partitions: [string, number, bigint][], forgotten: [string, number[]][] = []): Fetch {
  const topics = new Map<string, FetchRequest['topics'][number]>();
  for (const [topic, partition, fetchOffset] of partitions) {
    let entry = topics.get(topic);
    if (entry === undefined) {
      entry = { topic, partitions: [] };
      topics.set(topic, entry);
    }
    entry.partitions.push({ partition, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 });
  }
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 50 << 20,
    isolationLevel: 0,
    sessionId,
    sessionEpoch,
    topics: [...topics.values()],
    forgottenTopicsData: forgotten.map(([topic, ps]) => ({ topic, partitions: ps })),
    rackId: '',
  };
}

/** `topic-partition:recordBytes` for every partition a response carries. */
function carried(response: FetchResponse): string[] {
  return response.responses.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p.partitionIndex}:${(p.records?.length ?? 0) > 0 ? 'data' : 'empty'}`));
}

test('a consumer fetch session over the wire: full, incremental with only changed partitions, forgotten topics, errors', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false, logLevel: 'silent' });
  const client = await connect(t, port);
  await createTopic(client, 'many', 50);
  await createTopic(client, 'other', 1);
  const all: [string, number, bigint][] = Array.from({ length: 50 }, (_, p) => ['many', p, 0n] as [string, number, bigint]);

  // A full fetch at epoch 0 opens a session; every partition is in the answer.
  const full = await client.request(ApiKey.FETCH, VERSION, fetchRequest(0, 0, all));
  t.is(full.errorCode, ErrorCode.NONE);
  t.not(full.sessionId, 0);
  t.is(carried(full).length, 50);
  const session = full.sessionId;

  // Nothing changed: the incremental answer is empty, though all 50 partitions are in the session.
  const quiet = await client.request(ApiKey.FETCH, VERSION, fetchRequest(session, 1, []));
  t.is(quiet.errorCode, ErrorCode.NONE);
  t.is(quiet.sessionId, session);
  t.deepEqual(carried(quiet), []);

  // New records on two partitions: only those come back, with their data.
  await produce(client, 'many', 7, valuesBatch(['a', 'b']), { acks: 1 });
  await produce(client, 'many', 31, valuesBatch(['c']), { acks: 1 });
  const changed = await client.request(ApiKey.FETCH, VERSION, fetchRequest(session, 2, []));
  t.deepEqual(carried(changed), ['many-7:data', 'many-31:data']);
  t.is(changed.responses[0]?.partitions[0]?.highWatermark, 2n);

  // The client moves its offsets forward (an incremental request names only those); nothing is re-sent.
  const advanced = await client.request(
    ApiKey.FETCH,
    VERSION,
    fetchRequest(session, 3, [
      ['many', 7, 2n],
      ['many', 31, 1n],
    ]),
  );
  t.deepEqual(carried(advanced), []);

  // Adding a topic sends it at once; forgetting partitions drops them from the session.
  const added = await client.request(ApiKey.FETCH, VERSION, fetchRequest(session, 4, [['other', 0, 0n]], [['many', [0, 1, 2]]]));
  t.deepEqual(carried(added), ['other-0:empty']);
  await produce(client, 'many', 0, valuesBatch(['forgotten']), { acks: 1 });
  await produce(client, 'many', 3, valuesBatch(['kept']), { acks: 1 });
  const afterForget = await client.request(ApiKey.FETCH, VERSION, fetchRequest(session, 5, []));
  t.deepEqual(carried(afterForget), ['many-3:data'], 'a forgotten partition is no longer fetched');

  // An old epoch, and an unknown session, are refused as Kafka refuses them.
  const stale = await client.request(ApiKey.FETCH, VERSION, fetchRequest(session, 5, []));
  t.is(stale.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  t.is(stale.sessionId, 0);
  t.deepEqual(stale.responses, []);
  const unknown = await client.request(ApiKey.FETCH, VERSION, fetchRequest(session + 1, 1, []));
  t.is(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);

  // Epoch -1 closes the session; a later incremental request finds nothing.
  const closing = await client.request(ApiKey.FETCH, VERSION, fetchRequest(session, -1, [['other', 0, 0n]]));
  t.is(closing.sessionId, 0);
  t.deepEqual(carried(closing), ['other-0:empty']);
  const gone = await client.request(ApiKey.FETCH, VERSION, fetchRequest(session, 6, []));
  t.is(gone.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test('an incremental long poll waits on every partition of the session and answers with the one that got data', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false, logLevel: 'silent' });
  const client = await connect(t, port);
  const producer = await connect(t, port);
  await createTopic(client, 'poll', 5);
  const all: [string, number, bigint][] = Array.from({ length: 5 }, (_, p) => ['poll', p, 0n] as [string, number, bigint]);
  const session = (await client.request(ApiKey.FETCH, VERSION, fetchRequest(0, 0, all))).sessionId;

  // The request names no partition; the session supplies them.
  const waiting = client.request(ApiKey.FETCH, VERSION, { ...fetchRequest(session, 1, []), maxWaitMs: 30_000, minBytes: 1 });
  await produce(producer, 'poll', 4, valuesBatch(['wake']), { acks: 1 });
  const answer = await waiting;
  t.is(answer.errorCode, ErrorCode.NONE);
  t.deepEqual(carried(answer), ['poll-4:data']);
});

test('versions before 7 and epoch -1 never open a session', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false, logLevel: 'silent' });
  const client = await connect(t, port);
  await createTopic(client, 'plain', 2);
  const parts: [string, number, bigint][] = [
    ['plain', 0, 0n],
    ['plain', 1, 0n],
  ];
  const v4 = await client.request(ApiKey.FETCH, 4, fetchRequest(0, 0, parts));
  t.is(carried(v4).length, 2);
  const sessionless = await client.request(ApiKey.FETCH, VERSION, fetchRequest(0, -1, parts));
  t.is(sessionless.sessionId, 0);
  t.is(carried(sessionless).length, 2);
});

test('one fetch over many partitions returns each partition its own records, also when their reads share buffers', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false, logLevel: 'silent' });
  const client = await connect(t, port);
  await createTopic(client, 'spread', 40);
  for (let p = 0; p < 40; p++) await produce(client, 'spread', p, valuesBatch(Array.from({ length: p + 1 }, (_, i) => `p${p}-r${i}`)), { acks: 1 });
  const all: [string, number, bigint][] = Array.from({ length: 40 }, (_, p) => ['spread', p, 0n] as [string, number, bigint]);
  // Twice: the second fetch reuses the buffers the first one handed back.
  for (const epoch of [-1, -1]) {
    const response = await client.request(ApiKey.FETCH, VERSION, fetchRequest(0, epoch, all));
    const partitions = response.responses.flatMap((r) => r.partitions);
    t.is(partitions.length, 40);
    for (const data of partitions) {
      const values = decodeAll(data.records!).map((r) => r.value?.toString());
      t.deepEqual(
        values,
        Array.from({ length: data.partitionIndex + 1 }, (_, i) => `p${data.partitionIndex}-r${i}`),
      );
    }
  }
});
