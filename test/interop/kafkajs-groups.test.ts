/**
 * kafkajs 2.2.4 consumer groups against a Brook broker: three members share a 6-partition topic;
 * one leaves, one is SIGKILLed (its session must time out), the broker restarts under them. Each
 * test checks that every record is delivered, that committed offsets end at the log end offsets,
 * and, from the broker's 'group stable' log lines, that no generation gave a partition to two
 * members or left one unassigned.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { Admin, Consumer, Kafka, Message, Producer } from 'kafkajs';
import { startTestBroker } from '../helpers/broker.ts';
import type { LogLine } from '../helpers/broker.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { assertEveryGenerationPartitioned, latestStable, ownedPartitions, partitionNumbers, stableGenerations, topicPartitions } from './groups-helpers.ts';
import type { StableGeneration } from './groups-helpers.ts';
import { byPartition, connectedAdmin, connectedConsumer, connectedProducer, kafkaClient } from './kafkajs-helpers.ts';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
const MEMBER_CHILD = 'test/fixtures/kafkajs-group-member.ts';

const TOPIC = 'orders';
const PARTITIONS = 6;

/** In-process members: roomy, so a busy machine does not expire them by accident. */
const SESSION_TIMEOUT_MS = 6000;
/** The member that gets SIGKILLed: how long the broker waits before dropping it. */
const CHILD_SESSION_TIMEOUT_MS = 3000;
const HEARTBEAT_INTERVAL_MS = 300;

const BROKER_CONFIG = {
  groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 5 },
};

/** Deadlines: generous, since ava runs test files side by side on two cores. */
const STABLE_WITHIN_MS = 20_000;
const CONSUMED_WITHIN_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// What the members received and committed.

interface Delivery {
  readonly by: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly value: string;
}

/** Everything delivered to the members of one group, and the offsets they got committed. */
class GroupRun {
  readonly deliveries: Delivery[] = [];
  /** Distinct values delivered so far (a value identifies a record). */
  readonly seen = new Set<string>();
  /** Values delivered more than once. */
  readonly duplicates: string[] = [];
  /** partition → the offset of the latest commit the broker acknowledged for it. */
  readonly committed = new Map<number, bigint>();
  /** Crashes of kafkajs's runner, for failure messages. */
  readonly crashes: string[] = [];

  deliver(by: string, partition: number, offset: string, value: string | null): void {
    const v = value ?? '(null)';
    this.deliveries.push({ by, partition, offset: BigInt(offset), value: v });
    if (this.seen.has(v)) this.duplicates.push(v);
    else this.seen.add(v);
  }

  sawAll(records: readonly Message[]): boolean {
    return records.every((r) => this.seen.has(String(r.value)));
  }

  missing(records: readonly Message[]): number {
    return records.filter((r) => !this.seen.has(String(r.value))).length;
  }

  committedUpTo(ends: readonly PartitionOffset[]): boolean {
    return ends.every((e) => this.committed.get(e.partition) === BigInt(e.offset));
  }

  describeCommitted(): string {
    return JSON.stringify([...this.committed.entries()].sort(([a], [b]) => a - b).map(([p, o]) => [p, o.toString()]));
  }
}

interface Member {
  readonly name: string;
  readonly consumer: Consumer;
  /** The member id of the latest join (kafkajs GROUP_JOIN). */
  memberId: string | undefined;
}

/**
 * How a member commits: 'batch' processes each batch with eachBatch and commits it explicitly
 * before returning (autoCommit off); 'auto' is kafkajs's eachMessage with auto-commit after
 * each batch (at-least-once across rebalances).
 */
type CommitMode = 'batch' | 'auto';

