import test from 'ava';
import fc from 'fast-check';
import { Serdes, StreamsBuilder, TopologyTestDriver, int64NumberSerde, keyValue } from '../../../../streams/index.ts';
import type { KTable, TestOutputTopic } from '../../../../streams/index.ts';
import { VirtualScheduler } from '../../../../core/base/index.ts';
import type { OutputRecord } from '../../../../streams/index.ts';
import { Instruction, combinedKey, decodeResponse, encodeResponse, encodeSubscription, splitCombinedKey, valueHash } from '../../../../streams/dsl/fk-join-wire.ts';

const S = Serdes.String();
interface Order {
  readonly customer: string | null;
  readonly n: number;
}
const O = Serdes.Json<Order>();

function tables(builder: StreamsBuilder): { orders: KTable<string, Order>; customers: KTable<string, string> } {
  return {
    orders: builder.table('orders', { keySerde: S, valueSerde: O }),
    customers: builder.table('customers', { keySerde: S, valueSerde: S }),
  };
}

/** The table an output topic describes: the last value per key, a null value deleting it. */
function fold(topic: TestOutputTopic<string, string>, state: Map<string, string>): Map<string, string> {
  for (const { key, value } of topic.readKeyValuesToList()) {
    if (value === null) state.delete(key!);
    else state.set(key!, value);
  }
  return state;
}

function subscriptionStores(builder: StreamsBuilder): string[] {
  return builder.build().storeNames().map((s) => s.name).filter((name) => name.startsWith('KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-'));
}

/** A subscription store's entries as `fk<-pk`. */
function subscriptions(driver: TopologyTestDriver, store: string): string[] {
  return driver
    .keyValueStore<Buffer, Buffer>(store)
    .all()
    .map(({ key }) => {
      const { foreignKey, primaryKey } = splitCombinedKey(key);
      return `${foreignKey.toString()}<-${primaryKey.toString()}`;
    })
    .sort();
}

const joined = (order: Order, customer: string | null): string => `${order.n}:${order.customer}=${customer}`;

test('inner and left foreign-key joins match a plain-code join after every upsert and delete, FK changes included', (t) => {
  type Step = readonly ['order', string, Order | null] | readonly ['customer', string, string | null];
  const customerKey = fc.constantFrom('x', 'y', 'z', 'w');
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.tuple(fc.constant('order' as const), fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.option(fc.record({ customer: fc.option(customerKey, { nil: null }), n: fc.nat(99) }), { nil: null, freq: 4 })),
    fc.tuple(fc.constant('customer' as const), customerKey, fc.option(fc.constantFrom('eu', 'us', 'asia'), { nil: null, freq: 4 })),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (steps, orderPartitions, customerPartitions) => {
      const builder = new StreamsBuilder();
      const { orders, customers } = tables(builder);
      orders.join(customers, (order) => order.customer, (order, region) => joined(order, region)).toStream().to('inner', { keySerde: S, valueSerde: S });
      orders.leftJoin(customers, (order) => order.customer, (order, region) => joined(order, region)).toStream().to('left', { keySerde: S, valueSerde: S });
      const driver = new TopologyTestDriver(builder.build(), { partitions: { orders: orderPartitions, customers: customerPartitions } });
      const orderTopic = driver.createInputTopic('orders', S, O);
      const customerTopic = driver.createInputTopic('customers', S, S);
      const innerTopic = driver.createOutputTopic('inner', S, S);
      const leftTopic = driver.createOutputTopic('left', S, S);
      const orderRows = new Map<string, Order>();
      const customerRows = new Map<string, string>();
      const inner = new Map<string, string>();
      const left = new Map<string, string>();
      for (const [kind, key, value] of steps) {
        if (kind === 'order') {
          orderTopic.pipeInput(key, value);
          if (value === null) orderRows.delete(key);
          else orderRows.set(key, value);
        } else {
          customerTopic.pipeInput(key, value);
          if (value === null) customerRows.delete(key);
          else customerRows.set(key, value);
        }
        const expectedInner = new Map<string, string>();
        const expectedLeft = new Map<string, string>();
        for (const [id, order] of orderRows) {
          const region = order.customer === null ? undefined : customerRows.get(order.customer);
          if (region !== undefined) expectedInner.set(id, joined(order, region));
          expectedLeft.set(id, joined(order, region ?? null));
        }
        const sorted = (m: Map<string, string>): string[] => [...m].map(([k, v]) => `${k}=${v}`).sort();
        t.deepEqual(sorted(fold(innerTopic, inner)), sorted(expectedInner));
        t.deepEqual(sorted(fold(leftTopic, left)), sorted(expectedLeft));
      }
      // Each join's right side holds exactly one subscription per order with a foreign key: old ones were withdrawn.
      const expected = [...orderRows].filter(([, order]) => order.customer !== null).map(([id, order]) => `${order.customer}<-${id}`).sort();
      for (const store of subscriptionStores(builder)) t.deepEqual(subscriptions(driver, store), expected);
    }),
    { numRuns: 150 },
  );
});

