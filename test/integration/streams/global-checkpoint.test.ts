import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Admin } from '../../../client/index.ts';
import { KafkaStreams, Serdes, StreamsBuilder, StreamsState } from '../../../streams/index.ts';
import type { ReadOnlyKeyValueStore, StreamsOptions } from '../../../streams/index.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { createTopics, produceAll, startStreamsBroker } from './streams-fixtures.ts';

const S = Serdes.String();
const STORE = 'products';

function enrichment() {
  const builder = new StreamsBuilder();
  const products = builder.globalTable('products', { keySerde: S, valueSerde: S }, { storeName: STORE });
  builder
    .stream('orders', { keySerde: S, valueSerde: S })
    .leftJoin(products, (_order, product) => product!, (product, name) => `${product!}=${name ?? '?'}`)
    .to('enriched', { keySerde: S, valueSerde: S });
  return builder.build();
}

const entries = (from: number, to: number, version = 'v1') => Array.from({ length: to - from }, (_, n) => ({ topic: 'products', key: `p${from + n}`, value: `${version}-${from + n}` }));

/** Restored records per global partition, as the restore listener reported them. */
interface Restored {
  readonly starts: { partition: number; start: bigint; end: bigint }[];
  readonly totals: Map<number, number>;
}

async function startRecorded(t: ExecutionContext, options: StreamsOptions): Promise<{ app: KafkaStreams; restored: Restored }> {
  const app = new KafkaStreams(enrichment(), options);
  const restored: Restored = { starts: [], totals: new Map() };
  app.setGlobalStateRestoreListener({
    onRestoreStart: (topic, partition, store, start, end) => {
      if (topic === 'products' && store === STORE) restored.starts.push({ partition, start, end });
    },
    onRestoreEnd: (topic, partition, _store, total) => {
      if (topic === 'products') restored.totals.set(partition, total);
    },
  });
  t.teardown(() => app.close());
  await app.start();
  await waitFor(() => app.state === StreamsState.RUNNING, { timeoutMs: 20_000, describe: () => `the app to run; ${app.state}` });
  return { app, restored };
}

const sum = (totals: Map<number, number>): number => [...totals.values()].reduce((a, b) => a + b, 0);
const lookup = (app: KafkaStreams) => app.store(STORE) as ReadOnlyKeyValueStore<string, string>;

async function setUp(t: ExecutionContext): Promise<{ bootstrap: string; stateDir: string }> {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { products: 2, orders: 1, enriched: 1 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-global-checkpoint-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  return { bootstrap, stateDir };
}

test('a global table restarts from its checkpoint: only the records appended while it was down are restored', async (t) => {
  const { bootstrap, stateDir } = await setUp(t);
  const options = { applicationId: 'global-cp', bootstrapServers: bootstrap, stateDir, commitIntervalMs: 600_000 };
  const N = 300;
  const M = 40;
  await produceAll(bootstrap, entries(0, N));
  const first = await startRecorded(t, options);
  t.is(sum(first.restored.totals), N, 'no checkpoint: the whole topic is read');
  t.is(lookup(first.app).get(`p${N - 1}`), `v1-${N - 1}`);
  await first.app.close();

  // M more: new keys, plus an update and a delete of keys the checkpoint holds.
  await produceAll(bootstrap, [...entries(N, N + M - 2), { topic: 'products', key: 'p0', value: 'v2-0' }, { topic: 'products', key: 'p1', value: null }]);
  const second = await startRecorded(t, options);
  t.is(sum(second.restored.totals), M, `only the tail is restored; starts ${second.restored.starts.map((s) => `${s.partition}:${s.start}-${s.end}`).join(' ')}`);
  t.true(second.restored.starts.some((s) => s.start > 0n), 'some partition starts from its checkpoint');
  const store = lookup(second.app);
  for (let i = 2; i < N + M - 2; i++) t.is(store.get(`p${i}`), `v1-${i}`, `p${i}`);
  t.is(store.get('p0'), 'v2-0');
  t.is(store.get('p1'), undefined);
  t.is(store.approximateNumEntries(), N + M - 3);
});

test('a global topic re-created while the app was down: the checkpoint is discarded and the store rebuilt', async (t) => {
  const { bootstrap, stateDir } = await setUp(t);
  const options = { applicationId: 'global-recreated', bootstrapServers: bootstrap, stateDir, commitIntervalMs: 600_000 };
  await produceAll(bootstrap, entries(0, 100));
  const first = await startRecorded(t, options);
  t.is(sum(first.restored.totals), 100);
  await first.app.close();

  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  try {
    await admin.deleteTopics(['products']);
    await pollUntil(() => admin.listTopics(), (names) => !names.includes('products'), "topic 'products' to be deleted");
  } finally {
    await admin.close();
  }
  await createTopics(bootstrap, { products: 2 });
  await produceAll(bootstrap, entries(0, 6, 'v9'));
  const second = await startRecorded(t, options);
  t.is(sum(second.restored.totals), 6, 'every record of the new topic is read');
  t.true(second.restored.starts.every((s) => s.start === 0n));
  const store = lookup(second.app);
  t.is(store.get('p5'), 'v9-5');
  t.is(store.get('p50'), undefined, 'nothing of the old topic survives');
  t.is(store.approximateNumEntries(), 6);
});

test('checkpoints are written at commits when the global offsets moved; under exactly_once_v2 only at a clean close', async (t) => {
  const { bootstrap, stateDir } = await setUp(t);
  const checkpointOf = (applicationId: string) => readFile(join(stateDir, applicationId, 'global', '.checkpoint'), 'utf8').catch(() => undefined);
  const covered = (text: string | undefined): number => (text ?? '').split('\n').slice(2).filter((l) => l.length > 0).reduce((n, l) => n + Number(l.split(' ')[2]), 0);
  await produceAll(bootstrap, entries(0, 20));

  const alos = await startRecorded(t, { applicationId: 'global-periodic', bootstrapServers: bootstrap, stateDir, commitIntervalMs: 50 });
  await pollUntil(() => checkpointOf('global-periodic'), (text) => covered(text) === 20, 'a periodic checkpoint covering the 20 records');
  await produceAll(bootstrap, entries(20, 30));
  await pollUntil(() => checkpointOf('global-periodic'), (text) => covered(text) === 30, 'a periodic checkpoint covering the 10 appended');
  await alos.app.close();

  const eosOptions = { applicationId: 'global-eos', bootstrapServers: bootstrap, stateDir, commitIntervalMs: 50, processingGuarantee: 'exactly_once_v2' as const };
  const eos = await startRecorded(t, eosOptions);
  t.is(sum(eos.restored.totals), 30);
  await produceAll(bootstrap, entries(30, 35));
  await waitFor(() => lookup(eos.app).get('p34') === 'v1-34', { timeoutMs: 10_000, describe: () => 'the appended records to reach the global store' });
  t.is(await checkpointOf('global-eos'), undefined, 'no checkpoint while running under exactly-once');
  await eos.app.close();
  t.is(covered(await checkpointOf('global-eos')), 35, 'the clean close writes it');
  const again = await startRecorded(t, eosOptions);
  t.is(sum(again.restored.totals), 0, 'restart after a clean close reads nothing more');
  t.is(await checkpointOf('global-eos'), undefined, 'read once, the checkpoint is deleted under exactly-once');
  t.is(lookup(again.app).get('p34'), 'v1-34');
});
