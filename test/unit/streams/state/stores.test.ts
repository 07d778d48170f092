import test from 'ava';
import fc from 'fast-check';
import {
  CheckpointFile,
  InMemoryKeyValueBytesStore,
  InMemoryWindowBytesStore,
  RecordCache,
  Serdes,
  StreamsBuilder,
  StreamsError,
  TopologyTestDriver,
  checkpointPath,
  decodeCheckpoint,
  encodeCheckpoint,
  int64NumberSerde,
  parseSessionChangelogKey,
  parseWindowChangelogKey,
  sessionChangelogKey,
  windowChangelogKey,
} from '../../../../streams/index.ts';
import type { CheckpointFs, InputRecord, OutputRecord } from '../../../../streams/index.ts';

const S = Serdes.String();
const L = int64NumberSerde();

test('the key-value store orders keys by their serialized bytes and ranges inclusively, as Kafka', (t) => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)), { selector: (b) => b.toString('hex'), maxLength: 20 }), fc.uint8Array({ maxLength: 3 }), fc.uint8Array({ maxLength: 3 }), (keys, a, b) => {
      const store = new InMemoryKeyValueBytesStore();
      for (const key of keys) store.put(key, Buffer.from('v'), 0);
      const [lo, hi] = Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? [Buffer.from(a), Buffer.from(b)] : [Buffer.from(b), Buffer.from(a)];
      const expected = [...keys].sort((x, y) => Buffer.compare(x, y)).filter((k) => Buffer.compare(k, lo) >= 0 && Buffer.compare(k, hi) <= 0);
      t.deepEqual(store.range(lo, hi).map((e) => e.key.toString('hex')), expected.map((k) => k.toString('hex')));
      t.deepEqual(store.all().map((e) => e.key.toString('hex')), [...keys].sort((x, y) => Buffer.compare(x, y)).map((k) => k.toString('hex')));
    }),
  );
});

test('window store segments past retention are dropped, so memory stays bounded whatever the time span', (t) => {
  const store = new InMemoryWindowBytesStore(100, 50);
  const key = Buffer.from('k');
  for (let start = 0; start <= 10_000; start += 10) store.put(key, start, Buffer.from([1]), start);
  t.true(store.segmentCount <= 4, `${store.segmentCount} segments held`);
  t.is(store.fetch(key, 9_900), undefined, 'a window at retention is gone');
  t.truthy(store.fetch(key, 9_910));
  t.deepEqual(store.fetchRange(key, 0, 20_000).map((e) => e.windowStart), [9910, 9920, 9930, 9940, 9950, 9960, 9970, 9980, 9990, 10000]);
  t.false(store.put(key, 50, Buffer.from([1]), 50), 'a write behind retention is refused');
});

test('the record cache keeps at most its byte limit, evicting the least recently written first', (t) => {
  const evicted: string[] = [];
  const cache = new RecordCache<string>(100, (e) => evicted.push(e));
  for (let i = 0; i < 10; i++) cache.put(`k${i}`, `v${i}`, 30);
  t.true(cache.sizeBytes <= 100);
  t.deepEqual(evicted, ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  cache.put('k7', 'v7b', 30);
  cache.put('k10', 'v10', 30);
  t.is(evicted.at(-1), 'v8', 'rewriting k7 made it recent');
  cache.flush();
  t.deepEqual(evicted.slice(-3), ['v9', 'v7b', 'v10']);
  t.is(cache.size, 0);
});

test('changelog keys are byte for byte Kafka window and session key schemas', (t) => {
  const key = Buffer.from('user');
  const w = windowChangelogKey(key, 1_700_000_000_000);
  t.is(w.toString('hex'), `${key.toString('hex')}0000018bcfe5680000000000`, '[key][start: int64][sequence: int32]');
  t.deepEqual(parseWindowChangelogKey(w), { key, windowStart: 1_700_000_000_000 });
  const s = sessionChangelogKey(key, 5, 9);
  t.deepEqual(parseSessionChangelogKey(s), { key, start: 5, end: 9 });
  t.is(s.readBigInt64BE(4), 9n, 'end first, as SessionKeySchema');
});

test('checkpoint files: Kafka format, atomic replace through the injected fs, malformed files named', async (t) => {
  const files = new Map<string, string>();
  const fs: CheckpointFs = {
    readFile: async (path) => files.get(path),
    writeFile: async (path, data) => {
      files.set(path, data);
    },
    rename: async (from, to) => {
      files.set(to, files.get(from)!);
      files.delete(from);
    },
    remove: async (path) => {
      files.delete(path);
    },
  };
  const path = checkpointPath('/state', 'app', '1_0');
  t.is(path, '/state/app/1_0/.checkpoint');
  const file = new CheckpointFile(fs, path);
  t.deepEqual(await file.read(), []);
  await file.write([{ topic: 'app-counts-changelog', partition: 0, offset: 42n }]);
  t.is(files.get(path), '0\n1\napp-counts-changelog 0 42\n');
  t.false(files.has(`${path}.tmp`));
  t.deepEqual(await file.read(), [{ topic: 'app-counts-changelog', partition: 0, offset: 42n }]);
  t.deepEqual(decodeCheckpoint(encodeCheckpoint([])), []);
  const error = t.throws(() => decodeCheckpoint('0\n2\na 0 1\n', path), { instanceOf: StreamsError });
  t.regex(error.message, /\/state\/app\/1_0\/\.checkpoint is malformed: it announces 2 entries and has 1/);
  await file.delete();
  t.deepEqual(await file.read(), []);
});

test('restore replays the changelog into a new task, which continues from the restored state', (t) => {
  const builder = new StreamsBuilder();
  builder.stream('in', { keySerde: S, valueSerde: S }).groupByKey().count({ storeName: 'counts' }).toStream().to('out', { valueSerde: L });
  const topology = builder.build();
  const first = new TopologyTestDriver(topology, { applicationId: 'app' });
  const input = first.createInputTopic('in', S, S);
  for (const key of ['a', 'b', 'a', 'a']) input.pipeInput(key, 'x');
  const changelog = first.createOutputTopic('app-counts-changelog', Serdes.Bytes(), Serdes.Bytes()).readRecordsToList();

  const sent: OutputRecord[] = [];
  const task = topology.createTask({ subtopology: 0, partition: 0 }, { applicationId: 'app', scheduler: first.scheduler, collector: { send: (r) => void sent.push(r), partitionCount: () => 1 } });
  t.deepEqual(task.state?.changelogPartitions(), [{ store: 'counts', topic: 'app-counts-changelog', partition: 0 }]);
  task.state!.restore('app-counts-changelog', changelog.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, offset: r.offset })));
  t.deepEqual(task.state!.restoredOffsets(), [{ topic: 'app-counts-changelog', partition: 0, offset: 4n }]);
  const record: InputRecord = { topic: 'in', partition: 0, offset: 4n, key: Buffer.from('a'), value: Buffer.from('x'), headers: [], timestamp: 5n };
  task.process(record);
  task.committableOffsets();
  t.deepEqual(sent.filter((r) => r.topic === 'out').map((r) => [r.key?.toString(), L.deserialize(r.value)]), [['a', 4]]);
  t.throws(() => { task.state!.restore('app-counts-changelog', []); }, { message: /before the task processes records/ });
});