test('a changed foreign key unsubscribes the old one: its later updates no longer reach the row', (t) => {
  const builder = new StreamsBuilder();
  const { orders, customers } = tables(builder);
  orders.join(customers, (order) => order.customer, (order, region) => joined(order, region)).toStream().to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build(), { partitions: { orders: 2, customers: 3 } });
  const orderTopic = driver.createInputTopic('orders', S, O);
  const customerTopic = driver.createInputTopic('customers', S, S);
  const out = driver.createOutputTopic('out', S, S);
  customerTopic.pipeInput('x', 'eu');
  customerTopic.pipeInput('y', 'us');
  orderTopic.pipeInput('a', { customer: 'x', n: 1 });
  t.deepEqual(out.readKeyValuesToList(), [keyValue('a', '1:x=eu')]);
  orderTopic.pipeInput('a', { customer: 'y', n: 2 });
  t.deepEqual(out.readKeyValuesToList(), [keyValue('a', '2:y=us')]);
  t.deepEqual(subscriptions(driver, 'KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010'), ['y<-a'], 'the subscription to x was withdrawn');
  customerTopic.pipeInput('x', 'asia');
  t.deepEqual(out.readKeyValuesToList(), [], 'x has no subscriber any more');
  customerTopic.pipeInput('y', null);
  t.deepEqual(out.readKeyValuesToList(), [keyValue('a', null)], 'inner join: the right row is gone, so is the result');
  orderTopic.pipeInput('a', null);
  t.deepEqual(out.readKeyValuesToList(), [keyValue('a', null)], 'the left row deleted: a tombstone');
});

test('a left join calls the joiner with null when the right row is deleted or the foreign key is null', (t) => {
  const builder = new StreamsBuilder();
  const { orders, customers } = tables(builder);
  orders.leftJoin(customers, (order) => order.customer, (order, region) => joined(order, region)).toStream().to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const orderTopic = driver.createInputTopic('orders', S, O);
  const customerTopic = driver.createInputTopic('customers', S, S);
  const out = driver.createOutputTopic('out', S, S);
  orderTopic.pipeInput('a', { customer: 'x', n: 1 });
  customerTopic.pipeInput('x', 'eu');
  customerTopic.pipeInput('x', null);
  orderTopic.pipeInput('b', { customer: null, n: 2 });
  t.deepEqual(out.readKeyValuesToList(), [keyValue('a', '1:x=null'), keyValue('a', '1:x=eu'), keyValue('a', '1:x=null'), keyValue('b', '2:null=null')]);
});

test('describe() prints the foreign-key join as Kafka Streams does, with its internal topics and stores', (t) => {
  const builder = new StreamsBuilder();
  const t1 = builder.table('t1', { keySerde: S, valueSerde: S });
  const t2 = builder.table('t2', { keySerde: S, valueSerde: S });
  t1.leftJoin(t2, (v) => v, (a, b) => `${a}${b}`).toStream().to('output');
  const topology = builder.build();
  t.is(
    String(topology.describe()),
    `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000016 (topics: [KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017
    Source: KSTREAM-SOURCE-0000000001 (topics: [t1])
      --> KTABLE-SOURCE-0000000002
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017 (stores: [t1-STATE-STORE-0000000000])
      --> KTABLE-FK-JOIN-OUTPUT-0000000018
      <-- KSTREAM-SOURCE-0000000016
    Processor: KTABLE-FK-JOIN-OUTPUT-0000000018 (stores: [])
      --> KTABLE-TOSTREAM-0000000020
      <-- KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017
    Processor: KTABLE-SOURCE-0000000002 (stores: [t1-STATE-STORE-0000000000])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007
      <-- KSTREAM-SOURCE-0000000001
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007 (stores: [])
      --> KSTREAM-SINK-0000000008
      <-- KTABLE-SOURCE-0000000002
    Processor: KTABLE-TOSTREAM-0000000020 (stores: [])
      --> KSTREAM-SINK-0000000021
      <-- KTABLE-FK-JOIN-OUTPUT-0000000018
    Sink: KSTREAM-SINK-0000000008 (topic: KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic)
      <-- KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007
    Sink: KSTREAM-SINK-0000000021 (topic: output)
      <-- KTABLE-TOSTREAM-0000000020

  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000004 (topics: [t2])
      --> KTABLE-SOURCE-0000000005
    Source: KSTREAM-SOURCE-0000000009 (topics: [KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011 (stores: [KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012
      <-- KSTREAM-SOURCE-0000000009
    Processor: KTABLE-SOURCE-0000000005 (stores: [t2-STATE-STORE-0000000003])
      --> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013
      <-- KSTREAM-SOURCE-0000000004
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012 (stores: [t2-STATE-STORE-0000000003])
      --> KSTREAM-SINK-0000000015
      <-- KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011
    Processor: KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013 (stores: [KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010])
      --> KSTREAM-SINK-0000000015
      <-- KTABLE-SOURCE-0000000005
    Sink: KSTREAM-SINK-0000000015 (topic: KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic)
      <-- KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012, KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013

`,
  );
  t.deepEqual(
    topology.internalTopics('app').map((spec) => `${spec.name} ${spec.kind ?? 'repartition'} ${spec.configs['cleanup.policy']}`),
    [
      'app-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic repartition delete',
      'app-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic repartition delete',
      'app-t1-STATE-STORE-0000000000-changelog changelog compact',
      'app-t2-STATE-STORE-0000000003-changelog changelog compact',
      'app-KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010-changelog changelog compact',
    ],
  );
  t.deepEqual(
    topology.copartitionGroups('app').map((group) => [...group].sort()),
    [
      ['app-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic', 't1'],
      ['app-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic', 't2'],
    ],
    'the response topic is partitioned like the left table, the subscription topic like the right',
  );
});

