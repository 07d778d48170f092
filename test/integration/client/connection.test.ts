/**
 * client/: KafkaConnection against a real broker (pipelining, version negotiation, Kafka
 * errors as values) and against small fake servers that stay silent, hang up or answer
 * wrongly; plus the pure helpers (bootstrap lists, Kafka error values, consumer assignments).
 */
import net from 'node:net';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ClientError, ClientErrorCode, KafkaError } from '../../../client/index.ts';
import {
  KafkaConnection,
  connectBootstrap,
  decodeConsumerAssignment,
  encodeConsumerAssignment,
  formatAddress,
  kafkaError,
  parseBootstrap,
  throwIfKafkaError,
} from '../../../client/internal.ts';
import { BrookError } from '../../../core/base/index.ts';
import { ApiKey, ErrorCode, FrameDecoder, ProtocolError, Reader, decodeRequestHeader, encodeResponse } from '../../../core/protocol/index.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import { waitFor } from '../../helpers/wait-for.ts';

async function connected(t: ExecutionContext, port: number, options: Parameters<typeof KafkaConnection.connect>[2] = {}): Promise<KafkaConnection> {
  const connection = await KafkaConnection.connect('127.0.0.1', port, options);
  t.teardown(() => connection.close());
  return connection;
}

interface FakeBroker {
  readonly port: number;
  /** Request headers received, in order. */
  readonly received: { apiKey: number; apiVersion: number; correlationId: number; clientId: string | null }[];
  /** Sockets the server side saw close. */
  readonly closedSockets: () => number;
}

/**
 * A TCP server that reads request frames and lets `answer` decide what to do with each:
 * nothing (silence), write bytes, or destroy the socket.
 */
async function fakeBroker(t: ExecutionContext, answer: (socket: net.Socket, header: FakeBroker['received'][number]) => void = () => undefined): Promise<FakeBroker> {
  const received: FakeBroker['received'] = [];
  const sockets = new Set<net.Socket>();
  let closed = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const decoder = new FrameDecoder();
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed++;
      sockets.delete(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const header = decodeRequestHeader(new Reader(frame));
        const entry = { apiKey: header.apiKey, apiVersion: header.apiVersion, correlationId: header.correlationId, clientId: header.clientId };
        received.push(entry);
        answer(socket, entry);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, received, closedSockets: () => closed };
}

/** A port nothing listens on: bound once, then released. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => {
    resolve();
  }));
  return port;
}

/** Settles `promise` and returns its rejection, which must be a `kind`; throws if it resolved. */
async function rejection<E extends Error>(promise: Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof kind) return error;
    throw new Error(`expected a ${kind.name}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a ${kind.name}, but the promise resolved`);
}

function apiVersionsV0Response(correlationId: number): Buffer {
  return encodeResponse(ApiKey.API_VERSIONS, 0, correlationId, { errorCode: 0, apiKeys: [{ apiKey: ApiKey.METADATA, minVersion: 0, maxVersion: 12 }] }).finish();
}

// ---- against a real broker -----------------------------------------------------------------

test('pipelined requests each get their own response, matched by correlation id', async (t) => {
  const { broker, port } = await startTestBroker(t);
  const connection = await connected(t, port, { clientId: 'pipeline-test' });
  const names = Array.from({ length: 12 }, (_, i) => `missing-${i}`);
  const requests = names.map((name, i) =>
    i % 3 === 0
      ? connection.request(ApiKey.API_VERSIONS, i % 4, {}).then((r) => `api-versions:${r.errorCode}:${r.apiKeys.length > 0}`)
      : connection.request(ApiKey.METADATA, 4 + (i % 5), { topics: [{ name }], allowAutoTopicCreation: false }).then((r) => `${r.topics[0]?.name}:${r.topics[0]?.errorCode}`),
  );
  // All twelve were written before any answer came back.
  t.is(connection.inFlight, 12);
  t.deepEqual(
    await Promise.all(requests),
    names.map((name, i) => (i % 3 === 0 ? 'api-versions:0:true' : `${name}:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`)),
  );
  t.is(connection.inFlight, 0);
  t.is(connection.address, `127.0.0.1:${broker.port}`);
  t.false(connection.isClosed);
});

