import { setTimeout as delay } from 'node:timers/promises';
import type { Command } from 'commander';
import { Producer } from '../../client/index.ts';
import { perfCommand } from '../common.ts';
import { startProgress } from '../progress.ts';
import { DEFAULT_BOOTSTRAP, parseAcks, parseCompression, parseCount, usage } from './produce.ts';

interface PerfProduceFlags {
  topic?: string;
  numRecords?: string;
  recordSize?: string;
  throughput: string;
  acks?: string;
  batchSize?: string;
  lingerMs: string;
  compression: string;
  bootstrapServer: string;
}

const MB = 1024 * 1024;
/** Records per sendBatch call when sending as fast as possible. */
const CHUNK = 100;
/** Most latency samples kept for the percentiles (kafka-producer-perf-test keeps 500,000 too). */
const MAX_SAMPLES = 500_000;

/**
 * Latencies of acknowledged sends. Average and maximum count every record; the percentiles come
 * from a sample of at most MAX_SAMPLES sends, every `sampling`-th one, so memory stays bounded
 * whatever --num-records is.
 */
export class LatencyStats {
  records = 0;
  private total = 0;
  private max = 0;
  private sends = 0;
  private readonly sampling: number;
  private readonly samples: Float64Array;
  private sampled = 0;

  constructor(expectedSends: number) {
    this.sampling = Math.max(1, Math.ceil(expectedSends / MAX_SAMPLES));
    this.samples = new Float64Array(Math.min(expectedSends, MAX_SAMPLES));
  }

  /** One send of `records` records, acknowledged `latencyMs` after it was made. */
  record(latencyMs: number, records: number): void {
    this.records += records;
    this.total += latencyMs * records;
    if (latencyMs > this.max) this.max = latencyMs;
    if (this.sends++ % this.sampling === 0 && this.sampled < this.samples.length) this.samples[this.sampled++] = latencyMs;
  }

  /** kafka-producer-perf-test's summary line. */
  summary(seconds: number, recordSize: number): string {
    const sorted = this.samples.slice(0, this.sampled).sort();
    const rate = this.records / seconds;
    const avg = this.records === 0 ? 0 : this.total / this.records;
    return (
      `${this.records} records sent, ${rate.toFixed(1)} records/sec (${((rate * recordSize) / MB).toFixed(2)} MB/sec), ` +
      `${avg.toFixed(2)} ms avg latency, ${this.max.toFixed(2)} ms max latency, ` +
      `${percentile(sorted, 0.5)} ms 50th, ${percentile(sorted, 0.95)} ms 95th, ${percentile(sorted, 0.99)} ms 99th, ${percentile(sorted, 0.999)} ms 99.9th.`
    );
  }
}

/** The latency at quantile `q` of sorted samples, in whole ms as kafka-producer-perf-test prints it. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return Math.trunc(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}

async function perfProduce(flags: PerfProduceFlags): Promise<void> {
  if (flags.topic === undefined) throw usage('brook perf produce needs --topic');
  if (flags.numRecords === undefined) throw usage('brook perf produce needs --num-records');
  if (flags.recordSize === undefined) throw usage('brook perf produce needs --record-size');
  const numRecords = parseCount('--num-records', flags.numRecords, 1);
  const recordSize = parseCount('--record-size', flags.recordSize, 0);
  // Kafka's tool waits forever at 0; here only a positive rate or -1 (no limit) is taken.
  const throughput = parseCount('--throughput', flags.throughput, -1);
  if (throughput === 0) throw usage("--throughput must be a positive number of records/sec, or -1 for no limit, not '0'");
  const topic = flags.topic;
  const producer = new Producer({
    bootstrapServers: flags.bootstrapServer,
    clientId: 'brook-perf',
    ...(flags.acks === undefined ? {} : { acks: parseAcks(flags.acks) }),
    ...(flags.batchSize === undefined ? {} : { batchSize: parseCount('--batch-size', flags.batchSize, 1) }),
    lingerMs: parseCount('--linger-ms', flags.lingerMs, 0),
    compression: parseCompression(flags.compression),
  });
  // Like kafka-producer-perf-test: one payload of random uppercase letters, sent N times.
  const payload = Buffer.alloc(recordSize);
  for (let i = 0; i < recordSize; i++) payload[i] = 65 + Math.floor(Math.random() * 26);
  let firstError: Error | undefined;
  const chunkSize = throughput > 0 ? Math.max(1, Math.min(CHUNK, Math.floor(throughput / 1000))) : CHUNK;
  const stats = new LatencyStats(Math.ceil(numRecords / chunkSize));
  let progress: { stop(): void } | undefined;
  try {
    await producer.connect();
    const started = performance.now();
    progress = startProgress(
      () => `${stats.records} of ${numRecords} records acknowledged, ${(stats.records / ((performance.now() - started) / 1000)).toFixed(0)} records/sec`,
    );
    // Records go to the producer in small arrays (sendBatch): per record this keeps nothing but
    // its bytes alive until acknowledged, where a promise per record would keep several objects
    // (and the garbage collector busy). A record's latency is its array's: from the call to
    // the acknowledgement of its last record, which rarely leaves the producer's batch.
    const chunk = Array.from({ length: chunkSize }, () => ({ topic, value: payload }));
    for (let i = 0; i < numRecords && firstError === undefined; ) {
      const records = i + chunkSize <= numRecords ? chunk : chunk.slice(0, numRecords - i);
      const sentAt = performance.now();
      producer.sendBatch(records).then(
        () => {
          stats.record(performance.now() - sentAt, records.length);
        },
        (error: unknown) => {
          firstError ??= error instanceof Error ? error : new Error(String(error));
        },
      );
      i += records.length;
      if (producer.waitingRecords > 0) await producer.waitForRoom();
      if (throughput > 0) {
        // Throttle to the target rate: sleep whenever ahead of schedule.
        const aheadMs = (i / throughput) * 1000 - (performance.now() - started);
        if (aheadMs > 1) await delay(aheadMs);
      }
    }
    await producer.flush();
    const seconds = (performance.now() - started) / 1000;
    progress.stop();
    if (firstError !== undefined) throw firstError;
    console.log(stats.summary(seconds, recordSize));
  } finally {
    progress?.stop();
    await producer.close();
  }
}

export function registerPerf(program: Command): void {
  const perf = perfCommand(program);
  perf
    .command('produce')
    .description('send N records of a fixed size and print records/s, MB/s and latencies, like kafka-producer-perf-test')
    .option('--topic <topic>', 'topic to produce to')
    .option('--num-records <n>', 'how many records to send')
    .option('--record-size <bytes>', 'value size of each record')
    .option('--throughput <n>', 'records/s to aim for; -1 for as fast as possible', '-1')
    .option('--acks <acks>', "0, 1 or all (default: the producer's, all, with idempotence)")
    .option('--batch-size <bytes>', "largest batch per partition in bytes (default: the producer's, 1000000)")
    .option('--linger-ms <ms>', 'how long a batch waits for more records', '5')
    .option('--compression <codec>', 'none, gzip, snappy, lz4 or zstd', 'none')
    .option('--bootstrap-server <servers>', 'host:port[,host:port] of the cluster', DEFAULT_BOOTSTRAP)
    .action((flags: PerfProduceFlags) => perfProduce(flags));
}
