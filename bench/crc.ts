/**
 * CRC-32C throughput: the native implementation (@node-rs/crc32, when it loads) against
 * the pure-JS slicing-by-8 fallback, at the buffer sizes a broker sees: a tiny record,
 * a 1 KiB record, a typical produced batch and a large one. Prints figures only.
 */
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { crc32c, crc32cImplementation, crc32cJs } from '../core/records/index.ts';
import type { Crc32c } from '../core/records/index.ts';
import { fmt, fmtBytes, MB, median, printEnvironment, printTable } from './report.ts';

const SIZES = [100, 1024, 16 * 1024, 1024 * 1024];
/** Each size cycles through about this many bytes of distinct buffers, so large inputs come from memory, not L1. */
const POOL_BYTES = 4 * 1024 * 1024;
const WARM_UP_MS = 100;
const ROUND_MS = 150;
const ROUNDS = 7;

/** Every CRC computed is folded in here and printed, so no call can be optimised away. */
let blackhole = 0;

interface Measurement {
  mbps: number;
  nsPerCall: number;
}

function makeBuffers(size: number): Buffer[] {
  const count = Math.max(1, Math.min(1024, Math.floor(POOL_BYTES / size)));
  return Array.from({ length: count }, () => randomFillSync(Buffer.allocUnsafe(size)));
}

function measure(fn: Crc32c, buffers: readonly Buffer[], ms: number): Measurement {
  const size = buffers[0]!.length;
  // Read the clock about every 256 KiB of input: often enough for short rounds, rare enough not to count.
  const callsPerCheck = Math.max(1, Math.floor((256 * 1024) / size));
  let calls = 0;
  let acc = 0;
  const start = performance.now();
  const deadline = start + ms;
  let now = start;
  do {
    for (let i = 0; i < callsPerCheck; i++) {
      acc ^= fn(buffers[calls % buffers.length]!);
      calls++;
    }
    now = performance.now();
  } while (now < deadline);
  blackhole ^= acc;
  const seconds = (now - start) / 1000;
  return { mbps: (calls * size) / MB / seconds, nsPerCall: (seconds * 1e9) / calls };
}

/**
 * Alternates the implementations round by round, so a noisy neighbour on a shared VM
 * slows both rather than skewing the comparison.
 */
function bench(fns: readonly Crc32c[], buffers: readonly Buffer[]): { mbps: number[]; nsPerCall: number }[] {
  for (const fn of fns) measure(fn, buffers, WARM_UP_MS);
  const rounds = fns.map(() => [] as Measurement[]);
  for (let r = 0; r < ROUNDS; r++) fns.forEach((fn, i) => rounds[i]!.push(measure(fn, buffers, ROUND_MS)));
  return rounds.map((ms) => ({ mbps: ms.map((m) => m.mbps), nsPerCall: median(ms.map((m) => m.nsPerCall)) }));
}

function main(): void {
  printEnvironment('bench:crc: CRC-32C (core/records)');
  const native = crc32cImplementation === 'native' ? crc32c : undefined;
  if (native === undefined) console.log('native CRC-32C did not load (or BROOK_CRC32C=js): only the JS fallback is measured\n');
  console.log(`MB = 10^6 bytes; median of ${ROUNDS} rounds of ${ROUND_MS} ms after a ${WARM_UP_MS} ms warm-up; range = min-max of the rounds\n`);

  const rows: string[][] = [];
  for (const size of SIZES) {
    const buffers = makeBuffers(size);
    for (const b of buffers.slice(0, 8)) {
      if (native !== undefined && native(b) !== crc32cJs(b)) throw new Error(`native and JS CRC-32C disagree on a ${size}-byte buffer`);
    }
    const [js, nat] = bench(native === undefined ? [crc32cJs] : [crc32cJs, native], buffers);
    if (js === undefined) throw new Error('no JS measurement');
    const range = (values: readonly number[]): string => `${fmt(Math.min(...values))}-${fmt(Math.max(...values))}`;
    rows.push([
      fmtBytes(size),
      nat === undefined ? '-' : fmt(median(nat.mbps)),
      nat === undefined ? '-' : range(nat.mbps),
      nat === undefined ? '-' : fmt(nat.nsPerCall),
      fmt(median(js.mbps)),
      range(js.mbps),
      fmt(js.nsPerCall),
      nat === undefined ? '-' : `${(median(nat.mbps) / median(js.mbps)).toFixed(1)}x`,
    ]);
  }

  printTable(
    [
      { header: 'buffer', align: 'right' },
      { header: 'native MB/s', align: 'right' },
      { header: 'range', align: 'right' },
      { header: 'ns/call', align: 'right' },
      { header: 'JS MB/s', align: 'right' },
      { header: 'range', align: 'right' },
      { header: 'ns/call', align: 'right' },
      { header: 'native/JS', align: 'right' },
    ],
    rows,
  );
  console.log(`\n(xor of all CRCs computed: ${(blackhole >>> 0).toString(16)})`);
}

main();
