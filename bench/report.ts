import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32cImplementation } from '../core/records/index.ts';

/** Throughput unit used by every bench: MB = 10^6 bytes, as disk and network figures are quoted. */
export const MB = 1_000_000;

export interface Column {
  header: string;
  align: 'left' | 'right';
}

/** Prints rows as a plain-text table, each column padded to its widest cell. */
export function printTable(columns: readonly Column[], rows: readonly (readonly string[])[]): void {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i]!;
        return c.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((c) => c.header)));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Prints what the figures depend on: Node, CPU, the CRC-32C in use and the temp dir. */
export function printEnvironment(title: string): void {
  const cpus = os.cpus();
  console.log(title);
  console.log(`  node     ${process.version} (${process.platform}/${process.arch})`);
  console.log(`  cpu      ${cpus[0]?.model.trim() ?? 'unknown'} x ${cpus.length} cores`);
  console.log(`  memory   ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`);
  console.log(`  crc32c   ${crc32cImplementation}`);
  console.log(`  tmpdir   ${os.tmpdir()}`);
  console.log('');
}

/** A number with thousands separators and a fixed count of decimals. */
export function fmt(n: number, decimals = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function fmtBytes(bytes: number): string {
  const scaled = (value: number, unit: string, decimals: number): string => `${value.toFixed(decimals).replace(/\.0+$/, '')} ${unit}`;
  if (bytes >= 1000 * 1024 ** 2) return scaled(bytes / 1024 ** 3, 'GiB', 2);
  if (bytes >= 1024 ** 2) return scaled(bytes / 1024 ** 2, 'MiB', 1);
  if (bytes >= 1024) return scaled(bytes / 1024, 'KiB', 1);
  return `${bytes} B`;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

/** A min-max range of durations in one unit, e.g. "508-688 ms" or "1.48-1.73 s". */
export function fmtMsRange(values: readonly number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (hi >= 1000) return `${(lo / 1000).toFixed(2)}-${(hi / 1000).toFixed(2)} s`;
  const decimals = hi < 10 ? 2 : hi < 100 ? 1 : 0;
  return `${lo.toFixed(decimals)}-${hi.toFixed(decimals)} ms`;
}

/** The p-th percentile (0..100) of `values`, nearest-rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Runs `fn` with a fresh directory under os.tmpdir() and removes it afterwards, also
 * when the run fails or is interrupted with Ctrl-C.
 */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const remove = (): void => {
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    remove();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(dir);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    remove();
  }
}