test('Kafka error codes come back as values in the body, and throwIfKafkaError turns them into KafkaErrors', async (t) => {
  const { port } = await startTestBroker(t);
  const connection = await connected(t, port);
  const response = await connection.request(ApiKey.DELETE_GROUPS, 1, { groupsNames: ['no-such-group'] });
  t.deepEqual(response.results, [{ groupId: 'no-such-group', errorCode: ErrorCode.GROUP_ID_NOT_FOUND }]);
  const error = t.throws(() => {
    throwIfKafkaError(response.results[0]!.errorCode, "DeleteGroups for group 'no-such-group'");
  });
  t.true(error instanceof KafkaError);
  t.is(error.message, "DeleteGroups for group 'no-such-group': GROUP_ID_NOT_FOUND (Kafka error 69)");
});

test('highestVersion picks the highest version both sides speak, above a floor', async (t) => {
  const { port } = await startTestBroker(t);
  const connection = await connected(t, port);
  t.is(await connection.highestVersion(ApiKey.METADATA), 8);
  t.is(await connection.highestVersion(ApiKey.OFFSET_FETCH, 2), 5);
  t.is(await connection.highestVersion(ApiKey.LIST_GROUPS), 2);
  const versions = await connection.apiVersions();
  t.deepEqual(versions.get(ApiKey.DELETE_GROUPS), { min: 0, max: 1 });
  const error = await rejection(connection.highestVersion(ApiKey.METADATA, 9), ClientError);
  t.is(error.code, ClientErrorCode.UNSUPPORTED_VERSION);
  t.is(error.message, `the broker at 127.0.0.1:${port} speaks Metadata versions 0-8; this client needs one in 9-8`);
});

test('highestVersion refuses an API the broker does not advertise', async (t) => {
  const fake = await fakeBroker(t, (socket, header) => socket.write(apiVersionsV0Response(header.correlationId)));
  const connection = await connected(t, fake.port);
  t.is(await connection.highestVersion(ApiKey.METADATA), 8);
  const error = await rejection(connection.highestVersion(ApiKey.DELETE_GROUPS), ClientError);
  t.is(error.code, ClientErrorCode.UNSUPPORTED_VERSION);
  t.is(error.message, `the broker at 127.0.0.1:${fake.port} does not support DeleteGroups`);
  // ApiVersions was asked once for both calls.
  t.deepEqual(fake.received.map((r) => [r.apiKey, r.apiVersion]), [[ApiKey.API_VERSIONS, 0]]);
});

test('a body that cannot be encoded at its version is rejected without sending, and the connection stays usable', async (t) => {
  const { port } = await startTestBroker(t);
  const connection = await connected(t, port);
  const error = await rejection(connection.request(ApiKey.METADATA, 99, { topics: null }), ProtocolError);
  t.true(error instanceof ProtocolError);
  t.is(error.code, 'ERR_PROTOCOL_UNSUPPORTED_VERSION');
  const response = await connection.request(ApiKey.METADATA, 1, { topics: [] });
  t.deepEqual(response.topics, []);
  t.is(response.brokers.length, 1);
});

// ---- faults ------------------------------------------------------------------------------

