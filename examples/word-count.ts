/**
 * Kafka Streams' WordCountDemo, in Brook Streams: split lines of text into words, count each
 * word, and write every new count to a topic.
 *
 *   text-lines ──flatMapValues(words)──groupBy(word)──▶ <app>-…-repartition ──count()──▶ word-counts
 *     (key null, value a line)                                         (key word, value Long count)
 *
 * Run against a broker (`brook start`, or any Kafka cluster):
 *   node --import=tsx examples/word-count.ts [bootstrap=localhost:9092]
 * It creates the topics if they are missing, writes a few lines, runs the app until every word of
 * them has been counted, prints the latest count per word, and closes the app.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Consumer, Producer } from '../client/index.ts';
import { KafkaStreams, Serdes, StreamsBuilder, int64NumberSerde } from '../streams/index.ts';

const bootstrap = process.argv[2] ?? 'localhost:9092';
const INPUT = 'text-lines';
const OUTPUT = 'word-counts';

// Java's demo: value.toLowerCase().split("\\W+"). A JS split can leave an empty first or last word.
const words = (line: string): string[] => line.toLowerCase().split(/\W+/).filter((word) => word !== '');

// The topology, step for step as WordCountDemo builds it.
const builder = new StreamsBuilder();
builder
  .stream(INPUT, { keySerde: Serdes.String(), valueSerde: Serdes.String() })
  .flatMapValues((line) => words(line ?? ''))
  // A new key means a repartition, as in Kafka: every count of one word lives in one task.
  .groupBy((_key, word) => word, { keySerde: Serdes.String(), valueSerde: Serdes.String() })
  .count({ storeName: 'counts' })
  .toStream()
  // Counts are JS numbers here; int64NumberSerde writes them as Java's Serdes.Long() does (8 bytes,
  // big-endian), so a Java consumer with LongDeserializer reads this topic as it reads the demo's.
  .to(OUTPUT, { keySerde: Serdes.String(), valueSerde: int64NumberSerde() });

const lines = ['all streams lead to Kafka', 'hello kafka streams', 'join Kafka Summit'];
const totalWords = lines.reduce((sum, line) => sum + words(line).length, 0);

const admin = new Admin({ bootstrapServers: bootstrap });
await admin.connect();
const existing = new Set(await admin.listTopics());
const missing = [INPUT, OUTPUT].filter((topic) => !existing.has(topic));
if (missing.length > 0) await admin.createTopics(missing.map((topic) => ({ topic, numPartitions: 2 })));
await admin.close();

// Read the output from its current end, so only this run's counts are awaited.
const reader = new Consumer({ bootstrapServers: bootstrap });
await reader.connect();
await reader.assign((await reader.partitionsFor(OUTPUT)).map((partition) => ({ topic: OUTPUT, partition })));

const producer = new Producer({ bootstrapServers: bootstrap });
await producer.connect();
await producer.sendBatch(lines.map((line) => ({ topic: INPUT, value: line })));
await producer.close();

// Stores keep local data (checkpoints) under stateDir; a fresh one per run starts from the changelog.
const stateDir = await mkdtemp(join(tmpdir(), 'brook-word-count-'));
const app = new KafkaStreams(builder.build(), {
  applicationId: 'word-count',
  bootstrapServers: bootstrap,
  stateDir,
  // As WordCountDemo: no record cache, so every count update is written at once instead of the
  // updates to a word collapsing until the next commit.
  statestoreCacheMaxBytes: 0,
});
await app.start();

// With the cache off, each word of the input makes exactly one update; the last one per word wins.
const latest = new Map<string, bigint>();
let updates = 0;
for await (const batch of reader) {
  for (const record of batch.records) {
    latest.set(Serdes.String().deserialize(record.key)!, Serdes.Long().deserialize(record.value)!);
    updates++;
  }
  if (updates >= totalWords) break;
}
await reader.close();
await app.close();
await rm(stateDir, { recursive: true, force: true });

for (const [word, count] of [...latest].sort(([a], [b]) => a.localeCompare(b))) console.log(`${word} ${count}`);
console.log(`counted ${totalWords} words from ${lines.length} lines`);
