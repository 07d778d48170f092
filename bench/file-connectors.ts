import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Admin, Consumer, Producer } from '../client/index.ts';
import type { ProducerRecord } from '../client/index.ts';
import type { OffsetStorageReader, SinkRecord, SinkTaskContext, SourceRecord, SourceTaskContext } from '../connect/api/index.ts';
import { Schemas, TimestampType } from '../connect/api/index.ts';
import { systemScheduler } from '../core/base/index.ts';
import type { StandaloneHerder } from '../connect/runtime/index.ts';
import { FileSinkTask } from '../connectors/file-sink/index.ts';
import { FileSourceTask } from '../connectors/file-source/index.ts';
import { LINE_BYTES, loadAverage, median, quietLogger, seconds, startFileWorker, startQuietBroker, workerSinkRound, workerSourceRound, writeLines } from './file-worker-rounds.ts';
import type { WorkerRound } from './file-worker-rounds.ts';
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
 *   createConnector to the last line in the topic / in the sink's file. The broker has no
 *   initial rebalance delay, so the sink's consumer group joins at once, as the consumer of the
 *   row without the worker (assigned, no group) starts at once.
 * Each runs three times; the median is shown, with lines per CPU-second of this process (task,
 * worker and broker together), which a busy machine distorts less than wall time. Usage:
 *   npm run bench:connect -- [lines]
 */

const LINES = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = 3;
const SINK_BATCH = 2000;
const FLUSH_EVERY = 100_000;

function noop(): void {}

const emptyOffsets: OffsetStorageReader = {
  offset: () => Promise.resolve(null),
  offsets: (partitions) => Promise.resolve(partitions.map(() => null)),
};

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

/** Wall seconds and CPU seconds of this process (task, worker and broker alike). */
interface Run {
  readonly s: number;
  readonly cpu: number;
}

/** The run since `started`: CPU time holds up on a loaded machine, where wall time does not. */
function runSince(started: bigint, cpuStart: NodeJS.CpuUsage): Run {
  const cpu = process.cpuUsage(cpuStart);
  return { s: seconds(started), cpu: (cpu.user + cpu.system) / 1e6 };
}

/** file-source alone: seconds to poll every line of the file. */
async function sourceAlone(file: string): Promise<Run> {
  const task = await startSource(file);
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let count = 0;
  while (count < LINES) count += (await task.poll())?.length ?? 0;
  const run = runSince(started, cpuStart);
  await task.stop();
  return run;
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
async function sinkAlone(dir: string, round: number, records: readonly SinkRecord[]): Promise<Run> {
  const task = await startSink(path.join(dir, `sink-alone-${round}.txt`));
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < records.length; i += SINK_BATCH) {
    await task.put(records.slice(i, i + SINK_BATCH));
    if ((i + SINK_BATCH) % FLUSH_EVERY === 0) await task.flush();
  }
  await task.flush();
  const run = runSince(started, cpuStart);
  await task.stop();
  return run;
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
async function sourceToTopic(bootstrap: string, file: string, topic: string): Promise<Run> {
  const task = await startSource(file);
  const producer = new Producer({ bootstrapServers: bootstrap, acks: 1, batchSize: 1_000_000, lingerMs: 5 });
  await producer.connect();
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
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
  const run = runSince(started, cpuStart);
  await producer.close();
  await task.stop();
  return run;
}

/** consumer → file-sink: seconds until every record of the topic is in the file and flushed. */
async function topicToSink(bootstrap: string, dir: string, topic: string): Promise<Run> {
  const task = await startSink(path.join(dir, `sink-${topic}.txt`));
  const consumer = new Consumer({ bootstrapServers: bootstrap });
  await consumer.connect();
  await consumer.assign([{ topic, partition: 0, offset: 0n }]);
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
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
  const run = runSince(started, cpuStart);
  await consumer.close();
  await task.stop();
  return run;
}

/** A round through the worker, in the other rows' terms. */
const asRun = (round: WorkerRound): Run => ({ s: round.total, cpu: round.cpu });

/** Seconds from POST-equivalent createConnector to the topic's end offset reaching LINES. */
async function workerSourceToTopic(herder: StandaloneHerder, admin: Admin, source: string, topic: string): Promise<Run> {
  return asRun(await workerSourceRound(herder, admin, source, topic, LINES));
}

/** Seconds from createConnector to the sink's file holding every line. */
async function workerTopicToSink(herder: StandaloneHerder, work: string, topic: string): Promise<Run> {
  return asRun(await workerSinkRound(herder, path.join(work, `worker-out-${topic}.txt`), topic, LINES));
}

async function main(): Promise<void> {
  printEnvironment(`bench:connect: ${fmt(LINES)} lines of ${LINE_BYTES} bytes through the file connectors`);
  const loadBefore = loadAverage();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-connect-'));
  const rows: string[][] = [];
  const row = (what: string, runs: Run[]): void => {
    const s = median(runs.map((r) => r.s));
    const rate = (x: number): string => fmt(LINES / x);
    rows.push([what, rate(s), ((LINES * LINE_BYTES) / s / MB).toFixed(1), rate(median(runs.map((r) => r.cpu))), runs.map((r) => rate(r.s)).join(' / ')]);
  };
  try {
    const source = path.join(work, 'source.log');
    writeLines(source, LINES);
    const alone: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) alone.push(await sourceAlone(source));
    row('file-source task alone (poll)', alone);
    {
      // Garbage once these rounds are done: LINES records kept for the whole bench would make
      // every later garbage collection, and so every later row, slower.
      const records = Array.from({ length: LINES }, (_, i) => sinkRecord(i, 'x'.repeat(LINE_BYTES - 1)));
      const sinkRuns: Run[] = [];
      for (let round = 0; round < ROUNDS; round++) sinkRuns.push(await sinkAlone(work, round, records));
      row('file-sink task alone (put + flush)', sinkRuns);
    }

    // No group.initial.rebalance.delay.ms (Kafka's own development config sets 0 too): the sink
    // rows measure records, not the 3 s a new group's first join waits for more members.
    const broker = await startQuietBroker(work);
    const bootstrap = `127.0.0.1:${broker.port}`;
    try {
      const admin = new Admin({ bootstrapServers: bootstrap });
      await admin.connect();
      const toTopic: Run[] = [];
      const fromTopic: Run[] = [];
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
      const herder = await startFileWorker(bootstrap, 'bench-connect');
      const workerToTopic: Run[] = [];
      const workerFromTopic: Run[] = [];
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
      { header: 'lines/CPU-s', align: 'right' },
      { header: 'runs (lines/s)', align: 'left' },
    ],
    rows,
  );
  console.log('\nfloors: 200,000 lines/s file-source → topic, 200,000 records/s topic → file-sink, through the worker');
  console.log(`load average (1 min): ${loadBefore} at the start, ${loadAverage()} at the end`);
}

await main();
