import test from 'ava';
import fc from 'fast-check';
import { Serdes, StreamsBuilder, TopologyTestDriver, int64NumberSerde, keyValue } from '../../../../streams/index.ts';
import type { KeyValue } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();

/** Maps compare in insertion order under deepEqual: sort both sides by key. */
function sorted<K, V>(entries: Iterable<readonly [K, V]>): [K, V][] {
  return [...entries].map(([k, v]): [K, V] => [k, v]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0));
}

function wordCount(): StreamsBuilder {
  const builder = new StreamsBuilder();
  builder
    .stream('text', { keySerde: S, valueSerde: S })
    .flatMapValues((line) => (line ?? '').toLowerCase().split(/\W+/).filter((w) => w !== ''))
    .groupBy((_k, word) => word, { keySerde: S, valueSerde: S })
    .count({ storeName: 'counts' })
    .toStream()
    .to('word-counts', { keySerde: S, valueSerde: L });
  return builder;
}

test('word count: every update, the latest count per word equals a plain-code count, on several partitions', (t) => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.constantFrom('a', 'b', 'c', 'kafka', 'brook'), { maxLength: 6 }).map((w) => w.join(' ')), { maxLength: 25 }), fc.integer({ min: 1, max: 4 }), (lines, partitions) => {
      const driver = new TopologyTestDriver(wordCount().build(), { defaultPartitions: partitions });
      const input = driver.createInputTopic('text', S, S);
      lines.forEach((line, i) => {
        input.pipeInput(`line-${i}`, line, 1000 + i);
      });
      const expected = new Map<string, number>();
      for (const line of lines) for (const word of line.split(' ').filter((w) => w !== '')) expected.set(word, (expected.get(word) ?? 0) + 1);
      const latest = new Map<string, number>();
      for (const { key, value } of driver.createOutputTopic('word-counts', S, L).readKeyValuesToList()) latest.set(key!, value!);
      t.deepEqual(sorted(latest), sorted(expected));
      const store = driver.keyValueStore<string, number>('counts');
      t.deepEqual(sorted(store.all().map((kv) => [kv.key, kv.value] as const)), sorted(expected));
    }),
  );
});

test('word count describe() prints stores and the store-named repartition topic as Kafka Streams does', (t) => {
  const text = wordCount().build().describe().toString();
  t.is(
    text,
    `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [text])
      --> KSTREAM-FLATMAPVALUES-0000000001
    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])
      --> KSTREAM-KEY-SELECT-0000000002
      <-- KSTREAM-SOURCE-0000000000
    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])
      --> counts-repartition-filter
      <-- KSTREAM-FLATMAPVALUES-0000000001
    Processor: counts-repartition-filter (stores: [])
      --> counts-repartition-sink
      <-- KSTREAM-KEY-SELECT-0000000002
    Sink: counts-repartition-sink (topic: counts-repartition)
      <-- counts-repartition-filter

  Sub-topology: 1
    Source: counts-repartition-source (topics: [counts-repartition])
      --> KSTREAM-AGGREGATE-0000000003
    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts])
      --> KTABLE-TOSTREAM-0000000007
      <-- counts-repartition-source
    Processor: KTABLE-TOSTREAM-0000000007 (stores: [])
      --> KSTREAM-SINK-0000000008
      <-- KSTREAM-AGGREGATE-0000000003
    Sink: KSTREAM-SINK-0000000008 (topic: word-counts)
      <-- KTABLE-TOSTREAM-0000000007

`,
  );
  const topics = wordCount().build().internalTopics('wc');
  t.deepEqual(
    topics.map((s) => [s.name, s.kind ?? 'repartition', s.configs['cleanup.policy']]),
    [
      ['wc-counts-repartition', 'repartition', 'delete'],
      ['wc-counts-changelog', 'changelog', 'compact'],
    ],
  );
});

test('an unnamed aggregation draws KSTREAM-AGGREGATE-STATE-STORE names from the shared counter', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().count().toStream().to('out', { valueSerde: L });
  const text = builder.build().describe().toString();
  t.true(text.includes('Processor: KSTREAM-AGGREGATE-0000000002 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000001])'), text);
  t.deepEqual(builder.build().internalTopics('app').map((s) => s.name), ['app-KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog']);
});

