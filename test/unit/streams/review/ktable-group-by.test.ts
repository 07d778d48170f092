import test from 'ava';
import { Serdes, StreamsBuilder, TopologyTestDriver, int64NumberSerde } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();

function sumByGroup(): TopologyTestDriver {
  const builder = new StreamsBuilder();
  builder
    .table('rows', { keySerde: S, valueSerde: S })
    .groupBy((_key, value) => {
      const [group, amount] = value.split(':');
      return { key: group!, value: (amount === undefined ? null : Number(amount)) as number };
    }, { keySerde: S, valueSerde: L })
    .aggregate(() => 0, (_k, v, agg) => agg + v, (_k, v, agg) => agg - v, { valueSerde: L, cachingEnabled: false })
    .toStream()
    .to('sums', { keySerde: S, valueSerde: L });
  return new TopologyTestDriver(builder.build());
}

// KTableRepartitionMap: when the old and the new row map to the same group, one Change(new, old)
// goes through the repartition topic and the aggregate subtracts then adds in one step, so no
// intermediate "row removed" result is forwarded (KIP-904, 3.5).
test('an update that stays in its group yields one aggregate result, not a subtract then an add', (t) => {
  const driver = sumByGroup();
  const rows = driver.createInputTopic('rows', S, S);
  rows.pipeInput('r1', 'g:5', 1);
  rows.pipeInput('r1', 'g:7', 2);
  t.deepEqual(driver.createOutputTopic('sums', S, L).readKeyValuesToList().map((kv) => `${kv.key}=${kv.value}`), ['g=5', 'g=7']);
});

test('a row moving between groups subtracts from the old one before adding to the new one', (t) => {
  const driver = sumByGroup();
  const rows = driver.createInputTopic('rows', S, S);
  rows.pipeInput('r1', 'a:5', 1);
  rows.pipeInput('r1', 'b:5', 2);
  rows.pipeInput('r1', null, 3);
  t.deepEqual(driver.createOutputTopic('sums', S, L).readKeyValuesToList().map((kv) => `${kv.key}=${kv.value}`), ['a=5', 'a=0', 'b=5', 'b=0']);
});

// KTableRepartitionMap skips a selected pair with a null key or a null value: it reaches no group.
test('a row whose selected value is null reaches no group, before or after an update', (t) => {
  const driver = sumByGroup();
  const rows = driver.createInputTopic('rows', S, S);
  rows.pipeInput('r1', 'c', 1);
  rows.pipeInput('r1', 'c:4', 2);
  rows.pipeInput('r1', 'c', 3);
  t.deepEqual(driver.createOutputTopic('sums', S, L).readKeyValuesToList().map((kv) => `${kv.key}=${kv.value}`), ['c=4', 'c=0']);
});
