import test from 'ava';
import { bufferCount, map } from 'rxjs';
import { Serdes, StreamsBuilder, TopologyTestDriver, keyValue } from '../../../../streams/index.ts';
import { Observable } from 'rxjs';
import type { KStream, StreamRecord } from '../../../../streams/index.ts';

const S = Serdes.String();
const I = Serdes.Int32();

function strings(): { builder: StreamsBuilder; input: ReturnType<StreamsBuilder['stream']> } {
  const builder = new StreamsBuilder();
  return { builder, input: builder.stream('in', { keySerde: S, valueSerde: S }) as never };
}

test('filter and filterNot', (t) => {
  const builder = new StreamsBuilder();
  const input = builder.stream('in', { keySerde: S, valueSerde: I });
  input.filter((_k, v) => v !== null && v % 2 === 0).to('even');
  input.filterNot((_k, v) => v !== null && v % 2 === 0).to('odd');
  const driver = new TopologyTestDriver(builder.build());
  const topic = driver.createInputTopic('in', S, I);
  for (const n of [1, 2, 3, 4]) topic.pipeInput(`k${n}`, n);
  t.deepEqual(driver.createOutputTopic('even', S, I).readValuesToList(), [2, 4]);
  t.deepEqual(driver.createOutputTopic('odd', S, I).readValuesToList(), [1, 3]);
});

