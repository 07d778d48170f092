/**
 * Page views per region and minute with Brook Streams: a stream-table join, then a windowed count
 * whose results are final (suppressed until each window closes), as in Kafka Streams.
 *
 *   page-views (user → page) ──join(user-regions, by user)──▶ region
 *     ──groupBy(region)──windowedBy(1 min tumbling, 10 s grace)──count()
 *     ──suppress(untilWindowCloses)──▶ page-views-per-region (Windowed<region> → Long)
 *
 * Run against a broker (`brook start`, or any Kafka cluster):
 *   node --import=tsx examples/page-views-by-region.ts [bootstrap=localhost:9092]
 * It creates the topics if they are missing, writes user regions and page views with explicit
 * event times, runs the app until the windows those views close have their results, prints them,
 * and closes the app.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Consumer, Producer } from '../client/index.ts';
import { BufferConfig, KafkaStreams, Serdes, StreamsBuilder, Suppressed, TimeWindows, WindowedSerdes, int64NumberSerde } from '../streams/index.ts';

const bootstrap = process.argv[2] ?? 'localhost:9092';
const WINDOW_MS = 60_000;
const GRACE_MS = 10_000;
const OUTPUT = 'page-views-per-region';
const S = Serdes.String();

const builder = new StreamsBuilder();
// A GlobalKTable: every instance reads the whole topic before processing starts, so each view
// finds its user's region. (A KTable join would match by event time across the two topics.)
const regions = builder.globalTable('user-regions', { keySerde: S, valueSerde: S });
builder
  .stream('page-views', { keySerde: S, valueSerde: S })
  // Inner join: a view by a user with no region is dropped.
  .join(regions, (user) => user!, (_page, region) => region)
  .groupBy((_user, region) => region, { keySerde: S, valueSerde: S })
  // Tumbling windows [12:00, 12:01), [12:01, 12:02), …; a view up to 10 s late still counts.
  .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW_MS, GRACE_MS))
  .count({ storeName: 'views-per-region' })
  // One final count per region and window, once stream time passes window end + grace.
  .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
  .toStream()
  // Kafka's windowed key bytes ([region][window start: int64]) and a Long count, readable from Java.
  .to(OUTPUT, { keySerde: WindowedSerdes.timeWindowed(S, WINDOW_MS), valueSerde: int64NumberSerde() });

const admin = new Admin({ bootstrapServers: bootstrap });
await admin.connect();
const existing = new Set(await admin.listTopics());
// One partition each: stream time, and so the closing of windows, is kept per partition.
const missing = ['user-regions', 'page-views', OUTPUT].filter((topic) => !existing.has(topic));
if (missing.length > 0) await admin.createTopics(missing.map((topic) => ({ topic, numPartitions: 1 })));
// A window that closed stays closed, so a second run's views at the same times would all be late:
// each run's views are one day after the previous run's (the sample is 9 views a run).
const [previous] = await admin.listOffsets([{ topic: 'page-views', partition: 0, timestamp: 'latest' }]);
const day = 1 + Math.ceil(Number(previous!.offset) / 9);
await admin.close();

// Event times around noon; stream time is the largest seen so far.
const at = (minute: number, second: number): number => Date.UTC(2026, 0, day, 12, minute, second);
const users = { ana: 'eu', bo: 'us', cy: 'eu', dee: 'apac' };
const views: { user: string; page: string; timestamp: number }[] = [
  { user: 'ana', page: '/home', timestamp: at(0, 5) },
  { user: 'bo', page: '/pricing', timestamp: at(0, 20) },
  { user: 'cy', page: '/docs', timestamp: at(0, 40) },
  { user: 'dee', page: '/home', timestamp: at(1, 5) },
  { user: 'ana', page: '/docs', timestamp: at(0, 58) }, // late, within grace: counts in 12:00
  { user: 'bo', page: '/signup', timestamp: at(1, 30) }, // stream time passes 12:01:10: 12:00 closes
  { user: 'cy', page: '/blog', timestamp: at(0, 50) }, // after 12:00 closed: dropped as too late
  { user: 'eve', page: '/home', timestamp: at(1, 45) }, // no region for eve: the join drops it
  { user: 'ana', page: '/pricing', timestamp: at(3, 0) }, // passes 12:02:10: 12:01 closes
];
// The two windows that close hold eu and us (12:00), apac and us (12:01): four final results.
const expectedResults = 4;

const reader = new Consumer({ bootstrapServers: bootstrap });
await reader.connect();
await reader.assign([{ topic: OUTPUT, partition: 0 }]);

const producer = new Producer({ bootstrapServers: bootstrap });
await producer.connect();
await producer.sendBatch(Object.entries(users).map(([user, region]) => ({ topic: 'user-regions', key: user, value: region, timestamp: at(0, 0) })));
await producer.sendBatch(views.map((view) => ({ topic: 'page-views', key: view.user, value: view.page, timestamp: view.timestamp })));
await producer.close();

const stateDir = await mkdtemp(join(tmpdir(), 'brook-page-views-'));
// No record cache: updates reach suppress() at once instead of at the next commit.
const app = new KafkaStreams(builder.build(), { applicationId: 'page-views-by-region', bootstrapServers: bootstrap, stateDir, statestoreCacheMaxBytes: 0 });
await app.start();

const keySerde = WindowedSerdes.timeWindowed(S, WINDOW_MS);
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const results: string[] = [];
for await (const batch of reader) {
  for (const record of batch.records) {
    const { key: region, window } = keySerde.deserialize(record.key)!;
    // A previous run's last window (its 12:03), closed by this run's first view, is not this run's.
    if (window.start < at(0, 0)) continue;
    results.push(`${clock(window.start)}-${clock(window.end)} ${region} ${Serdes.Long().deserialize(record.value)}`);
  }
  if (results.length >= expectedResults) break;
}
await reader.close();
await app.close();
await rm(stateDir, { recursive: true, force: true });

for (const line of results.sort()) console.log(line);
console.log(`${views.length} views, ${results.length} final counts`);
