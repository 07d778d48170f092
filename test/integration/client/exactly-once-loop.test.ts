/**
 * The classic exactly-once check of Brook's client: a consume → transform → produce loop
 * (test/fixtures/txn-loop-app.ts: read_committed consumer in a group, one transaction per batch
 * with sendOffsetsToTransaction) runs as a child process against a broker that is a child
 * process too. The loop is killed with SIGKILL four times and restarted, twice with a
 * transaction it holds open on request, twice as soon as the output shows an open transaction,
 * and the broker is killed and restarted once while the loop runs. At the end a read_committed
 * reader must see every input's result exactly once, in input order per key, and a
 * read_uncommitted reader the aborted leftovers.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Admin, Producer } from '../../../client/index.ts';
import type { ProducerRecord } from '../../../client/index.ts';
import { startBrokerProcess } from '../../helpers/broker-process.ts';
import type { BrokerProcess } from '../../helpers/broker-process.ts';
import { WireClient } from '../../helpers/kafka-wire.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { readCommitted } from '../broker/transactions-reads.ts';
import { kill, readToEnd, spawnFixture } from '../streams/collect-harness.ts';
import type { CollectApp } from '../streams/collect-harness.ts';

const INPUT = 'loop-in';
const OUTPUT = 'loop-out';
const PARTITIONS = [0, 1, 2];
const GROUP = 'loop';
const TRANSACTIONAL_ID = 'loop-tx';
const RECORDS = 3000;
const KEYS = 30;
const DEADLINE_MS = 30_000;
const BROKER_CONFIG = {
  autoCreateTopics: false,
  groups: { initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1000, offsetsTopicPartitions: 3 },
  transactions: { stateLogPartitions: 3 },
};

const keyOf = (i: number): string => `k${i % KEYS}`;

/** Produces the input (key `k<i mod KEYS>`, value `<i>`) in small batches, so the loop's small fetches take it a few dozen records at a time; returns each partition's end offset. */
async function produceInput(bootstrap: string): Promise<Map<number, bigint>> {
  const records: ProducerRecord[] = Array.from({ length: RECORDS }, (_, i) => ({ topic: INPUT, key: keyOf(i), value: String(i) }));
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 1, batchSize: 512 });
  await producer.connect();
  try {
    const written = await producer.sendBatch(records);
    const ends = new Map<number, bigint>();
    for (const r of written) if (r.offset + 1n > (ends.get(r.partition) ?? 0n)) ends.set(r.partition, r.offset + 1n);
    return ends;
  } finally {
    await producer.close();
  }
}

async function createTopics(bootstrap: string): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  try {
    await admin.createTopics([INPUT, OUTPUT].map((topic) => ({ topic, numPartitions: PARTITIONS.length })));
  } finally {
    await admin.close();
  }
}

/** What every loop instance so far reported committed: the highest next offset per input partition. */
function committedNext(apps: readonly CollectApp[]): Map<number, bigint> {
  const next = new Map<number, bigint>();
  for (const app of apps) {
    for (const line of app.lines) {
      const match = /^committed (\d+) (\d+)$/.exec(line);
      if (match === null) continue;
      const partition = Number(match[1]);
      const offset = BigInt(match[2]!);
      if (offset > (next.get(partition) ?? 0n)) next.set(partition, offset);
    }
  }
  return next;
}

const sorted = (offsets: ReadonlyMap<number, bigint>): [number, bigint][] => [...offsets].sort(([a], [b]) => a - b);

const total = (offsets: ReadonlyMap<number, bigint>): number => Number([...offsets.values()].reduce((a, b) => a + b, 0n));

/** The output partitions whose high watermark is past the last stable offset: a transaction's records are in the log, not yet decided. */
async function openOutputPartitions(wire: WireClient): Promise<number[]> {
  const views = await Promise.all(PARTITIONS.map((p) => readCommitted(wire, OUTPUT, p)));
  return PARTITIONS.filter((p) => views[p]!.highWatermark > views[p]!.lastStableOffset);
}

class LoopRun {
  readonly apps: CollectApp[] = [];
  broker: BrokerProcess;
  wire: WireClient;
  private readonly t: ExecutionContext;

  constructor(t: ExecutionContext, broker: BrokerProcess, wire: WireClient) {
    this.t = t;
    this.broker = broker;
    this.wire = wire;
  }

  get current(): CollectApp {
    return this.apps.at(-1)!;
  }

  async startApp(): Promise<void> {
    const app = spawnFixture(this.t, 'txn-loop-app.ts', [this.broker.bootstrap, GROUP, INPUT, OUTPUT, TRANSACTIONAL_ID]);
    this.apps.push(app);
    await waitFor(() => app.lines.includes('ready'), { timeoutMs: DEADLINE_MS, gaveUp: () => app.exited, describe: () => `the loop to start; it said ${app.lines.join(' | ')}` });
  }

  /** Waits until the loops committed `records` input records in all. */
  async progress(records: number): Promise<void> {
    const app = this.current;
    await waitFor(() => total(committedNext(this.apps)) >= records, {
      timeoutMs: DEADLINE_MS,
      gaveUp: () => app.exited,
      describe: () => `${records} input records committed; ${total(committedNext(this.apps))} so far; the loop said ${app.lines.slice(-5).join(' | ')}`,
    });
  }

