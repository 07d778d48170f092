import test from 'ava';
import fc from 'fast-check';
import {
  EmitStrategy,
  LateRecordHeaders,
  Serdes,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  TopologyTestDriver,
  WindowedSerdes,
  int64NumberSerde,
  sessionsOver,
} from '../../../../streams/index.ts';
import type { Windowed } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();
const I = Serdes.Json<number>();

type Event = readonly [key: string, timestamp: number];
const events = fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 120 })), { maxLength: 40 });

function id(key: string, start: number): string {
  return `${key}@${start}`;
}

/** Plain-code reference for time windows: stream time, grace, late records, counts. */
function referenceTimeWindows(input: readonly Event[], size: number, advance: number, grace: number): { counts: Map<string, number>; dropped: number; streamTime: number } {
  const counts = new Map<string, number>();
  let streamTime = -1;
  let dropped = 0;
  for (const [key, t] of input) {
    streamTime = Math.max(streamTime, t);
    let late = false;
    for (let start = 0; start <= t; start += advance) {
      if (t >= start + size) continue;
      if (start + size > streamTime - grace) counts.set(id(key, start), (counts.get(id(key, start)) ?? 0) + 1);
      else late = true;
    }
    if (late) dropped++;
  }
  return { counts, dropped, streamTime };
}

function windowedCount(windows: TimeWindows, strategy?: EmitStrategy): StreamsBuilder {
  const builder = new StreamsBuilder();
  const grouped = builder.stream('events', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(windows);
  if (strategy !== undefined) grouped.emitStrategy(strategy);
  grouped.count({ storeName: 'counts' }, { lateRecordsTopic: 'late' }).toStream().to('out', { valueSerde: L });
  return builder;
}

function storeCounts(driver: TopologyTestDriver): Map<string, number> {
  return new Map(driver.windowStore<string, number>('counts').all().map((kv) => [id(kv.key.key, kv.key.window.start), kv.value]));
}

function sortedEntries<V>(map: Map<string, V>): [string, V][] {
  return [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

test('tumbling and hopping windowed counts with out-of-order events, grace and late records match plain code', (t) => {
  fc.assert(
    fc.property(events, fc.constantFrom([10, 10], [10, 5], [20, 5]), fc.integer({ min: 0, max: 15 }), (input, [size, advance], grace) => {
      const windows = TimeWindows.ofSizeAndGrace(size, grace).advanceBy(advance);
      const driver = new TopologyTestDriver(windowedCount(windows).build());
      const topic = driver.createInputTopic('events', S, S);
      for (const [key, ts] of input) topic.pipeInput(key, 'x', ts);
      const reference = referenceTimeWindows(input, size, advance, grace);
      // The store keeps only windows inside retention: size + grace behind the latest window start it wrote.
      const latestStart = Math.max(-1, ...[...reference.counts.keys()].map((k) => Number(k.split('@')[1])));
      const retained = new Map([...reference.counts].filter(([k]) => Number(k.split('@')[1]) > latestStart - (size + grace)));
      t.deepEqual(sortedEntries(storeCounts(driver)), sortedEntries(retained));
      t.is(driver.metrics().droppedRecordsTotal, reference.dropped);
      t.is(driver.createOutputTopic('late', S, S).getQueueSize(), reference.dropped);
      // Emit on update: the last output per window is its count.
      const latest = new Map<string, number>();
      for (const r of driver.createOutputTopic('out', WindowedSerdes.timeWindowed(S, size), L).readKeyValuesToList()) latest.set(id(r.key!.key, r.key!.window.start), r.value!);
      t.deepEqual(sortedEntries(latest), sortedEntries(reference.counts));
    }),
  );
});

test('a late record is dropped, counted and routed to the late-records topic with its raw bytes', (t) => {
  const driver = new TopologyTestDriver(windowedCount(TimeWindows.ofSizeAndGrace(10, 5)).build());
  const topic = driver.createInputTopic('events', S, S);
  topic.pipeInput('a', 'first', 1);
  topic.pipeInput('a', 'moves time', 20);
  topic.pipeInput('a', 'too late', 4);
  t.is(driver.metrics().droppedRecordsTotal, 1);
  const late = driver.createOutputTopic('late', S, S).readRecord();
  t.is(late.value, 'too late');
  t.is(late.headers.find((h) => h.key === LateRecordHeaders.NODE)?.value?.toString(), 'KSTREAM-AGGREGATE-0000000001');
  t.is(driver.windowStore<string, number>('counts').fetch('a', 20), 1);
  t.is(driver.windowStore<string, number>('counts').fetch('a', 0), undefined, 'the first window is past retention (size + grace)');
});

test('suppress(untilWindowCloses) and emitStrategy(onWindowClose) emit exactly one final count per closed window', (t) => {
  fc.assert(
    fc.property(events, fc.integer({ min: 0, max: 10 }), fc.boolean(), (input, grace, useSuppress) => {
      const size = 10;
      const windows = TimeWindows.ofSizeAndGrace(size, grace);
      let builder: StreamsBuilder;
      if (useSuppress) {
        builder = new StreamsBuilder();
        builder.stream('events', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(windows).count({ storeName: 'counts' }).suppress(Suppressed.untilWindowCloses()).toStream().to('out', { valueSerde: L });
      } else {
        builder = windowedCount(windows, EmitStrategy.onWindowClose());
      }
      const driver = new TopologyTestDriver(builder.build());
      const topic = driver.createInputTopic('events', S, S);
      for (const [key, ts] of input) topic.pipeInput(key, 'x', ts);
      const reference = referenceTimeWindows(input, size, size, grace);
      const closed = new Map([...reference.counts].filter(([k]) => Number(k.split('@')[1]) + size + grace <= reference.streamTime));
      const out = driver.createOutputTopic('out', WindowedSerdes.timeWindowed(S, size), L).readKeyValuesToList();
      const emitted = out.map((r) => [id(r.key!.key, r.key!.window.start), r.value!] as [string, number]);
      t.is(new Set(emitted.map(([k]) => k)).size, emitted.length, 'one result per window');
      t.deepEqual(sortedEntries(new Map(emitted)), sortedEntries(closed));
    }),
  );
});

test('an idle timeout closes windows on a quiet partition on the injected (virtual) clock', (t) => {
  const build = (idle: number | undefined): TopologyTestDriver =>
    new TopologyTestDriver(windowedCount(TimeWindows.ofSizeWithNoGrace(10), EmitStrategy.onWindowClose(idle === undefined ? {} : { idleTimeoutMs: idle })).build());
  const quiet = build(undefined);
  quiet.createInputTopic('events', S, S).pipeInput('a', 'x', quiet.scheduler.now());
  quiet.advanceWallClockTime(60_000);
  t.is(quiet.createOutputTopic('out', S, L).getQueueSize(), 0, 'without it, the window waits for the next record (Kafka Streams)');

  const idle = build(1000);
  const start = Math.floor(idle.scheduler.now() / 10) * 10;
  idle.createInputTopic('events', S, S).pipeInput('a', 'x', start + 3);
  idle.advanceWallClockTime(999);
  t.is(idle.createOutputTopic('out', S, L).getQueueSize(), 0);
  idle.advanceWallClockTime(1);
  const out = idle.createOutputTopic('out', WindowedSerdes.timeWindowed(S, 10), L).readKeyValuesToList();
  t.deepEqual(out.map((r) => [r.key!.window.start, r.value]), [[start, 1]]);
});

test('sliding windows: the store holds one aggregate per distinct record set, as plain code computes it', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 15 }), (timestamps) => {
      const d = 10;
      const builder = new StreamsBuilder();
      builder.stream('events', { keySerde: S, valueSerde: I }).groupByKey().windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(d, 1000)).reduce((a, b) => a! + b!, { storeName: 'sums', valueSerde: I });
      const driver = new TopologyTestDriver(builder.build());
      const topic = driver.createInputTopic('events', S, I);
      timestamps.forEach((ts, i) => {
        topic.pipeInput('k', i + 1, ts);
      });
      // Reference: windows [t - d, t] for every record and [t + 1, t + 1 + d] when not empty.
      const expected = new Map<number, number>();
      const sumIn = (start: number): number => timestamps.reduce((sum, ts, i) => (ts >= start && ts <= start + d ? sum + i + 1 : sum), 0);
      const hasIn = (start: number): boolean => timestamps.some((ts) => ts >= start && ts <= start + d);
      for (const ts of timestamps) {
        for (const start of [Math.max(0, ts - d), ts + 1]) if (hasIn(start)) expected.set(start, sumIn(start));
      }
      const actual = new Map(driver.windowStore<string, number>('sums').all().map((kv) => [kv.key.window.start, kv.value]));
      t.deepEqual([...actual].sort((a, b) => a[0] - b[0]), [...expected].sort((a, b) => a[0] - b[0]));
    }),
  );
});

