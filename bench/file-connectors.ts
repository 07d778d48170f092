import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Broker, createLogger, resolveBrokerConfig } from '../broker/index.ts';
import { Admin, Consumer, Producer } from '../client/index.ts';
import type { ProducerRecord } from '../client/index.ts';
import type { OffsetStorageReader, SinkRecord, SinkTaskContext, SourceRecord, SourceTaskContext } from '../connect/api/index.ts';
import { Schemas, TimestampType } from '../connect/api/index.ts';
import { systemScheduler } from '../core/base/index.ts';
import { KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig } from '../connect/runtime/index.ts';
import { FileSinkTask, fileSinkPlugin } from '../connectors/file-sink/index.ts';
import { FileSourceTask, fileSourcePlugin } from '../connectors/file-source/index.ts';
import { MB, fmt, printEnvironment, printTable } from './report.ts';

/**
 * The file connectors' throughput, each measured twice:
 * - the task alone: file-source polling a file of N 100-byte lines; file-sink put() of N
 *   records in 2,000-record batches with a flush (fdatasync + checkpoint) every 100,000;
 * - through a broker in this process: file-source → Brook's producer (acks=1, values, keys and
 *   headers as a string converter would write them) → topic, and topic → Brook's consumer →
 *   file-sink: the worker's data path without the worker itself (no converter objects,
 *   transforms or offset commits);
 * - through the real worker (StandaloneHerder, internal topics on the same broker), timed from
 *   createConnector to the last line in the topic / in the sink's file.
 * Each runs three times; the median is shown. Usage:
 *   npm run bench:connect -- [lines]
 */

const LINES = Number(process.argv[2] ?? 1_000_000);
const LINE_BYTES = 100;
const ROUNDS = 3;
const SINK_BATCH = 2000;
const FLUSH_EVERY = 100_000;

const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };
function noop(): void {}

const emptyOffsets: OffsetStorageReader = {
  offset: () => Promise.resolve(null),
  offsets: (partitions) => Promise.resolve(partitions.map(() => null)),
};

function writeLines(file: string): void {
  const line = `${'x'.repeat(LINE_BYTES - 1)}\n`;
  const chunk = line.repeat(10_000);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < LINES; i += 10_000) fs.writeSync(fd, i + 10_000 <= LINES ? chunk : line.repeat(LINES - i));
  fs.closeSync(fd);
}

async function startSource(file: string): Promise<FileSourceTask> {
  const config = { file, topic: 'lines' };
  const context: SourceTaskContext = { scheduler: systemScheduler, logger: quietLogger, configs: config, offsetStorageReader: emptyOffsets };
  const task = new FileSourceTask();
  task.initialize(context);
  await task.start(config);
  return task;
}

async function startSink(file: string): Promise<FileSinkTask> {
  const config = { file };
  const context: SinkTaskContext = {
    scheduler: systemScheduler,
    logger: quietLogger,
    configs: config,
    offset: noop,
    timeout: noop,
    assignment: () => [],
    pause: noop,
    resume: noop,
    requestCommit: noop,
    errantRecordReporter: () => null,
  };
  const task = new FileSinkTask();
  task.initialize(context);
  await task.start(config);
  return task;
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** file-source alone: seconds to poll every line of the file. */
async function sourceAlone(file: string): Promise<number> {
  const task = await startSource(file);
  const started = process.hrtime.bigint();
  let count = 0;
  while (count < LINES) count += (await task.poll())?.length ?? 0;
  const s = seconds(started);
  await task.stop();
  return s;
}

function sinkRecord(offset: number, value: string): SinkRecord {
  return {
    topic: 'lines',
    kafkaPartition: 0,
    kafkaOffset: BigInt(offset),
    originalTopic: 'lines',
    originalKafkaPartition: 0,
    originalKafkaOffset: BigInt(offset),
    keySchema: null,
    key: null,
    valueSchema: Schemas.STRING,
    value,
    timestamp: 0,
    timestampType: TimestampType.CREATE_TIME,
    headers: [],
  };
}

/** file-sink alone: seconds to put() and flush every record. */
async function sinkAlone(dir: string, round: number, records: readonly SinkRecord[]): Promise<number> {
  const task = await startSink(path.join(dir, `sink-alone-${round}.txt`));
  const started = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += SINK_BATCH) {
    await task.put(records.slice(i, i + SINK_BATCH));
    if ((i + SINK_BATCH) % FLUSH_EVERY === 0) await task.flush();
  }
  await task.flush();
  const s = seconds(started);
  await task.stop();
  return s;
}

