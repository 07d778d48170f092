import test from 'ava';
import { Serdes, SlidingWindows, StreamsBuilder, TopologyTestDriver, WindowedSerdes, int64NumberSerde } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();

function slidingCount(d: number, grace: number): TopologyTestDriver {
  const builder = new StreamsBuilder();
  builder
    .stream('events', { keySerde: S, valueSerde: S })
    .groupByKey()
    .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(d, grace))
    .count({ storeName: 'counts' })
    .toStream()
    .to('out', { valueSerde: L });
  return new TopologyTestDriver(builder.build());
}

// KStreamSlidingWindowAggregate drops a record only when its own right window [t+1, t+1+d] is
// closed (t + 1 + d <= streamTime - grace); otherwise every window it falls in whose end is still
// >= streamTime - grace takes it, and its right window is created.
test('a record older than stream time - grace still updates the sliding windows that are open', (t) => {
  const driver = slidingCount(10, 0);
  const input = driver.createInputTopic('events', S, S);
  input.pipeInput('a', 'x', 100);
  input.pipeInput('a', 'x', 120);
  input.pipeInput('a', 'x', 112); // stream time 120: [102,112] is closed, [110,120] is open
  const counts = new Map(driver.windowStore<string, number>('counts').all().map((kv) => [`${kv.key.window.start}-${kv.key.window.end}`, kv.value]));
  t.is(counts.get('110-120'), 2);
  t.is(counts.get('113-123'), 1);
  t.false(counts.has('102-112'));
  t.is(driver.metrics().droppedRecordsTotal, 1);
  const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L).readKeyValuesToList();
  t.deepEqual(out.slice(-2).map((r) => [r.key!.window.start, r.value]), [[110, 2], [113, 1]]);
});

test('a record is dropped only once its right window closed', (t) => {
  const driver = slidingCount(10, 0);
  const input = driver.createInputTopic('events', S, S);
  input.pipeInput('a', 'x', 100);
  input.pipeInput('a', 'x', 130);
  input.pipeInput('a', 'x', 119); // 119 + 1 + 10 = 130 <= 130: dropped
  t.is(driver.metrics().droppedRecordsTotal, 1);
  t.deepEqual(driver.windowStore<string, number>('counts').all().map((kv) => [kv.key.window.start, kv.value]), [[120, 1]]);
  input.pipeInput('a', 'x', 120); // right window [121, 131] is open; [120, 130] takes it; [110, 120] is closed
  t.deepEqual(driver.windowStore<string, number>('counts').all().map((kv) => [kv.key.window.start, kv.value]), [[120, 2], [121, 1]]);
  t.is(driver.metrics().droppedRecordsTotal, 2);
});
