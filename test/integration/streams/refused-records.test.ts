import test from 'ava';
import { Admin } from '../../../client/index.ts';
import { Serdes, StreamsBuilder, StreamsState } from '../../../streams/index.ts';
import type { KafkaStreams, ProductionErrorContext } from '../../../streams/index.ts';
import { pollUntil, waitFor } from '../../helpers/wait-for.ts';
import { produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';

const S = Serdes.String();

function copy() {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).mapValues((v) => v).to('small', { keySerde: S, valueSerde: S });
  return builder.build();
}

/** `small` takes batches of at most 512 bytes (max.message.bytes), so one record of 2000 bytes is refused. */
async function topics(bootstrap: string): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  try {
    await admin.createTopics([
      { topic: 'in', numPartitions: 1 },
      { topic: 'small', numPartitions: 1, configs: { 'max.message.bytes': '512' } },
    ]);
  } finally {
    await admin.close();
  }
}

const input = [
  { topic: 'in', partition: 0, key: 'a', value: 'small-a' },
  { topic: 'in', partition: 0, key: 'big', value: 'x'.repeat(2000) },
  { topic: 'in', partition: 0, key: 'c', value: 'small-c' },
];

/** The group's committed offset of `in` partition 0 (-1n: none). */
async function committed(bootstrap: string, groupId: string): Promise<bigint> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  try {
    const offsets = await admin.fetchCommittedOffsets(groupId, ['in']);
    return offsets.find((o) => o.partition === 0)?.offset ?? -1n;
  } finally {
    await admin.close();
  }
}

// Kafka's RecordCollectorImpl hands a record-level send error (RecordTooLargeException,
// InvalidRecordException) to the ProductionExceptionHandler; CONTINUE skips the record.
test('a record the topic refuses as too large goes to the production handler; continue skips it and the task goes on', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await topics(bootstrap);
  await produceAll(bootstrap, input);
  const seen: ProductionErrorContext[] = [];
  const app = await startApp(t, copy(), {
    applicationId: 'refused-continue',
    bootstrapServers: bootstrap,
    commitIntervalMs: 100,
    productionExceptionHandler: (context) => {
      seen.push(context);
      return 'continue';
    },
  });
  const out = await readTopic(bootstrap, 'small', (records) => records.length >= 2);
  t.deepEqual(out.map((r) => text(r.key)), ['a', 'c']);
  await pollUntil(() => committed(bootstrap, 'refused-continue'), (offset) => offset === 3n, 'the input offset committed past the refused record', 20_000);
  t.is(app.state, StreamsState.RUNNING);
  t.is(seen.length, 1);
  const [context] = seen;
  t.like(context, { stage: 'send', topic: 'small', nodeName: 'KSTREAM-SINK-0000000002' });
  t.is(context!.record.offset, 1n);
  // The consumed record's bytes are gone once its synchronous pass ended (no dead-letter topic):
  // the handler gets the refused record's own bytes.
  t.is(text(context!.key as Buffer), 'big');
  t.is((context!.value as Buffer).length, 2000);
  t.regex(String(context!.error), /MESSAGE_TOO_LARGE/);
});

test('with the default production handler a refused record fails the app, its offset never committed', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await topics(bootstrap);
  await produceAll(bootstrap, input);
  const app: KafkaStreams = await startApp(t, copy(), { applicationId: 'refused-fail', bootstrapServers: bootstrap, commitIntervalMs: 100 });
  await waitFor(() => app.state === StreamsState.ERROR, { timeoutMs: 20_000, describe: () => `the app to fail; state ${app.state}` });
  const offset = await committed(bootstrap, 'refused-fail');
  t.true(offset <= 1n, `committed ${offset}`);
});
