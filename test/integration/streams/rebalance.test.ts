import test from 'ava';
import { Serdes, StreamsBuilder, StreamsState, formatTaskId } from '../../../streams/index.ts';
import type { KafkaStreams } from '../../../streams/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { FAST_GROUP, createTopics, produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';

/** Each instance tags what it processed, so the test sees who ran which partition. */
function taggingTopology(instance: string) {
  const builder = new StreamsBuilder();
  builder
    .stream('events', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .mapValues((value) => `${instance}|${value}`)
    .to('tagged', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  return builder.build();
}

const round = (name: string, perPartition: number) =>
  [0, 1, 2].flatMap((partition) => Array.from({ length: perPartition }, (_, i) => ({ topic: 'events', partition, key: `p${partition}`, value: `${name}-p${partition}-${i}` })));

const tasksOf = (app: KafkaStreams): string[] => app.localTasks().map(formatTaskId).sort();

test('two instances share a 3-partition input: each partition runs on exactly one; when one stops its tasks move and nothing is lost', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { events: 3, tagged: 3 });
  const options = { applicationId: 'tagger', bootstrapServers: bootstrap, consumer: FAST_GROUP, commitIntervalMs: 100 };
  const a = await startApp(t, taggingTopology('A'), options);
  const b = await startApp(t, taggingTopology('B'), options);
  await waitFor(() => a.state === StreamsState.RUNNING && b.state === StreamsState.RUNNING && tasksOf(a).length > 0 && tasksOf(b).length > 0 && tasksOf(a).length + tasksOf(b).length === 3, {
    timeoutMs: 20_000,
    describe: () => `both instances running with 3 tasks between them; A ${a.state} ${tasksOf(a).join(',')}, B ${b.state} ${tasksOf(b).join(',')}`,
  });
  const owner = new Map<string, string>();
  for (const task of tasksOf(a)) owner.set(task, 'A');
  for (const task of tasksOf(b)) owner.set(task, 'B');
  t.deepEqual([...owner.keys()].sort(), ['0_0', '0_1', '0_2']);

  const first = round('one', 40);
  await produceAll(bootstrap, first);
  const firstOut = await readTopic(bootstrap, 'tagged', (records) => records.length >= first.length);
  t.is(firstOut.length, first.length, 'no record processed twice while the group is stable');
  for (const record of firstOut) {
    const [instance, value] = text(record.value)!.split('|') as [string, string];
    const partition = /-p(\d)-/.exec(value)![1]!;
    t.is(instance, owner.get(`0_${partition}`) ?? 'nobody', `${value} processed by the owner of its partition`);
  }

  // A leaves: its tasks go to B, which resumes from A's commits.
  await a.close();
  t.is(a.state, StreamsState.NOT_RUNNING);
  await waitFor(() => b.state === StreamsState.RUNNING && tasksOf(b).length === 3, {
    timeoutMs: 20_000,
    describe: () => `B to run all 3 tasks; B ${b.state} ${tasksOf(b).join(',')}`,
  });
  const second = round('two', 40);
  await produceAll(bootstrap, second);
  const wanted = new Set([...first, ...second].map((r) => r.value));
  const all = await readTopic(bootstrap, 'tagged', (records) => {
    const seen = new Set(records.map((r) => text(r.value)!.split('|')[1]));
    return [...wanted].every((v) => seen.has(v));
  });
  const secondOut = all.filter((r) => text(r.value)!.includes('|two-'));
  t.true(
    secondOut.every((r) => text(r.value)!.startsWith('B|')),
    'after A left, B processed every new record',
  );
  // In order per partition, even across the move.
  for (const partition of [0, 1, 2]) {
    const values = secondOut.filter((r) => text(r.key) === `p${partition}`).map((r) => text(r.value)!.split('|')[1]);
    t.deepEqual(
      values,
      second.filter((r) => r.partition === partition).map((r) => r.value),
    );
  }
});
