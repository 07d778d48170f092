import test from 'ava';
import { Serdes, StreamsBuilder, TopologyTestDriver } from '../../../../streams/index.ts';

const S = Serdes.String();
const J = Serdes.Json<string[]>();

// An aggregator that mutates its accumulator and returns it: the cache must still treat every put
// as an update, or the changelog and downstream stop seeing the key after its first flush.
test('a cached aggregate with an in-place aggregator forwards every commit to the changelog and downstream', (t) => {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { keySerde: S, valueSerde: S })
    .groupByKey({ keySerde: S, valueSerde: S })
    .aggregate(
      (): string[] => [],
      (_key, value, agg) => {
        if (value !== null && !agg.includes(value)) agg.push(value);
        return agg;
      },
      { storeName: 'seen', valueSerde: J },
    )
    .toStream()
    .to('out', { keySerde: S, valueSerde: J });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' });
  const input = driver.createInputTopic('in', S, S);
  const out = driver.createOutputTopic('out', S, J);
  const changelog = driver.createOutputTopic('app-seen-changelog', S, J);
  const want: string[] = [];
  for (let n = 0; n < 50; n++) {
    input.pipeInput('k', `v${n}`);
    want.push(`v${n}`);
    // The driver commits after every record: each commit must carry this record's update.
    t.deepEqual(out.readValuesToList(), [want], `output after v${n}`);
    t.deepEqual(changelog.readValuesToList(), [want], `changelog after v${n}`);
  }
  t.is(driver.committedOffset('in'), 50n);
});
