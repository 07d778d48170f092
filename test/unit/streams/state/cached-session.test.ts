import test from 'ava';
import { Serdes, SessionWindows, StreamsBuilder, TopologyTestDriver, WindowedSerdes, int64NumberSerde } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();

/** Session counts (gap 10) with commits only when the test moves the clock. */
function sessionCount(cachingEnabled: boolean, cacheMaxBytes?: number): TopologyTestDriver {
  const builder = new StreamsBuilder();
  builder
    .stream('events', { keySerde: S, valueSerde: S })
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))
    .count({ storeName: 'sessions', cachingEnabled })
    .toStream()
    .to('out', { valueSerde: L });
  return new TopologyTestDriver(builder.build(), { applicationId: 'app', commitEveryRecord: false, ...(cacheMaxBytes === undefined ? {} : { cacheMaxBytes }) });
}

type Row = [string, number, number, number | null];

/** Readers of the output and the changelog: each call returns what arrived since the last. */
function readers(driver: TopologyTestDriver): { outputs: () => Row[]; changelog: () => (number | null)[] } {
  const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L);
  const changelog = driver.createOutputTopic('app-sessions-changelog', Serdes.Bytes(), L);
  return {
    outputs: () => out.readKeyValuesToList().map((r): Row => [r.key!.key, r.key!.window.start, r.key!.window.end, r.value]),
    changelog: () => changelog.readValuesToList(),
  };
}
const stored = (driver: TopologyTestDriver, key: string): [number, number, number][] =>
  driver
    .sessionStore<string, number>('sessions')
    .fetch(key)
    .map((kv): [number, number, number] => [kv.key.window.start, kv.key.window.end, kv.value]);

test('cached sessions: updates and merges between two commits collapse into one output per session', (t) => {
  const driver = sessionCount(true);
  const input = driver.createInputTopic('events', S, S);
  const { outputs, changelog } = readers(driver);
  input.pipeInput('a', 'x', 0);
  input.pipeInput('a', 'x', 5); // merges [0,0] into [0,5]
  input.pipeInput('b', 'x', 3);
  input.pipeInput('a', 'x', 7);
  input.pipeInput('b', 'x', 4);
  t.deepEqual(outputs(), [], 'nothing leaves the cache before the commit');
  t.deepEqual(stored(driver, 'a'), [[0, 7, 3]], 'reads see the cache');
  driver.advanceWallClockTime(1);
  // [0,0] and [0,5] were created and absorbed between the commits: no tombstone for them.
  t.deepEqual(outputs(), [['a', 0, 7, 3], ['b', 3, 4, 2]]);
  t.deepEqual(changelog(), [3, 2]);
});

test("cached sessions: a merge forwards the tombstone of a session downstream saw, and none of one it never saw", (t) => {
  const driver = sessionCount(true);
  const input = driver.createInputTopic('events', S, S);
  const { outputs, changelog } = readers(driver);
  input.pipeInput('a', 'x', 0);
  input.pipeInput('a', 'x', 7);
  driver.advanceWallClockTime(1);
  t.deepEqual(outputs(), [['a', 0, 7, 2]]);
  t.deepEqual(changelog(), [2]);
  input.pipeInput('a', 'x', 20); // a new session [20,20]
  input.pipeInput('a', 'x', 14); // bridges [0,7] and [20,20] into [0,20]
  t.deepEqual(stored(driver, 'a'), [[0, 20, 4]]);
  driver.advanceWallClockTime(1);
  t.deepEqual(outputs(), [['a', 0, 7, null], ['a', 0, 20, 4]]);
  t.deepEqual(changelog(), [null, 4], 'the store drops [0,7]; [20,20] never reached the changelog');
  t.deepEqual(stored(driver, 'a'), [[0, 20, 4]]);
  driver.advanceWallClockTime(1);
  t.deepEqual(outputs(), [], 'a commit with nothing new forwards nothing');
});

test('uncached sessions still forward every merge step, tombstones first', (t) => {
  const driver = sessionCount(false);
  const input = driver.createInputTopic('events', S, S);
  const { outputs, changelog } = readers(driver);
  input.pipeInput('a', 'x', 0);
  input.pipeInput('a', 'x', 5);
  t.deepEqual(outputs(), [['a', 0, 0, 1], ['a', 0, 0, null], ['a', 0, 5, 2]]);
  t.deepEqual(changelog(), [1, null, 2]);
});

test('a cache too small for one session evicts every write at once: each merge step is forwarded, and reads stay right', (t) => {
  const driver = sessionCount(true, 1);
  const input = driver.createInputTopic('events', S, S);
  const { outputs } = readers(driver);
  input.pipeInput('a', 'x', 0);
  input.pipeInput('a', 'x', 5);
  t.deepEqual(stored(driver, 'a'), [[0, 5, 2]]);
  input.pipeInput('a', 'x', 30);
  t.deepEqual(outputs(), [['a', 0, 0, 1], ['a', 0, 0, null], ['a', 0, 5, 2], ['a', 30, 30, 1]]);
  // No grace: [0,5] is past retention (gap) once stream time is 30.
  t.deepEqual(stored(driver, 'a'), [[30, 30, 1]]);
});