test('map, mapValues, selectKey, flatMap, flatMapValues keep timestamps and headers', (t) => {
  const { builder, input } = strings();
  const s = input as unknown as KStream<string | null, string | null>;
  s.map((k, v) => keyValue(v, k)).to('swapped', { keySerde: S, valueSerde: S });
  s.mapValues((v) => v?.length ?? 0).to('lengths', { valueSerde: I });
  s.selectKey((_k, v) => `key-${v}`).to('rekeyed', { keySerde: S });
  s.flatMap((k, v) => [keyValue(k, `${v}-1`), keyValue(k, `${v}-2`)]).to('flat', { keySerde: S, valueSerde: S });
  s.flatMapValues((v) => (v ?? '').split(',')).to('words', { valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('in', S, S).pipeInput('a', 'x,y', 1234, { headers: [{ key: 'h', value: Buffer.from('1') }] });
  t.deepEqual(driver.createOutputTopic('swapped', S, S).readKeyValue(), { key: 'x,y', value: 'a' });
  const length = driver.createOutputTopic('lengths', S, I).readRecord();
  t.is(length.value, 3);
  t.is(length.timestamp, 1234);
  t.deepEqual(length.headers, [{ key: 'h', value: Buffer.from('1') }]);
  t.deepEqual(driver.createOutputTopic('rekeyed', S, S).readKeyValue(), { key: 'key-x,y', value: 'x,y' });
  t.deepEqual(driver.createOutputTopic('flat', S, S).readValuesToList(), ['x,y-1', 'x,y-2']);
  t.deepEqual(driver.createOutputTopic('words', S, S).readKeyValuesToList(), [keyValue('a', 'x'), keyValue('a', 'y')]);
});

test('peek and foreach see every record; processValues sees headers, timestamp and source', (t) => {
  const { builder, input } = strings();
  const seen: string[] = [];
  const s = input as unknown as KStream<string | null, string | null>;
  s.peek((k) => seen.push(`peek:${k}`)).foreach((k, v, r) => seen.push(`foreach:${k}=${v}@${r.topic}/${r.partition}/${r.offset}`));
  s.processValues((record) => ({
    value: `${record.value}@${record.timestamp}`,
    timestamp: record.timestamp + 1,
    headers: [...record.headers, { key: 'from', value: Buffer.from(`${record.topic}-${record.partition}-${record.offset}`) }],
  })).to('out', { valueSerde: S });
  s.processValues((record) => (record.value === 'drop' ? null : { value: record.value })).to('kept', { valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const topic = driver.createInputTopic('in', S, S);
  topic.pipeInput('a', '1', 100);
  topic.pipeInput('b', 'drop', 200);
  t.deepEqual(seen, ['peek:a', 'foreach:a=1@in/0/0', 'peek:b', 'foreach:b=drop@in/0/1']);
  const [first] = driver.createOutputTopic('out', S, S).readRecordsToList();
  t.is(first!.value, '1@100');
  t.is(first!.timestamp, 101);
  t.deepEqual(first!.headers, [{ key: 'from', value: Buffer.from('in-0-0') }]);
  t.deepEqual(driver.createOutputTopic('kept', S, S).readValuesToList(), ['1']);
});

test('split routes each record to the first matching branch, then the default', (t) => {
  const builder = new StreamsBuilder();
  const branches = builder
    .stream('in', { keySerde: S, valueSerde: I })
    .split('b-')
    .branch((_k, v) => (v ?? 0) > 10, 'big')
    .branch((_k, v) => (v ?? 0) > 5, 'medium')
    .defaultBranch('small');
  branches.get('b-big')!.to('big');
  branches.get('b-medium')!.to('medium');
  branches.get('b-small')!.to('small');
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('in', S, I).pipeValueList([20, 7, 1, 11, 6]);
  t.deepEqual(driver.createOutputTopic('big', S, I).readValuesToList(), [20, 11]);
  t.deepEqual(driver.createOutputTopic('medium', S, I).readValuesToList(), [7, 6]);
  t.deepEqual(driver.createOutputTopic('small', S, I).readValuesToList(), [1]);
});

test('split without a default branch drops what no branch takes', (t) => {
  const builder = new StreamsBuilder();
  const branches = builder.stream('in', { keySerde: S, valueSerde: I }).split().branch((_k, v) => v === 1).noDefaultBranch();
  [...branches.values()][0]!.to('ones');
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('in', S, I).pipeValueList([1, 2, 1]);
  t.deepEqual(driver.createOutputTopic('ones', S, I).readValuesToList(), [1, 1]);
  t.is(driver.committedOffset('in'), 3n);
});

test('merge interleaves two streams, keeping each one’s order', (t) => {
  const builder = new StreamsBuilder();
  const a = builder.stream('a', { keySerde: S, valueSerde: S });
  const b = builder.stream('b', { keySerde: S, valueSerde: S });
  a.merge(b).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const ta = driver.createInputTopic('a', S, S);
  const tb = driver.createInputTopic('b', S, S);
  ta.pipeValue('a1');
  tb.pipeValue('b1');
  ta.pipeValue('a2');
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['a1', 'b1', 'a2']);
});

test('topics given as a list or a RegExp are all read', (t) => {
  const builder = new StreamsBuilder();
  builder.stream(['x', 'y'], { keySerde: S, valueSerde: S }).to('xy');
  builder.stream(/logs-.*/, { keySerde: S, valueSerde: S }).to('logs');
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('x', S, S).pipeValue('1');
  driver.createInputTopic('y', S, S).pipeValue('2');
  driver.createInputTopic('logs-eu', S, S).pipeValue('3');
  driver.createInputTopic('other-logs-eu', S, S).pipeValue('4');
  t.deepEqual(driver.createOutputTopic('xy', S, S).readValuesToList(), ['1', '2']);
  t.deepEqual(driver.createOutputTopic('logs', S, S).readValuesToList(), ['3']);
});

test('to() with a topic extractor and a partitioner', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).to((_k, v) => `out-${v}`, { partitioner: (_topic, key) => (key === 'last' ? 3 : 0) });
  const driver = new TopologyTestDriver(builder.build(), { partitions: { 'out-a': 4 } });
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('first', 'a');
  input.pipeInput('last', 'a');
  input.pipeInput('k', 'b');
  t.deepEqual(
    driver.createOutputTopic('out-a', S, S).readRecordsToList().map((r) => [r.key, r.partition]),
    [
      ['first', 0],
      ['last', 3],
    ],
  );
  t.deepEqual(driver.createOutputTopic('out-b', S, S).readValuesToList(), ['b']);
});

test('several partitions: one task per partition, records partitioned by murmur2 of the key', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).mapValues((v, _k, r) => `${v}@p${r.partition}`).to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const input = driver.createInputTopic('in', S, S, { partitions: 3 });
  for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) input.pipeInput(key, key);
  const out = driver.createOutputTopic('out', S, S).readRecordsToList();
  // murmur2 of the key bytes, as Java's producer partitions them.
  t.deepEqual(
    out.map((r) => r.value),
    ['a@p1', 'b@p2', 'c@p1', 'd@p2', 'e@p2', 'f@p0'],
  );
  t.deepEqual(driver.taskIds(), ['0_0', '0_1', '0_2']);
  t.deepEqual(driver.committedOffsets(), [
    { topic: 'in', partition: 0, offset: 1n },
    { topic: 'in', partition: 1, offset: 2n },
    { topic: 'in', partition: 2, offset: 3n },
  ]);
});

test('repartition() writes the internal topic and the second sub-topology reads it by the new key', (t) => {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { keySerde: S, valueSerde: S })
    .selectKey((_k, v) => v)
    .repartition({ name: 'by-value', keySerde: S, valueSerde: S })
    .mapValues((v, _k, r) => `${v} via ${r.topic}/${r.partition}`)
    .to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' });
  const input = driver.createInputTopic('in', S, S, { partitions: 2 });
  input.pipeInput('x', 'a');
  input.pipeInput('y', 'd');
  const repartitioned = driver.createOutputTopic('app-by-value-repartition', S, S).readRecordsToList();
  t.deepEqual(
    repartitioned.map((r) => [r.key, r.partition]),
    [
      ['a', 0],
      ['d', 1],
    ],
  );
  t.deepEqual(driver.createOutputTopic('out', S, S).readValuesToList(), ['a via app-by-value-repartition/0', 'd via app-by-value-repartition/1']);
  // Sub-topology 1's tasks exist for both partitions of the repartition topic (2, as its upstream).
  t.true(driver.taskIds().includes('1_0'));
  t.true(driver.taskIds().includes('1_1'));
});

