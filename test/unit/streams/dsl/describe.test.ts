import test from 'ava';
import { Serdes, StreamsBuilder } from '../../../../streams/index.ts';

// The expected strings are what Kafka Streams' TopologyDescription#toString prints for the
// same topologies built with its DSL (generated names, node order by downstream size then
// name, the "Topologies:" header and its odd indentation).

test('a linear topology prints as Kafka Streams prints it', (t) => {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .filter((_k, v) => v !== null)
    .mapValues((v) => v)
    .to('out');
  t.is(
    builder.build().describe().toString(),
    `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [in])
      --> KSTREAM-FILTER-0000000001
    Processor: KSTREAM-FILTER-0000000001 (stores: [])
      --> KSTREAM-MAPVALUES-0000000002
      <-- KSTREAM-SOURCE-0000000000
    Processor: KSTREAM-MAPVALUES-0000000002 (stores: [])
      --> KSTREAM-SINK-0000000003
      <-- KSTREAM-FILTER-0000000001
    Sink: KSTREAM-SINK-0000000003 (topic: out)
      <-- KSTREAM-MAPVALUES-0000000002

`,
  );
});

test('split() names branches <split name><index>, default 0, and orders nodes by subtree size', (t) => {
  const builder = new StreamsBuilder();
  const branches = builder
    .stream('in', { keySerde: Serdes.String(), valueSerde: Serdes.Int32() })
    .split()
    .branch((_k, v) => v === 1)
    .branch((_k, v) => v === 2)
    .defaultBranch();
  t.deepEqual([...branches.keys()], ['KSTREAM-BRANCH-00000000011', 'KSTREAM-BRANCH-00000000012', 'KSTREAM-BRANCH-00000000010']);
  branches.get('KSTREAM-BRANCH-00000000011')!.to('a');
  branches.get('KSTREAM-BRANCH-00000000012')!.to('b');
  branches.get('KSTREAM-BRANCH-00000000010')!.mapValues((v) => v).to('c');
  t.is(
    builder.build().describe().toString(),
    `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [in])
      --> KSTREAM-BRANCH-0000000001
    Processor: KSTREAM-BRANCH-0000000001 (stores: [])
      --> KSTREAM-BRANCH-00000000010, KSTREAM-BRANCH-00000000011, KSTREAM-BRANCH-00000000012
      <-- KSTREAM-SOURCE-0000000000
    Processor: KSTREAM-BRANCH-00000000010 (stores: [])
      --> KSTREAM-MAPVALUES-0000000007
      <-- KSTREAM-BRANCH-0000000001
    Processor: KSTREAM-BRANCH-00000000011 (stores: [])
      --> KSTREAM-SINK-0000000005
      <-- KSTREAM-BRANCH-0000000001
    Processor: KSTREAM-BRANCH-00000000012 (stores: [])
      --> KSTREAM-SINK-0000000006
      <-- KSTREAM-BRANCH-0000000001
    Processor: KSTREAM-MAPVALUES-0000000007 (stores: [])
      --> KSTREAM-SINK-0000000008
      <-- KSTREAM-BRANCH-00000000010
    Sink: KSTREAM-SINK-0000000005 (topic: a)
      <-- KSTREAM-BRANCH-00000000011
    Sink: KSTREAM-SINK-0000000006 (topic: b)
      <-- KSTREAM-BRANCH-00000000012
    Sink: KSTREAM-SINK-0000000008 (topic: c)
      <-- KSTREAM-MAPVALUES-0000000007

`,
  );
});

test('named split and branches use the given names', (t) => {
  const builder = new StreamsBuilder();
  const branches = builder.stream('in').split('route-').branch(() => true, 'all').noDefaultBranch();
  t.deepEqual([...branches.keys()], ['route-all']);
});

