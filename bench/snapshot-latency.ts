import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Broker, createLogger, resolveBrokerConfig } from '../broker/index.ts';
import { ProducerSnapshotter } from '../broker/producers/index.ts';
import { Admin, Producer } from '../client/index.ts';
import { printEnvironment, printTable } from './report.ts';

/**
 * Produce latency across a producer-state snapshot round at 1,000 partitions: one broker
 * and one Brook producer (acks=1, linger 0, up to 32 sends in flight, 100-byte records
 * spread over every partition) in this process, so a stalled event loop shows up in every
 * latency. Each mode measures for 3 s with a snapshot round at 1 s and 2 s; every partition
 * has new records by then, so every round writes all 1,000 snapshots.
 *   - `synchronous`: the former way, each partition's snapshot written with writeFileSync,
 *     fsync, rename and directory fsync, one after another on the event loop.
 *   - `asynchronous`: ProducerSnapshotter, as the broker runs it now.
 * Usage: node --import=tsx bench/snapshot-latency.ts [partitions]
 */

const PARTITIONS = Number(process.argv[2] ?? 1000);
const IN_FLIGHT = 32;
const MEASURE_MS = 3000;
const ROUNDS_AT_MS = [1000, 2000];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(mode: 'synchronous' | 'asynchronous', broker: Broker, producer: Producer, topic: string): Promise<string[]> {
  const latencies: number[] = [];
  const roundMs: number[] = [];
  const started = performance.now();
  let next = 0;
  const value = Buffer.alloc(100, 'x');
  const snapshotter = new ProducerSnapshotter({ stores: () => broker.topics.producerStateStores() });
  const rounds = ROUNDS_AT_MS.map(
    (at) =>
      new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          const t0 = performance.now();
          if (mode === 'synchronous') {
            for (const store of broker.topics.producerStateStores()) store.writeSnapshot();
            roundMs.push(performance.now() - t0);
            resolve();
          } else {
            snapshotter.run().then((round) => {
              if (round.failures.length > 0) throw new Error(`snapshot round failed: ${String(round.failures[0]!.error)}`);
              roundMs.push(performance.now() - t0);
              resolve();
            }, reject);
          }
        }, at);
      }),
  );
  const worker = async (): Promise<void> => {
    while (performance.now() - started < MEASURE_MS) {
      const partition = next++ % PARTITIONS;
      const t0 = performance.now();
      await producer.send({ topic, partition, value });
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all([...Array.from({ length: IN_FLIGHT }, worker), ...rounds]);
  await snapshotter.close();
  latencies.sort((a, b) => a - b);
  const ms = (x: number): string => x.toFixed(2);
  return [
    mode,
    latencies.length.toLocaleString('en-US'),
    ms(percentile(latencies, 50)),
    ms(percentile(latencies, 99)),
    ms(percentile(latencies, 99.9)),
    ms(latencies.at(-1)!),
    roundMs.map((r) => r.toFixed(0)).join(' / '),
  ];
}

async function main(): Promise<void> {
  printEnvironment(`snapshot latency: produce latency across producer-state snapshot rounds, ${PARTITIONS} partitions`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-snapshot-'));
  const config = resolveBrokerConfig({ dataDir, host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', logLevel: 'silent' });
  // The broker's own timer stays out of the way: this bench starts every round itself.
  const broker = await Broker.start(config, { logger: createLogger({ level: 'silent', pretty: false }), producerSnapshotIntervalMs: 3_600_000 });
  const bootstrap = `127.0.0.1:${broker.port}`;
  const rows: string[][] = [];
  try {
    const admin = new Admin({ bootstrapServers: bootstrap });
    await admin.createTopics([{ topic: 'latency', numPartitions: PARTITIONS }]);
    await admin.close();
    const producer = new Producer({ bootstrapServers: bootstrap, acks: 1, lingerMs: 0 });
    try {
      // Warm-up: every partition gets records, and the JIT settles.
      await Promise.all(Array.from({ length: PARTITIONS }, (_, partition) => producer.send({ topic: 'latency', partition, value: 'warm-up' })));
      for (const mode of ['synchronous', 'asynchronous', 'synchronous', 'asynchronous'] as const) rows.push(await measure(mode, broker, producer, 'latency'));
    } finally {
      await producer.close();
    }
  } finally {
    await broker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  printTable(
    [
      { header: 'snapshot round', align: 'left' },
      { header: 'sends', align: 'right' },
      { header: 'p50 ms', align: 'right' },
      { header: 'p99 ms', align: 'right' },
      { header: 'p99.9 ms', align: 'right' },
      { header: 'max ms', align: 'right' },
      { header: 'round ms', align: 'left' },
    ],
    rows,
  );
}

await main();