test('a request to a silent server times out with ERR_CLIENT_TIMEOUT; the connection closes and the other pending request fails', async (t) => {
  const fake = await fakeBroker(t);
  const connection = await connected(t, fake.port, { requestTimeoutMs: 100_000 });
  const slow = connection.request(ApiKey.API_VERSIONS, 0, {});
  const quick = connection.request(ApiKey.METADATA, 1, { topics: [] }, { timeoutMs: 50 });
  const timedOut = await rejection(quick, ClientError);
  t.true(timedOut instanceof ClientError);
  t.true(timedOut instanceof BrookError);
  t.is(timedOut.code, ClientErrorCode.TIMEOUT);
  t.true(timedOut.retriable);
  t.is(timedOut.message, `Metadata v1 request to 127.0.0.1:${fake.port} got no response within 50 ms`);
  const dropped = await rejection(slow, ClientError);
  t.is(dropped.code, ClientErrorCode.CLOSED);
  t.is(dropped.message, `the connection to 127.0.0.1:${fake.port} was closed after a request timed out`);
  t.true(connection.isClosed);
  t.is(connection.inFlight, 0);
  await waitFor(() => fake.closedSockets() === 1, { describe: () => 'the fake server to see the socket close' });
  const later = await rejection(connection.request(ApiKey.API_VERSIONS, 0, {}), ClientError);
  t.is(later.code, ClientErrorCode.CLOSED);
  t.is(later.message, `cannot send ApiVersions: the connection to 127.0.0.1:${fake.port} was closed after a request timed out`);
  // Both requests reached the server, in order, with increasing correlation ids.
  t.deepEqual(
    fake.received.map((r) => [r.apiKey, r.correlationId, r.clientId]),
    [
      [ApiKey.API_VERSIONS, 0, 'brook'],
      [ApiKey.METADATA, 1, 'brook'],
    ],
  );
});

test('the connection-wide request timeout applies when a request sets none', async (t) => {
  const fake = await fakeBroker(t);
  const connection = await connected(t, fake.port, { requestTimeoutMs: 40 });
  const error = await rejection(connection.request(ApiKey.API_VERSIONS, 2, {}), ClientError);
  t.is(error.code, ClientErrorCode.TIMEOUT);
  t.is(error.message, `ApiVersions v2 request to 127.0.0.1:${fake.port} got no response within 40 ms`);
});

test('close() rejects pending requests with ERR_CLIENT_CLOSED, is idempotent, and later requests fail', async (t) => {
  const fake = await fakeBroker(t);
  const connection = await connected(t, fake.port);
  const pending = [connection.request(ApiKey.API_VERSIONS, 0, {}), connection.request(ApiKey.METADATA, 1, { topics: null }), connection.request(ApiKey.LIST_GROUPS, 0, {})];
  await waitFor(() => fake.received.length === 3, { describe: () => `the server to receive 3 requests (got ${fake.received.length})` });
  const closing = connection.close();
  const errors = await Promise.all(pending.map((p) => rejection(p, ClientError)));
  t.deepEqual(
    errors.map((e) => [e.code, e.message]),
    Array.from({ length: 3 }, () => [ClientErrorCode.CLOSED, `the connection to 127.0.0.1:${fake.port} was closed by the client`]),
  );
  await closing;
  await connection.close();
  t.true(connection.isClosed);
  t.is(connection.inFlight, 0);
  await waitFor(() => fake.closedSockets() === 1, { describe: () => 'the fake server to see the socket close' });
  const later = await rejection(connection.request(ApiKey.API_VERSIONS, 0, {}), ClientError);
  t.is(later.code, ClientErrorCode.CLOSED);
});

test('the broker hanging up rejects pending requests with a retriable ERR_CLIENT_CLOSED', async (t) => {
  const fake = await fakeBroker(t, (socket) => socket.destroy());
  const connection = await connected(t, fake.port);
  const error = await rejection(connection.request(ApiKey.API_VERSIONS, 0, {}), ClientError);
  t.is(error.code, ClientErrorCode.CLOSED);
  t.true(error.retriable);
  t.regex(error.message, new RegExp(`^the broker at 127\\.0\\.0\\.1:${fake.port} closed the connection`));
  t.true(connection.isClosed);
});

test('a response with a correlation id no request waits for closes the connection with ERR_CLIENT_PROTOCOL', async (t) => {
  const fake = await fakeBroker(t, (socket, header) => socket.write(apiVersionsV0Response(header.correlationId + 1000)));
  const connection = await connected(t, fake.port);
  const error = await rejection(connection.request(ApiKey.API_VERSIONS, 0, {}), ClientError);
  t.is(error.code, ClientErrorCode.PROTOCOL);
  t.is(error.message, `the broker at 127.0.0.1:${fake.port} answered correlation id 1000, which no request is waiting for`);
  t.true(connection.isClosed);
});

