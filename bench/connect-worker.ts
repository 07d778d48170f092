import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Admin, Producer } from '../client/index.ts';
import type { ProducerRecord } from '../client/index.ts';
import type { StandaloneHerder } from '../connect/runtime/index.ts';
import { LINE_BYTES, loadAverage, median, startFileWorker, startQuietBroker, workerSinkRound, workerSourceRound, writeLines } from './file-worker-rounds.ts';
import type { WorkerRound } from './file-worker-rounds.ts';
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
const ROUNDS = 3;

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

const sourceRound = (herder: StandaloneHerder, admin: Admin, file: string, topic: string): Promise<WorkerRound> => workerSourceRound(herder, admin, file, topic, LINES);
const sinkRound = (herder: StandaloneHerder, work: string, topic: string): Promise<WorkerRound> => workerSinkRound(herder, path.join(work, `out-${topic}.txt`), topic, LINES);

async function main(): Promise<void> {
  printEnvironment(`bench connect-worker: ${fmt(LINES)} lines of ${LINE_BYTES} bytes through the Connect worker`);
  const loadBefore = loadAverage();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-connect-worker-'));
  const rows: string[][] = [];
  const row = (what: string, runs: readonly WorkerRound[]): void => {
    const total = median(runs.map((r) => r.total));
    const first = median(runs.map((r) => r.first));
    const cpu = median(runs.map((r) => r.cpu));
    rows.push([what, fmt(LINES / total), ((LINES * LINE_BYTES) / total / MB).toFixed(1), `${(first * 1000).toFixed(0)} ms`, fmt(LINES / cpu), runs.map((r) => fmt(LINES / r.total)).join(' / ')]);
  };
  const broker = await startQuietBroker(work);
  const bootstrap = `127.0.0.1:${broker.port}`;
  try {
    const admin = new Admin({ bootstrapServers: bootstrap });
    await admin.connect();
    const source = path.join(work, 'source.log');
    writeLines(source, LINES);
    const herder = await startFileWorker(bootstrap, 'bench-connect-worker');
    const toTopic: WorkerRound[] = [];
    const fromTopic: WorkerRound[] = [];
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
