import test from 'ava';
import fc from 'fast-check';
import { Serdes, SessionWindows, SlidingWindows, StreamsBuilder, TimeWindows, TopologyTestDriver, WindowedSerdes, keyValue } from '../../../../streams/index.ts';
import type { Windowed } from '../../../../streams/index.ts';

const S = Serdes.String();
const N = Serdes.Json<number>();

interface Totals {
  readonly clicks: number;
  readonly spent: number;
}
const T = Serdes.Json<Totals>();
const empty = (): Totals => ({ clicks: 0, spent: 0 });
const concat = (_k: string | null, v: string | null, agg: string): string => agg + (v ?? '');

/** Maps compare in insertion order under deepEqual: sort both sides by key. */
function sorted<V>(entries: Iterable<readonly [string, V]>): [string, V][] {
  return [...entries].map(([k, v]): [string, V] => [k, v]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Kafka's CogroupedKStreamImplTest inputs: `one` (re-keyed by value when `rekey`) and `two`, both strings. */
function inputs(rekey: boolean, groupName?: string) {
  const builder = new StreamsBuilder();
  const one = builder.stream('one', { keySerde: S, valueSerde: S });
  const two = builder.stream('two', { keySerde: S, valueSerde: S });
  const groupedOne = (rekey ? one.map((k, v) => keyValue(v, k)) : one).groupByKey(groupName === undefined ? {} : { name: groupName });
  return { builder, groupedOne, groupedTwo: two.groupByKey() };
}

// The expected texts are Kafka's own (CogroupedKStreamImplTest), character for character.

test('describe(): an input with a changed key goes through its own repartition topic, named by Grouped', (t) => {
  const { builder, groupedOne, groupedTwo } = inputs(true, 'repartition-test');
  groupedOne.cogroup(concat).cogroup(groupedTwo, concat).aggregate(() => '').toStream().to('output');
  const text = builder.build().describe().toString();
  // The rest of Kafka's text is the unnamed cogroup's, printed in full by the reuse test below.
  t.is(
    text.slice(0, text.indexOf('    Processor: COGROUPKSTREAM-AGGREGATE-0000000007')),
    `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [one])
      --> KSTREAM-MAP-0000000002
    Processor: KSTREAM-MAP-0000000002 (stores: [])
      --> repartition-test-repartition-filter
      <-- KSTREAM-SOURCE-0000000000
    Processor: repartition-test-repartition-filter (stores: [])
      --> repartition-test-repartition-sink
      <-- KSTREAM-MAP-0000000002
    Sink: repartition-test-repartition-sink (topic: repartition-test-repartition)
      <-- repartition-test-repartition-filter

  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000001 (topics: [two])
      --> COGROUPKSTREAM-AGGREGATE-0000000008
    Source: repartition-test-repartition-source (topics: [repartition-test-repartition])
      --> COGROUPKSTREAM-AGGREGATE-0000000007
`,
  );
  t.true(text.includes('Processor: COGROUPKSTREAM-MERGE-0000000009 (stores: [])\n      --> KTABLE-TOSTREAM-0000000010\n      <-- COGROUPKSTREAM-AGGREGATE-0000000007, COGROUPKSTREAM-AGGREGATE-0000000008'));
});

test('describe(): a named cogroup names its nodes <name>-cogroup-agg-<n> and <name>-cogroup-merge; without a Grouped name the repartition topic is named after the store', (t) => {
  const { builder, groupedOne, groupedTwo } = inputs(true);
  groupedOne.cogroup(concat).cogroup(groupedTwo, concat).aggregate(() => '', { storeName: 'store' }, 'test').toStream().to('output');
  t.is(
    builder.build().describe().toString(),
    `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [one])
      --> KSTREAM-MAP-0000000002
    Processor: KSTREAM-MAP-0000000002 (stores: [])
      --> store-repartition-filter
      <-- KSTREAM-SOURCE-0000000000
    Processor: store-repartition-filter (stores: [])
      --> store-repartition-sink
      <-- KSTREAM-MAP-0000000002
    Sink: store-repartition-sink (topic: store-repartition)
      <-- store-repartition-filter

  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000001 (topics: [two])
      --> test-cogroup-agg-1
    Source: store-repartition-source (topics: [store-repartition])
      --> test-cogroup-agg-0
    Processor: test-cogroup-agg-0 (stores: [store])
      --> test-cogroup-merge
      <-- store-repartition-source
    Processor: test-cogroup-agg-1 (stores: [store])
      --> test-cogroup-merge
      <-- KSTREAM-SOURCE-0000000001
    Processor: test-cogroup-merge (stores: [])
      --> KTABLE-TOSTREAM-0000000009
      <-- test-cogroup-agg-0, test-cogroup-agg-1
    Processor: KTABLE-TOSTREAM-0000000009 (stores: [])
      --> KSTREAM-SINK-0000000010
      <-- test-cogroup-merge
    Sink: KSTREAM-SINK-0000000010 (topic: output)
      <-- KTABLE-TOSTREAM-0000000009

`,
  );
});

test('describe(): a grouped stream reused in two cogroups is repartitioned once per cogroup, each topic named after its store', (t) => {
  const { builder, groupedOne, groupedTwo } = inputs(true);
  const second = groupedOne.cogroup(concat).cogroup(groupedTwo, concat).aggregate(() => '');
  const first = groupedOne.cogroup(concat).cogroup(groupedTwo, concat).aggregate(() => '');
  first.toStream().to('output');
  second.toStream().to('OUTPUT2');
  // Kafka lists the map's two successors 010 before 003: its describe() sorts neighbours by their
  // sub-tree size at the moment each is linked. Brook's describe sorts by final size, then name.
  const kafkaOrder = 'COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-filter, COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-filter';
  const brookOrder = 'COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-filter, COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-filter';
  t.is(
    builder.build().describe().toString().replace(brookOrder, kafkaOrder),
    `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [one])
      --> KSTREAM-MAP-0000000002
    Processor: KSTREAM-MAP-0000000002 (stores: [])
      --> COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-filter, COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-filter
      <-- KSTREAM-SOURCE-0000000000
    Processor: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-filter (stores: [])
      --> COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-sink
      <-- KSTREAM-MAP-0000000002
    Processor: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-filter (stores: [])
      --> COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-sink
      <-- KSTREAM-MAP-0000000002
    Sink: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-sink (topic: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition)
      <-- COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-filter
    Sink: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-sink (topic: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition)
      <-- COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-filter

  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000001 (topics: [two])
      --> COGROUPKSTREAM-AGGREGATE-0000000008, COGROUPKSTREAM-AGGREGATE-0000000015
    Source: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-source (topics: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition])
      --> COGROUPKSTREAM-AGGREGATE-0000000007
    Source: COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-source (topics: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition])
      --> COGROUPKSTREAM-AGGREGATE-0000000014
    Processor: COGROUPKSTREAM-AGGREGATE-0000000007 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003])
      --> COGROUPKSTREAM-MERGE-0000000009
      <-- COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition-source
    Processor: COGROUPKSTREAM-AGGREGATE-0000000008 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003])
      --> COGROUPKSTREAM-MERGE-0000000009
      <-- KSTREAM-SOURCE-0000000001
    Processor: COGROUPKSTREAM-AGGREGATE-0000000014 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010])
      --> COGROUPKSTREAM-MERGE-0000000016
      <-- COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010-repartition-source
    Processor: COGROUPKSTREAM-AGGREGATE-0000000015 (stores: [COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000010])
      --> COGROUPKSTREAM-MERGE-0000000016
      <-- KSTREAM-SOURCE-0000000001
    Processor: COGROUPKSTREAM-MERGE-0000000009 (stores: [])
      --> KTABLE-TOSTREAM-0000000019
      <-- COGROUPKSTREAM-AGGREGATE-0000000007, COGROUPKSTREAM-AGGREGATE-0000000008
    Processor: COGROUPKSTREAM-MERGE-0000000016 (stores: [])
      --> KTABLE-TOSTREAM-0000000017
      <-- COGROUPKSTREAM-AGGREGATE-0000000014, COGROUPKSTREAM-AGGREGATE-0000000015
    Processor: KTABLE-TOSTREAM-0000000017 (stores: [])
      --> KSTREAM-SINK-0000000018
      <-- COGROUPKSTREAM-MERGE-0000000016
    Processor: KTABLE-TOSTREAM-0000000019 (stores: [])
      --> KSTREAM-SINK-0000000020
      <-- COGROUPKSTREAM-MERGE-0000000009
    Sink: KSTREAM-SINK-0000000018 (topic: output)
      <-- KTABLE-TOSTREAM-0000000017
    Sink: KSTREAM-SINK-0000000020 (topic: OUTPUT2)
      <-- KTABLE-TOSTREAM-0000000019

`,
  );
});

type Event = readonly [topic: 'clicks' | 'purchases' | 'refunds', key: string, amount: number];

/** Clicks (strings), purchases and refunds (numbers): three value types, three aggregators, one table. */
function totalsProgram(): StreamsBuilder {
  const builder = new StreamsBuilder();
  const clicks = builder.stream('clicks', { keySerde: S, valueSerde: S }).groupByKey();
  const purchases = builder.stream('purchases', { keySerde: S, valueSerde: N }).groupByKey();
  const refunds = builder.stream('refunds', { keySerde: S, valueSerde: N }).groupByKey();
  clicks
    .cogroup<Totals>((_k, _page, agg) => ({ ...agg, clicks: agg.clicks + 1 }))
    .cogroup(purchases, (_k, amount, agg) => ({ ...agg, spent: agg.spent + (amount ?? 0) }))
    .cogroup(refunds, (_k, amount, agg) => ({ ...agg, spent: agg.spent - (amount ?? 0) }))
    .aggregate(empty, { storeName: 'totals', valueSerde: T })
    .toStream()
    .to('out', { valueSerde: T });
  return builder;
}

function referenceTotals(events: readonly Event[]): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  for (const [topic, key, amount] of events) {
    const agg = totals.get(key) ?? empty();
    totals.set(key, topic === 'clicks' ? { ...agg, clicks: agg.clicks + 1 } : { ...agg, spent: agg.spent + (topic === 'purchases' ? amount : -amount) });
  }
  return totals;
}

const events = fc.array(fc.tuple(fc.constantFrom('clicks' as const, 'purchases' as const, 'refunds' as const), fc.constantFrom('ann', 'bob', 'cy'), fc.integer({ min: 1, max: 50 })), { maxLength: 30 });

test('three topics of three value types fold into one table, on several partitions, as plain code computes it', (t) => {
  fc.assert(
    fc.property(events, fc.integer({ min: 1, max: 3 }), (input, partitions) => {
      const driver = new TopologyTestDriver(totalsProgram().build(), { applicationId: 'app', defaultPartitions: partitions });
      const topics = { clicks: driver.createInputTopic('clicks', S, S), purchases: driver.createInputTopic('purchases', S, N), refunds: driver.createInputTopic('refunds', S, N) };
      input.forEach(([topic, key, amount], i) => {
        if (topic === 'clicks') topics.clicks.pipeInput(key, `/page/${amount}`, i);
        else topics[topic].pipeInput(key, amount, i);
      });
      const expected = sorted(referenceTotals(input));
      const latest = new Map<string, Totals>();
      for (const { key, value } of driver.createOutputTopic('out', S, T).readKeyValuesToList()) latest.set(key!, value!);
      t.deepEqual(sorted(latest), expected);
      t.deepEqual(sorted(driver.keyValueStore<string, Totals>('totals').all().map((kv) => [kv.key, kv.value] as const)), expected);
      // Every input's writes go to the one store's changelog: what a restore replays.
      const restored = new Map<string, Totals>();
      for (const { key, value } of driver.createOutputTopic('app-totals-changelog', S, T).readKeyValuesToList()) restored.set(key!, value!);
      t.deepEqual(sorted(restored), expected);
    }),
  );
});

test('the inputs of a cogroup must be co-partitioned, as joined topics are', (t) => {
  const groups = totalsProgram().build().copartitionGroups('app');
  t.deepEqual(groups.map((g) => [...g].sort()), [['clicks', 'purchases', 'refunds']]);
});

test('an input keyed differently is repartitioned on its own and joins the others by the new key', (t) => {
  const builder = new StreamsBuilder();
  const clicks = builder.stream('clicks', { keySerde: S, valueSerde: S }).groupByKey();
  // Orders arrive keyed by order id, with the user in the value: "user:amount".
  const orders = builder
    .stream('orders', { keySerde: S, valueSerde: S })
    .selectKey((_orderId, v): string | null => (v ?? '').split(':')[0]!)
    .mapValues((v) => Number((v ?? '').split(':')[1]))
    .groupByKey({ keySerde: S, valueSerde: N });
  clicks
    .cogroup<Totals>((_k, _v, agg) => ({ ...agg, clicks: agg.clicks + 1 }))
    .cogroup(orders, (_k, amount, agg) => ({ ...agg, spent: agg.spent + amount }))
    .aggregate(empty, { storeName: 'totals', valueSerde: T })
    .toStream()
    .to('out', { valueSerde: T });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app', defaultPartitions: 2 });
  const topics = { clicks: driver.createInputTopic('clicks', S, S), orders: driver.createInputTopic('orders', S, S) };
  const records = [['clicks', 'ann', '/home'], ['orders', 'order-1', 'ann:30'], ['orders', 'order-2', 'bob:5'], ['clicks', 'bob', '/cart'], ['orders', 'order-3', 'ann:12']] as const;
  records.forEach(([topic, key, value], i) => {
    topics[topic].pipeInput(key, value, i + 1);
  });
  t.is(driver.recordsOf('app-totals-repartition').length, 3);
  t.deepEqual(sorted(driver.keyValueStore<string, Totals>('totals').all().map((kv) => [kv.key, kv.value] as const)), [
    ['ann', { clicks: 1, spent: 42 }],
    ['bob', { clicks: 1, spent: 5 }],
  ]);
});

/** Clicks and purchases of a user, cogrouped into totals (for the windowed variants). */
function clicksAndPurchases() {
  const builder = new StreamsBuilder();
  const clicks = builder.stream('clicks', { keySerde: S, valueSerde: S }).groupByKey();
  const purchases = builder.stream('purchases', { keySerde: S, valueSerde: N }).groupByKey();
  const cogrouped = clicks.cogroup<Totals>((_k, _v, agg) => ({ ...agg, clicks: agg.clicks + 1 })).cogroup(purchases, (_k, amount, agg) => ({ ...agg, spent: agg.spent + (amount ?? 0) }));
  return { builder, cogrouped };
}

test('tumbling windows: both inputs fold into the same window per key; late records are dropped', (t) => {
  const { builder, cogrouped } = clicksAndPurchases();
  cogrouped
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .aggregate(empty, { storeName: 'per-window', valueSerde: T, retentionMs: 1000 })
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowed(S, 10), valueSerde: T });
  const driver = new TopologyTestDriver(builder.build());
  const clickTopic = driver.createInputTopic('clicks', S, S);
  const purchaseTopic = driver.createInputTopic('purchases', S, N);
  clickTopic.pipeInput('ann', '/a', 1);
  purchaseTopic.pipeInput('ann', 20, 4);
  purchaseTopic.pipeInput('ann', 7, 12);
  clickTopic.pipeInput('ann', '/b', 25);
  // Each input's processor keeps its own stream time, as Kafka's do: 30 here makes the next record late.
  purchaseTopic.pipeInput('ann', 100, 30);
  purchaseTopic.pipeInput('ann', 1, 3);
  const windows = driver.windowStore<string, Totals>('per-window').all().map((kv): [string, Totals] => [`${kv.key.key}@${kv.key.window.start}`, kv.value]);
  t.deepEqual(sorted(windows), [
    ['ann@0', { clicks: 1, spent: 20 }],
    ['ann@10', { clicks: 0, spent: 7 }],
    ['ann@20', { clicks: 1, spent: 0 }],
    ['ann@30', { clicks: 0, spent: 100 }],
  ]);
  t.is(driver.metrics().droppedRecordsTotal, 1);
  const last = driver.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), T).readKeyValuesToList().at(-1)!;
  t.deepEqual([last.key!.window.start, last.value], [30, { clicks: 0, spent: 100 }]);
});