test('a response body that does not decode rejects only its request', async (t) => {
  let answered = 0;
  const fake = await fakeBroker(t, (socket, header) => {
    answered++;
    if (answered === 1) {
      // Correlation id, then a truncated body: an error code and half an array count.
      const bad = Buffer.alloc(11);
      bad.writeInt32BE(7, 0);
      bad.writeInt32BE(header.correlationId, 4);
      socket.write(bad);
    } else socket.write(apiVersionsV0Response(header.correlationId));
  });
  const connection = await connected(t, fake.port);
  const error = await rejection(connection.request(ApiKey.API_VERSIONS, 0, {}), ClientError);
  t.is(error.code, ClientErrorCode.PROTOCOL);
  t.regex(error.message, new RegExp(`^cannot read the ApiVersions v0 response from 127\\.0\\.0\\.1:${fake.port}: `));
  t.false(connection.isClosed);
  const response = await connection.request(ApiKey.API_VERSIONS, 0, {});
  t.deepEqual(response.apiKeys, [{ apiKey: ApiKey.METADATA, minVersion: 0, maxVersion: 12 }]);
});

test('a response frame above maxResponseBytes closes the connection with ERR_CLIENT_PROTOCOL', async (t) => {
  const fake = await fakeBroker(t, (socket, header) => socket.write(apiVersionsV0Response(header.correlationId)));
  const connection = await connected(t, fake.port, { maxResponseBytes: 8 });
  const error = await rejection(connection.request(ApiKey.API_VERSIONS, 0, {}), ClientError);
  t.is(error.code, ClientErrorCode.PROTOCOL);
  t.regex(error.message, /sent an unreadable frame: frame declares \d+ bytes, above the 8-byte limit$/);
  t.true(connection.isClosed);
});

test('a refused connection fails with ERR_CLIENT_CONNECT naming host:port', async (t) => {
  const port = await freePort();
  const error = await rejection(KafkaConnection.connect('127.0.0.1', port), ClientError);
  t.true(error instanceof ClientError);
  t.is(error.code, ClientErrorCode.CONNECT);
  t.true(error.retriable);
  t.is(error.message, `cannot connect to a broker at 127.0.0.1:${port}: connection refused (is a broker listening there?)`);
});

test('connectBootstrap uses the first reachable server and names every server it could not reach', async (t) => {
  const { port } = await startTestBroker(t);
  const dead = await freePort();
  const connection = await connectBootstrap(`127.0.0.1:${dead}, 127.0.0.1:${port}`);
  t.teardown(() => connection.close());
  t.is(connection.port, port);
  const deadToo = await freePort();
  const error = await rejection(connectBootstrap([{ host: '127.0.0.1', port: dead }, { host: '127.0.0.1', port: deadToo }]), ClientError);
  t.is(error.code, ClientErrorCode.CONNECT);
  t.is(
    error.message,
    `cannot connect to any bootstrap server: cannot connect to a broker at 127.0.0.1:${dead}: connection refused (is a broker listening there?); ` +
      `cannot connect to a broker at 127.0.0.1:${deadToo}: connection refused (is a broker listening there?)`,
  );
});

// ---- pure helpers ------------------------------------------------------------------------------

test('parseBootstrap reads host:port lists, IPv6 in brackets, and defaults the port to 9092', (t) => {
  t.deepEqual(parseBootstrap('kafka1:9092, kafka2:9093,,localhost'), [
    { host: 'kafka1', port: 9092 },
    { host: 'kafka2', port: 9093 },
    { host: 'localhost', port: 9092 },
  ]);
  t.deepEqual(parseBootstrap('[::1]:19092,[fe80::1]'), [
    { host: '::1', port: 19092 },
    { host: 'fe80::1', port: 9092 },
  ]);
  t.is(formatAddress({ host: '::1', port: 19092 }), '[::1]:19092');
  t.is(formatAddress({ host: 'kafka1', port: 9092 }), 'kafka1:9092');
});

