import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Admin } from '../../../client/admin/index.ts';
import { ADMIN_CONFIG_SCHEMA, resolveAdminConfig } from '../../../client/admin/admin-config.ts';
import { Cluster } from '../../../client/cluster.ts';
import { CLUSTER_CONFIG_SCHEMA, CLUSTER_OPTION_PROPERTIES, resolveClusterConfig } from '../../../client/cluster-config.ts';
import { CONSUMER_CONFIG_SCHEMA, resolveConsumerConfig } from '../../../client/consumer/consumer-config.ts';
import { Consumer } from '../../../client/consumer/index.ts';
import type { ConsumerOptions } from '../../../client/consumer/index.ts';
import { ClientError, ClientErrorCode } from '../../../client/errors.ts';
import { suggest } from '../../../client/options.ts';
import { PRODUCER_CONFIG_SCHEMA, resolveProducerConfig } from '../../../client/producer/producer-config.ts';
import { Producer } from '../../../client/producer/index.ts';
import type { ProducerOptions } from '../../../client/producer/index.ts';
import { CompressionCodec } from '../../../core/records/index.ts';

const bootstrapServers = '127.0.0.1:1';

/** Asserts `fn` throws ERR_CLIENT_INVALID_CONFIG, never retriable, and returns its message. */
function invalid(t: ExecutionContext, fn: () => unknown): string {
  const error = t.throws(fn, { instanceOf: ClientError });
  t.is(error.code, ClientErrorCode.INVALID_CONFIG, error.message);
  t.false(error.retriable);
  return error.message;
}

test('the producer fills in Kafka’s defaults and the cluster’s', (t) => {
  t.deepEqual(resolveProducerConfig({ bootstrapServers }), {
    bootstrapServers,
    clientId: 'brook',
    requestTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    metadataMaxAgeMs: 300_000,
    retryBackoffMs: 100,
    acks: -1,
    idempotent: true,
    compression: CompressionCodec.none,
    batchSize: 1_000_000,
    lingerMs: 5,
    bufferMemory: 33_554_432,
    retries: 2_147_483_647,
    deliveryTimeoutMs: 120_000,
    maxBlockMs: 60_000,
    maxInFlight: 5,
    maxRequestSize: 1_048_576,
    transactionTimeoutMs: 60_000,
  });
});

test('the consumer fills in Kafka’s defaults; rebalanceTimeoutMs follows maxPollIntervalMs unless given', (t) => {
  t.deepEqual(resolveConsumerConfig({ bootstrapServers }), {
    bootstrapServers,
    clientId: 'brook',
    requestTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    metadataMaxAgeMs: 300_000,
    retryBackoffMs: 100,
    sessionTimeoutMs: 45_000,
    heartbeatIntervalMs: 3000,
    rebalanceTimeoutMs: 300_000,
    maxPollIntervalMs: 300_000,
    autoCommit: true,
    autoCommitIntervalMs: 5000,
    autoOffsetReset: 'latest',
    isolationLevel: 'read_uncommitted',
    maxBytes: 52_428_800,
    maxPartitionBytes: 1_048_576,
    maxWaitMs: 500,
    minBytes: 1,
    maxPrefetchBytes: 33_554_432,
  });
  t.is(resolveConsumerConfig({ bootstrapServers, maxPollIntervalMs: 123_000 }).rebalanceTimeoutMs, 123_000);
  t.is(resolveConsumerConfig({ bootstrapServers, maxPollIntervalMs: 123_000, rebalanceTimeoutMs: 9000 }).rebalanceTimeoutMs, 9000);
});

test('admin and cluster options are the shared ones, with the same defaults', (t) => {
  const expected = { bootstrapServers: ['a:1', 'b:2'], clientId: 'brook', requestTimeoutMs: 30_000, connectTimeoutMs: 10_000, metadataMaxAgeMs: 300_000, retryBackoffMs: 100 };
  t.deepEqual(resolveClusterConfig({ bootstrapServers: ['a:1', 'b:2'] }), expected);
  t.deepEqual(resolveAdminConfig({ bootstrapServers: ['a:1', 'b:2'] }), expected);
  t.deepEqual(Object.keys(ADMIN_CONFIG_SCHEMA.properties), Object.keys(CLUSTER_CONFIG_SCHEMA.properties));
});

