import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ApiKey, Writer, decodeResponse, encodeRequest } from '../../../core/protocol/index.ts';
import type { ApiVersionsResponse } from '../../../core/protocol/index.ts';
import { encodeRecordBatch } from '../../../core/records/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import type { LogLine } from '../../helpers/broker.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createTopic, fetchOne, produce, splitBatches, stamped, valuesBatch } from './records.ts';

type AdvertisedApi = ApiVersionsResponse['apiKeys'][number];

async function connect(t: ExecutionContext, port: number): Promise<WireClient> {
  const client = await WireClient.connect(port);
  t.teardown(() => {
    client.close();
  });
  return client;
}

/** The broker hangs up on `client` within the deadline. */
async function closedByBroker(client: WireClient, what: string, timeoutMs = 5000): Promise<void> {
  await waitFor(() => client.isClosed, { timeoutMs, describe: () => `the broker to close the connection (${what})` });
  await client.closed;
}

/** A request frame written by hand: INT32 size, header (v2 with tagged fields when asked), body. */
function rawRequest(apiKey: number, apiVersion: number, correlationId: number, headerV2: boolean, body: Buffer): Buffer {
  const w = new Writer();
  w.int16(apiKey).int16(apiVersion).int32(correlationId).nullableString('raw-test');
  if (headerV2) w.uvarint(0);
  const header = w.finish();
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

function closingLines(logs: readonly LogLine[]): { reason: string }[] {
  return logs.filter((line) => line.msg === 'closing connection').map((line) => ({ reason: String(line['reason']) }));
}

function expectedRanges(): Map<number, [number, number]> {
  return new Map<number, [number, number]>([
    [ApiKey.PRODUCE, [0, 8]],
    [ApiKey.FETCH, [0, 11]],
    [ApiKey.LIST_OFFSETS, [0, 5]],
    [ApiKey.METADATA, [0, 8]],
    [ApiKey.API_VERSIONS, [0, 3]],
    [ApiKey.CREATE_TOPICS, [0, 4]],
    [ApiKey.DELETE_TOPICS, [0, 3]],
    [ApiKey.DESCRIBE_CONFIGS, [0, 2]],
    [ApiKey.ALTER_CONFIGS, [0, 1]],
    [ApiKey.INCREMENTAL_ALTER_CONFIGS, [0, 1]],
    [ApiKey.INIT_PRODUCER_ID, [0, 1]],
  ]);
}

test('ApiVersions v0..v3 advertise minimum 0 for every API and the expected ranges', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  let firstList: AdvertisedApi[] | undefined;
  for (let version = 0; version <= 3; version++) {
    const body =
      version >= 3
        ? await client.request(ApiKey.API_VERSIONS, version, { clientSoftwareName: 'brook-wire-test', clientSoftwareVersion: '1.0.0' })
        : await client.request(ApiKey.API_VERSIONS, version, {});
    t.is(body.errorCode, 0, `v${version} error code`);
    if (version >= 1) t.is(body.throttleTimeMs, 0, `v${version} throttle`);
    const keys = body.apiKeys.map((api) => api.apiKey);
    t.deepEqual(keys, [...new Set(keys)].sort((a, b) => a - b), `v${version}: each API once, sorted`);
    for (const api of body.apiKeys) {
      t.is(api.minVersion, 0, `v${version}: API ${api.apiKey} must advertise minimum 0`);
      t.true(api.maxVersion >= 0, `v${version}: API ${api.apiKey} max`);
    }
    for (const [apiKey, [min, max]] of expectedRanges()) {
      const found = body.apiKeys.find((api) => api.apiKey === apiKey);
      t.deepEqual(found, { apiKey, minVersion: min, maxVersion: max }, `v${version}: range of API ${apiKey}`);
    }
    if (firstList === undefined) firstList = body.apiKeys;
    else t.deepEqual(body.apiKeys, firstList, `v${version} advertises the same list as v0`);
  }
});

test('every advertised API answers at every advertised version', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  const { apiKeys } = await client.request(ApiKey.API_VERSIONS, 3, { clientSoftwareName: 'brook-wire-test', clientSoftwareVersion: '1.0.0' });
  t.true(apiKeys.length >= expectedRanges().size);
  // Minimal bodies: every field defaults, except a Produce that wants an answer (acks=0 gets none).
  const bodies = new Map<number, object>([[ApiKey.PRODUCE, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] }]]);
  let answered = 0;
  for (const api of apiKeys) {
    for (let version = api.minVersion; version <= api.maxVersion; version++) {
      const apiKey = api.apiKey as ApiKey;
      const frame = await client.send(apiKey, version, bodies.get(apiKey) ?? {});
      const decoded = decodeResponse(apiKey, version, frame);
      t.is(typeof decoded.body, 'object', `API ${apiKey} v${version}`);
      answered++;
    }
  }
  t.is(answered, apiKeys.reduce((n, api) => n + api.maxVersion - api.minVersion + 1, 0));
  t.false(client.isClosed);
});

