/**
 * Storage-engine throughput: PartitionLog append (page cache and group-committed
 * fdatasync), sequential read with CRC verification, and open time of a 100-segment log.
 * Prints figures only; see bench/README.md for what each row means.
 */
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FlushPolicy, PartitionLog } from '../core/log/index.ts';
import type { LogConfig } from '../core/log/index.ts';
import { BatchLayout, batchSizeAt, encodeRecordBatch, lastOffsetOf } from '../core/records/index.ts';
import { fmt, fmtBytes, fmtMs, fmtMsRange, MB, median, percentile, printEnvironment, printTable, withTempDir } from './report.ts';

const RECORD_BYTES = 1024;
const RECORDS_PER_BATCH = 64;
/** Distinct pre-encoded batches (about 4 MiB), cycled through so validation does not CRC the same cache-hot bytes. */
const POOL_BATCHES = 64;
/** Bytes written per append scenario, unless the time cap stops it first. */
const TARGET_BYTES = 1024 ** 3;
const TIME_CAP_MS = 6_000;
/** One segment for the whole run, so no roll (and its synchronous fdatasync) lands in the timed loop. */
const BIG_SEGMENT = 0x7fffffff;
const READ_CHUNK = 1024 * 1024;
const IN_FLIGHT = 32;
const OPEN_SEGMENTS = 100;
const OPEN_SEGMENT_BYTES = 1024 * 1024;
const OPEN_REPEATS = 5;

/** Each append/read scenario runs this many times; the table shows the median and the range. */
const ROUNDS = 3;

interface Row {
  scenario: string;
  /** One figure per round. */
  mbps?: number[];
  recordsPerSec?: number[];
  time: number[];
  notes: string;
}

function buildPool(): Buffer[] {
  const pool: Buffer[] = [];
  const timestamp = BigInt(Date.now());
  for (let b = 0; b < POOL_BATCHES; b++) {
    const records = Array.from({ length: RECORDS_PER_BATCH }, () => ({ timestamp, value: randomFillSync(Buffer.allocUnsafe(RECORD_BYTES)) }));
    pool.push(encodeRecordBatch(records));
  }
  return pool;
}

function openLog(dir: string, config: Partial<LogConfig>): PartitionLog {
  return PartitionLog.open(dir, { config: { segmentBytes: BIG_SEGMENT, retentionMs: -1, ...config } });
}

/**
 * A produced batch arrives with baseOffset 0; the log stamps the real offset in place.
 * Resetting it lets one pre-encoded buffer be appended many times as a 'client' append,
 * so validation (structure, client rules, CRC) is part of what is measured. The CRC
 * stays valid: baseOffset and the leader epoch lie outside it.
 */
function asProduced(batch: Buffer): Buffer {
  batch.writeBigInt64BE(0n, BatchLayout.BASE_OFFSET);
  return batch;
}

/** Scenario 1: appends as fast as the loop goes, flush policy none (page cache only). */
function appendPageCache(log: PartitionLog, pool: readonly Buffer[], targetBytes: number, capMs: number): { bytes: number; batches: number; ms: number } {
  const start = performance.now();
  const deadline = start + capMs;
  let bytes = 0;
  let batches = 0;
  while (bytes < targetBytes) {
    const batch = pool[batches % pool.length]!;
    if (bytes + batch.length > targetBytes) break;
    log.append(asProduced(batch));
    bytes += batch.length;
    batches++;
    if ((batches & 63) === 0 && performance.now() > deadline) break;
  }
  return { bytes, batches, ms: performance.now() - start };
}

interface DurableResult {
  bytes: number;
  batches: number;
  ms: number;
  /** Distinct durable offsets seen at ack time: one per fdatasync that released a waiter. */
  syncs: number;
  latencies: number[];
}

/**
 * Scenario 2: `inFlight` producer loops, each appending one batch and waiting for
 * waitDurable(lastOffset) before the next, as a produce request with acks=all would.
 */