test('session windows merge when an out-of-order record bridges two sessions', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('clicks', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 100)).count({ storeName: 'sessions' }).toStream().to('out', { keySerde: WindowedSerdes.sessionWindowed(S), valueSerde: L });
  const driver = new TopologyTestDriver(builder.build());
  const topic = driver.createInputTopic('clicks', S, S);
  topic.pipeInput('u', 'x', 0);
  topic.pipeInput('u', 'x', 25);
  topic.pipeInput('u', 'x', 5);
  t.deepEqual(
    driver.sessionStore<string, number>('sessions').fetch('u').map((kv) => [kv.key.window.start, kv.key.window.end, kv.value]),
    [[0, 5, 2], [25, 25, 1]],
  );
  // 15 is within the gap of both sessions: they merge into one.
  topic.pipeInput('u', 'x', 15);
  const out = driver.createOutputTopic('out', WindowedSerdes.sessionWindowed(S), L).readKeyValuesToList();
  const show = (w: Windowed<string> | null): string => `[${w!.window.start},${w!.window.end}]`;
  t.deepEqual(
    out.map((r) => `${show(r.key)}=${r.value}`),
    ['[0,0]=1', '[25,25]=1', '[0,0]=null', '[0,5]=2', '[0,5]=null', '[25,25]=null', '[0,25]=4'],
  );
  t.deepEqual(driver.sessionStore<string, number>('sessions').fetch('u').map((kv) => [kv.key.window.start, kv.key.window.end, kv.value]), [[0, 25, 4]]);
});

test('session windows: sessions and counts match plain code for any arrival order', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 25 }), (timestamps) => {
      const gap = 15;
      const builder = new StreamsBuilder();
      builder.stream('clicks', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(gap, 10_000)).count({ storeName: 'sessions' });
      const driver = new TopologyTestDriver(builder.build());
      const topic = driver.createInputTopic('clicks', S, S);
      for (const ts of timestamps) topic.pipeInput('u', 'x', ts);
      const expected = sessionsOver(timestamps, gap).map((w) => [w.start, w.end, timestamps.filter((ts) => ts >= w.start && ts <= w.end).length]);
      t.deepEqual(driver.sessionStore<string, number>('sessions').fetch('u').map((kv) => [kv.key.window.start, kv.key.window.end, kv.value]), expected);
    }),
  );
});
