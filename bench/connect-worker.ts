import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Broker, createLogger, resolveBrokerConfig } from '../broker/index.ts';
import { Admin, Producer } from '../client/index.ts';
import type { ProducerRecord } from '../client/index.ts';
import { systemScheduler } from '../core/base/index.ts';
import { KafkaTopicLogFactory, StandaloneHerder, resolveWorkerConfig } from '../connect/runtime/index.ts';
import { fileSinkPlugin } from '../connectors/file-sink/index.ts';
import { fileSourcePlugin } from '../connectors/file-source/index.ts';
import { MB, fmt, printEnvironment, printTable } from './report.ts';

/**
 * The Connect worker's two file paths alone, for profiling them (`node --cpu-prof
 * --import=tsx bench/connect-worker.ts`): file-source → topic and topic → file-sink through
 * a StandaloneHerder on a broker in this process, StringConverter, no transforms. Each row
 * splits the time: until the first record arrived (the connector starting; for the sink, the
 * consumer joining its group) and from there to the last record. bench:connect shows the
 * same paths beside the connectors without the worker. Usage:
 *   node --import=tsx bench/connect-worker.ts [lines] [source|sink|both]
 */

const LINES = Number(process.argv[2] ?? 300_000);
const WHICH = process.argv[3] ?? 'both';
const LINE_BYTES = 100;
const ROUNDS = 3;

const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, child: () => quietLogger };
function noop(): void {}

const STRING_CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
};

interface Timing {
  readonly total: number;
  readonly first: number;
  /** CPU seconds of this process (worker and broker), which a loaded machine does not inflate as it does wall time. */
  readonly cpu: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function writeLines(file: string): void {
  const line = `${'x'.repeat(LINE_BYTES - 1)}\n`;
  const chunk = line.repeat(10_000);
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < LINES; i += 10_000) fs.writeSync(fd, i + 10_000 <= LINES ? chunk : line.repeat(LINES - i));
  fs.closeSync(fd);
}

/** Records as the worker's file-source writes them: no key, the line, and its three headers. */
async function fillTopic(bootstrap: string, topic: string): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap, acks: 1 });
  await producer.connect();
  const value = 'x'.repeat(LINE_BYTES - 1);
  const record = (line: number): ProducerRecord => ({
    topic,
    key: null,
    value,
    headers: [
      { key: 'file', value: '/tmp/source.log' },
      { key: 'file.offset', value: String(line * LINE_BYTES) },
      { key: 'file.position', value: `2049:1234567@${(line + 1) * LINE_BYTES}` },
    ],
  });
  for (let i = 0; i < LINES; i += 10_000) {
    await producer.sendBatch(Array.from({ length: Math.min(10_000, LINES - i) }, (_, j) => record(i + j)));
  }
  await producer.close();
}

async function sourceRound(herder: StandaloneHerder, admin: Admin, file: string, topic: string): Promise<Timing> {
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let first = 0;
  await herder.createConnector(`source-${topic}`, { ...STRING_CONVERTERS, 'connector.class': 'FileStreamSource', file, topic });
  for (;;) {
    const [end] = await admin.listOffsets([{ topic, partition: 0, timestamp: 'latest' }]).catch(() => [undefined]);
    if (end !== undefined && end.offset > 0n && first === 0) first = seconds(started);
    if (end !== undefined && end.offset >= BigInt(LINES)) break;
    await systemScheduler.sleep(5);
  }
  const total = seconds(started);
  const cpu = cpuSince(cpuStart);
  await herder.deleteConnector(`source-${topic}`);
  return { total, first, cpu };
}

async function sinkRound(herder: StandaloneHerder, work: string, topic: string): Promise<Timing> {
  const out = path.join(work, `out-${topic}.txt`);
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let first = 0;
  await herder.createConnector(`sink-${topic}`, { ...STRING_CONVERTERS, 'connector.class': 'FileStreamSink', file: out, topics: topic });
  for (;;) {
    const size = fs.existsSync(out) ? fs.statSync(out).size : 0;
    if (size > 0 && first === 0) first = seconds(started);
    if (size >= LINES * LINE_BYTES) break;
    await systemScheduler.sleep(5);
  }
  const total = seconds(started);
  const cpu = cpuSince(cpuStart);
  await herder.deleteConnector(`sink-${topic}`);
  return { total, first, cpu };
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** The 1-minute load average: on a shared machine it says how far wall-clock rates can be trusted. */
function loadAverage(): string {
  return os.loadavg()[0]!.toFixed(2);
}

async function main(): Promise<void> {
  printEnvironment(`bench connect-worker: ${fmt(LINES)} lines of ${LINE_BYTES} bytes through the Connect worker`);
  const loadBefore = loadAverage();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-connect-worker-'));
  const rows: string[][] = [];
  const row = (what: string, runs: readonly Timing[]): void => {
    const total = median(runs.map((r) => r.total));
    const first = median(runs.map((r) => r.first));
    const cpu = median(runs.map((r) => r.cpu));
    rows.push([what, fmt(LINES / total), ((LINES * LINE_BYTES) / total / MB).toFixed(1), `${(first * 1000).toFixed(0)} ms`, fmt(LINES / cpu), runs.map((r) => fmt(LINES / r.total)).join(' / ')]);
  };
  const config = resolveBrokerConfig({ dataDir: path.join(work, 'broker'), host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', logLevel: 'warn', groups: { initialRebalanceDelayMs: 0 } });
  const hole = new Writable({
    write: (_chunk, _encoding, done) => {
      done();
    },
  });
  const broker = await Broker.start(config, { logger: createLogger({ level: 'warn', pretty: false, destination: hole }) });
  const bootstrap = `127.0.0.1:${broker.port}`;
  try {
    const admin = new Admin({ bootstrapServers: bootstrap });
    await admin.connect();
    const source = path.join(work, 'source.log');
    writeLines(source);
    const herder = await StandaloneHerder.start({
      config: resolveWorkerConfig({ bootstrapServers: bootstrap, offsetFlushIntervalMs: 100 }),
      connectorPlugins: [fileSourcePlugin, fileSinkPlugin],
      logs: new KafkaTopicLogFactory({ bootstrapServers: bootstrap, clientId: 'bench-connect-worker', replicationFactor: -1, scheduler: systemScheduler, logger: quietLogger }),
      scheduler: systemScheduler,
      logger: quietLogger,
      version: 'bench',
    });
    const toTopic: Timing[] = [];
    const fromTopic: Timing[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        if (WHICH !== 'sink') toTopic.push(await sourceRound(herder, admin, source, `worker-lines-${round}`));
        if (WHICH !== 'source') {
          const topic = `filled-${round}`;
          await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
          await fillTopic(bootstrap, topic);
          fromTopic.push(await sinkRound(herder, work, topic));
        }
      }
    } finally {
      await herder.close();
      await admin.close();
    }
    if (toTopic.length > 0) row('worker: file-source → topic', toTopic);
    if (fromTopic.length > 0) row('worker: topic → file-sink', fromTopic);
  } finally {
    await broker.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  printTable(
    [
      { header: 'path', align: 'left' },
      { header: 'lines/s', align: 'right' },
      { header: 'MB/s', align: 'right' },
      { header: 'first record', align: 'right' },
      { header: 'lines/CPU-s', align: 'right' },
      { header: 'runs (lines/s)', align: 'left' },
    ],
    rows,
  );
  console.log(`load average (1 min): ${loadBefore} at the start, ${loadAverage()} at the end`);
}

await main();
