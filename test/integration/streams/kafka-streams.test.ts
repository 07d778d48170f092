import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Admin } from '../../../client/index.ts';
import { KafkaStreams, Serdes, StreamsBuilder, StreamsError, StreamsState } from '../../../streams/index.ts';
import type { StreamsState as State } from '../../../streams/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { FAST_GROUP, createTopics, produceAll, readTopic, startStreamsBroker, text } from './streams-fixtures.ts';

interface Click {
  readonly user: string;
  readonly page: string;
  readonly n: number;
}

test('topic → filter → mapValues → topic: every matching record comes out transformed, in order per key', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { clicks: 2, checkouts: 2 });
  const clicks: Click[] = Array.from({ length: 200 }, (_, n) => ({ user: `u${n % 7}`, page: n % 3 === 0 ? '/checkout' : '/home', n }));
  await produceAll(
    bootstrap,
    clicks.map((c) => ({ topic: 'clicks', key: c.user, value: JSON.stringify(c) })),
  );

  const builder = new StreamsBuilder();
  builder
    .stream('clicks', { keySerde: Serdes.String(), valueSerde: Serdes.Json<Click>() })
    .filter((_user, click) => click !== null && click.page === '/checkout')
    .mapValues((click) => `${click!.user}@${click!.n}`)
    .to('checkouts', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  const states: string[] = [];
  const app = new KafkaStreams(builder.build(), { applicationId: 'checkout-watch', bootstrapServers: bootstrap, consumer: FAST_GROUP });
  t.teardown(() => app.close());
  app.setStateListener((next, previous) => states.push(`${previous}->${next}`));
  t.is(app.state, StreamsState.CREATED);
  await app.start();

  const expected = clicks.filter((c) => c.page === '/checkout');
  const out = await readTopic(bootstrap, 'checkouts', (records) => records.length >= expected.length);
  t.is(out.length, expected.length);
  for (const user of new Set(expected.map((c) => c.user))) {
    t.deepEqual(
      out.filter((r) => text(r.key) === user).map((r) => text(r.value)),
      expected.filter((c) => c.user === user).map((c) => `${c.user}@${c.n}`),
      `records of ${user} in input order`,
    );
  }
  t.is(app.state, StreamsState.RUNNING);

  await app.close();
  t.is(app.state, StreamsState.NOT_RUNNING);
  t.deepEqual(states.slice(0, 2), ['CREATED->REBALANCING', 'REBALANCING->RUNNING']);
  t.deepEqual(states.slice(-2), ['RUNNING->PENDING_SHUTDOWN', 'PENDING_SHUTDOWN->NOT_RUNNING']);

  // Closing committed exactly past the last input record of each partition.
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  t.teardown(() => admin.close());
  const committed = await admin.fetchCommittedOffsets('checkout-watch', ['clicks']);
  const ends = await admin.listOffsets([0, 1].map((partition) => ({ topic: 'clicks', partition, timestamp: 'latest' as const })));
  t.deepEqual(
    committed.map((c) => [c.partition, c.offset]).sort(([a], [b]) => Number(a) - Number(b)),
    ends.map((e) => [e.partition, e.offset]).sort(([a], [b]) => Number(a) - Number(b)),
  );
});

test('a source topic that does not exist fails start() with its name, and the app ends in ERROR', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  const builder = new StreamsBuilder();
  builder.stream('no-such-topic', { keySerde: Serdes.String(), valueSerde: Serdes.String() }).to('out');
  const app = new KafkaStreams(builder.build(), { applicationId: 'missing', bootstrapServers: bootstrap });
  const reported: StreamsError[] = [];
  app.setUncaughtExceptionHandler((error) => reported.push(error));
  const error = await t.throwsAsync(app.start(), { instanceOf: StreamsError });
  t.regex(error.message, /'no-such-topic' not found/);
  t.is(app.state, StreamsState.ERROR);
  t.is(reported[0], error);
});

