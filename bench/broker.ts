import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MB, printEnvironment, printTable } from './report.ts';
import { startBrokerProcess } from './broker-process.ts';
import { KCAT_CONSUMER_PROPS, PARTITION_COUNTS, kcat, partitionSweep, writeRecordsFile } from './partitions.ts';

/**
 * Drives kcat (librdkafka 2.0.2) against a fresh Brook broker in its own process:
 * produce N records of a fixed size with acks=1 and acks=all, then consume them all, and
 * produce them lz4- and zstd-compressed with acks=1. Then the partition sweep: the same
 * records spread over 1, 10, 100 and 1,000 partitions of one topic, each consumed whole
 * by kcat, with the 1,000-partition rate as a share of the one-partition rate.
 * Batching is librdkafka's own; each workload runs three times and the median is shown.
 * The consumer prints nothing per record (`-f ''`): formatting a line per record costs
 * kcat more CPU than the broker spends serving it; its prefetch and long-poll settings are
 * KCAT_CONSUMER_PROPS (see bench/partitions.ts for why). Usage:
 *   npm run bench:broker -- [records] [recordSize]
 */

const RECORDS = Number(process.argv[2] ?? 2_000_000);
const RECORD_SIZE = Number(process.argv[3] ?? 100);
const ROUNDS = 3;

async function main(): Promise<void> {
  printEnvironment(`bench:broker: ${RECORDS.toLocaleString('en-US')} records of ${RECORD_SIZE} bytes, kcat (librdkafka) against a fresh broker`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-broker-'));
  const recordsFile = path.join(work, 'records.txt');
  writeRecordsFile(recordsFile, RECORDS, RECORD_SIZE);
  const rows: string[][] = [];
  let sweepNote = '';
  const row = (what: string, runs: number[]): void => {
    const seconds = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
    const rate = (s: number): string => (RECORDS / s).toLocaleString('en-US', { maximumFractionDigits: 0 });
    rows.push([what, rate(seconds), ((RECORDS * RECORD_SIZE) / seconds / MB).toFixed(1), seconds.toFixed(2), runs.map(rate).join(' / ')]);
  };
  try {
    for (const [acks, flushPolicy] of [
      ['1', 'every-append'],
      ['all', 'every-append'],
    ] as const) {
      const dataDir = path.join(work, `data-acks-${acks}`);
      const configFile = path.join(work, `broker-${flushPolicy}.json`);
      fs.writeFileSync(configFile, JSON.stringify({ log: { flushPolicy } }));
      const broker = await startBrokerProcess(dataDir, ['--config', configFile]);
      const bootstrap = `127.0.0.1:${broker.port}`;
      try {
        const produced: number[] = [];
        const consumed: number[] = [];
        for (let round = 1; round <= ROUNDS; round++) {
          const topic = `bench-${round}`;
          produced.push(await kcat(['-P', '-b', bootstrap, '-t', topic, '-X', `acks=${acks}`, '-l', recordsFile]));
          if (acks === '1') consumed.push(await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-c', String(RECORDS), '-f', '', ...KCAT_CONSUMER_PROPS]));
        }
        row(`produce acks=${acks}`, produced);
        if (consumed.length > 0) row('consume', consumed);
        if (acks === '1') {
          // The broker opens every compressed batch (bounded) to check its records before storing it as sent.
          for (const codec of ['lz4', 'zstd']) {
            const compressed: number[] = [];
            for (let round = 1; round <= ROUNDS; round++) {
              compressed.push(await kcat(['-P', '-b', bootstrap, '-t', `bench-${codec}-${round}`, '-X', 'acks=1', '-z', codec, '-l', recordsFile]));
            }
            row(`produce acks=1, ${codec}`, compressed);
          }
        }
      } finally {
        await broker.stop();
      }
    }
    const sweep = await partitionSweep({ work, recordsFile, records: RECORDS, rounds: ROUNDS });
    for (const result of sweep) {
      row(`produce acks=1, ${result.partitions} partitions`, [result.produceSeconds]);
      row(`consume, ${result.partitions} partitions`, result.consumeSeconds);
    }
    const median = (runs: number[]): number => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
    const one = sweep.find((r) => r.partitions === PARTITION_COUNTS[0]);
    const most = sweep.find((r) => r.partitions === PARTITION_COUNTS.at(-1));
    if (one !== undefined && most !== undefined) {
      sweepNote = `consume at ${most.partitions} partitions: ${((median(one.consumeSeconds) / median(most.consumeSeconds)) * 100).toFixed(0)}% of the one-partition rate`;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  printTable(
    [
      { header: 'workload', align: 'left' },
      { header: 'records/s', align: 'right' },
      { header: 'MB/s', align: 'right' },
      { header: 'seconds', align: 'right' },
      { header: 'records/s per run', align: 'left' },
    ],
    rows,
  );
  if (sweepNote !== '') process.stdout.write(`\n${sweepNote}\n`);
}

await main();
