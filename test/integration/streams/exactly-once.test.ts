import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { map, switchMap, take, timer } from 'rxjs';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Producer } from '../../../client/index.ts';
import type { Admin } from '../../../client/index.ts';
import type { ProducerRecord } from '../../../client/index.ts';
import { KafkaStreams, Serdes, StreamsBuilder, StreamsState, int64NumberSerde } from '../../../streams/index.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { committedOffsets, kill, openAdmin, readToEnd, spawnFixture, untilRunning } from './collect-harness.ts';
import { STREAMS_BROKER_CONFIG, createTopics, startStreamsBroker, text } from './streams-fixtures.ts';
import { startTestBroker } from '../../helpers/broker.ts';
import type { OutputRecord } from './streams-fixtures.ts';

const S = Serdes.String();
const KEYS = 20;
const KEY_NAMES = Array.from({ length: KEYS }, (_, k) => `k${k}`);

/** Index i of every key, round-robin over the keys: value `<i>`. */
function inputs(topic: string, perKey: number): ProducerRecord[] {
  const out: ProducerRecord[] = [];
  for (let i = 0; i < perKey; i++) for (const key of KEY_NAMES) out.push({ topic, key, value: String(i) });
  return out;
}

/** Small batches: an app with small fetches then takes the input a little at a time. */
async function produceInSmallBatches(bootstrap: string, records: readonly ProducerRecord[]): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 1, batchSize: 2048 });
  await producer.connect();
  try {
    await producer.sendBatch(records);
  } finally {
    await producer.close();
  }
}

function byKey<T>(records: readonly OutputRecord[], value: (r: OutputRecord) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of records) {
    const key = text(r.key)!;
    const list = out.get(key) ?? [];
    list.push(value(r));
    out.set(key, list);
  }
  return out;
}

/**
 * Read read_committed: the mapped output holds every input that passes the filter once, in input
 * order per key; the counts of a key only go up (the cache sends some, not all) and end at the
 * number of its inputs, which a count that saw an input twice would pass.
 */
async function checkExactlyOnce(t: ExecutionContext, bootstrap: string, input: string, perKey: number): Promise<void> {
  const mapped = byKey(await readToEnd(bootstrap, `${input}-mapped`, 'read_committed'), (r) => text(r.value)!);
  const want = Array.from({ length: perKey }, (_, i) => i)
    .filter((i) => i % 5 !== 4)
    .map((i) => `m${i}`);
  const wrongMapped = KEY_NAMES.filter((key) => mapped.get(key)?.join() !== want.join());
  t.deepEqual(
    wrongMapped.slice(0, 2).map((key) => `${key}: ${mapped.get(key)?.length ?? 0} records, first differences ${(mapped.get(key) ?? []).filter((v, i) => v !== want[i]).slice(0, 5).join()}`),
    [],
    `${wrongMapped.length} keys whose mapped output is not every passing input once, in order`,
  );
  const counts = byKey(await readToEnd(bootstrap, `${input}-counts`, 'read_committed'), (r) => Number(r.value!.readBigInt64BE(0)));
  const wrongCounts = KEY_NAMES.filter((key) => {
    const seen = counts.get(key) ?? [];
    return seen.at(-1) !== perKey || seen.some((n, i) => i > 0 && n <= seen[i - 1]!);
  });
  t.deepEqual(
    wrongCounts.slice(0, 2).map((key) => `${key}: ${(counts.get(key) ?? []).join()}`),
    [],
    `${wrongCounts.length} keys whose counts went back, repeated, or did not end at ${perKey}`,
  );
}

async function inputEnds(bootstrap: string, input: string): Promise<Map<number, bigint>> {
  const ends = new Map<number, bigint>();
  for (const r of await readToEnd(bootstrap, input)) ends.set(r.partition, r.offset + 1n);
  return ends;
}