/**
 * A source record as the worker would produce it with string converters (the producer encodes
 * the strings as UTF-8, as a converter would).
 */
function toProducerRecord(record: SourceRecord, topic: string): ProducerRecord {
  return {
    topic,
    key: String(record.key),
    value: String(record.value),
    headers: record.headers.map((h) => ({ key: h.key, value: String(h.value) })),
  };
}

/** file-source → producer → broker: seconds until every line is acknowledged. */
async function sourceToTopic(bootstrap: string, file: string, topic: string): Promise<number> {
  const task = await startSource(file);
  const producer = new Producer({ bootstrapServers: bootstrap, acks: 1, batchSize: 1_000_000, lingerMs: 5 });
  await producer.connect();
  const started = process.hrtime.bigint();
  let count = 0;
  const outcomes: Promise<unknown>[] = [];
  while (count < LINES) {
    const records = await task.poll();
    if (records === null || records.length === 0) continue;
    count += records.length;
    outcomes.push(producer.sendBatch(records.map((r) => toProducerRecord(r, topic))));
    if (producer.waitingRecords > 0) await producer.waitForRoom();
  }
  await Promise.all(outcomes);
  await producer.flush();
  const s = seconds(started);
  await producer.close();
  await task.stop();
  return s;
}

/** consumer → file-sink: seconds until every record of the topic is in the file and flushed. */
async function topicToSink(bootstrap: string, dir: string, topic: string): Promise<number> {
  const task = await startSink(path.join(dir, `sink-${topic}.txt`));
  const consumer = new Consumer({ bootstrapServers: bootstrap });
  await consumer.connect();
  await consumer.assign([{ topic, partition: 0, offset: 0n }]);
  const started = process.hrtime.bigint();
  let count = 0;
  let sinceFlush = 0;
  for await (const batch of consumer) {
    const records = batch.records.map((r) => sinkRecord(Number(r.offset), r.value === null ? '' : r.value.toString('utf8')));
    await task.put(records);
    count += records.length;
    sinceFlush += records.length;
    if (sinceFlush >= FLUSH_EVERY) {
      await task.flush();
      sinceFlush = 0;
    }
    if (count >= LINES) break;
  }
  await task.flush();
  const s = seconds(started);
  await consumer.close();
  await task.stop();
  return s;
}

const STRING_CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
};

/** Seconds from POST-equivalent createConnector to the topic's end offset reaching LINES. */
async function workerSourceToTopic(herder: StandaloneHerder, admin: Admin, source: string, topic: string): Promise<number> {
  const started = process.hrtime.bigint();
  await herder.createConnector(`source-${topic}`, { ...STRING_CONVERTERS, 'connector.class': 'FileStreamSource', file: source, topic });
  for (;;) {
    const [end] = await admin.listOffsets([{ topic, partition: 0, timestamp: 'latest' }]).catch(() => [undefined]);
    if (end !== undefined && end.offset >= BigInt(LINES)) break;
    await systemScheduler.sleep(5);
  }
  const s = seconds(started);
  await herder.deleteConnector(`source-${topic}`);
  return s;
}

