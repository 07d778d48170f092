import test from 'ava';
import { Serdes, StreamsBuilder, TopologyTestDriver } from '../../../../streams/index.ts';

const S = Serdes.String();

function out(driver: TopologyTestDriver): string[] {
  return driver.createOutputTopic('out', S, S).readKeyValuesToList().map((kv) => `${kv.key}:${kv.value}`);
}

// KStreamKTableJoinProcessor.maybeDropRecord (KIP-962, 3.7): a left join keeps a record whose join
// key is null (value non-null) and joins it with a null table value.
test('a left stream-table join joins a null-key record with null', (t) => {
  const builder = new StreamsBuilder();
  const table = builder.table('table', { keySerde: S, valueSerde: S });
  builder.stream('stream', { keySerde: S, valueSerde: S }).leftJoin(table, (v, tv) => `${v}+${tv ?? 'null'}`).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('stream', S, S).pipeInput(null, 'v', 1);
  t.deepEqual(out(driver), ['null:v+null']);
});

// KStreamGlobalKTableJoin: the lookup key comes from the key selector, which may read the value;
// only a null lookup key (or value) stops the join, not a null record key.
test('a stream-globalTable join looks up a null-key record by the key its selector picks', (t) => {
  const builder = new StreamsBuilder();
  const table = builder.globalTable('global', { keySerde: S, valueSerde: S });
  builder
    .stream('stream', { keySerde: S, valueSerde: S })
    .join(table, (_k, v) => v!, (v, tv) => `${v}+${tv}`)
    .to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('global', S, S).pipeInput('g', 'found', 1);
  driver.createInputTopic('stream', S, S).pipeInput(null, 'g', 2);
  t.deepEqual(out(driver), ['null:g+found']);
});

// maybeDropRecord: only a null record key is kept by a left join; a null lookup key picked from a
// record that has a key drops the record, left join or not.
test('a left stream-globalTable join drops a keyed record whose selector picks no lookup key', (t) => {
  const builder = new StreamsBuilder();
  const table = builder.globalTable('global', { keySerde: S, valueSerde: S });
  builder
    .stream('stream', { keySerde: S, valueSerde: S })
    .leftJoin(table, (_k, v) => (v === 'none' ? null : v) as string, (v, tv) => `${v}+${tv ?? 'null'}`)
    .to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const stream = driver.createInputTopic('stream', S, S);
  stream.pipeInput('k', 'none', 1);
  stream.pipeInput('k', 'absent', 2);
  t.deepEqual(out(driver), ['k:absent+null']);
});
