import path from 'node:path';
import { Admin, Producer } from '../client/index.ts';
import { startBrokerProcess } from './broker-process.ts';
import { MB, fmt, fmtMs, median, percentile, printEnvironment, printTable, withTempDir } from './report.ts';

/**
 * Transactional produce against idempotent produce, same records: N records of a fixed size,
 * no key, to a topic of PARTITIONS partitions of a fresh Brook broker in its own process (its
 * defaults: acks=all answered after fsync). The idempotent producer sends them as fast as it
 * can; the transactional one does the same inside transactions, committing every COMMIT_MS
 * (as a Streams app under exactly_once_v2 does every commit interval). Both use sendBatch()
 * of CHUNK-record arrays and waitForRoom(). Each runs ROUNDS times, alternating, and the
 * median is shown. Commit latency is taken over every commit of every round, twice: from the
 * end of a transaction's sending until commitTransaction() resolves (the records still
 * buffered are sent and acknowledged, then EndTxn), and EndTxn's round trip alone. Usage:
 *   npm run bench:txn -- [records] [recordSize]
 */

const RECORDS = Number(process.argv[2] ?? 2_000_000);
const RECORD_SIZE = Number(process.argv[3] ?? 100);
const PARTITIONS = 4;
const COMMIT_MS = 100;
const CHUNK = 1000;
const ROUNDS = 3;
/** The floor this bench checks the ratio against: transactions may cost at most 30% of the throughput. */
const RATIO_FLOOR = 0.7;

const elapsedMs = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;

async function idempotent(bootstrap: string, topic: string): Promise<number> {
  const producer = new Producer({ bootstrapServers: bootstrap, idempotent: true, acks: 'all', lingerMs: 5 });
  await producer.connect();
  const value = Buffer.alloc(RECORD_SIZE, 'x');
  await producer.send({ topic, value });
  const chunk = Array.from({ length: CHUNK }, () => ({ topic, value }));
  const started = process.hrtime.bigint();
  const outcomes: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i += CHUNK) {
    outcomes.push(producer.sendBatch(i + CHUNK <= RECORDS ? chunk : chunk.slice(0, RECORDS - i)));
    if (producer.waitingRecords > 0) await producer.waitForRoom();
  }
  await Promise.all(outcomes);
  const ms = elapsedMs(started);
  await producer.close();
  return (RECORDS / ms) * 1000;
}

interface CommitTime {
  /** commitTransaction() as a caller sees it: the buffered records sent, then EndTxn answered. */
  readonly total: number;
  /** EndTxn alone, once the records are acknowledged: PrepareCommit durable, answered. */
  readonly endTxn: number;
}

async function transactional(bootstrap: string, topic: string, round: number, commits: CommitTime[]): Promise<number> {
  const producer = new Producer({ bootstrapServers: bootstrap, transactionalId: `bench-txn-${round}`, lingerMs: 5 });
  await producer.connect();
  await producer.initTransactions();
  const value = Buffer.alloc(RECORD_SIZE, 'x');
  await producer.transaction(async (tx) => {
    await tx.send({ topic, value });
  });
  const chunk = Array.from({ length: CHUNK }, () => ({ topic, value }));
  const started = process.hrtime.bigint();
  let i = 0;
  while (i < RECORDS) {
    producer.beginTransaction();
    const opened = process.hrtime.bigint();
    const outcomes: Promise<unknown>[] = [];
    while (i < RECORDS && elapsedMs(opened) < COMMIT_MS) {
      outcomes.push(producer.sendBatch(i + CHUNK <= RECORDS ? chunk : chunk.slice(0, RECORDS - i)));
      i += CHUNK;
      if (producer.waitingRecords > 0) await producer.waitForRoom();
    }
    const committing = process.hrtime.bigint();
    // Flushed first so the EndTxn round trip shows apart from sending the buffered records.
    await producer.flush();
    const ending = process.hrtime.bigint();
    await producer.commitTransaction();
    commits.push({ total: elapsedMs(committing), endTxn: elapsedMs(ending) });
    await Promise.all(outcomes);
  }
  const ms = elapsedMs(started);
  await producer.close();
  return (RECORDS / ms) * 1000;
}

async function main(): Promise<void> {
  printEnvironment(
    `bench:txn: ${fmt(RECORDS)} records of ${RECORD_SIZE} bytes, ${PARTITIONS} partitions, acks=all; transactional with a commit every ${COMMIT_MS} ms against idempotent`,
  );
  const runs = { idempotent: [] as number[], transactional: [] as number[] };
  const commits: CommitTime[] = [];
  await withTempDir('brook-bench-txn-', async (work) => {
    const broker = await startBrokerProcess(path.join(work, 'data'));
    const bootstrap = `127.0.0.1:${broker.port}`;
    const admin = new Admin({ bootstrapServers: bootstrap });
    try {
      await admin.connect();
      for (let round = 1; round <= ROUNDS; round++) {
        await admin.createTopics([
          { topic: `idem-${round}`, numPartitions: PARTITIONS },
          { topic: `txn-${round}`, numPartitions: PARTITIONS },
        ]);
        runs.idempotent.push(await idempotent(bootstrap, `idem-${round}`));
        runs.transactional.push(await transactional(bootstrap, `txn-${round}`, round, commits));
      }
    } finally {
      await admin.close();
      await broker.stop();
    }
  });
  const row = (what: string, rates: number[]): string[] => [what, fmt(median(rates)), ((median(rates) * RECORD_SIZE) / MB).toFixed(1), rates.map((r) => fmt(r)).join(' / ')];
  printTable(
    [
      { header: 'producer', align: 'left' },
      { header: 'records/s', align: 'right' },
      { header: 'MB/s', align: 'right' },
      { header: 'records/s per run', align: 'left' },
    ],
    [row('idempotent', runs.idempotent), row(`transactional, commit every ${COMMIT_MS} ms`, runs.transactional)],
  );
  const ratio = median(runs.transactional) / median(runs.idempotent);
  console.log('');
  console.log(`transactional / idempotent: ${(ratio * 100).toFixed(0)}% (floor ${(RATIO_FLOOR * 100).toFixed(0)}%: ${ratio >= RATIO_FLOOR ? 'met' : 'NOT met'})`);
  const latency = (what: string, values: number[]): void => {
    console.log(`${what}: p50 ${fmtMs(percentile(values, 50))}, p99 ${fmtMs(percentile(values, 99))}, max ${fmtMs(Math.max(...values))}`);
  };
  console.log(`over ${fmt(commits.length)} commits:`);
  latency('  commit latency (flush of buffered records + EndTxn)', commits.map((c) => c.total));
  latency('  EndTxn alone (records already acknowledged)', commits.map((c) => c.endTxn));
}

await main();