test('a processing failure puts the app in ERROR with a message naming the record; offsets before it are committed', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { numbers: 1, doubled: 1 });
  await produceAll(
    bootstrap,
    ['1', '2', 'boom', '4'].map((value) => ({ topic: 'numbers', value })),
  );
  const builder = new StreamsBuilder();
  builder
    .stream('numbers', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .mapValues((v) => {
      if (v === 'boom') throw new Error('not a number');
      return String(2 * Number(v));
    })
    .to('doubled', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  const reported: StreamsError[] = [];
  let errorState: State | undefined;
  const app = new KafkaStreams(builder.build(), { applicationId: 'doubler', bootstrapServers: bootstrap, consumer: FAST_GROUP });
  t.teardown(() => app.close());
  app.setUncaughtExceptionHandler((error) => reported.push(error));
  app.setStateListener((next) => {
    if (next === StreamsState.ERROR) errorState = next;
  });
  await app.start();
  await waitFor(() => errorState !== undefined, { timeoutMs: 20_000, describe: () => `state ERROR; state ${app.state}` });
  t.is(reported.length, 1);
  t.regex(reported[0]!.message, /topic 'numbers' partition 0 at offset 2/);
  t.regex(reported[0]!.message, /not a number/);
  t.is(app.error, reported[0]);

  const out = await readTopic(bootstrap, 'doubled', (records) => records.length >= 2);
  t.deepEqual(
    out.map((r) => text(r.value)),
    ['2', '4'],
  );
  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  t.teardown(() => admin.close());
  const committed = await admin.fetchCommittedOffsets('doubler', ['numbers']);
  t.deepEqual(
    committed.map((c) => c.offset),
    [2n],
    'committed up to the failed record, so a restart reads it again',
  );
});

test('exactly_once_v2 is accepted (its transactions are tested in exactly-once.test.ts)', async (t) => {
  const builder = new StreamsBuilder();
  builder.stream('a', { keySerde: Serdes.String(), valueSerde: Serdes.String() }).to('b');
  const app = new KafkaStreams(builder.build(), { applicationId: 'x', bootstrapServers: 'localhost:1', processingGuarantee: 'exactly_once_v2' });
  t.is(app.state, StreamsState.CREATED);
  await app.close();
  t.is(app.state, StreamsState.NOT_RUNNING);
});

test('two instances on one state directory: the second start() is refused naming the directory and the pid holding it; once the first closes, another starts there and processes', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { 'locked-in': 1, 'locked-out': 1 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-streams-locked-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  const upper = () => {
    const builder = new StreamsBuilder();
    builder
      .stream('locked-in', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
      .mapValues((value) => (value ?? '').toUpperCase())
      .to('locked-out', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
    return builder.build();
  };
  const options = { applicationId: 'locked', bootstrapServers: bootstrap, stateDir, consumer: FAST_GROUP };
  const first = new KafkaStreams(upper(), options);
  t.teardown(() => first.close());
  await first.start();

  const second = new KafkaStreams(upper(), options);
  const reported: StreamsError[] = [];
  second.setUncaughtExceptionHandler((error) => reported.push(error));
  t.teardown(() => second.close());
  const refused = await t.throwsAsync(second.start());
  t.true(refused instanceof StreamsError);
  t.true(refused.message.includes(join(stateDir, 'locked')), refused.message);
  t.true(refused.message.includes(`pid ${process.pid}`), refused.message);
  t.is(second.state, StreamsState.ERROR);
  t.deepEqual(
    reported.map((e) => e.message),
    [refused.message],
  );
  t.not(first.state, StreamsState.ERROR);

  await first.close();
  const third = new KafkaStreams(upper(), options);
  t.teardown(() => third.close());
  await third.start();
  await produceAll(bootstrap, [{ topic: 'locked-in', key: 'k', value: 'abc' }]);
  const out = await readTopic(bootstrap, 'locked-out', (records) => records.length >= 1);
  t.deepEqual(
    out.map((r) => text(r.value)),
    ['ABC'],
  );
  await third.close();
  t.is(third.state, StreamsState.NOT_RUNNING);
});
