import test from 'ava';
import type { ExecutionContext } from 'ava';
import { KafkaStreams, Serdes, StreamsState, formatTaskId } from '../../../streams/index.ts';
import type { ReadOnlyKeyValueStore, StreamsOptions } from '../../../streams/index.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { FAST_GROUP, clickCounting, clickWave, countsReached, createTopics, expectedClicks, latestCounts, produceAll, readTopic, startStreamsBroker } from './streams-fixtures.ts';

const S = Serdes.String();
const STORE = 'clicks-per-user';
const CHANGELOG = `standby-count-${STORE}-changelog`;

const USERS = 16;
const wave = (from: number, to: number) => clickWave(USERS, from, to);
const expected = (upTo: number): Map<string, number> => expectedClicks(USERS, upTo);
const ids = (list: readonly { subtopology: number; partition: number }[]): string => list.map(formatTaskId).sort().join(',');

interface Restore {
  readonly topic: string;
  readonly partition: number;
  start?: bigint;
  end?: bigint;
  total?: number;
}

interface StandbyEvent {
  readonly event: 'start' | 'suspended';
  readonly partition: number;
  readonly offset: bigint;
  readonly reason?: string;
}

/** An app whose changelog restores and standby updates are recorded; closed when the test ends. */
async function startRecordedApp(t: ExecutionContext, options: StreamsOptions): Promise<{ app: KafkaStreams; restores: Restore[]; standby: StandbyEvent[] }> {
  const app = new KafkaStreams(clickCounting(STORE), options);
  const restores: Restore[] = [];
  const standby: StandbyEvent[] = [];
  app.setStandbyUpdateListener({
    onUpdateStart: (_topic, partition, _store, offset) => {
      standby.push({ event: 'start', partition, offset });
    },
    onUpdateSuspended: (_topic, partition, _store, offset, _end, reason) => {
      standby.push({ event: 'suspended', partition, offset, reason });
    },
  });
  app.setGlobalStateRestoreListener({
    onRestoreStart: (topic, partition, _store, start, end) => {
      restores.push({ topic, partition, start, end });
    },
    onRestoreEnd: (topic, partition, _store, total) => {
      const entry = restores.findLast((r) => r.topic === topic && r.partition === partition);
      if (entry !== undefined) entry.total = total;
    },
  });
  t.teardown(() => app.close());
  await app.start();
  return { app, restores, standby };
}

const show = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));