  /** Asks the loop to stop its next transaction just before the commit, checks that its records are in the output undecided, and kills it. */
  async killHolding(): Promise<void> {
    const app = this.current;
    app.child.stdin!.write('hold\n');
    await waitFor(() => app.lines.some((line) => line.startsWith('holding ')), { timeoutMs: DEADLINE_MS, gaveUp: () => app.exited, describe: () => 'the loop to hold a transaction open' });
    const open = await openOutputPartitions(this.wire);
    this.t.true(open.length > 0, 'the held transaction has records in the output past its last stable offset');
    await this.kill(app, 'holding a transaction open');
  }

  /** Kills the loop as soon as the output shows a transaction with records and no decision yet (the kill usually lands inside it). */
  async killWhenOpen(): Promise<void> {
    const app = this.current;
    await pollUntil(() => openOutputPartitions(this.wire), (open) => open.length > 0 || app.exited, 'an open transaction in the output', DEADLINE_MS);
    this.t.false(app.exited, `the loop ran until the kill; it said ${app.lines.slice(-5).join(' | ')}`);
    await this.kill(app, 'the output showing an open transaction');
  }

  private async kill(app: CollectApp, when: string): Promise<void> {
    await kill(app, 'SIGKILL');
    this.t.log(`loop ${this.apps.length} killed after ${total(committedNext(this.apps))} of ${RECORDS} inputs committed, ${when}`);
  }

  /** SIGKILL to the broker, then a new one on the same data directory and port: the running loop reconnects by itself. */
  async crashBroker(dataDir: string, configFile: string): Promise<void> {
    this.wire.close();
    await this.broker.kill();
    this.broker = await startBrokerProcess(this.t, { dataDir, configFile, port: this.broker.port });
    this.wire = await WireClient.connect(this.broker.port);
    const wire = this.wire;
    this.t.teardown(() => {
      wire.close();
    });
  }
}

function valuesByKey(records: readonly { key: Buffer | null; value: Buffer | null }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of records) {
    const key = r.key?.toString() ?? '';
    const list = out.get(key) ?? [];
    list.push(r.value?.toString() ?? '');
    out.set(key, list);
  }
  return out;
}

test('a consume-transform-produce loop killed with SIGKILL four times and a broker crash: read_committed sees every input once, in order per key', async (t) => {
  const root = tempDir(t);
  const dataDir = path.join(root, 'data');
  const configFile = path.join(root, 'broker.json');
  fs.writeFileSync(configFile, JSON.stringify(BROKER_CONFIG));
  const broker = await startBrokerProcess(t, { dataDir, configFile });
  const wire = await WireClient.connect(broker.port);
  t.teardown(() => {
    wire.close();
  });
  await createTopics(broker.bootstrap);
  const ends = await produceInput(broker.bootstrap);
  const run = new LoopRun(t, broker, wire);

  await run.startApp();
  await run.progress(RECORDS * 0.1);
  await run.killWhenOpen();

  await run.startApp();
  await run.progress(RECORDS * 0.25);
  await run.killHolding();

  await run.startApp();
  await run.progress(RECORDS * 0.4);
  await run.crashBroker(dataDir, configFile);
  await run.progress(RECORDS * 0.55);
  await run.killWhenOpen();

  await run.startApp();
  await run.progress(RECORDS * 0.7);
  await run.killHolding();

  await run.startApp();
  await run.progress(RECORDS);
  await kill(run.current, 'SIGTERM');
  t.deepEqual(sorted(committedNext(run.apps)), sorted(ends), 'the loop committed the whole input');

  const said = run.apps.flatMap((app) => app.lines);
  t.deepEqual(
    said.filter((line) => line.startsWith('error ')),
    [],
    'no loop instance failed',
  );
  const aborted = said.filter((line) => line.startsWith('aborted '));
  t.log(`${run.apps.length} loop instances, ${said.filter((line) => line.startsWith('committed ')).length} transactions committed, ${aborted.length} aborted by the loop itself${aborted.length > 0 ? `: ${aborted.join(' | ')}` : ''}`);

  const committed = valuesByKey(await readToEnd(run.broker.bootstrap, OUTPUT, 'read_committed'));
  const expected = valuesByKey(Array.from({ length: RECORDS }, (_, i) => ({ key: Buffer.from(keyOf(i)), value: Buffer.from(`${i}:done`) })));
  const wrong = [...expected.keys()].filter((key) => committed.get(key)?.join() !== expected.get(key)!.join());
  t.deepEqual(
    wrong.slice(0, 3).map((key) => {
      const seen = committed.get(key) ?? [];
      const want = expected.get(key)!;
      return `${key}: ${seen.length} results for ${want.length} inputs; first difference at ${seen.findIndex((v, i) => v !== want[i])}: ${seen.slice(0, 8).join()}`;
    }),
    [],
    `${wrong.length} keys whose committed output is not each input's result once, in input order`,
  );
  t.is([...committed.values()].flat().length, RECORDS, 'nothing but the inputs’ results is committed');

  // The kills cut transactions short: their records are in the log, for read_uncommitted only.
  const uncommitted = await readToEnd(run.broker.bootstrap, OUTPUT);
  t.true(uncommitted.length > RECORDS, `${uncommitted.length - RECORDS} aborted records are in the output log`);
});
