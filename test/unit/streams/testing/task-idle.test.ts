import test from 'ava';
import { Serdes, StreamsBuilder, StreamsError, StreamsErrorCode, TopologyTestDriver } from '../../../../streams/index.ts';

const S = Serdes.String();

function merged(options: { maxTaskIdleMs?: number; partitions?: number } = {}): { driver: TopologyTestDriver; read: () => string[] } {
  const builder = new StreamsBuilder();
  builder.stream('a', { keySerde: S, valueSerde: S }).merge(builder.stream('b', { keySerde: S, valueSerde: S })).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build(), { maxTaskIdleMs: options.maxTaskIdleMs ?? 0, defaultPartitions: options.partitions ?? 1 });
  const out = driver.createOutputTopic('out', S, S);
  return { driver, read: () => out.readRecordsToList().map((r) => `${r.value}@${r.timestamp}`) };
}

test('with maxTaskIdleMs a merged task waits for its empty input, then takes records in timestamp order', (t) => {
  const { driver, read } = merged({ maxTaskIdleMs: 1000 });
  const a = driver.createInputTopic('a', S, S);
  const b = driver.createInputTopic('b', S, S);
  a.pipeInput('k', 'a1', 20);
  t.deepEqual(read(), [], 'a1 waits: b has nothing yet');
  t.is(driver.committedOffset('a'), undefined, 'a held record is not committed');
  b.pipeInput('k', 'b1', 10);
  t.deepEqual(read(), ['b1@10'], 'both sides had data: the lower timestamp went first; a1 waits again for b');
  driver.advanceWallClockTime(999);
  t.deepEqual(read(), []);
  driver.advanceWallClockTime(1);
  t.deepEqual(read(), ['a1@20'], 'the idle time passed: a1 goes on without b');
  t.is(driver.committedOffset('a'), 1n);
  t.is(driver.committedOffset('b'), 1n);
});

test('once an input has had data, running dry again starts a new wait', (t) => {
  const { driver, read } = merged({ maxTaskIdleMs: 500 });
  const a = driver.createInputTopic('a', S, S);
  const b = driver.createInputTopic('b', S, S);
  a.pipeInput('k', 'a1', 1);
  driver.advanceWallClockTime(500);
  a.pipeInput('k', 'a2', 2);
  t.deepEqual(read(), ['a1@1', 'a2@2'], 'b has stayed empty past its deadline: a flows');
  b.pipeInput('k', 'b1', 5);
  t.deepEqual(read(), [], 'b had data, a is empty now: b1 waits for a');
  a.pipeInput('k', 'a3', 3);
  t.deepEqual(read(), ['a3@3'], 'both had data: a3 (earlier) went first, and b1 waits again');
  driver.advanceWallClockTime(499);
  t.deepEqual(read(), []);
  driver.advanceWallClockTime(1);
  t.deepEqual(read(), ['b1@5']);
});

test('each partition of a merged task waits on its own', (t) => {
  const { driver, read } = merged({ maxTaskIdleMs: 100, partitions: 2 });
  const a = driver.createInputTopic('a', S, S);
  const b = driver.createInputTopic('b', S, S);
  a.pipeInput('k', 'a-p0', 7, { partition: 0 });
  b.pipeInput('k', 'b-p1', 3, { partition: 1 });
  t.deepEqual(read(), [], 'task 0_0 waits for b-0, task 0_1 for a-1');
  b.pipeInput('k', 'b-p0', 5, { partition: 0 });
  t.deepEqual(read(), ['b-p0@5'], 'task 0_0 has both: the lower timestamp first, then waits again');
  driver.advanceWallClockTime(100);
  t.deepEqual(read().sort(), ['a-p0@7', 'b-p1@3']);
  t.deepEqual(driver.taskIds(), ['0_0', '0_1']);
});

test('by default (0) records are processed as they arrive, out of timestamp order', (t) => {
  const { driver, read } = merged();
  driver.createInputTopic('a', S, S).pipeInput('k', 'a1', 20);
  driver.createInputTopic('b', S, S).pipeInput('k', 'b1', 10);
  t.deepEqual(read(), ['a1@20', 'b1@10']);
});

test('a stream record that arrives before the table row it needs joins it when the task idles', (t) => {
  const run = (maxTaskIdleMs: number): string[] => {
    const builder = new StreamsBuilder();
    const regions = builder.table('regions', { keySerde: S, valueSerde: S });
    builder
      .stream('views', { keySerde: S, valueSerde: S })
      .join(regions, (page, region) => `${page}@${region}`)
      .to('joined', { keySerde: S, valueSerde: S });
    const driver = new TopologyTestDriver(builder.build(), { maxTaskIdleMs });
    driver.createInputTopic('views', S, S).pipeInput('ann', '/home', 100);
    driver.createInputTopic('regions', S, S).pipeInput('ann', 'eu', 50);
    driver.advanceWallClockTime(maxTaskIdleMs);
    return driver.createOutputTopic('joined', S, S).readValuesToList() as string[];
  };
  t.deepEqual(run(0), [], 'processed on arrival, the view found no region');
  t.deepEqual(run(2000), ['/home@eu'], 'the view waited; the region (earlier timestamp) went first');
});

test('a task with one input never waits', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build(), { maxTaskIdleMs: 60_000 });
  driver.createInputTopic('in', S, S).pipeInput('k', 'v', 1);
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['v']);
});

test('maxTaskIdleMs must be an integer >= -1', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in').to('out');
  const error = t.throws(() => new TopologyTestDriver(builder.build(), { maxTaskIdleMs: -2 }), { instanceOf: StreamsError });
  t.is(error.code, StreamsErrorCode.INVALID_CONFIG);
  t.regex(error.message, /maxTaskIdleMs/);
});

test('a merged topic can still be sized after the other one got records', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('a', { keySerde: S, valueSerde: S }).merge(builder.stream('b', { keySerde: S, valueSerde: S })).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('a', S, S).pipeInput('k', 'a1', 1);
  const b = driver.createInputTopic('b', S, S, { partitions: 3 });
  b.pipeInput('k', 'b1', 2, { partition: 2 });
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['a1', 'b1']);
  t.deepEqual(driver.taskIds(), ['0_0', '0_2']);
});
