/**
 * Brook's client against a Brook broker for the transaction tools: the Admin's
 * listTransactions / describeTransactions, the producer's transaction(body) helper, and
 * sendOffsetsToTransaction with the consumer's group metadata (TxnOffsetCommit v3).
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import net from 'node:net';
import { KafkaError, ProducerFencedError } from '../../../client/index.ts';
import { ApiKey, ErrorCode, FrameDecoder, decodeRequest } from '../../../core/protocol/index.ts';
import type { DecodedRequest } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { testClients } from '../../helpers/clients.ts';
import type { TestClients } from '../../helpers/clients.ts';
import { startMetadataProxy } from '../../helpers/metadata-proxy.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';

const BROKER_CONFIG = { autoCreateTopics: false, groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 2 }, transactions: { stateLogPartitions: 2 } };

/**
 * A TCP tap that records every request passing through it, decoded, and forwards the bytes
 * unchanged to `upstream()` (read when a client connects, so it may be set after the tap starts).
 */
async function startRequestTap(t: ExecutionContext, upstream: () => number): Promise<{ port: number; requests: DecodedRequest[] }> {
  const requests: DecodedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const server = net.connect({ host: '127.0.0.1', port: upstream() });
    const frames = new FrameDecoder();
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        server.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) requests.push(decodeRequest(frame));
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as net.AddressInfo).port, requests };
}

interface Fixture extends TestClients {
  /** Every request of clients that bootstrap from `tappedBootstrap` (Metadata names the tap, so all their connections pass it). */
  readonly tapped: DecodedRequest[];
  readonly tappedBootstrap: string;
}

async function fixture(t: ExecutionContext, topics: readonly string[]): Promise<Fixture> {
  const { bootstrap, port } = await startTestBroker(t, BROKER_CONFIG);
  let metadataProxy = 0;
  const tap = await startRequestTap(t, () => metadataProxy);
  metadataProxy = await startMetadataProxy(t, port, (_proxy, brokers) => brokers.map((b) => ({ ...b, host: '127.0.0.1', port: tap.port })));
  const clients = await testClients(t, bootstrap);
  await clients.admin.createTopics(topics.map((topic) => ({ topic, numPartitions: 2 })));
  return { ...clients, tapped: tap.requests, tappedBootstrap: `127.0.0.1:${tap.port}` };
}

/** Values a read_committed reader of `topic` gets until `last` arrives, sorted. */
async function committedValues(f: Fixture, topic: string, last: string): Promise<string[]> {
  const reader = await f.consumer({ isolationLevel: 'read_committed' });
  await reader.assign([
    { topic, partition: 0, offset: 0n },
    { topic, partition: 1, offset: 0n },
  ]);
  const seen: string[] = [];
  for await (const batch of reader) {
    for (const record of batch.records) seen.push(record.value?.toString() ?? 'null');
    if (seen.includes(last)) break;
  }
  return seen.sort();
}

/** The transaction's state once its markers are written (the commit is answered before). */
async function settledState(f: Fixture, transactionalId: string): Promise<string | undefined> {
  const described = await pollUntil(
    () => f.admin.describeTransactions([transactionalId]),
    ([d]) => d?.state !== 'PrepareCommit' && d?.state !== 'PrepareAbort',
    `${transactionalId} past its Prepare state`,
  );
  return described[0]?.state;
}