test('parseBootstrap names the bad entry', (t) => {
  const cases: [string, string][] = [
    ['', "the bootstrap server list '' names no server; expected host:port[,host:port...]"],
    ['ok:1,bad:port', "invalid bootstrap server 'bad:port': the port 'port' is not a number; expected host:port, e.g. localhost:9092"],
    ['host:0', "invalid bootstrap server 'host:0': the port 0 is outside 1-65535; expected host:port, e.g. localhost:9092"],
    ['host:70000', "invalid bootstrap server 'host:70000': the port 70000 is outside 1-65535; expected host:port, e.g. localhost:9092"],
    [':9092', "invalid bootstrap server ':9092': the host is empty; expected host:port, e.g. localhost:9092"],
    ['::1:9092', "invalid bootstrap server '::1:9092': write IPv6 addresses in brackets; expected host:port, e.g. localhost:9092"],
    ['[::1:9092', "invalid bootstrap server '[::1:9092': the IPv6 address has no closing bracket; expected host:port, e.g. localhost:9092"],
  ];
  for (const [input, message] of cases) {
    const error = t.throws(() => parseBootstrap(input), { instanceOf: ClientError });
    t.is((error as ClientError | undefined)?.code, ClientErrorCode.INVALID_BOOTSTRAP, input);
    t.is(error.message, message);
  }
});

test('kafkaError names the code, carries Kafka retriability, and reads unknown codes as UNKNOWN_SERVER_ERROR', (t) => {
  const retriable = kafkaError(ErrorCode.NOT_COORDINATOR, "OffsetFetch for group 'g'", 'coordinator moved');
  t.true(retriable instanceof ClientError);
  t.is(retriable.code, ClientErrorCode.KAFKA);
  t.is(retriable.errorCode, 16);
  t.is(retriable.errorName, 'NOT_COORDINATOR');
  t.true(retriable.retriable);
  t.is(retriable.message, "OffsetFetch for group 'g': NOT_COORDINATOR (Kafka error 16): coordinator moved");
  const fatal = kafkaError(ErrorCode.NON_EMPTY_GROUP, 'DeleteGroups');
  t.false(fatal.retriable);
  t.is(fatal.message, 'DeleteGroups: NON_EMPTY_GROUP (Kafka error 68)');
  const unknown = kafkaError(9999, 'Something');
  t.is(unknown.errorName, 'UNKNOWN_SERVER_ERROR');
  t.is(unknown.errorCode, 9999);
  t.is(unknown.message, 'Something: UNKNOWN_SERVER_ERROR (Kafka error 9999)');
  t.notThrows(() => {
    throwIfKafkaError(ErrorCode.NONE, 'fine');
  });
});

test('consumer assignments round-trip, and empty bytes read as no partitions', (t) => {
  const bytes = encodeConsumerAssignment({ version: 1, topics: [{ topic: 'orders', partitions: [2, 0] }, { topic: 'audit', partitions: [] }], userData: Buffer.from('ud') });
  t.is(bytes.toString('hex'), '0001' + '00000002' + '0006' + Buffer.from('orders').toString('hex') + '00000002' + '00000002' + '00000000' + '0005' + Buffer.from('audit').toString('hex') + '00000000' + '00000002' + '7564');
  t.deepEqual(decodeConsumerAssignment(bytes), {
    version: 1,
    topics: [
      { topic: 'orders', partitions: [2, 0] },
      { topic: 'audit', partitions: [] },
    ],
    userData: Buffer.from('ud'),
  });
  t.deepEqual(decodeConsumerAssignment(Buffer.alloc(0)), { version: 0, topics: [], userData: null });
  // Without user data (some old clients), and with bytes a newer version might add.
  const bare = encodeConsumerAssignment({ topics: [{ topic: 't', partitions: [5] }] });
  t.deepEqual(decodeConsumerAssignment(bare.subarray(0, bare.length - 4)), { version: 0, topics: [{ topic: 't', partitions: [5] }], userData: null });
  t.deepEqual(decodeConsumerAssignment(Buffer.concat([bare, Buffer.from([1, 2, 3])])), { version: 0, topics: [{ topic: 't', partitions: [5] }], userData: null });
  const truncated = t.throws(() => decodeConsumerAssignment(bare.subarray(0, 9)));
  t.true(truncated instanceof ProtocolError);
});
