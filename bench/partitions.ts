import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Admin } from '../client/index.ts';
import { startBrokerProcess } from './broker-process.ts';

/**
 * The partition sweep shared by bench:broker and the profiling runs: one topic per
 * partition count, filled by kcat, then consumed whole by kcat from the beginning.
 * librdkafka 2.0's sticky partitioner gives each linger window's keyless records to one
 * partition, so the data is skewed: at 1,000 partitions a few dozen hold over 1 MiB each
 * and most hold one small batch.
 */

export const PARTITION_COUNTS = [1, 10, 100, 1000] as const;

/**
 * kcat consumer settings that keep librdkafka's own pauses out of the figures, so they
 * measure the broker. The prefetch limits (queued.min.messages: 100,000 messages,
 * queued.max.messages.kbytes: 64 MiB per partition) made a one-partition consumer stop
 * fetching once it was that far ahead, and librdkafka looks at a paused partition again
 * only about once a second, so a 0.3 s read sometimes took 1.1 s. And fetch.wait.max.ms
 * (500 ms) is how long a broker may hold a fetch with no data: librdkafka sends its first
 * fetches while it still looks up the start offsets of most partitions, one ListOffsets
 * request each, behind that fetch on the one connection, so at 1,000 partitions a run
 * often began with a fetch of empty or caught-up partitions held for the whole 500 ms,
 * as Kafka holds it too.
 */
export const KCAT_CONSUMER_PROPS = ['-X', 'queued.min.messages=10000000', '-X', 'queued.max.messages.kbytes=2097151', '-X', 'fetch.wait.max.ms=10'] as const;

export function kcat(args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile('kcat', args, { maxBuffer: 1024 * 1024 * 1024 }, (error) => {
      if (error !== null) reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}`, { cause: error }));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

export function writeRecordsFile(file: string, records: number, recordSize: number): void {
  const line = `${'x'.repeat(recordSize - 1)}\n`;
  const chunk = line.repeat(10_000);
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < records; written += 10_000) fs.writeSync(fd, written + 10_000 <= records ? chunk : line.repeat(records - written));
  fs.closeSync(fd);
}

export async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  try {
    await admin.createTopics([{ topic, numPartitions: partitions }]);
  } finally {
    await admin.close();
  }
}

export interface SweepResult {
  readonly partitions: number;
  readonly produceSeconds: number;
  readonly consumeSeconds: number[];
}

/** Produces `records` into a topic of each partition count, then consumes it `rounds` times. */
export async function partitionSweep(options: {
  work: string;
  recordsFile: string;
  records: number;
  rounds: number;
  counts?: readonly number[];
  nodeArgs?: readonly string[];
}): Promise<SweepResult[]> {
  const broker = await startBrokerProcess(path.join(options.work, 'data-sweep'), [], options.nodeArgs ?? []);
  const bootstrap = `127.0.0.1:${broker.port}`;
  const results: SweepResult[] = [];
  try {
    for (const partitions of options.counts ?? PARTITION_COUNTS) {
      const topic = `sweep-${partitions}`;
      await createTopic(bootstrap, topic, partitions);
      const produceSeconds = await kcat(['-P', '-b', bootstrap, '-t', topic, '-X', 'acks=1', '-l', options.recordsFile]);
      const consumeSeconds: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        consumeSeconds.push(await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-c', String(options.records), '-f', '', ...KCAT_CONSUMER_PROPS]));
      }
      results.push({ partitions, produceSeconds, consumeSeconds });
    }
  } finally {
    await broker.stop();
  }
  return results;
}