test('every client shares the cluster’s option declarations, not copies of them', (t) => {
  for (const schema of [PRODUCER_CONFIG_SCHEMA, CONSUMER_CONFIG_SCHEMA, ADMIN_CONFIG_SCHEMA]) {
    for (const [name, declaration] of Object.entries(CLUSTER_OPTION_PROPERTIES)) {
      t.is((schema.properties as Record<string, unknown>)[name], declaration, name);
    }
    t.deepEqual(schema.required, ['bootstrapServers']);
  }
});

test('the caller’s options are left as they were: defaults go into a copy', (t) => {
  const servers = ['a:1'];
  const options = Object.freeze({ bootstrapServers: servers, lingerMs: 0 });
  const config = resolveProducerConfig(options);
  t.deepEqual(options, { bootstrapServers: ['a:1'], lingerMs: 0 });
  t.not(config.bootstrapServers, servers);
  t.is(config.lingerMs, 0);
});

test('an option given as undefined gets its default, as if it were absent', (t) => {
  const options = { bootstrapServers, clientId: undefined, sessionTimeoutMs: undefined } as unknown as ConsumerOptions;
  const config = resolveConsumerConfig(options);
  t.is(config.clientId, 'brook');
  t.is(config.sessionTimeoutMs, 45_000);
});

test('a bad value is refused with a message naming the option and what it must be', (t) => {
  t.is(invalid(t, () => resolveConsumerConfig({ bootstrapServers, sessionTimeoutMs: 0 })), 'consumer option sessionTimeoutMs: must be >= 1');
  t.is(invalid(t, () => resolveProducerConfig({ bootstrapServers, lingerMs: 1.5 })), 'producer option lingerMs: must be integer');
  t.is(invalid(t, () => resolveProducerConfig({ bootstrapServers, acks: 2 as unknown as 1 })), 'producer option acks: must be one of 0, 1, -1, all');
  t.is(
    invalid(t, () => resolveProducerConfig({ bootstrapServers, compression: 'brotli' as unknown as 'gzip' })),
    'producer option compression: must be one of none, gzip, snappy, lz4, zstd',
  );
  t.is(invalid(t, () => resolveConsumerConfig({ bootstrapServers, autoOffsetReset: 'none' as unknown as 'latest' })), 'consumer option autoOffsetReset: must be one of latest, earliest');
  // Node fires a longer timer at once, so a timeout that large would mean "now".
  t.is(invalid(t, () => resolveConsumerConfig({ bootstrapServers, maxPollIntervalMs: 2 ** 31 })), 'consumer option maxPollIntervalMs: must be <= 2147483647');
  t.is(invalid(t, () => resolveConsumerConfig({ bootstrapServers, groupId: '' })), 'consumer option groupId: must NOT have fewer than 1 characters');
});

test('numbers are not read from strings: "5000" is not 5000', (t) => {
  const options = { bootstrapServers, requestTimeoutMs: '5000' } as unknown as ProducerOptions;
  t.is(invalid(t, () => resolveProducerConfig(options)), 'producer option requestTimeoutMs: must be integer');
});

test('bootstrapServers is required, and is a string or an array of strings', (t) => {
  t.is(invalid(t, () => resolveAdminConfig({} as unknown as { bootstrapServers: string })), 'admin option bootstrapServers: is required');
  t.is(invalid(t, () => resolveAdminConfig({ bootstrapServers: 9092 as unknown as string })), 'admin option bootstrapServers: must be a string or an array of strings');
  t.is(invalid(t, () => resolveAdminConfig({ bootstrapServers: ['a:1', 2] as unknown as string[] })), 'admin option bootstrapServers: must be a string or an array of strings');
});

test('every problem is reported at once', (t) => {
  const options = { bootstrapServers, sessionTimeoutMs: -5, maxWaitMs: 'long', autoCommit: 'yes' } as unknown as ConsumerOptions;
  t.is(
    invalid(t, () => resolveConsumerConfig(options)),
    'consumer option sessionTimeoutMs: must be >= 1; consumer option autoCommit: must be boolean; consumer option maxWaitMs: must be integer',
  );
});