test('Admin.listTransactions and describeTransactions report what the coordinator holds', async (t) => {
  const f = await fixture(t, ['adm-out']);
  const open = await f.producer({ transactionalId: 'adm-open' });
  const idle = await f.producer({ transactionalId: 'adm-idle' });
  await open.initTransactions();
  await idle.initTransactions();
  open.beginTransaction();
  await open.send({ topic: 'adm-out', partition: 1, value: 'x' });

  const all = await f.admin.listTransactions();
  t.deepEqual(
    all.map((l) => [l.transactionalId, l.state]),
    [
      ['adm-idle', 'Empty'],
      ['adm-open', 'Ongoing'],
    ],
  );
  t.deepEqual((await f.admin.listTransactions({ states: ['Ongoing'] })).map((l) => l.transactionalId), ['adm-open']);
  t.deepEqual((await f.admin.listTransactions({ producerIds: [idle.producerIdentity.producerId] })).map((l) => l.transactionalId), ['adm-idle']);

  const [described] = await f.admin.describeTransactions(['adm-open']);
  t.like(described, { transactionalId: 'adm-open', state: 'Ongoing', producerId: open.producerIdentity.producerId, producerEpoch: open.producerIdentity.producerEpoch, transactionTimeoutMs: 60_000 });
  t.deepEqual(described?.topicPartitions, [{ topic: 'adm-out', partition: 1 }]);
  t.true(typeof described?.transactionStartTimeMs === 'bigint');
  const [empty] = await f.admin.describeTransactions(['adm-idle']);
  t.like(empty, { state: 'Empty', transactionStartTimeMs: null, topicPartitions: [] });

  const unknown = await t.throwsAsync(f.admin.describeTransactions(['adm-nobody']), { instanceOf: KafkaError });
  t.is(unknown.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  t.regex(unknown.message, /adm-nobody/);
  await open.commitTransaction();
});

test('transaction(body) commits what the body sent and resolves to its result; a throw aborts and is rethrown', async (t) => {
  const f = await fixture(t, ['helper-out']);
  const producer = await f.producer({ transactionalId: 'helper' });
  await producer.initTransactions();

  const result = await producer.transaction(async (tx) => {
    await tx.send({ topic: 'helper-out', partition: 0, value: 'kept-1' });
    void tx.send({ topic: 'helper-out', partition: 1, value: 'kept-2' });
    return 'done';
  });
  t.is(result, 'done');

  const failure = new Error('the body failed');
  const thrown = await t.throwsAsync(
    producer.transaction(async (tx) => {
      await tx.send({ topic: 'helper-out', partition: 0, value: 'dropped' });
      throw failure;
    }),
  );
  t.is(thrown, failure, 'the body’s own error, unchanged');

  // The abort left the producer ready for the next transaction.
  await producer.transaction(async (tx) => {
    await tx.send({ topic: 'helper-out', partition: 1, value: 'kept-3' });
  });
  t.deepEqual(await committedValues(f, 'helper-out', 'kept-3'), ['kept-1', 'kept-2', 'kept-3']);
  t.is(await settledState(f, 'helper'), 'CompleteCommit');
});

test('transaction(body) after fencing rethrows ProducerFencedError without aborting, and the producer stays fenced', async (t) => {
  const f = await fixture(t, ['fence-out']);
  const zombie = await f.producer({ transactionalId: 'fence', bootstrapServers: f.tappedBootstrap });
  await zombie.initTransactions();
  let ran = 0;
  const attempt = zombie.transaction(async (tx) => {
    ran++;
    await tx.send({ topic: 'fence-out', partition: 0, value: 'zombie-1' });
    // A newer instance takes over the transactional id mid-transaction.
    const successor = await f.producer({ transactionalId: 'fence' });
    await successor.initTransactions();
    await successor.transaction(async (next) => {
      await next.send({ topic: 'fence-out', partition: 0, value: 'successor' });
    });
    await tx.send({ topic: 'fence-out', partition: 1, value: 'zombie-2' });
  });
  await t.throwsAsync(attempt, { instanceOf: ProducerFencedError });
  t.is(ran, 1);
  // Fatal: the helper refuses before running another body, and commit/abort refuse too.
  await t.throwsAsync(
    zombie.transaction(() => {
      ran++;
      return Promise.resolve();
    }),
    { instanceOf: ProducerFencedError },
  );
  t.is(ran, 1);
  await t.throwsAsync(zombie.abortTransaction(), { instanceOf: ProducerFencedError });
  const zombieRequests = f.tapped.map((r) => r.header.apiKey);
  t.true(zombieRequests.includes(ApiKey.ADD_PARTITIONS_TO_TXN) && zombieRequests.includes(ApiKey.PRODUCE), 'the tap saw the zombie’s transaction');
  t.false(zombieRequests.includes(ApiKey.END_TXN), 'the fenced zombie never sent EndTxn: no abort after fencing');
  t.deepEqual(await committedValues(f, 'fence-out', 'successor'), ['successor']);
  t.is(await settledState(f, 'fence'), 'CompleteCommit', 'the successor’s transaction stands; nothing of the zombie’s');
});

test('sendOffsetsToTransaction with the consumer’s group metadata commits for a live member and refuses a zombie’s stale generation', async (t) => {
  const f = await fixture(t, ['eos-in', 'eos-out']);
  const producer = await f.producer({ transactionalId: 'eos' });
  await producer.initTransactions();
  const consumer = await f.consumer({ groupId: 'eos-group', isolationLevel: 'read_committed' });
  consumer.subscribe(['eos-in']);
  await waitFor(() => consumer.groupMetadata().generationId > 0 && consumer.assignment().length === 2, { timeoutMs: 10_000, describe: () => 'the consumer joined its group' });
  const live = consumer.groupMetadata();
  t.is(live.groupId, 'eos-group');
  t.not(live.memberId, '');

  await producer.transaction(async (tx) => {
    await tx.send({ topic: 'eos-out', partition: 0, value: 'out' });
    await tx.sendOffsetsToTransaction([{ topic: 'eos-in', partition: 0, offset: 11n }], live);
  });
  // The offsets land with the marker, just after the commit is answered.
  const groupOffsets = async (): Promise<bigint[]> => (await f.admin.fetchCommittedOffsets('eos-group', ['eos-in'])).map((o) => o.offset);
  t.deepEqual(await pollUntil(groupOffsets, (o) => o[0] === 11n, 'the committed offset'), [11n, -1n]);

  const zombie = { ...live, generationId: live.generationId - 1 };
  const refused = await t.throwsAsync(
    producer.transaction(async (tx) => {
      await tx.sendOffsetsToTransaction([{ topic: 'eos-in', partition: 0, offset: 99n }], zombie);
    }),
  );
  t.regex(refused.message, /ILLEGAL_GENERATION/);
  t.deepEqual(await groupOffsets(), [11n, -1n], 'the zombie’s offsets never land');
  // Abortable, not fatal: the producer carries on.
  await producer.transaction(async (tx) => {
    await tx.sendOffsetsToTransaction([{ topic: 'eos-in', partition: 1, offset: 3n }], live);
  });
  t.deepEqual(await pollUntil(groupOffsets, (o) => o[1] === 3n, 'the second committed offset'), [11n, 3n]);
});