test('repartition() cuts a second sub-topology through KSTREAM-REPARTITION-…-repartition', (t) => {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
    .selectKey((_k, v) => v)
    .repartition()
    .to('out');
  t.is(
    builder.build().describe().toString(),
    `Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [in])
      --> KSTREAM-KEY-SELECT-0000000001
    Processor: KSTREAM-KEY-SELECT-0000000001 (stores: [])
      --> KSTREAM-FILTER-0000000004
      <-- KSTREAM-SOURCE-0000000000
    Processor: KSTREAM-FILTER-0000000004 (stores: [])
      --> KSTREAM-SINK-0000000003
      <-- KSTREAM-KEY-SELECT-0000000001
    Sink: KSTREAM-SINK-0000000003 (topic: KSTREAM-REPARTITION-0000000002-repartition)
      <-- KSTREAM-FILTER-0000000004

  Sub-topology: 1
    Source: KSTREAM-SOURCE-0000000005 (topics: [KSTREAM-REPARTITION-0000000002-repartition])
      --> KSTREAM-SINK-0000000006
    Sink: KSTREAM-SINK-0000000006 (topic: out)
      <-- KSTREAM-SOURCE-0000000005

`,
  );
});

test('a named repartition names its topic and nodes after the name, and the runtime gets prefixed topics', (t) => {
  const builder = new StreamsBuilder();
  builder.stream(/clicks-.*/).repartition({ name: 'by-user', numberOfPartitions: 3 }).to('out');
  const topology = builder.build();
  const text = topology.describe().toString();
  t.true(text.includes('Source: KSTREAM-SOURCE-0000000000 (topics: clicks-.*)'));
  t.true(text.includes('Sink: by-user-repartition-sink (topic: by-user-repartition)'));
  t.true(text.includes('Source: by-user-repartition-source (topics: [by-user-repartition])'));
  t.deepEqual(topology.internalTopics('app'), [
    {
      name: 'app-by-user-repartition',
      numberOfPartitions: 3,
      upstreamSourceTopics: [],
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'segment.bytes': '52428800', 'message.timestamp.type': 'CreateTime' },
    },
  ]);
  const [first, second] = topology.subtopologies('app');
  t.deepEqual(first!.sourcePatterns, [/clicks-.*/]);
  t.deepEqual(first!.sinkTopics, ['app-by-user-repartition']);
  t.deepEqual(second!.sourceTopics, ['app-by-user-repartition']);
  t.deepEqual(second!.repartitionSourceTopics, ['app-by-user-repartition']);
  t.deepEqual(second!.sinkTopics, ['out']);
});

test('key-changing operations mark the stream for repartitioning; value operations keep the mark', (t) => {
  const source = new StreamsBuilder().stream('in');
  t.false(source.repartitionRequired);
  t.false(source.mapValues((v) => v).filter(() => true).repartitionRequired);
  const rekeyed = source.selectKey(() => 'k');
  t.true(rekeyed.repartitionRequired);
  t.true(rekeyed.mapValues((v) => v).peek(() => undefined).repartitionRequired);
  t.true(source.map((k, v) => ({ key: v, value: k })).repartitionRequired);
  t.true(source.flatMap(() => []).repartitionRequired);
  t.true(source.merge(rekeyed as never).repartitionRequired);
  t.false(rekeyed.repartition().repartitionRequired);
  t.false(rekeyed.repartitionIfRequired('grouped').repartitionRequired);
  t.is(source.repartitionIfRequired('grouped'), source);
});

test('a topic read twice, a duplicate name and an empty pipe are topology errors', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in');
  t.throws(() => builder.stream('in'), { code: 'ERR_STREAMS_TOPOLOGY', message: /already read/ });
  t.throws(() => builder.stream('other', { name: 'KSTREAM-SOURCE-0000000000' }), { code: 'ERR_STREAMS_TOPOLOGY', message: /used by two nodes/ });
  const stream = builder.stream('x');
  t.throws(() => (stream.pipe as () => unknown)(), { code: 'ERR_STREAMS_TOPOLOGY' });
  t.throws(() => stream.mapAsync(async (v) => v, { concurrency: 0 }), { code: 'ERR_STREAMS_TOPOLOGY' });
});