/** The sum of a topic's log end offsets (uncommitted writes and markers included). */
async function logEnd(admin: Admin, topic: string): Promise<bigint> {
  const listed = await admin.listOffsets([0, 1].map((partition) => ({ topic, partition, timestamp: 'latest' as const })));
  return listed.reduce((total, o) => total + o.offset, 0n);
}

const sum = (offsets: ReadonlyMap<number, bigint>): bigint => [...offsets.values()].reduce((a, o) => a + (o > 0n ? o : 0n), 0n);

test('exactly_once_v2, killed with SIGKILL three times mid-run and restarted: read_committed output holds every input once, in order per key, and counts never see an input twice', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  const admin = await openAdmin(t, bootstrap);
  const input = 'eos-in';
  await createTopics(bootstrap, { [input]: 2, [`${input}-mapped`]: 2, [`${input}-counts`]: 2 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-streams-eos-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  const perKey = 300;
  const all = inputs(input, perKey);
  await produceInSmallBatches(bootstrap, all);
  const argv = [bootstrap, 'eos', input, stateDir];

  let killedAt = 0n;
  for (let round = 1; round <= 3; round++) {
    const app = spawnFixture(t, 'streams-eos-app.ts', argv);
    await untilRunning(app);
    // Killed once its commits moved on, with a transaction most likely open.
    const target = killedAt + BigInt(all.length) / 8n;
    const seen = await pollUntil(() => committedOffsets(admin, 'eos', input), (offsets) => app.exited || sum(offsets) >= target, `commits past ${target}`, 30_000);
    // Then the next transaction's first output: the kill cuts it short.
    const written = await logEnd(admin, `${input}-mapped`);
    await pollUntil(() => logEnd(admin, `${input}-mapped`), (end) => app.exited || end > written, 'output of an open transaction', 30_000);
    await kill(app, 'SIGKILL');
    t.false(app.lines.some((line) => line.startsWith('error ')), app.lines.join(' | '));
    t.true(sum(seen) > killedAt, `round ${round} made progress`);
    killedAt = sum(seen);
  }
  t.true(killedAt < BigInt(all.length), 'the kills landed before the end of the input');

  const ends = await inputEnds(bootstrap, input);
  const last = spawnFixture(t, 'streams-eos-app.ts', argv);
  await untilRunning(last);
  await pollUntil(() => committedOffsets(admin, 'eos', input), (offsets) => last.exited || [...ends].every(([p, end]) => offsets.get(p) === end), 'the whole input committed', 30_000);
  await kill(last, 'SIGTERM');
  t.false(last.lines.some((line) => line.startsWith('error ')), last.lines.join(' | '));

  await checkExactlyOnce(t, bootstrap, input, perKey);
  // The aborted transactions' output is in the log: read_uncommitted readers see more.
  const uncommitted = await readToEnd(bootstrap, `${input}-mapped`);
  t.true(uncommitted.length > (KEYS * perKey * 4) / 5, `${uncommitted.length} records read uncommitted`);
});

test('a transaction kept open past transactionTimeoutMs is aborted by the coordinator, which fences the producer: the app recreates its producer, starts its tasks over from the committed offsets and its read_committed output stays exactly-once', async (t) => {
  const broker = await startTestBroker(t, { ...STREAMS_BROKER_CONFIG, transactions: { abortTimedOutCheckIntervalMs: 100 } });
  const { bootstrap } = broker;
  const admin = await openAdmin(t, bootstrap);
  const input = 'stalled-in';
  await createTopics(bootstrap, { [input]: 2, [`${input}-mapped`]: 2, [`${input}-counts`]: 2 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-streams-stalled-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  const perKey = 100;
  await produceInSmallBatches(bootstrap, inputs(input, perKey));

  // The first time k0's input 50 reaches it, the async stage waits for the test: the commit under
  // way waits for it too, with its transaction open, until the coordinator aborts it.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let stalled = false;
  const builder = new StreamsBuilder();
  const source = builder.stream(input, { keySerde: S, valueSerde: S });
  source
    .filter((_key, value) => Number.parseInt(value ?? '', 10) % 5 !== 4)
    .mapAsync(
      async (value, key) => {
        if (key === 'k0' && value === '50' && !stalled) {
          stalled = true;
          await gate;
        }
        return `m${value ?? ''}`;
      },
      { concurrency: 4 },
    )
    .to(`${input}-mapped`, { keySerde: S, valueSerde: S });
  source.groupByKey().count({ storeName: 'counts' }).toStream().to(`${input}-counts`, { keySerde: S, valueSerde: int64NumberSerde() });
  const warnings: string[] = [];
  const logger = {
    warn: (_fields: object, message: string) => warnings.push(message),
    error: () => undefined,
  };
  const app = new KafkaStreams(builder.build(), {
    applicationId: 'stalled',
    bootstrapServers: bootstrap,
    stateDir,
    processingGuarantee: 'exactly_once_v2',
    producer: { transactionTimeoutMs: 1000 },
    logger,
    consumer: { sessionTimeoutMs: 3000, heartbeatIntervalMs: 300, maxPartitionBytes: 4096 },
  });
  const errors: string[] = [];
  app.setUncaughtExceptionHandler((error) => errors.push(error.message));
  t.teardown(() => app.close());
  await app.start();

  await waitFor(() => broker.logs.some((line) => line.msg === 'aborting a transaction that exceeded its timeout' && line['transactionalId'] !== undefined) || app.state === StreamsState.ERROR, {
    timeoutMs: 20_000,
    describe: () => `the coordinator to abort the stalled transaction; stalled ${stalled}, app ${app.state}`,
  });
  t.true(stalled);
  release();

  const ends = await inputEnds(bootstrap, input);
  await pollUntil(
    () => committedOffsets(admin, 'stalled', input),
    (offsets) => app.state === StreamsState.ERROR || [...ends].every(([p, end]) => offsets.get(p) === end),
    'the whole input committed after the fence',
    30_000,
  );
  t.deepEqual(errors, []);
  t.not(app.state, StreamsState.ERROR);
  t.true(
    warnings.some((w) => w.includes('the producer was fenced')),
    warnings.join(' | '),
  );
  await app.close();
  await checkExactlyOnce(t, bootstrap, input, perKey);
});

test('output a wall-clock timer emits while a commit is under way goes into the next transaction: the app keeps running and read_committed sees every emission once', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  const input = 'ticking-in';
  await createTopics(bootstrap, { [input]: 1, [`${input}-out`]: 1 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-streams-ticking-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  const ticks = 600;
  const builder = new StreamsBuilder();
  // One input starts a timer that emits every millisecond or two, whatever the runtime is doing:
  // many of the emissions fall inside the commits (every 100 ms), between their offsets and EndTxn.
  builder
    .stream(input, { keySerde: S, valueSerde: S })
    .pipeWith((context) => switchMap((record) => timer(0, 5, context.scheduler).pipe(take(ticks), map((i) => ({ ...record, value: String(i) })))))
    .to(`${input}-out`, { keySerde: S, valueSerde: S });
  const app = new KafkaStreams(builder.build(), { applicationId: 'ticking', bootstrapServers: bootstrap, stateDir, processingGuarantee: 'exactly_once_v2', consumer: { sessionTimeoutMs: 3000, heartbeatIntervalMs: 300 } });
  const errors: string[] = [];
  app.setUncaughtExceptionHandler((error) => errors.push(error.message));
  t.teardown(() => app.close());
  await app.start();
  await produceInSmallBatches(bootstrap, [{ topic: input, key: 'k', value: 'start' }]);
  const out = await pollUntil(
    () => readToEnd(bootstrap, `${input}-out`, 'read_committed'),
    (records) => records.length >= ticks || app.state === StreamsState.ERROR,
    `${ticks} committed emissions`,
    30_000,
  );
  t.deepEqual(errors, []);
  t.not(app.state, StreamsState.ERROR);
  t.deepEqual(
    out.map((r) => text(r.value)),
    Array.from({ length: ticks }, (_, i) => String(i)),
  );
});