test('a named join names its nodes, topics and stores from the name, as TableJoined.as(name) does', (t) => {
  const builder = new StreamsBuilder();
  const { orders, customers } = tables(builder);
  orders.join(customers, (order) => order.customer, (order, region) => joined(order, region), { name: 'enrich', materialized: { storeName: 'enriched', valueSerde: S } }).toStream().to('out', { keySerde: S, valueSerde: S });
  const text = String(builder.build().describe());
  for (const name of [
    'Sink: enrich-subscription-registration-sink (topic: enrich-subscription-registration-topic)',
    'Processor: enrich-subscription-registration-processor (stores: [])',
    'Processor: enrich-subscription-receive (stores: [enrich-subscription-store])',
    'Processor: enrich-subscription-join-foreign (stores: [customers-STATE-STORE-0000000003])',
    'Processor: enrich-foreign-join-subscription (stores: [enrich-subscription-store])',
    'Sink: enrich-subscription-response-sink (topic: enrich-subscription-response-topic)',
    'Source: enrich-subscription-response-source (topics: [enrich-subscription-response-topic])',
    'Processor: enrich-subscription-response-resolver (stores: [orders-STATE-STORE-0000000000])',
    'Processor: enrich-result (stores: [enriched])',
    'KTABLE-TOSTREAM-0000000006',
  ]) {
    t.true(text.includes(name), name);
  }
});

test('a materialized result is queryable; a groupBy downstream makes an unmaterialized one keep its rows, so counts subtract', (t) => {
  const builder = new StreamsBuilder();
  const { orders, customers } = tables(builder);
  const enriched = orders.join(customers, (order) => order.customer, (_order, region) => region, { materialized: { storeName: 'order-regions', valueSerde: S } });
  const unnamed = orders.leftJoin(customers, (order) => order.customer, (_order, region) => region ?? 'none');
  unnamed
    .groupBy((id, region) => keyValue(region, id), { keySerde: S, valueSerde: S })
    .count({ storeName: 'orders-per-region' })
    .toStream()
    .to('counts', { keySerde: S, valueSerde: int64NumberSerde() });
  t.regex(String(builder.build().describe()), /KTABLE-FK-JOIN-OUTPUT-0000000031 \(stores: \[KTABLE-FK-JOIN-OUTPUT-STATE-STORE-0000000032\]\)/);
  const driver = new TopologyTestDriver(builder.build(), { defaultValueSerde: S });
  const orderTopic = driver.createInputTopic('orders', S, O);
  const customerTopic = driver.createInputTopic('customers', S, S);
  customerTopic.pipeInput('x', 'eu');
  customerTopic.pipeInput('y', 'us');
  orderTopic.pipeInput('a', { customer: 'x', n: 1 });
  orderTopic.pipeInput('b', { customer: 'x', n: 2 });
  orderTopic.pipeInput('a', { customer: 'y', n: 3 });
  customerTopic.pipeInput('x', 'asia');
  t.is(enriched.queryableStoreName, 'order-regions');
  const regions = driver.keyValueStore<string, string>('order-regions');
  t.deepEqual(regions.all().map(({ key, value }) => `${key}=${value}`), ['a=us', 'b=asia']);
  const counts = driver.keyValueStore<string, number>('orders-per-region');
  t.deepEqual(counts.all().map(({ key, value }) => `${key}=${value}`), ['asia=1', 'eu=0', 'us=1'], 'each move subtracted from the old region');
});

