import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Admin } from '../../../client/index.ts';
import { murmur2Partition } from '../../../client/internal.ts';
import { Serdes, StreamsBuilder } from '../../../streams/index.ts';
import { FAST_GROUP, createTopics, produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';
import type { OutputRecord } from './streams-fixtures.ts';

interface Order {
  readonly customer: string | null;
  readonly amount: number;
}

/** The table an output topic describes: the last value per key (one key stays in one partition, in order). */
function tableOf(records: readonly OutputRecord[]): string[] {
  const state = new Map<string, string>();
  for (const r of records) {
    if (r.value === null) state.delete(text(r.key)!);
    else state.set(text(r.key)!, text(r.value)!);
  }
  return [...state].map(([k, v]) => `${k}=${v}`).sort();
}

test('a foreign-key join runs against the broker: subscriptions reach the customer partitions, answers come back to the order partitions', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { orders: 2, customers: 2, enriched: 2 });
  const stateDir = await mkdtemp(join(tmpdir(), 'brook-streams-fk-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));

  const S = Serdes.String();
  const builder = new StreamsBuilder();
  const orders = builder.table('orders', { keySerde: S, valueSerde: Serdes.Json<Order>() });
  const customers = builder.table('customers', { keySerde: S, valueSerde: S });
  orders
    .leftJoin(customers, (order) => order.customer, (order, region) => `${order.amount}@${region ?? 'unknown'}`)
    .toStream()
    .to('enriched', { keySerde: S, valueSerde: S });
  await startApp(t, builder.build(), { applicationId: 'fk', bootstrapServers: bootstrap, commitIntervalMs: 100, stateDir, consumer: FAST_GROUP });

  const regions = new Map<string, string>(Array.from({ length: 6 }, (_, i) => [`c${i}`, i % 2 === 0 ? 'eu' : 'us']));
  const orderRows = new Map<string, Order>(Array.from({ length: 40 }, (_, i) => [`o${i}`, { customer: `c${i % 6}`, amount: i }] as const));
  const expected = (): string[] =>
    [...orderRows].map(([id, order]) => `${id}=${order.amount}@${(order.customer === null ? undefined : regions.get(order.customer)) ?? 'unknown'}`).sort();
  const json = (order: Order | null): string | null => (order === null ? null : JSON.stringify(order));

  await produceAll(bootstrap, [
    ...[...orderRows].map(([id, order]) => ({ topic: 'orders', key: id, value: json(order) })),
    ...[...regions].map(([id, region]) => ({ topic: 'customers', key: id, value: region })),
  ]);
  const first = expected();
  t.deepEqual(tableOf(await readTopic(bootstrap, 'enriched', (records) => tableOf(records).join() === first.join())), first);

  // Foreign keys move, a customer goes away, orders are deleted or lose their customer.
  const updates: { topic: string; key: string; value: string | null }[] = [];
  for (let i = 0; i < 40; i += 3) {
    const order = { customer: `c${(i + 1) % 6}`, amount: 100 + i };
    orderRows.set(`o${i}`, order);
    updates.push({ topic: 'orders', key: `o${i}`, value: json(order) });
  }
  orderRows.delete('o1');
  orderRows.set('o2', { customer: null, amount: 2 });
  regions.delete('c5');
  regions.set('c4', 'asia');
  updates.push(
    { topic: 'orders', key: 'o1', value: null },
    { topic: 'orders', key: 'o2', value: json({ customer: null, amount: 2 }) },
    { topic: 'customers', key: 'c5', value: null },
    { topic: 'customers', key: 'c4', value: 'asia' },
  );
  await produceAll(bootstrap, updates);
  const second = expected();
  t.deepEqual(tableOf(await readTopic(bootstrap, 'enriched', (records) => tableOf(records).join() === second.join())), second);

  const admin = new Admin({ bootstrapServers: bootstrap });
  await admin.connect();
  t.teardown(() => admin.close());
  const subscriptionTopic = 'fk-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic';
  const responseTopic = 'fk-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic';
  const described = await admin.describeTopics([subscriptionTopic, responseTopic]);
  t.deepEqual(
    described.map((d) => `${d.name}:${d.partitions.length}`),
    [`${subscriptionTopic}:2`, `${responseTopic}:2`],
    'the runtime created both internal topics, sized like the tables they are partitioned with',
  );
  // Subscriptions are keyed by customer and land where the customers topic keeps that customer;
  // answers are keyed by order and land where the orders topic keeps that order.
  const subscriptions = await readTopic(bootstrap, subscriptionTopic, (records) => records.length > 40);
  t.true(subscriptions.filter((r) => r.key !== null).every((r) => r.partition === murmur2Partition(r.key!, 2)));
  t.true(subscriptions.some((r) => r.partition === 0) && subscriptions.some((r) => r.partition === 1));
  const answers = await readTopic(bootstrap, responseTopic, (records) => records.length > 40);
  t.true(answers.every((r) => r.partition === murmur2Partition(r.key!, 2)));
});