test('every store write goes to the changelog, tracked for commits like sink output', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().count({ storeName: 'c' }).toStream().to('out', { valueSerde: L });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' });
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('a', 'x', 1);
  input.pipeInput('b', 'x', 2);
  input.pipeInput('a', 'x', 3);
  const changelog = driver.createOutputTopic('app-c-changelog', S, L).readRecordsToList();
  t.deepEqual(changelog.map((r) => [r.key, r.value, r.timestamp]), [['a', 1, 1], ['b', 1, 2], ['a', 2, 3]]);
  t.is(driver.committedOffset('in'), 3n);
});

test('the record cache collapses updates between commits; a cache limit flushes the eldest early', (t) => {
  const builder = new StreamsBuilder();
  const counts = builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().count({ storeName: 'c' });
  counts.toStream().to('out', { valueSerde: L });
  const topology = builder.build();
  const task = topology.createTask({ subtopology: 0, partition: 0 }, { applicationId: 'app', scheduler: new TopologyTestDriver(topology).scheduler, collector: { send: (r) => void sent.push(r), partitionCount: () => 1 }, cacheMaxBytes: 1000 });
  const sent: { topic: string; key: Buffer | null; value: Buffer | null }[] = [];
  const record = (key: string, offset: number) => ({ topic: 'in', partition: 0, offset: BigInt(offset), key: Buffer.from(key), value: Buffer.from('x'), headers: [], timestamp: BigInt(offset) });
  for (let i = 0; i < 5; i++) task.process(record('a', i));
  t.is(sent.length, 0, 'nothing leaves before the commit');
  task.committableOffsets();
  t.deepEqual(sent.map((r) => [r.topic, r.key?.toString(), L.deserialize(r.value)]), [['app-c-changelog', 'a', 5], ['out', 'a', 5]]);
  sent.length = 0;
  // 1000 bytes hold about ten entries of 1-byte keys: distinct keys spill the eldest.
  for (let i = 0; i < 30; i++) task.process(record(`k${i}`, 10 + i));
  t.true(sent.filter((r) => r.topic === 'out').length >= 15, 'the cache evicted entries past its limit');
  t.true(sent.filter((r) => r.topic === 'out').length < 30, 'the most recent entries stay cached until the commit');
  t.is(task.committableOffsets()[0]!.offset, 40n);
  t.is(sent.filter((r) => r.topic === 'out').length, 30);
});

test('reduce and aggregate per key match plain code', (t) => {
  const builder = new StreamsBuilder();
  const input = builder.stream('nums', { keySerde: S, valueSerde: Serdes.Json<number>() });
  input.groupByKey().reduce((a, b) => Math.max(a!, b!), { storeName: 'max' });
  input.groupByKey().aggregate(() => [] as number[], (_k, v, list) => [...list, v!], { storeName: 'lists', valueSerde: Serdes.Json<number[]>() });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.integer({ min: -50, max: 50 })), { maxLength: 30 }), (pairs) => {
      const driver = new TopologyTestDriver(builder.build());
      const topic = driver.createInputTopic('nums', S, Serdes.Json<number>());
      for (const [k, v] of pairs) topic.pipeInput(k, v);
      const max = new Map<string, number>();
      const lists = new Map<string, number[]>();
      for (const [k, v] of pairs) {
        max.set(k, Math.max(max.get(k) ?? -Infinity, v));
        lists.set(k, [...(lists.get(k) ?? []), v]);
      }
      t.deepEqual(sorted(driver.keyValueStore<string, number>('max').all().map((kv) => [kv.key, kv.value] as const)), sorted(max));
      t.deepEqual(sorted(driver.keyValueStore<string, number[]>('lists').all().map((kv) => [kv.key, kv.value] as const)), sorted(lists));
    }),
  );
});

