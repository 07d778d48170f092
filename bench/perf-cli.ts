import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printEnvironment, printTable } from './report.ts';
import { startBrokerProcess } from './broker-process.ts';

/**
 * Runs Brook's own perf tools, `brook perf produce` and `brook perf consume`, as a user would:
 * each a process of its own against a fresh Brook broker in another. The producer sends
 * 100-byte records as fast as it can with acks=1 into a one-partition and a four-partition
 * topic, and with its defaults (acks=all, idempotent) into one partition; every other setting
 * is the producer's default. The consumer then reads each topic from the beginning. Each run
 * happens three times and the median is shown. Usage:
 *   npm run bench:perf -- [records] [recordSize]
 */

const RECORDS = Number(process.argv[2] ?? 2_000_000);
const RECORD_SIZE = Number(process.argv[3] ?? 100);
const ROUNDS = 3;
const ROOT = path.resolve(import.meta.dirname, '..');

function brook(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import=tsx', path.join(ROOT, 'cli/main.ts'), ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`brook ${args.join(' ')} failed: ${stderr || error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

/** The records/s figure of a perf tool's summary line. */
function rateOf(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  if (match === null) throw new Error(`no rate in the perf tool's output: ${output}`);
  return Number(match[1]);
}

const median = (runs: number[]): number => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

async function main(): Promise<void> {
  printEnvironment(`bench:perf: brook perf produce / perf consume, ${RECORDS.toLocaleString('en-US')} records of ${RECORD_SIZE} bytes, default settings`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-bench-perf-'));
  const broker = await startBrokerProcess(path.join(work, 'data'));
  const bootstrap = `127.0.0.1:${broker.port}`;
  const rows: string[][] = [];
  try {
    for (const [partitions, acks] of [
      [1, '1'],
      [4, '1'],
      [1, undefined],
    ] as const) {
      const produced: number[] = [];
      const consumed: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const topic = `perf-${partitions}-${acks ?? 'default'}-${round}`;
        await brook(['topics', 'create', topic, '--partitions', String(partitions), '--bootstrap-server', bootstrap]);
        const produceOut = await brook([
          'perf', 'produce', '--topic', topic, '--num-records', String(RECORDS), '--record-size', String(RECORD_SIZE), '--bootstrap-server', bootstrap,
          ...(acks === undefined ? [] : ['--acks', acks]),
        ]);
        produced.push(rateOf(produceOut, /([0-9.]+) records\/sec/));
        const consumeOut = await brook(['perf', 'consume', '--topic', topic, '--messages', String(RECORDS), '--format', 'json', '--bootstrap-server', bootstrap]);
        consumed.push((JSON.parse(consumeOut) as { recordsPerSec: number }).recordsPerSec);
      }
      const what = `${partitions} partition${partitions === 1 ? '' : 's'}, ${acks === undefined ? 'acks=all (default)' : `acks=${acks}`}`;
      rows.push([`perf produce, ${what}`, fmt(median(produced)), fmt((median(produced) * RECORD_SIZE) / 1e6), produced.map(fmt).join(' / ')]);
      rows.push([`perf consume, ${what}`, fmt(median(consumed)), fmt((median(consumed) * RECORD_SIZE) / 1e6), consumed.map(fmt).join(' / ')]);
    }
  } finally {
    await broker.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  printTable(
    [
      { header: 'tool', align: 'left' },
      { header: 'records/s', align: 'right' },
      { header: 'MB/s', align: 'right' },
      { header: 'records/s per run', align: 'left' },
    ],
    rows,
  );
}

await main();