test('numStandbyReplicas 1: the surviving instance takes over from its warm standby and replays only the changelog tail', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { clicks: 2, 'click-counts': 2 });
  const dirA = tempDir(t, 'brook-standby-a-');
  const dirB = tempDir(t, 'brook-standby-b-');
  // No record cache: every input writes one changelog record, so the changelog is long. No
  // periodic commit during the test: the standby's checkpoint comes from its promotion alone.
  const base = { applicationId: 'standby-count', bootstrapServers: bootstrap, consumer: FAST_GROUP, commitIntervalMs: 600_000, statestoreCacheMaxBytes: 0, numStandbyReplicas: 1 };
  const { app: a } = await startRecordedApp(t, { ...base, stateDir: dirA, applicationServer: 'host-a:7001' });
  const { app: b, restores, standby: standbyOfB } = await startRecordedApp(t, { ...base, stateDir: dirB, applicationServer: 'host-b:7002' });
  await waitFor(
    () =>
      a.state === StreamsState.RUNNING &&
      b.state === StreamsState.RUNNING &&
      a.localTasks().length === 1 &&
      b.localTasks().length === 1 &&
      ids(a.standbyTasks()) === ids(b.localTasks()) &&
      ids(b.standbyTasks()) === ids(a.localTasks()),
    {
      timeoutMs: 20_000,
      describe: () => `one active task each and a standby of the other's; A ${a.state} ${ids(a.localTasks())} / ${ids(a.standbyTasks())}, B ${b.state} ${ids(b.localTasks())} / ${ids(b.standbyTasks())}`,
    },
  );
  const movedTask = ids(a.localTasks());
  const movedPartition = Number(movedTask.split('_')[1]);

  const total = 3000;
  await produceAll(bootstrap, wave(0, total));
  const first = expected(total);
  await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, first), 30_000);

  // A's users: the standby copy on B has them (as a stale store only), and the metadata names B as standby.
  const usersOfA = [...first.keys()].filter((user) => a.queryMetadataForKey(STORE, user, S)?.activeHost.port === 7001);
  t.true(usersOfA.length > 0, 'A holds some users');
  await waitFor(() => usersOfA.every((user) => (b.store(STORE, { includeStale: true }) as ReadOnlyKeyValueStore<string, number> | undefined)?.get(user) === first.get(user)), {
    timeoutMs: 20_000,
    describe: () => "B's standby copy to catch up with A's counts",
  });
  for (const user of usersOfA) t.is((b.store(STORE) as ReadOnlyKeyValueStore<string, number> | undefined)?.get(user), undefined, `${user}: a standby is not queryable by default`);
  await waitFor(() => a.queryMetadataForKey(STORE, usersOfA[0]!, S)?.standbyHosts.length === 1, { timeoutMs: 10_000, describe: () => 'A to know the standby placement' });
  t.deepEqual(a.queryMetadataForKey(STORE, usersOfA[0]!, S)?.standbyHosts, [{ host: 'host-b', port: 7002 }]);

  // A last burst, then A stops at once: B runs its task, restoring from where its standby was
  // (whatever of the burst the standby has not read yet is the tail).
  const burst = total + 64;
  await produceAll(bootstrap, wave(total, burst));
  await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, expected(burst)), 30_000);
  restores.length = 0;
  await a.close();
  await waitFor(() => b.state === StreamsState.RUNNING && b.localTasks().length === 2 && restores.some((r) => r.partition === movedPartition && r.total !== undefined), {
    timeoutMs: 20_000,
    describe: () => `B to run both tasks and restore ${movedTask}; ${b.state} ${ids(b.localTasks())}, restores ${show(restores)}`,
  });
  const restore = restores.find((r) => r.topic === CHANGELOG && r.partition === movedPartition)!;
  const changelogLength = Number(restore.end!);
  t.log(`changelog ${CHANGELOG}-${movedPartition}: ${changelogLength} records; restore from ${restore.start} read ${restore.total}`);
  t.true(changelogLength >= total / 4, `the moved task's changelog holds ${changelogLength} records`);
  t.true(restore.start! > 0n, `the restore started at the standby's position ${restore.start}, not at 0`);
  t.true(restore.total! * 20 < changelogLength, `restored ${restore.total} records of ${changelogLength}: only the tail`);
  t.deepEqual(b.standbyTasks(), [], 'no other instance left to keep standbys for');
  const promoted = standbyOfB.find((e) => e.event === 'suspended' && e.partition === movedPartition);
  t.is(promoted?.reason, 'promoted', `B's standby was promoted: ${show(standbyOfB)}`);
  t.is(promoted?.offset, restore.start, 'the restore began where the standby stopped');

  // The counts go on from the standby's state, exactly as the reference says.
  await produceAll(bootstrap, wave(burst, burst + 800));
  const second = expected(burst + 800);
  const out = await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, second), 30_000);
  t.deepEqual([...latestCounts(out)].sort(), [...second].sort());
  for (const user of usersOfA) t.is((b.store(STORE) as ReadOnlyKeyValueStore<string, number>).get(user), second.get(user), `${user} continued on B`);
});

test('a restarted instance gets a task back and its standby resumes from the local checkpoint, not the changelog start', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { clicks: 2, 'click-counts': 2 });
  const dirA = tempDir(t, 'brook-standby-a-');
  const dirB = tempDir(t, 'brook-standby-b-');
  const base = { applicationId: 'standby-count', bootstrapServers: bootstrap, consumer: FAST_GROUP, commitIntervalMs: 600_000, statestoreCacheMaxBytes: 0, numStandbyReplicas: 1 };
  const { app: a, standby: standbyOfA } = await startRecordedApp(t, { ...base, stateDir: dirA });
  const { app: b } = await startRecordedApp(t, { ...base, stateDir: dirB });
  const crossed = (x: KafkaStreams, y: KafkaStreams): boolean =>
    x.state === StreamsState.RUNNING && y.state === StreamsState.RUNNING && x.localTasks().length === 1 && y.localTasks().length === 1 && ids(x.standbyTasks()) === ids(y.localTasks()) && ids(y.standbyTasks()) === ids(x.localTasks());
  await waitFor(() => crossed(a, b), { timeoutMs: 20_000, describe: () => `A ${ids(a.localTasks())} / ${ids(a.standbyTasks())}, B ${ids(b.localTasks())} / ${ids(b.standbyTasks())}` });
  await produceAll(bootstrap, wave(0, 1000));
  await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, expected(1000)), 30_000);

  // B goes (its active and standby state checkpointed in dirB); A runs both tasks and counts on.
  await b.close();
  await waitFor(() => a.state === StreamsState.RUNNING && a.localTasks().length === 2, { timeoutMs: 20_000, describe: () => `A to run both tasks; ${ids(a.localTasks())}` });
  await produceAll(bootstrap, wave(1000, 1600));
  await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, expected(1600)), 30_000);

  // B comes back on the same state directory: it reports its checkpoints, gets one task back,
  // and keeps the standby of A's task starting from where its local copy ended.
  standbyOfA.length = 0;
  const { app: again, restores, standby: standbyOfAgain } = await startRecordedApp(t, { ...base, stateDir: dirB });
  await waitFor(() => crossed(a, again) && standbyOfAgain.length > 0 && standbyOfA.length > 0, {
    timeoutMs: 20_000,
    describe: () => `A ${ids(a.localTasks())} / ${ids(a.standbyTasks())}, B ${ids(again.localTasks())} / ${ids(again.standbyTasks())}`,
  });
  const resumed = standbyOfAgain.find((e) => e.event === 'start')!;
  t.true(resumed.offset > 0n, `B's standby started at ${resumed.offset}, from its checkpoint`);
  const reopened = standbyOfA.find((e) => e.event === 'start')!;
  t.true(reopened.offset > 0n, `A's new standby (of the task it ran until now) started at ${reopened.offset}, from its checkpoint`);
  await waitFor(() => restores.some((r) => r.total !== undefined), { timeoutMs: 10_000, describe: () => `B's restore to end: ${show(restores)}` });
  const restore = restores.find((r) => r.total !== undefined)!;
  t.true(restore.start! > 0n && restore.total! < Number(restore.end!) / 2, `B's active restore read the tail only: ${show(restore)}`);

  await produceAll(bootstrap, wave(1600, 2000));
  const want = expected(2000);
  const out = await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, want), 30_000);
  t.deepEqual([...latestCounts(out)].sort(), [...want].sort());
  for (const [user, n] of want) {
    const holder = (again.store(STORE) as ReadOnlyKeyValueStore<string, number> | undefined)?.get(user) === undefined ? a : again;
    t.is((holder.store(STORE) as ReadOnlyKeyValueStore<string, number>).get(user), n, `${user} counted right`);
  }
});

