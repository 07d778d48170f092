/**
 * `brook groups` as a user runs it: a child process against a real broker that holds records,
 * an idle group with committed offsets, an active group (a member that joined and synced over
 * the wire, or a kafkajs consumer). Output rows, exit codes and the offsets the broker ends up
 * with are checked exactly.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Kafka, logLevel } from 'kafkajs';
import { encodeConsumerAssignment } from '../../client/internal.ts';
import { ApiKey, ErrorCode, Writer } from '../../core/protocol/index.ts';
import { startTestBroker } from '../helpers/broker.ts';
import { WireClient } from '../helpers/kafka-wire.ts';
import { pollUntil } from '../helpers/wait-for.ts';
import { createTopic, produce, valuesBatch } from '../integration/broker/records.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
const TOPIC = 'orders';
/** Record timestamps: orders-0 holds T0..T0+4 (offsets 0-4), orders-1 holds T0+10..T0+12 (offsets 0-2). */
const T0 = 1_700_000_000_000n;
const BROKER_CONFIG = { groups: { initialRebalanceDelayMs: 0, offsetsTopicPartitions: 3 } };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `brook groups ...` to completion. */
function brook(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import=tsx', 'cli/main.ts', 'groups', ...args],
      { cwd: PROJECT_ROOT, timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
      },
    );
  });
}

/** A successful run's stdout as rows of cells (columns are two or more spaces apart). */
function cells(t: ExecutionContext, run: Run): string[][] {
  t.is(run.code, 0, run.stderr);
  return run.stdout
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? [] : line.split(/ {2,}/)));
}

/** A failed run: exit code 1, nothing on stdout, exactly one line on stderr. */
function failsWith(t: ExecutionContext, run: Run, line: string): void {
  t.is(run.code, 1, run.stdout);
  t.is(run.stdout, '');
  t.is(run.stderr, `${line}\n`);
}

interface Fixture {
  readonly port: number;
  readonly bootstrap: string;
  readonly wire: WireClient;
}

/**
 * A broker with `orders` (partition 0: 5 records, partition 1: 3 records) and the group
 * `idle`, Empty, with offsets 2 and 1 committed from outside any generation.
 */
async function fixture(t: ExecutionContext): Promise<Fixture> {
  const { port, bootstrap } = await startTestBroker(t, BROKER_CONFIG);
  const wire = await WireClient.connect(port);
  t.teardown(() => {
    wire.close();
  });
  await createTopic(wire, TOPIC, 2);
  const p0 = await produce(wire, TOPIC, 0, valuesBatch(['a0', 'a1', 'a2', 'a3', 'a4'], { firstTimestamp: T0 }));
  const p1 = await produce(wire, TOPIC, 1, valuesBatch(['b0', 'b1', 'b2'], { firstTimestamp: T0 + 10n }));
  t.deepEqual([p0.errorCode, p1.errorCode], [ErrorCode.NONE, ErrorCode.NONE]);
  const coordinator = await wire.request(ApiKey.FIND_COORDINATOR, 2, { key: 'idle', keyType: 0 });
  t.is(coordinator.errorCode, ErrorCode.NONE);
  await commit(t, wire, 'idle', -1, '', [
    [0, 2n],
    [1, 1n],
  ]);
  return { port, bootstrap, wire };
}

async function commit(t: ExecutionContext, wire: WireClient, groupId: string, generation: number, memberId: string, offsets: readonly [number, bigint][]): Promise<void> {
  const response = await wire.request(ApiKey.OFFSET_COMMIT, 7, {
    groupId,
    generationIdOrMemberEpoch: generation,
    memberId,
    groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: offsets.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedMetadata: '' })) }],
  });
  t.deepEqual(
    response.topics.flatMap((topic) => topic.partitions.map((p) => p.errorCode)),
    offsets.map(() => ErrorCode.NONE),
  );
}

/** The group's committed offsets of `orders`, by partition (-1 for none). */
async function committed(wire: WireClient, groupId: string): Promise<bigint[]> {
  const response = await wire.request(ApiKey.OFFSET_FETCH, 5, { groupId, topics: [{ name: TOPIC, partitionIndexes: [0, 1] }] });
  return response.topics[0]!.partitions.map((p) => p.committedOffset);
}

/** ConsumerProtocolSubscription v0: the topics a member wants. */
function subscription(topics: readonly string[]): Buffer {
  const w = new Writer();
  w.int16(0).arrayLength(topics.length);
  for (const topic of topics) w.string(topic);
  w.nullableBytes(null);
  return w.finish();
}

