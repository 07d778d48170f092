import test from 'ava';
import { Admin } from '../../../client/index.ts';
import { KafkaStreams, Serdes, StreamsBuilder, StreamsState, formatTaskId } from '../../../streams/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { FAST_GROUP, createTopics, produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';

interface Order {
  readonly id: string;
  readonly customer: string;
  readonly amount: number;
}

test('repartition(): the app creates the internal topic, re-keys through it, and a second sub-topology reads it', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { orders: 2, 'orders-by-customer': 2 });
  const orders: Order[] = Array.from({ length: 60 }, (_, n) => ({ id: `o${n}`, customer: `c${n % 5}`, amount: n }));
  await produceAll(
    bootstrap,
    orders.map((o) => ({ topic: 'orders', key: o.id, value: JSON.stringify(o) })),
  );

  const builder = new StreamsBuilder();
  builder
    .stream('orders', { keySerde: Serdes.String(), valueSerde: Serdes.Json<Order>() })
    .selectKey((_id, order) => order!.customer)
    .repartition({ name: 'by-customer', numberOfPartitions: 3, keySerde: Serdes.String(), valueSerde: Serdes.Json<Order>() })
    .mapValues((order) => `${order!.id}:${order!.amount}`)
    .to('orders-by-customer', { keySerde: Serdes.String(), valueSerde: Serdes.String() });
  const app = await startApp(t, builder.build(), { applicationId: 'rekey', bootstrapServers: bootstrap, consumer: FAST_GROUP });

  const out = await readTopic(bootstrap, 'orders-by-customer', (records) => records.length >= orders.length);
  t.deepEqual(
    out.map((r) => `${text(r.key)}=${text(r.value)}`).sort(),
    orders.map((o) => `${o.customer}=${o.id}:${o.amount}`).sort(),
  );

  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  t.teardown(() => admin.close());
  const [internal] = await admin.describeTopics(['rekey-by-customer-repartition'], { includeConfigs: true });
  t.is(internal!.partitions.length, 3, 'sized as numberOfPartitions says');
  t.is(internal!.configs?.find((c) => c.name === 'cleanup.policy')?.value, 'delete');
  // Every record of one customer went through one partition of the repartition topic.
  const through = await readTopic(bootstrap, 'rekey-by-customer-repartition', (records) => records.length >= orders.length);
  const partitionsOf = new Map<string, Set<number>>();
  for (const r of through) {
    const set = partitionsOf.get(text(r.key)!) ?? new Set<number>();
    set.add(r.partition);
    partitionsOf.set(text(r.key)!, set);
  }
  t.true([...partitionsOf.values()].every((s) => s.size === 1));

  await waitFor(() => app.state === StreamsState.RUNNING);
  t.deepEqual(app.localTasks().map(formatTaskId).sort(), ['0_0', '0_1', '1_0', '1_1', '1_2'], 'two tasks read orders, three the repartition topic');
});

test('an existing repartition topic of another size stops the app with a message saying what to do', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { input: 2, 'sized-rp-repartition': 1 });
  const builder = new StreamsBuilder();
  builder
    .stream('input', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .repartition({ name: 'rp' })
    .to('output');
  const app = new KafkaStreams(builder.build(), { applicationId: 'sized', bootstrapServers: bootstrap });
  const reported: string[] = [];
  app.setUncaughtExceptionHandler((error) => reported.push(error.message));
  const error = await t.throwsAsync(app.start());
  t.regex(error.message, /'sized-rp-repartition' has 1 partitions but the topology needs 2/);
  t.deepEqual(reported, [error.message]);
  t.is(app.state, StreamsState.ERROR);
});
