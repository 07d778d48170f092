import test from 'ava';
import { Serdes, StreamsBuilder, TimeWindows, int64NumberSerde, keyValue } from '../../../streams/index.ts';
import { createTopics, produceAll, readTopic, startApp, startStreamsBroker, text } from './streams-fixtures.ts';

const S = Serdes.String();
const SIZE = 60_000;
const GRACE = 30_000;
const BASE = 1_700_000_040_000 - (1_700_000_040_000 % SIZE);

function windowedCount() {
  const builder = new StreamsBuilder();
  builder
    .stream('events', { keySerde: S, valueSerde: S })
    .groupByKey({ keySerde: S, valueSerde: S })
    .windowedBy(TimeWindows.ofSizeAndGrace(SIZE, GRACE))
    .count({ storeName: 'per-minute' })
    .toStream()
    .map((windowed, count) => keyValue(`${windowed.key}@${windowed.window.start - BASE}`, count))
    .to('per-minute-counts', { keySerde: S, valueSerde: int64NumberSerde() });
  return builder.build();
}

/**
 * Out-of-order event times: each record is up to 100 s behind the one before it at times, so some
 * fall in windows already closed (end + grace ≤ stream time) and must not be counted.
 */
function events(): { key: string; timestamp: number }[] {
  const out: { key: string; timestamp: number }[] = [];
  let t = BASE;
  for (let i = 0; i < 600; i++) {
    t += 1_000;
    const jitter = (i * 7919) % 10 === 0 ? -((i * 104_729) % 100_000) : -((i * 31) % 5_000);
    out.push({ key: `sensor-${i % 4}`, timestamp: t + jitter });
  }
  return out;
}

/** Kafka's rule, in plain code over one partition's order: stream time is the max timestamp seen, a record is dropped when its window's end + grace ≤ stream time. */
function reference(input: readonly { key: string; timestamp: number }[]): Map<string, number> {
  const counts = new Map<string, number>();
  let streamTime = -1;
  for (const { key, timestamp } of input) {
    streamTime = Math.max(streamTime, timestamp);
    const start = timestamp - (timestamp % SIZE);
    if (start + SIZE + GRACE <= streamTime) continue;
    const k = `${key}@${start - BASE}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

test('windowed count against a broker with out-of-order events: per window, the count a plain-code reference gives; late records are not counted', async (t) => {
  const { bootstrap } = await startStreamsBroker(t);
  await createTopics(bootstrap, { events: 1, 'per-minute-counts': 1 });
  const input = events();
  const want = reference(input);
  const late = input.length - [...want.values()].reduce((a, b) => a + b, 0);
  t.true(late > 0, 'the input has late records');
  await produceAll(bootstrap, input.map((e, i) => ({ topic: 'events', partition: 0, key: e.key, value: `e${i}`, timestamp: e.timestamp })));
  await startApp(t, windowedCount(), { applicationId: 'windowed', bootstrapServers: bootstrap, commitIntervalMs: 100 });
  const latest = (records: readonly { key: Buffer | null; value: Buffer | null }[]): Map<string, number> => new Map(records.map((r) => [text(r.key)!, Number(r.value!.readBigInt64BE(0))]));
  const out = await readTopic(bootstrap, 'per-minute-counts', (records) => {
    const got = latest(records);
    return [...want].every(([k, n]) => got.get(k) === n);
  });
  t.deepEqual([...latest(out)].sort(), [...want].sort());
});
