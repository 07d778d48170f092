import test from 'ava';
import { Admin } from '../../../client/index.ts';
import { DeadLetterHeaders, Serdes, StreamsBuilder, StreamsState } from '../../../streams/index.ts';
import { waitFor, pollUntil } from '../../helpers/wait-for.ts';
import { FAST_GROUP, createTopics, produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';

test('logAndContinue with a dead-letter topic: a record that does not deserialize goes there with its cause, the rest flows on', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { readings: 1, celsius: 1, 'readings-dlq': 1 });
  await produceAll(bootstrap, [
    { topic: 'readings', key: 's1', value: JSON.stringify({ f: 212 }) },
    { topic: 'readings', key: 's2', value: '{not json', headers: [{ key: 'origin', value: 'probe-7' }] },
    { topic: 'readings', key: 's3', value: JSON.stringify({ f: 32 }) },
  ]);
  const warnings: object[] = [];
  const builder = new StreamsBuilder();
  builder
    .stream('readings', { keySerde: Serdes.String(), valueSerde: Serdes.Json<{ f: number }>() })
    .mapValues((reading) => String(Math.round(((reading!.f - 32) * 5) / 9)))
    .to('celsius', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  const app = await startApp(t, builder.build(), {
    applicationId: 'thermo',
    bootstrapServers: bootstrap,
    consumer: FAST_GROUP,
    deserializationExceptionHandler: 'logAndContinue',
    errorsDeadLetterQueueTopicName: 'readings-dlq',
    logger: { warn: (fields) => warnings.push(fields), error: () => undefined },
  });

  const out = await readTopic(bootstrap, 'celsius', (records) => records.length >= 2);
  t.deepEqual(
    out.map((r) => `${text(r.key)}=${text(r.value)}`),
    ['s1=100', 's3=0'],
  );
  const [dead] = await readTopic(bootstrap, 'readings-dlq', (records) => records.length >= 1);
  t.is(text(dead!.key), 's2');
  t.is(text(dead!.value), '{not json', 'the raw bytes, as consumed');
  const header = (key: string): string | undefined => {
    const found = dead!.headers.find((h) => h.key === key);
    return found?.value === null || found === undefined ? undefined : text(found.value)!;
  };
  t.is(header('origin'), 'probe-7', 'original headers kept');
  t.is(header(DeadLetterHeaders.TOPIC), 'readings');
  t.is(header(DeadLetterHeaders.PARTITION), '0');
  t.is(header(DeadLetterHeaders.OFFSET), '1');
  t.regex(header(DeadLetterHeaders.MESSAGE) ?? '', /JSON/);
  t.is(warnings.length, 1, 'logged once');
  t.is(app.state, StreamsState.RUNNING, 'one bad record does not stop a healthy app');

  // The bad record counts as handled: the commit passes it once its dead letter is acknowledged.
  await app.close();
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  t.teardown(() => admin.close());
  const committed = await pollUntil(
    () => admin.fetchCommittedOffsets('thermo', ['readings']),
    (offsets) => offsets.length === 1,
    'the committed offset',
  );
  t.is(committed[0]!.offset, 3n);
});

test('logAndFail (the default): the app stops in ERROR naming the topic, partition and offset of the bad record', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { strict: 1, 'strict-out': 1 });
  await produceAll(bootstrap, [
    { topic: 'strict', value: '1' },
    { topic: 'strict', value: 'nope' },
  ]);
  const builder = new StreamsBuilder();
  builder.stream('strict', { keySerde: Serdes.String(), valueSerde: Serdes.Json<number>() }).to('strict-out', { keySerde: Serdes.String(), valueSerde: Serdes.Json<number>() });
  const app = await startApp(t, builder.build(), { applicationId: 'strict-app', bootstrapServers: bootstrap, consumer: FAST_GROUP });
  app.setUncaughtExceptionHandler(() => undefined);
  await waitFor(() => app.state === StreamsState.ERROR, { timeoutMs: 20_000, describe: () => `state ERROR; state ${app.state}` });
  t.is(app.error?.code, 'ERR_STREAMS_DESERIALIZATION');
  t.regex(app.error?.message ?? '', /topic 'strict' partition 0 at offset 1/);
});
