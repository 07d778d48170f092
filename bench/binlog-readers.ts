/**
 * The two ways the binlog benches read binlog files: Brook's decoder (every event decoded,
 * checksums verified, values in their JS form) and `mariadb-binlog` (C, rows printed as
 * commented pseudo-SQL), the reference for what reading the binlog costs.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { BinlogDecoder, splitBinlogFile } from '../connectors/mysql-cdc/binlog/index.ts';

export interface Decoded {
  events: number;
  rows: number;
  ms: number;
}

export function decodeWithBrook(files: readonly { name: string; bytes: Buffer }[]): Decoded {
  const start = performance.now();
  let events = 0;
  let rows = 0;
  const decoder = new BinlogDecoder();
  for (const file of files) {
    for (const raw of splitBinlogFile(file.bytes, file.name)) {
      const event = decoder.decode(raw.bytes, raw.position);
      events++;
      if (event.kind === 'rows') rows += event.rows.length;
    }
  }
  return { events, rows, ms: performance.now() - start };
}

/** Milliseconds `mariadb-binlog --base64-output=DECODE-ROWS --verbose` takes over the files, output drained. */
export async function decodeWithMariadbBinlog(paths: readonly string[]): Promise<number> {
  const start = performance.now();
  const child = spawn('mariadb-binlog', ['--no-defaults', '--base64-output=DECODE-ROWS', '--verbose', ...paths], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Drain the output as the reader would, without keeping it.
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`mariadb-binlog exited with ${String(code)}`);
  return performance.now() - start;
}
