import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Serdes, StreamsBuilder, StreamsState, formatTaskId, int64NumberSerde } from '../../../streams/index.ts';
import type { KafkaStreams, ReadOnlyKeyValueStore } from '../../../streams/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { FAST_GROUP, createTopics, produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';

const S = Serdes.String();

function counting() {
  const builder = new StreamsBuilder();
  builder
    .stream('clicks', { keySerde: S, valueSerde: S })
    .groupByKey({ keySerde: S, valueSerde: S })
    .count({ storeName: 'clicks-per-user' })
    .toStream()
    .to('click-counts', { keySerde: S, valueSerde: int64NumberSerde() });
  return builder.build();
}

const USERS = 12;
// No partition given: the producer partitions by murmur2 of the key, as queryMetadataForKey assumes.
const wave = (from: number, to: number) => Array.from({ length: to - from }, (_, n) => ({ topic: 'clicks', key: `user-${(from + n) % USERS}`, value: `c${from + n}` }));
const expected = (upTo: number): Map<string, number> => {
  const out = new Map<string, number>();
  for (let i = 0; i < upTo; i++) out.set(`user-${i % USERS}`, (out.get(`user-${i % USERS}`) ?? 0) + 1);
  return out;
};
const latest = (records: readonly { key: Buffer | null; value: Buffer | null }[]): Map<string, number> => new Map(records.map((r) => [text(r.key)!, Number(r.value!.readBigInt64BE(0))]));
const reached = (records: readonly { key: Buffer | null; value: Buffer | null }[], want: Map<string, number>): boolean => {
  const got = latest(records);
  return [...want].every(([k, n]) => got.get(k) === n);
};
const tasksOf = (app: KafkaStreams): string[] => app.localTasks().map(formatTaskId).sort();
const countIn = (app: KafkaStreams, user: string): number | undefined => (app.store('clicks-per-user') as ReadOnlyKeyValueStore<string, number> | undefined)?.get(user);

test('two instances: queryMetadataForKey names the holder of a key; when one leaves, its task and state move and the counts go on exactly', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { clicks: 2, 'click-counts': 2 });
  const dirA = await mkdtemp(join(tmpdir(), 'brook-streams-a-'));
  const dirB = await mkdtemp(join(tmpdir(), 'brook-streams-b-'));
  t.teardown(() => Promise.all([rm(dirA, { recursive: true, force: true }), rm(dirB, { recursive: true, force: true })]));
  const base = { applicationId: 'click-count', bootstrapServers: bootstrap, consumer: FAST_GROUP, commitIntervalMs: 100 };
  const a = await startApp(t, counting(), { ...base, stateDir: dirA, applicationServer: 'host-a:7001' });
  const b = await startApp(t, counting(), { ...base, stateDir: dirB, applicationServer: 'host-b:7002' });
  await waitFor(() => a.state === StreamsState.RUNNING && b.state === StreamsState.RUNNING && tasksOf(a).length === 1 && tasksOf(b).length === 1, {
    timeoutMs: 20_000,
    describe: () => `one task each; A ${a.state} ${tasksOf(a).join(',')}, B ${b.state} ${tasksOf(b).join(',')}`,
  });

  await produceAll(bootstrap, wave(0, 240));
  const first = expected(240);
  await readTopic(bootstrap, 'click-counts', (records) => reached(records, first));
  // Every user is answered by the instance queryMetadataForKey names, and only there.
  await waitFor(() => [a, b].every((app) => app.queryMetadataForKey('clicks-per-user', 'user-0', S) !== undefined), { timeoutMs: 10_000, describe: () => 'both instances to know the assignment' });
  const movedUsers: string[] = [];
  for (const [user, n] of first) {
    const meta = a.queryMetadataForKey('clicks-per-user', user, S);
    t.deepEqual(meta, b.queryMetadataForKey('clicks-per-user', user, S), `${user}: both instances agree`);
    const holder = meta!.activeHost.port === 7001 ? a : b;
    const other = holder === a ? b : a;
    t.is(countIn(holder, user), n, `${user} counted on its holder`);
    t.is(countIn(other, user), undefined, `${user} not on the other instance`);
    t.true(tasksOf(holder).includes(`0_${meta!.partition}`));
    if (holder === a) movedUsers.push(user);
  }
  t.true(movedUsers.length > 0, 'A holds some users');

  // A leaves cleanly: B takes its task and restores its store from the changelog.
  await a.close();
  await waitFor(() => b.state === StreamsState.RUNNING && tasksOf(b).length === 2, { timeoutMs: 20_000, describe: () => `B to run both tasks; ${b.state} ${tasksOf(b).join(',')}` });
  await produceAll(bootstrap, wave(240, 480));
  const second = expected(480);
  const out = await readTopic(bootstrap, 'click-counts', (records) => reached(records, second));
  t.deepEqual([...latest(out)].sort(), [...second].sort());
  for (const user of movedUsers) t.is(countIn(b, user), second.get(user), `${user}'s count continued on B from A's state`);
});