test('mapAsync keeps per-key order and commits only what has left', async (t) => {
  const builder = new StreamsBuilder();
  const release = new Map<string, () => void>();
  builder
    .stream('in', { keySerde: S, valueSerde: S })
    .mapAsync((v) => new Promise<string>((resolve) => release.set(v!, () => { resolve(v!.toUpperCase()); })), { concurrency: 4 })
    .to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const input = driver.createInputTopic('in', S, S);
  input.pipeInput('k1', 'a');
  input.pipeInput('k1', 'b');
  input.pipeInput('k2', 'c');
  // k1's second record waits for its first; k2 runs alongside.
  t.deepEqual([...release.keys()], ['a', 'c']);
  t.is(driver.committedOffset('in'), 0n);
  release.get('c')!();
  await new Promise<void>((resolve) => setImmediate(resolve));
  const out = driver.createOutputTopic('out', S, S);
  t.deepEqual(out.readValuesToList(), ['C']);
  t.is(driver.committedOffset('in'), 0n, 'offset 0 is still in flight');
  release.get('a')!();
  await new Promise<void>((resolve) => setImmediate(resolve));
  t.deepEqual([...release.keys()], ['a', 'c', 'b']);
  release.get('b')!();
  await driver.flush();
  t.deepEqual(out.readValuesToList(), ['A', 'B']);
  t.is(driver.committedOffset('in'), 3n);
});

test('pipe() applies RxJS operators; a buffering operator holds its inputs back from commits', async (t) => {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { keySerde: S, valueSerde: S })
    .pipe(
      bufferCount<StreamRecord<string | null, string | null>>(2),
      map((pair) => ({ ...pair[pair.length - 1]!, value: pair.map((r) => r.value).join('+') })),
    )
    .to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(builder.build());
  const input = driver.createInputTopic('in', S, S);
  input.pipeValue('a');
  t.is(driver.committedOffset('in'), 0n, 'a is held by bufferCount');
  input.pipeValue('b');
  t.is(driver.committedOffset('in'), 2n);
  input.pipeValue('c');
  t.is(driver.committedOffset('in'), 2n);
  const out = driver.createOutputTopic('out', S, S);
  t.deepEqual(out.readValuesToList(), ['a+b']);
  await driver.close();
  // Completing the source flushes the buffer, and c's output is acknowledged: c is done.
  t.deepEqual(out.readValuesToList(), ['c']);
  t.is(driver.committedOffset('in'), 3n);
});

test('pipeWith gives time-based operators the task’s virtual time', (t) => {
  // Emits each record 1 s after it arrived, on the scheduler the task gives it.
  const timed = new StreamsBuilder();
  timed
    .stream('in', { keySerde: S, valueSerde: S })
    .pipeWith<string | null, string | null>(({ scheduler }) => (source) =>
      new Observable<StreamRecord<string | null, string | null>>((subscriber) =>
        source.subscribe({
          next: (record) => {
            scheduler.schedule(() => { subscriber.next({ ...record, value: `${record.value} later` }); }, 1000);
          },
        }),
      ),
    )
    .to('out', { keySerde: S, valueSerde: S });
  const driver = new TopologyTestDriver(timed.build());
  driver.createInputTopic('in', S, S).pipeValue('a');
  const out = driver.createOutputTopic('out', S, S);
  t.true(out.isEmpty());
  t.is(driver.committedOffset('in'), 0n);
  driver.advanceWallClockTime(999);
  t.true(out.isEmpty());
  driver.advanceWallClockTime(1);
  t.deepEqual(out.readValuesToList(), ['a later']);
  t.is(driver.committedOffset('in'), 1n);
});

test('a timestamp extractor sets event time; output inherits it', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: Serdes.Json<{ at: number }>(), timestampExtractor: (r) => r.value?.at ?? 0 }).to('out');
  const driver = new TopologyTestDriver(builder.build());
  driver.createInputTopic('in', S, Serdes.Json<{ at: number }>()).pipeInput('k', { at: 42 }, 1000);
  t.is(driver.createOutputTopic('out', S, Serdes.Json()).readRecord().timestamp, 42);
});

test('a sink with no serde and no default is a topology error naming the node', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).mapValues((v) => v).to('out');
  const driver = new TopologyTestDriver(builder.build());
  t.throws(() => { driver.createInputTopic('in', S, S).pipeValue('x'); }, { code: 'ERR_STREAMS_TOPOLOGY', message: /KSTREAM-SINK-0000000002 has no value serde/ });
  const withDefault = new TopologyTestDriver(builder.build(), { defaultValueSerde: S });
  withDefault.createInputTopic('in', S, S).pipeValue('x');
  t.deepEqual(withDefault.createOutputTopic('out', S, S).readValuesToList(), ['x']);
});