async function startMember(t: ExecutionContext, kafka: Kafka, run: GroupRun, group: string, name: string, mode: CommitMode): Promise<Member> {
  const consumer = await connectedConsumer(t, kafka, {
    groupId: group,
    sessionTimeout: SESSION_TIMEOUT_MS,
    rebalanceTimeout: 10_000,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    // Heartbeats go out between fetches: keep long polls short.
    maxWaitTimeInMs: 100,
  });
  const member: Member = { name, consumer, memberId: undefined };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    member.memberId = event.payload.memberId;
  });
  consumer.on(consumer.events.CRASH, (event) => {
    run.crashes.push(`${name}: ${String(event.payload.error)} (restart: ${String(event.payload.restart)})`);
  });
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  if (mode === 'auto') {
    consumer.on(consumer.events.COMMIT_OFFSETS, (event) => {
      // kafkajs reports the partitions of auto-commits as strings (object keys), despite its types.
      for (const topic of event.payload.topics) {
        for (const p of topic.partitions) {
          const partition: unknown = p.partition;
          run.committed.set(Number(partition), BigInt(p.offset));
        }
      }
    });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        run.deliver(name, partition, message.offset, message.value?.toString() ?? null);
        return Promise.resolve();
      },
    });
  } else {
    await consumer.run({
      autoCommit: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        let next: bigint | undefined;
        for (const message of batch.messages) {
          run.deliver(name, batch.partition, message.offset, message.value?.toString() ?? null);
          payload.resolveOffset(message.offset);
          next = BigInt(message.offset) + 1n;
        }
        if (next === undefined) return;
        await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next.toString() }] }] });
        run.committed.set(batch.partition, next);
        await payload.heartbeat();
      },
    });
  }
  return member;
}

/** A group member in a child process (kafkajs eachMessage, auto-commit), to be SIGKILLed. */
interface ChildMember {
  readonly name: string;
  memberId: string | undefined;
  kill(): Promise<void>;
}

function spawnMember(t: ExecutionContext, bootstrap: string, run: GroupRun, group: string, name: string): ChildMember {
  const args = ['--import=tsx', MEMBER_CHILD, bootstrap, group, TOPIC, String(CHILD_SESSION_TIMEOUT_MS), String(HEARTBEAT_INTERVAL_MS)];
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const member: ChildMember = {
    name,
    memberId: undefined,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  t.teardown(() => member.kill());
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as { type: string; memberId?: string; partition?: number; offset?: string; value?: string | null; error?: string };
    if (event.type === 'joined') member.memberId = event.memberId;
    else if (event.type === 'message') run.deliver(name, event.partition ?? -1, event.offset ?? '-1', event.value ?? null);
    else if (event.type === 'crash') run.crashes.push(`${name}: ${event.error ?? ''}`);
  });
  void exited.then(() => {
    if (stderr !== '') run.crashes.push(`${name} stderr: ${stderr}`);
  });
  return member;
}

// ---------------------------------------------------------------------------------------------
// The broker's 'group stable' log lines.

const sortedMembers = (line: StableGeneration): string[] => Object.keys(line.assignments).sort();
const coversAll = (line: StableGeneration): boolean => JSON.stringify(ownedPartitions(line)) === JSON.stringify(topicPartitions(TOPIC, PARTITIONS));

/** The name of the member that `line` assigns the partition to. */
function ownerName(line: StableGeneration, partition: number, members: readonly { readonly name: string; readonly memberId: string | undefined }[]): string | undefined {
  const owner = Object.entries(line.assignments).find(([, partitions]) => partitions.includes(`${TOPIC}-${partition}`))?.[0];
  return members.find((m) => m.memberId === owner)?.name;
}

/**
 * Waits until the group's latest stable generation is newer than `after`, has exactly the given
 * members (as they last joined) and assigns all partitions between them.
 */
async function waitForStable(
  logs: () => readonly LogLine[],
  group: string,
  members: readonly { readonly memberId: string | undefined }[],
  after: number,
): Promise<StableGeneration> {
  const latest = (): StableGeneration | undefined => latestStable(logs(), group);
  const wanted = (): string[] => members.map((m) => m.memberId ?? '(not joined)').sort();
  const ready = (line: StableGeneration | undefined): line is StableGeneration =>
    line !== undefined && line.generation > after && JSON.stringify(sortedMembers(line)) === JSON.stringify(wanted()) && coversAll(line);
  await waitFor(() => ready(latest()), {
    timeoutMs: STABLE_WITHIN_MS,
    describe: () => `group ${group} stable after generation ${after} with members ${JSON.stringify(wanted())}; latest: ${JSON.stringify(latest())}`,
  });
  const line = latest();
  if (!ready(line)) throw new Error('unreachable: the stable line changed under us');
  return line;
}