test('an unknown option is refused, with the option it most likely meant', (t) => {
  const typo = { bootstrapServers, sesionTimeoutMs: 10_000 } as unknown as ConsumerOptions;
  t.is(invalid(t, () => resolveConsumerConfig(typo)), 'unknown consumer option "sesionTimeoutMs" (did you mean sessionTimeoutMs?)');
  const kafkaName = { bootstrapServers, 'session.timeout.ms': 10_000 } as unknown as ConsumerOptions;
  t.is(invalid(t, () => resolveConsumerConfig(kafkaName)), 'unknown consumer option "session.timeout.ms" (did you mean sessionTimeoutMs?)');
  // A consumer option given to a producer has no near neighbour among the producer's.
  const misplaced = { bootstrapServers, groupId: 'g' } as unknown as ProducerOptions;
  t.is(invalid(t, () => resolveProducerConfig(misplaced)), 'unknown producer option "groupId"');
  // A non-JSON option of another client is unknown too, not silently ignored.
  const hook = { bootstrapServers, onAssigned: () => undefined } as unknown as ProducerOptions;
  t.is(invalid(t, () => resolveProducerConfig(hook)), 'unknown producer option "onAssigned"');
});

test('a "__proto__" key from parsed JSON is an unknown option, not a prototype', (t) => {
  const parsed = JSON.parse(`{"bootstrapServers":"${bootstrapServers}","__proto__":{"lingerMs":1}}`) as ProducerOptions;
  t.is(invalid(t, () => resolveProducerConfig(parsed)), 'unknown producer option "__proto__"');
});

test('suggest: case, Kafka’s dotted names and small typos; nothing for a stranger', (t) => {
  const names = ['sessionTimeoutMs', 'maxPollIntervalMs', 'autoCommit'];
  t.is(suggest('SessionTimeoutMs', names), 'sessionTimeoutMs');
  t.is(suggest('max.poll.interval.ms', names), 'maxPollIntervalMs');
  t.is(suggest('autoComit', names), 'autoCommit');
  t.is(suggest('fetchMaxBytes', names), undefined);
});

test('options outside the schema (callbacks, objects) are checked for their kind', (t) => {
  const listener = { bootstrapServers, onAssigned: 'log it' } as unknown as ConsumerOptions;
  t.is(invalid(t, () => resolveConsumerConfig(listener)), 'consumer option onAssigned: must be a function');
  const assignors = { bootstrapServers, assignors: { name: 'range' } } as unknown as ConsumerOptions;
  t.is(invalid(t, () => resolveConsumerConfig(assignors)), 'consumer option assignors: must be an array');
  t.notThrows(() => resolveConsumerConfig({ bootstrapServers, onAssigned: () => undefined, onRevoked: async () => undefined, assignors: [] }));
});

test('options that are not an object are refused', (t) => {
  t.is(invalid(t, () => resolveConsumerConfig(null as unknown as ConsumerOptions)), 'consumer options must be an object, not null');
  t.is(invalid(t, () => resolveProducerConfig('h:9092' as unknown as ProducerOptions)), 'producer options must be an object, not string');
});

test('producer: idempotence asked for explicitly must be possible; by default it yields to acks, retries and maxInFlight', (t) => {
  t.regex(invalid(t, () => resolveProducerConfig({ bootstrapServers, acks: 1, idempotent: true })), /^producer option idempotent: true needs acks 'all' \(got acks 1\)/);
  t.regex(invalid(t, () => resolveProducerConfig({ bootstrapServers, retries: 0, idempotent: true })), /^producer option idempotent: true needs retries > 0/);
  t.regex(invalid(t, () => resolveProducerConfig({ bootstrapServers, maxInFlight: 6, idempotent: true })), /at most 5 requests in flight \(maxInFlight 6\)/);
  t.false(resolveProducerConfig({ bootstrapServers, acks: 1 }).idempotent);
  t.false(resolveProducerConfig({ bootstrapServers, acks: 0 }).idempotent);
  t.false(resolveProducerConfig({ bootstrapServers, retries: 0 }).idempotent);
  t.false(resolveProducerConfig({ bootstrapServers, maxInFlight: 6 }).idempotent);
  t.false(resolveProducerConfig({ bootstrapServers, idempotent: false }).idempotent);
  t.true(resolveProducerConfig({ bootstrapServers, acks: -1 }).idempotent);
  t.true(resolveProducerConfig({ bootstrapServers, acks: 'all', maxInFlight: 5, idempotent: true }).idempotent);
});