test('tables: table(), filter, mapValues, groupBy with adder and subtractor (a region count that follows moves and deletes)', (t) => {
  const builder = new StreamsBuilder();
  const users = builder.table('user-regions', { keySerde: S, valueSerde: S }, { storeName: 'users' });
  users
    .filter((_u, region) => region !== 'hidden')
    .groupBy((user, region) => keyValue(region, user), { keySerde: S, valueSerde: S })
    .count({ storeName: 'per-region' })
    .toStream()
    .to('region-counts', { keySerde: S, valueSerde: L });
  users.mapValues((region) => region.toUpperCase()).toStream().to('upper', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build(), { defaultPartitions: 2 });
  const input = driver.createInputTopic('user-regions', S, S);
  const events: [string, string | null][] = [['alice', 'eu'], ['bob', 'us'], ['carol', 'eu'], ['alice', 'us'], ['bob', null], ['dave', 'hidden'], ['carol', 'hidden']];
  for (const [user, region] of events) input.pipeInput(user, region);
  const final = new Map<string, string>();
  for (const [user, region] of events) {
    if (region === null) final.delete(user);
    else final.set(user, region);
  }
  const expected = new Map<string, number>();
  for (const region of final.values()) if (region !== 'hidden') expected.set(region, (expected.get(region) ?? 0) + 1);
  const store = driver.keyValueStore<string, number>('per-region');
  const actual = new Map(store.all().map((kv): [string, number] => [kv.key, kv.value]).filter(([, n]) => n > 0));
  t.deepEqual(sorted(actual), sorted(expected));
  t.is(driver.keyValueStore<string, string>('users').get('alice'), 'us');
  t.is(driver.keyValueStore<string, string>('users').get('bob'), undefined);
  const upper = driver.createOutputTopic('upper', S, S).readKeyValuesToList();
  t.deepEqual(upper.at(-1), keyValue('carol', 'HIDDEN'));
  t.true(upper.some((kv: KeyValue<string | null, string | null>) => kv.key === 'bob' && kv.value === null), 'a delete travels as a tombstone');
});

test('table-table joins: inner, left and outer match a plain-code join of the final tables', (t) => {
  const builder = new StreamsBuilder();
  const left = builder.table('left', { keySerde: S, valueSerde: S });
  const right = builder.table('right', { keySerde: S, valueSerde: S });
  left.join(right, (l, r) => `${l}+${r}`).toStream().to('inner-out', { keySerde: S, valueSerde: S });
  left.leftJoin(right, (l, r) => `${l}+${r ?? '-'}`).toStream().to('left-out', { keySerde: S, valueSerde: S });
  left.outerJoin(right, (l, r) => `${l ?? '-'}+${r ?? '-'}`).toStream().to('outer-out', { keySerde: S, valueSerde: S });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c'), fc.option(fc.constantFrom('1', '2', '3'), { nil: null })), { maxLength: 20 }), (updates) => {
      const driver = new TopologyTestDriver(builder.build());
      const l = driver.createInputTopic('left', S, S);
      const r = driver.createInputTopic('right', S, S);
      const L1 = new Map<string, string>();
      const R1 = new Map<string, string>();
      for (const [isLeft, key, value] of updates) {
        (isLeft ? l : r).pipeInput(key, value);
        const m = isLeft ? L1 : R1;
        if (value === null) m.delete(key);
        else m.set(key, value);
      }
      const latest = (topic: string): Map<string, string> => {
        const m = new Map<string, string>();
        for (const kv of driver.createOutputTopic(topic, S, S).readKeyValuesToList()) {
          if (kv.value === null) m.delete(kv.key!);
          else m.set(kv.key!, kv.value);
        }
        return m;
      };
      const keys = new Set([...L1.keys(), ...R1.keys()]);
      const inner = new Map<string, string>();
      const leftJ = new Map<string, string>();
      const outer = new Map<string, string>();
      for (const k of keys) {
        const a = L1.get(k);
        const b = R1.get(k);
        if (a !== undefined && b !== undefined) inner.set(k, `${a}+${b}`);
        if (a !== undefined) leftJ.set(k, `${a}+${b ?? '-'}`);
        outer.set(k, `${a ?? '-'}+${b ?? '-'}`);
      }
      t.deepEqual(sorted(latest('inner-out')), sorted(inner));
      t.deepEqual(sorted(latest('left-out')), sorted(leftJ));
      t.deepEqual(sorted(latest('outer-out')), sorted(outer));
    }),
  );
});
