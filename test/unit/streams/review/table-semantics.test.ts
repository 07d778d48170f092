import test from 'ava';
import { Serdes, StreamsBuilder, TopologyTestDriver, int64NumberSerde } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();

function records(driver: TopologyTestDriver, topic: string): string[] {
  return driver.createOutputTopic(topic, S, S).readRecordsToList().map((r) => `${r.key}=${r.value}@${r.timestamp}`);
}

// KTableFilter: an update whose old value passed and whose new value does not forwards a delete.
test('a row leaving a table filter forwards a tombstone downstream', (t) => {
  const builder = new StreamsBuilder();
  builder.table('t', { keySerde: S, valueSerde: S }).filter((_k, v) => v.startsWith('keep')).toStream().to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const input = driver.createInputTopic('t', S, S);
  input.pipeInput('a', 'keep-1', 1);
  input.pipeInput('a', 'drop', 2);
  input.pipeInput('a', null, 3);
  t.deepEqual(records(driver, 'out'), ['a=keep-1@1', 'a=null@2']);
});

// KStreamKTableJoin: only stream records trigger; the result carries the stream record's timestamp.
test('a stream-table join is triggered by the stream side only', (t) => {
  const builder = new StreamsBuilder();
  const table = builder.table('t', { keySerde: S, valueSerde: S });
  builder.stream('s', { keySerde: S, valueSerde: S }).join(table, (v, tv) => `${v}+${tv}`).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const stream = driver.createInputTopic('s', S, S);
  const tableIn = driver.createInputTopic('t', S, S);
  stream.pipeInput('k', 's1', 5);
  tableIn.pipeInput('k', 't1', 10);
  stream.pipeInput('k', 's2', 7);
  tableIn.pipeInput('k', 't2', 20);
  t.deepEqual(records(driver, 'out'), ['k=s2+t1@7']);
});

// KTableKTableInnerJoin / LeftJoin: the result timestamp is the larger of both rows'; a delete on
// one side of an inner join forwards a delete.
test('table-table joins stamp results with the larger timestamp and forward deletes', (t) => {
  const builder = new StreamsBuilder();
  const left = builder.table('l', { keySerde: S, valueSerde: S });
  const right = builder.table('r', { keySerde: S, valueSerde: S });
  left.join(right, (a, b) => `${a}+${b}`).toStream().to('inner', { keySerde: S, valueSerde: S });
  left.leftJoin(right, (a, b) => `${a}+${b ?? 'null'}`).toStream().to('left', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const l = driver.createInputTopic('l', S, S);
  const r = driver.createInputTopic('r', S, S);
  l.pipeInput('k', 'a', 10);
  r.pipeInput('k', 'b', 4);
  r.pipeInput('k', null, 12);
  t.deepEqual(records(driver, 'inner'), ['k=a+b@10', 'k=null@12']);
  t.deepEqual(records(driver, 'left'), ['k=a+null@10', 'k=a+b@10', 'k=a+null@12']);
});

// KTableAggregate: a tombstone on the source table calls only the subtractor.
test('a table-groupBy count counts a deleted row down', (t) => {
  const builder = new StreamsBuilder();
  builder
    .table('t', { keySerde: S, valueSerde: S })
    .groupBy((_k, v) => ({ key: v, value: v }), { keySerde: S, valueSerde: S })
    .count({ storeName: 'c' })
    .toStream()
    .to('out', { keySerde: S, valueSerde: L });
  const driver = new TopologyTestDriver(builder.build());
  const input = driver.createInputTopic('t', S, S);
  input.pipeInput('r1', 'g', 1);
  input.pipeInput('r2', 'g', 2);
  input.pipeInput('r1', null, 3);
  t.deepEqual(driver.createOutputTopic('out', S, L).readKeyValuesToList().map((kv) => `${kv.key}=${kv.value}`), ['g=1', 'g=2', 'g=1']);
});