test('Metadata answers at every version 0..8 with this broker and its topics', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false });
  const client = await connect(t, port);
  await createTopic(client, 'meta-every-version', 2);
  for (let version = 0; version <= 8; version++) {
    // v0: an empty list means every topic; v1+: null does.
    const body = await client.request(ApiKey.METADATA, version, { topics: version === 0 ? [] : null });
    t.deepEqual(
      body.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      [{ nodeId: 0, host: '127.0.0.1', port }],
      `v${version} brokers`,
    );
    const topic = body.topics.find((x) => x.name === 'meta-every-version');
    t.is(topic?.errorCode, 0, `v${version} topic error`);
    t.deepEqual(
      topic?.partitions.map((p) => ({ index: p.partitionIndex, leader: p.leaderId, error: p.errorCode })),
      [
        { index: 0, leader: 0, error: 0 },
        { index: 1, leader: 0, error: 0 },
      ],
      `v${version} partitions`,
    );
  }
});

test('ApiVersions at an unsupported version answers UNSUPPORTED_VERSION in the v0 layout', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  const expected = await client.request(ApiKey.API_VERSIONS, 3, { clientSoftwareName: 'brook-wire-test', clientSoftwareVersion: '1.0.0' });

  // v9 is flexible: header v2, and a body of compact strings plus an empty tag buffer.
  const body = Buffer.from([0x06, ...Buffer.from('probe'), 0x04, ...Buffer.from('9.9'), 0x00]);
  const response = client.expect(4242);
  client.writeRaw(rawRequest(ApiKey.API_VERSIONS, 9, 4242, true, body));
  const decoded = decodeResponse(ApiKey.API_VERSIONS, 0, await response);
  t.is(decoded.correlationId, 4242);
  t.is(decoded.body.errorCode, 35);
  t.deepEqual(decoded.body.apiKeys, expected.apiKeys);

  // The connection stays usable: the client retries at a version the broker speaks.
  const retry = await client.request(ApiKey.API_VERSIONS, 0, {});
  t.is(retry.errorCode, 0);
  t.false(client.isClosed);
});

test('an unknown API key closes that connection only, and the broker logs why', async (t) => {
  const started = await startTestBroker(t);
  const bystander = await connect(t, started.port);
  t.is((await bystander.request(ApiKey.API_VERSIONS, 0, {})).errorCode, 0);

  const offender = await connect(t, started.port);
  const answer = offender.expect(77);
  offender.writeRaw(rawRequest(999, 0, 77, false, Buffer.from([0, 0, 0, 0])));
  await t.throwsAsync(answer, { message: /closed before the response/ });
  await closedByBroker(offender, 'API key 999');

  t.is((await bystander.request(ApiKey.API_VERSIONS, 1, {})).errorCode, 0);
  t.false(bystander.isClosed);
  await waitFor(() => closingLines(started.logs).some((line) => line.reason.includes('999')), {
    describe: () => `a 'closing connection' line naming API key 999 in ${JSON.stringify(closingLines(started.logs))}`,
  });
  t.pass();
});

test('an unsupported version of another API (Metadata v50) closes that connection only', async (t) => {
  const started = await startTestBroker(t);
  const bystander = await connect(t, started.port);
  const offender = await connect(t, started.port);
  t.is((await offender.request(ApiKey.METADATA, 1, { topics: [] })).topics.length, 0);

  const answer = offender.expect(50);
  offender.writeRaw(rawRequest(ApiKey.METADATA, 50, 50, true, Buffer.from([0x01, 0x00, 0x00, 0x00])));
  await t.throwsAsync(answer, { message: /closed before the response/ });
  await closedByBroker(offender, 'Metadata v50');

  const body = await bystander.request(ApiKey.METADATA, 8, { topics: [] });
  t.deepEqual(body.brokers.map((b) => b.port), [started.port]);
  await waitFor(() => closingLines(started.logs).some((line) => /Metadata/.test(line.reason) && line.reason.includes('50')), {
    describe: () => `a 'closing connection' line naming Metadata v50 in ${JSON.stringify(closingLines(started.logs))}`,
  });
  t.pass();
});