test('session windows: records of either input extend a session, and a bridging record merges two sessions', (t) => {
  const { builder, cogrouped } = clicksAndPurchases();
  cogrouped
    .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))
    .aggregate(empty, (_k, a, b) => ({ clicks: a.clicks + b.clicks, spent: a.spent + b.spent }), { storeName: 'sessions', valueSerde: T, retentionMs: 1000 })
    .toStream()
    .to('out', { keySerde: WindowedSerdes.sessionWindowed(S), valueSerde: T });
  const driver = new TopologyTestDriver(builder.build());
  const clickTopic = driver.createInputTopic('clicks', S, S);
  const purchaseTopic = driver.createInputTopic('purchases', S, N);
  clickTopic.pipeInput('ann', '/a', 0);
  purchaseTopic.pipeInput('ann', 20, 5);
  clickTopic.pipeInput('ann', '/b', 30);
  const sessions = (): [string, Totals][] => driver.sessionStore<string, Totals>('sessions').fetch('ann').map((kv): [string, Totals] => [`${kv.key.window.start}-${kv.key.window.end}`, kv.value]);
  t.deepEqual(sessions(), [
    ['0-5', { clicks: 1, spent: 20 }],
    ['30-30', { clicks: 1, spent: 0 }],
  ]);
  purchaseTopic.pipeInput('ann', 3, 15);
  purchaseTopic.pipeInput('ann', 4, 22);
  t.deepEqual(sessions(), [['0-30', { clicks: 2, spent: 27 }]]);
  const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowed(S), T).readKeyValuesToList();
  const last: [Windowed<string> | null, Totals | null] = [out.at(-1)!.key, out.at(-1)!.value];
  t.deepEqual([last[0]!.window, last[1]], [{ start: 0, end: 30 }, { clicks: 2, spent: 27 }]);
});