/**
 * Makes `busy` Stable with one member (client id `busy-client`) that owns both partitions of
 * `orders` and has committed offset 4 for partition 0 only. Returns its member id.
 */
async function activeGroup(t: ExecutionContext, wire: WireClient): Promise<string> {
  const join = await wire.request(
    ApiKey.JOIN_GROUP,
    3,
    {
      groupId: 'busy',
      // Long enough to outlive the test on a busy machine: this member never heartbeats.
      sessionTimeoutMs: 600_000,
      rebalanceTimeoutMs: 600_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription([TOPIC]) }],
    },
    'busy-client',
  );
  t.is(join.errorCode, ErrorCode.NONE);
  const assignment = encodeConsumerAssignment({ topics: [{ topic: TOPIC, partitions: [0, 1] }] });
  const sync = await wire.request(
    ApiKey.SYNC_GROUP,
    2,
    { groupId: 'busy', generationId: join.generationId, memberId: join.memberId, assignments: [{ memberId: join.memberId, assignment }] },
    'busy-client',
  );
  t.is(sync.errorCode, ErrorCode.NONE);
  await commit(t, wire, 'busy', join.generationId, join.memberId, [[0, 4n]]);
  return join.memberId;
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

// ---- list and describe -------------------------------------------------------------------------

const RESET_HEADER = ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'];
const DRY_RUN_NOTE = 'Dry run: no offsets were changed. Add --execute to commit them.\n';
const OFFSETS_HEADER = ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'];

test('list and describe an idle and an active group; reset-offsets is refused for the active one', async (t) => {
  const { port, bootstrap, wire } = await fixture(t);
  const memberId = await activeGroup(t, wire);
  const [list, idle, busy, busyJson, refused] = await Promise.all([
    brook(['list', '--state', '--bootstrap-server', bootstrap]),
    brook(['describe', 'idle', '--bootstrap-server', bootstrap]),
    brook(['describe', 'busy', '--bootstrap-server', bootstrap]),
    brook(['describe', 'busy', '--format', 'json', '--bootstrap-server', bootstrap]),
    brook(['reset-offsets', 'busy', '--topic', TOPIC, '--to-earliest', '--execute', '--bootstrap-server', bootstrap]),
  ]);
  t.deepEqual(cells(t, list), [
    ['GROUP', 'STATE'],
    ['busy', 'Stable'],
    ['idle', 'Empty'],
  ]);

  t.deepEqual(cells(t, idle), [
    ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
    ['idle', `127.0.0.1:${port} (0)`, '-', 'Empty', '0'],
    [],
    ["Consumer group 'idle' has no active members."],
    [],
    OFFSETS_HEADER,
    ['idle', 'orders', '0', '2', '5', '3', '-', '-', '-'],
    ['idle', 'orders', '1', '1', '3', '2', '-', '-', '-'],
  ]);
  // Columns line up: every row of the offsets table starts its cells where the header does.
  const lines = idle.stdout.split('\n').slice(5, 8);
  const starts = (line: string): number[] => [...line.matchAll(/(?:^| {2})(\S)/g)].map((m) => m.index + m[0].length - 1);
  t.deepEqual(starts(lines[1]!), starts(lines[0]!));
  t.deepEqual(starts(lines[2]!), starts(lines[0]!));

  // The member owns both partitions; the one it has not committed shows "-" for offset and lag.
  t.deepEqual(cells(t, busy), [
    ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
    ['busy', `127.0.0.1:${port} (0)`, 'range', 'Stable', '1'],
    [],
    OFFSETS_HEADER,
    ['busy', 'orders', '0', '4', '5', '1', memberId, '/127.0.0.1', 'busy-client'],
    ['busy', 'orders', '1', '-', '3', '-', memberId, '/127.0.0.1', 'busy-client'],
  ]);
  t.is(busyJson.code, 0, busyJson.stderr);
  t.deepEqual(JSON.parse(busyJson.stdout), {
    group: 'busy',
    state: 'Stable',
    protocolType: 'consumer',
    assignmentStrategy: 'range',
    coordinator: { id: 0, host: '127.0.0.1', port },
    members: [
      {
        memberId,
        groupInstanceId: null,
        clientId: 'busy-client',
        host: '/127.0.0.1',
        assignment: [
          { topic: 'orders', partition: 0 },
          { topic: 'orders', partition: 1 },
        ],
      },
    ],
    offsets: [
      { topic: 'orders', partition: 0, currentOffset: '4', logEndOffset: '5', lag: '1', memberId, host: '/127.0.0.1', clientId: 'busy-client' },
      { topic: 'orders', partition: 1, currentOffset: null, logEndOffset: '3', lag: null, memberId, host: '/127.0.0.1', clientId: 'busy-client' },
    ],
  });

  failsWith(t, refused, "brook: assignments can only be reset if the group 'busy' is inactive, but the current state is Stable (ERR_GROUP_NOT_EMPTY)");
  t.deepEqual(await committed(wire, 'busy'), [4n, -1n]);
});