async function appendDurable(log: PartitionLog, pool: readonly Buffer[], inFlight: number, targetBytes: number, capMs: number): Promise<DurableResult> {
  const start = performance.now();
  const deadline = start + capMs;
  let appendedBytes = 0;
  let ackedBytes = 0;
  let acked = 0;
  let next = 0;
  let syncs = 0;
  let lastDurable = log.durableOffset;
  const latencies: number[] = [];
  const producer = async (): Promise<void> => {
    while (appendedBytes < targetBytes && performance.now() < deadline) {
      const batch = pool[next++ % pool.length]!;
      const sent = performance.now();
      const info = log.append(asProduced(batch));
      appendedBytes += batch.length;
      await log.waitDurable(info.lastOffset);
      latencies.push(performance.now() - sent);
      ackedBytes += batch.length;
      acked++;
      const durable = log.durableOffset;
      if (durable !== lastDurable) {
        lastDurable = durable;
        syncs++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, producer));
  return { bytes: ackedBytes, batches: acked, ms: performance.now() - start, syncs, latencies };
}

/**
 * Scenario 3: reads the whole log front to back in 1 MiB fetches, as a catching-up consumer
 * does; with `into`, every read reuses one buffer, as a pooling fetch path would.
 */
function readAll(log: PartitionLog, into?: Buffer): { bytes: number; records: number; reads: number; ms: number } {
  const start = performance.now();
  let offset = log.logStartOffset;
  let bytes = 0;
  let records = 0;
  let reads = 0;
  while (offset < log.logEndOffset) {
    const chunk = log.read(offset, READ_CHUNK, into === undefined ? {} : { into }).records;
    if (chunk.length === 0) throw new Error(`read at offset ${offset} returned nothing before the log end ${log.logEndOffset}`);
    reads++;
    let pos = 0;
    let last = 0;
    while (pos < chunk.length) {
      records += chunk.readInt32BE(pos + BatchLayout.RECORDS_COUNT);
      last = pos;
      pos += batchSizeAt(chunk, pos);
    }
    bytes += chunk.length;
    offset = lastOffsetOf(chunk, last) + 1n;
  }
  return { bytes, records, reads, ms: performance.now() - start };
}

async function warmUp(dir: string, pool: readonly Buffer[]): Promise<void> {
  const log = openLog(path.join(dir, 'warm-up'), { flushPolicy: FlushPolicy.NONE });
  appendPageCache(log, pool, 128 * MB, 2_000);
  readAll(log);
  log.updateConfig({ flushPolicy: FlushPolicy.EVERY_APPEND });
  await appendDurable(log, pool, IN_FLIGHT, 32 * MB, 1_000);
  await log.delete();
}

function durableRow(label: string, results: readonly DurableResult[], inFlight: number): Row {
  const r = results[0]!;
  const syncs = results.reduce((n, x) => n + x.syncs, 0);
  const batches = results.reduce((n, x) => n + x.batches, 0);
  const seconds = results.reduce((n, x) => n + x.ms, 0) / 1000;
  const latencies = results.flatMap((x) => x.latencies);
  return {
    scenario: label,
    mbps: results.map((x) => x.bytes / MB / (x.ms / 1000)),
    recordsPerSec: results.map((x) => (x.batches * RECORDS_PER_BATCH) / (x.ms / 1000)),
    time: results.map((x) => x.ms),
    notes:
      `${fmtBytes(r.bytes)}/round, ${inFlight} in flight, ${fmt(batches / seconds)} acked batches/s, ` +
      `~${fmt(syncs / seconds)} fdatasyncs/s (${(batches / Math.max(1, syncs)).toFixed(1)} batches each), ` +
      `ack p50 ${percentile(latencies, 50).toFixed(2)} ms p99 ${percentile(latencies, 99).toFixed(2)} ms`,
  };
}

/** Scenario 4: a log of OPEN_SEGMENTS sealed-and-active segments, reopened. */
async function buildSegmentedLog(dir: string, pool: readonly Buffer[]): Promise<{ bytes: number }> {
  const log = openLog(dir, { flushPolicy: FlushPolicy.NONE, segmentBytes: OPEN_SEGMENT_BYTES });
  let i = 0;
  while (log.segmentCount < OPEN_SEGMENTS) log.append(asProduced(pool[i++ % pool.length]!));
  // Fill the last segment as well, so the tail scan on open covers a full segment.
  const perSegment = Math.floor(OPEN_SEGMENT_BYTES / pool[0]!.length);
  for (let k = 1; k < perSegment; k++) log.append(asProduced(pool[i++ % pool.length]!));
  const bytes = log.size;
  await log.close();
  return { bytes };
}

async function timeOpen(dir: string, before?: () => void): Promise<{ ms: number[]; segments: number; rebuilt: number }> {
  const ms: number[] = [];
  let segments = 0;
  let rebuilt = 0;
  for (let r = 0; r < OPEN_REPEATS; r++) {
    before?.();
    const start = performance.now();
    const log = PartitionLog.open(dir, { config: { segmentBytes: OPEN_SEGMENT_BYTES, retentionMs: -1, flushPolicy: FlushPolicy.NONE } });
    ms.push(performance.now() - start);
    segments = log.segmentCount;
    rebuilt = log.recovery.rebuiltIndexes.length;
    await log.close();
  }
  return { ms, segments, rebuilt };
}

function deleteIndexFiles(dir: string): void {
  for (const name of fs.readdirSync(dir)) if (name.endsWith('.index')) fs.rmSync(path.join(dir, name));
}

async function main(): Promise<void> {
  printEnvironment('bench:log: PartitionLog (core/log)');
  const pool = buildPool();
  const batchBytes = pool[0]!.length;
  console.log(`batches: ${RECORDS_PER_BATCH} records x ${RECORD_BYTES} B = ${fmt(batchBytes)} B each (uncompressed), ${POOL_BATCHES} distinct, pre-encoded`);
  console.log(`MB = 10^6 bytes; figures count whole batch bytes (header included); median of ${ROUNDS} rounds unless noted\n`);

  const rows: Row[] = [];
  await withTempDir('brook-bench-log-', async (dir) => {
    await warmUp(dir, pool);

    // 1 and 3 share a log per round: write ~1 GiB into the page cache, then read it back.
    const writes: ReturnType<typeof appendPageCache>[] = [];
    const reads: ReturnType<typeof readAll>[] = [];
    const pooledReads: ReturnType<typeof readAll>[] = [];
    const scratch = Buffer.alloc(2 * READ_CHUNK);
    const closes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const log = openLog(path.join(dir, `page-cache-${round}`), { flushPolicy: FlushPolicy.NONE });
      writes.push(appendPageCache(log, pool, TARGET_BYTES, TIME_CAP_MS));
      reads.push(readAll(log));
      pooledReads.push(readAll(log, scratch));
      const closeStart = performance.now();
      await log.close();
      closes.push(performance.now() - closeStart);
      fs.rmSync(log.dir, { recursive: true, force: true });
    }
    rows.push({
      scenario: 'append, flush none (page cache)',
      mbps: writes.map((w) => w.bytes / MB / (w.ms / 1000)),
      recordsPerSec: writes.map((w) => (w.batches * RECORDS_PER_BATCH) / (w.ms / 1000)),
      time: writes.map((w) => w.ms),
      notes: `${fmtBytes(writes[0]!.bytes)}/round into 1 segment, ${fmt(median(writes.map((w) => w.batches / (w.ms / 1000))))} batches/s; close (fdatasync of it all) ${fmtMs(median(closes))}`,
    });

    const durable: DurableResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const log = openLog(path.join(dir, `durable-${round}`), { flushPolicy: FlushPolicy.EVERY_APPEND });
      durable.push(await appendDurable(log, pool, IN_FLIGHT, TARGET_BYTES, TIME_CAP_MS));
      await log.delete();
    }
    rows.push(durableRow('append, flush every-append', durable, IN_FLIGHT));

    const single: DurableResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const log = openLog(path.join(dir, `durable-single-${round}`), { flushPolicy: FlushPolicy.EVERY_APPEND });
      single.push(await appendDurable(log, pool, 1, 256 * MB, 2_000));
      await log.delete();
    }
    rows.push(durableRow('append, flush every-append', single, 1));

    rows.push({
      scenario: 'sequential read, 1 MiB fetches',
      mbps: reads.map((r) => r.bytes / MB / (r.ms / 1000)),
      recordsPerSec: reads.map((r) => r.records / (r.ms / 1000)),
      time: reads.map((r) => r.ms),
      notes: `${fmtBytes(reads[0]!.bytes)}/round (the log just written), ${fmt(reads[0]!.reads)} reads, fresh buffer each, CRC of every batch verified`,
    });
    rows.push({
      scenario: 'sequential read, 1 MiB fetches, reused buffer',
      mbps: pooledReads.map((r) => r.bytes / MB / (r.ms / 1000)),
      recordsPerSec: pooledReads.map((r) => r.records / (r.ms / 1000)),
      time: pooledReads.map((r) => r.ms),
      notes: 'the same reads into one buffer (ReadOptions.into), CRC of every batch verified',
    });

    const segDir = path.join(dir, 'segments');
    const built = await buildSegmentedLog(segDir, pool);
    const open = await timeOpen(segDir);
    rows.push({
      scenario: `open, ${open.segments} segments`,
      time: open.ms,
      notes: `${fmtBytes(built.bytes)}, ${OPEN_REPEATS} opens; only the tail segment is CRC-scanned (${open.rebuilt} indexes rebuilt)`,
    });
    const rebuild = await timeOpen(segDir, () => {
      deleteIndexFiles(segDir);
    });
    rows.push({
      scenario: `open, ${rebuild.segments} segments, no .index files`,
      mbps: rebuild.ms.map((ms) => built.bytes / MB / (ms / 1000)),
      time: rebuild.ms,
      notes: `${OPEN_REPEATS} opens; ${rebuild.rebuilt} indexes rebuilt by walking batch headers (MB/s = log bytes / open time)`,
    });
  });

  const range = (values: readonly number[] | undefined, decimals = 0): string =>
    values === undefined ? '-' : `${fmt(Math.min(...values), decimals)}-${fmt(Math.max(...values), decimals)}`;
  printTable(
    [
      { header: 'scenario', align: 'left' },
      { header: 'MB/s', align: 'right' },
      { header: 'range', align: 'right' },
      { header: 'records/s', align: 'right' },
      { header: 'time', align: 'right' },
      { header: 'time range', align: 'right' },
      { header: 'notes', align: 'left' },
    ],
    rows.map((row) => [
      row.scenario,
      row.mbps === undefined ? '-' : fmt(median(row.mbps)),
      range(row.mbps),
      row.recordsPerSec === undefined ? '-' : fmt(median(row.recordsPerSec)),
      fmtMs(median(row.time)),
      fmtMsRange(row.time),
      row.notes,
    ]),
  );
}

await main();