// ---------------------------------------------------------------------------------------------
// Producing and reading offsets.

interface PartitionOffset {
  readonly partition: number;
  readonly offset: string;
}

const keyedRecords = (phase: string, count: number): Message[] =>
  Array.from({ length: count }, (_, i) => ({ key: `${phase}-key-${i}`, value: `${phase}-${i}` }));

async function produce(t: ExecutionContext, producer: Producer, records: readonly Message[]): Promise<void> {
  const errors: number[] = [];
  for (let s = 0; s < records.length; s += 2000) {
    const result = await producer.send({ topic: TOPIC, acks: -1, messages: records.slice(s, s + 2000) });
    errors.push(...result.map((r) => r.errorCode).filter((code) => code !== 0));
  }
  t.deepEqual(errors, [], 'produce errors');
}

/** The log end offset of every partition (admin ListOffsets). */
async function logEndOffsets(admin: Admin): Promise<PartitionOffset[]> {
  return (await admin.fetchTopicOffsets(TOPIC)).sort(byPartition).map(({ partition, high }) => ({ partition, offset: high }));
}

/** The group's committed offsets (admin OffsetFetch). */
async function committedOffsets(admin: Admin, group: string): Promise<PartitionOffset[]> {
  const topics = await admin.fetchOffsets({ groupId: group, topics: [TOPIC] });
  return (topics.find((x) => x.topic === TOPIC)?.partitions ?? []).sort(byPartition).map(({ partition, offset }) => ({ partition, offset }));
}

const total = (offsets: readonly PartitionOffset[]): number => offsets.reduce((sum, o) => sum + Number(o.offset), 0);

async function waitForDelivery(run: GroupRun, records: readonly Message[], what: string): Promise<void> {
  await waitFor(() => run.sawAll(records), {
    timeoutMs: CONSUMED_WITHIN_MS,
    describe: () => `${what}: ${run.missing(records)} of ${records.length} records never delivered; crashes: ${JSON.stringify(run.crashes)}`,
  });
}

async function waitForCommits(run: GroupRun, ends: readonly PartitionOffset[], what: string): Promise<void> {
  await waitFor(() => run.committedUpTo(ends), {
    timeoutMs: CONSUMED_WITHIN_MS,
    describe: () => `${what}: commits ${run.describeCommitted()} never reached the log end offsets ${JSON.stringify(ends)}; crashes: ${JSON.stringify(run.crashes)}`,
  });
}

/** Partitions each member received records from, by member name. */
function partitionsByMember(deliveries: readonly Delivery[]): Record<string, number[]> {
  const out: Record<string, Set<number>> = {};
  for (const d of deliveries) (out[d.by] ??= new Set()).add(d.partition);
  return Object.fromEntries(Object.entries(out).map(([name, set]) => [name, [...set].sort((a, b) => a - b)]));
}