test('producer: deliveryTimeoutMs given below lingerMs + requestTimeoutMs is refused; by default it is raised to that', (t) => {
  t.is(
    invalid(t, () => resolveProducerConfig({ bootstrapServers, lingerMs: 100, requestTimeoutMs: 1000, deliveryTimeoutMs: 1099 })),
    'producer option deliveryTimeoutMs (1099) must be at least lingerMs + requestTimeoutMs (100 + 1000); raise deliveryTimeoutMs or lower the others',
  );
  t.is(resolveProducerConfig({ bootstrapServers, lingerMs: 100, requestTimeoutMs: 1000, deliveryTimeoutMs: 1100 }).deliveryTimeoutMs, 1100);
  t.is(resolveProducerConfig({ bootstrapServers, lingerMs: 1000, requestTimeoutMs: 200_000 }).deliveryTimeoutMs, 201_000);
  t.is(resolveProducerConfig({ bootstrapServers, requestTimeoutMs: 1000 }).deliveryTimeoutMs, 120_000);
});

test('consumer: heartbeatIntervalMs must be below sessionTimeoutMs, as in Kafka', (t) => {
  t.is(
    invalid(t, () => resolveConsumerConfig({ bootstrapServers, sessionTimeoutMs: 6000, heartbeatIntervalMs: 6000 })),
    'consumer option heartbeatIntervalMs (6000) must be below sessionTimeoutMs (6000); lower heartbeatIntervalMs or raise sessionTimeoutMs',
  );
  // The default heartbeat (3 s) against a short session is caught too.
  t.regex(invalid(t, () => resolveConsumerConfig({ bootstrapServers, sessionTimeoutMs: 2000 })), /heartbeatIntervalMs \(3000\) must be below sessionTimeoutMs \(2000\)/);
  t.is(resolveConsumerConfig({ bootstrapServers, sessionTimeoutMs: 6000, heartbeatIntervalMs: 5999 }).heartbeatIntervalMs, 5999);
});

test('the producer’s codec names are exactly core/records’ codecs', (t) => {
  t.deepEqual([...PRODUCER_CONFIG_SCHEMA.properties.compression.enum].sort(), Object.keys(CompressionCodec).sort());
});

test('the clients validate their options when made, naming themselves', (t) => {
  t.regex(invalid(t, () => new Producer({ bootstrapServers, batchSize: 0 })), /^producer option batchSize: must be >= 1$/);
  t.regex(invalid(t, () => new Consumer({ bootstrapServers, maxBytes: 0 })), /^consumer option maxBytes: must be >= 1$/);
  t.regex(invalid(t, () => new Admin({ bootstrapServers, requestTimeoutMs: 0 })), /^admin option requestTimeoutMs: must be >= 1$/);
  t.regex(invalid(t, () => new Cluster({ bootstrapServers, retryBackoffMs: -1 })), /^cluster option retryBackoffMs: must be >= 0$/);
  // A shared option reaches every client, the consumer's retryBackoffMs and connectTimeoutMs included.
  t.notThrows(() => new Consumer({ bootstrapServers, retryBackoffMs: 50, connectTimeoutMs: 2000 }));
});

test('a transactionalId forces idempotence on and refuses the options that rule it out, as Kafka does', (t) => {
  const forced = resolveProducerConfig({ bootstrapServers, transactionalId: 'tx', maxInFlight: 5 });
  t.true(forced.idempotent);
  t.is(forced.transactionalId, 'tx');
  t.regex(invalid(t, () => resolveProducerConfig({ bootstrapServers, transactionalId: 'tx', idempotent: false })), /transactionalId needs idempotence/);
  t.regex(invalid(t, () => resolveProducerConfig({ bootstrapServers, transactionalId: 'tx', acks: 1 })), /acks 'all'/);
  t.regex(invalid(t, () => resolveProducerConfig({ bootstrapServers, transactionalId: 'tx', retries: 0 })), /retries > 0/);
  t.regex(invalid(t, () => resolveProducerConfig({ bootstrapServers, transactionalId: 'tx', maxInFlight: 6 })), /at most 5/);
  // Without a transactional id the same options only turn idempotence off.
  t.false(resolveProducerConfig({ bootstrapServers, acks: 1 }).idempotent);
});