test('describe --format json prints offsets as strings, every digit of one above 2^53 kept', async (t) => {
  const { bootstrap, wire } = await fixture(t);
  // Kafka does not check a committed offset against the log: any int64 can be committed.
  const huge = 2n ** 53n + 1n;
  await commit(t, wire, 'idle', -1, '', [[0, huge]]);
  const run = await brook(['describe', 'idle', '--format', 'json', '--bootstrap-server', bootstrap]);
  t.is(run.code, 0, run.stderr);
  const { offsets } = JSON.parse(run.stdout) as { offsets: { partition: number; currentOffset: string; logEndOffset: string; lag: string }[] };
  t.deepEqual(
    offsets.map((o) => [o.partition, o.currentOffset, o.logEndOffset, o.lag]),
    [
      [0, '9007199254740993', '5', '-9007199254740988'],
      [1, '1', '3', '2'],
    ],
  );
});

// ---- reset-offsets -----------------------------------------------------------------------------

test('reset-offsets without --execute prints the plan (an offset outside the log is moved to its nearer end) and changes nothing', async (t) => {
  const { bootstrap, wire } = await fixture(t);
  const run = await brook(['reset-offsets', 'idle', '--topic', TOPIC, '--to-offset', '4', '--bootstrap-server', bootstrap]);
  t.deepEqual(cells(t, run), [RESET_HEADER, ['idle', TOPIC, '0', '4'], ['idle', TOPIC, '1', '3']]);
  t.is(run.stderr, `New offset 4 is higher than the latest offset of orders-1; using 3.\n${DRY_RUN_NOTE}`);
  t.deepEqual(await committed(wire, 'idle'), [2n, 1n]);

  const deleted = await wire.request(ApiKey.DELETE_RECORDS, 1, { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 3n }] }], timeoutMs: 5000 });
  t.is(deleted.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  const below = await brook(['reset-offsets', 'idle', '--topic', `${TOPIC}:0`, '--to-offset', '1', '--bootstrap-server', bootstrap]);
  t.deepEqual(cells(t, below), [RESET_HEADER, ['idle', TOPIC, '0', '3']]);
  t.is(below.stderr, `New offset 1 is lower than the earliest offset of orders-0; using 3.\n${DRY_RUN_NOTE}`);
  t.deepEqual(await committed(wire, 'idle'), [2n, 1n]);
});

test('reset-offsets --execute commits each strategy, as OffsetFetch then shows', async (t) => {
  const { bootstrap, wire } = await fixture(t);
  const execute = async (...args: string[]): Promise<{ rows: string[][]; offsets: bigint[] }> => {
    const run = await brook(['reset-offsets', 'idle', ...args, '--execute', '--bootstrap-server', bootstrap]);
    t.is(run.stderr, '');
    return { rows: cells(t, run), offsets: await committed(wire, 'idle') };
  };
  const plan = (p0: string, p1: string): string[][] => [RESET_HEADER, ['idle', TOPIC, '0', p0], ['idle', TOPIC, '1', p1]];
  // --all-topics: every partition the group has committed.
  t.deepEqual(await execute('--all-topics', '--to-earliest'), { rows: plan('0', '0'), offsets: [0n, 0n] });
  t.deepEqual(await execute('--topic', TOPIC, '--to-offset', '2'), { rows: plan('2', '2'), offsets: [2n, 2n] });
  // T0+11, written in another zone: orders-1 has a record then (offset 1); orders-0 has none
  // at or after it, so it goes to its log end.
  t.deepEqual(await execute('--topic', TOPIC, '--to-datetime', '2023-11-15T03:43:20.011+0530'), { rows: plan('5', '1'), offsets: [5n, 1n] });

  const json = await brook(['reset-offsets', 'idle', '--topic', `${TOPIC}:1`, '--to-latest', '--execute', '--format', 'json', '--bootstrap-server', bootstrap]);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout), { group: 'idle', executed: true, offsets: [{ topic: TOPIC, partition: 1, newOffset: '3' }] });
  t.deepEqual(await committed(wire, 'idle'), [5n, 3n]);
});

