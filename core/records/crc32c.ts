import { createRequire } from 'node:module';

/** CRC-32C (Castagnoli), as Kafka's record batch v2 uses it. */
export type Crc32c = (data: Uint8Array, initial?: number) => number;

const POLY = 0x82f63b78;

/**
 * Slicing-by-8 tables: eight 256-entry tables let the loop consume eight bytes per
 * iteration, which is about 1.5x the speed of the one-table loop in V8.
 */
const TABLES = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/** Pure-JS CRC-32C: the fallback where the native package cannot load. */
export const crc32cJs: Crc32c = (data, initial = 0) => {
  const t = TABLES;
  let crc = ~initial;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  while (i < end8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ crc;
    const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    crc =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + (b & 0xff)]! ^
      t[2 * 256 + ((b >>> 8) & 0xff)]! ^
      t[256 + ((b >>> 16) & 0xff)]! ^
      t[b >>> 24]!;
    i += 8;
  }
  while (i < data.length) {
    crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
};

const CHECK_INPUT = new TextEncoder().encode('123456789');
const CHECK_VALUE = 0xe3069283;

/**
 * Loads @node-rs/crc32 (prebuilt, SIMD) when this platform has a binary for it, and
 * accepts it only if it passes the standard check value; otherwise the JS version serves.
 */
function loadNative(): Crc32c | undefined {
  if (process.env['BROOK_CRC32C'] === 'js') return undefined;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/crc32') as { crc32c: (input: Uint8Array, initial?: number | null) => number };
    const native: Crc32c = (data, initial = 0) => mod.crc32c(data, initial);
    return native(CHECK_INPUT) === CHECK_VALUE ? native : undefined;
  } catch {
    return undefined;
  }
}

const nativeCrc = loadNative();

/** The CRC-32C in use: native when available. */
export const crc32c: Crc32c = nativeCrc ?? crc32cJs;
export const crc32cImplementation: 'native' | 'js' = nativeCrc ? 'native' : 'js';