test('an answer carrying the hash of a replaced left value is dropped; the current one is joined', (t) => {
  const builder = new StreamsBuilder();
  const { orders, customers } = tables(builder);
  orders.join(customers, (order) => order.customer, (order, region) => joined(order, region)).toStream().to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('orders', S, O).pipeInput('a', { customer: 'x', n: 2 });
  const responses = driver.createInputTopic('test-driver-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic', S, Serdes.Bytes());
  const answer = (order: Order, region: string): Buffer => encodeResponse({ hash: valueHash(O.serialize(order, { topic: 't' })), foreignValue: Buffer.from(region), primaryPartition: 0 });
  responses.pipeInput('a', answer({ customer: 'x', n: 1 }, 'eu'));
  const out = driver.createOutputTopic('out', S, S);
  t.deepEqual(out.readKeyValuesToList(), [], 'stale: the row is n=2 now');
  responses.pipeInput('a', answer({ customer: 'x', n: 2 }, 'eu'));
  t.deepEqual(out.readKeyValuesToList(), [keyValue('a', '2:x=eu')]);
});

test('operations that read no old values or lookups leave the result without a store, as Kafka does', (t) => {
  const builder = new StreamsBuilder();
  const { orders, customers } = tables(builder);
  orders
    .join(customers, (order) => order.customer, (_order, region) => region)
    .filter((_id, region) => region !== 'eu')
    .mapValues((region) => region.toUpperCase())
    .toStream()
    .to('out', { keySerde: S, valueSerde: S });
  const topology = builder.build();
  t.regex(String(topology.describe()), /Processor: KTABLE-FK-JOIN-OUTPUT-0000000018 \(stores: \[\]\)/);
  t.false(topology.storeNames().some((s) => s.name.startsWith('KTABLE-FK-JOIN-OUTPUT-STATE-STORE-')));
  const driver = new TopologyTestDriver(topology);
  driver.createInputTopic('customers', S, S).pipeInput('x', 'us');
  driver.createInputTopic('orders', S, O).pipeInput('a', { customer: 'x', n: 1 });
  t.deepEqual(driver.createOutputTopic('out', S, S).readKeyValuesToList(), [keyValue('a', 'US')]);
});

test('after a restore the right side finds the subscriptions its changelog held', (t) => {
  const builder = new StreamsBuilder();
  const { orders, customers } = tables(builder);
  orders.join(customers, (order) => order.customer, (order, region) => joined(order, region)).toStream().to('out', { keySerde: S, valueSerde: S });
  const topology = builder.build();
  const sent: OutputRecord[] = [];
  const task = topology.createTask({ subtopology: 1, partition: 0 }, { applicationId: 'app', scheduler: new VirtualScheduler(), collector: { send: (record) => { sent.push(record); }, partitionCount: () => 1 } });
  const hash = valueHash(O.serialize({ customer: 'x', n: 1 }, { topic: 't' }));
  const subscription = (pk: string): Buffer => encodeSubscription({ hash, instruction: Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE, primaryKey: Buffer.from(pk), primaryPartition: 0 });
  task.state!.restore('app-KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010-changelog', [
    { key: combinedKey(Buffer.from('x'), Buffer.from('a')), value: subscription('a'), timestamp: 1, offset: 0n },
    { key: combinedKey(Buffer.from('x'), Buffer.from('b')), value: subscription('b'), timestamp: 1, offset: 1n },
    { key: combinedKey(Buffer.from('x'), Buffer.from('b')), value: null, timestamp: 2, offset: 2n },
    { key: combinedKey(Buffer.from('y'), Buffer.from('c')), value: subscription('c'), timestamp: 1, offset: 3n },
  ]);
  task.process({ topic: 'customers', partition: 0, offset: 0n, key: Buffer.from('x'), value: Buffer.from('eu'), headers: [], timestamp: 5n });
  task.committableOffsets();
  const answers = sent.filter((r) => r.topic === 'app-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic');
  t.deepEqual(
    answers.map((r) => `${r.key!.toString()}:${decodeResponse(r.value).foreignValue!.toString()}`),
    ['a:eu'],
    'a subscribed to x; b withdrew; c subscribed to y',
  );
});