// ---- delete ----------------------------------------------------------------------------------

test('delete removes an empty group and its offsets, and refuses an active one', async (t) => {
  const { bootstrap, wire } = await fixture(t);
  await activeGroup(t, wire);
  const [deleted, refused] = await Promise.all([
    brook(['delete', 'idle', '--bootstrap-server', bootstrap]),
    brook(['delete', 'busy', '--bootstrap-server', bootstrap]),
  ]);
  t.deepEqual(cells(t, deleted), [["Deletion of requested consumer groups ('idle') was successful."]]);
  failsWith(t, refused, "brook: consumer group 'busy' cannot be deleted: it has active members (ERR_GROUP_NOT_EMPTY)");
  t.deepEqual(await committed(wire, 'idle'), [-1n, -1n]);
  t.deepEqual(await committed(wire, 'busy'), [4n, -1n]);
  const listed = await wire.request(ApiKey.LIST_GROUPS, 2, {});
  t.deepEqual(
    listed.groups.map((g) => g.groupId),
    ['busy'],
  );
});

// ---- errors ----------------------------------------------------------------------------------

test('an unknown group, an unknown topic and an unreachable bootstrap server each fail with one line and exit code 1', async (t) => {
  const { bootstrap } = await fixture(t);
  const port = await freePort();
  const [ghost, deleteGhost, nope, noPartition, before1970, unreachable] = await Promise.all([
    brook(['describe', 'ghost', '--bootstrap-server', bootstrap]),
    brook(['delete', 'ghost', '--bootstrap-server', bootstrap]),
    brook(['reset-offsets', 'idle', '--topic', 'nope', '--to-latest', '--bootstrap-server', bootstrap]),
    brook(['reset-offsets', 'idle', '--topic', `${TOPIC}:1,5`, '--to-latest', '--bootstrap-server', bootstrap]),
    brook(['reset-offsets', 'idle', '--topic', TOPIC, '--to-datetime', '1960-01-01T00:00:00Z', '--bootstrap-server', bootstrap]),
    brook(['list', '--bootstrap-server', `127.0.0.1:${port}`]),
  ]);
  failsWith(t, ghost, "brook: consumer group 'ghost' does not exist (ERR_GROUP_NOT_FOUND)");
  failsWith(t, deleteGhost, "brook: consumer group 'ghost' does not exist (ERR_GROUP_NOT_FOUND)");
  failsWith(t, nope, "brook: topic 'nope' does not exist (ERR_UNKNOWN_TOPIC)");
  failsWith(t, noPartition, "brook: topic 'orders' has no partition 5 (it has 2) (ERR_UNKNOWN_TOPIC)");
  failsWith(t, before1970, "brook: --to-datetime '1960-01-01T00:00:00Z' is before 1970, when record timestamps begin (ERR_GROUPS_USAGE)");
  failsWith(
    t,
    unreachable,
    `brook: no bootstrap server could be reached: cannot connect to a broker at 127.0.0.1:${port}: connection refused (is a broker listening there?) (ERR_CLIENT_CONNECT)`,
  );
});

// ---- with a real client ----------------------------------------------------------------------

test('a kafkajs consumer group: describe decodes its assignment and shows zero lag once it has committed everything', async (t) => {
  const { bootstrap, wire } = await fixture(t);
  const kafka = new Kafka({ clientId: 'kjs-client', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, maxRetryTime: 1000, retries: 5 } });
  const consumer = kafka.consumer({ groupId: 'kjs', heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  t.teardown(() => consumer.disconnect());
  let memberId = '';
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    memberId = event.payload.memberId;
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ autoCommit: true, eachMessage: () => Promise.resolve() });
  await pollUntil(async () => (await committed(wire, 'kjs')).join(), (offsets) => offsets === '5,3', `kafkajs to consume and commit all 8 records`, 30_000);
  const rows = cells(t, await brook(['describe', 'kjs', '--bootstrap-server', bootstrap]));
  t.deepEqual(rows[1]!.slice(2), ['RoundRobinAssigner', 'Stable', '1']);
  t.deepEqual(rows.slice(3), [
    OFFSETS_HEADER,
    ['kjs', 'orders', '0', '5', '5', '0', memberId, '/127.0.0.1', 'kjs-client'],
    ['kjs', 'orders', '1', '3', '3', '0', memberId, '/127.0.0.1', 'kjs-client'],
  ]);
});