test('50 pipelined requests are answered in request order', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'pipelined');
  const arrived: number[] = [];
  const sent: number[] = [];
  const produceIds: number[] = [];
  const pending: Promise<Buffer>[] = [];
  for (let i = 0; i < 50; i++) {
    let response: Promise<Buffer>;
    switch (i % 3) {
      case 0:
        // acks=all waits for an fsync, so later (synchronous) answers are ready first.
        response = client.send(ApiKey.PRODUCE, 8, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: 'pipelined', partitionData: [{ index: 0, records: valuesBatch([`m${i}`]) }] }],
        });
        break;
      case 1:
        response = client.send(ApiKey.METADATA, 8, { topics: [{ name: 'pipelined' }], allowAutoTopicCreation: false });
        break;
      default:
        response = client.send(ApiKey.API_VERSIONS, 2, {});
    }
    pending.push(
      response.then((frame) => {
        arrived.push(frame.readInt32BE(0));
        return frame;
      }),
    );
  }
  // Correlation ids are handed out in send order; createTopic used the first one.
  for (let i = 0; i < 50; i++) {
    sent.push(i + 2);
    if (i % 3 === 0) produceIds.push(i + 2);
  }
  const frames = await Promise.all(pending);
  t.deepEqual(arrived, sent);
  t.is(client.unexpected.length, 0);
  const offsets = frames
    .filter((frame) => produceIds.includes(frame.readInt32BE(0)))
    .map((frame) => decodeResponse(ApiKey.PRODUCE, 8, frame).body.responses[0]?.partitionResponses[0]?.baseOffset);
  t.deepEqual(
    offsets,
    produceIds.map((_, i) => BigInt(i)),
  );
});

test('an acks=0 produce gets no response, and its records are appended', async (t) => {
  const { port } = await startTestBroker(t);
  const client = await connect(t, port);
  await createTopic(client, 'fire-and-forget');
  const batch = valuesBatch(['a', 'b', 'c']);
  client.sendOneWay(ApiKey.PRODUCE, 8, {
    transactionalId: null,
    acks: 0,
    timeoutMs: 5000,
    topicData: [{ name: 'fire-and-forget', partitionData: [{ index: 0, records: batch }] }],
  });
  const metadataFrame = await client.send(ApiKey.METADATA, 1, { topics: [{ name: 'fire-and-forget' }] });
  const metadata = decodeResponse(ApiKey.METADATA, 1, metadataFrame);
  t.is(metadata.body.topics[0]?.name, 'fire-and-forget');
  // Had the broker answered the produce, that frame would have arrived first, unclaimed.
  t.deepEqual(client.unexpected, []);

  // The high watermark moves once the append is flushed.
  let fetched = await fetchOne(client, 'fire-and-forget', 0, 0n);
  const deadline = Date.now() + 5000;
  while (fetched.highWatermark < 3n && Date.now() < deadline) fetched = await fetchOne(client, 'fire-and-forget', 0, 0n, { maxWaitMs: 100, minBytes: 1 });
  t.is(fetched.errorCode, 0);
  t.is(fetched.highWatermark, 3n);
  const batches = splitBatches(fetched.records ?? Buffer.alloc(0));
  t.is(batches.length, 1);
  t.deepEqual(batches[0], stamped(batch, 0n, 0));
  t.deepEqual(client.unexpected, []);
});

test('an acks=0 produce that fails closes the connection', async (t) => {
  const { port } = await startTestBroker(t, { autoCreateTopics: false });
  const bystander = await connect(t, port);
  await createTopic(bystander, 'one-partition', 1);
  const client = await connect(t, port);
  client.sendOneWay(ApiKey.PRODUCE, 8, {
    transactionalId: null,
    acks: 0,
    timeoutMs: 5000,
    topicData: [{ name: 'one-partition', partitionData: [{ index: 5, records: valuesBatch(['lost']) }] }],
  });
  const after = client.send(ApiKey.METADATA, 1, { topics: null });
  await t.throwsAsync(after, { message: /closed before the response/ });
  await closedByBroker(client, 'failed acks=0 produce');
  t.deepEqual(client.unexpected, []);
  const fetched = await fetchOne(bystander, 'one-partition', 0, 0n);
  t.is(fetched.highWatermark, 0n);
});

test('a frame declaring more than socketRequestMaxBytes closes the connection before its body arrives', async (t) => {
  const { port } = await startTestBroker(t, { socketRequestMaxBytes: 1024, autoCreateTopics: false });
  const setup = await connect(t, port);
  await createTopic(setup, 'capped');

  const offender = await connect(t, port);
  const size = Buffer.alloc(4);
  size.writeInt32BE(2_000_000, 0);
  offender.writeRaw(size);
  // Only the four size bytes were sent: closing now proves the broker did not wait for the body.
  await closedByBroker(offender, 'a 2,000,000-byte frame header');

  // A 1000-byte request is within the cap and is served on another connection.
  const client = await connect(t, port);
  const frame = thousandByteProduce();
  t.is(frame.length, 4 + 1000);
  const response = client.expect(9);
  client.writeRaw(frame);
  const body = decodeResponse(ApiKey.PRODUCE, 8, await response).body;
  t.is(body.responses[0]?.partitionResponses[0]?.errorCode, 0);
  t.is(body.responses[0]?.partitionResponses[0]?.baseOffset, 0n);
});