/** Partitions each member owns in `line`, by member name. */
function assignedByMember(line: StableGeneration, members: readonly { readonly name: string; readonly memberId: string | undefined }[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of members) {
    const owned = line.assignments[m.memberId ?? ''] ?? [];
    out[m.name] = partitionNumbers(owned, TOPIC);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

test('three kafkajs consumers share 30,000 keyed records: each delivered once, all committed, none redelivered to a new member', async (t) => {
  const group = 'once';
  const broker = await startTestBroker(t, BROKER_CONFIG);
  const kafka = kafkaClient(broker.bootstrap, 'groups-once');
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] }));

  const run = new GroupRun();
  const members = await Promise.all(['a', 'b', 'c'].map((name) => startMember(t, kafka, run, group, name, 'batch')));
  const formed = await waitForStable(() => broker.logs, group, members, 0);
  t.deepEqual(
    Object.values(assignedByMember(formed, members)).map((ps) => ps.length),
    [2, 2, 2],
    'round robin gives each of three members two partitions',
  );
  const stableBefore = stableGenerations(broker.logs, group).length;

  const producer = await connectedProducer(t, kafka);
  const records = keyedRecords('once', 30_000);
  await produce(t, producer, records);
  const ends = await logEndOffsets(admin);
  t.is(total(ends), 30_000);

  await waitForDelivery(run, records, 'stable group');
  await waitForCommits(run, ends, 'stable group');

  // No membership change happened, so every record was delivered exactly once, to its partition's owner.
  t.is(stableGenerations(broker.logs, group).length, stableBefore, 'the group rebalanced while consuming');
  t.deepEqual(run.duplicates, []);
  t.is(run.deliveries.length, 30_000);
  t.deepEqual(partitionsByMember(run.deliveries), assignedByMember(formed, members));
  t.deepEqual(await committedOffsets(admin, group), ends);

  // Everyone leaves; a new member of the same group starts at the committed offsets.
  await Promise.all(members.map((m) => m.consumer.disconnect()));
  const lastGeneration = latestStable(broker.logs, group)?.generation ?? 0;
  const fresh = new GroupRun();
  const newcomer = await startMember(t, kafka, fresh, group, 'd', 'batch');
  await waitForStable(() => broker.logs, group, [newcomer], lastGeneration);
  const markers = Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, key: `marker-${p}`, value: `marker-${p}` }));
  await produce(t, producer, markers);
  await waitForDelivery(fresh, markers, 'new member');
  t.deepEqual(
    [...fresh.deliveries].sort(byPartition),
    ends.map(({ partition, offset }) => ({ by: 'd', partition, offset: BigInt(offset), value: `marker-${partition}` })),
  );
  await newcomer.consumer.disconnect();

  assertEveryGenerationPartitioned(t, stableGenerations(broker.logs, group), TOPIC, PARTITIONS);
});

test('a kafkajs member that leaves hands its partitions to the other two, which consume what follows', async (t) => {
  const group = 'leave';
  const broker = await startTestBroker(t, BROKER_CONFIG);
  const kafka = kafkaClient(broker.bootstrap, 'groups-leave');
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] }));
  const producer = await connectedProducer(t, kafka);

  const run = new GroupRun();
  const members = await Promise.all(['a', 'b', 'c'].map((name) => startMember(t, kafka, run, group, name, 'auto')));
  const [a, b, c] = members as [Member, Member, Member];
  const formed = await waitForStable(() => broker.logs, group, members, 0);

  const before = keyedRecords('before', 3000);
  await produce(t, producer, before);
  await waitForDelivery(run, before, 'three members');

  await c.consumer.disconnect();
  const reformed = await waitForStable(() => broker.logs, group, [a, b], formed.generation);

  const deliveredBefore = run.deliveries.length;
  const after = keyedRecords('after', 3000);
  await produce(t, producer, after);
  await waitForDelivery(run, after, 'two members');
  const ends = await logEndOffsets(admin);
  t.is(total(ends), 6000);
  await waitForCommits(run, ends, 'two members');

  // Every later record went to its partition's owner in the new generation, none to the leaver.
  const afterValues = new Set(after.map((r) => String(r.value)));
  const misdelivered = run.deliveries
    .slice(deliveredBefore)
    .filter((d) => afterValues.has(d.value))
    .filter((d) => d.by !== ownerName(reformed, d.partition, [a, b]));
  t.deepEqual(misdelivered, []);
  t.deepEqual(await committedOffsets(admin, group), ends);
  await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);

  assertEveryGenerationPartitioned(t, stableGenerations(broker.logs, group), TOPIC, PARTITIONS);
});

