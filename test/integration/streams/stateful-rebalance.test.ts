import test from 'ava';
import { Serdes, StreamsState, formatTaskId } from '../../../streams/index.ts';
import type { KafkaStreams, ReadOnlyKeyValueStore } from '../../../streams/index.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { FAST_GROUP, clickCounting, clickWave, countsReached, createTopics, expectedClicks, latestCounts, produceAll, readTopic, startApp, startStreamsBroker } from './streams-fixtures.ts';

const S = Serdes.String();

const USERS = 12;
const counting = () => clickCounting('clicks-per-user');
const wave = (from: number, to: number) => clickWave(USERS, from, to);
const expected = (upTo: number): Map<string, number> => expectedClicks(USERS, upTo);
const tasksOf = (app: KafkaStreams): string[] => app.localTasks().map(formatTaskId).sort();
const countIn = (app: KafkaStreams, user: string): number | undefined => (app.store('clicks-per-user') as ReadOnlyKeyValueStore<string, number> | undefined)?.get(user);

test('two instances: queryMetadataForKey names the holder of a key; when one leaves, its task and state move and the counts go on exactly', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { clicks: 2, 'click-counts': 2 });
  const dirA = tempDir(t, 'brook-streams-a-');
  const dirB = tempDir(t, 'brook-streams-b-');
  const base = { applicationId: 'click-count', bootstrapServers: bootstrap, consumer: FAST_GROUP, commitIntervalMs: 100 };
  const a = await startApp(t, counting(), { ...base, stateDir: dirA, applicationServer: 'host-a:7001' });
  const b = await startApp(t, counting(), { ...base, stateDir: dirB, applicationServer: 'host-b:7002' });
  await waitFor(() => a.state === StreamsState.RUNNING && b.state === StreamsState.RUNNING && tasksOf(a).length === 1 && tasksOf(b).length === 1, {
    timeoutMs: 20_000,
    describe: () => `one task each; A ${a.state} ${tasksOf(a).join(',')}, B ${b.state} ${tasksOf(b).join(',')}`,
  });

  await produceAll(bootstrap, wave(0, 240));
  const first = expected(240);
  await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, first));
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
  const out = await readTopic(bootstrap, 'click-counts', (records) => countsReached(records, second));
  t.deepEqual([...latestCounts(out)].sort(), [...second].sort());
  for (const user of movedUsers) t.is(countIn(b, user), second.get(user), `${user}'s count continued on B from A's state`);
});
