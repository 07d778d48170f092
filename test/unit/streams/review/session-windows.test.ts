import test from 'ava';
import { EmitStrategy, Serdes, SessionWindows, StreamsBuilder, Suppressed, TopologyTestDriver, WindowedSerdes, int64NumberSerde } from '../../../../streams/index.ts';
import type { KTable, Windowed } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();

function sessionCount(windows: SessionWindows, shape: (table: KTable<Windowed<string | null>, number>) => KTable<Windowed<string | null>, number>, strategy?: EmitStrategy): TopologyTestDriver {
  const builder = new StreamsBuilder();
  const grouped = builder.stream('events', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(windows);
  if (strategy !== undefined) grouped.emitStrategy(strategy);
  shape(grouped.count({ storeName: 'sessions' })).toStream().to('out', { valueSerde: L });
  return new TopologyTestDriver(builder.build());
}

function outputs(driver: TopologyTestDriver): [string, number, number, number | null][] {
  return driver
    .createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L)
    .readKeyValuesToList()
    .map((r) => [r.key!.key, r.key!.window.start, r.key!.window.end, r.value]);
}

// KStreamSessionWindowAggregate (3.x): windowCloseTime = streamTime - grace - inactivityGap, and a
// record is dropped only when its merged session ends before it. A session [s, e] can still grow
// while a record at e + gap would be on time.
test('a session stays open for gap + grace after its end', (t) => {
  const driver = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(10), (table) => table);
  const input = driver.createInputTopic('events', S, S);
  input.pipeInput('a', 'x', 0);
  input.pipeInput('b', 'x', 8);
  input.pipeInput('a', 'x', 2); // close time 8 - 0 - 10 < 0: not late
  t.is(driver.metrics().droppedRecordsTotal, 0);
  t.deepEqual(driver.sessionStore<string, number>('sessions').fetch('a').map((kv) => [kv.key.window.start, kv.key.window.end, kv.value]), [[0, 2, 2]]);
});

// GraphGraceSearchUtil / SessionWindowedKStreamImpl: suppress and onWindowClose use grace + gap for
// sessions; FinalResultsSuppressionBuilder drops tombstones (safeToDropTombstones).
test('suppress(untilWindowCloses) on sessions emits only the final merged session', (t) => {
  const driver = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(10), (table) => table.suppress(Suppressed.untilWindowCloses()));
  const input = driver.createInputTopic('events', S, S);
  input.pipeInput('a', 'x', 0);
  input.pipeInput('b', 'x', 5);
  input.pipeInput('a', 'x', 8);
  input.pipeInput('b', 'x', 30);
  t.deepEqual(outputs(driver), [['b', 5, 5, 1], ['a', 0, 8, 2]]);
});

test('emitStrategy onWindowClose on sessions emits only the final merged session', (t) => {
  const driver = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(10), (table) => table, EmitStrategy.onWindowClose());
  const input = driver.createInputTopic('events', S, S);
  input.pipeInput('a', 'x', 0);
  input.pipeInput('b', 'x', 5);
  input.pipeInput('a', 'x', 8);
  input.pipeInput('b', 'x', 30);
  t.deepEqual(outputs(driver), [['b', 5, 5, 1], ['a', 0, 8, 2]]);
});
