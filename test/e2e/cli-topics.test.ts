/**
 * `brook topics` as a user runs it: a child process against a real broker. Output, exit
 * codes and what the broker ends up holding (checked with the Admin client) are exact.
 */
import { execFile } from 'node:child_process';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Admin } from '../../client/index.ts';
import { startTestBroker } from '../helpers/broker.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `brook topics ...` to completion. */
function brook(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import=tsx', 'cli/main.ts', 'topics', ...args], { cwd: PROJECT_ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

function succeeds(t: ExecutionContext, run: Run, stdout: string): void {
  t.is(run.stderr, '');
  t.is(run.code, 0);
  t.is(run.stdout, stdout);
}

/** A failed run: exit code 1, nothing on stdout, exactly one line on stderr. */
function failsWith(t: ExecutionContext, run: Run, line: string): void {
  t.is(run.code, 1, run.stdout);
  t.is(run.stdout, '');
  t.is(run.stderr, `${line}\n`);
}

async function fixture(t: ExecutionContext): Promise<{ server: string; admin: Admin; nodeId: number }> {
  const { bootstrap } = await startTestBroker(t);
  const admin = new Admin({ bootstrapServers: bootstrap });
  t.teardown(() => admin.close());
  await admin.connect();
  const nodeId = admin.cluster.brokerList()[0]?.nodeId;
  if (nodeId === undefined) throw new Error('the broker list is empty');
  return { server: bootstrap, admin, nodeId };
}

test('create, list, describe, alter and delete', async (t) => {
  const { server, admin, nodeId } = await fixture(t);
  const b = ['--bootstrap-server', server];

  // Independent runs go in parallel: each child process pays for starting tsx.
  const [orders, audit] = await Promise.all([
    brook(['create', 'orders', '--partitions', '2', '--replication-factor', '1', '--config', 'retention.ms=60000', '--config', 'segment.bytes=1048576', ...b]),
    brook(['create', 'audit', ...b]),
  ]);
  succeeds(t, orders, 'Created topic orders.\n');
  succeeds(t, audit, 'Created topic audit.\n');
  t.deepEqual(await admin.listTopics(), ['audit', 'orders']);

  const [list, describe, describeAll] = await Promise.all([brook(['list', ...b]), brook(['describe', 'orders', ...b]), brook(['describe', ...b])]);
  succeeds(t, list, 'audit\norders\n');
  const n = String(nodeId);
  const ordersText = [
    // Like kafka-topics, every config not at Kafka's default: flush.messages=1 is the broker's every-append flush policy.
    'Topic: orders\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: flush.messages=1,retention.ms=60000,segment.bytes=1048576',
    `\tTopic: orders\tPartition: 0\tLeader: ${n}\tReplicas: ${n}\tIsr: ${n}`,
    `\tTopic: orders\tPartition: 1\tLeader: ${n}\tReplicas: ${n}\tIsr: ${n}`,
  ];
  succeeds(t, describe, [...ordersText, ''].join('\n'));
  // No topic named: every topic, sorted, like kafka-topics --describe.
  succeeds(t, describeAll, ['Topic: audit\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: flush.messages=1', `\tTopic: audit\tPartition: 0\tLeader: ${n}\tReplicas: ${n}\tIsr: ${n}`, ...ordersText, ''].join('\n'));

  succeeds(
    t,
    await brook(['alter', 'orders', '--partitions', '3', '--config', 'cleanup.policy=compact', '--delete-config', 'retention.ms', ...b]),
    'Topic orders now has 3 partitions.\nUpdated configs of topic orders.\n',
  );
  const [altered] = await admin.describeTopics(['orders'], { includeConfigs: true });
  t.is(altered?.partitions.length, 3);
  t.deepEqual(
    altered?.configs?.filter((c) => c.source === 'DYNAMIC_TOPIC_CONFIG').map((c) => `${c.name}=${c.value ?? ''}`).sort(),
    ['cleanup.policy=compact', 'segment.bytes=1048576'],
  );

  succeeds(t, await brook(['delete', 'audit', ...b]), 'Deleted topic audit.\n');
  t.deepEqual(await admin.listTopics(), ['orders']);
});

test('broker errors: one line on stderr, exit code 1', async (t) => {
  const { server, admin } = await fixture(t);
  const b = ['--bootstrap-server', server];
  await admin.createTopics([{ topic: 'orders', numPartitions: 2 }]);

  const [exists, invalid, describe, remove, shrink, badAlter] = await Promise.all([
    brook(['create', 'orders', ...b]),
    brook(['create', 'bad', '--config', 'retention.ms=soon', ...b]),
    brook(['describe', 'nope', ...b]),
    brook(['delete', 'nope', ...b]),
    brook(['alter', 'orders', '--partitions', '1', ...b]),
    brook(['alter', 'orders', '--partitions', '4', '--config', 'retention.ms=x', ...b]),
  ]);
  failsWith(t, exists, "brook: CreateTopics for topic 'orders': TOPIC_ALREADY_EXISTS (Kafka error 36): Topic 'orders' already exists. (ERR_CLIENT_KAFKA)");
  failsWith(t, invalid, 'brook: CreateTopics for topic \'bad\': INVALID_CONFIG (Kafka error 40): Invalid value soon for configuration retention.ms: Not a number of type LONG (ERR_CLIENT_KAFKA)');
  failsWith(t, describe, "brook: Metadata for topic 'nope': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3): Topic 'nope' does not exist. (ERR_CLIENT_KAFKA)");
  failsWith(t, remove, "brook: DeleteTopics for topic 'nope': UNKNOWN_TOPIC_OR_PARTITION (Kafka error 3) (ERR_CLIENT_KAFKA)");
  t.is(shrink.code, 1);
  t.regex(shrink.stderr, /^brook: CreatePartitions for topic 'orders': INVALID_PARTITIONS \(Kafka error 37\): The topic orders currently has 2 partition\(s\); 1 would not be an increase\. \(ERR_CLIENT_KAFKA\)\n$/);
  // An invalid config is caught before the partition count changes, which cannot be undone.
  failsWith(t, badAlter, 'brook: IncrementalAlterConfigs for topic \'orders\': INVALID_CONFIG (Kafka error 40): Invalid value x for configuration retention.ms: Not a number of type LONG (ERR_CLIENT_KAFKA)');
  t.is((await admin.describeTopics(['orders']))[0]?.partitions.length, 2);
  t.deepEqual(await admin.listTopics(), ['orders']);
});

test('usage errors and an unreachable broker: one line on stderr, exit code 1', async (t) => {
  const [nothing, badCount, badConfig, badFactor, badTimeout, unreachable] = await Promise.all([
    brook(['alter', 'orders']),
    brook(['create', 'orders', '--partitions', 'many']),
    brook(['create', 'orders', '--config', 'retention.ms']),
    brook(['create', 'orders', '--replication-factor', '40000']),
    brook(['list', '--timeout', '0']),
    // Port 1 is privileged and never a broker here.
    brook(['list', '--bootstrap-server', '127.0.0.1:1']),
  ]);
  failsWith(t, nothing, 'brook: nothing to alter: give --partitions N, --config NAME=VALUE or --delete-config NAME (ERR_TOPICS_USAGE)');
  failsWith(t, badCount, "brook: --partitions must be a positive whole number, not 'many' (ERR_TOPICS_USAGE)");
  failsWith(t, badConfig, "brook: --config 'retention.ms' is not NAME=VALUE (ERR_TOPICS_USAGE)");
  failsWith(t, badFactor, 'brook: --replication-factor must be at most 32767, not 40000 (ERR_TOPICS_USAGE)');
  failsWith(t, badTimeout, "brook: --timeout must be a positive number of milliseconds, not '0' (ERR_TOPICS_USAGE)");
  failsWith(
    t,
    unreachable,
    'brook: no bootstrap server could be reached: cannot connect to a broker at 127.0.0.1:1: connection refused (is a broker listening there?) (ERR_CLIENT_CONNECT)',
  );
});