/** A Produce v8 request whose frame payload is exactly 1000 bytes (correlation id 9). */
function thousandByteProduce(): Buffer {
  const encode = (valueLength: number): Buffer =>
    encodeRequest(
      { apiKey: ApiKey.PRODUCE, apiVersion: 8, correlationId: 9, clientId: 'cap' },
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'capped', partitionData: [{ index: 0, records: encodeRecordBatch([{ timestamp: 1_700_000_000_000n, key: null, value: Buffer.alloc(valueLength, 0x78) }]) }] }],
      },
    ).finish();
  let valueLength = 800;
  for (let attempt = 0; attempt < 10; attempt++) {
    const frame = encode(valueLength);
    if (frame.length === 1004) return frame;
    valueLength += 1004 - frame.length;
  }
  throw new Error('could not size a 1000-byte produce request');
}

test('an idle connection is closed after connectionsMaxIdleMs', async (t) => {
  const started = await startTestBroker(t, { connectionsMaxIdleMs: 200 });
  const idle = await connect(t, started.port);
  await closedByBroker(idle, 'idle for 200 ms');
  t.true(closingLines(started.logs).some((line) => line.reason.includes('idle')));
  // The broker still accepts new connections.
  const fresh = await connect(t, started.port);
  t.is((await fresh.request(ApiKey.API_VERSIONS, 0, {})).errorCode, 0);
});

test('a connection waiting on a long-poll fetch is not closed as idle mid-request', async (t) => {
  const started = await startTestBroker(t, { connectionsMaxIdleMs: 200, autoCreateTopics: false });
  const client = await connect(t, started.port);
  await createTopic(client, 'long-poll-idle');
  // The broker's idle timer (200 ms after the request arrived) fires before the fetch's own
  // 1500 ms wait ends, while the request is outstanding: the fetch must still be answered.
  const fetched = await fetchOne(client, 'long-poll-idle', 0, 0n, { maxWaitMs: 1500, minBytes: 1 });
  t.is(fetched.errorCode, 0);
  t.is(fetched.highWatermark, 0n);
  t.is(fetched.records?.length ?? 0, 0);
  // Once answered, the connection is idle again and is closed.
  await closedByBroker(client, 'idle after the long poll');
});

test('a malformed request body closes that connection and the broker stays up', async (t) => {
  const started = await startTestBroker(t);
  const setup = await connect(t, started.port);
  await createTopic(setup, 'malformed');

  // Metadata v1 whose topic array claims 2^31-1 entries in five bytes.
  const garbage = await connect(t, started.port);
  const garbageAnswer = garbage.expect(31);
  garbage.writeRaw(rawRequest(ApiKey.METADATA, 1, 31, false, Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x01])));
  await t.throwsAsync(garbageAnswer, { message: /closed before the response/ });
  await closedByBroker(garbage, 'garbage Metadata body');

  // A Produce v7 whose body is cut short (the frame size matches what was sent).
  const truncated = await connect(t, started.port);
  const whole = encodeRequest(
    { apiKey: ApiKey.PRODUCE, apiVersion: 7, correlationId: 32, clientId: 'cut' },
    { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'malformed', partitionData: [{ index: 0, records: valuesBatch(['cut']) }] }] },
  ).finish();
  const cut = Buffer.from(whole.subarray(0, whole.length - 20));
  cut.writeInt32BE(cut.length - 4, 0);
  const truncatedAnswer = truncated.expect(32);
  truncated.writeRaw(cut);
  await t.throwsAsync(truncatedAnswer, { message: /closed before the response/ });
  await closedByBroker(truncated, 'truncated Produce body');

  t.true(closingLines(started.logs).filter((line) => /malformed/i.test(line.reason)).length >= 2, JSON.stringify(closingLines(started.logs)));
  const after = await connect(t, started.port);
  t.is((await after.request(ApiKey.API_VERSIONS, 2, {})).errorCode, 0);
  const stored = await fetchOne(after, 'malformed', 0, 0n);
  t.is(stored.highWatermark, 0n, 'nothing from the truncated produce was appended');
  t.false(setup.isClosed);
  const good = await produce(setup, 'malformed', 0, valuesBatch(['ok']));
  t.is(good.errorCode, 0);
  t.is(good.baseOffset, 0n);
});