/** Seconds from createConnector to the sink's file holding every line. */
async function workerTopicToSink(herder: StandaloneHerder, work: string, topic: string): Promise<number> {
  const out = path.join(work, `worker-out-${topic}.txt`);
  const started = process.hrtime.bigint();
  await herder.createConnector(`sink-${topic}`, { ...STRING_CONVERTERS, 'connector.class': 'FileStreamSink', file: out, topics: topic });
  while (!fs.existsSync(out) || fs.statSync(out).size < LINES * LINE_BYTES) await systemScheduler.sleep(5);
  const s = seconds(started);
  await herder.deleteConnector(`sink-${topic}`);
  return s;
}

async function main(): Promise<void> {
  printEnvironment(`bench:connect: ${fmt(LINES)} lines of ${LINE_BYTES} bytes through the file connectors`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-connect-'));
  const rows: string[][] = [];
  const row = (what: string, runs: number[]): void => {
    const s = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
    const rate = (x: number): string => fmt(LINES / x);
    rows.push([what, rate(s), ((LINES * LINE_BYTES) / s / MB).toFixed(1), runs.map(rate).join(' / ')]);
  };
  try {
    const source = path.join(work, 'source.log');
    writeLines(source);
    const records = Array.from({ length: LINES }, (_, i) => sinkRecord(i, 'x'.repeat(LINE_BYTES - 1)));

    const alone: number[] = [];
    for (let round = 0; round < ROUNDS; round++) alone.push(await sourceAlone(source));
    row('file-source task alone (poll)', alone);
    const sinkRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) sinkRuns.push(await sinkAlone(work, round, records));
    row('file-sink task alone (put + flush)', sinkRuns);

    const config = resolveBrokerConfig({ dataDir: path.join(work, 'broker'), host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', logLevel: 'warn' });
    const sinkHole = new Writable({
      write: (_chunk, _encoding, done) => {
        done();
      },
    });
    const broker = await Broker.start(config, { logger: createLogger({ level: 'warn', pretty: false, destination: sinkHole }) });
    const bootstrap = `127.0.0.1:${broker.port}`;
    try {
      const admin = new Admin({ bootstrapServers: bootstrap });
      await admin.connect();
      const toTopic: number[] = [];
      const fromTopic: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const topic = `lines-${round}`;
        await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
        toTopic.push(await sourceToTopic(bootstrap, source, topic));
        fromTopic.push(await topicToSink(bootstrap, work, topic));
      }
      row('file-source → producer → broker', toTopic);
      row('broker → consumer → file-sink', fromTopic);

      // The same paths through the real worker: converters, transforms chain, offset flushes,
      // internal topics. A short flush interval: the sink writes its last buffer at a flush.
      const quiet = { ...quietLogger, child: () => quiet };
      const herder = await StandaloneHerder.start({
        config: resolveWorkerConfig({ bootstrapServers: bootstrap, offsetFlushIntervalMs: 100 }),
        connectorPlugins: [fileSourcePlugin, fileSinkPlugin],
        logs: new KafkaTopicLogFactory({ bootstrapServers: bootstrap, clientId: 'bench-connect', replicationFactor: -1, scheduler: systemScheduler, logger: quiet }),
        scheduler: systemScheduler,
        logger: quiet,
        version: 'bench',
      });
      const workerToTopic: number[] = [];
      const workerFromTopic: number[] = [];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          workerToTopic.push(await workerSourceToTopic(herder, admin, source, `worker-lines-${round}`));
          workerFromTopic.push(await workerTopicToSink(herder, work, `lines-${round}`));
        }
      } finally {
        await herder.close();
      }
      await admin.close();
      row('worker: file-source → topic (StringConverter)', workerToTopic);
      row('worker: topic → file-sink (StringConverter)', workerFromTopic);
    } finally {
      await broker.close();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  printTable(
    [
      { header: 'path', align: 'left' },
      { header: 'lines/s', align: 'right' },
      { header: 'MB/s', align: 'right' },
      { header: 'runs (lines/s)', align: 'left' },
    ],
    rows,
  );
  console.log('\nfloors: 200,000 lines/s file-source → topic, 200,000 records/s topic → file-sink, through the worker');
}

await main();
