import test from 'ava';
import { Serdes, SessionWindows, SlidingWindows, StreamsBuilder, TopologyTestDriver } from '../../../../streams/index.ts';

const S = Serdes.String();

// KStreamSlidingWindowAggregate.process skips a record with a null key or a null value.
test('a sliding-window count skips records with a null value', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10)).count({ storeName: 'c' });
  const driver = new TopologyTestDriver(builder.build());
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k', 'x', 20);
  input.pipeInput('k', null, 21);
  t.deepEqual(driver.windowStore<string, number>('c').all().map((kv) => [kv.key.window.start, kv.value]), [[10, 1]]);
});

// KStreamSessionWindowAggregate.process skips only a null key: a null value is aggregated (counted).
test('a session-window count counts records with a null value', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10)).count({ storeName: 's' });
  const driver = new TopologyTestDriver(builder.build());
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k', 'x', 20);
  input.pipeInput('k', null, 21);
  t.deepEqual(driver.sessionStore<string, number>('s').fetch('k').map((kv) => [kv.key.window.start, kv.key.window.end, kv.value]), [[20, 21, 2]]);
});