test('bad cogroups fail at build time with a message naming the fix', (t) => {
  const { groupedOne, groupedTwo } = inputs(false);
  const cogrouped = groupedOne.cogroup(concat).cogroup(groupedTwo, concat);
  t.throws(() => cogrouped.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10)), { message: /SlidingWindows.*TimeWindows/ });
  const other = inputs(false);
  t.throws(() => cogrouped.cogroup(other.groupedTwo, concat), { message: /same StreamsBuilder/ });
});

test('aggregating one cogroup twice reads the first aggregation\'s repartition topic, as Kafka does', (t) => {
  const { builder, groupedOne, groupedTwo } = inputs(true);
  const cogrouped = groupedOne.cogroup(concat).cogroup(groupedTwo, concat);
  cogrouped.aggregate(() => '', { storeName: 'first' });
  cogrouped.aggregate(() => '>', { storeName: 'second' });
  const topology = builder.build();
  t.deepEqual(
    topology.internalTopics('app').filter((topic) => topic.kind !== 'changelog').map((topic) => topic.name),
    ['app-first-repartition'],
  );
  // Kafka still draws the three repartition names the second time: its merge node is 14, not 11.
  t.true(topology.describe().toString().includes('Processor: COGROUPKSTREAM-MERGE-0000000014 (stores: [])'));
  const driver = new TopologyTestDriver(topology, { applicationId: 'app', defaultKeySerde: S, defaultValueSerde: S });
  driver.createInputTopic('one', S, S).pipeInput('x', 'k', 1);
  driver.createInputTopic('two', S, S).pipeInput('k', 'y', 2);
  t.deepEqual([driver.keyValueStore<string, string>('first').get('k'), driver.keyValueStore<string, string>('second').get('k')], ['xy', '>xy']);
});