test('three instances: a departed instance’s task goes to the instance that kept its standby', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { clicks: 3, 'click-counts': 3 });
  const dirs = ['a', 'b', 'c'].map((n) => tempDir(t, `brook-standby-3${n}-`));
  const base = { applicationId: 'standby-count', bootstrapServers: bootstrap, consumer: FAST_GROUP, commitIntervalMs: 600_000, statestoreCacheMaxBytes: 0, numStandbyReplicas: 1 };
  const started = [];
  for (const stateDir of dirs) started.push(await startRecordedApp(t, { ...base, stateDir }));
  const apps = started.map((s) => s.app);
  const layout = (): string => apps.map((app, i) => `${'ABC'[i]} ${ids(app.localTasks())} / ${ids(app.standbyTasks())}`).join('; ');
  await waitFor(() => apps.every((app) => app.state === StreamsState.RUNNING && app.localTasks().length === 1 && app.standbyTasks().length === 1), { timeoutMs: 30_000, describe: layout });
  for (const app of apps) t.not(ids(app.localTasks()), ids(app.standbyTasks()), 'a standby never sits with its active');
  t.deepEqual(apps.map((app) => ids(app.standbyTasks())).sort(), apps.map((app) => ids(app.localTasks())).sort(), 'every task has one standby');

  await produceAll(bootstrap, wave(0, 1500));
  await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, expected(1500)), 30_000);
  const [a, ...rest] = apps as [KafkaStreams, KafkaStreams, KafkaStreams];
  const movedTask = ids(a.localTasks());
  const keeperIndex = rest.findIndex((app) => ids(app.standbyTasks()) === movedTask);
  const keeper = rest[keeperIndex]!;
  const restores = started[keeperIndex + 1]!.restores;
  // The keeper's standby has caught up before A goes, so the restore has nothing left to read.
  const usersOfA = [...expected(1500)].filter(([user]) => (a.store(STORE) as ReadOnlyKeyValueStore<string, number>).get(user) !== undefined);
  await waitFor(() => usersOfA.every(([user, n]) => (keeper.store(STORE, { includeStale: true }) as ReadOnlyKeyValueStore<string, number> | undefined)?.get(user) === n), {
    timeoutMs: 20_000,
    describe: () => "the keeper's standby to catch up",
  });
  restores.length = 0;
  await a.close();
  await waitFor(() => rest.every((app) => app.state === StreamsState.RUNNING) && keeper.localTasks().length === 2 && restores.some((r) => r.total !== undefined && `0_${r.partition}` === movedTask), {
    timeoutMs: 30_000,
    describe: () => `the keeper to run ${movedTask}; ${layout()}; restores ${show(restores)}`,
  });
  t.true(ids(keeper.localTasks()).includes(movedTask), `${movedTask} went to the instance with its standby`);
  const restore = restores.find((r) => `0_${r.partition}` === movedTask && r.total !== undefined)!;
  t.is(restore.total, 0, `nothing left to restore: ${show(restore)}`);
  t.true(restore.start! > 0n);

  await produceAll(bootstrap, wave(1500, 2100));
  const want = expected(2100);
  const out = await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, want), 30_000);
  t.deepEqual([...latestCounts(out)].sort(), [...want].sort());
});