test('a SIGKILLed kafkajs member is dropped after its session times out, and the others take over its partitions', async (t) => {
  const group = 'kill';
  const broker = await startTestBroker(t, BROKER_CONFIG);
  const kafka = kafkaClient(broker.bootstrap, 'groups-kill');
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] }));
  const producer = await connectedProducer(t, kafka);

  const run = new GroupRun();
  const victim = spawnMember(t, broker.bootstrap, run, group, 'child');
  const [a, b] = (await Promise.all(['a', 'b'].map((name) => startMember(t, kafka, run, group, name, 'auto')))) as [Member, Member];
  const formed = await waitForStable(() => broker.logs, group, [a, b, victim], 0);
  t.is(assignedByMember(formed, [victim])['child']?.length, 2);

  const before = keyedRecords('before', 1200);
  await produce(t, producer, before);
  await waitForDelivery(run, before, 'three members');
  t.true(run.deliveries.some((d) => d.by === 'child'), 'the child consumed its partitions');

  await victim.kill();
  const reformed = await waitForStable(() => broker.logs, group, [a, b], formed.generation);

  const deliveredBefore = run.deliveries.length;
  const after = keyedRecords('after', 1200);
  await produce(t, producer, after);
  await waitForDelivery(run, after, 'two members');
  const ends = await logEndOffsets(admin);
  t.is(total(ends), 2400);
  await waitForCommits(run, ends, 'two members');

  const afterValues = new Set(after.map((r) => String(r.value)));
  const misdelivered = run.deliveries
    .slice(deliveredBefore)
    .filter((d) => afterValues.has(d.value))
    .filter((d) => d.by !== ownerName(reformed, d.partition, [a, b]));
  t.deepEqual(misdelivered, []);
  t.deepEqual(await committedOffsets(admin, group), ends);
  await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);

  assertEveryGenerationPartitioned(t, stableGenerations(broker.logs, group), TOPIC, PARTITIONS);
});

test('a kafkajs group resumes from its committed offsets after a broker restart', async (t) => {
  const group = 'restart';
  const first = await startTestBroker(t, BROKER_CONFIG);
  // Enough retries for every client to ride out the restart.
  const kafka = kafkaClient(first.bootstrap, 'groups-restart', 10);
  const admin = await connectedAdmin(t, kafka);
  t.true(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] }));
  const producer = await connectedProducer(t, kafka);

  const run = new GroupRun();
  const members = await Promise.all(['a', 'b', 'c'].map((name) => startMember(t, kafka, run, group, name, 'batch')));
  const formed = await waitForStable(() => first.logs, group, members, 0);

  const firstHalf = keyedRecords('first', 3000);
  await produce(t, producer, firstHalf);
  const endsAtRestart = await logEndOffsets(admin);
  await waitForDelivery(run, firstHalf, 'before the restart');
  await waitForCommits(run, endsAtRestart, 'before the restart');
  t.deepEqual(await committedOffsets(admin, group), endsAtRestart);
  const lastGenerationBefore = latestStable(first.logs, group)?.generation ?? formed.generation;
  const deliveredBefore = run.deliveries.length;

  const second = await first.restart();
  t.is(second.port, first.port);

  const secondHalf = keyedRecords('second', 3000);
  await produce(t, producer, secondHalf);
  await waitForDelivery(run, secondHalf, 'after the restart');
  const ends = await logEndOffsets(admin);
  t.is(total(ends), 6000);
  await waitForCommits(run, ends, 'after the restart');
  // The restarted coordinator reloaded the group: the same three members, stable, in the same
  // generation or (if a member rejoined while the broker was away) a later one.
  const described = await admin.describeGroups([group]);
  const reloaded = described.groups[0]!;
  t.is(reloaded.state, 'Stable');
  t.deepEqual(reloaded.members.map((m) => m.memberId).sort(), members.map((m) => m.memberId).sort());
  const generationAfter = latestStable(second.logs, group)?.generation ?? lastGenerationBefore;

  // Every batch was committed before the restart, so nothing below those offsets may come back.
  const redelivered = run.deliveries.slice(deliveredBefore).filter((d) => d.offset < BigInt(endsAtRestart[d.partition]?.offset ?? '0'));
  t.deepEqual(redelivered, []);
  t.true(run.sawAll([...firstHalf, ...secondHalf]));
  t.deepEqual(await committedOffsets(admin, group), ends);
  t.true(generationAfter >= lastGenerationBefore);

  // Close the members while the restarted broker is up (teardown would close it first).
  await Promise.all(members.map((m) => m.consumer.disconnect()));
  assertEveryGenerationPartitioned(t, [...stableGenerations(first.logs, group), ...stableGenerations(second.logs, group)], TOPIC, PARTITIONS);
});
