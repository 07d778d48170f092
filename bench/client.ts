import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Producer } from '../client/index.ts';
import { MB, printEnvironment, printTable } from './report.ts';
import { startBrokerProcess } from './broker-process.ts';

/**
 * Brook's producer against kafkajs 2.2.4's on the same workload: N records of a fixed size,
 * no key, acks=1, to a one-partition topic of a fresh Brook broker in its own process.
 * Brook runs twice: send() per record, and sendBatch() of 1,000-record arrays, both pacing
 * themselves with waitForRoom() when bufferMemory is full, with 1 MB batches. kafkajs gets its
 * fastest path, send() of large arrays of messages (5,000: 10,000 exceed max.message.bytes). Each client
 * runs three times and the median is shown. Usage:
 *   npm run bench:client -- [brookRecords] [kafkajsRecords] [recordSize]
 */

const BROOK_RECORDS = Number(process.argv[2] ?? 1_000_000);
/** Brook batches up to ~1 MB per partition (the broker's default max.message.bytes is 1 MiB + 12). */
const BROOK_BATCH_SIZE = 1_000_000;
const KAFKAJS_RECORDS = Number(process.argv[3] ?? 300_000);
const RECORD_SIZE = Number(process.argv[4] ?? 100);
const KAFKAJS_BATCH = 5_000;
const ROUNDS = 3;


const BROOK_CHUNK = 1000;

/** Brook's producer: send() per record, or sendBatch() of BROOK_CHUNK-record arrays. */
async function brook(bootstrap: string, topic: string, mode: 'send' | 'sendBatch'): Promise<number> {
  const producer = new Producer({ bootstrapServers: bootstrap, acks: 1, batchSize: BROOK_BATCH_SIZE, lingerMs: 5 });
  await producer.connect();
  const value = Buffer.alloc(RECORD_SIZE, 'x');
  // Warm the topic's metadata so the timed loop measures producing, not topic creation.
  await producer.send({ topic, value });
  const chunk = Array.from({ length: BROOK_CHUNK }, () => ({ topic, value }));
  const started = process.hrtime.bigint();
  const outcomes: Promise<unknown>[] = [];
  for (let i = 0; i < BROOK_RECORDS; ) {
    let result: Promise<unknown>;
    if (mode === 'send') {
      result = producer.send({ topic, value });
      i++;
    } else {
      const records = i + BROOK_CHUNK <= BROOK_RECORDS ? chunk : chunk.slice(0, BROOK_RECORDS - i);
      result = producer.sendBatch(records);
      i += records.length;
    }
    // Some outcomes are awaited at the end; a failure of any other crashes the bench loudly.
    if (outcomes.length * 1000 < i) outcomes.push(result);
    // Backpressure: once bufferMemory is full, wait until there is room again.
    if (producer.waitingRecords > 0) await producer.waitForRoom();
  }
  await Promise.all(outcomes);
  await producer.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await producer.close();
  return seconds;
}

async function kafkajs(bootstrap: string, topic: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const value = Buffer.alloc(RECORD_SIZE, 'x');
  const messages = Array.from({ length: KAFKAJS_BATCH }, () => ({ value }));
  await producer.send({ topic, acks: 1, messages: [{ value }] });
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < KAFKAJS_RECORDS; sent += KAFKAJS_BATCH) {
    await producer.send({ topic, acks: 1, messages: sent + KAFKAJS_BATCH <= KAFKAJS_RECORDS ? messages : messages.slice(0, KAFKAJS_RECORDS - sent) });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await producer.disconnect();
  return seconds;
}

const median = (runs: number[]): number => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;

async function main(): Promise<void> {
  printEnvironment(
    `bench:client: ${RECORD_SIZE}-byte records, acks=1, one partition; Brook ${BROOK_RECORDS.toLocaleString('en-US')} records, kafkajs 2.2.4 ${KAFKAJS_RECORDS.toLocaleString('en-US')} records (send of ${KAFKAJS_BATCH.toLocaleString('en-US')}-message arrays)`,
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-client-'));
  const broker = await startBrokerProcess(path.join(work, 'data'));
  const bootstrap = `127.0.0.1:${broker.port}`;
  const runs = { send: [] as number[], sendBatch: [] as number[], kafkajs: [] as number[] };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      runs.send.push(BROOK_RECORDS / (await brook(bootstrap, `brook-send-${round}`, 'send')));
      runs.sendBatch.push(BROOK_RECORDS / (await brook(bootstrap, `brook-batch-${round}`, 'sendBatch')));
      runs.kafkajs.push(KAFKAJS_RECORDS / (await kafkajs(bootstrap, `kafkajs-${round}`)));
    }
  } finally {
    await broker.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const row = (what: string, rates: number[]): string[] => [what, fmt(median(rates)), ((median(rates) * RECORD_SIZE) / MB).toFixed(1), rates.map(fmt).join(' / ')];
  const rows = [
    row('Brook, send() per record', runs.send),
    row(`Brook, sendBatch() of ${BROOK_CHUNK.toLocaleString('en-US')}`, runs.sendBatch),
    row(`kafkajs 2.2.4, send() of ${KAFKAJS_BATCH.toLocaleString('en-US')}`, runs.kafkajs),
  ];
  printTable(
    [
      { header: 'client', align: 'left' },
      { header: 'records/s', align: 'right' },
      { header: 'MB/s', align: 'right' },
      { header: 'records/s per run', align: 'left' },
    ],
    rows,
  );
  const kafkajsRate = median(runs.kafkajs);
  console.log('');
  console.log(`Brook send() / kafkajs: ${(median(runs.send) / kafkajsRate).toFixed(2)}x; Brook sendBatch() / kafkajs: ${(median(runs.sendBatch) / kafkajsRate).toFixed(2)}x`);
}

await main();
