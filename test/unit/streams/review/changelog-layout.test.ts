import test from 'ava';
import { Serdes, SessionWindows, StreamsBuilder, TimeWindows, TopologyTestDriver, int64NumberSerde } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();
const B = Serdes.Bytes();

function changelog(driver: TopologyTestDriver, store: string): { key: string; value: number | null; timestamp: number }[] {
  return driver
    .createOutputTopic(`app-${store}-changelog`, B, B)
    .readRecordsToList()
    .map((r) => ({ key: r.key!.toString('hex'), value: r.value === null ? null : Number(r.value.readBigInt64BE(0)), timestamp: r.timestamp }));
}

function hex(key: string, ...longs: number[]): string {
  const tail = Buffer.alloc(8 * longs.length);
  longs.forEach((n, i) => tail.writeBigInt64BE(BigInt(n), 8 * i));
  return Buffer.concat([Buffer.from(key), tail]).toString('hex');
}

// WindowKeySchema.toStoreKeyBinary: [key][window start: int64][sequence number: int32], the
// sequence 0 when duplicates are not retained; the record timestamp is the aggregate's.
test('a window store changelog keys records as key, window start and a zero sequence number', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 5).advanceBy(5)).count({ storeName: 'w' });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' });
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k', 'x', 12);
  input.pipeInput('k', 'x', 8);
  const seq0 = (key: string, start: number): string => hex(key, start) + '00000000';
  t.deepEqual(changelog(driver, 'w'), [
    { key: seq0('k', 5), value: 1, timestamp: 12 },
    { key: seq0('k', 10), value: 1, timestamp: 12 },
    { key: seq0('k', 0), value: 1, timestamp: 8 },
    { key: seq0('k', 5), value: 2, timestamp: 12 },
  ]);
});

// SessionKeySchema.toBinary: [key][end: int64][start: int64]; a merge removes the merged sessions
// with tombstones, then writes the merged one (KStreamSessionWindowAggregate).
test('a session store changelog keys records as key, end and start, and merges leave tombstones', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 100)).count({ storeName: 's' });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' });
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k', 'x', 10);
  input.pipeInput('k', 'x', 20);
  input.pipeInput('k', 'x', 15);
  t.deepEqual(changelog(driver, 's'), [
    { key: hex('k', 10, 10), value: 1, timestamp: 10 },
    { key: hex('k', 20, 20), value: 1, timestamp: 20 },
    { key: hex('k', 10, 10), value: null, timestamp: 10 },
    { key: hex('k', 20, 20), value: null, timestamp: 20 },
    { key: hex('k', 20, 10), value: 3, timestamp: 20 },
  ]);
  t.deepEqual(driver.sessionStore<string, number>('s').fetch('k').map((kv) => [kv.key.window.start, kv.key.window.end, kv.value]), [[10, 20, 3]]);
});

test('the record timestamp of a windowed count is the largest timestamp the window holds', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 20)).count({ storeName: 'w' }).toStream().to('out', { valueSerde: L });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' });
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k', 'x', 7);
  input.pipeInput('k', 'x', 3);
  t.deepEqual(driver.createOutputTopic('out', B, L).readRecordsToList().map((r) => [r.value, r.timestamp]), [[1, 7], [2, 7]]);
});
